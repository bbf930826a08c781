// <bert-qa question="…" text="the context" [src]>: extractive question answering
// (BertForQuestionAnswering). The model gives every token of the context two probabilities,
// that the answer starts there and that it ends there (softmaxes of the start and end logits);
// the answer is the span with the best P(start) · P(end). Shown: the answer highlighted in the
// context, its score, and the two probability vectors over the tokens of the window the
// answer came from (a long context is cut into overlapping windows). No QA model is built in:
// the model box (or src) loads one from the hub.
import { h, fmt, pct } from './base.js';
import { BertHeadWidget } from './bert-head.js';

export class BertQa extends BertHeadWidget {
  static attributes = [...BertHeadWidget.attributes, 'question'];
  static kind = 'qa';
  static needs = 'needsQa';

  form() {
    return [this.input('question', 'question', { live: true }), this.input('text', 'context', { multiline: true, live: true })];
  }

  /** @returns {Promise<import('../lib/ops.js').AnswerResult & {context: string}>} */
  async load(model, client) {
    const context = this.attr('text', '');
    return { ...(await client.answer(model.key, this.attr('question', ''), context)), context };
  }

  render({ answer, start, end, score, windows, tokens, context }) {
    // Offsets count code points (Rust chars), not UTF-16 units.
    const chars = Array.from(context);
    const peak = (k) => Math.max(...tokens.map((t) => t[k])) || 1;
    const top = { p_start: peak('p_start'), p_end: peak('p_end') };
    // Bar heights: each vector scaled to its largest value (the title has the numbers).
    const bar = (t, k) => h('span', { class: `tl-qa-p ${k.slice(2)}` }, h('span', { style: `height:${((100 * t[k]) / top[k]).toFixed(1)}%` }));
    return [
      h(
        'p',
        { class: 'tl-qa-answer' },
        `${this.t('answerIs')} `,
        h('strong', { class: 'tl-qa-span', text: answer }),
        ` · ${this.t('qaScore', fmt(score, 4))}`,
      ),
      h(
        'p',
        { class: 'tl-qa-context' },
        chars.slice(0, start).join(''),
        h('mark', { text: chars.slice(start, end).join('') }),
        chars.slice(end).join(''),
      ),
      windows > 1 ? h('p', { class: 'tl-muted', text: this.t('qaWindows', windows) }) : null,
      h(
        'figure',
        { class: 'tl-figure' },
        h('figcaption', {}, this.t('qaVectors'), ' ', h('span', { class: 'tl-key start' }), ` ${this.t('pStart')}`, h('span', { class: 'tl-key end' }), ` ${this.t('pEnd')}`),
        h(
          'ol',
          { class: 'tl-qa-tokens' },
          tokens.map((t) => {
            const inContext = t.start != null;
            const inAnswer = inContext && t.start >= start && t.end <= end;
            return h(
              'li',
              {
                class: inAnswer ? 'answer' : inContext ? null : 'outside',
                dataset: { pStart: String(t.p_start), pEnd: String(t.p_end), start: t.start, end: t.end },
                title: this.t('qaTokenTitle', t.token, pct(t.p_start), pct(t.p_end)),
              },
              bar(t, 'p_start'),
              h('span', { class: 'tl-qa-text', text: t.token }),
              bar(t, 'p_end'),
            );
          }),
        ),
      ),
    ];
  }
}
