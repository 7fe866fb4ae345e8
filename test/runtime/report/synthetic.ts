/**
 * A realistic synthetic ReportInput (HiggsML-like): three classifiers of different strength with
 * 5 CV folds, a test part and training scores; a ranking with bootstrap intervals and stability;
 * correlation matrices; input variables with missing values and an integer variable; learning
 * curves; a 20-trial search. Metrics are computed with eval/metrics from the generated scores, so
 * every number is consistent with the curves. Used by the report tests and scripts/report-demo.ts.
 */
import { computeMetrics, summarizeFolds } from '../../../src/runtime/eval/metrics.js';
import type { LearningCurve } from '../../../src/runtime/models/types.js';
import type {
  CorrelationMatrices,
  ModelResult,
  RankingEntry,
  ScoreSet,
  SearchResult,
  SelectResult,
  TrialResult,
} from '../../../src/runtime/results.js';
import type { ReportInput, ReportInputVariable, ReportModel } from '../../../src/runtime/report/types.js';
import { Rng } from '../../../src/runtime/util/rng.js';

export interface SyntheticOptions {
  seed?: number;
  /** Events per score set (test part; each fold gets a fifth of the training part). */
  events?: number;
  plots?: string[];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Signal fraction ~ 1/3 and HiggsML-like weights (signal small, background large). */
function scoreSet(rng: Rng, n: number, sep: number, noise: number, squash = 1): ScoreSet {
  const score = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sig = rng.next() < 0.34;
    y[i] = sig ? 1 : 0;
    w[i] = sig ? 0.0081 * (0.8 + 0.4 * rng.next()) : 2.4 * Math.exp(0.3 * rng.normal());
    const z = (sig ? sep / 2 : -sep / 2) + rng.normal() + noise * rng.normal();
    score[i] = sigmoid(squash * z);
  }
  return { score, y, w };
}

function curve(rng: Rng, unit: 'epoch' | 'round', n: number, start: number, floor: number, overfit: number): LearningCurve {
  const train: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const base = floor + (start - floor) * Math.exp(-6 * t);
    train.push(base - overfit * t + 0.002 * rng.normal());
    valid.push(base + overfit * 0.6 * t * t + 0.003 * rng.normal());
  }
  return { unit, train, valid, metric: 'logloss' };
}

function model(
  rng: Rng,
  name: string,
  algorithm: string,
  params: Record<string, unknown>,
  features: string[],
  sep: number,
  events: number,
  overtrain: number,
  curves: LearningCurve[] | undefined,
  scale: { signal: number; background: number },
): ReportModel {
  const folds = Array.from({ length: 5 }, () => scoreSet(rng, Math.round(events / 2), sep, 0.1));
  const test = scoreSet(rng, events, sep, 0.1);
  const train = scoreSet(rng, events, sep * (1 + overtrain), 0.1);
  const opts = { signalScale: scale.signal, backgroundScale: scale.background };
  const foldMetrics = folds.map((f) => computeMetrics(f, undefined, { signalScale: scale.signal * 2, backgroundScale: scale.background * 2 }));
  const { mean, std } = summarizeFolds(foldMetrics);
  const testMetrics = computeMetrics(test, train, opts);
  const result: ModelResult = {
    name,
    algorithm,
    params,
    features,
    metrics: mean,
    metrics_std: std,
    folds: foldMetrics,
    test: testMetrics,
    ...(curves ? { curves } : {}),
    ...(algorithm === 'mlp' ? { notes: ['imputed 3 812 missing values with the training mean'] } : {}),
  };
  return { name, result, test, train, folds, amsScale: scale };
}

export const HIGGS_VARIABLES = [
  'DER_mass_MMC',
  'DER_mass_transverse_met_lep',
  'DER_mass_vis',
  'DER_pt_h',
  'DER_deltar_tau_lep',
  'DER_pt_ratio_lep_tau',
  'DER_met_phi_centrality',
  'PRI_tau_pt',
  'DER_sum_pt',
  'PRI_jet_num',
  'DER_pt_tot',
  'PRI_lep_eta',
  'PRI_met',
  'DER_lep_eta_centrality',
  'PRI_jet_leading_pt',
  'PRI_tau_eta',
  'DER_deltaeta_jet_jet',
  'PRI_lep_pt',
  'PRI_met_sumet',
  'pt_ratio',
];

