// The demo page's fill-mask panel. All numbers shown come from the wasm model in the worker.
//
// Loading a model is a race the last click must win: every load takes a ticket and shares
// the client's 'fill-mask' slot, so a newer load cancels the older one's download, and a
// result that arrives for an old ticket is dropped. Whatever fails, the header names the
// model that answers now (or says none does), Fill works with it, and the reason is shown in
// words. ?model=<name or URL prefix> loads another model at start (the default if that
// fails); ?stall=<seconds> sets how long a download may receive nothing (default 30; tests).
import { sharedClient, modelPrefix, isCancelled, DEFAULT_BERT, ANTIBERTY } from './lib/client.js';

const $ = (id) => document.getElementById(id);
const client = sharedClient();
const params = new URLSearchParams(location.search);
const stallSeconds = Number(params.get('stall')) > 0 ? Number(params.get('stall')) : undefined;
const SLOT = 'fill-mask';

/** The model that answers: {key, name, note, maskToken, classifiers, stats}; null until one loads. */
let current = null;
let loadTicket = 0; // the newest load; older ones neither show progress nor change the page

// The error box shows a load error and a fill error independently, so a successful fill
// does not hide why a model failed to load, and a new load does not hide a fill error.
const errors = { load: '', fill: '' };
function showError(kind, message) {
  errors[kind] = message;
  const text = [errors.load, errors.fill].filter(Boolean).join('\n');
  $('error').textContent = text;
  $('error').hidden = !text;
}

/** The header and Fill button for `current`, or for a load in progress (name given). */
function showModel(loadingName) {
  if (loadingName) {
    $('model-name').textContent = `${loadingName} (loading…)`;
    $('model-info').textContent = current ? `— until then ${current.name} answers` : '';
  } else {
    $('model-name').textContent = current ? current.name : 'none loaded';
    $('model-info').textContent = current ? current.stats : '';
    $('model-note').textContent = current?.note ?? '';
  }
  $('fill').disabled = !current;
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

/** Takes the newest ticket at once (a click), cancelling the load before it. */
function beginLoad(name, { keepError = false } = {}) {
  const ticket = ++loadTicket;
  client.cancel(SLOT, 'superseded');
  if (!keepError) showError('load', '');
  showModel(name);
  $('progress-label').textContent = `Loading ${name}…`;
  $('progress-bar').removeAttribute('value');
  $('progress').hidden = false;
  return ticket;
}

/** Ends load `ticket` (if still the newest) with the page back on `current`. */
function endLoad(ticket, error, name) {
  if (ticket !== loadTicket) return;
  $('progress').hidden = true;
  showModel();
  if (error && !isCancelled(error)) showError('load', `Could not load the model “${name}”: ${error.message}`);
}

/** Loads a model for ticket `ticket`: 'loaded' | 'failed' | 'cancelled' | 'superseded'. */
async function loadModel(ticket, key, source, name, note = '') {
  if (ticket !== loadTicket) return 'superseded';
  try {
    const onProgress = (p) => ticket === loadTicket && showProgress(p);
    const info = await client.loadBert(key, source, onProgress, { slot: SLOT, stallSeconds });
    if (ticket !== loadTicket) return 'superseded';
    current = {
      key,
      name,
      note,
      maskToken: info.mask_token,
      classifiers: info.classifiers ?? [],
      stats:
        `${info.layers} layers · hidden ${info.hidden} · ${info.heads} heads · ` +
        `${(info.parameters / 1e6).toFixed(1)} M parameters · mask token ${info.mask_token}`,
    };
    endLoad(ticket);
    run();
    return 'loaded';
  } catch (e) {
    if (ticket !== loadTicket) return 'superseded';
    endLoad(ticket, e, name);
    return isCancelled(e) ? 'cancelled' : 'failed';
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
    const mask = current?.maskToken ?? '[MASK]';
    b.className = part.includes(mask) ? 'word masked' : 'word';
    b.textContent = part;
    b.title = part.includes(mask) ? 'Unmask' : 'Mask this word';
    b.addEventListener('click', () => toggleMask(parts, i));
    box.append(b);
  });
}

// Words masked by clicking, by their index among the split parts, to restore on a second click.
const originals = new Map();

