# layer_lstm() with 1 and 2 kernel threads (config_set_num_threads()), float32:
# batch 64, 100 timesteps, 128 features, 256 units, return_sequences = TRUE.
#
#   Rscript inst/bench/bench-threads.R [reps]
#
# Times a forward call and a forward + backward (gradients of sum(output) for the
# input and the layer's weights) with 1 and 2 threads, interleaved (1, 2, 1, 2, ...)
# so that a change in the machine's load hits both settings alike, and prints the
# median wall (elapsed) and CPU (user + system, all threads of the process) time of
# each, and the ratios 1-thread / 2-thread (> 1: two threads are faster).
# The machine this was written on is shared with other work and has 2 cores: a second
# thread only helps when a core is idle, so the script prints uptime's load average
# before and after; read the ratios with it.

suppressPackageStartupMessages(library(recurrent))
cpp_variable <- utils::getFromNamespace("cpp_variable", "recurrent")
with_gradient_recording <- utils::getFromNamespace("with_gradient_recording", "recurrent")
gradients <- utils::getFromNamespace("gradients", "recurrent")

args <- commandArgs(trailingOnly = TRUE)
reps <- if (length(args) >= 1) as.integer(args[1]) else 7L
B <- 64; T <- 100; I <- 128; H <- 256

load_avg <- function() tryCatch(system2("uptime", stdout = TRUE), error = function(e) "uptime: not available")
cat("before:", load_avg(), "\n")

config_set_floatx("float32")
set.seed(1)
x <- as_tensor(array(stats::rnorm(B * T * I), c(B, T, I)), "float32")
xv <- cpp_variable(x, "float32")
lstm <- layer_lstm(units = H, return_sequences = TRUE)
invisible(lstm(x))  # builds the weights
weights <- lapply(lstm$trainable_weights, function(v) v$handle)

fwd <- function() lstm(x)
fwdbwd <- function() {
  with_gradient_recording({
    out <- lstm(xv)
    gradients(op_sum(out), c(list(xv), weights))
  })
}

measure <- function(fn) {
  invisible(gc())
  p0 <- proc.time()
  fn()
  p1 <- proc.time() - p0
  c(wall = p1[["elapsed"]], cpu = p1[["user.self"]] + p1[["sys.self"]])
}

results <- list()
for (what in c("forward", "forward+backward")) {
  fn <- if (what == "forward") fwd else fwdbwd
  for (n in 1:2) { config_set_num_threads(n); fn() }  # warm-up (and the pool's threads start)
  times <- list(`1` = NULL, `2` = NULL)
  for (r in seq_len(reps)) {
    for (n in 1:2) {
      config_set_num_threads(n)
      times[[as.character(n)]] <- rbind(times[[as.character(n)]], measure(fn))
    }
  }
  config_set_num_threads(1)
  med <- lapply(times, function(m) apply(m, 2, stats::median))
  results[[what]] <- med
  cat(sprintf("%-17s 1 thread: wall %.3f s, cpu %.3f s | 2 threads: wall %.3f s, cpu %.3f s | wall ratio (1/2) %.2f, cpu ratio (2/1) %.2f\n",
              what, med$`1`[["wall"]], med$`1`[["cpu"]], med$`2`[["wall"]], med$`2`[["cpu"]],
              med$`1`[["wall"]] / med$`2`[["wall"]], med$`2`[["cpu"]] / med$`1`[["cpu"]]))
}
cat(sprintf("median of %d interleaved runs each\n", reps))
cat("after: ", load_avg(), "\n")
