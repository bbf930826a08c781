// embed.html's script: one widget from the query string, for hosts that allow iframes but
// not scripts. embed.html?widget=attention-map&model=bert&text=…&layer=2[&lang=zh][&id=…]
//
// Only the widget's documented attributes (its class's static `attributes`, listed in
// hugo/README.md) are copied onto the element. Anything else is ignored and named in a
// note under the widget: copying every parameter let a link set onfocus=… or style=… on
// the element (script injection through a URL). The page's Content-Security-Policy also
// refuses inline handlers, as a second line of defence.
//
// The page posts {tlabEmbed: id, height} to its parent whenever its height changes; the
// parent's widgets/embed-resize.js sets the iframe's height from it.
//
// Language: lang= (en | zh, or a tag such as zh-CN) if given. Without it, a framed page asks
// its parent ({tlabEmbedLang: id}) and the parent's widgets/embed-resize.js answers with the
// host page's <html lang> ({tlabLang: 'zh-CN'}), and tells again when that changes. The widget
// is made after the answer, or after ANSWER_MS without one (a host without embed-resize.js:
// then the browser's language). Only messages from the parent window are read, and of them
// only a tlabLang string, which can do nothing but choose English or 中文.
import { WIDGETS, setLang, getLang } from './widgets/index.js';
import { tr } from './widgets/i18n.js';

const params = new URLSearchParams(location.search);
const name = params.get('widget');
const id = params.get('id') ?? name;
// Parameters of the iframe form itself, not attributes of the element.
const OWN = new Set(['widget', 'id', 'lang']);
const ANSWER_MS = 500;

/** 'zh' or 'en' for a language tag (zh, zh-CN, en-GB, …); null for anything else. */
const langOf = (tag) => (typeof tag !== 'string' ? null : /^zh(-|$)/i.test(tag) ? 'zh' : /^en(-|$)/i.test(tag) ? 'en' : null);

/** Resolves once the host page has said its language (or did not answer in time). */
function hostLanguage() {
  return new Promise((done) => {
    const timer = setTimeout(done, ANSWER_MS);
    let current = null;
    addEventListener('message', (e) => {
      if (e.source !== parent || typeof e.data?.tlabLang !== 'string') return;
      clearTimeout(timer);
      const lang = langOf(e.data.tlabLang);
      if (lang && lang !== current) {
        current = lang;
        setLang(lang);
      }
      done();
    });
    parent.postMessage({ tlabEmbedLang: id }, '*');
  });
}

const own = langOf(params.get('lang'));
if (own) setLang(own);
else if (parent !== window && WIDGETS.includes(name)) await hostLanguage();

if (!WIDGETS.includes(name)) {
  document.body.textContent = `Unknown widget "${name ?? ''}". Choose one of: ${WIDGETS.join(', ')}.`;
} else {
  const allowed = new Set(customElements.get(name).attributes);
  const el = document.createElement(name);
  const ignored = [];
  for (const [k, v] of params) {
    if (OWN.has(k)) continue;
    if (allowed.has(k)) el.setAttribute(k, v);
    else ignored.push(k.length > 40 ? `${k.slice(0, 40)}…` : k);
  }
  document.body.append(el);
  if (ignored.length) {
    const note = document.createElement('p');
    note.className = 'tl-embed-note';
    note.textContent = tr(getLang(), 'ignored', ignored.join(', '), name, [...allowed].join(', '));
    document.body.append(note);
  }
}

let last = 0;
new ResizeObserver(() => {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height !== last && parent !== window) parent.postMessage({ tlabEmbed: id, height }, '*');
  last = height;
}).observe(document.documentElement);
