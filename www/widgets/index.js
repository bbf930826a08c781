// One script tag for a lecture page or blog post:
//   <script type="module" src="https://…/widgets/index.js"></script>
// defines every tlab element (see hugo/README.md for their attributes), adds their style
// sheet once, and — for a page with a <tlab-lang-switch> — the English / 中文 switch.
// All widgets share one worker (lib/client.js sharedClient): each model downloads once.
import { defineAll, WIDGETS } from './views.js';
import { getLang, setLang } from './i18n.js';

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
defineAll();

export { setLang, getLang, WIDGETS };
