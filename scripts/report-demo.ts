/**
 * Renders a demo report from realistic synthetic inputs (test/runtime/report/synthetic.ts) into a
 * directory, and with --screenshots also takes PNG screenshots of the page and of each plot in
 * headless Chromium (Debian's /usr/bin/chromium).
 *
 *   npx vite-node scripts/report-demo.ts -- [OUTDIR] [--screenshots] [--docs] [--roc=inverse|tpr]
 *   npx vite-node scripts/report-demo.ts -- --from=reports/higgs --docs   # screenshots of a built report
 *
 * OUTDIR defaults to /tmp/winnow-report-demo. Files: index.html, <plot>.svg, report.json, and with
 * --screenshots overview.png (top of the page), full.png and plot-<name>.png. --docs (implies
 * --screenshots) also copies overview.png and the plot screenshots to docs/report-*.png. This is a
 * developer tool, so it writes files and prints their paths; the report library itself does neither.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport, type RocStyle } from '../src/runtime/report/index.js';
import { syntheticReportInput } from '../test/runtime/report/synthetic.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const from = args.find((a) => a.startsWith('--from='))?.slice(7);
const out = resolve(from ?? args.find((a) => !a.startsWith('--')) ?? '/tmp/winnow-report-demo');
const roc = args.find((a) => a.startsWith('--roc='))?.slice(6) as RocStyle | undefined;

let plots: string[];
if (from) {
  // an existing report directory (e.g. the example's reports/higgs): only take screenshots
  plots = (await readdir(out)).filter((f) => f.endsWith('.svg')).map((f) => f.slice(0, -4));
} else {
  const t0 = performance.now();
  const input = syntheticReportInput();
  const { html, svgs, json } = await renderReport(roc ? { ...input, options: { roc } } : input);
  const ms = performance.now() - t0;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'index.html'), html);
  for (const [name, svg] of Object.entries(svgs)) await writeFile(join(out, `${name}.svg`), svg);
  await writeFile(join(out, 'report.json'), JSON.stringify(json, null, 1));
  plots = Object.keys(svgs);
  console.log(`report written to ${join(out, 'index.html')} in ${ms.toFixed(0)} ms (${(html.length / 1024).toFixed(0)} kB html)`);
}

const docs = args.includes('--docs');
if (docs || args.includes('--screenshots')) {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'winnow-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(join(out, 'index.html')).href);
  // the sticky navigation bar would cover the top of each element screenshot
  await page.addStyleTag({ content: 'nav{position:static !important}' });
  const shots = from ? await mkdtemp(join(tmpdir(), 'winnow-shots-')) : out;
  await page.screenshot({ path: join(shots, 'overview.png') });
  await page.screenshot({ path: join(shots, 'full.png'), fullPage: true });
  for (const name of plots) {
    await page.locator(`section[data-plot="${name}"]`).screenshot({ path: join(shots, `plot-${name}.png`) });
  }
  await browser.close();
  await rm(userDataDir, { recursive: true, force: true });
  console.log(`screenshots in ${shots}${errors.length ? `; console errors: ${errors.join(' | ')}` : ''}`);
  if (docs) {
    const dir = resolve(import.meta.dirname ?? '.', '..', 'docs');
    await mkdir(dir, { recursive: true });
    await copyFile(join(shots, 'overview.png'), join(dir, 'report-overview.png'));
    for (const name of plots) await copyFile(join(shots, `plot-${name}.png`), join(dir, `report-${name}.png`));
    console.log(`docs screenshots in ${dir}`);
  }
}
