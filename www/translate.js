// The demo page's translation panel: direction, greedy / beam search, n-best with scores.
import { sharedClient, DEFAULT_TRANSLATE } from './lib/client.js';

const $ = (id) => document.getElementById(id);
const client = sharedClient();
const loaded = new Map(); // direction → Promise

function showError(message) {
  $('tr-error').textContent = message;
  $('tr-error').hidden = !message;
}

function direction() {
  return document.querySelector('input[name="tr-direction"]:checked').value;
}

function ensureModel(dir) {
  if (!loaded.has(dir)) {
    const m = DEFAULT_TRANSLATE[dir];
    const p = client.loadTranslate(m.key, { url: m.url, shortlist: m.shortlist }, ({ file, loaded: n, total }) => {
      $('tr-progress').hidden = false;
      $('tr-progress-label').textContent = total
        ? `Downloading ${file}: ${(n / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`
        : `Preparing: ${file}`;
      $('tr-progress-bar').value = total ? n / total : 1;
    });
    p.finally(() => ($('tr-progress').hidden = true));
    p.catch(() => loaded.delete(dir));
    loaded.set(dir, p);
  }
  return loaded.get(dir);
}

function options() {
  const beam = document.querySelector('input[name="tr-mode"]:checked').value === 'beam';
  return { beam: beam ? Number($('tr-beam').value) : 1, alpha: Number($('tr-alpha').value) };
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
async function run() {
  if (running) return;
  running = true;
  $('tr-go').disabled = true;
  const dir = direction();
  const opts = options();
  try {
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
  }
}

for (const r of document.querySelectorAll('input[name="tr-mode"]')) {
  r.addEventListener('change', () => {
    const beam = options().beam > 1;
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
