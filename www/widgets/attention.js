// What the attention views share: the heatmap, the layer and head pickers, the mean over
// heads, and the teacher-forced attention that the decoder views draw.
import { h, fmt } from './base.js';
import { modelName } from './model-line.js';

/** The most tokens an attention view draws on each axis, and the most heads its picker
 * lists. A 505-token text makes 255 025 cells per map; DOM nodes that many (times 384 heads
 * of choices) crashed the renderer. Views say in words when they cut. */
export const MAX_TOKENS = 128;
export const MAX_HEADS = 64;

/** One row to draw from `heads` ([head][key]): head `head` (1-based) or the mean of all
 * ('avg'; a mean of distributions still sums to 1), its first `n` keys only. */
export function headRow(heads, head, n = MAX_TOKENS) {
  const len = Math.min(n, heads[0].length);
  if (head !== 'avg') return heads[head - 1].slice(0, len);
  return Array.from({ length: len }, (_, k) => heads.reduce((s, hd) => s + hd[k], 0) / heads.length);
}

/** Translate, then teacher-force the shown (or given) translation with attention. */
export async function forcedWithAttention(el, spec, client) {
  const text = el.attr('text', '');
  let reference = el.getAttribute('reference');
  if (!reference) reference = (await client.translate(spec.key, text, {})).translation;
  return client.teacherForceAttentions(spec.key, text, reference);
}

/** Whether token `t` is one of the tokenizer's special tokens. The attention results carry
 * token strings only (no special flags; ids are never used for this), so a special token is
 * known by its form: [XXX] (BERT's [CLS], [SEP], [MASK], [PAD], [UNK]; the built-in GPT's
 * [CLS]) or <s>, </s>, <pad>, <unk> (Marian / SentencePiece, GPT-2 style). */
export function isSpecialToken(t) {
  return /^\[[A-Z]+\]$/.test(t) || ['<s>', '</s>', '<pad>', '<unk>'].includes(t);
}

/** The map without the special tokens' columns, each row renormalised over the keys that
 * remain (a head average is otherwise dominated by [CLS] and [SEP]). A row with nothing left
 * (all its weight was on hidden keys, or it is not drawn yet) becomes blank. */
export function withoutSpecials(cols, values) {
  const keep = cols.map((_, k) => k).filter((k) => !isSpecialToken(cols[k]));
  const hidden = [...new Set(cols.filter(isSpecialToken))];
  const out = values.map((row) => {
    const kept = keep.map((k) => row[k] ?? null);
    const sum = kept.reduce((s, v) => s + (v ?? 0), 0);
    return kept.map((v) => (v == null || !(sum > 0) ? null : v / sum));
  });
  return { cols: keep.map((k) => cols[k]), values: out, hidden };
}

/** The checkbox that hides the special tokens' columns (attribute specials="hide|show";
 * without it, `byDefault`). A change redraws the widget without asking the model again. */
export function specialsToggle(widget, byDefault) {
  const attr = widget.getAttribute('specials');
  const hide = attr == null ? byDefault : attr !== 'show';
  widget.dataset.specials = hide ? 'hide' : 'show';
  const box = h('input', {
    type: 'checkbox',
    class: 'tl-hide-special',
    checked: hide,
    onchange: (e) => {
      widget.setAttribute('specials', e.target.checked ? 'hide' : 'show');
      widget.querySelector('.tl-hide-special')?.focus();
    },
  });
  return { hide, control: h('label', { class: 'tl-inline tl-special-toggle' }, box, ` ${widget.t('hideSpecial')}`) };
}

/** The name of the model behind `spec`: a built-in model's from models/index.json, else its URL. */
export { modelName };

/** "Layer 2 · head 1." for a caption. */
export function whereText(widget, layer, head) {
  return widget.t('heatWhere', layer, head === 'avg' ? widget.t('average') : `${widget.t('head')} ${head}`);
}

/**
 * A heatmap grid: rows × cols, values in [0, 1]. Cells carry data-q/data-k/data-v; blank
 * cells (value null) carry data-blank. Its caption names the model (`model`) and what is
 * drawn; under it the axes (row = query, column = key) and a colour scale from 0 to the
 * largest value drawn (data-max). The grid is one Tab stop (role grid, a roving tabindex):
 * arrow keys move between the cells and the row labels (column -1), Home and End to a row's
 * ends; the focused cell's value is its aria-label and goes to the readout line. Focusing or
 * hovering a row label highlights its row; hovering a cell shows its value. At most
 * MAX_TOKENS rows and columns are drawn; a cut map says so (class tl-capped).
 */
