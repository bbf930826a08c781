// Fine-tuning in the page, timed as a lecturer sees it: headless Chromium opens the
// <bert-finetune> widget (embed.html) on the built-in Brown data, presses Train, and measures
// the wall time from the click until the held-out token accuracy reaches 90 %, with the time
// spent on the encoder's features and on training the head, and the accuracy over time.
// Then it counts the word pieces of the sentences (the default fill-mask model's tokenizer)
// to give the encoder's cost per token.
//
//   node tools/bench-finetune.mjs [--sentences 300] [--held-out 100] [--steps 300] [--json]
//
// Without --sentences etc. it runs the widget's defaults (FINETUNE_DEFAULTS in
// www/widgets/bert-finetune.js, chosen with this command).
import { launch } from '../www/e2e/harness.mjs';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : null;
};
const json = process.argv.includes('--json');
const GOAL = 0.9;
const params = new URLSearchParams({ widget: 'bert-finetune', lang: 'en' });
for (const name of ['sentences', 'held-out', 'steps']) if (arg(`--${name}`)) params.set(name, arg(`--${name}`));

const browser = await launch();
let result;
try {
  const page = await browser.newPage();
  await page.goto(new URL(`embed.html?${params}`, browser.url).href);
  await page.waitForFunction(() => document.querySelector('bert-finetune')?.dataset.state === 'ready');
  result = await page.evaluate(
    async ({ GOAL }) => {
      const w = document.querySelector('bert-finetune');
      let reached = null;
      const t0 = performance.now();
      w.querySelector('.tl-train').click();
      // Poll what the page shows: the wall time at which the accuracy first reads ≥ GOAL.
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          if (reached == null && Number(w.dataset.accuracy) >= GOAL) reached = (performance.now() - t0) / 1000;
          if (w.dataset.phase === 'done' || w.dataset.state === 'error') {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      });
      const wall = (performance.now() - t0) / 1000;
      if (w.dataset.state === 'error') throw new Error(w.querySelector('.tl-error').textContent);
      const { job } = w;
      const train = job.data.train.split('\n');
      const held = job.data.heldOut.split('\n');
      // Word pieces per sentence as the encoder sees them ([CLS] … [SEP]; no padding).
      const { TlabClient, DEFAULT_BERT } = await import('./lib/client.js');
      const client = new TlabClient();
      await client.loadBert(DEFAULT_BERT.key, { url: DEFAULT_BERT.url });
      let tokens = 0;
      for (const line of [...train, ...held]) {
        const words = line.trim().split(/\s+/).map((p) => p.slice(0, p.lastIndexOf('/')));
        tokens += (await client.tokenize(DEFAULT_BERT.key, words.join(' '))).pieces.length;
      }
      const featureStep = job.history[0];
      return {
        sentences: job.data.trainCount,
        heldOut: job.data.heldCount,
        trainWords: job.feat.train_words,
        heldOutWords: job.feat.held_out_words,
        tokens,
        labels: job.labels.length,
        steps: job.history.at(-1).step,
        loadAndFeaturesS: featureStep.s,
        featureS: job.featureMs / 1000,
        // The step from the widget's record (polling may see a later one), the time as polled.
        reached: reached == null ? null : { s: reached, step: job.reachedAt?.step },
        wallS: wall,
        final: job.history.at(-1),
        history: job.history.map(({ step, epochs, loss, acc, s }) => ({ step, epochs, loss: Number.isFinite(loss) ? loss : null, acc, s })),
        problems: [],
      };
    },
    { GOAL },
  );
  result.problems = page.problems;
} finally {
  await browser.close();
}

const r = result;
const words = r.trainWords + r.heldOutWords;
const summary = {
  training_sentences: r.sentences,
  training_words: r.trainWords,
  held_out_sentences: r.heldOut,
  held_out_words: r.heldOutWords,
  labels: r.labels,
  word_pieces: r.tokens,
  load_and_features_s: r.loadAndFeaturesS,
  features_s: r.featureS,
  features_ms_per_word: (1000 * r.featureS) / words,
  features_ms_per_token: (1000 * r.featureS) / r.tokens,
  train_s_to_90: r.reached ? r.reached.s - r.loadAndFeaturesS : null,
  steps_to_90: r.reached?.step ?? null,
  wall_s_train_to_90: r.reached?.s ?? null,
  steps: r.steps,
  wall_s_all_steps: r.wallS,
  final_accuracy: r.final.acc,
  history: r.history,
};
if (json) console.log(JSON.stringify(summary, null, 1));
else {
  const f = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
  console.log(`bert-finetune on the built-in Brown POS data (${r.labels} tags), headless Chromium, wasm on ${(await import('node:os')).cpus().length} CPU cores`);
  console.log('| training set | held out | load + features | features | per word | per token | Train → 90 % | of which training | steps to 90 % | final accuracy (step) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${r.sentences} sentences, ${r.trainWords} words | ${r.heldOut} sentences, ${r.heldOutWords} words | ${f(r.loadAndFeaturesS)} s | ${f(r.featureS)} s | ${f(summary.features_ms_per_word, 2)} ms | ${f(summary.features_ms_per_token, 2)} ms | ${r.reached ? `${f(r.reached.s)} s` : 'not reached'} | ${f(summary.train_s_to_90)} s | ${summary.steps_to_90 ?? '—'} | ${f(100 * r.final.acc)} % (${r.steps}) |`,
  );
  console.log('\naccuracy over time (s since Train):');
  console.log('| s | step | epochs | training loss | held-out accuracy |');
  console.log('|---:|---:|---:|---:|---:|');
  const shown = r.history.filter((p, i, all) => i === 0 || i === all.length - 1 || p.step % 50 === 0 || (p.acc >= GOAL && all[i - 1].acc < GOAL));
  for (const p of shown) console.log(`| ${f(p.s)} | ${p.step} | ${f(p.epochs, 2)} | ${p.loss == null ? '—' : f(p.loss, 3)} | ${f(100 * p.acc)} % |`);
}
if (r.problems.length) throw new Error(r.problems.join('\n'));
