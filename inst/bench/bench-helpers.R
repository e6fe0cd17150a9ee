# What the benchmarks against PyTorch share (bench-rnn.R, bench-conv.R): the package
# and the internals they time through, the clock, best-of-several timing, the PyTorch
# script's run and the machine's CPU. Sourced by them; not a benchmark itself.

suppressPackageStartupMessages(library(recurrent))
cpp_variable <- utils::getFromNamespace("cpp_variable", "recurrent")
with_gradient_recording <- utils::getFromNamespace("with_gradient_recording", "recurrent")
gradients <- utils::getFromNamespace("gradients", "recurrent")

# A file of inst/bench/: from the source tree when run there, else the installed copy.
bench_file <- function(name) {
  path <- file.path("inst", "bench", name)
  if (file.exists(path)) path else system.file("bench", name, package = "recurrent")
}

# Process CPU time with one thread (this machine is shared: wall time would count
# other people's work), wall time with more.
bench_clock <- function(threads = 1L) {
  if (threads == 1L) function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
  else function() proc.time()[["elapsed"]]
}

# The best time per call of fn(): each measurement loops until it lasts 50 ms (the
# clock ticks in milliseconds), and measurements repeat for min_total seconds or
# max_reps times.
best_time <- function(fn, clock = bench_clock(), min_total = 1, min_reps = 3, max_reps = 30) {
  fn()  # warm-up
  n <- 1
  repeat {
    t0 <- clock()
    for (i in seq_len(n)) fn()
    el <- clock() - t0
    if (el >= 0.05) break
    n <- n * 2
  }
  times <- el / n
  total <- el
  while (length(times) < min_reps || (total < min_total && length(times) < max_reps)) {
    t0 <- clock()
    for (i in seq_len(n)) fn()
    el <- clock() - t0
    times <- c(times, el / n)
    total <- total + el
  }
  min(times)
}

# Runs a PyTorch script of inst/bench/ (Debian's python3-torch unless RECURRENT_PYTHON
# names another interpreter) and reads what it prints: header lines starting with "#"
# and CSV rows matching row_pattern, under the given column names. data is NULL when
# the script did not run.
run_torch_bench <- function(script, args, row_pattern, columns) {
  py <- Sys.getenv("RECURRENT_PYTHON", "/usr/bin/python3")
  out <- tryCatch(system2(py, c(shQuote(bench_file(script)), args), stdout = TRUE, stderr = TRUE),
                  error = function(e) character(), warning = function(w) character())
  header <- grep("^#", out, value = TRUE)
  rows <- grep(row_pattern, out, value = TRUE)
  if (!length(rows)) {
    message("PyTorch benchmark did not run (", py, "): ", paste(utils::tail(out, 3), collapse = " "))
    return(list(header = header, data = NULL))
  }
  list(header = header, data = utils::read.csv(text = c(paste(columns, collapse = ","), rows)))
}

cpu_model <- function() {
  tryCatch(sub(".*: *", "", grep("model name", readLines("/proc/cpuinfo"), value = TRUE)[1]),
           error = function(e) "unknown", warning = function(w) "unknown")
}
