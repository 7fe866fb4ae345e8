"""Peer for bench/search.mjs: the same TPE (Optuna defaults, independent per dimension), written the
way Optuna writes it (numpy, vectorised over kernels and candidates), on the same 4-D objective.

Prints one JSON line: {"trials": N, "ms_per_trial": ..., "ms_last100": ..., "best": ...}, times in
CPU ms (time.process_time), as bench/search.mjs measures.
Usage: python3 bench/search_peer.py [N]
"""
import json
import math
import sys
import time

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
STARTUP = 10
rng = np.random.default_rng(1)

# name, kind, low, high  (int: step 1; choice: number of values)
SPACE = [("lr", "log", 1e-5, 1e-1), ("depth", "int", 1, 16), ("dropout", "float", 0.0, 0.6), ("activation", "cat", 4, None)]
ACTS = ["relu", "tanh", "sigmoid", "elu"]


def objective(p):
    a = math.log10(p["lr"]) + 2.5
    b = (p["depth"] - 9) / 4
    c = (p["dropout"] - 0.15) / 0.2
    return -(a * a + b * b + c * c) - (0 if ACTS[p["activation"]] == "tanh" else 0.7)


def weights(n):
    w = np.ones(n) if n < 25 else np.concatenate([np.linspace(1.0 / n, 1.0, n - 25), np.ones(25)])
    w = np.append(w, 1.0)
    return w / w.sum()


def numeric(obs, lo, hi):
    n = len(obs)
    prior = 0.5 * (lo + hi)
    wp = np.append(obs, prior)
    idx = np.argsort(wp)
    s = np.concatenate([[lo], wp[idx], [hi]])
    sig = np.maximum(s[1:-1] - s[:-2], s[2:] - s[1:-1])
    sig[0] = s[2] - s[1]
    sig[-1] = s[-2] - s[-3]
    sig = np.clip(sig[np.argsort(idx)][:n], (hi - lo) / min(100.0, n + 2.0), hi - lo)
    return np.append(obs, prior), np.append(sig, hi - lo), weights(n)


def logpdf(mus, sig, w, lo, hi, x, step):
    z = np.log(ndtr((hi - mus) / sig) - ndtr((lo - mus) / sig))
    if step:
        a = (x[:, None] - step / 2 - mus) / sig
        b = (x[:, None] + step / 2 - mus) / sig
        lp = np.log(np.maximum(ndtr(b) - ndtr(a), 1e-300)) - z
    else:
        u = (x[:, None] - mus) / sig
        lp = -0.5 * u * u - np.log(sig) - 0.5 * np.log(2 * np.pi) - z
    return logsumexp(lp + np.log(w), axis=1)


def sample(mus, sig, w, lo, hi, size):
    k = rng.choice(len(w), size=size, p=w)
    out = np.empty(size)
    for i, j in enumerate(k):
        while True:
            x = mus[j] + sig[j] * rng.standard_normal()
            if lo <= x <= hi:
                out[i] = x
                break
    return out


def propose(hist):
    if len(hist) < STARTUP:
        return random_params()
    vals = np.array([h[1] for h in hist])
    order = np.argsort(-vals, kind="stable")
    nb = min(math.ceil(0.1 * len(hist)), 25)
    below, above = np.sort(order[:nb]), np.sort(order[nb:])
    p = {}
    for name, kind, lo, hi in SPACE:
        col = [h[0][name] for h in hist]
        if kind == "cat":
            def probs(ids):
                n_k = len(ids) + 1
                rows = np.full((n_k, lo), 1.0 / n_k)
                rows[np.arange(len(ids)), [col[i] for i in ids]] += 1
                rows /= rows.sum(axis=1, keepdims=True)
                return weights(len(ids)) @ rows
            l, g = probs(below), probs(above)
            c = rng.choice(lo, size=24, p=l)
            p[name] = int(c[np.argmax(np.log(l[c]) - np.log(g[c]))])
            continue
        step = 1 if kind == "int" else 0
        a, b = (lo - 0.5, hi + 0.5) if step else (lo, hi)
        tr = np.log if kind == "log" else (lambda v: np.asarray(v, float))
        if kind == "log":
            a, b = math.log(lo), math.log(hi)
        xs = tr(np.array(col, float))
        lm, ls, lw = numeric(xs[below], a, b)
        gm, gs, gw = numeric(xs[above], a, b)
        cand = sample(lm, ls, lw, a, b, 24)
        if step:
            cand = np.clip(np.round(cand), lo, hi)
        score = logpdf(lm, ls, lw, a, b, cand, step) - logpdf(gm, gs, gw, a, b, cand, step)
        x = cand[np.argmax(score)]
        p[name] = float(np.exp(x)) if kind == "log" else (int(x) if step else float(x))
    return p


def random_params():
    return {
        "lr": float(np.exp(rng.uniform(math.log(1e-5), math.log(1e-1)))),
        "depth": int(rng.integers(1, 17)),
        "dropout": float(rng.uniform(0, 0.6)),
        "activation": int(rng.integers(0, 4)),
    }


hist = []
times = []
for i in range(N):
    t0 = time.process_time()
    p = propose(hist)
    key = json.dumps(p, sort_keys=True, separators=(",", ":"))
    times.append(time.process_time() - t0)
    hist.append((p, objective(p)))
print(json.dumps({
    "trials": N,
    "ms_per_trial": 1000 * sum(times) / N,
    "ms_last100": 1000 * sum(times[-100:]) / 100,
    "best": max(h[1] for h in hist),
}))
