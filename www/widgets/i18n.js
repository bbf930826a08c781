// UI text in English and 中文. The page-wide language defaults to the browser's
// (navigator.language); a widget's own `lang` attribute overrides it; setLang() switches
// every widget on the page (they listen for the 'tlab-lang' event and redraw).

const TEXT = {
  en: {
    loading: 'Loading the model…',
    downloading: (f, a, b) => `Downloading ${f}: ${a} / ${b} MB`,
    preparing: (f) => `Preparing: ${f}`,
    text: 'Text',
    source: 'Source sentence',
    reference: 'Reference translation',
    run: 'Run',
    layer: 'Layer',
    head: 'Head',
    average: 'average of heads',
    hover: 'Hover or focus a token (row) to see where it attends; hover a cell for its value.',
    attends: (q, k, v) => `${q} → ${k}: ${v}`,
    special: 'special token',
    pieces: (n, alg) => `${n} tokens · ${alg}`,
    next: 'Next ▶',
    prev: '◀ Previous',
    play: 'Play',
    pause: 'Pause',
    step: (i, n) => `Step ${i} of ${n}`,
    greedy: 'Greedy',
    beam: (k) => `Beam search (width ${k})`,
    chosen: 'chosen',
    candidates: 'Top candidates',
    finished: 'finished',
    pruned: 'pruned',
    beamTree: 'Beam tree (bold: the best hypothesis; grey: pruned; ◆ finished)',
    translation: 'Translation',
    score: 'score',
    logp: 'log P',
    position: 'position',
    refToken: 'reference token',
    prob: 'P(reference)',
    topGuess: "model's top guess",
    total: (ll) => `Total log-likelihood of the reference: ${ll}`,
    freeRun: (t, lp) => `Free-running (greedy) the model writes: “${t}” (log P = ${lp})`,
    teacherNote: 'Teacher forcing: at every position the decoder sees the reference prefix, not its own guesses.',
    ssru: 'This model’s decoder has no self-attention: it uses an SSRU (a gated running average), so there is no attention to show. Below is the causal mask a textbook Transformer decoder would use on this target: position i may look at positions 0…i (filled), never at the future (blank).',
    causal: 'Masked self-attention: row i (the token being predicted next) looks only at positions 0…i; the future is blank.',
    cross: 'Cross-attention: each target token (row) over the source tokens (columns).',
    reroll: 'Re-roll the masking',
    kinds: { mask: 'masked', random: 'random token', keep: 'kept' },
    pretrainNote: '15 % of the word tokens are chosen (whole words); of those 80 % become the mask token, 10 % a random token, 10 % stay unchanged. The model must predict the original at every chosen position.',
    loss: (l) => `Masked-LM loss (mean cross-entropy): ${l}`,
    original: 'original',
    shown: 'model sees',
    pOriginal: 'P(original)',
    predictions: 'predictions',
    fill: 'Fill',
    nbest: 'n-best list',
    lang: 'Language',
    sees: 'sees',
    target: 'target',
    capped: (r, R, c, C) =>
      `Drawn: the first ${r} of ${R} rows and the first ${c} of ${C} columns — a larger map would stall the page. Rows cut short need not sum to 1.`,
    headsCapped: (m, n) => `The head menu lists heads 1–${m} of ${n}; the average is over all ${n}.`,
    ignored: (names, widget, allowed) => `Ignored: ${names} — not attributes of ${widget} (it takes ${allowed}; see hugo/README.md).`,
  },
  zh: {
    loading: '正在加载模型…',
    downloading: (f, a, b) => `正在下载 ${f}：${a} / ${b} MB`,
    preparing: (f) => `准备中：${f}`,
    text: '文本',
    source: '源句子',
    reference: '参考译文',
    run: '运行',
    layer: '层',
    head: '注意力头',
    average: '所有头的平均',
    hover: '把鼠标移到（或用 Tab 聚焦）某个词（行）上，查看它关注哪里；移到格子上查看数值。',
    attends: (q, k, v) => `${q} → ${k}：${v}`,
    special: '特殊符号',
    pieces: (n, alg) => `${n} 个词元 · ${alg}`,
    next: '下一步 ▶',
    prev: '◀ 上一步',
    play: '播放',
    pause: '暂停',
    step: (i, n) => `第 ${i} 步，共 ${n} 步`,
    greedy: '贪心解码',
    beam: (k) => `束搜索（宽度 ${k}）`,
    chosen: '选中',
    candidates: '候选词',
    finished: '已完成',
    pruned: '被剪枝',
    beamTree: '束搜索树（粗体：最优假设；灰色：被剪枝；◆ 已完成）',
    translation: '译文',
    score: '得分',
    logp: 'log P',
    position: '位置',
    refToken: '参考词元',
    prob: 'P(参考词元)',
    topGuess: '模型自己的首选',
    total: (ll) => `参考译文的总对数似然：${ll}`,
    freeRun: (t, lp) => `自由生成（贪心）时模型写出：“${t}”（log P = ${lp}）`,
    teacherNote: '教师强制：在每个位置，解码器看到的是参考译文的前缀，而不是它自己的猜测。',
    ssru: '这个模型的解码器没有自注意力：它使用 SSRU（带门控的滑动平均），因此没有注意力可以显示。下面是教科书式 Transformer 解码器在这个目标序列上会使用的因果掩码：位置 i 只能看位置 0…i（已填充），不能看未来（空白）。',
    causal: '带掩码的自注意力：第 i 行（正在预测下一个词的位置）只看位置 0…i；未来是空白的。',
    cross: '交叉注意力：每个目标词元（行）对源词元（列）的注意力。',
    reroll: '重新随机遮盖',
    kinds: { mask: '被遮盖', random: '随机词元', keep: '保持不变' },
    pretrainNote: '随机选中 15% 的词元（整词）；其中 80% 替换为掩码符号，10% 替换为随机词元，10% 保持不变。模型必须在每个选中位置预测原词。',
    loss: (l) => `掩码语言模型损失（平均交叉熵）：${l}`,
    original: '原词',
    shown: '模型看到',
    pOriginal: 'P(原词)',
    predictions: '预测',
    fill: '填空',
    nbest: 'n-best 列表',
    lang: '语言',
    sees: '看到',
    target: '目标',
    capped: (r, R, c, C) => `只绘制了前 ${r} 行（共 ${R} 行）和前 ${c} 列（共 ${C} 列）——更大的图会让页面卡住。被截断的行之和不一定为 1。`,
    headsCapped: (m, n) => `注意力头菜单只列出第 1–${m} 个头（共 ${n} 个）；平均值按全部 ${n} 个头计算。`,
    ignored: (names, widget, allowed) => `已忽略：${names}——它们不是 ${widget} 的属性（它接受 ${allowed}；见 hugo/README.md）。`,
  },
};

let pageLang = (globalThis.navigator?.language ?? 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';

export function getLang() {
  return pageLang;
}

export function setLang(lang) {
  pageLang = lang === 'zh' ? 'zh' : 'en';
  document.documentElement.lang = pageLang === 'zh' ? 'zh-CN' : 'en';
  document.dispatchEvent(new CustomEvent('tlab-lang', { detail: pageLang }));
}

/** The text for `key` in `lang` (functions take arguments). */
export function tr(lang, key, ...args) {
  const v = (TEXT[lang] ?? TEXT.en)[key] ?? TEXT.en[key];
  return typeof v === 'function' ? v(...args) : v;
}