function selectResult(rng: Rng): SelectResult {
  const n = HIGGS_VARIABLES.length;
  const ranking: RankingEntry[] = HIGGS_VARIABLES.map((feature, i) => {
    const sep = 0.32 * Math.exp(-i / 5.5) + 0.004 * rng.next();
    const half = sep * (0.08 + 0.1 * rng.next());
    return {
      feature,
      scores: {
        separation: sep,
        ks: Math.sqrt(sep) * 0.8,
        anova: 9000 * sep,
        mutual_info: sep * 0.45,
        auc: 0.5 + Math.sqrt(sep) * 0.5,
      },
      ci: { separation: [sep - half, sep + half * 1.1] as [number, number] },
      rank: i + 1,
      selected: false,
    };
  });
  const dropped: Record<string, string> = { DER_sum_pt: 'max_corr with PRI_met_sumet', DER_mass_vis: 'mrmr' };
  let kept = 0;
  for (const r of ranking) {
    if (dropped[r.feature]) r.dropped = dropped[r.feature];
    else if (kept < 12) {
      r.selected = true;
      kept++;
    } else r.dropped = 'keep';
  }
  const selected = ranking.filter((r) => r.selected).map((r) => r.feature);
  const stability: Record<string, number> = {};
  ranking.forEach((r, i) => {
    stability[r.feature] = Math.max(0, Math.min(1, r.selected ? 1 - i * 0.025 - 0.1 * rng.next() : 0.45 - i * 0.02 + 0.1 * rng.next()));
  });
  const corr = (): number[][] => {
    // a valid correlation matrix: normalised L Lᵀ + D with 3 random factors
    const L = Array.from({ length: n }, () => [rng.normal(), rng.normal() * 0.6, rng.normal() * 0.4]);
    const c = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => L[i]!.reduce((s, v, k) => s + v * L[j]![k]!, 0) + (i === j ? 1.2 : 0)));
    return c.map((row, i) => row.map((v, j) => v / Math.sqrt(c[i]![i]! * c[j]![j]!)));
  };
  const correlation: CorrelationMatrices = {
    features: [...HIGGS_VARIABLES],
    signal: { pearson: corr(), spearman: corr() },
    background: { pearson: corr(), spearman: corr() },
  };
  return { by: 'separation', method: 'mrmr', ranking, selected, stability, correlation };
}

function sample(rng: Rng, n: number, draw: (r: Rng) => number, missing = 0): ReportInputVariable['signal'] {
  const values = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = rng.next() < missing ? NaN : draw(rng);
    weights[i] = 0.5 + rng.next();
  }
  return { values, weights };
}

function inputs(rng: Rng, names: string[], n: number): ReportInputVariable[] {
  const gauss = (mu: number, s: number) => (r: Rng) => mu + s * r.normal();
  const expo = (tau: number, min = 0) => (r: Rng) => min - tau * Math.log(1 - r.next());
  const unif = (a: number, b: number) => (r: Rng) => a + (b - a) * r.next();
  const jets = (p: number[]) => (r: Rng) => {
    let u = r.next();
    for (let k = 0; k < p.length; k++) if ((u -= p[k]!) < 0) return k;
    return p.length - 1;
  };
  const spec: Record<string, { s: (r: Rng) => number; b: (r: Rng) => number; unit?: string; miss?: [number, number] }> = {
    DER_mass_MMC: { s: gauss(124, 18), b: (r) => 60 + 25 * Math.abs(r.normal()) + expo(40)(r), unit: 'GeV', miss: [0.05, 0.2] },
    DER_mass_transverse_met_lep: { s: expo(22), b: (r) => 15 + 55 * Math.abs(r.normal()), unit: 'GeV' },
    DER_pt_h: { s: expo(55), b: expo(35), unit: 'GeV' },
    DER_deltar_tau_lep: { s: gauss(2.3, 0.6), b: gauss(2.7, 0.8) },
    DER_pt_ratio_lep_tau: { s: (r) => Math.exp(0.45 * r.normal()), b: (r) => Math.exp(0.6 * r.normal() + 0.15) },
    DER_met_phi_centrality: { s: (r) => Math.min(1.414, Math.max(-1.414, 1.2 - Math.abs(r.normal()) * 0.8)), b: unif(-1.414, 1.414) },
    PRI_tau_pt: { s: expo(25, 20), b: expo(18, 20), unit: 'GeV' },
    PRI_jet_num: { s: jets([0.3, 0.33, 0.24, 0.13]), b: jets([0.45, 0.32, 0.16, 0.07]) },
    DER_pt_tot: { s: expo(15), b: expo(18), unit: 'GeV' },
    PRI_lep_eta: { s: gauss(0, 1.0), b: gauss(0, 1.25) },
    PRI_met: { s: expo(35), b: expo(30), unit: 'GeV' },
    DER_lep_eta_centrality: { s: unif(0, 1), b: (r) => r.next() ** 2 },
  };
  return names.map((name) => {
    const d = spec[name] ?? { s: gauss(0.2, 1), b: gauss(0, 1.1) };
    return {
      name,
      ...(d.unit ? { unit: d.unit } : {}),
      signal: sample(rng, n, d.s, d.miss?.[0] ?? 0),
      background: sample(rng, n, d.b, d.miss?.[1] ?? 0),
    };
  });
}

