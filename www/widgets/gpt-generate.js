// <gpt-generate text="…" [mode] [beam] [alpha] [temperature] [top-k] [top-p] [seed]
// [repetition-penalty] [max-new-tokens] [delay] [src]>: a GPT (a decoder-only Transformer)
// continues the prompt one token at a time. The generated tokens appear one after another
// (delay ms apart), after the prompt's (drawn apart from them); each is a button (← → Home End
// move between them) that shows the distribution it was chosen from, the chosen token marked.
// Beam search adds the beam tree (beam.js, as <decoding-steps> draws translation's) and the
// n-best list with scores. The model box (GptPicker) says which model runs, built in or
// loaded, and loads another GPT-2 by Hugging Face name, URL prefix or files; src (a name, a
// prefix, or the built-in's path) loads that one at start instead of the built-in
// (models/gpt-poetry: classical Chinese poetry).
//
// The decoding fields start from the attributes (mode greedy | beam | sample); a field that
// is not a number is refused in words here, and a value out of range by the model (Rust says
// which range). The widget is never left busy.
import { TlabWidget, h, bars, pct } from './base.js';
import { ModelPicker } from './model-picker.js';
import { beamTree, nbestTable } from './beam.js';
import { BUILTIN_GPT } from '../lib/client.js';
import { GPT_FILES } from '../lib/files.js';

/** @typedef {import('../lib/ops.js').GenerateResult} GenerateResult */

// Hub checkpoints worth trying (i18n.js hubNotes says what each is).
const GPT_SUGGESTIONS = ['openai-community/gpt2', 'distilbert/distilgpt2', 'uer/gpt2-chinese-poem'];
const MODES = Object.freeze({ greedy: 'greedy', beam: 'beamSearch', sample: 'gptSample' }); // mode → its label
const SHOWN = 10; // alternatives shown per step
const CONTEXT = 40; // tokens of the text so far above a step's distribution

/** A token as drawn: a line break, a tab and spaces made visible (byte-level BPE's tokens
 * start with their word's space). */
export const shownToken = (t) => (t === '' ? '∅' : t.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '␣'));

/** The model box of <gpt-generate>: the built-in GPT, or one by Hugging Face name, URL prefix
 * or files, in any hub layout of a GPT2LMHeadModel. */
class GptPicker extends ModelPicker {
  constructor(widget) {
    super(widget);
    this.kind = 'gpt';
    this.fileList = GPT_FILES;
    this.texts = { urlPlaceholder: 'gptUrlPlaceholder', prefixHint: 'gptPrefixHint', dropFiles: 'gptDropFiles', missingFiles: 'gptMissingFiles' };
  }

  defaultUrl() {
    return BUILTIN_GPT.url;
  }

  /** One built-in GPT: no language choice. */
  languageChoice() {
    return null;
  }

  hubNames() {
    return GPT_SUGGESTIONS;
  }

  builtinButtons() {
    return [this.button('load-builtin', this.w.t('loadBuiltin'), () => this.loadBuiltin())];
  }

  stats(current) {
    return this.w.t('gptStats', current.info, current.key === BUILTIN_GPT.key);
  }

  // The same URL loaded as a BERT elsewhere on the page is another model.
  keyFor(url) {
    return `gpt:${url}`;
  }

  /** The built-in GPT; its example becomes the prompt when the widget has none. */
  loadBuiltin({ keepError = false } = {}) {
    return this.loadBuiltinModel(BUILTIN_GPT, () => this.w.t('gptBuiltin'), {
      keepError,
      onEntry: (entry) => {
        if (!this.w.getAttribute('text')) this.w.setText(entry.example ?? BUILTIN_GPT.example);
      },
    });
  }

  loadDefault({ keepError = false } = {}) {
    return this.loadBuiltin({ keepError });
  }

  loadBuiltinAt(here) {
    return here === BUILTIN_GPT.url ? this.loadBuiltin() : null;
  }

  start() {
    this.w.dataset.state = 'loading';
    const src = this.w.getAttribute('src');
    return src ? this.loadSrc(src) : this.loadBuiltin();
  }
}

/**
 * Names for the ids of a beam-search trace: Rust sends them beside it (trace_tokens, keyed by
 * the id in decimal).
 * @param {GenerateResult} out
 * @returns {Map<number, string>}
 */
