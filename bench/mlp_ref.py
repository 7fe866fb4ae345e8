"""PyTorch reference for bench/mlp.mjs: seconds per epoch for a 30-64-64-1 ReLU MLP on
100,000 x 30 synthetic rows, batch 512, Adam lr 1e-3, BCE-with-logits, float32, CPU.

Usage: python3 bench/mlp_ref.py [threads] [epochs]   -> prints one JSON line
(wall-clock and CPU seconds per epoch: on a loaded shared machine the CPU time is the steadier one).
The data are generated here with numpy (seed 0): the same shape and distribution as the JS side,
not the same numbers (timing does not depend on the values).
"""
import json
import sys
import time

import numpy as np
import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)
rng = np.random.default_rng(0)
n, d = 100_000, 30
X = rng.standard_normal((n, d)).astype(np.float32)
y = (X[:, :5].sum(axis=1) + 0.5 * rng.standard_normal(n) > 0).astype(np.float32)
Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
model = torch.nn.Sequential(
    torch.nn.Linear(d, 64), torch.nn.ReLU(),
    torch.nn.Linear(64, 64), torch.nn.ReLU(),
    torch.nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
times, cpu = [], []
for ep in range(epochs):
    t0, c0 = time.perf_counter(), time.process_time()
    perm = torch.randperm(n)
    for i in range(0, n, 512):
        idx = perm[i:i + 512]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]).squeeze(1), yt[idx])
        loss.backward()
        opt.step()
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
model.eval()
with torch.no_grad():
    t0 = time.perf_counter()
    for i in range(0, n, 8192):
        model(Xt[i:i + 8192])
    pred = time.perf_counter() - t0
print(json.dumps({"threads": threads, "epoch_seconds": times, "epoch_cpu_seconds": cpu,
                  "median_epoch_seconds": float(np.median(times)),
                  "predict_rows_per_second": n / pred, "torch": torch.__version__}))
