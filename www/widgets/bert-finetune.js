// <bert-finetune [text] [pair] [sentences] [held-out] [steps] [top-layers] [layer-lr] [src]>:
// the lecture's "pre-train, then fine-tune", run live. A head learns on top of the fill-mask
// encoder (model kind 'finetune' of lib/ops.js; the Rust side is tlab_tasks::finetune), the
// encoder frozen or, if chosen, its top N layers learning with the head: a linear part-of-speech
// head on the built-in Brown sentences, or on the lecturer's own examples a tagging head
// (word/TAG lines) or a sentence classifier (text<TAB>label, or sentence A<TAB>sentence
// B<TAB>label for pairs). A live chart of training loss and held-out accuracy, the student's
// input answered before training and now (tags under the words, or label bars), and the
// trained head as two files to download.
//
// The page drives the loop, one short worker call at a time: the encoder's features in
// chunks of FEATURE_CHUNK sentences, then training in bursts of BURST steps (LAYER_BURST when
// encoder layers train: each of those steps is a hundred times dearer). The worker answers
// between calls, so Pause acts within one call and the page never freezes.
//
// Head only or top N layers (the top-layers field, 0 by default): with 0 the encoder is frozen
// and each word's last hidden state is computed once; with N the features stop below the top
// N blocks, and every step runs those blocks forward and backward with the head
// (tlab_tasks::tune_layers). The choice is fixed when the features are computed, so changing
// it makes the next Train build the run again, as changing the data does.
import { TlabWidget, h, rich, fmt, pct, bars, modelSpec, svg as svgEl } from './base.js';
import { builtinEntry } from './model-picker.js';
import { sharedClient, BROWN_POS } from '../lib/client.js';

/** Sentences per featurize call: one encoder batch (FEATURE_BATCH in finetune.rs). */
const FEATURE_CHUNK = 16;
/** Optimizer steps per train call (a few tens of milliseconds). */
const BURST = 10;
/** … when encoder layers train too (a step runs them forward and backward on a batch of
 * sentences: about 0.3 s per layer on 2 cores, so a call stays near a second or two). */
const LAYER_BURST = 5;
/** How often the head answers for the student's input again while training runs. */
const PREDICT_EVERY_MS = 1000;
const GOAL = 0.9;
/** The defaults, chosen with tools/bench-finetune.mjs so that the held-out accuracy passes
 * 90 % within a minute of pressing Train on a 2-core machine. */
export const FINETUNE_DEFAULTS = Object.freeze({ sentences: 200, heldOut: 100, steps: 500, layerSteps: 100, topLayers: 0, layerLearningRate: 1e-4 });
/** The Rust side's defaults that the page describes (HeadTrainConfig, LayerTuning). */
const RUST_DEFAULTS = Object.freeze({ batch: 256, learningRate: 3e-3, layerBatch: 16 });
/** What tools/bench-finetune.mjs measured there with these defaults (headless Chromium, wasm;
 * the machine busy with a build), for the widget's note on why the training set is this
 * size. sweep: [training sentences, final held-out accuracy %, seconds from Train to 90 %]. */
const MEASURED = Object.freeze({
  sentences: 200,
  heldOut: 100,
  msPerToken: 1.9,
  featureS: 15,
  steps: 500,
  trainS: 1.5,
  stepsTo90: 140,
  sweep: [[100, 92.3, 12], [200, 93.3, 17], [500, 93.3, 61]],
  // The top layer fine-tuned with the head (top-layers 1; 16 sentences a step, the same 200 +
  // 100 sentences; `node tools/bench-finetune.mjs --top-layers 0,1`, load average 3.6 on 2
  // cores): seconds per step (the held-out measurement every LAYER_BURST steps included),
  // steps and seconds from Train to 90 % (the head alone, same run: 140 steps, 16.8 s), and
  // the best held-out accuracy in 100 steps (the head alone: 93.3 % in 500).
  layer: Object.freeze({ stepS: 0.47, stepsTo90: 45, to90S: 35, best: 93.7 }),
});
/** The head's training options (lib/ops.js FineTuneSource.options; Rust's defaults otherwise). */
const FINETUNE_OPTIONS = Object.freeze({});

