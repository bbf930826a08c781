// The shared base of every tlab custom element: attributes → a model request through the
// page's one worker (sharedClient: one download and one build per model per page), a
// progress line, errors in words, and redraw on language switch. Widgets use light DOM so
// that the host page's fonts apply and tests can read what is drawn.
import { sharedClient, DEFAULT_BERT, DEFAULT_TRANSLATE, BUILTIN_BERT, BUILTIN_GPT, builtinLanguage, modelSize, tokenizerSize } from '../lib/client.js';
import { getLang, tr } from './i18n.js';
import { describeModel } from './model-line.js';

// model key → {generation, promise: Promise<info>, listeners, priorities}. A load belongs to
// the worker it ran on (client.generation): after a crash the client starts a fresh worker,
// and an entry of the dead one must not stand for a model that is no longer there.
const loads = new Map();

// When a widget loads its model (the `loading` attribute, as <img loading>):
//   lazy (the default): once the widget comes within one screen of the viewport (NEAR), or,
//     for a built-in model over HEAVY_BYTES (AntiBERTy), on a click of its
//     "Load model (N MB)" button;
//   click: always on that button's click;  eager: at once, wherever the widget is.
// Whatever starts them, model downloads go one at a time, the models of widgets in view
// first and the smaller first (loadPriority, lib/client.js load), so on a slow line the
// first figure in view answers as soon as its own model is in; a model several widgets
// use still downloads once. The wasm does not wait: the worker starts fetching it when the
// first widget connects.
export const HEAVY_BYTES = 50e6;
const NEAR = '100% 0px';
const watchers = new WeakMap(); // widget → {near(bool), seen(bool)}
let nearObserver = null;
let seenObserver = null;
/** Calls handlers.near(isNear) and handlers.seen(inView) as widget `el` comes and goes. */
function observe(el, handlers) {
  nearObserver ??= new IntersectionObserver((entries) => entries.forEach((e) => watchers.get(e.target)?.near(e.isIntersecting)), { rootMargin: NEAR });
  seenObserver ??= new IntersectionObserver((entries) => entries.forEach((e) => watchers.get(e.target)?.seen(e.isIntersecting)));
  watchers.set(el, handlers);
  nearObserver.observe(el);
  seenObserver.observe(el);
}

/** The model a widget names: model="bert" | "gpt" | "translate" (any other value),
 * direction="en-pt" | "pt-en", or src="URL prefix" (with shortlist="" for Bergamot
 * directories). */
export function modelSpec(el) {
  const model = el.getAttribute('model') ?? el.defaultModel ?? 'bert';
  const kind = model === 'bert' || model === 'gpt' ? model : 'translate';
  const src = el.getAttribute('src');
  if (src) return srcSpec(kind, src, el.hasAttribute('shortlist'), 'src');
  if (kind === 'bert') return { kind, ...DEFAULT_BERT };
  if (kind === 'gpt') return { kind, key: BUILTIN_GPT.key, url: BUILTIN_GPT.url };
  const d = DEFAULT_TRANSLATE[el.getAttribute('direction') ?? 'en-pt'] ?? DEFAULT_TRANSLATE['en-pt'];
  return { kind, ...d };
}

/** The model of kind `kind` at URL prefix `src` (attribute `attr`, named in errors). A
 * built-in fill-mask model named by its path ("models/fill-mask-zh"), or the built-in GPT, is
 * the very model the model picker loads: the same key, so the page downloads and builds it
 * once. */
