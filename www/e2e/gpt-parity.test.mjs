// Parity of the GPT in headless Chromium with Hugging Face's GPT2LMHeadModel, through the
// page's own worker and wasm (lib/client.js → worker.js → GenerateModel), on the three
// small random GPT-2s of tools/make_gpt2_fixtures.py (fixtures/gpt2-*, loaded by URL prefix
// from the server's hub stand-in, each in its own hub layout: tokenizer.json + safetensors;
// vocab.json + merges.txt + pytorch_model.bin; a BERT vocab.txt). For every prompt of each
// fixture's expected.json: encodePrompt gives its input_ids; the logits of one causal pass
// are within 1e-4; greedy, and greedy with the repetition penalty, give the same ids
// (generateIds from the reference's ids, max_new_tokens as the reference); beam 4 gives the
// same 4-best continuations, best first, with scores within 1e-3; and the first prompt's
// attention probabilities are within 1e-4, exactly 0 above the diagonal. (crates/tasks/tests/
// gpt2_parity.rs checks the same natively; this checks the wasm build and the worker path.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, fixture, maxAbsDiff, repo } from './harness.mjs';

const TOL = 1e-4;
const SCORE_TOL = 1e-3;
const FIXTURES = ['gpt2-bpe', 'gpt2-merges-bin', 'gpt2-bert-vocab'];
const missing = FIXTURES.filter((d) => !fs.existsSync(path.join(repo, 'fixtures', d, 'expected.json')));

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Everything the wasm answers for fixture `name`'s prompts, in one page. */
async function answers(name, expected) {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const prefix = new URL(`hub/test-org/${name}/resolve/main`, browser.url).href;
  const maxNewTokens = expected.generation.greedy.max_new_tokens;
  const got = await page.evaluate(
    async ({ prefix, prompts, maxNewTokens, key }) => {
      const { TlabClient } = await import('./lib/client.js');
      const client = new TlabClient();
      const info = await client.loadGpt(key, { url: prefix });
      const out = [];
      for (const [i, p] of prompts.entries()) {
        const ids = p.input_ids;
        const gen = (options) => client.generateIds(key, ids, { maxNewTokens, ...options });
        out.push({
          encoded: Array.from(await client.encodePrompt(key, p.text)),
          logits: (await client.logitsIds(key, ids)).map((row) => Array.from(row)),
          greedy: await gen({}),
          rep: await gen({ repetitionPenalty: p.repetition_penalty }),
          beam: await gen({ beam: 4 }),
          attentions: i === 0 ? await client.attentionsIds(key, ids) : null,
        });
      }
      return { info, out };
    },
    {
      prefix,
      maxNewTokens,
      key: `parity-${name}`,
      prompts: expected.prompts.map((p) => ({ text: p.text, input_ids: p.input_ids, repetition_penalty: p.greedy_rep.repetition_penalty })),
    },
  );
  assert.deepEqual(page.problems, []);
  await page.close();
  return got;
}

for (const name of FIXTURES) {
  test(`${name}: prompt ids, logits, greedy, repetition penalty, beam 4 and attentions equal Hugging Face's`, { skip: missing.includes(name) && `fixtures/${name} is not made yet (tools/make_gpt2_fixtures.py)` }, async () => {
    const expected = fixture(name);
    const { info, out } = await answers(name, expected);
    assert.deepEqual(info.warnings, [], `${name}: load warnings`);
    assert.equal(info.vocab, expected.prompts[0].logits[0].length);
    for (const [i, p] of expected.prompts.entries()) {
      const got = out[i];
      const what = `${name} ${JSON.stringify(p.text)}`;
      assert.deepEqual(got.encoded, p.input_ids, `${what}: encodePrompt`);

      assert.equal(got.logits.length, p.logits.length, `${what}: logits rows`);
      p.logits.forEach((row, pos) => {
        const d = maxAbsDiff(got.logits[pos], row);
        assert.ok(d <= TOL, `${what}: logits at position ${pos}: max |Δ| ${d}`);
      });

      assert.deepEqual(got.greedy.prompt_ids, p.input_ids, `${what}: the prompt generated from`);
      assert.deepEqual(got.greedy.ids, p.greedy.ids, `${what}: greedy`);
      assert.equal(got.greedy.ended_with_eos, p.greedy.ended_with_eos, `${what}: greedy ended with eos`);
      assert.equal(got.greedy.steps.length, got.greedy.ids.length);
      got.greedy.steps.forEach((s, j) => assert.equal(s.top[0].id, s.id, `${what}: greedy step ${j + 1} takes top[0]`));

      assert.deepEqual(got.rep.ids, p.greedy_rep.ids, `${what}: greedy with repetition penalty ${p.greedy_rep.repetition_penalty}`);
      assert.equal(got.rep.ended_with_eos, p.greedy_rep.ended_with_eos, `${what}: repetition penalty, ended with eos`);

      assert.deepEqual(got.beam.nbest.map((s) => s.ids), p.beam4.sequences, `${what}: beam 4-best, best first`);
      assert.deepEqual(got.beam.nbest.map((s) => s.ended_with_eos), p.beam4.ended_with_eos, `${what}: beam hypotheses ended with eos`);
      assert.deepEqual(got.beam.ids, p.beam4.sequences[0], `${what}: the beam's answer is its best`);
      got.beam.nbest.forEach((s, j) => {
        const want = p.beam4.sequences_scores[j];
        assert.ok(Math.abs(s.score - want) <= SCORE_TOL, `${what}: beam ${j + 1} score ${s.score} vs ${want}`);
      });

      if (p.attentions) {
        const a = got.attentions;
        assert.deepEqual(a.ids, p.input_ids);
        assert.equal(a.layers.length, p.attentions.length, `${what}: layers`);
        assert.equal(a.layers.length, info.layers);
        p.attentions.forEach((heads, l) => {
          assert.equal(a.layers[l].length, heads.length, `${what}: heads of layer ${l + 1}`);
          heads.forEach((rows, h) => {
            assert.equal(a.layers[l][h].length, rows.length);
            rows.forEach((row, q) => {
              const ours = a.layers[l][h][q];
              const d = maxAbsDiff(ours, row);
              assert.ok(d <= TOL, `${what}: layer ${l + 1} head ${h + 1} row ${q}: max |Δ| ${d}`);
              for (let k = q + 1; k < ours.length; k++) assert.equal(ours[k], 0, `${what}: layer ${l + 1} head ${h + 1} [${q}][${k}] is exactly 0`);
            });
          });
        });
      } else assert.equal(got.attentions, null);
    }
  });
}
