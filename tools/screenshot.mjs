// Screenshots of the demo for the README: node tools/screenshot.mjs (needs pkg/ and models/).
import { launch } from '../www/e2e/harness.mjs';

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(browser.url);
  await page.fill('#text', 'She [MASK] a [MASK] of the [MASK] yesterday.');
  await page.waitForFunction(() => document.querySelectorAll('.mask-card').length === 3);
  await page.click('#model-picker summary');
  await page.screenshot({ path: 'docs/fill-mask.png', fullPage: true });
  console.log('docs/fill-mask.png');
} finally {
  await browser.close();
}
