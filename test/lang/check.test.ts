import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, renderAll, suggest } from '../../src/lang/index.js';
import type { CheckedProgram, DatasetDecl, ModelDecl, ReportDecl, SearchDecl, SelectDecl, FeaturesDecl } from '../../src/lang/index.js';
import { testCatalog } from './catalogs.js';
import { memoryHost } from './host.js';

const higgs = readFileSync(new URL('./fixtures/higgs.pipe', import.meta.url), 'utf8');
const hzz = readFileSync(new URL('./fixtures/hzz.pipe', import.meta.url), 'utf8');

async function ok(text: string, opts: { catalog?: boolean; overrides?: Record<string, string>; files?: Record<string, string> } = {}): Promise<CheckedProgram> {
  const r = await compile('main.pipe', memoryHost({ 'main.pipe': text, ...opts.files }), {
    ...(opts.catalog !== false ? { catalog: testCatalog() } : {}),
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
  });
  if (r.program === undefined) throw new Error(`expected no diagnostics, got:\n${renderAll(r.diagnostics, r.texts)}`);
  expect(r.diagnostics).toEqual([]);
  return r.program;
}

async function codes(text: string, opts: { catalog?: boolean; overrides?: Record<string, string> } = {}): Promise<string[]> {
  const r = await compile('main.pipe', memoryHost({ 'main.pipe': text }), {
    ...(opts.catalog !== false ? { catalog: testCatalog() } : {}),
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
  });
  expect(r.program).toBeUndefined();
  return r.diagnostics.map((d) => `${d.code} ${d.message}`);
}

function block<K extends CheckedProgram['blocks'][number]['kind']>(p: CheckedProgram, kind: K, name: string) {
  const b = p.blocks.find((x) => x.kind === kind && x.name === name);
  if (b === undefined) throw new Error(`no ${kind} ${name}`);
  return b as Extract<CheckedProgram['blocks'][number], { kind: K }>;
}

const base = `param seed = 7
dataset higgs {
  source = csv("data/higgsml/train.csv")
  label = Label == "s"
  weight = Weight
  missing = [-999, -998.5]
  derive { pt_ratio = PRI_lep_pt / PRI_tau_pt }
  split = holdout(test: 0.25, by: EventId)
}
features kin { from = higgs include = ["DER_mass_*", pt_ratio] }
`;