export function srcSpec(kind, src, shortlist = false, attr = 'src') {
  let url;
  try {
    url = new URL(src, document.baseURI);
  } catch {
    throw new Error(`${attr}="${src}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${attr}="${src}" is not an http(s) address`);
  url = url.href.replace(/\/+$/, '');
  const lang = kind === 'bert' ? builtinLanguage(url) : null;
  if (lang) return { kind, key: BUILTIN_BERT[lang].key, url };
  if (kind === 'gpt' && url === BUILTIN_GPT.url) return { kind, key: BUILTIN_GPT.key, url };
  return { kind, key: `${kind}:${url}`, url, shortlist };
}

/** The tokenizer alone of model `spec` (a BERT's or a translation model's, as modelSpec and
 * srcSpec give them): {kind: 'tokenizer', reads (the model's kind), key, url, of (the model's
 * key)}. Its own key, one per model, so every widget of the page that asks for the same
 * tokenizer shares one download (config.json and the tokenizer's files, no weights). Any
 * other kind of model (a GPT) is `spec` itself. */
export function tokenizerSpec(spec) {
  if (spec.kind !== 'bert' && spec.kind !== 'translate') return spec;
  return { kind: 'tokenizer', reads: spec.kind, key: `tokenizer:${spec.key}`, url: spec.url, of: spec.key };
}

/** The bytes that loading `spec` downloads, when models/index.json knows them (a built-in
 * model, or a built-in model's tokenizer alone); else null. */
export function specSize(spec) {
  return spec.kind === 'tokenizer' ? tokenizerSize(spec.url, spec.reads) : modelSize(spec.url);
}

/** The load source of model `spec`. */
function sourceOf(spec) {
  if (spec.kind === 'translate') return { url: spec.url, shortlist: spec.shortlist };
  if (spec.kind === 'tokenizer') return { url: spec.url, reads: spec.reads };
  return { url: spec.url };
}

/** The model `spec` ({kind, key, url, shortlist?}, or a tokenizer's: tokenizerSpec), loaded once per page whoever asks. Every
 * widget that waits for it gets its progress (onProgress), and the load waits for its turn
 * with the most urgent priority of those asking (a function, see TlabWidget.loadPriority;
 * none: at once).
 * @returns {Promise<import('../lib/ops.js').BertInfo | import('../lib/ops.js').TranslateInfo | import('../lib/ops.js').GptInfo>} */
export function ensureModel(spec, onProgress, priority = () => 0) {
  const client = sharedClient();
  let entry = loads.get(spec.key);
  if (!entry || entry.generation !== client.generation) {
    const source = sourceOf(spec);
    const fresh = { generation: client.generation, listeners: new Set(), priorities: new Set(), last: null };
    const fan = (p) => {
      fresh.last = p;
      for (const f of fresh.listeners) f(p);
    };
    const urgent = () => Math.min(...[...fresh.priorities].map((f) => f()));
    fresh.promise = client.load(spec.kind, spec.key, source, fan, { priority: urgent });
    fresh.promise.catch(() => loads.get(spec.key) === fresh && loads.delete(spec.key));
    loads.set(spec.key, fresh);
    entry = fresh;
  }
  if (onProgress) {
    entry.listeners.add(onProgress);
    if (entry.last) onProgress(entry.last);
  }
  entry.priorities.add(priority);
  const done = () => {
    entry.listeners.delete(onProgress);
    entry.priorities.delete(priority);
  };
  entry.promise.then(done, done);
  return entry.promise;
}

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') for (const [d, x] of Object.entries(v)) x != null && (el.dataset[d] = x);
    // Through CSSOM, not a style attribute: the pages' CSP refuses inline style attributes.
    else if (k === 'style') el.style.cssText = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

/** An SVG element with attributes (set as given) and optional text. */
export function svg(tag, attrs, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

/** A number for display (NaN and ∞ as words, not as a wrong digit). */
export const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** A probability as a percentage: 0.1234 → "12.3%". The one way every widget writes a
 * probability (bars, cards, titles, class heads); log-probabilities and scores stay fmt. */
export const pct = (p) => `${(100 * p).toFixed(1)}%`;

/** A text of i18n.js as nodes: `code` in backquotes becomes <code>, {name} becomes slots[name]. */
export function rich(text, slots = {}) {
  return text
    .split(/(`[^`]*`|\{\w+\})/)
    .filter(Boolean)
    .map((part) => {
      if (part.startsWith('`')) return h('code', { text: part.slice(1, -1) });
      return /^\{\w+\}$/.test(part) ? slots[part.slice(1, -1)] : part;
    });
}

/** Probability bars: items [{label, p, title?, id?, chosen?}], the `chosen` one (by index)
 * and those with chosen: true marked. */
export function bars(items, { chosen = -1, format = pct } = {}) {
  return h(
    'ul',
    { class: 'tl-bars' },
    items.map(({ label, p, title, id, chosen: marked }, i) =>
      h(
        'li',
        { class: i === chosen || marked ? 'chosen' : null, dataset: { p: String(p), id } },
        h('span', { class: 'tl-tok', text: label, title: title ?? label }),
        h('span', { class: 'tl-bar' }, h('span', { style: `width:${(100 * p).toFixed(1)}%` })),
        h('span', { class: 'tl-num', text: format(p) }),
      ),
    ),
  );
}

export class TlabWidget extends HTMLElement {
  /** The documented attributes (hugo/README.md); each widget class adds its own. embed.html
   * copies only these from its query string, and the element redraws when one changes. */
  static attributes = ['text', 'lang', 'src', 'shortlist'];

  /** Attributes that change which parts the widget has: it builds them again. */
  static layoutAttributes = ['lang'];

  static get observedAttributes() {
    return this.attributes;
  }

  get lang2() {
    const own = this.getAttribute('lang');
    return own ? (own.startsWith('zh') ? 'zh' : 'en') : getLang();
  }

  t(key, ...args) {
    return tr(this.lang2, key, ...args);
  }

  /** The id of part `name`: with an `ids` attribute (for widgets that list it) `<ids><name>`,
   * so that a host page's style sheet, scripts and tests can name the parts; else one unique
   * to this element (labels need one). */
  partId(name) {
    this.uid ??= Math.random().toString(36).slice(2, 8);
    const prefix = this.constructor.attributes.includes('ids') ? this.getAttribute('ids') : null;
    return prefix == null ? `tl-${name}-${this.uid}` : `${prefix}${name}`;
  }

  connectedCallback() {
    if (this._connected) return;
    this._connected = true;
    this.classList.add('tl-widget');
    this._onLang = () => this.onLang();
    document.addEventListener('tlab-lang', this._onLang);
    // Errors by kind, shown together, so that one kind's success does not hide another's
    // failure ('run': the last request; widgets add their own, as the model picker does).
    this.errors = { load: '', run: '' };
    this.errorBox = h('div', { class: 'tl-error', role: 'alert', hidden: true });
    this.status = h('p', { class: 'tl-status', 'aria-live': 'polite' });
    this.bar = h('progress', { max: 1 });
    this.progress = h('div', { class: 'tl-progress', hidden: true }, this.status, this.bar);
    this.body = h('div', { class: 'tl-body' });
    // Which model answers (model-line.js): filled in once model() has loaded it.
    this.modelUsed = h('p', { class: 'tl-muted tl-model-used', hidden: true });
    this.build();
    this.deferStart();
  }

  /** Starts the widget (start(): its model loads, it runs) when its `loading` says (see
   * HEAVY_BYTES above); until then data-state is 'waiting'. The worker, and with it the
   * wasm's download, starts now. */
  deferStart() {
    sharedClient();
    this.inView = false;
    if (typeof IntersectionObserver === 'undefined') {
      this.begin();
      return;
    }
    observe(this, {
      near: (near) => near && this.wake(),
      seen: (seen) => {
        this.inView = seen;
      },
    });
    if (this.getAttribute('loading') === 'eager') this.begin();
    else if (!this.begun) this.dataset.state = 'waiting';
  }

  /** The widget came near the viewport: it starts, unless its model is a large one (or
   * loading="click"): then it offers a button that says the size, and starts on its click. */
  async wake() {
    if (this.begun || this.waking) return;
    this.waking = true;
    const size = await this.plannedSize();
    this.waking = false;
    if (this.begun) return;
    if (this.getAttribute('loading') !== 'click' && !(size > HEAVY_BYTES)) {
      this.begin();
      return;
    }
    this.offerLoad(size);
  }

  /** In the progress line: what the model weighs, and the button that loads it (its
   * class tl-load-model; the line's other buttons, such as Cancel, hide meanwhile). */
  offerLoad(size) {
    const mb = size ? (size / 1e6).toFixed(1) : null;
    this.loadButton?.remove();
    this.loadButton = h('button', {
      type: 'button',
      class: 'tl-load-model tl-primary',
      text: mb ? this.t('loadModelSize', mb) : this.t('loadModel'),
      dataset: { bytes: size ?? null },
      onclick: () => this.begin(),
    });
    this.loadButton.size = size;
    for (const b of this.progress.querySelectorAll('button')) b.hidden = true;
    this.progress.hidden = false;
    this.bar.hidden = true;
    this.status.textContent = mb ? this.t('modelOnClick', mb) : '';
    this.progress.append(this.loadButton);
  }

  /** Starts the widget now (once). */
  begin() {
    if (this.begun) return;
    this.begun = true;
    if (this.loadButton) {
      this.loadButton.remove();
      this.loadButton = null;
      for (const b of this.progress.querySelectorAll('button')) b.hidden = false;
      this.bar.hidden = false;
      this.showProgress(null);
    }
    if (this.dataset.state === 'waiting') delete this.dataset.state;
    // (A model box's loads asked for within start() wait for their turn: see model-picker.js.)
    this.starting = true;
    try {
      this.start();
    } finally {
      this.starting = false;
    }
  }

  /** The address of the model the widget's start() loads, for its size (null: not known
   * before it starts). Widgets with a model box: the one the box loads first. */
  plannedModel() {
    if (this.picker?.plannedUrl) return this.picker.plannedUrl();
    try {
      return modelSpec(this).url;
    } catch {
      return null;
    }
  }

  /** What the model the widget's start() loads downloads, in bytes (models/index.json; null:
   * not known): the model box's first model, or modelToLoad()'s. */
  plannedSize() {
    if (this.picker?.plannedUrl) return modelSize(this.picker.plannedUrl());
    try {
      return specSize(this.modelToLoad());
    } catch {
      return Promise.resolve(null);
    }
  }

  /** The model that model() loads, as modelSpec gives it (widgets that need less of it say
   * so: the tokenizer view, its tokenizer alone). */
  modelToLoad() {
    return modelSpec(this);
  }

  /** The priority of a load of `size` bytes (null: unknown) this widget asks for: the
   * models of widgets in view first, then the smaller first (lib/client.js load). */
  loadPriority(size) {
    return (this.inView ? 0 : 1e12) + (size ?? HEAVY_BYTES);
  }

  /** A load's onProgress for a model of `size` bytes: the progress line, with the bytes of
   * all its files against that size when it is known. */
  modelProgress(size) {
    return (p) => this.showProgress(size ? { ...p, size } : p);
  }

  /** The page's language changed: the parts are built again in it, the answer redrawn. */
  onLang() {
    this.build();
    this.draw();
    this.showModelLine();
    if (this.loadButton) this.offerLoad(this.loadButton.size);
  }

  disconnectedCallback() {
    document.removeEventListener('tlab-lang', this._onLang);
    nearObserver?.unobserve(this);
    seenObserver?.unobserve(this);
    this._connected = false;
  }

  attributeChangedCallback(name, old, value) {
    if (!this._connected || old === value) return;
    const field = this.bound?.[name];
    if (field && field.value !== (value ?? '')) field.value = value ?? '';
    if (this._quiet) return;
    if (this.constructor.layoutAttributes.includes(name)) this.build();
    this.refresh();
  }

  /** Sets several attributes with one refresh after them (or none, with refresh false). */
  setAttrs(attrs, refresh = true) {
    this._quiet = true;
    try {
      for (const [k, v] of Object.entries(attrs)) this.setAttribute(k, v);
    } finally {
      this._quiet = false;
    }
    if (refresh) this.refresh();
  }

  /** (Re)builds the parts in the order of layout(); form fields keep what the user had
   * typed or chosen (see field). */
  build() {
    this.oldFields = this.fields ?? {};
    this.fields = {};
    this.bound = {};
    for (const [el, name] of [[this.progress, 'progress'], [this.status, 'progress-label'], [this.bar, 'progress-bar'], [this.errorBox, 'error']]) {
      el.id = this.partId(name);
    }
    this.replaceChildren(...this.layout().filter(Boolean));
    this.oldFields = null;
  }

  /** The widget's parts in order; widgets with a form of their own put it around these. */
  layout() {
    return [this.modelUsed, this.progress, this.errorBox, this.body];
  }

  /** Registers form field `name` (id partId(name)); built again, it keeps its old state.
   * A `bound` field stands for the attribute `name`: what refresh() runs on (see syncFields),
   * and set when the attribute is. */
  field(name, el, bound = false) {
    el.id = this.partId(name);
    const old = this.oldFields?.[name];
    // (A file input's value cannot be set: the browser keeps the chosen files to itself.)
    if (old && el.type !== 'file') for (const p of ['value', 'checked', 'open']) if (p in el) el[p] = old[p];
    this.fields[name] = el;
    if (bound) this.bound[name] = el;
    return el;
  }

  /** Copies the bound fields into their attributes, without a refresh; true if one changed. */
  syncFields() {
    const changed = Object.entries(this.bound ?? {}).filter(([name, el]) => el.value !== this.attr(name, ''));
    this.setAttrs(Object.fromEntries(changed.map(([name, el]) => [name, el.value])), false);
    return changed.length > 0;
  }

  /** Runs what the fields say: at once if one changed, or with `force` (Enter, a button). */
  commit(force = false) {
    clearTimeout(this.typing);
    if (this.syncFields() || force) this.refresh();
  }

  /** What a widget does once connected: fetch and draw. */
  start() {
    this.refresh();
  }

  /** The progress line, for every load of every widget: a message (a string), a download
   * ({file, loaded, total}; total 0 when the size is unknown) or null (hidden). */
  showProgress(p) {
    this.progress.hidden = p == null;
    if (p == null) return;
    const mb = (n) => (n / 1e6).toFixed(1);
    // A built-in model's download: its bytes so far against its size (p.size, from
    // models/index.json), over all its files.
    const whole = p.size > 0 && !p.building;
    if (typeof p === 'string') this.status.textContent = p;
    else if (p.building) this.status.textContent = this.t('building');
    else if (whole) this.status.textContent = this.t('loadingBytes', mb(Math.min(p.received ?? 0, p.size)), mb(p.size));
    else this.status.textContent = p.total ? this.t('downloading', p.file, mb(p.loaded), mb(p.total)) : this.t('downloadingSoFar', p.file, mb(p.loaded));
    if (whole) this.bar.value = Math.min(1, (p.received ?? 0) / p.size);
    else if (p.total > 0) this.bar.value = p.loaded / p.total;
    else this.bar.removeAttribute('value');
  }

  showError(kind, message) {
    this.errors[kind] = message;
    const text = Object.values(this.errors).filter(Boolean).join('\n');
    this.errorBox.textContent = text;
    this.errorBox.hidden = !text;
  }

  /** The model to ask, {kind, key, …, info}: by default the one the attributes name, loaded
   * once per page. */
  async model() {
    const spec = this.modelToLoad();
    this.showProgress(this.t('loading'));
    try {
      const size = await specSize(spec);
      if (size) this.showProgress({ received: 0, size });
      spec.info = await ensureModel(spec, this.modelProgress(size), () => this.loadPriority(size));
      await this.showModelLine(spec);
    } catch (e) {
      this.showModelLine(null); // no model answers: the line does not name the one before
      throw e;
    } finally {
      this.showProgress(null);
    }
    return spec;
  }

  /**
   * Fetch the data (subclasses: `async load(model, client)` → data), then draw. One run at a
   * time: a refresh asked for while one runs makes one more run after it, from the fields as
   * they are when it starts, and only the last run's outcome is shown (an older one is out
   * of date).
   * data-state says what is shown: 'waiting' (not started: see deferStart), 'loading', then
   * 'ready' or 'error'; data-runs counts the outcomes shown, so tests can wait for one.
   */
  refresh() {
    if (!this.begun) return Promise.resolve(); // it runs on the attributes as they are when it starts
    this.again = true;
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.again) this.refresh(); // asked for after the last run had begun to show
    });
    return this.running;
  }

  async run() {
    this.dataset.state = 'loading';
    // A widget's own run button (field 'go') cannot be pressed while it runs.
    const go = () => this.fields.go;
    if (go()) go().disabled = true;
    let data;
    let error;
    while (this.again) {
      this.again = false;
      this.syncFields(); // what the user typed is what runs, whatever asked for the run
      this.beforeRun();
      try {
        data = await this.load(await this.model(), sharedClient());
        error = null;
      } catch (e) {
        error = e;
      }
    }
    this.showError('run', error?.message ?? '');
    if (error) this.failed();
    else {
      this.data = data;
      this.stale = false;
      this.draw();
    }
    if (go()) go().disabled = false;
    this.dataset.state = error ? 'error' : 'ready';
    this.dataset.runs = String(Number(this.dataset.runs ?? 0) + 1);
    this.dispatchEvent(new CustomEvent('tlab-ready', { bubbles: true }));
  }

  /** Called as each run starts, with the attributes it runs on. */
  beforeRun() {}

  /** Redraw from this.data (also on language switch). */
  draw() {
    if (!this.data) return;
    this.body.replaceChildren(...[this.render(this.data)].flat().filter((x) => x != null));
    this.markStale();
  }

  /** "Model: built in: <name> · <size>" (or loaded: <address>) above the widget, for the
   * model `spec` that answers ({key, url, kind, info}); again in a new language. */
  async showModelLine(spec = this.modelShown) {
    this.modelShown = spec;
    if (!spec) {
      this.modelUsed.hidden = true;
      return;
    }
    const d = await describeModel(spec);
    if (this.modelShown !== spec) return;
    const size = d.info ? this.t('modelSize', d.kind, d.info) : '';
    this.modelUsed.textContent = this.t('modelUsed', d, size);
    this.modelUsed.dataset.builtin = String(d.builtin);
    this.modelUsed.dataset.model = d.name;
    this.modelUsed.hidden = false;
  }

  /** While the last request failed (this.stale, see failed), the drawing of an earlier one
   * that stays is marked out of date: a note on top, the rest faded (not the input fields). */
  markStale() {
    this.body.classList.toggle('tl-stale', Boolean(this.stale));
    this.body.querySelector(':scope > .tl-stale-note')?.remove();
    if (this.stale && this.body.childElementCount) this.body.prepend(h('p', { class: 'tl-note tl-stale-note', role: 'status', text: this.t('staleResult') }));
  }

  /** After a failed refresh. Views whose inputs are part of the drawing keep it, marked out
   * of date (markStale) until a request answers; widgets with a form of their own clear
   * their answer. */
  failed() {
    this.stale = true;
    this.markStale();
  }

  attr(name, fallback) {
    return this.getAttribute(name) ?? fallback;
  }

  num(name, fallback) {
    const v = Number(this.getAttribute(name));
    return this.hasAttribute(name) && Number.isFinite(v) ? v : fallback;
  }

  /**
   * A labelled text field bound to attribute `attrName`: Enter (without Shift: that is a
   * new line in a multiline one) runs it, and so does a change; `live`: typing runs it after
   * a pause. `oninput`: called as the user types.
   */
  input(attrName, labelKey, { multiline = false, live = false, oninput } = {}) {
    const field = h(multiline ? 'textarea' : 'input', {
      class: `tl-input tl-input-${attrName}`,
      type: multiline ? null : 'text',
      rows: multiline ? 2 : null,
      spellcheck: 'false',
      value: this.getAttribute(attrName) ?? '',
      onchange: () => this.commit(),
      oninput: () => {
        oninput?.();
        clearTimeout(this.typing);
        if (live) this.typing = setTimeout(() => this.commit(), 250);
      },
      onkeydown: (e) => {
        if (e.key === 'Enter' && !e.shiftKey) {
          e.preventDefault();
          this.commit(true);
        }
      },
    });
    this.field(attrName, field, true);
    return h('div', { class: 'tl-field' }, h('label', { for: field.id }, rich(this.t(labelKey))), field);
  }

  /** Radio button `value` of group `group` (form field `name`), labelled `label`. */
  radio(name, group, value, label, { checked = false, onchange } = {}) {
    return h('label', {}, this.field(name, h('input', { type: 'radio', name: group, value, checked, onchange })), ` ${label}`);
  }

  /** A labelled number field `name` (its props: min, max, step, value, …); a change runs
   * the widget. */
  numberField(name, label, props) {
    return h('label', { class: 'tl-inline' }, `${label} `, this.field(name, h('input', { type: 'number', onchange: () => this.refresh(), ...props })));
  }

  select(attrName, labelKey, options, value) {
    const id = this.partId(attrName);
    const sel = h('select', {
      id,
      class: `tl-select-${attrName}`,
      onchange: (e) => this.setAttribute(attrName, e.target.value),
    });
    for (const [v, label] of options) sel.append(h('option', { value: v, text: label }));
    sel.value = String(value);
    return h('label', { class: 'tl-inline', for: id }, `${this.t(labelKey)} `, sel);
  }
}
