# One process's share of bench-dispatch.R: times a fixed set of float32 workloads with
# the recurrent found first in .libPaths() (at the level RECURRENT_CPU_LEVEL allows) and
# prints "workload|seconds" lines (best per-call process CPU time).
suppressPackageStartupMessages(library(recurrent))
ns <- asNamespace("recurrent")
fused_rnn <- get("fused_rnn", ns)
cpp_variable <- get("cpp_variable", ns)
with_gradient_recording <- get("with_gradient_recording", ns)
gradients <- get("gradients", ns)
budget <- as.numeric(Sys.getenv("BENCH_SECONDS", "0.3"))

cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
best_time <- function(fn) {
  fn()
  n <- 1
  repeat {
    t0 <- cpu(); for (i in seq_len(n)) fn(); el <- cpu() - t0
    if (el >= 0.05) break
    n <- n * 2
  }
  times <- el / n; total <- el
  while (length(times) < 3 || total < budget) {
    t0 <- cpu(); for (i in seq_len(n)) fn(); el <- cpu() - t0
    times <- c(times, el / n); total <- total + el
  }
  min(times)
}

set.seed(1)
f32 <- function(dims, sd = 0.1) as_tensor(array(stats::rnorm(prod(dims), sd = sd), dims), "float32")
rnn_case <- function(cell, B, T, I, H, backward) {
  k <- c(lstm = 4L, gru = 3L, simple = 1L)[[cell]]
  x <- cpp_variable(f32(c(B, T, I), 1), "float32")
  W <- cpp_variable(f32(c(I, k * H)), "float32")
  U <- cpp_variable(f32(c(H, k * H)), "float32")
  b <- cpp_variable(if (cell == "gru") f32(c(2, k * H)) else f32(k * H), "float32")
  if (!backward) return(function() fused_rnn(cell, x, kernel = W, recurrent_kernel = U, bias = b, return_sequences = TRUE))
  function() with_gradient_recording({
    out <- fused_rnn(cell, x, kernel = W, recurrent_kernel = U, bias = b, return_sequences = TRUE)
    gradients(op_sum(out[[1]]), list(x, W, U, b))
  })
}
a <- f32(c(64, 256), 1); w <- f32(c(256, 1024), 1)
s1 <- f32(c(32, 32), 1); s2 <- f32(c(32, 128), 1)
v <- f32(1e6, 2)
work <- list(
  "matmul 64x256 @ 256x1024" = function() op_matmul(a, w),
  "matmul 32x32 @ 32x128 (one cell step)" = function() op_matmul(s1, s2),
  "tanh, 1e6 floats" = function() op_tanh(v),
  "LSTM fwd (64,100,128,256)" = rnn_case("lstm", 64, 100, 128, 256, FALSE),
  "LSTM fwd+bwd (32,50,32,64)" = rnn_case("lstm", 32, 50, 32, 64, TRUE),
  "GRU fwd (64,100,128,256)" = rnn_case("gru", 64, 100, 128, 256, FALSE),
  "GRU fwd+bwd (32,50,32,64)" = rnn_case("gru", 32, 50, 32, 64, TRUE),
  "SimpleRNN fwd (1,1000,64,128)" = rnn_case("simple", 1, 1000, 64, 128, FALSE)
)
for (name in names(work)) {
  invisible(gc())
  cat(sprintf("%s|%.6g\n", name, best_time(work[[name]])))
}