describe('checker: the LANGUAGE.md examples', () => {
  it('checks the complete example with and without a catalog', async () => {
    for (const catalog of [true, false]) {
      const p = await ok(higgs, { catalog });
      expect(p.blocks.map((b) => `${b.kind} ${b.name}`)).toEqual([
        'dataset higgs',
        'features kin',
        'select top',
        'model bdt',
        'model nn',
        'model fisher',
        'search nn_tune',
        'report higgs',
      ]);
      expect(p.params).toEqual({ seed: 42 });
    }
  });
  it('fills defaults and resolves the example', async () => {
    const p = await ok(higgs);
    const d = block(p, 'dataset', 'higgs') as DatasetDecl;
    expect(d.task).toBe('binary');
    expect(d.classes).toEqual(['background', 'signal']);
    expect(d.missing).toEqual([-999]);
    expect(d.split).toMatchObject({ kind: 'holdout', test: 0.3, seed: 42 });
    expect(d.columns.slice(-2)).toEqual(['pt_ratio', 'lead_jet_eta_abs']);
    expect(d.usedColumns).toContain('Label');
    expect(d.usedColumns).toContain('PRI_jet_leading_eta');
    expect(d.usedColumns).not.toContain('EventId');
    expect(d.usedColumns).not.toContain('PRI_jet_all_pt');
    const f = block(p, 'features', 'kin') as FeaturesDecl;
    expect(f.columns[0]).toBe('DER_mass_MMC');
    expect(f.columns.at(-1)).toBe('pt_ratio');
    expect(f.columns).not.toContain('PRI_jet_all_pt');
    expect(f.columns).toHaveLength(30);
    const s = block(p, 'select', 'top') as SelectDecl;
    expect(s).toMatchObject({ from: 'kin', by: 'separation', method: { name: 'mrmr', args: {} }, keep: { kind: 'count', n: 12 }, maxCorr: 0.95, bootstrap: 30, bins: 40, seed: 42 });
    const m = block(p, 'model', 'nn') as ModelDecl;
    expect(m.algorithm.params).toEqual({ activation: 'relu', batch: 512, epochs: 20, layers: [64, 64], lr: 1e-3 });
    expect(m.negativeWeights).toBe('keep');
    expect(m.cv).toBeUndefined();
    const se = block(p, 'search', 'nn_tune') as SearchDecl;
    expect(se.space.map((x) => [x.name, x.target, x.dist.kind])).toEqual([
      ['layers', 'algorithm', 'choice'],
      ['lr', 'algorithm', 'loguniform'],
      ['dropout', 'algorithm', 'uniform'],
    ]);
    expect(se.strategy).toEqual({ kind: 'random', trials: 20, seed: 42 });
    expect(se).toMatchObject({ metric: 'ams', cv: 5, prune: true });
    const r = block(p, 'report', 'higgs') as ReportDecl;
    expect(r).toMatchObject({ models: ['fisher', 'bdt', 'nn', 'nn_tune.best'], select: 'top' });
  });
  it('checks the signal/background and jagged example', async () => {
    const p = await ok(hzz);
    const t = block(p, 'dataset', 'tmva') as DatasetDecl;
    expect(t.sources.map((s) => [s.role, s.source.tree])).toEqual([
      ['signal', 'TreeS'],
      ['background', 'TreeB'],
    ]);
    const h = block(p, 'dataset', 'hzz') as DatasetDecl;
    expect(h.sources[0]!.source.paths).toEqual(['data/HZZ.root', 'data/more/*.root']);
    expect(h.usedColumns).toEqual(['NMuon', 'Muon_Px', 'Muon_Py', 'Muon_Iso']);
    expect(h.derive.map((d) => [d.name, d.uses, d.type])).toEqual([
      ['lead_mu_pt', ['Muon_Px', 'Muon_Py'], { base: 'num', shape: 'scalar' }],
      ['n_good_mu', ['Muon_Iso'], { base: 'num', shape: 'scalar' }],
      ['first_px', ['Muon_Px'], { base: 'num', shape: 'scalar' }],
    ]);
  });
  it('types jagged arithmetic, reductions and broadcasting; params are not columns unless backticked', async () => {
    const p = await ok(`param k = 2
dataset hzz {
  source = root("data/HZZ.root", tree: "events")
  label  = NMuon >= k
  derive {
    scaled = Muon_Px * k + 1
    good   = Muon_Iso < 1.0
    n      = count(good) + sum(scaled) + len(Muon_E)
    both   = max(MET_px, MET_py) > 0 && any(good) && triggerIsoMu24
    \`k\`    = n * 2
    other  = \`k\` + k
  }
}`);
    const d = block(p, 'dataset', 'hzz') as DatasetDecl;
    expect(Object.fromEntries(d.derive.map((x) => [x.name, `${x.type!.base}/${x.type!.shape}:${x.uses!.join(',')}`]))).toEqual({
      scaled: 'num/jagged:Muon_Px',
      good: 'bool/jagged:Muon_Iso',
      n: 'num/scalar:good,scaled,Muon_E',
      both: 'bool/scalar:MET_px,MET_py,good,triggerIsoMu24',
      k: 'num/scalar:n',
      other: 'num/scalar:k',
    });
  });
});

