/**
 * Draws vega-lite specs as SVG strings in Node: vega-lite compiles, vega renders with the
 * headless ('none') renderer, which needs no canvas.
 *
 * May import: vega, vega-lite (both loaded lazily, on the first render), report/theme.
 * Choices:
 * - vega's text measurement is replaced by theme.textWidth (Helvetica metrics), so the layout is
 *   the same whether or not the optional native `canvas` package happens to be built: the SVG
 *   bytes depend only on the spec (a report step's output must be deterministic for early cutoff).
 * - vega numbers clip paths and gradients with a process-wide counter (`clip7`), which would make
 *   the bytes depend on what was drawn before and would clash when several SVGs sit inline in one
 *   page; every id is rewritten to `<prefix>-<n>` in order of appearance.
 */
import { CONFIG, textWidth } from './theme.js';
import type { Spec } from './plots.js';

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let loaded: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | undefined;

interface TextItem {
  fontSize?: number | string;
  fontWeight?: string | number;
  limit?: number;
}

function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  loaded ??= (async () => {
    const vega = await import('vega');
    const vl = await import('vega-lite');
    // textMetrics is exported by vega (from vega-scenegraph) but missing from its type declarations
    const metrics = (vega as unknown as { textMetrics: { width: (item: unknown, text: unknown) => number } }).textMetrics;
    metrics.width = (item: unknown, text: unknown): number => {
      const it = item as TextItem;
      const size = it.fontSize !== undefined ? Number(it.fontSize) || 0 : 11;
      const weight = it.fontWeight;
      const bold = weight === 'bold' || (typeof weight === 'number' && weight >= 600);
      const w = textWidth(text == null ? '' : String(text).trim(), size, bold);
      return it.limit !== undefined && it.limit > 0 ? Math.min(w, it.limit) : w;
    };
    return { vega, vl };
  })();
  return loaded;
}

/** Rewrites every `id` (and its `url(#id)` / `href="#id"` references) to `<prefix>-<n>`. */
export function prefixIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  svg.replace(/\sid="([^"]+)"/g, (_m, id: string) => {
    if (!map.has(id)) map.set(id, `${prefix}-${map.size + 1}`);
    return '';
  });
  if (map.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_m, a: string, id: string, b: string) => a + (map.get(id) ?? id) + b)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (map.has(id) ? `url(#${map.get(id)})` : m))
    .replace(/(href=")#([^"]+)(")/g, (m, a: string, id: string, b: string) => (map.has(id) ? `${a}#${map.get(id)}${b}` : m));
}

/**
 * Compiles a vega-lite spec with the report's config and renders it to an SVG document. vega and
 * vega-lite log warnings to the console by default; library code must not print, so both get a
 * silent logger (a spec error still throws).
 */
export async function renderSpec(spec: Spec, idPrefix: string): Promise<string> {
  const { vega, vl } = await loadVega();
  const logger = vega.logger(vega.None);
  const compiled = vl.compile({ ...spec, config: CONFIG } as unknown as Parameters<VegaLiteModule['compile']>[0], {
    logger,
  }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    return prefixIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}
