// Fine-tuning in the page, timed as a lecturer sees it: headless Chromium opens the
// <bert-finetune> widget (embed.html) on the built-in Brown data, presses Train, and measures
// the wall time from the click until the held-out token accuracy reaches 90 %, with the time
// spent on the encoder's features and on training, the training speed (steps per second of
// the train calls, each call's held-out measurement included), and the accuracy over time.
// Then it counts the word pieces of the sentences (the default fill-mask model's tokenizer)
// to give the encoder's cost per token.
//
//   node tools/bench-finetune.mjs [--sentences 300] [--held-out 100] [--steps 300]
//                                 [--top-layers 0,1] [--cap 120] [--json]
//
// --top-layers: the widget's choice of encoder layers that train with the head (0: the head
// alone, the default; a comma-separated list runs each in turn, in a fresh page). --cap: a
// run that has not reached 90 % this many seconds after Train is paused there, and the best
// accuracy it reached is reported (default 120). Without --sentences etc. it runs the
// widget's defaults (FINETUNE_DEFAULTS in www/widgets/bert-finetune.js, chosen with this
// command; `steps` is 500 for the head alone, 100 when layers train).
import os from 'node:os';
import { launch } from '../www/e2e/harness.mjs';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : null;
};
const json = process.argv.includes('--json');
const GOAL = 0.9;
const CAP_S = Number(arg('--cap') ?? 120);
if (!(CAP_S > 0)) throw new Error(`--cap must be a positive number of seconds, not ${arg('--cap')}`);
const TOP_LAYERS = (arg('--top-layers') ?? '0').split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--top-layers takes whole numbers (0, 1, …), comma-separated, not "${x}"`);
  return n;
});

/** One run of the widget with `topLayers`: the page's measurements. */
async function bench(browser, topLayers) {
  const params = new URLSearchParams({ widget: 'bert-finetune', lang: 'en', 'top-layers': String(topLayers) });
  for (const name of ['sentences', 'held-out', 'steps']) if (arg(`--${name}`)) params.set(name, arg(`--${name}`));
  const page = await browser.newPage();
  try {
    await page.goto(new URL(`embed.html?${params}`, browser.url).href);
    await page.waitForFunction(() => document.querySelector('bert-finetune')?.dataset.state === 'ready');
    const result = await page.evaluate(
      async ({ GOAL, CAP_S }) => {
        const w = document.querySelector('bert-finetune');
        let reached = null;
        let capped = false;
        const t0 = performance.now();
        w.querySelector('.tl-train').click();
        // Poll what the page shows: the wall time at which the accuracy first reads ≥ GOAL;
        // past the cap without it, Pause.
        await new Promise((resolve) => {
          const timer = setInterval(() => {
            const s = (performance.now() - t0) / 1000;
            if (reached == null && Number(w.dataset.accuracy) >= GOAL) reached = s;
            if (reached == null && !capped && s > CAP_S && w.dataset.phase === 'training') {
              capped = true;
              w.querySelector('.tl-pause').click();
            }
            if (w.dataset.phase === 'done' || w.dataset.phase === 'paused' || w.dataset.state === 'error') {
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
        const best = job.history.reduce((a, b) => (b.acc > a.acc ? b : a));
        return {
          tunedLayers: job.tuned,
          sentences: job.data.trainCount,
          heldOut: job.data.heldCount,
          trainWords: job.feat.train_words,
          heldOutWords: job.feat.held_out_words,
          tokens,
          labels: job.labels.length,
          steps: job.history.at(-1).step,
          loadAndFeaturesS: featureStep.s,
          featureS: job.featureMs / 1000,
          trainCallsS: job.trainMs / 1000,
          trainSteps: job.trainSteps,
          // The step from the widget's record (polling may see a later one), the time as polled.
          reached: reached == null ? null : { s: reached, step: job.reachedAt?.step },
          capped,
          best: { step: best.step, acc: best.acc, s: best.s },
          wallS: wall,
          final: job.history.at(-1),
          history: job.history.map(({ step, epochs, loss, acc, s }) => ({ step, epochs, loss: Number.isFinite(loss) ? loss : null, acc, s })),
          statusLine: w.querySelector('.tl-ft-status').textContent,
        };
      },
      { GOAL, CAP_S },
    );
    result.problems = page.problems;
    return result;
  } finally {
    await page.close();
  }
}

const browser = await launch();
const results = [];
try {
  for (const n of TOP_LAYERS) results.push(await bench(browser, n));
} finally {
  await browser.close();
}

const summaries = results.map((r) => {
  const words = r.trainWords + r.heldOutWords;
  return {
    top_layers: r.tunedLayers,
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
    // Training speed: steps over the time of the train calls (each with its held-out measurement).
    steps_per_s: r.trainSteps / r.trainCallsS,
    ms_per_step: (1000 * r.trainCallsS) / r.trainSteps,
    train_s_to_90: r.reached ? r.reached.s - r.loadAndFeaturesS : null,
    steps_to_90: r.reached?.step ?? null,
    wall_s_train_to_90: r.reached?.s ?? null,
    capped_at_s: r.capped ? CAP_S : null,
    best_accuracy: r.best.acc,
    best_step: r.best.step,
    best_s: r.best.s,
    steps: r.steps,
    wall_s_all_steps: r.wallS,
    final_accuracy: r.final.acc,
    status_line: r.statusLine,
    history: r.history,
  };
});
// (One run: its object, as before --top-layers took a list.)
if (json) console.log(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 1));
else {
  const f = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
  console.log(`bert-finetune on the built-in Brown POS data (${results[0].labels} tags), headless Chromium, wasm on ${os.cpus().length} CPU cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| encoder layers trained | training set | held out | load + features | per token | steps/s | per step | Train → 90 % | of which training | steps to 90 % | best accuracy (step, s) | final accuracy (step) |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [i, r] of results.entries()) {
    const m = summaries[i];
    const to90 = r.reached ? `${f(r.reached.s)} s` : r.capped ? `not within ${CAP_S} s` : 'not reached';
    console.log(
      `| ${r.tunedLayers ? `top ${r.tunedLayers} + head` : 'head only'} | ${r.sentences} sentences, ${r.trainWords} words | ${r.heldOut} sentences, ${r.heldOutWords} words | ${f(r.loadAndFeaturesS)} s | ${f(m.features_ms_per_token, 2)} ms | ${f(m.steps_per_s, m.steps_per_s >= 10 ? 0 : 2)} | ${m.ms_per_step >= 100 ? `${f(m.ms_per_step / 1000, 2)} s` : `${f(m.ms_per_step, 1)} ms`} | ${to90} | ${f(m.train_s_to_90)} s | ${m.steps_to_90 ?? '—'} | ${f(100 * r.best.acc)} % (${r.best.step}, ${f(r.best.s)} s) | ${f(100 * r.final.acc)} % (${r.steps}) |`,
    );
  }
  for (const r of results) {
    console.log(`\n${r.tunedLayers ? `top ${r.tunedLayers} encoder layer(s) + head` : 'head only'}: accuracy over time (s since Train); the widget's line: ${r.statusLine}`);
    console.log('| s | step | epochs | training loss | held-out accuracy |');
    console.log('|---:|---:|---:|---:|---:|');
    const every = r.tunedLayers ? 10 : 50;
    const shown = r.history.filter((p, j, all) => j === 0 || j === all.length - 1 || p.step % every === 0 || (p.acc >= GOAL && all[j - 1].acc < GOAL));
    for (const p of shown) console.log(`| ${f(p.s)} | ${p.step} | ${f(p.epochs, 2)} | ${p.loss == null ? '—' : f(p.loss, 3)} | ${f(100 * p.acc)} % |`);
  }
}
const problems = results.flatMap((r) => r.problems);
if (problems.length) throw new Error(problems.join('\n'));
