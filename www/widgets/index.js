// One script tag for a lecture page or blog post:
//   <script type="module" src="https://…/widgets/index.js"></script>
// defines every tlab element (see hugo/README.md for their attributes), adds their style
// sheet once, and — for a page with a <tlab-lang-switch> — the English / 中文 switch.
// All widgets share one worker (lib/client.js sharedClient): each model downloads once.
import { getLang, setLang } from './i18n.js';
import { TokenizerView } from './tokenizer-view.js';
import { AttentionMap } from './attention-map.js';
import { EncoderBlock } from './encoder-block.js';
import { MaskedSelfAttention } from './masked-self-attention.js';
import { CrossAttention } from './cross-attention.js';
import { Seq2SeqTranslate } from './seq2seq-translate.js';
import { BertFillMask } from './bert-fill-mask.js';
import { DecodingSteps } from './decoding-steps.js';
import { TeacherForcing } from './teacher-forcing.js';
import { BertPretraining } from './bert-pretraining.js';
import { BertFinetune } from './bert-finetune.js';
import { BertClassify } from './bert-classify.js';
import { BertNsp } from './bert-nsp.js';
import { BertTag } from './bert-tag.js';
import { BertQa } from './bert-qa.js';
import { GptGenerate } from './gpt-generate.js';

// Element name → class; each class lists its attributes in its static `attributes`
// (embed.html copies only those; hugo/README.md documents them).
const ELEMENTS = {
  'tokenizer-view': TokenizerView,
  'attention-map': AttentionMap,
  'encoder-block': EncoderBlock,
  'masked-self-attention': MaskedSelfAttention,
  'cross-attention': CrossAttention,
  'seq2seq-translate': Seq2SeqTranslate,
  'bert-fill-mask': BertFillMask,
  'decoding-steps': DecodingSteps,
  'teacher-forcing': TeacherForcing,
  'bert-pretraining': BertPretraining,
  'bert-finetune': BertFinetune,
  'bert-classify': BertClassify,
  'bert-nsp': BertNsp,
  'bert-tag': BertTag,
  'bert-qa': BertQa,
  'gpt-generate': GptGenerate,
};
const WIDGETS = Object.keys(ELEMENTS);

if (!document.querySelector('link[data-tlab-widgets]')) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('widgets.css', import.meta.url).href;
  link.dataset.tlabWidgets = '';
  document.head.append(link);
}

/** <tlab-lang-switch>: two buttons, English / 中文, for every widget on the page. */
class LangSwitch extends HTMLElement {
  connectedCallback() {
    if (this.childElementCount) return;
    this.setAttribute('role', 'group');
    this.setAttribute('aria-label', 'Language / 语言');
    for (const [lang, label] of [['en', 'English'], ['zh', '中文']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.lang = lang;
      b.dataset.lang = lang;
      b.addEventListener('click', () => setLang(lang));
      this.append(b);
    }
    const mark = () => this.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === getLang())));
    document.addEventListener('tlab-lang', mark);
    mark();
  }
}
if (!customElements.get('tlab-lang-switch')) customElements.define('tlab-lang-switch', LangSwitch);
for (const [name, cls] of Object.entries(ELEMENTS)) if (!customElements.get(name)) customElements.define(name, cls);

export { setLang, getLang, WIDGETS };
