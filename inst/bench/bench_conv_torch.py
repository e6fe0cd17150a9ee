#!/usr/bin/python3
"""PyTorch side of inst/bench/bench-conv.R: times torch.nn.functional.conv1d / conv2d
(stride 1, padding 'same' or 'valid') forward and forward+backward (gradients for the
input and the weight of sum(output)) on CPU in float32; prints CSV lines
rank,B,S,C,F,K,pad,fwd_s,fwdbwd_s (S: sequence length, or height = width).
Usage: python3 bench_conv_torch.py threads rank,B,S,C,F,K,pad ...
Inputs are channels-first, torch's native layout. Debian's python3-torch calls BLAS
through libblas.so.3: install libopenblas0-openmp first, or it runs on the reference
BLAS (its convolutions themselves mostly run in oneDNN, libdnnl).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_torch_common as common  # noqa: E402

threads, torch = common.start()
F = torch.nn.functional


def bench(rank, B, S, C, Fo, K, pad):
    x = torch.randn((B, C) + (S,) * rank)
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

    return common.best_time(fwd, threads), common.best_time(fwdbwd, threads)


def main():
    common.print_header(torch, threads)
    for spec in sys.argv[2:]:
        rank, B, S, C, Fo, K, pad = spec.split(",")
        f, fb = bench(int(rank), int(B), int(S), int(C), int(Fo), int(K), pad)
        print(f"{rank},{B},{S},{C},{Fo},{K},{pad},{f},{fb}", flush=True)


if __name__ == "__main__":
    main()
