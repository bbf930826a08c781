// The shared base of every tlab custom element: attributes → a model request through the
// page's one worker (sharedClient: one download and one build per model per page), a status
// line, errors in words, and redraw on language switch. Widgets use light DOM so that the
// host page's fonts apply and tests can read what is drawn.
import { sharedClient, DEFAULT_BERT, DEFAULT_TRANSLATE } from '../lib/client.js';
import { getLang, tr } from './i18n.js';

// model key → {generation, promise: Promise<info>}. A load belongs to the worker it ran on
// (client.generation): after a crash the client starts a fresh worker, and an entry of the
// dead one must not stand for a model that is no longer there.
const loads = new Map();

/** The model a widget names: model="bert" | "translate", direction="en-pt" | "pt-en",
 * or src="URL prefix" (with shortlist="" for Bergamot directories). */
export function modelSpec(el) {
  const src = el.getAttribute('src');
  const kind = (el.getAttribute('model') ?? el.defaultModel ?? 'bert') === 'bert' ? 'bert' : 'translate';
  if (src) {
    let url;
    try {
      url = new URL(src, document.baseURI);
    } catch {
      throw new Error(`src="${src}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`src="${src}" is not an http(s) address`);
    url = url.href;
    return { kind, key: `${kind}:${url}`, url, shortlist: el.hasAttribute('shortlist') };
  }
  if (kind === 'bert') return { kind, ...DEFAULT_BERT };
  const d = DEFAULT_TRANSLATE[el.getAttribute('direction') ?? 'en-pt'] ?? DEFAULT_TRANSLATE['en-pt'];
  return { kind, ...d };
}

export function ensureModel(spec, onProgress) {
  const client = sharedClient();
  const cached = loads.get(spec.key);
  if (cached && cached.generation === client.generation) return cached.promise;
  const source = { url: spec.url, shortlist: spec.shortlist };
  const promise =
    spec.kind === 'bert'
      ? client.loadBert(spec.key, source, onProgress)
      : client.loadTranslate(spec.key, source, onProgress);
  const entry = { generation: client.generation, promise };
  promise.catch(() => loads.get(spec.key) === entry && loads.delete(spec.key));
  loads.set(spec.key, entry);
  return promise;
}

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    // Through CSSOM, not a style attribute: the pages' CSP refuses inline style attributes.
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

/** A token for display: SentencePiece's ▁ and WordPiece's ## stay visible on purpose. */
export const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export class TlabWidget extends HTMLElement {
  /** The documented attributes (hugo/README.md); each widget class adds its own. embed.html
   * copies only these from its query string, and the element redraws when one changes. */
  static attributes = ['text', 'lang', 'src', 'shortlist'];

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

  connectedCallback() {
    if (this._connected) return;
    this._connected = true;
    this.classList.add('tl-widget');
    this._onLang = () => this.draw();
    document.addEventListener('tlab-lang', this._onLang);
    this.status = h('p', { class: 'tl-status', 'aria-live': 'polite' });
    this.errorBox = h('div', { class: 'tl-error', role: 'alert', hidden: true });
    this.body = h('div', { class: 'tl-body' });
    this.replaceChildren(this.status, this.errorBox, this.body);
    this.refresh();
  }

  disconnectedCallback() {
    document.removeEventListener('tlab-lang', this._onLang);
    this._connected = false;
  }

  attributeChangedCallback(name, old, value) {
    if (this._connected && old !== value) this.refresh();
  }

  /** Fetch the data (subclasses: `async load(spec, client)` → data), then draw. */
  async refresh() {
    const ticket = (this._ticket = (this._ticket ?? 0) + 1);
    this.dataset.state = 'loading';
    this.errorBox.hidden = true;
    this.status.textContent = this.t('loading');
    try {
      const spec = modelSpec(this);
      this.info = await ensureModel(spec, ({ file, loaded, total }) => {
        this.status.textContent = total
          ? this.t('downloading', file, (loaded / 1e6).toFixed(1), (total / 1e6).toFixed(1))
          : this.t('preparing', file);
      });
      const data = await this.load(spec, sharedClient());
      if (ticket !== this._ticket) return;
      this.data = data;
      this.status.textContent = '';
      this.draw();
      this.dataset.state = 'ready';
    } catch (e) {
      if (ticket !== this._ticket) return;
      this.status.textContent = '';
      this.errorBox.textContent = e.message;
      this.errorBox.hidden = false;
      this.dataset.state = 'error';
    }
    this.dispatchEvent(new CustomEvent('tlab-ready', { bubbles: true }));
  }

  /** Redraw from this.data (also on language switch). */
  draw() {
    if (!this.data) return;
    this.body.replaceChildren(...[this.render(this.data)].flat());
  }

  attr(name, fallback) {
    return this.getAttribute(name) ?? fallback;
  }

  num(name, fallback) {
    const v = Number(this.getAttribute(name));
    return this.hasAttribute(name) && Number.isFinite(v) ? v : fallback;
  }

  /** A text input that re-runs the widget on Enter or change. */
  input(attrName, labelKey, multiline = false) {
    const id = `tl-${attrName}-${Math.random().toString(36).slice(2, 8)}`;
    const field = h(multiline ? 'textarea' : 'input', {
      id,
      class: `tl-input tl-input-${attrName}`,
      type: multiline ? null : 'text',
      rows: multiline ? 2 : null,
      spellcheck: 'false',
      onchange: (e) => this.setAttribute(attrName, e.target.value),
      onkeydown: (e) => {
        if (e.key === 'Enter' && !e.shiftKey) {
          e.preventDefault();
          this.setAttribute(attrName, e.target.value);
        }
      },
    });
    field.value = this.getAttribute(attrName) ?? '';
    return h('div', { class: 'tl-field' }, h('label', { for: id, text: this.t(labelKey) }), field);
  }

  select(attrName, labelKey, options, value) {
    const id = `tl-${attrName}-${Math.random().toString(36).slice(2, 8)}`;
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

/** The most tokens an attention view draws on each axis, and the most heads its picker
 * lists. A 505-token text makes 255 025 cells per map; DOM nodes that many (times 384 heads
 * of choices) crashed the renderer. Views say in words when they cut. */
export const MAX_TOKENS = 128;
export const MAX_HEADS = 64;

/** Mean over heads of the top-left n × n: `[head][q][k]` → `[q][k]` (drawing only; rows of
 * a mean of distributions still sum to 1). */
export function headMean(heads, n = MAX_TOKENS) {
  const rows = Math.min(n, heads[0].length);
  return Array.from({ length: rows }, (_, q) => {
    const cols = Math.min(n, heads[0][q].length);
    return Array.from({ length: cols }, (_, k) => heads.reduce((s, hd) => s + hd[q][k], 0) / heads.length);
  });
}

/**
 * A heatmap grid: rows × cols, values in [0, 1]. Cells carry data-q/data-k/data-v; blank
 * cells (value null) carry data-blank. Row labels are buttons: focusing or hovering one
 * highlights its row; hovering a cell shows its value in the readout. At most MAX_TOKENS
 * rows and columns are drawn; a cut map says so (class tl-capped).
 */
export function heatmap(widget, { rows: allRows, cols: allCols, values: allValues, caption, hue = 220 }) {
  const rows = allRows.slice(0, MAX_TOKENS);
  const cols = allCols.slice(0, MAX_TOKENS);
  const values = allValues.slice(0, rows.length).map((row) => row.slice(0, cols.length));
  const capped =
    rows.length < allRows.length || cols.length < allCols.length
      ? h('p', { class: 'tl-note tl-capped', text: widget.t('capped', rows.length, allRows.length, cols.length, allCols.length) })
      : null;
  const readout = h('p', { class: 'tl-readout', 'aria-live': 'polite' }, '\u00a0');
  const grid = h('div', {
    class: 'tl-heat',
    role: 'table',
    'aria-label': caption,
    style: `grid-template-columns: max-content repeat(${cols.length}, minmax(1.6rem, 1fr))`,
  });
  grid.append(h('span', { class: 'tl-corner' }));
  cols.forEach((c, k) => grid.append(h('span', { class: 'tl-col', title: c, dataset: { k } }, h('span', { text: c }))));
  const show = (q, k) => {
    grid.querySelectorAll('.hl').forEach((e) => e.classList.remove('hl'));
    grid.querySelectorAll(`[data-q="${q}"]`).forEach((e) => e.classList.add('hl'));
    if (k == null) {
      const row = values[q].map((v, j) => [v, j]).filter(([v]) => v != null).sort((a, b) => b[0] - a[0]);
      readout.textContent = row.length
        ? widget.t('attends', rows[q], cols[row[0][1]], fmt(row[0][0]))
        : '\u00a0';
    } else if (values[q][k] != null) readout.textContent = widget.t('attends', rows[q], cols[k], fmt(values[q][k], 4));
  };
  rows.forEach((r, q) => {
    grid.append(
      h('button', {
        type: 'button',
        class: 'tl-row',
        text: r,
        title: r,
        dataset: { q },
        onmouseenter: () => show(q),
        onfocus: () => show(q),
      }),
    );
    values[q].forEach((v, k) => {
      const cell =
        v == null
          ? h('span', { class: 'tl-cell blank', dataset: { q, k, blank: '' } })
          : h('span', {
              class: 'tl-cell',
              title: `${r} → ${cols[k]}: ${fmt(v, 4)}`,
              dataset: { q, k, v: String(v) },
              style: `background: hsl(${hue} 70% ${Math.round(97 - 55 * Math.min(1, v))}%)`,
              onmouseenter: () => show(q, k),
            });
      grid.append(cell);
    });
  });
  return h('figure', { class: 'tl-figure' }, h('figcaption', { text: caption }), capped, h('div', { class: 'tl-scroll' }, grid), readout);
}

/** Layer and head pickers (head "avg" = mean of heads), as attributes of `widget`. The head
 * menu lists at most MAX_HEADS heads (and the chosen one); the views say so. */
export function layerHeadControls(widget, nLayers, nHeads) {
  const layer = Math.min(Math.max(widget.num('layer', 1), 1), nLayers);
  const headAttr = widget.attr('head', 'avg');
  const head = headAttr === 'avg' ? 'avg' : Math.min(Math.max(Math.trunc(Number(headAttr)) || 1, 1), nHeads);
  const layers = Array.from({ length: nLayers }, (_, i) => [i + 1, String(i + 1)]);
  const listed = Math.min(nHeads, MAX_HEADS);
  const heads = [['avg', widget.t('average')], ...Array.from({ length: listed }, (_, i) => [i + 1, String(i + 1)])];
  if (head !== 'avg' && head > listed) heads.push([head, String(head)]);
  return {
    layer,
    head,
    controls: h(
      'div',
      { class: 'tl-controls' },
      widget.select('layer', 'layer', layers, layer),
      widget.select('head', 'head', heads, head),
      nHeads > listed ? h('span', { class: 'tl-muted tl-heads-capped', text: widget.t('headsCapped', listed, nHeads) }) : null,
    ),
  };
}