function toggleMask(parts, i) {
  const part = parts[i];
  const mask = current?.maskToken ?? '[MASK]';
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

function renderResults(out, model) {
  const box = $('results');
  box.replaceChildren();
  out.masks.forEach((m, n) => {
    const card = document.createElement('div');
    card.className = 'mask-card';
    const h = document.createElement('h3');
    h.textContent = out.masks.length > 1 ? `${model.maskToken} #${n + 1}` : model.maskToken;
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

let busy = false;
let again = false; // a run was asked for while one was in flight
const panel = $('fill-mask');

// The panel's data-state says what the page shows: 'running', then 'answered' or 'error'
// (data-runs counts finished runs), so tests can wait for an outcome.
async function run() {
  renderWords($('text').value);
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  again = false;
  panel.dataset.state = 'running';
  const text = $('text').value;
  const model = current;
  let outcome = 'error';
  try {
    if (!model) throw new Error('No model is loaded: choose one under “Model” above.');
    const t0 = performance.now();
    const out = await client.fill(model.key, text, Number($('top-k').value));
    if (model !== current) return; // another model came in meanwhile: run again below
    $('timing').textContent = `${(performance.now() - t0).toFixed(0)} ms`;
    showError('fill', '');
    renderResults(out, model);
    await renderClasses(text, model);
    outcome = 'answered';
  } catch (e) {
    if (model !== current) return;
    showError('fill', e.message);
    $('results').replaceChildren();
    $('filled').textContent = '';
    $('classes').hidden = true;
  } finally {
    busy = false;
    if (again || $('text').value !== text || model !== current) run();
    else {
      panel.dataset.state = outcome;
      panel.dataset.runs = String(Number(panel.dataset.runs ?? 0) + 1);
    }
  }
}

// Models with sequence classifiers on [CLS] (AntiBERTy: species, chain) show them too.
async function renderClasses(text, model) {
  const box = $('classes');
  if (!model.classifiers.length) {
    box.hidden = true;
    return;
  }
  const heads = await client.classify(model.key, text);
  if (model !== current) return;
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
    showError('load', `Missing ${missing.join(', ')} — choose config.json, tokenizer.json and model.safetensors together.`);
    return;
  }
  const ticket = beginLoad('local files');
  const files = {};
  try {
    for (const [k, name] of Object.entries(want)) if (byName[name]) files[k] = await byName[name].arrayBuffer();
  } catch (e) {
    endLoad(ticket, new Error(`the chosen files could not be read (${e.message})`), 'local files');
    return;
  }
  await loadModel(ticket, `local:${Date.now()}`, { files }, 'local files');
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
    showError('load', 'Type a Hugging Face model name (like google-bert/bert-base-uncased) or a URL prefix first.');
    return;
  }
  let url;
  try {
    url = modelPrefix(raw);
  } catch (e) {
    showError('load', `Could not load the model: ${e.message}.`);
    return;
  }
  loadModel(beginLoad(raw.trim()), url, { url }, raw.trim());
});
$('model-url').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') $('load-url').click();
});
$('load-cancel').addEventListener('click', () => client.cancel(SLOT));

/** models/index.json (written by tools/setup.sh) names the built-in models and any caveat. */
async function builtinEntry(name) {
  try {
    const index = await (await fetch(new URL('../index.json', `${DEFAULT_BERT.url}/`))).json();
    return index[name] ?? {};
  } catch {
    return {};
  }
}

async function loadDefault(options) {
  const ticket = beginLoad('default', options);
  const entry = await builtinEntry('fill-mask');
  const name = entry.name ? `default: ${entry.name}` : 'default';
  if (ticket === loadTicket) showModel(name);
  return loadModel(ticket, DEFAULT_BERT.key, { url: DEFAULT_BERT.url }, name, entry.note ?? '');
}
$('load-default').addEventListener('click', () => loadDefault());

// AntiBERTy: the clearest view of a well-trained masked-LM head (residues come back with
// high confidence). Its name, note and example sequence come from models/index.json.
async function loadAntiberty() {
  const ticket = beginLoad('AntiBERTy');
  const entry = await builtinEntry('antiberty');
  const name = entry.name ?? 'AntiBERTy';
  if (ticket !== loadTicket) return;
  showModel(name);
  if (entry.example) $('text').value = entry.example;
  originals.clear();
  await loadModel(ticket, ANTIBERTY.key, { url: ANTIBERTY.url }, name, entry.note ?? '');
}
$('load-antiberty').addEventListener('click', loadAntiberty);
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

// ?model=<name or URL prefix> loads that model instead of the default (handy for links in
// notes). If it is not an address, or does not load, the default model loads instead and
// the reason stays on screen.
async function start() {
  const wanted = params.get('model');
  if (wanted == null) return loadDefault();
  let url;
  try {
    url = modelPrefix(wanted);
  } catch (e) {
    showError('load', `Could not load the model from the link (?model=): ${e.message}. The default model is loaded instead.`);
    return loadDefault({ keepError: true });
  }
  const outcome = await loadModel(beginLoad(wanted), url, { url }, wanted);
  if (outcome === 'failed' || outcome === 'cancelled') return loadDefault({ keepError: true });
  return outcome;
}
start();
