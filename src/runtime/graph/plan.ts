/**
 * The planner: CheckedProgram -> Plan of steps at the granularity of LANGUAGE.md §3.
 *
 * May import: lang (types), graph/types, expr (canonical forms), search (trial proposals).
 * Pure, no IO: source paths arrive already resolved (`resolved`), and results that later steps'
 * *shape* depends on (search trial metrics for bayes and pruning, the best trial) arrive through
 * `knowledge`. The build driver (runtime/build.ts) re-plans with what it learned until the plan stops
 * growing; every step's params are decided here, the scheduler only runs keys ("decide early").
 *
 * Step ids and kinds:
 *   read:D/ROLE/COL     one source column of one role (ROOT reads only the branches used)
 *   col:D/COL           roles concatenated (background first, then signal / classes in order)
 *   derive:D/NAME       one derived column, params = the canonical expression (params substituted)
 *   dataset:D           cut mask, labels, weights and the summary
 *   split:D             train/test indices
 *   rank:S/FEAT/SCORE   one univariate score of one variable on the training part
 *   corr:S              correlation matrices of the candidates (when max_corr or a report needs them)
 *   select:S            the selection
 *   gather:M            the model's feature columns (after the cut): early cutoff shields fits from
 *                       changes to columns a selection dropped
 *   fit:M/fold=i        one CV fold; fit:M/full fits the whole training part and scores the test part
 *   eval:M              metrics over folds and test
 *   scores:M            every held-out score (folds and test) as a Parquet table
 *   trial:S/t=i/fold=f  one search trial x fold (its key depends only on its params and data)
 *   search:S            the trials summarised; best refit as fit:S.best/full and eval:S.best
 *   report:R            the report (HTML, SVGs, JSON as bytes; the CLI writes reports/R/)
 */
import type {
  BlockDecl, CheckedProgram, DatasetDecl, ModelDecl, ReportDecl, SearchDecl, SelectDecl, Value,
} from '../../lang/program.js';
import { canonicalExpr, canonicalColumns } from '../expr.js';
import type { Plan, PlannedStep } from './types.js';
import { planSearchTrials } from '../search-plan.js';

export interface PlanInput {
  readonly program: CheckedProgram;
  /** Resolved file list per source (key: `sourceKey(dataset, role)`), relative to the cwd. */
  readonly resolved: ReadonlyMap<string, readonly string[]>;
  /** Metric of a finished trial step (by step id), when known. */
  readonly knowledge?: (stepId: string) => number | undefined;
  /** `.pipe` file texts, for the readable attribute values `explain` shows. */
  readonly texts?: ReadonlyMap<string, string>;
  /** Source column types by `dataset.column` (from the schemas the checker read), for `show`. */
  readonly columnTypes?: ReadonlyMap<string, string>;
}

export function sourceKey(dataset: string, role: string): string {
  return `${dataset}/${role}`;
}

/** The block a model's features come from, and the static candidate list. */
interface FeatureOrigin {
  dataset: DatasetDecl;
  candidates: string[];
  select?: SelectDecl;
}

