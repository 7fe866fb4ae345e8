#!/usr/bin/python3
"""XGBoost `hist` peer for bench/gbdt.mjs: reads the binary file it wrote, fits with nthread 2, prints JSON.

argv: FILE TREES DEPTH LR [--weighted]
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main():
    path, trees, depth, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    weighted = '--weighted' in sys.argv
    raw = open(path, 'rb').read()
    ntr, nte, F = np.frombuffer(raw[:12], dtype=np.int32)
    off = 12

    def take(n, k):
        nonlocal off
        a = np.frombuffer(raw[off:off + 8 * n * k], dtype=np.float64).reshape(k, n)
        off += 8 * n * k
        return a

    Xtr = np.ascontiguousarray(take(ntr, F).T); ytr = take(ntr, 1)[0]
    wtr = take(ntr, 1)[0] if weighted else None
    Xte = np.ascontiguousarray(take(nte, F).T); yte = take(nte, 1)[0]
    wte = take(nte, 1)[0] if weighted else None
    base = float(np.average(ytr, weights=wtr))
    params = dict(objective='binary:logistic', tree_method='hist', max_bin=255, max_depth=depth, eta=lr,
                  min_child_weight=1.0, reg_lambda=1.0, base_score=base, nthread=2, seed=0)
    t0 = time.perf_counter()
    c0 = time.process_time()
    dtr = xgb.DMatrix(Xtr, label=ytr, weight=wtr, missing=np.nan, nthread=2)
    bst = xgb.train(params, dtr, num_boost_round=trees)
    fit_s = time.perf_counter() - t0
    fit_cpu_s = time.process_time() - c0  # all threads of this process
    dte = xgb.DMatrix(Xte, missing=np.nan, nthread=2)
    t1 = time.perf_counter()
    p = bst.predict(dte)
    pred_s = time.perf_counter() - t1
    print(json.dumps({'version': xgb.__version__, 'fit_s': fit_s, 'fit_cpu_s': fit_cpu_s, 'auc': float(roc_auc_score(yte, p, sample_weight=wte)),
                      'predict_rows_per_s': nte / pred_s}))


if __name__ == '__main__':
    main()
