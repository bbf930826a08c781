// The files of a checkpoint by name, for the model kinds that take them so: the order the
// worker fetches them from a URL prefix (worker.js), and what a model picker takes when files
// are chosen or dropped (widgets/model-picker.js). A URL prefix cannot be listed, so each
// entry's names are tried in order: a first choice that is not there moves on to the next.
// optional: may be missing; after: only when that file came (merges.txt goes with
// vocab.json).

/** A BERT in either hub layout: tokenizer.json + model.safetensors, or vocab.txt +
 * tokenizer_config.json + pytorch_model.bin, and mixtures (google-bert/bert-base-chinese has
 * the first, hfl/chinese-roberta-wwm-ext only the second). A fill-mask model always asks for
 * tokenizer_config.json, and goes on without it on a 404: besides vocab.txt's options it names
 * the mask token. */
export const BERT_FILES = Object.freeze([
  { names: ['config.json'] },
  { names: ['tokenizer.json', 'vocab.txt'] },
  { names: ['tokenizer_config.json'], optional: true },
  { names: ['model.safetensors', 'pytorch_model.bin'] },
]);

/** A GPT (GPT2LMHeadModel) in any of the hub's layouts: tokenizer.json (as save_pretrained
 * writes today), vocab.json + merges.txt (openai-community/gpt2's own repository) or a BERT
 * vocab.txt (Chinese GPT-2s such as uer/gpt2-chinese-poem); tokenizer_config.json if there is
 * one; model.safetensors or pytorch_model.bin. */
export const GPT_FILES = Object.freeze([
  { names: ['config.json'] },
  { names: ['tokenizer.json', 'vocab.json', 'vocab.txt'] },
  { names: ['merges.txt'], after: 'vocab.json' },
  { names: ['tokenizer_config.json'], optional: true },
  { names: ['model.safetensors', 'pytorch_model.bin'] },
]);

/** A model's tokenizer alone, without its weights (the tokenizer kind, which
 * <tokenizer-view> loads), by the rules it is read by: a BERT's BERT_FILES less the weights
 * (either hub layout, tokenizer_config.json if there is one); a translation model's
 * config.json and tokenizer.json. The same URLs as the whole model's, so the Cache API holds
 * them once for both. */
export const TOKENIZER_FILES = Object.freeze({
  bert: Object.freeze(BERT_FILES.filter((e) => !e.names.includes('model.safetensors'))),
  translate: Object.freeze([{ names: ['config.json'] }, { names: ['tokenizer.json'] }]),
});
