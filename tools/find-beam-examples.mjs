// Finds the sentences where greedy decoding and beam search (width 4) translate differently
// with the default en→pt model, so the lecture's beam section shows a case where beam search
// matters: each row is the greedy and the beam translation with their total log-probabilities
// (beam's is higher where it found the more probable sentence).
//
//   node tools/find-beam-examples.mjs [--beam 4] [--direction en-pt]  → tools/beam-examples.json
//
// Candidates: the 135 English sentences of fixtures/bergamot/en-pt.json (the reference-engine
// parity fixture). Needs target/release/tlab (cargo build --release -p tlab-cli) and
// models/ (tools/setup.sh).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const beam = Number(arg('beam', '4'));
const direction = arg('direction', 'en-pt');
const tlab = path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, 'target'), 'release', 'tlab');
const cases = JSON.parse(fs.readFileSync(path.join(repo, 'fixtures/bergamot', `${direction}.json`), 'utf8')).cases;

const run = (text, width) =>
  JSON.parse(execFileSync(tlab, ['translate', '--json', '--direction', direction, '--beam', String(width), text], { cwd: repo })).nbest[0];

const rows = [];
for (const { text } of cases) {
  const [g, b] = [run(text, 1), run(text, beam)];
  if (g.translation === b.translation) continue;
  rows.push({ text, greedy: g.translation, greedy_log_prob: g.log_prob, beam: b.translation, beam_log_prob: b.log_prob, gain: b.log_prob - g.log_prob });
}
rows.sort((a, b) => b.gain - a.gain);
const out = { command: `node tools/find-beam-examples.mjs --beam ${beam} --direction ${direction}`, direction, beam, candidates: cases.length, differ: rows.length, beam_more_probable: rows.filter((r) => r.gain > 0).length, examples: rows };
fs.writeFileSync(path.join(repo, 'tools/beam-examples.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`${rows.length} of ${cases.length} sentences translate differently (beam ${beam}); beam's is more probable in ${out.beam_more_probable}`);
console.log('| gain | sentence | greedy (log P) | beam (log P) |\n|---:|---|---|---|');
for (const r of rows) console.log(`| ${r.gain.toFixed(2)} | ${r.text} | ${r.greedy} (${r.greedy_log_prob.toFixed(2)}) | ${r.beam} (${r.beam_log_prob.toFixed(2)}) |`);