// URL → Promise<string>: the built-in data, downloaded once per page.
const texts = new Map();
function fetchText(url) {
  if (!texts.has(url)) {
    const p = fetch(url).then(
      (r) => {
        if (!r.ok) throw new Error(`could not download ${url}: HTTP ${r.status}`);
        return r.text();
      },
      (e) => {
        throw new Error(`could not download ${url} (${e.message})`);
      },
    );
    p.catch(() => texts.delete(url));
    texts.set(url, p);
  }
  return texts.get(url);
}

const lines = (text) => text.split('\n').filter((l) => l.trim());
/** The forms of training data (see formOf). */
const FORMS = ['tag', 'classify', 'pairs'];
/** The form of a set of lines as TrainingData::parse (finetune.rs) reads it, from the first
 * non-blank line: 'tag' (word/TAG or JSON), 'classify' (text<TAB>label) or 'pairs' (sentence
 * A<TAB>sentence B<TAB>label). The page needs it before the run exists, for the pair's box. */
const formOf = (text) => FORMS[Math.min(2, (lines(text)[0] ?? '').trim().split('\t').length - 1)];
/** A small example of each form, for the buttons beside the forms' explanation (the held-out
 * box left empty: the last 20 % are held out, labels the first lines have). */
const EXAMPLES = Object.freeze({
  tag: ['The/DET cat/NOUN sat/VERB ./.', 'A/DET dog/NOUN ran/VERB home/NOUN ./.', 'The/DET old/ADJ man/NOUN saw/VERB a/DET bird/NOUN ./.', 'She/PRON likes/VERB green/ADJ tea/NOUN ./.', 'The/DET small/ADJ bird/NOUN sang/VERB ./.'],
  classify: ['a wonderful film\tpositive', 'a dull, tedious plot\tnegative', 'I loved every minute\tpositive', 'the acting was awful\tnegative', 'a moving and beautiful story\tpositive', 'a boring waste of time\tnegative', 'great fun from start to end\tpositive', 'I hated the ending\tnegative', 'a truly excellent cast\tpositive', 'clumsy and far too long\tnegative'],
  pairs: ['A man plays a guitar.\tA man makes music.\tentailment', 'A man plays a guitar.\tNobody is playing.\tcontradiction', 'Two dogs run in a park.\tAnimals are outside.\tentailment', 'Two dogs run in a park.\tThe dogs are asleep.\tcontradiction', 'A woman reads a book.\tShe is reading.\tentailment', 'A woman reads a book.\tShe is swimming.\tcontradiction'],
});
/** Where the downloaded head loads, by form: the widget and the command line. */
const USE = Object.freeze({
  tag: ['<bert-tag>', 'tlab tag --model DIR "your sentence"'],
  classify: ['<bert-classify>', 'tlab classify --model DIR "your sentence"'],
  pairs: ['<bert-classify>', 'tlab classify --model DIR --pair "sentence B" "sentence A"'],
});
/** The same input (text and pair) asked of the head. */
const sameInput = (a, b) => a != null && a.text === b.text && a.pair === b.pair;
const featuresDone = (job) => job.feat != null && job.feat.sentences_done === job.feat.sentences;
const DEFAULT_TEXT = 'The old man saw a bird on the roof.';

/** The SVG chart: held-out accuracy (left axis, 0–100 %) and training loss (right axis)
 * against steps; `points`: [{step, loss, acc}], x up to `xmax` steps. */
