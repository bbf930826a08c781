// The demo page's translation panel: direction, greedy / beam search, n-best with scores.
// Only the fields of the chosen mode are read and sent (greedy ignores the disabled width
// and α); a value out of range is refused here in words, and the panel is never left busy.
import { sharedClient, DEFAULT_TRANSLATE } from './lib/client.js';

const $ = (id) => document.getElementById(id);
const client = sharedClient();
const loaded = new Map();

function showError(message) {
  $('tr-error').textContent = message;
  $('tr-error').hidden = !message;
}

function direction() {
  return document.querySelector('input[name="tr-direction"]:checked').value;
}

// direction → {generation, promise}: a load belongs to the worker it ran on (a crash
// starts a fresh worker, client.generation + 1, where the model must be loaded again).
function ensureModel(dir) {
  const cached = loaded.get(dir);
  if (cached && cached.generation === client.generation) return cached.promise;
  const m = DEFAULT_TRANSLATE[dir];
  const promise = client.loadTranslate(m.key, { url: m.url, shortlist: m.shortlist }, ({ file, loaded: n, total }) => {
    $('tr-progress').hidden = false;
    $('tr-progress-label').textContent = total
      ? `Downloading ${file}: ${(n / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`
      : `Preparing: ${file}`;
    $('tr-progress-bar').value = total ? n / total : 1;
  });
  const entry = { generation: client.generation, promise };
  promise.then(
    () => ($('tr-progress').hidden = true),
    () => {
      $('tr-progress').hidden = true;
      if (loaded.get(dir) === entry) loaded.delete(dir);
    },
  );
  loaded.set(dir, entry);
  return promise;
}

/** The request's options, or an Error in words for a field out of range. */
function options() {
  const beam = document.querySelector('input[name="tr-mode"]:checked').value === 'beam';
  if (!beam) return { beam: 1 };
  const width = $('tr-beam').value.trim();
  const alpha = $('tr-alpha').value.trim();
  if (!/^\d+$/.test(width) || Number(width) < 2 || Number(width) > 8) {
    throw new Error(`The beam width must be a whole number from 2 to 8 (it is “${width}”).`);
  }
  if (alpha === '' || !Number.isFinite(Number(alpha)) || Number(alpha) < 0 || Number(alpha) > 5) {
    throw new Error(`The length penalty α must be a number from 0 to 5 (it is “${alpha}”).`);
  }
  return { beam: Number(width), alpha: Number(alpha) };
}

function renderNbest(out, opts) {
  const table = $('tr-nbest');
  const body = table.querySelector('tbody');
  body.replaceChildren();
  table.hidden = opts.beam === 1;
  out.nbest.forEach((c, i) => {
    const tr = document.createElement('tr');
    for (const v of [String(i + 1), c.translation, c.score.toFixed(4), c.log_prob.toFixed(4)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    body.append(tr);
  });
}

let running = false;
let again = false; // asked to run while a translation was in flight: run once more after it

async function run() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  again = false;
  $('tr-go').disabled = true;
  try {
    const dir = direction();
    const opts = options();
    await ensureModel(dir);
    const t0 = performance.now();
    const out = await client.translate(DEFAULT_TRANSLATE[dir].key, $('tr-text').value, opts);
    $('tr-timing').textContent = `${(performance.now() - t0).toFixed(0)} ms`;
    showError('');
    $('tr-output').textContent = out.translation;
    renderNbest(out, opts);
  } catch (e) {
    showError(e.message);
    $('tr-output').textContent = '';
    $('tr-nbest').hidden = true;
  } finally {
    running = false;
    $('tr-go').disabled = false;
    if (again) run();
  }
}

for (const r of document.querySelectorAll('input[name="tr-mode"]')) {
  r.addEventListener('change', () => {
    const beam = document.querySelector('input[name="tr-mode"]:checked').value === 'beam';
    $('tr-beam').disabled = !beam;
    $('tr-alpha').disabled = !beam;
    run();
  });
}
for (const r of document.querySelectorAll('input[name="tr-direction"]')) {
  r.addEventListener('change', () => {
    // Swap in the current output as the new source: the natural round trip.
    const out = $('tr-output').textContent;
    if (out) $('tr-text').value = out;
    run();
  });
}
$('tr-go').addEventListener('click', run);
$('tr-beam').addEventListener('change', run);
$('tr-alpha').addEventListener('change', run);
$('tr-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run();
});
run();
