// index.html: the page language from ?lang=en|zh, English by default (the 中文 lecture page
// links here with ?lang=zh). index.html loads this script before widgets/index.js, so every
// widget (none has a lang of its own) starts in that language; the switch changes it later.
import { getLang, setLang, tr } from './widgets/i18n.js';

const title = () => {
  document.title = tr(getLang(), 'mainTitle');
};
document.addEventListener('tlab-lang', title);
setLang((new URLSearchParams(location.search).get('lang') ?? '').toLowerCase().startsWith('zh') ? 'zh' : 'en');
