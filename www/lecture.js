// lecture.html: the page language from ?lang=en|zh, else the browser's (the switch at the
// top changes it later).
import { getLang, setLang } from './widgets/index.js';

setLang(new URLSearchParams(location.search).get('lang') ?? getLang());
