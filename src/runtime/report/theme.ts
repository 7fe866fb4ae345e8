/**
 * The report's look: colours, the vega-lite config (a physics-plot style: framed axes, ticks inside,
 * axis titles at the axis end as in ROOT/ATLAS plots, faint grid, fonts readable on a slide), and a
 * Helvetica text-width table that replaces vega's text estimate.
 *
 * May import: nothing.
 * Why a width table: without the native `canvas` package vega estimates every string as
 * 0.8 em per character, which makes legends and label margins far too wide. The page and the SVGs
 * ask for Helvetica/Arial (Nimbus Sans / Liberation Sans on Linux, all metric-compatible), so their
 * AFM widths measure text to within a few per cent, deterministically.
 */

/** TMVA's convention: signal blue, background red. */
export const SIGNAL = '#1f5fae';
export const BACKGROUND = '#d0312d';
export const SIGNAL_FILL = '#5b8fd6';
export const BACKGROUND_FILL = '#e8736f';

/** Model colours, in the order the report lists the models (colour-blind safe, Okabe–Ito based, black first). */
export const MODEL_COLORS = ['#000000', '#e69f00', '#0072b2', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#7f7f7f'];
/** Dash patterns paired with the colours, so curves stay distinct in greyscale print. */
export const MODEL_DASHES: number[][] = [[1, 0], [8, 4], [2, 3], [10, 3, 2, 3], [5, 5], [1, 0], [8, 4], [2, 3]];

export function modelColor(i: number): string {
  return MODEL_COLORS[i % MODEL_COLORS.length]!;
}
export function modelDash(i: number): number[] {
  return MODEL_DASHES[i % MODEL_DASHES.length]!;
}

export const FONT = 'Helvetica, Arial, sans-serif';

/** vega-lite `config` shared by every plot. */
export const CONFIG = {
  font: FONT,
  // no aria-label on every mark: it would double the size of an SVG with thousands of points
  aria: false,
  background: 'white',
  padding: 10,
  view: { stroke: '#000000', strokeWidth: 1, continuousWidth: 460, continuousHeight: 330 },
  axis: {
    domainColor: '#000000',
    tickColor: '#000000',
    tickSize: -6,
    labelPadding: 9,
    labelFontSize: 13,
    labelColor: '#000000',
    titleFontSize: 15,
    titleFontWeight: 'normal',
    titleColor: '#000000',
    titlePadding: 8,
    grid: true,
    gridColor: '#ebebeb',
    labelFlush: true,
  },
  axisX: { titleAnchor: 'end', titleAlign: 'right' },
  axisY: { titleAnchor: 'end', titleAlign: 'right', labelFlush: false },
  axisBand: { tickSize: 5, labelPadding: 4, grid: false },
  legend: {
    labelFontSize: 13,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    symbolStrokeWidth: 2,
    strokeColor: '#bbbbbb',
    fillColor: '#ffffff',
    padding: 8,
    cornerRadius: 2,
  },
  title: { fontSize: 16, fontWeight: 'bold', anchor: 'start', offset: 10, subtitleFontSize: 13, subtitleColor: '#444444' },
  header: { labelFontSize: 14, titleFontSize: 14 },
  concat: { spacing: 30 },
  line: { strokeWidth: 2 },
  text: { fontSize: 12 },
} as const;

/** Helvetica AFM advance widths (per 1000 em) for ASCII 32..126. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
  722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
  556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
  260, 334, 584,
];

/** Width in px of `text` in Helvetica at `fontSize` (bold ≈ 6 % wider; non-ASCII as 0.6 em). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    units += c >= 32 && c <= 126 ? HELVETICA[c - 32]! : 600;
  }
  return (units / 1000) * fontSize * (bold ? 1.06 : 1);
}