function chart(points, xmax, t) {
  const W = 560;
  const H = 210;
  const [L, R, T, B] = [44, 48, 12, 34];
  const el = svgEl;
  const losses = points.map((p) => p.loss).filter(Number.isFinite);
  const lossMax = Math.max(1, Math.ceil(Math.max(0, ...losses)));
  const x = (step) => L + ((W - L - R) * step) / Math.max(1, xmax);
  const yAcc = (a) => T + (H - T - B) * (1 - a);
  const yLoss = (l) => T + (H - T - B) * (1 - l / lossMax);
  const last = points.at(-1);
  const svg = el('svg', {
    class: 'tl-chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': last ? t('ftChartLabel', last.step, fmt(100 * last.acc, 1), fmt(last.loss, 3)) : t('ftChartEmpty'),
  });
  svg.append(el('rect', { class: 'tl-chart-frame', x: L, y: T, width: W - L - R, height: H - T - B }));
  for (const a of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el('line', { class: 'tl-chart-grid', x1: L, x2: W - R, y1: yAcc(a), y2: yAcc(a) }));
    svg.append(el('text', { class: 'tl-chart-tick acc', x: L - 4, y: yAcc(a) + 4, 'text-anchor': 'end' }, `${100 * a}%`));
    svg.append(el('text', { class: 'tl-chart-tick loss', x: W - R + 4, y: yAcc(a) + 4 }, fmt(lossMax * a, 2)));
  }
  svg.append(el('line', { class: 'tl-chart-goal', x1: L, x2: W - R, y1: yAcc(GOAL), y2: yAcc(GOAL) }));
  for (let i = 0; i <= 4; i++) {
    const step = Math.round((xmax * i) / 4);
    svg.append(el('text', { class: 'tl-chart-tick', x: x(step), y: H - B + 14, 'text-anchor': 'middle' }, String(step)));
  }
  svg.append(el('text', { class: 'tl-chart-axis', x: L + (W - L - R) / 2, y: H - 4, 'text-anchor': 'middle' }, t('ftSteps')));
  const line = (cls, pts) => pts.length && svg.append(el('polyline', { class: cls, points: pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ') }));
  line('tl-chart-loss', points.filter((p) => Number.isFinite(p.loss)).map((p) => [x(p.step), yLoss(p.loss)]));
  line('tl-chart-acc', points.map((p) => [x(p.step), yAcc(p.acc)]));
  if (last) svg.append(el('circle', { class: 'tl-chart-acc-dot', cx: x(last.step), cy: yAcc(last.acc), r: 3.5 }));
  return svg;
}

export class BertFinetune extends TlabWidget {
  static attributes = [...TlabWidget.attributes, 'pair', 'sentences', 'held-out', 'steps', 'top-layers', 'layer-lr'];

  /** The run in the worker, once Train built it: {sig, key, labels, form (of FORMS), tuned
   * (encoder layers that train with the head; 0: head only), layerLr, feat, history: [{step,
   * epochs, loss, acc, s}], target, activeMs, featureMs, trainMs and trainSteps (the train
   * calls' time and steps, for the cost of a step), reachedAt}. */
  job = null;
  /** 'idle' | 'features' | 'training' | 'paused' | 'done' (also data-phase). */
  phase = 'idle';
  before = null; // {text, pair, result}: the untrained head's answer (lib/ops.js FineTunePrediction)
  now = null; // {text, pair, result, step}: … the head's as it is now
  loop = null; // the promise of the running train loop
  pauseAsked = false;

  get sizes() {
    const n = (name, d) => Math.max(1, Math.floor(this.num(name, d)));
    // Steps per Train: fewer when encoder layers train (each step is far dearer, and fewer
    // are needed).
    const steps = this.tuning.layers > 0 ? FINETUNE_DEFAULTS.layerSteps : FINETUNE_DEFAULTS.steps;
    return { sentences: n('sentences', FINETUNE_DEFAULTS.sentences), heldOut: n('held-out', FINETUNE_DEFAULTS.heldOut), steps: n('steps', steps) };
  }

  /** The choice in the form: {layers (0: head only), lr (theirs), error (in words, or ''),
   * tooMany (more layers than the encoder has, when its config.json said how many: Train
   * still asks the wasm, which refuses in words)}. Fixed for a run when its features are
   * computed. */
  get tuning() {
    const raw = (name, d) => (this.fields?.[name]?.value ?? this.attr(name, String(d))).trim();
    const layersText = raw('top-layers', FINETUNE_DEFAULTS.topLayers);
    const lrText = raw('layer-lr', FINETUNE_DEFAULTS.layerLearningRate);
    const layers = layersText === '' ? 0 : Number(layersText);
    const lr = Number(lrText);
    if (!Number.isInteger(layers) || layers < 0) return { layers: 0, lr, error: this.t('ftBadLayers', layersText) };
    if (layers > 0 && !(Number.isFinite(lr) && lr > 0 && lrText !== '')) return { layers, lr, error: this.t('ftBadLr', lrText) };
    return { layers, lr, error: '', tooMany: this.encoderLayers != null && layers > this.encoderLayers };
  }

  layout() {
    const radio = (value, labelKey) => {
      const input = this.field(`data-${value}`, h('input', { type: 'radio', name: this.partId('data'), value, onchange: () => this.draw() }));
      if (!this.oldFields?.[`data-${value}`]) input.checked = value === 'builtin';
      return h('label', { for: input.id }, input, ` ${this.t(labelKey)}`);
    };
    const box = (name, labelKey) => {
      // (Typing may change the form, and with it the pair's box.)
      const area = this.field(name, h('textarea', { class: `tl-input tl-ft-${name}`, rows: 4, spellcheck: 'false', oninput: () => this.draw() }));
      return h('div', { class: 'tl-field' }, h('label', { for: area.id }, rich(this.t(labelKey))), area);
    };
    const button = (name, key, onclick, cls = '') => this.field(name, h('button', { type: 'button', class: `tl-${name} ${cls}`.trim(), text: this.t(key), onclick }));
    this.own = h(
      'div',
      { class: 'tl-ft-own' },
      h('p', {}, rich(this.t('ftForms'))),
      h(
        'ul',
        { class: 'tl-ft-forms' },
        FORMS.map((form) => h('li', { dataset: { form } }, rich(this.t('ftForm', form)), ' ', button(`example-${form}`, 'ftExample', () => this.example(form), 'tl-ft-example'))),
      ),
      box('train-lines', 'ftTrainBox'),
      box('held-lines', 'ftHeldBox'),
    );
    this.modelLine = h('p', { class: 'tl-muted tl-ft-model' });
    this.sizeNote = h('p', { class: 'tl-muted tl-ft-sizes' });
    this.phaseLine = h('p', { class: 'tl-ft-status', 'aria-live': 'polite' });
    this.chartBox = h('figure', { class: 'tl-figure tl-ft-chart' });
    this.answerBox = h('div', { class: 'tl-ft-answer', 'aria-live': 'polite' });
    this.textBox = this.input('text', 'ftSentence', { live: true });
    this.pairBox = this.input('pair', 'ftPair', { live: true });
    this.files = h('div', { class: 'tl-ft-files' });
    // Head only, or the top N encoder layers too (attributes top-layers and layer-lr seed them).
    const number = (name, props) =>
      this.field(
        name,
        h('input', { type: 'number', class: `tl-ft-${name}`, value: this.attr(name, String(FINETUNE_DEFAULTS[name === 'top-layers' ? 'topLayers' : 'layerLearningRate'])), oninput: () => this.draw(), onchange: () => this.draw(), ...props }),
        true,
      );
    const layersField = number('top-layers', { min: 0, step: 1, max: this.encoderLayers ?? null });
    this.lrBox = h('label', { class: 'tl-inline tl-ft-lr' }, `${this.t('ftLayerLr', RUST_DEFAULTS.learningRate)} `, number('layer-lr', { min: 0, step: 'any' }));
    this.tuneWhy = h('p', { class: 'tl-muted tl-ft-tune-why', 'aria-live': 'polite' });
    this.tuneBox = h(
      'div',
      { class: 'tl-ft-tune' },
      h('div', { class: 'tl-controls' }, h('label', { class: 'tl-inline tl-ft-layers', for: layersField.id }, ...rich(this.t('ftTopLayers'), { n: layersField })), this.lrBox),
      this.tuneWhy,
    );
    return [
      this.modelLine,
      h('fieldset', { class: 'tl-segmented tl-ft-data' }, h('legend', { text: this.t('ftData') }), radio('builtin', 'ftBuiltin'), radio('own', 'ftOwn')),
      this.own,
      this.sizeNote,
      h('p', { class: 'tl-note tl-ft-why' }, rich(this.t('ftWhy', MEASURED))),
      this.tuneBox,
      h(
        'div',
        { class: 'tl-controls' },
        button('train', 'ftTrain', () => this.train(), 'tl-primary'),
        button('pause', 'ftPause', () => this.pause()),
        button('reset', 'ftReset', () => this.reset()),
      ),
      this.progress,
      this.errorBox,
      this.phaseLine,
      this.chartBox,
      this.textBox,
      this.pairBox,
      this.answerBox,
      h('div', { class: 'tl-ft-export' }, button('export', 'ftExport', () => this.download()), this.files),
    ];
  }

  /** Nothing runs until Train: the form and the note are the first view. */
  start() {
    if (!this.hasAttribute('text')) this.setAttrs({ text: DEFAULT_TEXT }, false);
    this.dataset.state = 'ready';
    this.draw();
    this.nameEncoder();
  }

  /** The built-in default encoder's name in models/index.json, for the model line, and the
   * encoder's layers (its config.json), the most that can be fine-tuned. */
  async nameEncoder() {
    const url = modelSpec(this).url;
    const [entry, config] = await Promise.all([
      builtinEntry('fill-mask'),
      fetch(`${url.replace(/\/+$/, '')}/config.json`)
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null),
    ]);
    const whole = (n) => (Number.isInteger(n) && n > 0 ? n : null);
    const layers = whole(config?.num_hidden_layers);
    this.builtinName = entry.name ?? '';
    if (modelSpec(this).url === url) {
      this.encoderLayers = layers;
      // Its size, for the model line.
      this.encoderSize = layers ? { layers, hidden: whole(config.hidden_size) ?? undefined } : null;
    }
    this.draw();
  }

  /** An attribute changed (the input, or the data's sizes): ask the head again. */
  refresh() {
    this.draw();
    return this.predict();
  }

  attributeChangedCallback(name, old, value) {
    super.attributeChangedCallback(name, old, value);
    // Another encoder: its number of layers.
    if (name === 'src' && this._connected && old !== value) this.nameEncoder();
  }

  get ownData() {
    return this.fields['data-own']?.checked;
  }

  /** The form of the run's data, else (before Train) of the data chosen. */
  get form() {
    return this.job?.form ?? (this.ownData ? formOf(this.fields['train-lines'].value) : 'tag');
  }

  /** Fills the training box with the example of `form` (the held-out box emptied). */
  example(form) {
    this.fields['train-lines'].value = EXAMPLES[form].join('\n');
    this.fields['held-lines'].value = '';
    this.draw();
  }

  /** The training and held-out text and their sentence counts. */
  async data() {
    if (this.ownData) {
      const train = lines(this.fields['train-lines'].value);
      let held = lines(this.fields['held-lines'].value);
      let fit = train;
      if (!held.length) {
        const cut = Math.ceil(train.length * 0.8);
        [fit, held] = [train.slice(0, cut), train.slice(cut)];
      }
      if (!fit.length || !held.length) throw new Error(this.t('ftNeedLines'));
      return { train: fit.join('\n'), heldOut: held.join('\n'), trainCount: fit.length, heldCount: held.length, form: formOf(fit[0]) };
    }
    const { sentences, heldOut } = this.sizes;
    const [train, test] = await Promise.all([fetchText(BROWN_POS.train), fetchText(BROWN_POS.test)]);
    const fit = lines(train).slice(0, sentences);
    const held = lines(test).slice(0, heldOut);
    return { train: fit.join('\n'), heldOut: held.join('\n'), trainCount: fit.length, heldCount: held.length, form: 'tag' };
  }

  setPhase(phase) {
    this.phase = phase;
    this.dataset.phase = phase;
    this.draw();
  }

  /** Train (or Resume): builds the run if the data changed, computes the features not yet
   * computed, then trains in bursts up to the target (`steps` more after a finished run). */
  train() {
    this.loop ??= this.runLoop().finally(() => {
      this.loop = null;
      this.draw();
    });
    return this.loop;
  }

  pause() {
    this.pauseAsked = true;
  }

  async reset() {
    this.pause();
    await this.loop;
    const job = this.job;
    if (!job) return;
    await this.guard(async () => {
      await sharedClient().reset(job.key);
      Object.assign(job, { history: [], target: 0, activeMs: 0, trainMs: 0, trainSteps: 0, reachedAt: null });
      this.now = null;
      this.dropFiles();
      if (featuresDone(job)) await this.startingPoint(job, 0);
      this.setPhase('idle');
    });
  }

  /** Runs `fn`, showing its failure in words; true if it succeeded. */
  async guard(fn) {
    try {
      await fn();
      this.showError('run', '');
      return true;
    } catch (e) {
      // A fresh worker (after a crash) has the run's data but not its features: start over.
      if (e?.name === 'CrashError') {
        this.job = null;
        delete this.dataset.tunedLayers;
      }
      this.showError('run', e.message);
      this.dataset.state = 'error';
      this.showProgress(null);
      this.setPhase(this.job?.history.length ? 'paused' : 'idle');
      return false;
    }
  }

  /** The revoked links of an earlier download are gone. */
  dropFiles() {
    for (const a of this.files.querySelectorAll('a[href]')) URL.revokeObjectURL(a.href);
    this.files.replaceChildren();
  }

  async runLoop() {
    this.pauseAsked = false;
    this.dataset.state = 'loading';
    const client = sharedClient();
    // The clock of the chart and the status line: seconds of work since Train (loading,
    // features and training; not the time spent paused).
    const t0 = performance.now();
    let job;
    const active = () => (job.activeMs + performance.now() - t0) / 1000;
    const ok = await this.guard(async () => {
      const tuning = this.tuning;
      if (tuning.error) throw new Error(tuning.error);
      const data = await this.data();
      const url = modelSpec(this).url;
      // The layers that train are fixed when the features are computed: another choice is
      // another run (its features computed again), as other data is.
      const options = { ...FINETUNE_OPTIONS, topLayers: tuning.layers, ...(tuning.layers > 0 ? { layerLearningRate: tuning.lr } : {}) };
      const sig = JSON.stringify([url, data.train, data.heldOut, options]);
      if (this.job?.sig !== sig) {
        this.job = null;
        delete this.dataset.tunedLayers;
        this.before = this.now = null;
        this.dropFiles();
        this.setPhase('features');
        this.showProgress(this.t('loading'));
        const key = `finetune:${this.partId('run')}`;
        const source = { url, train: data.train, heldOut: data.heldOut, options };
        const labels = await client.loadFineTune(key, source, (p) => this.showProgress(p), { reload: true });
        // Rust decides tagging or classification; the lines, whether the texts are pairs.
        const task = await client.task(key);
        const tuned = await client.tunedLayers(key);
        this.showProgress(null);
        const form = task === 'classify' && data.form === 'pairs' ? 'pairs' : task;
        this.job = { sig, key, labels, form, tuned, layerLr: options.layerLearningRate ?? null, data, feat: null, history: [], target: 0, activeMs: 0, featureMs: 0, trainMs: 0, trainSteps: 0, reachedAt: null };
        this.dataset.tunedLayers = String(tuned);
      }
      job = this.job;
      try {
        // The features of every example, computed once: the expensive part.
        while (!featuresDone(job)) {
          if (this.pauseAsked) return this.setPhase('paused');
          this.setPhase('features');
          const s = performance.now();
          job.feat = await client.featurize(job.key, FEATURE_CHUNK);
          job.featureMs += performance.now() - s;
          if (featuresDone(job)) await this.startingPoint(job, active());
        }
        const at = () => job.history.at(-1).step;
        if (job.target <= at()) job.target = at() + this.sizes.steps;
        this.setPhase('training');
        let asked = performance.now();
        const burst = job.tuned > 0 ? LAYER_BURST : BURST;
        while (!this.pauseAsked && at() < job.target) {
          const s = performance.now();
          const p = await client.train(job.key, Math.min(burst, job.target - at()));
          job.trainMs += performance.now() - s;
          job.trainSteps += p.step - at();
          this.record(job, p, active());
          if (performance.now() - asked > PREDICT_EVERY_MS) {
            asked = performance.now();
            await this.predict();
          }
          this.draw();
        }
        await this.predict();
        this.setPhase(this.pauseAsked ? 'paused' : 'done');
      } finally {
        job.activeMs += performance.now() - t0;
      }
    });
    if (ok) this.dataset.state = 'ready';
  }

  /** Step 0: the untrained head's held-out accuracy and its answer for the input. */
  async startingPoint(job, s) {
    this.record(job, await sharedClient().train(job.key, 0), s);
    this.before = null;
    await this.predict();
  }

  record(job, p, s) {
    job.history.push({ step: p.step, epochs: p.epochs, loss: p.loss, acc: p.held_out_accuracy, s });
    if (job.reachedAt == null && p.held_out_accuracy >= GOAL) job.reachedAt = { step: p.step, s };
    this.dataset.step = String(p.step);
    this.dataset.accuracy = String(p.held_out_accuracy);
  }

  /** What the head is asked: the text, and sentence B (or null) when the run reads pairs. */
  get asked() {
    const pair = this.job?.form === 'pairs' ? this.attr('pair', '') : '';
    return { text: this.attr('text', ''), pair: pair.trim() ? pair : null };
  }

  /** The head's answer for the input as it is now; at step 0 that is also "before". */
  async predict() {
    const job = this.job;
    const asked = this.asked;
    if (!job?.history.length) return;
    if (!asked.text.trim()) {
      this.now = null;
      return this.draw();
    }
    await this.guard(async () => {
      const step = job.history.at(-1).step;
      const result = await sharedClient().predict(job.key, asked.text, asked.pair);
      this.now = { ...asked, result, step };
      if (step === 0) this.before = { ...asked, result };
      this.draw();
    });
  }

  async download() {
    await this.guard(async () => {
      const { config_json: config, head_safetensors: head } = await sharedClient().exportHead(this.job.key);
      this.dropFiles();
      const link = (name, blob) => h('a', { class: 'tl-ft-file', href: URL.createObjectURL(blob), download: name, text: this.t('ftSave', name) });
      this.files.replaceChildren(
        h(
          'p',
          {},
          link('config.json', new Blob([config], { type: 'application/json' })),
          ' · ',
          link('head.safetensors', new Blob([head], { type: 'application/octet-stream' })),
        ),
        h('p', { class: 'tl-muted' }, rich(this.t('ftLoadBack', ...USE[this.job.form]))),
      );
    });
  }

  draw() {
    if (!this.phaseLine) return;
    const { sentences, heldOut, steps } = this.sizes;
    const job = this.job;
    const running = this.loop != null;
    const last = job?.history.at(-1);
    const form = this.form;
    const tagging = form === 'tag';
    const tuning = this.tuning;
    this.own.hidden = !this.ownData;
    this.textBox.querySelector('label').replaceChildren(...rich(this.t('ftSentence', form)));
    this.pairBox.hidden = form !== 'pairs';
    // The encoder the head trains on: src (loaded), else the built-in default.
    const src = this.getAttribute('src');
    const size = this.encoderSize ? ` · ${this.t('modelSize', 'bert', this.encoderSize)}` : '';
    this.modelLine.textContent = this.t('ftModel', `${src ? this.t('loadedModel', src) : this.t('builtinModel', this.builtinName ?? '')}${size}`, tagging, tuning.layers);
    this.sizeNote.replaceChildren(
      ...rich(
        this.ownData
          ? this.t('ftOwnSizes')
          : this.t('ftSizes', sentences, heldOut, steps, tuning.layers > 0 ? RUST_DEFAULTS.layerBatch : (FINETUNE_OPTIONS.batch ?? RUST_DEFAULTS.batch), tuning.layers > 0),
      ),
      job?.feat ? ` ${this.t('ftWords', job.data.trainCount, job.feat.train_words, job.data.heldCount, job.feat.held_out_words, tagging)}` : '',
    );
    // (Another choice of layers is another run: plain Train.)
    const same = !this.choiceChanged(tuning);
    this.fields.train.textContent = this.phase === 'paused' && same ? this.t('ftResume') : this.phase === 'done' && same ? this.t('ftMore', steps) : this.t('ftTrain');
    this.fields.train.disabled = running;
    this.fields.pause.disabled = !running;
    this.fields.reset.disabled = !job?.history.length;
    this.fields.export.disabled = !job?.history.length;
    for (const name of ['data-builtin', 'data-own', 'train-lines', 'held-lines', 'top-layers', 'layer-lr', ...FORMS.map((f) => `example-${f}`)]) this.fields[name].disabled = running;
    this.drawTuning(tuning);
    // What runs now.
    let line = '';
    if (this.phase === 'features' && job?.feat) {
      const words = job.feat.train_words + job.feat.held_out_words;
      line = this.t('ftFeatures', job.feat.sentences_done, job.feat.sentences, words ? fmt(job.featureMs / words, 2) : '…', tagging, job.tuned);
    } else if (last) {
      line = this.t('ftStatus', last.step, fmt(last.epochs, 1), Number.isFinite(last.loss) ? fmt(last.loss, 3) : '—', fmt(100 * last.acc, 1), fmt(last.s, 1));
      if (job.reachedAt) line += ` ${this.t('ftReached', job.reachedAt.step, fmt(job.reachedAt.s, 1))}`;
      if (this.phase === 'paused') line += ` ${this.t('ftPaused')}`;
    } else if (this.phase === 'features') line = this.t('ftFeatures', 0, '…', '…', tagging, tuning.layers);
    // Which choice this run made, and what a step of it costs.
    if (job && (last || this.phase === 'features')) {
      const ms = job.trainSteps ? job.trainMs / job.trainSteps : null;
      line += ` ${ms == null ? this.t('ftRunUses', job.tuned) : ms >= 100 ? this.t('ftRunUses', job.tuned, fmt(ms / 1000, 2), true) : this.t('ftRunUses', job.tuned, fmt(ms, ms >= 10 ? 0 : 1), false)}`;
    }
    this.phaseLine.textContent = line;
    this.chartBox.replaceChildren(
      chart(job?.history ?? [], Math.max(job?.target ?? 0, last?.step ?? 0, steps), (...a) => this.t(...a)),
      h(
        'figcaption',
        {},
        h('span', { class: 'tl-key acc' }),
        ` ${this.t('ftAcc')} `,
        h('span', { class: 'tl-key loss' }),
        ` ${this.t('ftLoss')} `,
        h('span', { class: 'tl-key goal' }),
        ' 90 %',
      ),
    );
    this.drawAnswer();
  }

  /** Whether the layers chosen (or their learning rate) differ from the run's. */
  choiceChanged(tuning) {
    const job = this.job;
    return Boolean(job && !tuning.error && (job.tuned !== tuning.layers || (tuning.layers > 0 && job.layerLr !== tuning.lr)));
  }

  /** The layers' control: its bounds, the learning rate's field (when layers train), and
   * what the choice means, with a word when it differs from the run's (the next Train
   * computes the features again). */
  drawTuning(tuning) {
    const layers = this.fields['top-layers'];
    if (this.encoderLayers) layers.max = String(this.encoderLayers);
    else layers.removeAttribute('max');
    this.lrBox.hidden = !(tuning.layers > 0);
    const bad = tuning.error || (tuning.tooMany ? this.t('ftTooMany', this.encoderLayers, tuning.layers) : '');
    const parts = [
      bad || (tuning.layers > 0 ? this.t('ftTuneLayers', tuning.layers, this.encoderLayers, RUST_DEFAULTS.layerBatch, MEASURED) : this.t('ftTuneHead', FINETUNE_OPTIONS.batch ?? RUST_DEFAULTS.batch, MEASURED)),
    ];
    if (this.choiceChanged(tuning)) parts.push(this.t('ftTuneChanged', this.job.tuned));
    this.tuneWhy.replaceChildren(...rich(parts.join(' ')));
    this.tuneWhy.classList.toggle('tl-ft-bad', Boolean(bad));
  }

  /** The head's answer before training and now: for tagging each word with its two tags,
   * for classification two columns of label bars. */
  drawAnswer() {
    const asked = this.asked;
    if (!sameInput(this.now, asked)) {
      this.answerBox.replaceChildren(h('p', { class: 'tl-muted', text: this.job?.history.length ? '' : this.t('ftTagHint') }));
      return;
    }
    const before = sameInput(this.before, asked) ? this.before.result : null;
    this.answerBox.replaceChildren(
      'words' in this.now.result ? this.tagRows(before?.words, this.now.result.words) : this.labelColumns(before, this.now.result),
      ...(before ? [] : [h('p', { class: 'tl-muted', text: this.t('ftBeforeOther') })]),
      h('p', { class: 'tl-muted tl-ft-labels', text: this.t('ftLabels', this.job.labels.join(' · '), this.job.form === 'tag') }),
    );
  }

  /** The words with the tag before training and the tag now under each. */
  tagRows(before, words) {
    const row = (cls, word, b, n) => h('li', { class: cls }, h('span', { class: 'tl-ft-word', text: word }), h('span', { class: 'tl-ft-before', text: b }), h('span', { class: 'tl-ft-now', text: n }));
    return h(
      'ol',
      { class: 'tl-ft-tagged' },
      row('tl-ft-head', this.t('ftWord'), this.t('ftBefore'), this.t('ftNow', this.now.step)),
      words.map((w, i) => {
        const b = before?.[i];
        const li = row(b && b.label !== w.label ? 'changed' : '', w.word, b ? b.label : '—', w.label);
        li.title = `${w.label} ${pct(w.prob)}${b ? ` · ${this.t('beforeIs', b.label, pct(b.prob))}` : ''}`;
        li.dataset.before = b?.label ?? '';
        li.dataset.now = w.label;
        return li;
      }),
    );
  }

  /** Every label's probability before training and now, most probable first (as
   * <bert-classify> draws them). */
  labelColumns(before, now) {
    const column = (when, title, result) =>
      h(
        'div',
        { class: 'tl-ft-col', dataset: { when, top: result?.labels[0].label } },
        h('p', { class: 'tl-muted', text: title }),
        result ? bars(result.labels.map((l) => ({ label: l.label, p: l.prob, id: l.id })), { chosen: 0, format: pct }) : h('p', { text: '—' }),
      );
    return h('div', { class: 'tl-ft-classified' }, column('before', this.t('ftBefore'), before), column('now', this.t('ftNow', this.now.step), now));
  }
}
