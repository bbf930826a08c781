// For the page that holds tlab iframes (embed.html): sizes each iframe to its content.
//   <script src="https://…/widgets/embed-resize.js"></script>   (a classic script is enough)
// Each embed posts {tlabEmbed, height}; the iframe whose window sent it gets that height.
// An embed without lang= asks {tlabEmbedLang} for the page's language: it is told this page's
// <html lang> ({tlabLang}), and told again whenever that attribute changes.
// (In a function: a page may load this script twice.)
(() => {
  const asked = new Map(); // window of an embed that asked → its origin
  const tell = (win, origin) => win.postMessage({ tlabLang: document.documentElement.lang || '' }, origin);
  new MutationObserver(() => asked.forEach((origin, win) => tell(win, origin))).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['lang'],
  });
  window.addEventListener('message', (e) => {
    if (typeof e.data?.tlabEmbedLang === 'string') {
      if (![...document.querySelectorAll('iframe')].some((f) => f.contentWindow === e.source)) return;
      const origin = e.origin === 'null' ? '*' : e.origin; // a sandboxed frame's origin is opaque
      asked.set(e.source, origin);
      tell(e.source, origin);
      return;
    }
    if (!e.data || typeof e.data.tlabEmbed !== 'string' || !Number.isFinite(e.data.height)) return;
    for (const frame of document.querySelectorAll('iframe')) {
      if (frame.contentWindow === e.source) frame.style.height = `${e.data.height}px`;
    }
  });
})();
