/**
 * End-to-end checks of the capabilities that cross modules, through the CLI as a user runs it:
 * column-granular ROOT reads, incremental rankings and selections, models under --jobs 1 and 2,
 * predict, scores as Parquet, and reports that rebuild alone.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildJson, DATA, statuses, tempProject, winnow, winnowAsync } from '../helpers/cli.js';

const built = (steps: { id: string; status: string }[]) => steps.filter((s) => s.status === 'built').map((s) => s.id).sort();

describe('ROOT sources are read per branch and cached', () => {
  const hzz = (extra = '') => `dataset hzz {
  source = root("data/HZZ.root", tree: "events")
  label  = NMuon >= 2
  derive {
    lead_mu_pt = max(sqrt(Muon_Px**2 + Muon_Py**2))
    met        = sqrt(MET_px**2 + MET_py**2)${extra}
  }
  split = holdout(test: 0.3, seed: 1)
}
features f { from = hzz  include = [lead_mu_pt, met] }
select s { from = f  rank = [separation, auc] }
`;
  it('adding a branch reads only that branch; an identical file rewrite changes nothing downstream', () => {
    const dir = tempProject({ 'h.pipe': hzz() });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.copyFileSync(path.join(DATA, 'root', 'uproot-HZZ.root'), path.join(dir, 'data', 'HZZ.root'));
    const first = buildJson(dir, ['h.pipe']);
    expect(first.ok).toBe(true);
    expect(first.steps.filter((s) => s.id.startsWith('read:')).map((s) => s.id).sort()).toEqual(
      ['read:hzz/all/MET_px', 'read:hzz/all/MET_py', 'read:hzz/all/Muon_Px', 'read:hzz/all/Muon_Py', 'read:hzz/all/NMuon']);
    fs.writeFileSync(path.join(dir, 'h.pipe'), hzz('\n    n_jet = NJet'));
    const second = buildJson(dir, ['h.pipe']);
    // The dataset step may rerun (its row counts come from one of the read steps) but yields the same
    // bytes, so early cutoff keeps every ranking cached.
    expect(built(second.steps).filter((id) => id !== 'dataset:hzz')).toEqual(['derive:hzz/n_jet', 'read:hzz/all/NJet', 'schema:hzz']);
    // The same events written by another ROOT version and codec: every read reruns (new content hash),
    // every column comes out identical, so nothing downstream reruns (early cutoff).
    fs.copyFileSync(path.join(DATA, 'root', 'uproot-HZZ-lz4.root'), path.join(dir, 'data', 'HZZ.root'));
    const third = buildJson(dir, ['h.pipe']);
    expect(third.ok).toBe(true);
    expect(built(third.steps).every((id) => id.startsWith('read:'))).toBe(true);
    expect(built(third.steps)).toHaveLength(6);
  });
});

describe('a ROOT chain source', () => {
  it('reads every file of the chain (files of several codecs) into one column per branch', () => {
    const pipe = `dataset hzz {
  source = root(["data/HZZ.root", "data/more/*.root"], tree: "events")   # a chain
  label  = NMuon >= 2
  derive { met = sqrt(MET_px**2 + MET_py**2) }
  split = holdout(test: 0.3, seed: 1)
}
features f { from = hzz  include = [met, NJet] }
select s { from = f  rank = [separation] }
`;
    const dir = tempProject({ 'c.pipe': pipe });
    fs.mkdirSync(path.join(dir, 'data', 'more'), { recursive: true });
    fs.copyFileSync(path.join(DATA, 'root', 'uproot-HZZ.root'), path.join(dir, 'data', 'HZZ.root'));
    fs.copyFileSync(path.join(DATA, 'root', 'uproot-HZZ-lz4.root'), path.join(dir, 'data', 'more', 'a.root'));
    fs.copyFileSync(path.join(DATA, 'root', 'uproot-HZZ-zstd.root'), path.join(dir, 'data', 'more', 'b.root'));
    const r = winnow(dir, ['build', 'c.pipe']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dataset hzz: ${3 * 2421} events`);
  });
});

const higgs = (o: { features?: string; keep?: number; plots?: string; algo?: string } = {}) => `param seed = 5
dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  split   = holdout(test: 0.3, seed: seed)
}
features f { from = higgs  include = [${o.features ?? '"DER_mass_MMC", "DER_mass_vis", "DER_pt_h", "PRI_tau_pt"'}] }
select s { from = f  rank = [separation, ks, auc]  keep = ${o.keep ?? 3} }
model bdt { features = s  algorithm = ${o.algo ?? 'gbdt(trees: 30, depth: 3)'}  cv = 2 }
model nn { features = s  algorithm = mlp(layers: [16], epochs: 3, batch: 256) }
report r { models = [bdt, nn]  plots = [${o.plots ?? 'roc, scores, ranking'}] }
`;

describe('selection, models, predict and reports', () => {
  const dir = tempProject({ 'p.pipe': higgs() });

  it('builds, and adding a variable computes only its scores', () => {
    expect(buildJson(dir, ['p.pipe']).ok).toBe(true);
    fs.writeFileSync(path.join(dir, 'p.pipe'), higgs({ features: '"DER_mass_MMC", "DER_mass_vis", "DER_pt_h", "PRI_tau_pt", "PRI_met"' }));
    const r = buildJson(dir, ['p.pipe']);
    const ranks = built(r.steps).filter((id) => id.startsWith('rank:'));
    expect(ranks).toEqual(['rank:s/PRI_met/auc', 'rank:s/PRI_met/ks', 'rank:s/PRI_met/separation']);
  });

  it('changing keep recomputes the selection but no score', () => {
    fs.writeFileSync(path.join(dir, 'p.pipe'), higgs({ features: '"DER_mass_MMC", "DER_mass_vis", "DER_pt_h", "PRI_tau_pt", "PRI_met"', keep: 2 }));
    const r = statuses(buildJson(dir, ['p.pipe']).steps);
    expect(r['select:s']).toBe('built');
    expect(Object.entries(r).filter(([id, s]) => id.startsWith('rank:') && s !== 'cached')).toEqual([]);
  });

  it('changing the plot list rebuilds the report only, and report.json carries the metrics of show --json', () => {
    fs.writeFileSync(path.join(dir, 'p.pipe'), higgs({ features: '"DER_mass_MMC", "DER_mass_vis", "DER_pt_h", "PRI_tau_pt", "PRI_met"', keep: 2, plots: 'roc, scores, ranking, overtraining' }));
    const r = buildJson(dir, ['p.pipe']);
    expect(built(r.steps)).toEqual(['report:r']);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'r', 'report.json'), 'utf8'));
    for (const name of ['bdt', 'nn']) {
      const shown = JSON.parse(winnow(dir, ['show', 'p.pipe', name, '--json']).stdout);
      const inReport = report.models.find((m: { name: string }) => m.name === name);
      expect(inReport.metrics).toEqual(JSON.parse(JSON.stringify(shown.metrics)));
      expect(inReport.test).toEqual(JSON.parse(JSON.stringify(shown.test)));
    }
  });

  it('gives bit-identical models and scores with --jobs 1 and --jobs 2', () => {
    const a = tempProject({ 'p.pipe': higgs() });
    const b = tempProject({ 'p.pipe': higgs() });
    expect(winnow(a, ['build', 'p.pipe', '--jobs', '1']).code).toBe(0);
    expect(winnow(b, ['build', 'p.pipe', '--jobs', '2']).code).toBe(0);
    for (const m of ['bdt', 'nn']) {
      expect(winnow(a, ['show', 'p.pipe', m, '--json']).stdout).toBe(winnow(b, ['show', 'p.pipe', m, '--json']).stdout);
      expect(fs.readFileSync(path.join(a, 'scores', `${m}.parquet`)).equals(fs.readFileSync(path.join(b, 'scores', `${m}.parquet`)))).toBe(true);
    }
  });

  it('predict applies the trained model to a file, one row per input row, matching the test scores', async () => {
    const out = path.join(dir, 'pred.parquet');
    const r = winnow(dir, ['predict', 'p.pipe', 'bdt', path.join(DATA, 'higgsml', 'train.csv'), '--out', out, '--keep', 'EventId']);
    expect(r.code, r.stderr).toBe(0);
    const { readParquet } = await import('../../src/runtime/io/parquet.js');
    const pred = await readParquet(out);
    expect(pred.rows).toBe(6000);
    expect([...pred.columns.keys()]).toEqual(['score', 'EventId']);
    const scores = await readParquet(path.join(dir, 'scores', 'bdt.parquet'));
    const row = scores.columns.get('row')!.values as Float64Array;
    const part = scores.columns.get('part')!.values as Float64Array;
    const score = scores.columns.get('score')!.values as Float64Array;
    const p = pred.columns.get('score')!.values as Float64Array;
    let n = 0;
    for (let i = 0; i < row.length; i++) {
      if (part[i] !== -1) continue; // the test part, scored by the full fit (no cut: row = input row)
      expect(p[row[i]!]).toBe(score[i]);
      n++;
    }
    expect(n).toBe(1800);
  });

  it('reports bad input in one sentence with the right exit code', () => {
    const bad = winnow(dir, ['show', 'p.pipe', 'bdtt']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown target `bdtt`; did you mean `bdt`\?/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = winnow(dir, ['biuld']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command `biuld`; did you mean `build`\?/);
    const flag = winnow(dir, ['build', '--jbos', '2']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/did you mean `--jobs`/);
    const cache = winnow(dir, ['build', 'p.pipe', '--cache', 'p.pipe/cache']);
    expect(cache.code).toBe(1);
    expect(cache.stderr).toBe(`error: cannot use the cache directory ${path.join(fs.realpathSync(dir), 'p.pipe', 'cache')}: a part of its path is a file (choose another with --cache DIR or $WINNOW_CACHE)\n`);
    expect(winnow(dir, ['build', 'p.pipe', '--cache', 'p.pipe']).stderr).toMatch(/p\.pipe: it is a file \(choose another/);
    // Where Node's recursive mkdir would loop for ever.
    expect(winnow(dir, ['build', 'p.pipe', '--cache', '/proc/winnow-cache']).stderr).toMatch(/^error: cannot use the cache directory \/proc\/winnow-cache: .* \(choose another with --cache DIR or \$WINNOW_CACHE\)\n$/);
  });

  it('ends quietly when the reader of its output goes away (`winnow show … | head`)', async () => {
    const child = winnowAsync(dir, ['show', 'p.pipe', 'bdt']);
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});

describe('split objects in ROOT files', () => {
  it('reaches dotted member branches with backticks (split object, TClonesArray, Double32_t), and checks their names', () => {
    const pipe = (member: string) => `dataset bacon {
  source = root("${path.join(DATA, 'root', 'uproot-mc10events.root')}", tree: "Events")
  label  = \`Info.nPU\` > 20
  derive {
    lead_mu_pt = max(\`${member}\`)
    n_gen      = count(\`GenParticle.pt\` > 0)
  }
}
dataset demo {
  source = root("${path.join(DATA, 'root', 'uproot-demo-double32.root')}", tree: "T")
  label  = \`d.fD64\` > 0
}
features f { from = demo  include = [\`d.fI8\`, \`d.fR4\`] }
select s { from = f  rank = [separation, auc] }
`;
    const dir = tempProject({ 'ok.pipe': pipe('Muon.pt'), 'bad.pipe': pipe('Muon.ptt') });
    const show = winnow(dir, ['show', 'ok.pipe', 's', '--json']);
    expect(show.code, show.stderr).toBe(0);
    const ranking = JSON.parse(show.stdout).ranking as { feature: string; scores: Record<string, number> }[];
    expect(ranking.map((r) => r.feature).sort()).toEqual(['d.fI8', 'd.fR4']);
    // The label is the sign of the value these members pack: each separates (nearly) perfectly.
    for (const r of ranking) expect(r.scores.auc, r.feature).toBeGreaterThan(0.99);
    const ds = winnow(dir, ['show', 'ok.pipe', 'bacon', '--json']);
    expect(ds.code, ds.stderr).toBe(0);
    expect(JSON.parse(ds.stdout).rows).toBe(10);
    const bad = winnow(dir, ['check', 'bad.pipe']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.pipe:5:\d+: error\[E0201\]: unknown column `Muon\.ptt`/);
    expect(bad.stderr).toMatch(/did you mean `Muon\.pt`\?/);
  });
});

describe('Parquet sources', () => {
  it('a ROOT file converted to Parquet gives the same dataset and ranking as the ROOT file itself', () => {
    const pipe = (src: string) => `dataset hzz {
  source = ${src}
  label  = NMuon >= 2
  derive {
    lead_mu_pt = max(sqrt(Muon_Px**2 + Muon_Py**2))
    n_iso      = count(Muon_Iso < 1.0)
  }
  split = holdout(test: 0.3, seed: 4)
}
features f { from = hzz  include = [lead_mu_pt, n_iso, MET_px] }
select s { from = f  rank = [separation, ks, auc] }
`;
    const dir = tempProject({
      'r.pipe': pipe(`root("${path.join(DATA, 'root', 'uproot-HZZ.root')}", tree: "events")`),
      'p.pipe': pipe('parquet("hzz.parquet")'),
    });
    const conv = winnow(dir, ['convert', path.join(DATA, 'root', 'uproot-HZZ.root'), 'hzz.parquet', '--tree', 'events', '--columns', 'NMuon,Muon_Px,Muon_Py,Muon_Iso,MET_px']);
    expect(conv.code, conv.stderr).toBe(0);
    const fromRoot = winnow(dir, ['show', 'r.pipe', 's', '--json', '--cache', 'c1']);
    const fromParquet = winnow(dir, ['show', 'p.pipe', 's', '--json', '--cache', 'c2']);
    expect(fromRoot.code, fromRoot.stderr).toBe(0);
    expect(fromParquet.code, fromParquet.stderr).toBe(0);
    expect(fromParquet.stdout).toBe(fromRoot.stdout);
    expect(JSON.parse(fromRoot.stdout).ranking).toHaveLength(3);
  });
});

describe('a report may share its name with a dataset (as in LANGUAGE.md)', () => {
  it('builds both, shows the dataset, and predicts with SEARCH.best', async () => {
    const dir = tempProject({
      'p.pipe': `dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  split   = holdout(test: 0.3, seed: 1)
}
features kin { from = higgs  include = ["DER_mass_MMC", "DER_mass_vis", "PRI_tau_pt"] }
select top { from = kin  rank = [auc] }
model bdt { features = top  algorithm = gbdt(trees: 10, depth: 2) }
search tune {
  model = bdt
  space { depth = choice(2, 3) }
  strategy = grid()
  cv = 2
}
report higgs { models = [bdt, tune.best]  plots = [roc] }
`,
    });
    const b = buildJson(dir, ['p.pipe']);
    expect(b.ok).toBe(true);
    expect(b.steps.map((s) => s.id)).toEqual(expect.arrayContaining(['dataset:higgs', 'report:higgs', 'eval:tune.best']));
    const d = JSON.parse(winnow(dir, ['show', 'p.pipe', 'higgs', '--json']).stdout);
    expect(d.rows).toBe(6000);
    expect(d.columns.find((c: { name: string }) => c.name === 'DER_mass_MMC').type).toBe('float64');
    expect(JSON.parse(winnow(dir, ['show', 'p.pipe', 'report:higgs', '--json']).stdout).path).toBe(path.join('reports', 'higgs', 'index.html'));
    const p = winnow(dir, ['predict', 'p.pipe', 'tune.best', path.join(DATA, 'higgsml', 'train.csv'), '--out', 'best.parquet']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/6000 rows, columns score/);
  });
});

describe('multiclass datasets', () => {
  it('ranks per class, trains, scores every class and predicts one column per class', async () => {
    const root = path.join(DATA, 'root', 'tmva_class_inputdata.root');
    const rows = ['var1,var2,var3,var4'];
    for (let i = 0; i < 2000; i++) rows.push([i % 7, (i * 3) % 11, (i * 5) % 13, (i * 7) % 17].map((v) => (v / 5 - 1).toFixed(3)).join(','));
    const dir = tempProject({
      'c.csv': rows.join('\n') + '\n',
      'm.pipe': `dataset three {
  classes {
    sig   = root("${root}", tree: "TreeS")
    bkg   = root("${root}", tree: "TreeB")
    other = csv("c.csv")
  }
  split = holdout(test: 0.3, seed: 2)
}
features f { from = three  include = ["var*"] }
select s { from = f  rank = [separation, auc] }
model g { features = f  algorithm = gbdt(trees: 20, depth: 3) }
report r { models = [g]  plots = [roc, scores] }
`,
    });
    const b = winnow(dir, ['build', 'm.pipe']);
    expect(b.code, b.stderr).toBe(0);
    const s = JSON.parse(winnow(dir, ['show', 'm.pipe', 's', '--json']).stdout);
    expect(Object.keys(s.ranking[0].scores)).toEqual(expect.arrayContaining(['separation', 'separation[sig]', 'separation[bkg]', 'separation[other]', 'auc[other]']));
    const g = JSON.parse(winnow(dir, ['show', 'm.pipe', 'g', '--json']).stdout);
    expect(g.test.auc).toBeGreaterThan(0.8);
    expect(g.test.logloss).toBeGreaterThan(0);
    expect(g.test.logloss).toBeLessThan(Math.log(3));
    // Each class against the rest: its metrics average to the model's, and the report draws each.
    expect(g.classes.map((c: { name: string }) => c.name)).toEqual(['sig', 'bkg', 'other']);
    const mean = g.classes.reduce((a: number, c: { test: { auc: number } }) => a + c.test.auc, 0) / 3;
    expect(mean).toBeCloseTo(g.test.auc, 12);
    const text = winnow(dir, ['show', 'm.pipe', 'g']).stdout;
    expect(text).toMatch(/ROC AUC, each class vs rest +test\n[─ ]+\nsig +0\.\d{4}\nbkg +0\.\d{4}\nother +0\.\d{4}\n/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'r', 'report.json'), 'utf8'));
    expect(report.models.map((m: { name: string }) => m.name)).toEqual(['g', 'g [sig vs rest]', 'g [bkg vs rest]', 'g [other vs rest]']);
    expect(report.models[2].test.auc).toBe(g.classes[1].test.auc);
    const roc = fs.readFileSync(path.join(dir, 'reports', 'r', 'roc.svg'), 'utf8');
    for (const c of ['sig', 'bkg', 'other']) expect(roc).toContain(`g [${c} vs rest]: AUC`);
    expect(fs.readFileSync(path.join(dir, 'reports', 'r', 'index.html'), 'utf8')).toContain('1 model<');
    // The held-out scores: every class's probability, the class index as the label.
    const { readParquet } = await import('../../src/runtime/io/parquet.js');
    const sc = await readParquet(path.join(dir, 'scores', 'g.parquet'));
    expect([...sc.columns.keys()]).toEqual(['row', 'part', 'score_sig', 'score_bkg', 'score_other', 'label', 'weight']);
    expect(sc.rows).toBe(4200);
    const col = (n: string) => sc.columns.get(n)!.values as Float64Array;
    expect(new Set(col('label'))).toEqual(new Set([0, 1, 2]));
    for (let i = 0; i < sc.rows; i++) expect(col('score_sig')[i]! + col('score_bkg')[i]! + col('score_other')[i]!).toBeCloseTo(1, 9);
    const p = winnow(dir, ['predict', 'm.pipe', 'g', root, '--tree', 'TreeS', '--out', 'p.parquet']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/6000 rows, columns score_sig, score_bkg, score_other/);
  });
});
