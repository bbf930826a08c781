// For the page that holds tlab iframes (embed.html): sizes each iframe to its content.
//   <script src="https://…/widgets/embed-resize.js"></script>   (a classic script is enough)
// Each embed posts {tlabEmbed, height}; the iframe whose window sent it gets that height.
window.addEventListener('message', (e) => {
  if (!e.data || typeof e.data.tlabEmbed !== 'string' || !Number.isFinite(e.data.height)) return;
  for (const frame of document.querySelectorAll('iframe')) {
    if (frame.contentWindow === e.source) frame.style.height = `${e.data.height}px`;
  }
});
