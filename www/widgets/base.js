// The shared base of every tlab custom element: attributes → a model request through the
// page's one worker (sharedClient: one download and one build per model per page), a status
// line, errors in words, and redraw on language switch. Widgets use light DOM so that the
// host page's fonts apply and tests can read what is drawn.
import { sharedClient, DEFAULT_BERT, DEFAULT_TRANSLATE } from '../lib/client.js';
import { getLang, tr } from './i18n.js';

const loads = new Map(); // model key → Promise<info>

/** The model a widget names: model="bert" | "translate", direction="en-pt" | "pt-en",
 * or src="URL prefix" (with shortlist="" for Bergamot directories). */
export function modelSpec(el) {
  const src = el.getAttribute('src');
  const kind = (el.getAttribute('model') ?? el.defaultModel ?? 'bert') === 'bert' ? 'bert' : 'translate';
  if (src) {
    const url = new URL(src, document.baseURI).href;
    return { kind, key: `${kind}:${url}`, url, shortlist: el.hasAttribute('shortlist') };
  }
  if (kind === 'bert') return { kind, ...DEFAULT_BERT };
  const d = DEFAULT_TRANSLATE[el.getAttribute('direction') ?? 'en-pt'] ?? DEFAULT_TRANSLATE['en-pt'];
  return { kind, ...d };
}

export function ensureModel(spec, onProgress) {
  if (!loads.has(spec.key)) {
    const client = sharedClient();
    const source = { url: spec.url, shortlist: spec.shortlist };
    const p =
      spec.kind === 'bert'
        ? client.loadBert(spec.key, source, onProgress)
        : client.loadTranslate(spec.key, source, onProgress);
    p.catch(() => loads.delete(spec.key));
    loads.set(spec.key, p);
  }
  return loads.get(spec.key);
}

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

/** A token for display: SentencePiece's ▁ and WordPiece's ## stay visible on purpose. */
export const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export class TlabWidget extends HTMLElement {
  static get observedAttributes() {
    return ['text', 'reference', 'layer', 'head', 'beam', 'direction', 'lang', 'seed', 'top-k', 'model', 'src'];
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

/** Mean over heads: `[head][q][k]` → `[q][k]` (drawing only; rows of a mean of
 * distributions still sum to 1). */
export function headMean(heads) {
  return heads[0].map((row, q) => row.map((_, k) => heads.reduce((s, hd) => s + hd[q][k], 0) / heads.length));
}

/**
 * A heatmap grid: rows × cols, values in [0, 1]. Cells carry data-q/data-k/data-v; blank
 * cells (value null) carry data-blank. Row labels are buttons: focusing or hovering one
 * highlights its row; hovering a cell shows its value in the readout.
 */
export function heatmap(widget, { rows, cols, values, caption, hue = 220 }) {
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
  return h('figure', { class: 'tl-figure' }, h('figcaption', { text: caption }), h('div', { class: 'tl-scroll' }, grid), readout);
}

/** Layer and head pickers (head "avg" = mean of heads), as attributes of `widget`. */
export function layerHeadControls(widget, nLayers, nHeads) {
  const layer = Math.min(Math.max(widget.num('layer', 1), 1), nLayers);
  const headAttr = widget.attr('head', 'avg');
  const head = headAttr === 'avg' ? 'avg' : Math.min(Math.max(Number(headAttr) || 1, 1), nHeads);
  const layers = Array.from({ length: nLayers }, (_, i) => [i + 1, String(i + 1)]);
  const heads = [['avg', widget.t('average')], ...Array.from({ length: nHeads }, (_, i) => [i + 1, String(i + 1)])];
  return {
    layer,
    head,
    controls: h(
      'div',
      { class: 'tl-controls' },
      widget.select('layer', 'layer', layers, layer),
      widget.select('head', 'head', heads, head),
    ),
  };
}
