/**
 * Opens a rendered report in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) from a file:// URL, as a physicist would open it offline: no console errors, no
 * request leaving the file system, every plot drawn with non-empty SVG content, and a screenshot.
 * Skips, saying why, when /usr/bin/chromium is absent (CI installs it: apt-get install chromium).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PLOT_NAMES, renderReport } from '../../../src/runtime/report/index.js';
import { syntheticReportInput } from './synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`report browser test skipped: ${CHROMIUM} not found (install Debian's chromium package)`);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)(`report in headless Chromium (${CHROMIUM})`, () => {
  it('opens offline without console errors and shows every plot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'winnow-report-'));
    dirs.push(dir);
    const input = syntheticReportInput({ events: 3000 });
    const { html, svgs, json } = await renderReport(input);
    await writeFile(join(dir, 'index.html'), html);
    for (const [name, svg] of Object.entries(svgs)) await writeFile(join(dir, `${name}.svg`), svg);
    await writeFile(join(dir, 'report.json'), JSON.stringify(json));

    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
      });
      const url = pathToFileURL(join(dir, 'index.html')).href;
      const response = await page.goto(url, { waitUntil: 'load' });
      expect(response?.ok() ?? true).toBe(true);
      expect(await page.title()).toContain('higgs');

      for (const name of PLOT_NAMES) {
        const svg = page.locator(`section[data-plot="${name}"] .plot > svg`);
        expect(await svg.count(), name).toBe(1);
        const box = await svg.boundingBox();
        expect(box, name).not.toBeNull();
        expect(box!.width, name).toBeGreaterThan(250);
        expect(box!.height, name).toBeGreaterThan(100);
        // drawn content: shapes with geometry and visible text
        const shapes = await svg.locator('path[d^="M"], line, text').count();
        expect(shapes, name).toBeGreaterThan(20);
        const text = (await svg.textContent()) ?? '';
        expect(text.length, name).toBeGreaterThan(20);
      }
      // the standalone SVG files open too (as XML documents)
      const roc = await page.goto(pathToFileURL(join(dir, 'roc.svg')).href);
      expect(roc?.ok() ?? true).toBe(true);
      expect(await page.locator('svg text').count()).toBeGreaterThan(10);
      await page.goto(url);

      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(100_000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
