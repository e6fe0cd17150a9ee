#!/usr/bin/python3
"""PyTorch side of inst/bench/bench-conv.R: times torch.nn.functional.conv1d / conv2d
(stride 1, padding 'same' or 'valid') forward and forward+backward (gradients for the
input and the weight of sum(output)) on CPU in float32; prints CSV lines
rank,B,S,C,F,K,pad,fwd_s,fwdbwd_s (S: sequence length, or height = width).
Usage: python3 bench_conv_torch.py threads rank,B,S,C,F,K,pad ...
Inputs are channels-first, torch's native layout. Times are process CPU time with one
thread. Debian's python3-torch calls BLAS through libblas.so.3: install
libopenblas0-openmp first, or it runs on the reference BLAS.
"""
import os
import sys

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
os.environ["OMP_NUM_THREADS"] = str(threads)

import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(0)
clock = time.process_time if threads == 1 else time.perf_counter


def blas_in_use():
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if any(k in p for k in ("blas", "mkl", "dnnl")):
                    found.add(os.path.realpath(p))
    except OSError:
        pass
    return ", ".join(sorted(found)) or "unknown"


def best_time(fn, min_total=1.0, min_reps=3, max_reps=30):
    fn()
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn()
        el = clock() - t0
        if el >= 0.05:
            break
        n *= 2
    times = [el / n]
    total = el
    while len(times) < min_reps or (total < min_total and len(times) < max_reps):
        t0 = clock()
        for _ in range(n):
            fn()
        el = clock() - t0
        times.append(el / n)
        total += el
    return min(times)


print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: {blas_in_use()}")
for spec in sys.argv[2:]:
    rank, B, S, C, Fo, K, pad = spec.split(",")
    rank, B, S, C, Fo, K = int(rank), int(B), int(S), int(C), int(Fo), int(K)
    spatial = (S,) * rank
    x = torch.randn((B, C) + spatial)
    w = torch.randn((Fo, C) + (K,) * rank) * 0.1
    conv = F.conv1d if rank == 1 else F.conv2d
    xg = x.clone().requires_grad_(True)
    wg = w.clone().requires_grad_(True)

    def fwd():
        with torch.no_grad():
            conv(x, w, padding=pad)

    def fwdbwd():
        y = conv(xg, wg, padding=pad)
        torch.autograd.grad(y.sum(), [xg, wg])

    print(f"{rank},{B},{S},{C},{Fo},{K},{pad},{best_time(fwd)},{best_time(fwdbwd)}")
