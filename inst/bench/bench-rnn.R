# Fused SimpleRNN / GRU / LSTM kernels (src/core/rnn/) against PyTorch on CPU, float32.
#
#   Rscript inst/bench/bench-rnn.R [threads] [B,T,I,H ...]
#
# Times forward (no gradient recording) and forward+backward (gradients for x and all
# weights of sum(output sequence)) for each cell and shape, as the best of several
# runs, runs inst/bench/bench_rnn_torch.py (Debian's python3-torch; set RECURRENT_PYTHON
# to another interpreter) with the same settings, and prints GFLOP/s and the ratio
# torch time / our time (> 1: we are faster). Flops: 2 B T (I + H) k H with k = 4
# (LSTM), 3 (GRU), 1 (SimpleRNN); three times that for forward+backward.
# Our kernels are single-threaded; `threads` only affects PyTorch (and its BLAS).
# Times are process CPU time with threads = 1, wall time otherwise (bench-helpers.R).

source(if (file.exists("inst/bench/bench-helpers.R")) "inst/bench/bench-helpers.R" else
         system.file("bench", "bench-helpers.R", package = "recurrent"))
fused_rnn <- utils::getFromNamespace("fused_rnn", "recurrent")

args <- commandArgs(trailingOnly = TRUE)
threads <- if (length(args) >= 1) as.integer(args[1]) else 1L
shapes <- if (length(args) >= 2) {
  lapply(strsplit(args[-1], ","), as.integer)
} else {
  list(c(32, 50, 32, 64), c(64, 100, 128, 256), c(128, 200, 256, 512), c(1, 1000, 64, 128))
}
cells <- c(lstm = 4L, gru = 3L, simple = 1L)

clock <- bench_clock(threads)

bench_ours <- function(cell, B, T, I, H) {
  k <- cells[[cell]]
  f32 <- function(dims, sd = 0.1) as_tensor(array(stats::rnorm(prod(dims), sd = sd), dims), "float32")
  x <- f32(c(B, T, I), 1)
  W <- cpp_variable(f32(c(I, k * H)), "float32")
  U <- cpp_variable(f32(c(H, k * H)), "float32")
  b <- cpp_variable(if (cell == "gru") f32(c(2, k * H)) else f32(k * H), "float32")
  xv <- cpp_variable(x, "float32")
  fwd <- function() fused_rnn(cell, x, kernel = W, recurrent_kernel = U, bias = b, return_sequences = TRUE)
  fwdbwd <- function() {
    with_gradient_recording({
      out <- fused_rnn(cell, xv, kernel = W, recurrent_kernel = U, bias = b, return_sequences = TRUE)
      gradients(op_sum(out[[1]]), list(xv, W, U, b))
    })
  }
  invisible(gc())
  c(fwd = best_time(fwd, clock), fwdbwd = best_time(fwdbwd, clock))
}

run_torch <- function() {
  run_torch_bench("bench_rnn_torch.py", c(threads, vapply(shapes, paste, character(1), collapse = ",")),
                  "^(lstm|gru|simple),", c("cell", "B", "T", "I", "H", "fwd_s", "fwdbwd_s"))
}

cat(sprintf("# recurrent %s, float32, our threads 1; torch threads %d; clock: %s\n",
            utils::packageVersion("recurrent"), threads, if (threads == 1) "process CPU time" else "wall"))
rows <- list()
for (cell in names(cells)) for (s in shapes) {
  t <- bench_ours(cell, s[1], s[2], s[3], s[4])
  rows[[length(rows) + 1]] <- data.frame(cell = cell, B = s[1], T = s[2], I = s[3], H = s[4],
                                         fwd_s = t[["fwd"]], fwdbwd_s = t[["fwdbwd"]])
  cat(sprintf("# ours %-6s (%d, %d, %d, %d): fwd %.4fs, fwd+bwd %.4fs\n", cell, s[1], s[2], s[3], s[4],
              t[["fwd"]], t[["fwdbwd"]]))
}
ours <- do.call(rbind, rows)

torch <- run_torch()
cat(paste0(torch$header, "\n"), sep = "")
flops <- with(ours, 2 * B * T * (I + H) * cells[cell] * H)
tab <- data.frame(cell = ours$cell, shape = sprintf("(%d,%d,%d,%d)", ours$B, ours$T, ours$I, ours$H),
                  fwd_ms = 1000 * ours$fwd_s, fwd_GFLOPs = flops / ours$fwd_s / 1e9,
                  fwdbwd_ms = 1000 * ours$fwdbwd_s, fwdbwd_GFLOPs = 3 * flops / ours$fwdbwd_s / 1e9)
if (!is.null(torch$data)) {
  m <- merge(ours, torch$data, by = c("cell", "B", "T", "I", "H"), suffixes = c("", "_torch"), sort = FALSE)
  m <- m[match(paste(ours$cell, ours$B, ours$T, ours$I, ours$H), paste(m$cell, m$B, m$T, m$I, m$H)), ]
  tab$torch_fwd_ms <- 1000 * m$fwd_s_torch
  tab$torch_fwdbwd_ms <- 1000 * m$fwdbwd_s_torch
  tab$ratio_fwd <- m$fwd_s_torch / m$fwd_s
  tab$ratio_fwdbwd <- m$fwdbwd_s_torch / m$fwdbwd_s
}
options(width = 200)
print(format(tab, digits = 3), row.names = FALSE)
