# One process's share of bench-dispatch.R: times a fixed set of float32 workloads with
# the recurrent found first in .libPaths() (at the level RECURRENT_CPU_LEVEL allows) and
# prints "workload|seconds" lines: per-call process CPU time, the median of at least 5
# batches of calls, each batch after a garbage collection.
#
# Why the collection: R frees tensors only when it collects, so a loop of calls runs on
# fresh memory until then, and every fresh page costs a page fault (about 10 us on a
# virtual machine: most of a small LSTM's forward and backward pass). How many a batch
# meets depends on the allocator's state, not on the kernels; collecting first (and
# bench-dispatch.R's MALLOC_* settings, which keep freed memory mapped) gives every
# configuration the same, fault-free start, so the times compare the kernels.
suppressPackageStartupMessages(library(recurrent))
ns <- asNamespace("recurrent")
fused_rnn <- get("fused_rnn", ns)
cpp_variable <- get("cpp_variable", ns)
with_gradient_recording <- get("with_gradient_recording", ns)
gradients <- get("gradients", ns)
budget <- as.numeric(Sys.getenv("BENCH_SECONDS", "0.3"))

cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
call_time <- function(fn) {
  fn()
  n <- 1
  repeat {
    t0 <- cpu(); for (i in seq_len(n)) fn(); el <- cpu() - t0
    if (el >= 0.05) break
    n <- n * 2
  }
  times <- el / n; total <- el
  while (length(times) < 5 || total < budget) {
    invisible(gc())
    t0 <- cpu(); for (i in seq_len(n)) fn(); el <- cpu() - t0
    times <- c(times, el / n); total <- total + el
  }
  stats::median(times)
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
  "LSTM fwd (32,100,32,64)" = rnn_case("lstm", 32, 100, 32, 64, FALSE),
  "LSTM fwd+bwd (32,50,32,64)" = rnn_case("lstm", 32, 50, 32, 64, TRUE),
  "LSTM fwd+bwd (64,50,64,256)" = rnn_case("lstm", 64, 50, 64, 256, TRUE),
  "GRU fwd (64,100,128,256)" = rnn_case("gru", 64, 100, 128, 256, FALSE),
  "GRU fwd (32,100,32,64)" = rnn_case("gru", 32, 100, 32, 64, FALSE),
  "GRU fwd+bwd (32,50,32,64)" = rnn_case("gru", 32, 50, 32, 64, TRUE),
  "GRU fwd+bwd (64,50,64,256)" = rnn_case("gru", 64, 50, 64, 256, TRUE),
  "SimpleRNN fwd (1,1000,64,128)" = rnn_case("simple", 1, 1000, 64, 128, FALSE)
)
for (name in names(work)) {
  invisible(gc())
  cat(sprintf("%s|%.6g\n", name, call_time(work[[name]])))
}
