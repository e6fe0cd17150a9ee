"""What the PyTorch sides of inst/bench/ share (bench_rnn_torch.py,
bench_conv_torch.py): the thread setting, the clock, best-of-several timing and the
header lines naming torch, its threads and the BLAS it has mapped.

Import it before torch: start() sets the thread count of OpenBLAS and OpenMP in the
environment, which they read when torch loads them. Times are process CPU time with
one thread (a shared machine's wall time counts other people's work), wall time with
more.
"""
import os
import sys
import time


def start():
    """The thread count (first command-line argument, default 1), set for the libraries
    torch loads; then torch itself, seeded, with that many threads."""
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return threads, torch


def clock(threads):
    return time.process_time if threads == 1 else time.perf_counter


def best_time(fn, threads, min_total=1.0, min_reps=3, max_reps=30):
    """The best time per call: each measurement loops until it lasts 50 ms (timer
    resolution), and measurements repeat for min_total seconds or max_reps times."""
    now = clock(threads)
    fn()  # warm-up
    n = 1
    while True:
        t0 = now()
        for _ in range(n):
            fn()
        el = now() - t0
        if el >= 0.05:
            break
        n *= 2
    times, total = [el / n], el
    while len(times) < min_reps or (total < min_total and len(times) < max_reps):
        t0 = now()
        for _ in range(n):
            fn()
        el = now() - t0
        times.append(el / n)
        total += el
    return min(times)


def blas_in_use():
    """The BLAS (and oneDNN) libraries torch's process has mapped: libblas.so.3 is an
    alternative, so the package name alone does not say which one runs."""
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


def print_header(torch, threads):
    """Lines starting with '#': torch's version, threads, clock, build and BLAS."""
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"clock: {'process CPU time' if threads == 1 else 'wall'}")
    cfg = torch.__config__.show()
    info = [ln.strip() for ln in cfg.splitlines() if "BLAS_INFO" in ln or "MKL" in ln]
    print("# torch config: " + " | ".join(s[:160] for s in info))
    print(f"# BLAS mapped: {blas_in_use()}", flush=True)