function traceNames(out) {
  return new Map(Object.entries(out.trace_tokens).map(([id, token]) => [Number(id), token]));
}

export class GptGenerate extends TlabWidget {
  static attributes = [
    ...TlabWidget.attributes, 'mode', 'beam', 'alpha', 'temperature', 'top-k', 'top-p', 'seed',
    'repetition-penalty', 'max-new-tokens', 'delay',
  ];

  layout() {
    this.picker ??= new GptPicker(this);
    const parts = [...this.picker.build(), this.progress, this.input('text', 'gptPrompt', { multiline: true }), ...this.decoding(), this.errorBox, this.body];
    this.picker.showModel();
    return parts;
  }

  start() {
    this.picker.start();
  }

  attributeChangedCallback(name, old, value) {
    if (name === 'src' && this._connected && this.begun && old !== value) this.picker.start();
    else super.attributeChangedCallback(name, old, value);
  }

  /** Sets the prompt (the built-in model's example) without running it. */
  setText(text) {
    this.setAttrs({ text }, false);
  }

  /** The model the box says runs now (there may be none). */
  async model() {
    if (!this.picker.current) throw new Error(this.t('noModelLoaded'));
    return this.picker.current;
  }

  /** The decoding fields: the mode, its own fields (shown for it alone), the shared ones, and
   * Generate with the time the model took. */
  decoding() {
    const start = Object.hasOwn(MODES, this.attr('mode')) ? this.attr('mode') : 'greedy';
    const group = this.partId('mode');
    const onMode = () => {
      this.showModeFields();
      this.refresh();
    };
    // Each field starts from its attribute, else from the default (props.value).
    const num = (name, key, props) => this.numberField(name, this.t(key), { class: `tl-gpt-${name}`, ...props, value: this.attr(name, props.value) });
    this.modeRows = {
      beam: h('div', { class: 'tl-controls tl-gpt-beam-fields' }, num('beam', 'width', { min: 2, max: 8, value: '4' }), num('alpha', 'alpha', { min: 0, max: 5, step: 0.1, value: '1.0' })),
      sample: h(
        'div',
        { class: 'tl-controls tl-gpt-sample-fields' },
        num('temperature', 'gptTemperature', { min: 0.1, max: 3, step: 0.1, value: '1.0' }),
        num('top-k', 'gptTopK', { min: 0, value: '0' }),
        num('top-p', 'gptTopP', { min: 0.05, max: 1, step: 0.05, value: '1.0' }),
        num('seed', 'gptSeed', { min: 0, value: '1' }),
        this.field('reseed', h('button', { type: 'button', class: 'tl-gpt-reseed', text: this.t('gptReseed'), onclick: () => this.reseed() })),
      ),
    };
    const rows = [
      h(
        'div',
        { class: 'tl-controls' },
        h('fieldset', { class: 'tl-segmented tl-gpt-modes', 'aria-label': this.t('decoding') }, Object.entries(MODES).map(([m, key]) => this.radio(`mode-${m}`, group, m, this.t(key), { checked: m === start, onchange: onMode }))),
        num('max-new-tokens', 'gptMaxNew', { min: 1, max: 200, value: '24' }),
        num('repetition-penalty', 'gptPenalty', { min: 1, max: 3, step: 0.1, value: '1.0' }),
      ),
      this.modeRows.beam,
      this.modeRows.sample,
      h(
        'div',
        { class: 'tl-controls' },
        this.field('go', h('button', { type: 'button', class: 'tl-primary tl-gpt-go', text: this.t('gptGenerate'), onclick: () => this.commit(true) })),
        this.field('timing', h('span', { class: 'tl-muted', 'aria-live': 'polite' })),
      ),
    ];
    this.showModeFields();
    return rows;
  }

  /** The decoding chosen now. */
  mode() {
    return Object.keys(MODES).find((m) => this.fields[`mode-${m}`]?.checked) ?? 'greedy';
  }

  showModeFields() {
    const mode = this.mode();
    for (const [m, row] of Object.entries(this.modeRows)) row.hidden = m !== mode;
  }