export function plan(input: PlanInput): Plan {
  const { program } = input;
  const steps: PlannedStep[] = [];
  const byId = new Map<string, PlannedStep>();
  const targets: Record<string, string[]> = {};
  const blocks = new Map<string, BlockDecl>(program.blocks.filter((b) => b.kind !== 'report').map((b) => [b.name, b])); // a report may share a name, and is never referenced
  const add = (s: PlannedStep): string => {
    if (!byId.has(s.id)) {
      byId.set(s.id, s);
      steps.push(s);
    }
    return s.id;
  };
  const colStep = new Map<string, string>(); // `${dataset}.${column}` -> step id

  // ---------------------------------------------------------------- datasets
  const planDataset = (d: DatasetDecl): void => {
    const roles = d.sources.map((s) => s.role);
    const derived = new Set(d.derive.map((x) => x.name));
    const used = d.usedColumns.filter((c) => !derived.has(c));
    for (const c of used) {
      const perRole = d.sources.map((s) => {
        const files = input.resolved.get(sourceKey(d.name, s.role)) ?? s.source.paths;
        return add({
          id: `read:${d.name}/${s.role}/${c}`,
          kind: 'read',
          block: d.name,
          params: {
            format: s.source.format,
            paths: files,
            tree: s.source.tree ?? null,
            options: s.source.options,
            column: c,
            missing: d.missing,
          },
          inputs: {},
          files: [...files],
          attrs: { source: `${s.source.format}(${s.source.paths.join(', ')})`, missing: d.missing, tree: s.source.tree },
        });
      });
      if (perRole.length === 1) colStep.set(`${d.name}.${c}`, perRole[0]!);
      else {
        colStep.set(`${d.name}.${c}`, add({
          id: `col:${d.name}/${c}`,
          kind: 'concat',
          block: d.name,
          params: { roles },
          inputs: Object.fromEntries(perRole.map((id, i) => [`r${i}`, id])),
        }));
      }
    }
    // Derived columns: may reference each other (the checker rejected cycles), so plan in dependency order.
    const exprs = new Map(d.derive.map((x) => [x.name, x]));
    const params = program.params as Record<string, unknown>;
    const visiting = new Set<string>();
    const planDerive = (name: string): string => {
      const key = `${d.name}.${name}`;
      const known = colStep.get(key);
      if (known) return known;
      const x = exprs.get(name)!;
      if (visiting.has(name)) throw new Error(`internal: derive cycle through ${name}`);
      visiting.add(name);
      const canon = canonicalExpr(x.expr, params);
      const inputs: Record<string, string> = {};
      for (const c of canonicalColumns(canon)) inputs[c] = columnRef(c);
      visiting.delete(name);
      const id = add({
        id: `derive:${d.name}/${name}`,
        kind: 'derive',
        block: d.name,
        params: { name, expr: canon },
        inputs,
        attrs: { [`derive.${name}`]: exprText(input, x.expr.span) },
      });
      colStep.set(key, id);
      return id;
    };
    const columnRef = (c: string): string => {
      if (exprs.has(c)) return planDerive(c);
      const id = colStep.get(`${d.name}.${c}`);
      if (!id) throw new Error(`internal: column ${c} of ${d.name} is not planned (not in usedColumns?)`);
      return id;
    };
    for (const x of d.derive) if (d.usedColumns.includes(x.name) || true) planDerive(x.name);

    // The dataset step: cut, labels, weights. Row counts per role come from the first used column.
    const firstCol = used[0];
    const dsInputs: Record<string, string> = {};
    if (firstCol !== undefined) {
      d.sources.forEach((s, i) => { dsInputs[`rows${i}`] = `read:${d.name}/${s.role}/${firstCol}`; });
    }
    const exprParam = (e: typeof d.label) => (e ? canonicalExpr(e, params) : null);
    const label = exprParam(d.label), weight = exprParam(d.weight), cut = exprParam(d.cut);
    for (const c of [label, weight, cut].flatMap((e) => (e ? canonicalColumns(e) : []))) dsInputs[`c:${c}`] = columnRef(c);
    const dsId = add({
      id: `dataset:${d.name}`,
      kind: 'dataset',
      block: d.name,
      params: { task: d.task, classes: d.classes, roles, label, weight, cut },
      inputs: dsInputs,
      attrs: {
        label: d.label ? exprText(input, d.label.span) : undefined,
        weight: d.weight ? exprText(input, d.weight.span) : undefined,
        cut: d.cut ? exprText(input, d.cut.span) : undefined,
      },
    });
    const splitInputs: Record<string, string> = { data: dsId };
    if (d.split?.by) splitInputs.by = columnRef(d.split.by);
    const split = d.split ? { kind: d.split.kind, test: d.split.kind === 'holdout' ? d.split.test : null, k: d.split.kind === 'kfold' ? d.split.k : null, seed: d.split.seed, by: d.split.by ?? null } : { kind: 'none' };
    const splitId = add({
      id: `split:${d.name}`,
      kind: 'split',
      block: d.name,
      params: split,
      inputs: splitInputs,
      attrs: { split: d.split ? exprText(input, d.split.span) : 'none' },
    });
    // The column list lives in its own step, so adding a derived column does not rebuild the dataset.
    const typeOf = (c: string): string => {
      const x = exprs.get(c);
      if (x) {
        const t = (x as { type?: { base: string; shape: string } }).type;
        return t ? (t.shape === 'jagged' ? `jagged<${t.base === 'num' ? 'float64' : t.base}>` : t.base === 'num' ? 'float64' : t.base === 'str' ? 'string' : t.base) : 'float64';
      }
      return input.columnTypes?.get(`${d.name}.${c}`) ?? 'unknown';
    };
    const schemaId = add({ id: `schema:${d.name}`, kind: 'schema', block: d.name, params: { columns: d.columns.map((c) => ({ name: c, type: typeOf(c) })) }, inputs: {} });
    targets[d.name] = [dsId, splitId, schemaId];
  };

  const colOf = (d: DatasetDecl, c: string): string => {
    const id = colStep.get(`${d.name}.${c}`);
    if (!id) throw new Error(`internal: column ${c} of dataset ${d.name} has no step`);
    return id;
  };

  const originOf = (name: string): FeatureOrigin => {
    const b = blocks.get(name);
    if (!b) throw new Error(`internal: unknown block ${name}`);
    if (b.kind === 'features') return { dataset: blocks.get(b.from) as DatasetDecl, candidates: [...b.columns] };
    if (b.kind === 'select') { const o = originOf(b.from); return { dataset: o.dataset, candidates: o.candidates, select: b }; }
    throw new Error(`internal: ${name} is not a features or select block`);
  };

  // ---------------------------------------------------------------- selections
  const corrStep = (s: SelectDecl): string => {
    const o = originOf(s.from);
    return add({
      id: `corr:${s.name}`,
      kind: 'corr',
      block: s.name,
      params: { features: o.candidates },
      inputs: { data: `dataset:${o.dataset.name}`, split: `split:${o.dataset.name}`, ...Object.fromEntries(o.candidates.map((c) => [`x:${c}`, colOf(o.dataset, c)])) },
    });
  };

  const planSelect = (s: SelectDecl): void => {
    const o = originOf(s.from);
    const inputs: Record<string, string> = { data: `dataset:${o.dataset.name}`, split: `split:${o.dataset.name}` };
    for (const f of o.candidates) {
      for (const score of s.rank) {
        inputs[`rank:${f}:${score}`] = add({
          id: `rank:${s.name}/${f}/${score}`,
          kind: 'rank',
          block: s.name,
          heavy: true, // a kNN mutual information on 250k events takes ~0.1 s: spread over the pool
          params: { score, bins: s.bins, seed: s.seed, bootstrap: s.bootstrap ?? 0, permutations: s.permutations ?? 0 },
          inputs: { data: `dataset:${o.dataset.name}`, split: `split:${o.dataset.name}`, x: colOf(o.dataset, f) },
          attrs: { rank: s.rank, bins: s.bins, bootstrap: s.bootstrap, permutations: s.permutations },
        });
      }
    }
    if (s.maxCorr !== undefined) inputs.corr = corrStep(s);
    const fromBlock = blocks.get(s.from);
    if (fromBlock?.kind === 'select') inputs.prev = `select:${fromBlock.name}`;
    const needsData = s.method.name !== 'none' || (s.bootstrap ?? 0) > 0;
    if (needsData) for (const f of o.candidates) inputs[`x:${f}`] = colOf(o.dataset, f);
    let method: unknown = { name: s.method.name, args: s.method.args };
    const m = s.method.args.model;
    if (typeof m === 'string') {
      const md = blocks.get(m) as ModelDecl;
      method = { name: s.method.name, args: s.method.args, algorithm: { name: md.algorithm.name, params: md.algorithm.params }, negativeWeights: md.negativeWeights };
    }
    add({
      id: `select:${s.name}`,
      kind: 'select',
      block: s.name,
      params: {
        features: o.candidates, rank: s.rank, by: s.by, method, keep: s.keep,
        maxCorr: s.maxCorr ?? null, bootstrap: s.bootstrap ?? 0, bins: s.bins, seed: s.seed, task: o.dataset.task,
      },
      inputs,
      attrs: { by: s.by, method: s.method, keep: s.keep, max_corr: s.maxCorr, bootstrap: s.bootstrap, from: s.from },
    });
    targets[s.name] = [`select:${s.name}`];
  };

  // ---------------------------------------------------------------- models
  const gatherStep = (m: { name: string; features: string }): { id: string; origin: FeatureOrigin } => {
    const o = originOf(m.features);
    const inputs: Record<string, string> = { data: `dataset:${o.dataset.name}` };
    if (o.select) inputs.sel = `select:${o.select.name}`;
    for (const c of o.candidates) inputs[`x:${c}`] = colOf(o.dataset, c);
    const id = add({ id: `gather:${m.name}`, kind: 'gather', block: m.name, params: { features: o.candidates }, inputs, attrs: { features: m.features } });
    return { id, origin: o };
  };

  const cvOf = (m: ModelDecl, d: DatasetDecl): number | undefined => m.cv ?? (d.split?.kind === 'kfold' ? d.split.k : undefined);

  const fitParams = (m: ModelDecl, algoParams: Readonly<Record<string, Value>>, fold: number | 'full', k: number | null) => ({
    algorithm: { name: m.algorithm.name, params: algoParams },
    negativeWeights: m.negativeWeights,
    seed: m.seed,
    fold,
    k,
  });

  /** A multiclass dataset's class names, for the eval and scores steps (per-class metrics and columns). */
  const classesOf = (d: DatasetDecl) => (d.task === 'multiclass' ? { classes: d.classes } : {});
  const evalParams = (name: string, k: number | undefined, params: Readonly<Record<string, unknown>>, d: DatasetDecl) => ({ name, folds: k ?? 0, params, ...classesOf(d) });

  const planModel = (m: ModelDecl, name = m.name, algoParams: Readonly<Record<string, Value>> = m.algorithm.params): void => {
    const { id: gather, origin } = gatherStep({ name: m.name, features: m.features });
    const d = origin.dataset;
    const k = cvOf(m, d);
    const base = { X: gather, data: `dataset:${d.name}`, split: `split:${d.name}` };
    const attrs = { algorithm: `${m.algorithm.name}(${Object.entries(algoParams).map(([a, v]) => `${a}: ${JSON.stringify(v)}`).join(', ')})`, cv: m.cv, negative_weights: m.negativeWeights, seed: m.seed };
    const evalInputs: Record<string, string> = {};
    if (k) {
      for (let f = 0; f < k; f++) {
        evalInputs[`fold${f}`] = add({ id: `fit:${name}/fold=${f}`, kind: `fit.${m.algorithm.name}`, block: name, heavy: true, params: fitParams(m, algoParams, f, k), inputs: base, attrs });
      }
    }
    evalInputs.full = add({ id: `fit:${name}/full`, kind: `fit.${m.algorithm.name}`, block: name, heavy: true, params: fitParams(m, algoParams, 'full', k ?? null), inputs: base, attrs });
    add({ id: `eval:${name}`, kind: 'eval', block: name, params: evalParams(name, k, algoParams, d), inputs: evalInputs });
    add({ id: `scores:${name}`, kind: 'scores', block: name, params: { folds: k ?? 0, ...classesOf(d) }, inputs: evalInputs });
    targets[name] = [`eval:${name}`, `scores:${name}`];
  };

  // ---------------------------------------------------------------- searches
  const planSearch = (s: SearchDecl): void => {
    const m = blocks.get(s.model) as ModelDecl;
    const origin = originOf(m.features);
    const d = origin.dataset;
    const trials = planSearchTrials(s, (t, f) => input.knowledge?.(`trial:${s.name}/t=${t}/fold=${f}`));
    // Space dims on the select block (`keep`): one select and one gather step per distinct setting,
    // shared by every trial with that setting. Their ids name the setting; their keys are the base
    // select's with `keep` replaced, so a setting equal to the block's own keep is a cache hit.
    const gathers = new Map<string, string>();
    const gatherOf = (sel: Readonly<Record<string, Value>>): string => {
      const names = Object.keys(sel).sort();
      const tag = names.map((k) => `${k}=${JSON.stringify(sel[k])}`).join(',');
      const known = gathers.get(tag);
      if (known) return known;
      const id = gatherVariant(sel, names, tag);
      gathers.set(tag, id);
      return id;
    };
    const gatherVariant = (sel: Readonly<Record<string, Value>>, names: readonly string[], tag: string): string => {
      if (!names.length || !origin.select) return gatherStep({ name: m.name, features: m.features }).id;
      planSelect(origin.select); // idempotent: the base select step whose params and inputs we vary
      const baseSel = byId.get(`select:${origin.select.name}`)!;
      const keep = sel.keep;
      const selId = add({
        ...baseSel,
        id: `select:${origin.select.name}/${tag}`,
        block: s.name,
        params: { ...(baseSel.params as Record<string, unknown>), ...(typeof keep === 'number' ? { keep: { kind: 'count', n: keep } } : {}) },
        attrs: { ...baseSel.attrs, ...sel, search: s.name },
      });
      const inputs: Record<string, string> = { data: `dataset:${d.name}`, sel: selId };
      for (const c of origin.candidates) inputs[`x:${c}`] = colOf(d, c);
      return add({ id: `gather:${s.name}/${tag}`, kind: 'gather', block: s.name, params: { features: origin.candidates }, inputs, attrs: { features: m.features, ...sel } });
    };
    const summaryInputs: Record<string, string> = {};
    for (const t of trials.trials) {
      const base = { X: gatherOf(t.select), data: `dataset:${d.name}`, split: `split:${d.name}` };
      for (const f of t.folds) {
        summaryInputs[`t${t.index}/f${f}`] = add({
          id: `trial:${s.name}/t=${t.index}/fold=${f}`,
          kind: `fit.${m.algorithm.name}`,
          block: s.name,
          heavy: true,
          params: { ...fitParams(m, { ...m.algorithm.params, ...t.algorithm }, f, s.cv), metricOnly: s.metric },
          inputs: base,
          attrs: { trial: t.index, params: t.params, strategy: s.strategy },
        });
      }
    }
    if (!trials.complete) {
      // Trials still to be proposed or pruned: the driver re-plans after building these.
      targets[s.name] = Object.values(summaryInputs);
      return;
    }
    add({
      id: `search:${s.name}`,
      kind: 'search',
      block: s.name,
      params: {
        metric: s.metric,
        cv: s.cv,
        trials: trials.trials.map((t) => ({ index: t.index, params: t.params, folds: t.folds, pruned: t.pruned, ...(t.failed ? { failed: true } : {}), ...(t.reason ? { reason: t.reason } : {}) })),
        complete: true,
      },
      inputs: summaryInputs,
      attrs: { strategy: s.strategy, space: s.space.map((x) => ({ [x.name]: x.dist })), metric: s.metric, cv: s.cv },
    });
    targets[s.name] = [`search:${s.name}`];
    const best = trials.best;
    if (!best) return; // no trial finished: the search step fails and says so
    const algoParams: Record<string, Value> = { ...m.algorithm.params, ...best.algorithm };
    if (!Object.keys(best.select).length) planModel(m, `${s.name}.best`, algoParams);
    else {
      // The best refit on its own selection: planModel's steps with the trial's gather.
      const name = `${s.name}.best`;
      const k = cvOf(m, d);
      const inputs = { X: gatherOf(best.select), data: `dataset:${d.name}`, split: `split:${d.name}` };
      const attrs = { algorithm: `${m.algorithm.name}(${Object.entries(algoParams).map(([a, v]) => `${a}: ${JSON.stringify(v)}`).join(', ')})`, ...best.select, cv: m.cv, negative_weights: m.negativeWeights, seed: m.seed };
      const evalInputs: Record<string, string> = {};
      for (let f = 0; f < (k ?? 0); f++) {
        evalInputs[`fold${f}`] = add({ id: `fit:${name}/fold=${f}`, kind: `fit.${m.algorithm.name}`, block: name, heavy: true, params: fitParams(m, algoParams, f, k!), inputs, attrs });
      }
      evalInputs.full = add({ id: `fit:${name}/full`, kind: `fit.${m.algorithm.name}`, block: name, heavy: true, params: fitParams(m, algoParams, 'full', k ?? null), inputs, attrs });
      add({ id: `eval:${name}`, kind: 'eval', block: name, params: evalParams(name, k, { ...algoParams, ...best.select }, d), inputs: evalInputs });
      targets[name] = [`eval:${name}`];
    }
    targets[s.name]!.push(`eval:${s.name}.best`);
  };

  // ---------------------------------------------------------------- reports
  const planReport = (r: ReportDecl): void => {
    const inputs: Record<string, string> = {};
    let firstModel: ModelDecl | undefined;
    for (const name of r.models) {
      if (!byId.has(`eval:${name}`)) continue; // a search whose best is not known yet
      inputs[`eval:${name}`] = `eval:${name}`;
      inputs[`full:${name}`] = `fit:${name}/full`;
      const ev = byId.get(`eval:${name}`)!;
      const folds = (ev.params as { folds: number }).folds;
      for (let f = 0; f < folds; f++) inputs[`fold:${name}:${f}`] = `fit:${name}/fold=${f}`;
      const mName = name.endsWith('.best') ? (blocks.get(name.slice(0, -5)) as SearchDecl).model : name;
      firstModel ??= blocks.get(mName) as ModelDecl;
      const sName = name.endsWith('.best') ? name.slice(0, -5) : undefined;
      if (sName) inputs[`search:${sName}`] = `search:${sName}`;
    }
    let selectName = r.select;
    if (!selectName && firstModel) {
      const o = originOf(firstModel.features);
      selectName = o.select?.name;
    }
    if (selectName) {
      const s = blocks.get(selectName) as SelectDecl;
      inputs.select = `select:${selectName}`;
      if (r.plots.includes('correlation')) inputs.corr = corrStep(s);
    }
    if (firstModel && r.plots.includes('inputs')) {
      inputs.X = `gather:${firstModel.name}`;
      inputs.data = `dataset:${originOf(firstModel.features).dataset.name}`;
      inputs.split = `split:${originOf(firstModel.features).dataset.name}`;
    }
    add({ id: `report:${r.name}`, kind: 'report', block: r.name, params: { name: r.name, models: r.models, plots: r.plots }, inputs, attrs: { models: r.models, plots: r.plots } });
    // A report may share its name with another block (LANGUAGE.md's example has `dataset higgs` and
    // `report higgs`): building that name builds both.
    targets[r.name] = [...(targets[r.name] ?? []), `report:${r.name}`];
  };

  for (const b of program.blocks) {
    switch (b.kind) {
      case 'dataset': planDataset(b); break;
      case 'features': targets[b.name] = [`dataset:${b.from}`]; break;
      case 'select': planSelect(b); break;
      case 'model': planModel(b); break;
      case 'search': planSearch(b); break;
      case 'report': planReport(b); break;
    }
  }
  return { steps, targets };
}

/** The source text of a span, for explain (layout inside an expression shows, but only when its key changed). */
function exprText(input: PlanInput, span: { file: string; start: number; end: number }): string {
  const text = input.texts?.get(span.file);
  return text ? text.slice(span.start, span.end) : `${span.file}:${span.start}`;
}
