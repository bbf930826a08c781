// Which model a widget runs, in words: "Model: built in: <name> · <size>" or "Model: loaded:
// <address> · <size>" (i18n.js modelUsed). base.js shows it above every widget that asks its
// model through TlabWidget.model() (the attention maps, the tokenizer, decoding, teacher
// forcing, pre-training, translation); the widgets with a model box (model-picker.js,
// bert-head.js, gpt-generate.js) and <bert-finetune> say it in their own header instead.
import { builtinEntry, ANTIBERTY, BUILTIN_GPT, CHINESE_BERT, DEFAULT_BERT, DEFAULT_TRANSLATE } from '../lib/client.js';

/** Worker key of a built-in model → its entry in models/index.json (whose name is shown). */
export const BUILTIN_ENTRIES = Object.freeze({
  [DEFAULT_BERT.key]: 'fill-mask',
  [CHINESE_BERT.key]: 'fill-mask-zh',
  [ANTIBERTY.key]: 'antiberty',
  [BUILTIN_GPT.key]: 'gpt-poetry',
  ...Object.fromEntries(Object.entries(DEFAULT_TRANSLATE).map(([d, m]) => [m.key, `translate-${d}`])),
});

/** The name of the model behind `spec` ({key, url}, or a tokenizer's alone: {of, url}, of
 * its model's key): a built-in model's from models/index.json (its entry's name when the
 * index has none), else its address. */
export async function modelName(spec) {
  const entry = BUILTIN_ENTRIES[spec.kind === 'tokenizer' ? spec.of : spec.key];
  return (entry && (await builtinEntry(entry)).name) || entry || spec.url;
}

/** {builtin, name, info, kind} of the model behind `spec` (with its info, as loaded). A
 * tokenizer loaded alone names its model, whose kind it reads by, with the size that its
 * config.json states (lib/ops.js TokenizerInfo; none if it states too little). */
export async function describeModel(spec) {
  if (spec.kind === 'tokenizer') {
    const info = spec.info ?? null;
    const sized = spec.reads === 'translate' ? info?.encoder_layers != null : info?.layers != null || info?.hidden != null;
    return { builtin: spec.of in BUILTIN_ENTRIES, name: await modelName(spec), info: sized ? info : null, kind: spec.reads };
  }
  return { builtin: spec.key in BUILTIN_ENTRIES, name: await modelName(spec), info: spec.info ?? null, kind: spec.kind };
}
