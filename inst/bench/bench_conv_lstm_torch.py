#!/usr/bin/python3
"""PyTorch side of inst/bench/bench-conv-lstm.R: the same ConvLSTM as Keras's (input
convolution of all frames at once, then per timestep a stride-1 "same" recurrent
convolution and the gates i f c o), written as a loop of torch conv2d calls, on CPU in
float32 with one thread. Prints CSV lines B,T,S,C,F,K,fwd_s,fwdbwd_s: forward without
gradients, and forward plus the gradients of sum(output sequence) for the input and all
weights. Times are the best process CPU time of several runs.
Usage: python3 bench_conv_lstm_torch.py B,T,S,C,F,K ...
Debian's python3-torch calls BLAS through libblas.so.3: install libopenblas0-openmp.
"""
import os
import sys

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import time  # noqa: E402
import timeit  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)


def conv_lstm(x, w, u, b):
    """x (B, T, C, S, S) -> the output sequence (B, T, F, S, S)."""
    batch, steps = x.shape[:2]
    z = F.conv2d(x.flatten(0, 1), w, b, padding="same")
    z = z.view(batch, steps, *z.shape[1:])
    h = x.new_zeros(batch, u.shape[1], *x.shape[3:])
    c = torch.zeros_like(h)
    out = []
    for t in range(steps):
        i, f, g, o = (z[:, t] + F.conv2d(h, u, padding="same")).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    return torch.stack(out, 1)


def cpu_seconds(fn, reps=5):
    fn()
    number = 1
    while timeit.timeit(fn, number=number, timer=time.process_time) < 0.05:
        number *= 2
    return min(timeit.repeat(fn, repeat=reps, number=number, timer=time.process_time)) / number


print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}")
for spec in sys.argv[1:]:
    B, T, S, C, Fo, K = (int(v) for v in spec.split(","))
    x = torch.randn(B, T, C, S, S)
    w = torch.randn(4 * Fo, C, K, K) * 0.1
    u = torch.randn(4 * Fo, Fo, K, K) * 0.1
    b = torch.zeros(4 * Fo)
    leaves = [t.clone().requires_grad_(True) for t in (x, w, u, b)]

    def fwd():
        with torch.no_grad():
            conv_lstm(x, w, u, b)

    def fwdbwd():
        torch.autograd.grad(conv_lstm(*leaves).sum(), leaves)

    print(f"{B},{T},{S},{C},{Fo},{K},{cpu_seconds(fwd)},{cpu_seconds(fwdbwd)}")
