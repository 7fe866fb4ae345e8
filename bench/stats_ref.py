#!/usr/bin/python3
"""Python reference for bench/stats.mjs: sklearn f_classif + mutual_info_classif + scipy ks_2samp.

Usage: stats_ref.py DATA_DIR  (reads X.f64 [P*N, column-major], y.f64, w.f64, meta.json; NaN rows
are dropped per variable since sklearn/scipy do not accept NaN). Prints one JSON object on stdout.
"""
import json, os, sys, time
import numpy as np
from scipy import stats
from sklearn.feature_selection import f_classif, mutual_info_classif

d = sys.argv[1]
meta = json.load(open(os.path.join(d, 'meta.json')))
N, P = meta['n'], meta['p']
X = np.fromfile(os.path.join(d, 'X.f64'), dtype=np.float64).reshape(P, N)
y = np.fromfile(os.path.join(d, 'y.f64'), dtype=np.float64).astype(np.int64)

out = {'anova': [], 'ks': [], 'mi': [], 'time': {}, 'cpu': {}}
t0 = time.perf_counter(); c0 = time.process_time()
for j in range(P):
    x = X[j]; ok = ~np.isnan(x)
    F, _ = f_classif(x[ok].reshape(-1, 1), y[ok])
    out['anova'].append(float(F[0]))
out['time']['anova'] = time.perf_counter() - t0; out['cpu']['anova'] = time.process_time() - c0

t0 = time.perf_counter(); c0 = time.process_time()
for j in range(P):
    x = X[j]; ok = ~np.isnan(x); yy = y[ok]; xx = x[ok]
    r = stats.ks_2samp(xx[yy == 1], xx[yy == 0])
    out['ks'].append([float(r.statistic), float(r.pvalue)])
out['time']['ks'] = time.perf_counter() - t0; out['cpu']['ks'] = time.process_time() - c0

t0 = time.perf_counter(); c0 = time.process_time()
for j in range(P):
    x = X[j]; ok = ~np.isnan(x)
    out['mi'].append(float(mutual_info_classif(x[ok].reshape(-1, 1), y[ok], n_neighbors=3, random_state=0)[0]))
out['time']['mi'] = time.perf_counter() - t0; out['cpu']['mi'] = time.process_time() - c0
out['time']['total'] = sum(out['time'].values())
out['cpu']['total'] = sum(out['cpu'].values())
print(json.dumps(out))