describe('checker: programs', () => {
  it('orders blocks topologically, dependencies first', async () => {
    const p = await ok(`model bdt { features = kin algorithm = gbdt() }
select top { from = kin method = rfe(model: bdt) }
${base}
model final { features = top algorithm = fisher() }`);
    expect(p.blocks.map((b) => b.name)).toEqual(['higgs', 'kin', 'bdt', 'top', 'final']);
    expect((block(p, 'select', 'top') as SelectDecl).method).toEqual({ name: 'rfe', args: { model: 'bdt' } });
  });
  it('uses param seed as the default seed, and --set overrides it', async () => {
    const text = `${base}model m { features = kin algorithm = gbdt(trees: 10) }`;
    const p = await ok(text);
    expect((block(p, 'model', 'm') as ModelDecl).seed).toBe(7);
    expect((block(p, 'dataset', 'higgs') as DatasetDecl).split).toMatchObject({ seed: 7, by: 'EventId', test: 0.25 });
    const q = await ok(text, { overrides: { seed: '11' } });
    expect(q.params).toEqual({ seed: 11 });
    expect((block(q, 'model', 'm') as ModelDecl).seed).toBe(11);
  });
  it('parses override values as number, then boolean, else string', async () => {
    const p = await ok('param a = 1\nparam b = false\nparam c = "x"\nparam d = a * 2', { overrides: { a: '2.5', b: 'true', c: '1e3x' } });
    expect(p.params).toEqual({ a: 2.5, b: true, c: '1e3x', d: 5 });
  });
  it('collects used columns from label, weight, cut, derive, split and features', async () => {
    const p = await ok(`${base}`);
    expect((block(p, 'dataset', 'higgs') as DatasetDecl).usedColumns).toEqual([
      'EventId',
      'DER_mass_MMC',
      'DER_mass_transverse_met_lep',
      'DER_mass_vis',
      'DER_mass_jet_jet',
      'PRI_tau_pt',
      'PRI_lep_pt',
      'Weight',
      'Label',
    ]);
    expect((block(p, 'features', 'kin') as FeaturesDecl).columns).toEqual(['DER_mass_MMC', 'DER_mass_transverse_met_lep', 'DER_mass_vis', 'DER_mass_jet_jet', 'pt_ratio']);
  });
  it('reads imports relative to the importing file, once each', async () => {
    const host = memoryHost({
      'p/main.pipe': 'import "lib/data.pipe"\nimport "lib/model.pipe"\nreport r { models = [m] }',
      'p/lib/data.pipe': base,
      'p/lib/model.pipe': 'import "data.pipe"\nmodel m { features = kin algorithm = fisher() }',
    });
    const r = await compile('p/main.pipe', host, { catalog: testCatalog() });
    expect(r.diagnostics).toEqual([]);
    expect(r.files).toEqual(['p/main.pipe', 'p/lib/data.pipe', 'p/lib/model.pipe']);
    expect(r.program?.files).toEqual(r.files);
    expect(r.program?.blocks.map((b) => b.name)).toEqual(['higgs', 'kin', 'm', 'r']);
  });
  it('builds multiclass datasets from classes', async () => {
    const p = await ok(`dataset mc { classes { top = root("data/tmva_class_example.root", tree: "TreeS")  qcd = root("data/tmva_class_example.root", tree: "TreeB") } }`);
    const d = block(p, 'dataset', 'mc') as DatasetDecl;
    expect(d.task).toBe('multiclass');
    expect(d.classes).toEqual(['top', 'qcd']);
  });
  it('fills search defaults and select targets', async () => {
    const p = await ok(`${base}select top { from = kin rank = [auc, ks] keep = fdr(0.05) }
model m { features = top algorithm = gbdt() }
search s { model = m space { keep = int(2, 10, step: 2) depth = choice(3, 4) } strategy = grid() }`);
    const s = block(p, 'search', 's') as SearchDecl;
    expect(s.space.map((d) => [d.name, d.target])).toEqual([
      ['keep', 'select'],
      ['depth', 'algorithm'],
    ]);
    expect(s).toMatchObject({ strategy: { kind: 'grid' }, metric: 'auc', cv: 3, prune: true });
    const sel = block(p, 'select', 'top') as SelectDecl;
    expect(sel).toMatchObject({ rank: ['auc', 'ks'], by: 'auc', keep: { kind: 'fdr', q: 0.05 }, method: { name: 'none' } });
  });
});

