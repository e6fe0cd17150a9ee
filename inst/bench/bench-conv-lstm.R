# ConvLSTM2D: the fused recurrence (src/core/rnn/conv_lstm.cpp) against the per-step
# path it replaced (the cell's step() in the C++ loop, with its ops recorded and
# replayed), and against the same ConvLSTM written as a loop of torch conv2d calls
# (inst/bench/bench_conv_lstm_torch.py), on CPU in float32 with one thread.
#
#   Rscript inst/bench/bench-conv-lstm.R [B,T,S,C,F,K ...]
#
# Each shape: batch B, T frames of S x S with C channels, F filters, kernel K, padding
# "same", return_sequences = TRUE. Times forward (no gradient recording) and
# forward+backward (gradients of sum(output sequence) for the input and all weights),
# best wall time of many short runs (see race()), and prints the ratios per-step / fused and
# torch / fused (> 1: the fused path is faster). The per-step path is what a layer with
# activations given as R functions runs; the numbers are the same. PyTorch runs when
# RECURRENT_PYTHON (default /usr/bin/python3) imports torch.

suppressPackageStartupMessages(library(recurrent))
cpp_variable <- utils::getFromNamespace("cpp_variable", "recurrent")
with_gradient_recording <- utils::getFromNamespace("with_gradient_recording", "recurrent")
gradients <- utils::getFromNamespace("gradients", "recurrent")

args <- commandArgs(trailingOnly = TRUE)
shapes <- lapply(strsplit(if (length(args)) args else c("8,10,16,1,16,3", "24,5,8,1,8,3"), ","), as.integer)

# Best per-call wall times of several functions, measured in turns, each measurement
# after a garbage collection (R frees tensors only then: without it, whichever function
# runs first pays for fresh memory) and lasting about 30 ms. The minimum over many
# short measurements is what a call costs when no other process holds the core; CPU
# times are no better on a shared machine (the kernel counts them in scheduler ticks,
# and a collection falls inside some measurements and not others).
race <- function(fns, rounds = 25) {
  wall <- function(fn, n) {
    gc(verbose = FALSE)
    t0 <- Sys.time()
    for (i in seq_len(n)) fn()
    as.double(Sys.time() - t0, units = "secs") / n
  }
  calls <- vapply(fns, function(fn) max(1, round(0.03 / min(wall(fn, 1), wall(fn, 1)))), 1)
  times <- vapply(seq_len(rounds), function(r) mapply(wall, fns, calls), numeric(length(fns)))
  apply(matrix(times, length(fns)), 1, min)
}

# forward and forward+backward of a ConvLSTM2D layer, fused or per step
layer_runs <- function(B, T, S, C, F, K, fused) {
  acts <- if (fused) list("tanh", "sigmoid") else list(function(v) activation_tanh(v), function(v) activation_sigmoid(v))
  layer <- layer_conv_lstm_2d(filters = F, kernel_size = K, padding = "same", return_sequences = TRUE,
                              activation = acts[[1]], recurrent_activation = acts[[2]])
  set.seed(1)
  x <- as_tensor(array(stats::rnorm(B * T * S * S * C), c(B, T, S, S, C)), "float32")
  layer(x)
  set_weights(layer, lapply(get_weights(layer), function(w) array(stats::rnorm(length(w), sd = 0.1), dim(w))))
  xv <- cpp_variable(x, "float32")
  list(fwd = function() layer(x),
       fwdbwd = function() with_gradient_recording(gradients(op_sum(layer(xv)), c(list(xv), layer$weights))))
}

run_torch <- function() {
  py <- Sys.getenv("RECURRENT_PYTHON", "/usr/bin/python3")
  script <- file.path("inst", "bench", "bench_conv_lstm_torch.py")
  if (!file.exists(script)) script <- system.file("bench", "bench_conv_lstm_torch.py", package = "recurrent")
  specs <- vapply(shapes, paste, "", collapse = ",")
  out <- tryCatch(system2(py, c(shQuote(script), specs), stdout = TRUE, stderr = TRUE),
                  error = function(e) character(), warning = function(w) character())
  rows <- grep("^[0-9]", out, value = TRUE)
  if (!length(rows)) {
    message("PyTorch benchmark did not run (", py, "): ", paste(utils::tail(out, 3), collapse = " "))
    return(NULL)
  }
  cat(grep("^#", out, value = TRUE), sep = "\n")
  utils::read.csv(text = c("B,T,S,C,F,K,fwd_s,fwdbwd_s", rows))
}

cpu <- tryCatch(sub(".*: *", "", grep("model name", readLines("/proc/cpuinfo"), value = TRUE)[1]),
                error = function(e) "unknown")
cat(sprintf("# recurrent %s, float32, one thread; CPU: %s\n", utils::packageVersion("recurrent"), cpu))
old <- config_set_num_threads(1)
rows <- lapply(shapes, function(s) {
  fused <- do.call(layer_runs, c(as.list(s), fused = TRUE))
  steps <- do.call(layer_runs, c(as.list(s), fused = FALSE))
  t <- race(list(fused$fwd, steps$fwd, fused$fwdbwd, steps$fwdbwd))
  data.frame(shape = do.call(sprintf, c("B%d T%d %dx%d C%d F%d K%d", as.list(s[c(1:3, 3:6)]))),
             fused_fwd_ms = 1000 * t[1], steps_fwd_ms = 1000 * t[2], fused_fwdbwd_ms = 1000 * t[3],
             steps_fwdbwd_ms = 1000 * t[4], ratio_fwd = t[2] / t[1], ratio_fwdbwd = t[4] / t[3])
})
config_set_num_threads(old)
tab <- do.call(rbind, rows)
torch <- run_torch()
if (!is.null(torch)) {
  tab$torch_fwd_ms <- 1000 * torch$fwd_s
  tab$torch_fwdbwd_ms <- 1000 * torch$fwdbwd_s
  tab$torch_ratio_fwd <- torch$fwd_s / (tab$fused_fwd_ms / 1000)
  tab$torch_ratio_fwdbwd <- torch$fwdbwd_s / (tab$fused_fwdbwd_ms / 1000)
}
options(width = 250)
print(format(tab, digits = 3), row.names = FALSE)
