// The Hugo shortcodes (hugo/layouts) rendered by a real Hugo (Debian's): every widget
// shortcode becomes its custom element with the parameters as attributes, the widgets'
// script is added once per page, tlab-lang-switch (the English / 中文 buttons) likewise, and
// tlab-embed becomes an iframe on embed.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repo } from './harness.mjs';

const WIDGETS = fs
  .readdirSync(path.join(repo, 'hugo/layouts/shortcodes'))
  .map((f) => f.replace(/\.html$/, ''))
  .filter((w) => w !== 'tlab-embed');

test('each shortcode renders its custom element; the script is added once; tlab-embed makes an iframe', () => {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'tlab-hugo-'));
  try {
    fs.cpSync(path.join(repo, 'hugo/layouts'), path.join(site, 'layouts'), { recursive: true });
    fs.mkdirSync(path.join(site, 'layouts/_default'), { recursive: true });
    fs.writeFileSync(path.join(site, 'layouts/_default/single.html'), '{{ .Content }}');
    fs.writeFileSync(path.join(site, 'hugo.toml'), 'baseURL = "http://example.org/"\ntitle = "t"\n[params]\ntlabBase = "/tlab/"\n');
    fs.mkdirSync(path.join(site, 'content'));
    const body = WIDGETS.map((w) => `{{< ${w} text="The cat \\"sat\\"." layer="2" >}}`).join('\n\n');
    fs.writeFileSync(
      path.join(site, 'content/lecture.md'),
      `---\ntitle: lecture\n---\n\n{{< tlab-lang-switch >}}\n\n${body}\n\n{{< tlab-embed widget="cross-attention" text="The black cat sleeps." >}}\n`,
    );
    execFileSync('hugo', ['--quiet', '--source', site], { stdio: 'pipe' });
    const html = fs.readFileSync(path.join(site, 'public/lecture/index.html'), 'utf8');
    assert.equal(html.match(/widgets\/index\.js/g)?.length, 1, 'one module script per page');
    for (const w of WIDGETS) {
      assert.match(html, new RegExp(`<${w} layer="2" text="The cat &#34;sat&#34;."></${w}>`), w);
    }
    assert.ok(WIDGETS.includes('tlab-lang-switch'), 'tlab-lang-switch has a shortcode');
    // Without parameters: the bare element, before the first widget, after the one script tag.
    const bare = html.indexOf('<tlab-lang-switch></tlab-lang-switch>');
    assert.ok(bare > html.indexOf('widgets/index.js'), 'the switch, after the script');
    assert.ok(bare < html.indexOf('<attention-map '), 'the switch where the shortcode stands');
    assert.match(html, /<script src="\/tlab\/widgets\/embed-resize\.js"><\/script>/);
    assert.match(html, /<iframe title="cross-attention" src="\/tlab\/embed\.html\?id=tlab-\d+&text=The%20black%20cat%20sleeps\.&widget=cross-attention"/);
  } finally {
    fs.rmSync(site, { recursive: true, force: true });
  }
});
