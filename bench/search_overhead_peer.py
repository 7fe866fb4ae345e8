"""Peer for bench/search-overhead.mjs: the least a cached search must do per trial x fold, in Python.

For N trials x CV folds: the trial's params (random learning_rate), a canonical JSON of
(kind, version, params, fold, input hashes) -> sha256 key -> one file per result in a cache
directory. Miss: write the result (tmp + rename, as a crash-safe cache must). Hit: stat, read and
json-decode it, then rank the trials by their mean metric. No DAG, no scheduler, no planning rounds.
Prints {"miss_ms": ..., "hit_ms": ...} (CPU time, time.process_time) on stdout.
"""
import hashlib
import json
import os
import random
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CV = int(sys.argv[2]) if len(sys.argv) > 2 else 3
INPUTS = {name: hashlib.sha256(name.encode()).hexdigest() for name in ("X", "data", "split")}


def key(i, f, lr):
    spec = {"kind": "fit.gbdt", "version": 1, "params": {"algorithm": {"name": "gbdt", "params": {"trees": 1, "depth": 1, "learning_rate": lr}},
            "fold": f, "k": CV, "seed": 42, "metricOnly": "auc"}, "inputs": INPUTS}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def run(cache, write):
    rng = random.Random(1)
    trials = []
    for i in range(N):
        lr = rng.uniform(0.01, 0.5)
        folds = []
        for f in range(CV):
            k = key(i, f, lr)
            p = os.path.join(cache, k[:2], k)
            if write:
                os.makedirs(os.path.dirname(p), exist_ok=True)
                tmp = p + ".tmp"
                with open(tmp, "w") as fh:
                    json.dump({"metric": 0.7 + 0.1 * lr}, fh)
                os.replace(tmp, p)
                folds.append(0.7 + 0.1 * lr)
            else:
                os.stat(p)
                with open(p) as fh:
                    folds.append(json.load(fh)["metric"])
        trials.append((sum(folds) / len(folds), i, lr))
    trials.sort(reverse=True)
    return trials[0]


with tempfile.TemporaryDirectory() as d:
    t0 = time.process_time()
    run(d, True)
    miss = (time.process_time() - t0) * 1000
    hit = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        run(d, False)
        hit = min(hit, (time.process_time() - t0) * 1000)
print(json.dumps({"miss_ms": miss, "hit_ms": hit}))
