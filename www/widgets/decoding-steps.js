// <decoding-steps text="…" beam="4" [top-k="5"] [direction|src]>: greedy and beam search
// side by side, step by step, with the beam tree. The step where greedy decoding picks the
// end-of-sentence token (</s>) is pointed out: the model, not a fixed length, decides where
// the output ends. Above the columns, the two translations' total log-probabilities side by
// side and which is the more probable; at the last step the beam column shows the finished
// hypotheses (the n-best list, the winner marked) instead of the beams left running.
//
// Without a text attribute the text is "I would love to visit Japan someday.", where the two
// differ: greedy takes "gostaria de" (would like) and beam search finds the more probable and
// more faithful "adoraria" (would love). Greedy and beam search (width 4) agree on most
// sentences; tools/beam-examples.json lists those of the Bergamot fixture where they differ,
// with both totals (`node tools/find-beam-examples.mjs [--beam 4] [--direction en-pt]`).
import { TlabWidget, h, fmt, bars } from './base.js';
import { beamTree, nbestTable } from './beam.js';

/** The text without a text attribute, per direction (en-pt unless direction="pt-en"). */
export const DEFAULT_TEXT = { 'en-pt': 'I would love to visit Japan someday.', 'pt-en': 'Eu adoraria visitar o Japão um dia.' };

/** A log-probability for display, with a real minus sign. */
const logp = (x, d) => fmt(x, d).replace(/^-/, '−');

/** @typedef {import('../lib/ops.js').TranslateResult} TranslateResult */

