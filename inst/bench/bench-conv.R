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
