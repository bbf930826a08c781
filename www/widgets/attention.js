// What the attention views share: the heatmap, the layer and head pickers, the mean over
// heads, and the teacher-forced attention that the decoder views draw.
import { h, fmt } from './base.js';

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
              title: widget.t('attends', r, cols[k], fmt(v, 4)),
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