export class DecodingSteps extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'beam', 'top-k', 'direction'];

  get defaultModel() {
    return 'translate';
  }
  /** No text: the example where greedy and beam search differ fills the field. */
  start() {
    if (!this.hasAttribute('text')) this.setAttrs({ text: DEFAULT_TEXT[this.getAttribute('direction')] ?? DEFAULT_TEXT['en-pt'] }, false);
    super.start();
  }
  /** @returns {Promise<{greedy: TranslateResult, beam: TranslateResult, width: number, eos: {step: number, id: number, token: string} | null}>} */
  async load(spec, client) {
    const text = this.attr('text', '');
    const k = this.num('top-k', 5);
    const width = Math.max(2, this.num('beam', 4));
    const [greedy, beam] = [
      await client.translate(spec.key, text, { beam: 1, traceTopK: k }),
      await client.translate(spec.key, text, { beam: width, traceTopK: k }),
    ];
    this.stepAt = 1;
    // The greedy step (1-based) whose chosen token is the end of the sentence; null if it
    // stopped at the length limit instead.
    const eos = spec.info?.eos_token_id;
    const at = greedy.trace.findIndex((s) => s.chosen[0]?.tokens.at(-1) === eos);
    return { greedy, beam, width, eos: at < 0 ? null : { step: at + 1, id: eos, token: greedy.trace_tokens[eos] ?? '</s>' } };
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
      h('span', { class: step === d.eos?.step ? 'tl-step tl-eos-step' : 'tl-step', text: this.t('step', step, n) }),
      d.eos && step !== d.eos.step
        ? h('button', { type: 'button', class: 'tl-eos-jump', text: this.t('eosJump', d.eos.token), onclick: () => this.go(d.eos.step) })
        : null,
    );
    this.dataset.eosStep = d.eos ? String(d.eos.step) : '';
    // Greedy: the prefix so far, then this step's candidates with the chosen one marked.
    const g = d.greedy.trace[step - 1];
    const gl = lab(d.greedy);
    const eosHere = step === d.eos?.step;
    const greedyBars = g
      ? bars(
          g.beams[0].top.map((a) => ({ label: gl(a.id), p: a.prob })),
          { chosen: g.beams[0].top.findIndex((a) => a.id === g.chosen[0].tokens.at(-1)) },
        )
      : null;
    if (eosHere) greedyBars.children[g.beams[0].top.findIndex((a) => a.id === d.eos.id)]?.classList.add('tl-eos');
    const greedyCol = h(
      'div',
      { class: 'tl-col-greedy' },
      h('h4', { text: this.t('greedy') }),
      h('p', { class: 'tl-translation', dataset: { tokens: JSON.stringify(d.greedy.tokens) }, text: d.greedy.translation }),
      g
        ? [
            h('p', { class: 'tl-prefix', text: g.beams[0].tokens.map(gl).join(' ') || '∅' }),
            h('p', { class: 'tl-muted', text: this.t('candidates') }),
            greedyBars,
            eosHere ? h('p', { class: 'tl-note tl-eos-note', role: 'note', text: this.t('eosWins', d.eos.token) }) : null,
          ]
        : h('p', { class: 'tl-muted', text: this.t('finished') }),
    );
    // Beam search: each live beam with its likeliest next tokens; from its last step on (the
    // search is over), the finished hypotheses, best first, the winner marked.
    const b = step < d.beam.trace.length ? d.beam.trace[step - 1] : null;
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
        : this.finalNbest(d),
    );
    const tree = h('div', { class: 'tl-scroll tl-tree-box' }, beamTree({ trace: d.beam.trace, best: d.beam.nbest[0].ids, label: bl }, step, this.t('beamTreeLabel')));
    // The tree grows to the right as the steps go on: its box scrolls to the newest column
    // (a narrow screen shows the end of the tree, not its start).
    queueMicrotask(() => {
      if (tree.isConnected) tree.scrollLeft = tree.scrollWidth;
    });
    return [
      this.input('text', 'source'),
      controls,
      this.totals(d),
      h('div', { class: 'tl-side' }, greedyCol, beamCol),
      h('p', { class: 'tl-muted', text: this.t('beamTree') }),
      tree,
    ];
  }
  /** The two translations' total log-probabilities (each nbest[0].log_prob) side by side, and
   * a sentence that says which is the more probable (or that they agree). Shown with two
   * decimals, more where two would make different totals look equal. */
  totals(d) {
    const [g, b] = [d.greedy.nbest[0].log_prob, d.beam.nbest[0].log_prob];
    const same = d.greedy.translation === d.beam.translation;
    let dp = 2;
    while (!same && dp < 4 && fmt(g, dp) === fmt(b, dp)) dp += 1;
    const verdict = same
      ? this.t('beamAgree', logp(b, dp))
      : b > g
        ? this.t('beamWins', logp(b, dp), logp(g, dp))
        : b < g
          ? this.t('greedyWins', logp(g, dp), logp(b, dp))
          : this.t('beamTie', logp(b, dp));
    const cell = (cls, head, x) =>
      h('p', { class: `tl-beam-total ${cls}`, dataset: { logp: String(x) } }, h('span', { class: 'tl-total-who', text: head }), ' ', h('span', { class: 'tl-total-num', text: this.t('totalLogp', logp(x, dp)) }));
    return h(
      'div',
      { class: 'tl-beam-compare', dataset: { winner: same ? 'agree' : b > g ? 'beam' : b < g ? 'greedy' : 'tie' } },
      h('div', { class: 'tl-beam-totals' }, cell('tl-total-greedy', this.t('greedy'), g), cell('tl-total-beam', this.t('beam', d.width), b)),
      h('p', { class: 'tl-note tl-verdict', role: 'note', text: verdict }),
    );
  }
  /** The finished hypotheses (the n-best list, best first: the search's answer), the first,
   * the translation shown, marked as the winner. */
  finalNbest(d) {
    const table = nbestTable(
      this,
      d.beam.nbest.map((c) => ({ text: c.translation, score: c.score, log_prob: c.log_prob })),
      { heading: this.t('translation') },
    );
    table.classList.add('tl-final-nbest');
    const first = table.tBodies[0].rows[0];
    first?.classList.add('chosen', 'tl-winner');
    first?.cells[0].append(' ', h('span', { class: 'tl-winner-mark', title: this.t('winner'), 'aria-label': this.t('winner'), text: '★' }));
    return [h('p', { class: 'tl-muted tl-final-note', text: this.t('nbestFinal') }), h('div', { class: 'tl-scroll' }, table)];
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
