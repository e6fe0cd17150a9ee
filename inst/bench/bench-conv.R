# Convolution (src/core/conv_kernels.cpp: the direct convolution of conv_tiles.h) against
# PyTorch's conv1d / conv2d on CPU, float32, one thread each, at sizes a CNN-LSTM
# forecaster and a ConvLSTM use.
#
#   Rscript inst/bench/bench-conv.R
#
# Times forward (no gradient recording) and forward+backward (gradients for the input
# and the kernel of sum(output)), best of several runs in process CPU time, runs
# inst/bench/bench_conv_torch.py (Debian's python3-torch with libopenblas0-openmp; set
# RECURRENT_PYTHON for another interpreter) on the same shapes, and prints the ratio
# torch time / our time (> 1: we are faster). Ours take channels-last inputs, torch
# its native channels-first ones.
#
# Measured 2026-12-08 with `R_LIBS=<lib> Rscript inst/bench/bench-conv.R` (one run) on an
# "AMD EPYC" (/proc/cpuinfo; its flags include avx512f and avx512_vp2intersect, as on
# Zen 5; 2 vCPUs of a VM shared with other jobs), our kernels at the avx512 level, one
# thread; torch 1.13.0a0 (Debian python3-torch 1.13.1) with
# torch.set_num_threads(1), OpenBLAS 0.3.21 (libopenblas0-openmp) as libblas.so.3 and
# oneDNN 2.6 (libdnnl), which runs its convolutions (torch's profiler shows
# aten::mkldnn_convolution):
#
#   shape                          ours fwd  fwd+bwd (ms)   torch fwd  fwd+bwd   ratio fwd  fwd+bwd
#   1D B32 S64 C1 F16 K3 same        0.0117   0.0664           0.0254    0.205        2.17     3.09
#   1D B32 S128 C8 F32 K3 same       0.0469   0.281            1.18      2.59        25.2      9.21
#   1D B64 S256 C32 F64 K5 valid     1.63     6.00            15.3      24.8          9.39     4.13
#   2D B160 S16 C1 F64 K3 same       0.500    3.25            55.6      28.3        111        8.71
#   2D B16 S16 C16 F64 K3 same       0.406    1.39             0.502     1.62         1.23     1.17
#   2D B8 S32 C32 F128 K3 same       3.13    10.4              3.18     10.7          1.02     1.03
#   2D B64 S32 C3 F32 K3 valid       0.500    4.00             0.784     7.00         1.57     1.75
#
# The machine is shared: runs minutes apart moved single ratios by about 10% (the
# 2D C32 F128 one between 1.02 and 1.16). Torch's forward without gradients took far
# longer than its forward+backward on the three shapes with ratios above 9, in every
# run. Our forward reaches about 200 GFLOP/s where the channels fill the vectors,
# some 87% of one core's 230 GFLOP/s (2 x 16 float32 FMAs a cycle).

source(if (file.exists("inst/bench/bench-helpers.R")) "inst/bench/bench-helpers.R" else
         system.file("bench", "bench-helpers.R", package = "recurrent"))

# rank, batch, length (or height = width), in channels, filters, kernel, padding
shapes <- list(
  list(1, 32, 64, 1, 16, 3, "same"),     # CNN-LSTM on a univariate series (sunspots)
  list(1, 32, 128, 8, 32, 3, "same"),    # CNN-LSTM, multivariate
  list(1, 64, 256, 32, 64, 5, "valid"),  # a deeper 1-D conv block
  list(2, 160, 16, 1, 64, 3, "same"),    # ConvLSTM input conv: 16 clips x 10 frames, 16x16, 16 filters x 4 gates
  list(2, 16, 16, 16, 64, 3, "same"),    # ConvLSTM recurrent conv per step
  list(2, 8, 32, 32, 128, 3, "same"),    # larger ConvLSTM step: 32x32 frames, 32 filters
  list(2, 64, 32, 3, 32, 3, "valid")     # CNN on frames inside time_distributed()
)

bench_ours <- function(rank, B, S, C, F, K, pad) {
  f32 <- function(dims, sd) as_tensor(array(stats::rnorm(prod(dims), sd = sd), dims), "float32")
  x <- f32(c(B, rep(S, rank), C), 1)
  w <- f32(c(rep(K, rank), C, F), 0.1)
  xv <- cpp_variable(x, "float32")
  wv <- cpp_variable(w, "float32")
  fwd <- function() op_conv(x, w, padding = pad)
  fwdbwd <- function() with_gradient_recording(gradients(op_sum(op_conv(xv, wv, padding = pad)), list(xv, wv)))
  invisible(gc())
  c(fwd = best_time(fwd), fwdbwd = best_time(fwdbwd))
}

run_torch <- function() {
  specs <- vapply(shapes, function(s) paste(unlist(s), collapse = ","), "")
  run_torch_bench("bench_conv_torch.py", c(1, specs), "^[123],",
                  c("rank", "B", "S", "C", "F", "K", "pad", "fwd_s", "fwdbwd_s"))
}

cat(sprintf("# recurrent %s, float32, one thread, kernels at level %s; CPU: %s\n",
            utils::packageVersion("recurrent"), config_cpu_features()$level, cpu_model()))
ours <- do.call(rbind, lapply(shapes, function(s) {
  t <- do.call(bench_ours, s)
  data.frame(rank = s[[1]], B = s[[2]], S = s[[3]], C = s[[4]], F = s[[5]], K = s[[6]], pad = s[[7]],
             fwd_s = t[["fwd"]], fwdbwd_s = t[["fwdbwd"]])
}))
torch <- run_torch()
cat(paste0(torch$header, "\n"), sep = "")
flops <- with(ours, 2 * B * ifelse(pad == "same", S, S - K + 1)^rank * C * F * K^rank)  # 2 x multiply-adds
tab <- data.frame(shape = with(ours, sprintf("%dD B%d S%d C%d F%d K%d %s", rank, B, S, C, F, K, pad)),
                  fwd_ms = 1000 * ours$fwd_s, fwd_GFLOPs = flops / ours$fwd_s / 1e9,
                  fwdbwd_ms = 1000 * ours$fwdbwd_s)
if (!is.null(torch$data)) {
  tab$torch_fwd_ms <- 1000 * torch$data$fwd_s
  tab$torch_fwdbwd_ms <- 1000 * torch$data$fwdbwd_s
  tab$ratio_fwd <- torch$data$fwd_s / ours$fwd_s
  tab$ratio_fwdbwd <- torch$data$fwdbwd_s / ours$fwdbwd_s
}
options(width = 200)
print(format(tab, digits = 3), row.names = FALSE)
