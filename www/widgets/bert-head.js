// What the fine-tuned BERT widgets share (<bert-classify>, <bert-nsp>, <bert-tag>, <bert-qa>):
// a model box that says which model answers and whether it is built in or loaded (HeadPicker:
// a Hugging Face name or URL prefix, and the widget's built-in head when it has one), the
// widget's own text fields, and what the widget needs in words while no model is loaded.
//
// A checkpoint loads in either Hugging Face layout (worker.js HEAD_FILES); the `src`
// attribute (a Hugging Face name or URL prefix) loads one at start instead of the built-in
// head. A model without the head the widget needs is refused in words (the Rust side names
// what is missing), and the model before it keeps answering.
import { TlabWidget, h, rich } from './base.js';
import { ModelPicker } from './model-picker.js';
import { modelPrefix, BUILTIN_HEADS } from '../lib/client.js';

class HeadPicker extends ModelPicker {
  /** @param {BertHeadWidget} widget */
  constructor(widget) {
    super(widget);
    const { kind, builtin } = widget.constructor;
    this.kind = kind;
    this.builtin = builtin ? BUILTIN_HEADS[builtin] : null;
  }

  sources() {
    const t = (...a) => this.w.t(...a);
    return [
      ...this.urlBox(),
      h('p', { class: 'tl-muted' }, rich(t('headUrlHint', t(this.w.constructor.needs)))),
      this.builtin ? this.button('load-builtin', t('loadBuiltin'), () => this.loadBuiltin()) : null,
    ];
  }

  /** A head's model box has no language choice: its built-in head is English. */
  languageChoice() {
    return null;
  }

  defaultUrl() {
    return this.builtin?.url ?? null;
  }

  stats(current) {
    return this.w.t('headStats', current.info, current.key === this.builtin?.key);
  }

  // One URL can be loaded as a classifier by one widget and as a tagger by another.
  keyFor(url) {
    return `${this.kind}:${url}`;
  }

  end(ticket, error, name) {
    super.end(ticket, error, name);
    if (ticket === this.ticket && !this.current) this.none();
  }

  /** No model answers: the box opens, and the widget's run says what it needs (an outcome). */
  none() {
    this.w.fields['model-picker'].open = true;
    return this.w.refresh();
  }

  loadBuiltin() {
    return this.loadBuiltinModel(this.builtin, () => this.w.t(`builtin-${this.builtin.entry}`));
  }

  /** The widget's src, else its built-in head, else none: the box opens and the widget
   * says what it needs. */
  start() {
    const src = this.w.getAttribute('src');
    if (src) {
      try {
        const url = modelPrefix(src, document.baseURI);
        return this.load(this.begin(src), this.keyFor(url), { url }, src);
      } catch (e) {
        this.w.showError('load', this.w.t('badAddress', e.message));
      }
    } else if (this.builtin) return this.loadBuiltin();
    return this.none();
  }
}

export class BertHeadWidget extends TlabWidget {
  /** Each widget's own: the model kind it loads (lib/ops.js KINDS), its built-in head (a key
   * of lib/client.js BUILTIN_HEADS) or null, and the i18n key of the checkpoint it needs. */
  static kind = 'classifier';
  static builtin = null;
  static needs = '';

  layout() {
    this.picker ??= new HeadPicker(this);
    const parts = [...this.picker.build(), this.progress, ...this.form(), this.errorBox, this.body];
    this.picker.showModel();
    return parts;
  }

  /** The widget's text fields (TlabWidget.input), between the model box and the answer. */
  form() {
    return [];
  }

  start() {
    this.picker.start();
  }

  /** Without a model, the widget says again, in the new language, what it needs (a run that
   * asks the worker nothing). */
  onLang() {
    super.onLang();
    if (!this.picker.current && !this.picker.loading && !this.running) this.refresh();
  }

  attributeChangedCallback(name, old, value) {
    if (name === 'src' && this._connected && this.begun && old !== value) this.picker.start();
    else super.attributeChangedCallback(name, old, value);
  }

  /** The model the box says answers now, or an Error that says what the widget needs. */
  async model() {
    if (!this.picker.current) throw new Error(this.t('needsModel', this.t(this.constructor.needs)));
    return this.picker.current;
  }

  failed() {
    this.body.replaceChildren();
  }
}