describe('checker: diagnostics', () => {
  it('reports unknown columns with did-you-mean from the catalog', async () => {
    const text = `dataset higgs {
  source = csv("data/higgsml/train.csv")
  label = Label == "s"
  derive {
    pt_ratio = PRI_lep_pt / PRI_tua_pt
  }
}`;
    const r = await compile('pipelines/higgs.pipe', memoryHost({ 'pipelines/higgs.pipe': text }), { catalog: testCatalog() });
    expect(renderAll(r.diagnostics, r.texts)).toBe(
      [
        'pipelines/higgs.pipe:5:29: error[E0201]: unknown column `PRI_tua_pt`',
        '  |',
        '5 |     pt_ratio = PRI_lep_pt / PRI_tua_pt',
        '  |                             ^^^^^^^^^^ not a column of `higgs`',
        '  = help: did you mean `PRI_tau_pt`?',
        '',
      ].join('\n'),
    );
  });
  it('does not check column names without a catalog', async () => {
    await ok('dataset d { source = csv("x.csv") label = anything > 0 derive { y = whatever * 2 } }', { catalog: false });
  });
  it('reports type errors', async () => {
    expect(await codes('dataset d { source = csv("data/higgsml/train.csv") label = PRI_tau_pt + 1 }')).toEqual([
      'E0301 `label` must be a boolean expression, found a number',
    ]);
    expect(await codes('dataset d { source = root("data/HZZ.root") label = Muon_Px > 10 }')).toEqual([
      'E0306 `label` must be one value per event, found a jagged boolean',
    ]);
    expect(await codes('dataset d { source = csv("data/higgsml/train.csv") label = Label == 1 }')).toEqual([
      'E0301 cannot compare a string with a number',
    ]);
  });
  it('reports --set of an unknown param with did-you-mean', async () => {
    expect(await codes('param seed = 1', { overrides: { sed: '3' } })).toEqual(['E0213 `--set sed`: no param `sed`']);
  });
  it('reports derive cycles and block cycles', async () => {
    expect(await codes('dataset d { source = csv("x.csv") label = a > 0 derive { a = b + 1  b = a * 2 } }', { catalog: false })).toEqual([
      'E0402 cycle between derived columns: `a` -> `b` -> `a`',
    ]);
    expect(
      await codes(`${base}select top { from = kin method = rfe(model: bdt) }\nmodel bdt { features = top algorithm = gbdt() }`),
    ).toEqual(['E0403 cycle between blocks: `top` -> `bdt` -> `top`']);
  });
  it('reports import cycles and unreadable imports in the importing file', async () => {
    const r = await compile('a.pipe', memoryHost({ 'a.pipe': 'import "b.pipe"', 'b.pipe': 'import "a.pipe"\nimport "c.pipe"' }));
    expect(r.diagnostics.map((d) => [d.span.file, d.code, d.message])).toEqual([
      ['b.pipe', 'E0401', 'import cycle: `a.pipe` -> `b.pipe` -> `a.pipe`'],
      ['b.pipe', 'E0501', 'cannot read `c.pipe`'],
    ]);
  });
});

describe('suggest', () => {
  it('follows getSpellingSuggestion', () => {
    expect(suggest('PRI_tua_pt', ['PRI_tau_pt', 'PRI_lep_pt'])).toBe('PRI_tau_pt');
    expect(suggest('separaton', ['separation', 'ks'])).toBe('separation');
    expect(suggest('Ks', ['ks', 'auc'])).toBe('ks');
    expect(suggest('kz', ['ks'])).toBeUndefined();
    expect(suggest('gbdt', ['mlp', 'fisher'])).toBeUndefined();
    expect(suggest('abc', ['abc'])).toBeUndefined();
    expect(suggest('learningrate', ['learning_rate', 'lr'])).toBe('learning_rate');
  });
});

describe('checker: features defaults', () => {
  it('without include, takes every numeric per-event column but the label, weight and split-by ones', async () => {
    const p = await ok(`dataset hzz {
  source = root("data/HZZ.root", tree: "events")
  label  = NMuon >= 2
  weight = EventWeight
  derive { lead = max(Muon_Px) }
}
features all { from = hzz }`);
    expect((block(p, 'features', 'all') as FeaturesDecl).columns).toEqual(['NJet', 'NElectron', 'MET_px', 'MET_py', 'triggerIsoMu24', 'lead']);
  });
});
