#!/usr/bin/python3
"""PyTorch side of inst/bench/bench-rnn.R: times nn.LSTM / nn.GRU / nn.RNN (tanh)
forward and forward+backward on CPU in float32 and prints CSV lines
cell,B,T,I,H,fwd_s,fwdbwd_s (best of several runs). bench-rnn.R runs it and
compares. Usage: python3 bench_rnn_torch.py [threads] [B,T,I,H ...]
Times are process CPU time with one thread, wall time with more.

Debian's python3-torch calls BLAS through libblas.so.3; install libopenblas0 so
that resolves to OpenBLAS instead of the reference BLAS. The header lines (starting
with '#') say which BLAS and how many threads were used.
"""
import os
import sys

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
# before importing torch, so OpenBLAS and OpenMP start with this many threads
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
os.environ["OMP_NUM_THREADS"] = str(threads)
os.environ["MKL_NUM_THREADS"] = str(threads)

import time  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(0)

DEFAULT_SHAPES = [(32, 50, 32, 64), (64, 100, 128, 256), (128, 200, 256, 512), (1, 1000, 64, 128)]


def blas_in_use():
    """The BLAS library torch's process has mapped (libblas.so.3 is an alternative)."""
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


# Process CPU time with one thread (a shared machine's wall time counts other
# people's work), wall time with more; loops until a measurement lasts 50 ms.
clock = time.process_time if threads == 1 else time.perf_counter


def best_time(fn, min_total=1.0, min_reps=3, max_reps=30):
    fn()  # warm-up
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn()
        el = clock() - t0
        if el >= 0.05:
            break
        n *= 2
    times, total = [el / n], el
    while len(times) < min_reps or (total < min_total and len(times) < max_reps):
        t0 = clock()
        for _ in range(n):
            fn()
        el = clock() - t0
        times.append(el / n)
        total += el
    return min(times)


def bench(cell, B, T, I, H):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple": torch.nn.RNN}[cell]
    m = cls(I, H, batch_first=True)
    x = torch.randn(B, T, I)

    def fwd():
        with torch.no_grad():
            m(x)

    xg = x.clone().requires_grad_(True)

    def fwdbwd():
        out, _ = m(xg)
        out.sum().backward()
        m.zero_grad(set_to_none=True)
        xg.grad = None

    return best_time(fwd), best_time(fwdbwd)


def main():
    shapes = DEFAULT_SHAPES
    if len(sys.argv) > 2:
        shapes = [tuple(int(v) for v in s.split(",")) for s in sys.argv[2:]]
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"clock: {'process CPU time' if threads == 1 else 'wall'}")
    cfg = torch.__config__.show()
    blas_info = [ln.strip() for ln in cfg.splitlines() if "BLAS_INFO" in ln or "MKL" in ln]
    print("# torch config: " + " | ".join(s[:160] for s in blas_info))
    print(f"# BLAS mapped: {blas_in_use()}")
    print("cell,B,T,I,H,fwd_s,fwdbwd_s")
    for cell in ("lstm", "gru", "simple"):
        for (B, T, I, H) in shapes:
            f, fb = bench(cell, B, T, I, H)
            print(f"{cell},{B},{T},{I},{H},{f:.6g},{fb:.6g}", flush=True)


if __name__ == "__main__":
    main()
