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
import { WIDGETS, setLang, getLang } from './widgets/index.js';
import { tr } from './widgets/i18n.js';

const params = new URLSearchParams(location.search);
const name = params.get('widget');
// Parameters of the iframe form itself, not attributes of the element.
const OWN = new Set(['widget', 'id', 'lang']);

if (!WIDGETS.includes(name)) {
  document.body.textContent = `Unknown widget "${name ?? ''}". Choose one of: ${WIDGETS.join(', ')}.`;
} else {
  if (params.get('lang')) setLang(params.get('lang'));
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

const id = params.get('id') ?? name;
let last = 0;
new ResizeObserver(() => {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height !== last && parent !== window) parent.postMessage({ tlabEmbed: id, height }, '*');
  last = height;
}).observe(document.documentElement);
