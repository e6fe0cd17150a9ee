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
# best process CPU time of several runs, and prints the ratios per-step / fused and
# torch / fused (> 1: the fused path is faster). The per-step path is what a layer with
# activations given as R functions runs; the numbers are the same. PyTorch runs when
# RECURRENT_PYTHON (default /usr/bin/python3) imports torch.

suppressPackageStartupMessages(library(recurrent))
cpp_variable <- utils::getFromNamespace("cpp_variable", "recurrent")
with_gradient_recording <- utils::getFromNamespace("with_gradient_recording", "recurrent")
gradients <- utils::getFromNamespace("gradients", "recurrent")

args <- commandArgs(trailingOnly = TRUE)
shapes <- lapply(strsplit(if (length(args)) args else c("8,10,16,1,16,3", "24,5,8,1,8,3"), ","), as.integer)

# The best per-call CPU time: calls repeat until a measurement lasts 50 ms (timer
# resolution), then the best of `reps` such measurements, each after a garbage
# collection (R frees tensors only then: without it, whichever path runs first pays
# for fresh memory).
cpu_seconds <- function(fn, reps = 7) {
  fn()
  cpu <- function(n) {
    t <- system.time(for (i in seq_len(n)) fn(), gcFirst = TRUE)
    t[["user.self"]] + t[["sys.self"]]
  }
  n <- 1
  while (cpu(n) < 0.05) n <- n * 2
  min(vapply(seq_len(reps), function(i) cpu(n), 1)) / n
}

bench_layer <- function(B, T, S, C, F, K, fused) {
  acts <- if (fused) list("tanh", "sigmoid") else list(function(v) activation_tanh(v), function(v) activation_sigmoid(v))
  layer <- layer_conv_lstm_2d(filters = F, kernel_size = K, padding = "same", return_sequences = TRUE,
                              activation = acts[[1]], recurrent_activation = acts[[2]])
  set.seed(1)
  x <- as_tensor(array(stats::rnorm(B * T * S * S * C), c(B, T, S, S, C)), "float32")
  layer(x)
  xv <- cpp_variable(x, "float32")
  fwd <- function() layer(x)
  fwdbwd <- function() with_gradient_recording(gradients(op_sum(layer(xv)), c(list(xv), layer$weights)))
  invisible(gc())
  c(fwd = cpu_seconds(fwd), fwdbwd = cpu_seconds(fwdbwd))
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
  fused <- do.call(bench_layer, c(as.list(s), fused = TRUE))
  steps <- do.call(bench_layer, c(as.list(s), fused = FALSE))
  data.frame(shape = do.call(sprintf, c("B%d T%d %dx%d C%d F%d K%d", as.list(s[c(1:3, 3:6)]))),
             fused_fwd_ms = 1000 * fused[["fwd"]], steps_fwd_ms = 1000 * steps[["fwd"]],
             fused_fwdbwd_ms = 1000 * fused[["fwdbwd"]], steps_fwdbwd_ms = 1000 * steps[["fwdbwd"]],
             ratio_fwd = steps[["fwd"]] / fused[["fwd"]], ratio_fwdbwd = steps[["fwdbwd"]] / fused[["fwdbwd"]])
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