export function heatmap(widget, { rows: allRows, cols: allCols, values: allValues, caption, model, hue = 220 }) {
  const rows = allRows.slice(0, MAX_TOKENS);
  const cols = allCols.slice(0, MAX_TOKENS);
  const values = allValues.slice(0, rows.length).map((row) => row.slice(0, cols.length));
  const capped =
    rows.length < allRows.length || cols.length < allCols.length
      ? h('p', { class: 'tl-note tl-capped', text: widget.t('capped', rows.length, allRows.length, cols.length, allCols.length) })
      : null;
  const colour = (v) => `hsl(${hue} 70% ${Math.round(97 - 55 * Math.min(1, v))}%)`;
  let max = 0;
  for (const row of values) for (const v of row) if (v != null && v > max) max = v;
  const legend = h(
    'div',
    { class: 'tl-legend', role: 'img', 'aria-label': widget.t('heatLegend', fmt(max)), dataset: { max: String(max) } },
    h('span', { class: 'tl-legend-min', text: '0' }),
    h('span', { class: 'tl-legend-bar', style: `background: linear-gradient(to right, ${colour(0)}, ${colour(max)})` }),
    h('span', { class: 'tl-legend-max', text: fmt(max) }),
  );
  const readout = h('p', { class: 'tl-readout', 'aria-live': 'polite', text: widget.t('heatKeys') });
  const grid = h('div', {
    class: 'tl-heat',
    role: 'grid',
    'aria-label': caption,
    style: `grid-template-columns: max-content repeat(${cols.length}, minmax(1.6rem, 1fr))`,
  });
  grid.append(
    h(
      'div',
      { class: 'tl-heat-row', role: 'row' },
      h('span', { class: 'tl-corner' }),
      cols.map((c, k) => h('span', { class: 'tl-col', role: 'columnheader', title: c, dataset: { k } }, h('span', { text: c }))),
    ),
  );
  const show = (q, k) => {
    grid.querySelectorAll('.hl').forEach((e) => e.classList.remove('hl'));
    grid.querySelectorAll(`[data-q="${q}"]`).forEach((e) => e.classList.add('hl'));
    if (k == null) {
      const row = values[q].map((v, j) => [v, j]).filter(([v]) => v != null).sort((a, b) => b[0] - a[0]);
      readout.textContent = row.length ? widget.t('attends', rows[q], cols[row[0][1]], fmt(row[0][0])) : widget.t('noKeysLeft');
    } else readout.textContent = values[q][k] != null ? widget.t('attends', rows[q], cols[k], fmt(values[q][k], 4)) : widget.t('blankCell', rows[q], cols[k]);
  };
  const rowEls = [];
  const cellEls = [];
  rows.forEach((r, q) => {
    rowEls[q] = h('button', {
      type: 'button',
      class: 'tl-row',
      role: 'rowheader',
      tabindex: -1,
      text: r,
      title: r,
      dataset: { q },
      onmouseenter: () => show(q),
      onfocus: () => show(q),
    });
    cellEls[q] = values[q].map((v, k) =>
      v == null
        ? h('span', { class: 'tl-cell blank', role: 'gridcell', tabindex: -1, 'aria-label': widget.t('blankCell', r, cols[k]), dataset: { q, k, blank: '' }, onfocus: () => show(q, k) })
        : h('span', {
            class: 'tl-cell',
            role: 'gridcell',
            tabindex: -1,
            title: widget.t('attends', r, cols[k], fmt(v, 4)),
            'aria-label': widget.t('attends', r, cols[k], fmt(v, 4)),
            dataset: { q, k, v: String(v) },
            style: `background: ${colour(v)}`,
            onmouseenter: () => show(q, k),
            onfocus: () => show(q, k),
          }),
    );
    grid.append(h('div', { class: 'tl-heat-row', role: 'row' }, rowEls[q], cellEls[q]));
  });
  // One Tab stop: the cell last focused (at first the top-left one).
  let current = cellEls[0]?.[0] ?? rowEls[0];
  if (current) current.tabIndex = 0;
  const at = (q, k) => (k < 0 ? rowEls[q] : cellEls[q][k]);
  grid.addEventListener('focusin', (e) => {
    const t = e.target;
    if (t === current || !(t.classList.contains('tl-cell') || t.classList.contains('tl-row'))) return;
    current.tabIndex = -1;
    t.tabIndex = 0;
    current = t;
  });
  grid.addEventListener('keydown', (e) => {
    const t = e.target.closest?.('[data-q]');
    if (!t || !grid.contains(t)) return;
    let q = Number(t.dataset.q);
    let k = t.classList.contains('tl-row') ? -1 : Number(t.dataset.k);
    const last = cols.length - 1;
    if (e.key === 'ArrowRight') k = Math.min(k + 1, last);
    else if (e.key === 'ArrowLeft') k = Math.max(k - 1, -1);
    else if (e.key === 'ArrowDown') q = Math.min(q + 1, rows.length - 1);
    else if (e.key === 'ArrowUp') q = Math.max(q - 1, 0);
    else if (e.key === 'Home') [q, k] = [e.ctrlKey ? 0 : q, e.ctrlKey ? 0 : -1];
    else if (e.key === 'End') [q, k] = [e.ctrlKey ? rows.length - 1 : q, last];
    else return;
    e.preventDefault();
    at(q, k)?.focus();
  });
  return h(
    'figure',
    { class: 'tl-figure' },
    h('figcaption', { text: model ? `${caption} ${widget.t('heatModel', model)}` : caption }),
    h('p', { class: 'tl-muted tl-heat-axes', text: widget.t('heatAxes') }),
    legend,
    capped,
    h('div', { class: 'tl-scroll' }, grid),
    readout,
  );
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