  /** Sampling again with the next seed. */
  reseed() {
    const seed = Number(this.fields.seed.value);
    this.fields.seed.value = String(Number.isInteger(seed) && seed >= 0 ? seed + 1 : 1);
    this.commit(true);
  }

  /** The request's options from the fields of the chosen decoding, or an Error in words for
   * a field that is not a number (a whole number where one is needed). */
  options() {
    const mode = this.mode();
    const read = (name, key, whole = false) => {
      const raw = this.fields[name].value.trim();
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || (whole && !Number.isInteger(v))) throw new Error(this.t(whole ? 'gptBadWhole' : 'gptBadNumber', this.t(key), raw));
      return v;
    };
    const o = { maxNewTokens: read('max-new-tokens', 'gptMaxNew', true), repetitionPenalty: read('repetition-penalty', 'gptPenalty'), topShown: SHOWN };
    if (mode === 'beam') Object.assign(o, { beam: read('beam', 'width', true), alpha: read('alpha', 'alpha') });
    if (mode === 'sample') {
      Object.assign(o, { sample: true, temperature: read('temperature', 'gptTemperature'), topK: read('top-k', 'gptTopK', true), topP: read('top-p', 'gptTopP'), seed: read('seed', 'gptSeed', true) });
    }
    return { mode, o };
  }

  /** @returns {Promise<{out: GenerateResult, mode: string, prompt: string, ms: number, names: Map<number, string> | null, info: import('../lib/ops.js').GptInfo}>} */
  async load(model, client) {
    const { mode, o } = this.options();
    const prompt = this.attr('text', '');
    const t0 = performance.now();
    const out = await client.generate(model.key, prompt, o);
    const ms = performance.now() - t0;
    const names = out.beam_trace.length ? traceNames(out) : null;
    return { out, mode, prompt, ms, names, info: model.info };
  }

  /** The answer's frame: the tokens (those generated hidden until their turn), the text, the
   * distribution of the step shown, and for beam search the tree and the n-best list. The
   * animation (play) and show() fill them in. */
  render(d) {
    const { out } = d;
    this.dataset.mode = d.mode;
    this.dataset.steps = String(out.steps.length);
    if (this.fields.timing) this.fields.timing.textContent = this.t('ms', d.ms.toFixed(0));
    const last = out.steps.length - 1;
    const seq = h(
      'p',
      { class: 'tl-gpt-seq', role: 'group', 'aria-label': this.t('gptSeqLabel') },
      out.prompt_tokens.map((tok, i) => h('span', { class: 'tl-gpt-tok tl-gpt-prompt', text: shownToken(tok), title: this.t('gptPromptToken', tok, out.prompt_ids[i]), dataset: { id: out.prompt_ids[i] } })),
      out.steps.map((s, i) =>
        h('button', {
          type: 'button',
          class: `tl-gpt-tok tl-gpt-step${i === last && out.ended_with_eos ? ' eos' : ''}`,
          text: shownToken(s.token),
          title: this.t('gptStepTip', i + 1, s.token, pct(s.prob)),
          dataset: { step: i, id: s.id },
          hidden: true,
          onclick: () => this.pick(i),
          onkeydown: (e) => this.stepKey(e, i),
        }),
      ),
    );
    const eos = d.info.eos_token ?? '';
    const beam = out.beam_trace.length > 0;
    return [
      h('p', { class: 'tl-muted', text: this.t('gptHint') }),
      seq,
      h('p', { class: 'tl-translation tl-gpt-text', hidden: true }, h('span', { class: 'tl-muted', text: d.prompt }), out.text),
      h('p', { class: 'tl-muted tl-gpt-end', hidden: true, text: out.ended_with_eos ? this.t('gptEnded', eos) : this.t('gptLimit', out.steps.length) }),
      h('div', { class: 'tl-gpt-dist', 'aria-live': 'polite' }),
      beam ? h('p', { class: 'tl-muted', text: this.t('beamTree') }) : null,
      beam ? h('div', { class: 'tl-scroll tl-gpt-tree' }) : null,
      beam ? h('div', { class: 'tl-gpt-nbest', hidden: true }, nbestTable(this, out.nbest, { heading: this.t('gptContinuation') })) : null,
    ];
  }

  /** A new answer starts its animation; a redraw (a language switch) keeps where it is. */
  draw() {
    if (this.data && this.data !== this.played) this.play(this.data);
    super.draw();
    this.show();
  }

  /** Reveals the generated tokens one at a time, `delay` ms apart (0: all at once). */
  play(d) {
    clearInterval(this.timer);
    this.played = d;
    this.picked = null;
    const n = d.out.steps.length;
    const delay = Math.max(0, this.num('delay', 150));
    this.revealed = delay > 0 ? 0 : n;
    if (this.revealed >= n) return this.stop();
    this.dataset.playing = '';
    this.timer = setInterval(() => {
      this.revealed += 1;
      if (this.revealed >= n) this.stop();
      this.show();
    }, delay);
  }

  /** Ends the animation with every token shown. */
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.played) this.revealed = this.played.out.steps.length;
    delete this.dataset.playing;
  }

  /** Brings the drawing up to the animation: the tokens revealed so far, the distribution of
   * the step picked (else the newest), the beam tree so far; the text, the end and the n-best
   * list once all are there. */
  show() {
    const d = this.data;
    if (!d || d !== this.played) return;
    const n = d.out.steps.length;
    const k = Math.min(this.revealed, n);
    const at = this.picked ?? k - 1;
    this.dataset.revealed = String(k);
    this.dataset.picked = String(at);
    this.querySelectorAll('.tl-gpt-step').forEach((b, i) => {
      b.hidden = i >= k;
      b.setAttribute('aria-pressed', String(i === at));
    });
    for (const el of this.querySelectorAll('.tl-gpt-text, .tl-gpt-end, .tl-gpt-nbest')) el.hidden = k < n;
    this.querySelector('.tl-gpt-dist')?.replaceChildren(...(at >= 0 ? this.distribution(d, at) : []));
    const label = (id) => shownToken(d.names?.get(id) ?? String(id));
    const trace = { trace: d.out.beam_trace, best: d.out.nbest[0].ids, label };
    this.querySelector('.tl-gpt-tree')?.replaceChildren(beamTree(trace, k < n ? k : d.out.beam_trace.length, this.t('beamTreeLabel')));
  }

  /** Step `i`: the text it continued and the distribution its token was chosen from (the
   * chosen one marked; added below the most probable ones when it is not among them). */
  distribution({ out, mode }, i) {
    const s = out.steps[i];
    const items = s.top.map((a) => ({ label: shownToken(a.token), p: a.prob, id: a.id, chosen: a.id === s.id, title: `${a.token} · id ${a.id}` }));
    if (!s.top.some((a) => a.id === s.id)) items.push({ label: shownToken(s.token), p: s.prob, id: s.id, chosen: true, title: `${s.token} · id ${s.id}` });
    const before = [...out.prompt_tokens, ...out.steps.slice(0, i).map((x) => x.token)];
    const context = `${before.length > CONTEXT ? '…' : ''}${before.slice(-CONTEXT).join('')}`;
    return [
      h('h4', { class: 'tl-gpt-dist-title', text: this.t('gptStepTitle', i + 1, out.steps.length) }),
      h('p', { class: 'tl-prefix' }, context, h('span', { class: 'tl-gpt-next', text: ' → ?' })),
      bars(items, { format: pct }),
      h('p', { class: 'tl-muted', text: this.t('gptDistNote')[mode] }),
    ];
  }

  /** Shows step `i`'s distribution (the animation, if it runs, ends: every token shown). */
  pick(i) {
    if (this.timer) this.stop();
    this.picked = i;
    this.show();
    this.querySelector(`.tl-gpt-step[data-step="${i}"]`)?.focus();
  }

  /** ← → Home End: the step before, after, the first, the last. */
  stepKey(e, i) {
    const last = (this.played?.out.steps.length ?? 1) - 1;
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: last }[e.key];
    if (to == null) return;
    e.preventDefault();
    this.pick(Math.min(Math.max(to, 0), last));
  }

  failed() {
    this.stop();
    this.played = null;
    this.data = null; // a redraw (language switch) must not bring back the answer before
    this.body.replaceChildren();
    if (this.fields.timing) this.fields.timing.textContent = '';
  }

  disconnectedCallback() {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }
}
