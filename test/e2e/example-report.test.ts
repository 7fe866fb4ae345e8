/**
 * The example report as a newcomer gets it: builds pipelines/example.pipe (a copy, in a temp project
 * that reads the repository's data), then opens reports/higgs/index.html in headless Chromium from a
 * file:// URL: no console error, no request leaving the file system, every plot the `.pipe` file
 * lists drawn with content, the SVG files parse as XML, and a screenshot is saved.
 * Skips, saying why, when /usr/bin/chromium is absent (.ci/run installs Debian's chromium).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SaxesParser } from 'saxes';
import { DATA, ROOT, tempProject, winnow } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`example report browser test skipped: ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!hasChromium)('the example report in headless Chromium', () => {
  it('shows every requested plot of pipelines/example.pipe', async () => {
    const text = fs.readFileSync(path.join(ROOT, 'pipelines', 'example.pipe'), 'utf8').replaceAll('"../data/', `"${DATA}/`);
    const plots = /plots\s*=\s*\[([^\]]*)\]/.exec(text)![1]!.split(',').map((s) => s.trim());
    expect(plots.length).toBeGreaterThanOrEqual(5);
    const dir = tempProject({ 'pipelines/example.pipe': text });
    const b = winnow(dir, ['build', 'pipelines/example.pipe', '--jobs', '2']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/report higgs: reports\/higgs\/index\.html/);
    const reportDir = path.join(dir, 'reports', 'higgs');

    for (const p of plots) {
      const svg = fs.readFileSync(path.join(reportDir, `${p}.svg`), 'utf8');
      const parser = new SaxesParser();
      let elements = 0;
      parser.on('opentag', () => { elements++; });
      parser.write(svg).close(); // throws on malformed XML
      expect(elements, p).toBeGreaterThan(50);
    }

    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`); });
      await page.goto(pathToFileURL(path.join(reportDir, 'index.html')).href, { waitUntil: 'load' });
      for (const p of plots) {
        const svg = page.locator(`section[data-plot="${p}"] .plot > svg`);
        expect(await svg.count(), p).toBe(1);
        const box = await svg.boundingBox();
        expect(box!.width, p).toBeGreaterThan(250);
        expect(await svg.locator('path[d^="M"], line, text').count(), p).toBeGreaterThan(20);
      }
      const shot = path.join(dir, 'example-report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(100_000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
