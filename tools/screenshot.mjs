// Screenshots of the demo and the lecture views for the README: node tools/screenshot.mjs
// (needs pkg/ and models/).
import { launch } from '../www/e2e/harness.mjs';

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(browser.url);
  await page.fill('#text', 'She [MASK] a [MASK] of the [MASK] yesterday.');
  await page.waitForFunction(() => document.querySelectorAll('#fill-mask .tl-card').length === 3);
  await page.click('#model-picker summary');
  await page.screenshot({ path: 'docs/fill-mask.png', fullPage: true });
  console.log('docs/fill-mask.png');

  // The lecture page: one shot per view (the widget element itself).
  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(new URL('lecture.html?lang=en', browser.url).href);
  await page.waitForFunction(
    () => [...document.querySelectorAll('.tl-widget')].every((w) => w.dataset.state === 'ready'),
    null,
    { timeout: 180_000 },
  );
  await page.click('decoding-steps .tl-next');
  await page.click('decoding-steps .tl-next');
  await page.hover('attention-map[model="translate"] .tl-row[data-q="6"]');
  const shots = {
    'lecture-tokenizer': 'tokenizer-view[model="translate"]',
    'lecture-attention': 'attention-map[model="translate"]',
    'lecture-masked-self-attention': 'masked-self-attention',
    'lecture-cross-attention': 'cross-attention',
    'lecture-decoding-steps': 'decoding-steps',
    'lecture-teacher-forcing': 'teacher-forcing',
    'lecture-bert-pretraining': 'bert-pretraining',
  };
  for (const [name, sel] of Object.entries(shots)) {
    await page.locator(sel).first().screenshot({ path: `docs/${name}.png` });
    console.log(`docs/${name}.png`);
  }
  await page.setViewportSize({ width: 375, height: 800 });
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  await page.locator('#beam').screenshot({ path: 'docs/lecture-phone-zh.png' });
  console.log('docs/lecture-phone-zh.png');
} finally {
  await browser.close();
}