function search(rng: Rng): SearchResult {
  const layerChoices = [[32], [64, 64], [128, 64, 32]];
  const trials: TrialResult[] = [];
  for (let id = 0; id < 20; id++) {
    const layers = layerChoices[rng.int(3)]!;
    const lr = Math.exp(Math.log(1e-4) + (Math.log(1e-2) - Math.log(1e-4)) * rng.next());
    const dropout = 0.5 * rng.next();
    // a bayes-like search: later trials tend to do better
    const quality = 3.0 + 0.012 * id + 0.12 * layers.length - 0.25 * (Math.log10(lr) + 2.8) ** 2 - 0.8 * (dropout - 0.15) ** 2;
    const folds = Array.from({ length: 5 }, () => quality + 0.06 * rng.normal());
    const pruned = id > 4 && quality < 2.9;
    const used = pruned ? folds.slice(0, 2) : folds;
    const metric = used.reduce((a, b) => a + b, 0) / used.length;
    const std = Math.sqrt(used.reduce((a, b) => a + (b - metric) ** 2, 0) / (used.length - 1));
    trials.push({ id, params: { layers, lr, dropout }, metric, std, folds: used, status: id === 13 ? 'failed' : pruned ? 'pruned' : 'done' });
  }
  trials[13] = { ...trials[13]!, metric: NaN, std: NaN, folds: [] };
  const done = trials.filter((t) => t.status === 'done');
  const best = done.reduce((a, b) => (b.metric > a.metric ? b : a));
  return { metric: 'ams', direction: 'max', trials, best: { id: best.id, params: best.params, metric: best.metric, std: best.std } };
}

export function syntheticReportInput(opts: SyntheticOptions = {}): ReportInput {
  const rng = new Rng(opts.seed ?? 7);
  const events = opts.events ?? 20000;
  const select = selectResult(rng);
  const features = select.selected;
  // scale the evaluated weights to the full HiggsML sample (250 000 events), as the model step does
  const scale = { signal: 250000 / events / 1.0, background: 250000 / events / 1.0 };
  const rng2 = (label: string) => Rng.derive(opts.seed ?? 7, label);
  const models: ReportModel[] = [
    model(rng2('fisher'), 'fisher', 'fisher', {}, features, 1.55, events, 0.0, undefined, scale),
    model(rng2('bdt'), 'bdt', 'gbdt', { trees: 300, depth: 6, learning_rate: 0.1 }, features, 2.05, events, 0.06, [curve(rng2('bdt-c'), 'round', 300, 0.69, 0.36, 0.05)], scale),
    model(rng2('nn'), 'nn', 'mlp', { layers: [64, 64], epochs: 20, lr: 1e-3 }, features, 1.9, events, 0.015,
      Array.from({ length: 5 }, (_, k) => curve(rng2(`nn-c${k}`), 'epoch', 20, 0.6, 0.39, 0.02)), scale),
    model(rng2('nn_tune.best'), 'nn_tune.best', 'mlp', { layers: [128, 64, 32], epochs: 20, lr: 2.1e-3, dropout: 0.18 }, features, 1.97, events, 0.01,
      [curve(rng2('tune-c'), 'epoch', 20, 0.6, 0.37, 0.015)], scale),
  ];
  return {
    title: 'higgs',
    models,
    select,
    inputs: inputs(rng2('inputs'), features, Math.min(events, 15000)),
    search: [{ name: 'nn_tune', result: search(rng2('search')) }],
    dataset: {
      rows: 250000,
      columns: [],
      signal: { rows: 85667, weight: 691.99 },
      background: { rows: 164333, weight: 410999.8 },
      train: { rows: 175000 },
      test: { rows: 75000 },
    },
    plots: opts.plots ?? ['roc', 'scores', 'overtraining', 'ams', 'ranking', 'correlation', 'inputs', 'learning', 'search', 'parallel'],
  };
}
