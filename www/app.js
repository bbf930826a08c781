// The demo page's fill-mask panel. All numbers shown come from the wasm model in the worker.
import { sharedClient, modelPrefix, DEFAULT_BERT, ANTIBERTY } from './lib/client.js';

const $ = (id) => document.getElementById(id);
const client = sharedClient();
let current = { key: DEFAULT_BERT.key, name: 'default', maskToken: '[MASK]', classifiers: [] };
let busy = false;

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = !message;
}

function showProgress({ file, loaded, total }) {
  $('progress').hidden = false;
  const mb = (n) => (n / 1e6).toFixed(1);
  $('progress-label').textContent = total
    ? `Downloading ${file}: ${mb(loaded)} / ${mb(total)} MB`
    : `Downloading ${file}: ${mb(loaded)} MB`;
  $('progress-bar').value = total ? loaded / total : 0;
  if (!total) $('progress-bar').removeAttribute('value');
}

async function loadModel(key, source, name) {
  showError('');
  $('model-name').textContent = `${name} (loading…)`;
  $('fill').disabled = true;
  try {
    const info = await client.loadBert(key, source, showProgress, true);
    current = { key, name, maskToken: info.mask_token, classifiers: info.classifiers ?? [] };
    if (key !== DEFAULT_BERT.key && key !== ANTIBERTY.key) $('model-note').textContent = '';
    $('model-name').textContent = name;
    $('model-info').textContent =
      `${info.layers} layers · hidden ${info.hidden} · ${info.heads} heads · ` +
      `${(info.parameters / 1e6).toFixed(1)} M parameters · mask token ${info.mask_token}`;
    $('progress').hidden = true;
    $('fill').disabled = false;
    await run();
  } catch (e) {
    $('progress').hidden = true;
    $('model-name').textContent = `${name} (failed)`;
    showError(`Could not load the model: ${e.message}`);
  }
}

