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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_torch_common as common  # noqa: E402

threads, torch = common.start()

DEFAULT_SHAPES = [(32, 50, 32, 64), (64, 100, 128, 256), (128, 200, 256, 512), (1, 1000, 64, 128)]


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

    return common.best_time(fwd, threads), common.best_time(fwdbwd, threads)


def main():
    shapes = DEFAULT_SHAPES
    if len(sys.argv) > 2:
        shapes = [tuple(int(v) for v in s.split(",")) for s in sys.argv[2:]]
    common.print_header(torch, threads)
    print("cell,B,T,I,H,fwd_s,fwdbwd_s")
    for cell in ("lstm", "gru", "simple"):
        for (B, T, I, H) in shapes:
            f, fb = bench(cell, B, T, I, H)
            print(f"{cell},{B},{T},{I},{H},{f:.6g},{fb:.6g}", flush=True)


if __name__ == "__main__":
    main()
