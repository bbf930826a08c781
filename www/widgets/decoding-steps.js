// <decoding-steps text="…" beam="4" [top-k="5"] [direction|src]>: greedy and beam search
// side by side, step by step, with the beam tree.
import { TlabWidget, h, fmt, bars } from './base.js';
import { beamTree } from './beam.js';

/** @typedef {import('../lib/ops.js').TranslateResult} TranslateResult */

export class DecodingSteps extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'top-k', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  /** @returns {Promise<{greedy: TranslateResult, beam: TranslateResult, width: number}>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    const k = this.num('top-k', 5);
    const width = Math.max(2, this.num('beam', 4));
    const [greedy, beam] = [
      await client.translate(spec.key, text, { beam: 1, traceTopK: k }),
      await client.translate(spec.key, text, { beam: width, traceTopK: k }),
    ];
    this.stepAt = 1;
    return { greedy, beam, width };
  }
  render(d) {
    const n = Math.max(d.greedy.trace.length, d.beam.trace.length);
    const step = Math.min(this.stepAt, n);
    const lab = (out) => (id) => out.trace_tokens[id] ?? String(id);
    const controls = h(
      'div',
      { class: 'tl-controls' },
      h('button', { type: 'button', class: 'tl-prev', text: this.t('prev'), disabled: step <= 1, onclick: () => this.go(step - 1) }),
      h('button', { type: 'button', class: 'tl-play', text: this.timer ? this.t('pause') : this.t('play'), onclick: () => this.play(n) }),
      h('button', { type: 'button', class: 'tl-next', text: this.t('next'), disabled: step >= n, onclick: () => this.go(step + 1) }),
      h('span', { class: 'tl-step', text: this.t('step', step, n) }),
    );
    // Greedy: the prefix so far, then this step's candidates with the chosen one marked.
    const g = d.greedy.trace[step - 1];
    const gl = lab(d.greedy);
    const greedyCol = h(
      'div',
      { class: 'tl-col-greedy' },
      h('h4', { text: this.t('greedy') }),
      h('p', { class: 'tl-translation', dataset: { tokens: JSON.stringify(d.greedy.tokens) }, text: d.greedy.translation }),
      g
        ? [
            h('p', { class: 'tl-prefix', text: g.beams[0].tokens.map(gl).join(' ') || '∅' }),
            h('p', { class: 'tl-muted', text: this.t('candidates') }),
            bars(
              g.beams[0].top.map((a) => ({ label: gl(a.id), p: a.prob })),
              { chosen: g.beams[0].top.findIndex((a) => a.id === g.chosen[0].tokens.at(-1)) },
            ),
          ]
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    const b = d.beam.trace[step - 1];
    const bl = lab(d.beam);
    const beamCol = h(
      'div',
      { class: 'tl-col-beam' },
      h('h4', { text: this.t('beam', d.width) }),
      h('p', { class: 'tl-translation tl-beam-translation', dataset: { tokens: JSON.stringify(d.beam.tokens) }, text: d.beam.translation }),
      b
        ? b.beams.map((beam) =>
            h(
              'div',
              { class: 'tl-beam' },
              h('p', { class: 'tl-prefix', text: `${beam.tokens.map(bl).join(' ') || '∅'}  (${this.t('logp')} ${fmt(beam.log_prob)})` }),
              bars(beam.top.map((a) => ({ label: bl(a.id), p: a.prob }))),
            ),
          )
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    return [
      this.input('text', 'source'),
      controls,
      h('div', { class: 'tl-side' }, greedyCol, beamCol),
      h('p', { class: 'tl-muted', text: this.t('beamTree') }),
      h('div', { class: 'tl-scroll' }, beamTree({ trace: d.beam.trace, best: d.beam.nbest[0].ids, label: bl }, step, this.t('beamTreeLabel'))),
    ];
  }
  go(step) {
    this.stepAt = step;
    this.draw();
    const focus = this.querySelector(step > 1 ? '.tl-next:not([disabled])' : '.tl-prev:not([disabled])') ?? this.querySelector('.tl-play');
    if (!this.timer) focus?.focus();
  }
  play(n) {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.draw();
      return;
    }
    if (this.stepAt >= n) this.stepAt = 0;
    this.timer = setInterval(() => {
      if (this.stepAt >= n) {
        clearInterval(this.timer);
        this.timer = null;
      } else this.stepAt += 1;
      this.draw();
    }, 700);
    this.stepAt += 1;
    this.draw();
  }
  disconnectedCallback() {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }
}