function renderWords(text) {
  const box = $('words');
  box.replaceChildren();
  const parts = text.split(/(\s+)/);
  parts.forEach((part, i) => {
    if (!part.trim()) {
      box.append(part);
      return;
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.className = part.includes(current.maskToken) ? 'word masked' : 'word';
    b.textContent = part;
    b.title = part.includes(current.maskToken) ? 'Unmask' : 'Mask this word';
    b.addEventListener('click', () => toggleMask(parts, i));
    box.append(b);
  });
}

// Words masked by clicking, by their index among the split parts, to restore on a second click.
const originals = new Map();

function toggleMask(parts, i) {
  const part = parts[i];
  const mask = current.maskToken;
  if (part.includes(mask)) {
    parts[i] = originals.get(i) ?? part.replace(mask, '');
    originals.delete(i);
  } else {
    const [, lead, , trail] = part.match(/^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u);
    originals.set(i, part);
    parts[i] = `${lead}${mask}${trail}`;
  }
  $('text').value = parts.join('');
  run();
}

function renderResults(out) {
  const box = $('results');
  box.replaceChildren();
  out.masks.forEach((m, n) => {
    const card = document.createElement('div');
    card.className = 'mask-card';
    const h = document.createElement('h3');
    h.textContent = out.masks.length > 1 ? `${current.maskToken} #${n + 1}` : current.maskToken;
    card.append(h);
    const list = document.createElement('ol');
    list.className = 'bars';
    for (const c of m.candidates) {
      const li = document.createElement('li');
      li.dataset.id = String(c.id);
      const word = document.createElement('span');
      word.className = 'token';
      // "##ing" is a word piece that continues the word before it.
      word.textContent = c.token.startsWith('##') ? `…${c.token.slice(2)}` : c.token;
      word.title = `token ${c.token} · id ${c.id}`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = `${Math.max(0.5, c.prob * 100)}%`;
      bar.append(fill);
      const pct = document.createElement('span');
      pct.className = 'prob';
      pct.textContent = `${(c.prob * 100).toFixed(1)}%`;
      pct.dataset.prob = String(c.prob);
      li.append(word, bar, pct);
      list.append(li);
    }
    card.append(list);
    box.append(card);
  });
  $('filled').textContent = out.filled;
}

async function run() {
  const text = $('text').value;
  renderWords(text);
  if (busy) return;
  busy = true;
  try {
    const t0 = performance.now();
    const out = await client.fill(current.key, text, Number($('top-k').value));
    $('timing').textContent = `${(performance.now() - t0).toFixed(0)} ms`;
    showError('');
    renderResults(out);
    await renderClasses(text);
  } catch (e) {
    showError(e.message);
    $('results').replaceChildren();
    $('filled').textContent = '';
    $('classes').hidden = true;
  } finally {
    busy = false;
    if ($('text').value !== text) run();
  }
}

// Models with sequence classifiers on [CLS] (AntiBERTy: species, chain) show them too.
async function renderClasses(text) {
  const box = $('classes');
  if (!current.classifiers.length) {
    box.hidden = true;
    return;
  }
  const heads = await client.classify(current.key, text);
  box.replaceChildren(
    ...heads.map((h) => {
      const p = document.createElement('p');
      p.className = 'class-head';
      p.dataset.head = h.head;
      p.dataset.label = h.label;
      p.dataset.prob = h.prob;
      p.textContent = `${h.head}: ${h.label} (${(100 * h.prob).toFixed(1)} %) — ` +
        h.classes.map((c) => `${c.label} ${(100 * c.prob).toFixed(1)} %`).join(' · ');
      return p;
    }),
  );
  box.hidden = false;
}

async function loadFiles(fileList) {
  const byName = {};
  for (const f of fileList) byName[f.name] = f;
  const want = { config: 'config.json', tokenizer: 'tokenizer.json', weights: 'model.safetensors', tokenizerConfig: 'tokenizer_config.json' };
  const missing = ['config', 'tokenizer', 'weights'].filter((k) => !byName[want[k]]).map((k) => want[k]);
  if (missing.length) {
    showError(`Missing ${missing.join(', ')} — choose config.json, tokenizer.json and model.safetensors together.`);
    return;
  }
  const files = {};
  for (const [k, name] of Object.entries(want)) if (byName[name]) files[k] = await byName[name].arrayBuffer();
  await loadModel(`local:${Date.now()}`, { files }, 'local files');
}

let debounce;
$('text').addEventListener('input', () => {
  originals.clear();
  clearTimeout(debounce);
  debounce = setTimeout(run, 250);
});
$('top-k').addEventListener('change', run);
$('fill').addEventListener('click', run);
$('load-url').addEventListener('click', () => {
  const raw = $('model-url').value;
  if (!raw.trim()) {
    showError('Type a Hugging Face model name (like google-bert/bert-base-uncased) or a URL prefix first.');
    return;
  }
  let url;
  try {
    url = modelPrefix(raw);
  } catch {
    showError(`"${raw}" is not a model name or a URL.`);
    return;
  }
  loadModel(url, { url }, raw.trim());
});
$('model-url').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') $('load-url').click();
});
async function loadDefault() {
  // models/index.json (written by tools/setup.sh) names the default model and any caveat.
  let name = 'default';
  try {
    const index = await (await fetch(new URL('../index.json', `${DEFAULT_BERT.url}/`))).json();
    name = `default: ${index['fill-mask'].name}`;
    $('model-note').textContent = index['fill-mask'].note ?? '';
  } catch {
    $('model-note').textContent = '';
  }
  await loadModel(DEFAULT_BERT.key, { url: DEFAULT_BERT.url }, name);
}

$('load-default').addEventListener('click', loadDefault);

// AntiBERTy: the clearest view of a well-trained masked-LM head (residues come back with
// high confidence). Its name, note and example sequence come from models/index.json.
async function loadAntiberty() {
  const index = await (await fetch(new URL('../index.json', `${ANTIBERTY.url}/`))).json();
  const entry = index.antiberty;
  $('model-note').textContent = entry.note ?? '';
  if (entry.example) $('text').value = entry.example;
  originals.clear();
  await loadModel(ANTIBERTY.key, { url: ANTIBERTY.url }, entry.name);
}
$('load-antiberty').addEventListener('click', () =>
  loadAntiberty().catch((e) => showError(`Could not load AntiBERTy: ${e.message}`)),
);
$('model-files').addEventListener('change', (e) => loadFiles(e.target.files));
const drop = $('drop-zone');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  loadFiles(e.dataTransfer.files);
});
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') $('model-files').click();
});

// ?model=<name or URL prefix> loads that model instead of the default (handy for links in notes).
const wanted = new URLSearchParams(location.search).get('model');
if (wanted) {
  const url = modelPrefix(wanted);
  loadModel(url, { url }, wanted);
} else {
  loadDefault();
}
