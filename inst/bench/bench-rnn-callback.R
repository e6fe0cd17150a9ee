# Cost per timestep of a recurrent cell written in R (keras3's MinimalRNNCell) run by
# layer_rnn()'s C++ loop, next to (a) the same cell with R called at every timestep
# (options(recurrent.replay_cells = FALSE)), (b) the loop calling an R step that does
# no work, also at every timestep: the cost of the callback itself, and (c) the same
# step in C++ (the fused SimpleRNN kernel with a linear activation and no bias computes
# exactly x W + h U); then forward + backward of the R cell and of the C++ step. By
# default the loop calls the cell in R for timesteps 1-3 and replays the ops it
# recorded for the rest (src/core/rnn/replay.h). float32, batch 32, 5 features, 32
# units, 1000 timesteps; median CPU time of several runs, all in one process.
#
#   Rscript inst/bench/bench-rnn-callback.R [repetitions]
#
# Timings on a shared machine drift (here by 1.5x within minutes): compare builds by
# alternating runs, and count instructions, which do not drift. With a case name the
# script runs that case `repetitions` times after one warm-up call, untimed, for
# callgrind (valgrind 3.19 cannot run AVX-512 code: build with RECURRENT_PORTABLE=1).
# Counting inside the loop's entry point and zeroing at each entry keeps the last call:
#
#   valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/tmp/cg.%p \
#     --toggle-collect=_recurrent_cpp_rnn_loop --zero-before=_recurrent_cpp_rnn_loop \
#     Rscript inst/bench/bench-rnn-callback.R 3 r_every_step
#
# and instructions per timestep = the total in the R process's (largest) output file
# / 1000 (r_cell and r_empty the same way; cpp_step with _recurrent_cpp_fused_rnn in
# both options).
#
# Where an R cell's time goes when R is called at every timestep (callgrind, about
# 110k instructions for this cell): each op ~20-27k (its R closure ~3k, .Call ~2k, the
# new tensor and its R handle ~7k, the product 2-12k); `+` adds ~12k of S3 group
# dispatch over op_add(); each `self$kernel` ~7k (S3 dispatch of `$` on the R6
# object); the loop ~15k; R's garbage collector ~16% of the time. A replayed timestep
# skips all of that: it runs the three recorded ops through std::function.
suppressPackageStartupMessages(library(recurrent))

reps <- as.integer(commandArgs(TRUE)[1])
if (is.na(reps)) reps <- 5L
only <- commandArgs(TRUE)[2]
B <- 32L; Tn <- 1000L; Fdim <- 5L; H <- 32L

# the MinimalRNNCell of the layer_rnn() documentation (repeated here: benchmarks do
# not load test helpers)
rnn_cell_minimal <- Layer(
  "MinimalRNNCell",
  initialize = function(units, ...) {
    super$initialize(...)
    self$units <- as.integer(units)
    self$state_size <- as.integer(units)
  },
  build = function(input_shape) {
    self$kernel <- self$add_weight(shape = shape(tail(input_shape, 1), self$units),
                                   initializer = "uniform", name = "kernel")
    self$recurrent_kernel <- self$add_weight(shape = shape(self$units, self$units),
                                             initializer = "uniform", name = "recurrent_kernel")
  },
  call = function(inputs, states) {
    prev_output <- states[[1]]
    h <- op_matmul(inputs, self$kernel)
    output <- h + op_matmul(prev_output, self$recurrent_kernel)
    list(output, list(output))
  }
)

# a cell whose step does nothing: what the loop and the R call cost by themselves
rnn_cell_empty <- Layer(
  "EmptyCell",
  initialize = function(units, ...) {
    super$initialize(...)
    self$state_size <- as.integer(units)
  },
  call = function(inputs, states) list(states[[1]], states)
)

set.seed(1)
x <- op_convert_to_tensor(array(runif(B * Tn * Fdim), c(B, Tn, Fdim)))
minimal <- layer_rnn(cell = rnn_cell_minimal(units = H))
empty <- layer_rnn(cell = rnn_cell_empty(units = H))
# the C++ step uses the weights that the R cell's first call makes
fused <- function() {
  cell <- minimal$cell
  recurrent:::fused_rnn("simple", x, NULL, cell$kernel, cell$recurrent_kernel, activation = NULL)
}
every_step <- function(f) function() {
  old <- options(recurrent.replay_cells = FALSE)
  on.exit(options(old))
  f()
}
# a training step's forward and backward: gradients of sum(output) for the two weights
train <- function(forward) function() {
  loss <- recurrent:::with_gradient_recording(op_sum(forward()))
  recurrent:::gradients(loss, list(minimal$cell$kernel, minimal$cell$recurrent_kernel))
}
timed <- list(r_cell = function() minimal(x), r_every_step = every_step(function() minimal(x)),
              r_empty = every_step(function() empty(x)), cpp_step = fused,
              r_cell_train = train(function() minimal(x)), cpp_step_train = train(function() fused()[[1]]))
if (!is.na(only)) {
  # for callgrind: one warm-up call and `repetitions` calls of one case, untimed
  if (only == "cpp_step") invisible(minimal(x))
  for (i in seq_len(reps + 1)) invisible(timed[[only]]())
  quit(save = "no")
}
for (f in timed) invisible(f())  # warm-up, in this order

cpu_seconds <- function(f) {
  t <- system.time(f())
  t[["user.self"]] + t[["sys.self"]]
}

# CPU time of this process (steadier than wall time on a shared machine). The clock
# counts milliseconds, so each sample repeats a call until it lasts about 0.2 s; the
# cases take turns within each repetition, so a change of load hits them alike.
calls <- vapply(timed, function(f) max(1, ceiling(0.2 / max(cpu_seconds(f), 1e-3))), 0)
samples <- matrix(NA_real_, reps, length(timed), dimnames = list(NULL, names(timed)))
for (i in seq_len(reps)) {
  for (k in names(timed)) {
    f <- timed[[k]]
    gc(FALSE)
    samples[i, k] <- cpu_seconds(function() for (j in seq_len(calls[[k]])) f()) / calls[[k]]
  }
}
us <- apply(samples, 2, median) / Tn * 1e6

# the paths compute the same thing
stopifnot(isTRUE(all.equal(as.array(minimal(x)), as.array(fused()[[1]]), tolerance = 1e-4)),
          isTRUE(all.equal(as.array(minimal(x)), as.array(timed$r_every_step()), tolerance = 1e-6)))

cat(sprintf("batch %d, features %d, units %d, %d timesteps, median of %d runs\n", B, Fdim, H, Tn, reps))
cat(sprintf("%-52s %8.2f us/timestep\n", "MinimalRNNCell written in R (replayed after step 3)", us[["r_cell"]]))
cat(sprintf("%-52s %8.2f us/timestep\n", "MinimalRNNCell, R called at every timestep", us[["r_every_step"]]))
cat(sprintf("%-52s %8.2f us/timestep\n", "empty R cell at every timestep (callback cost)", us[["r_empty"]]))
cat(sprintf("%-52s %8.2f us/timestep\n", "same step in C++ (fused kernel)", us[["cpp_step"]]))
cat(sprintf("R cell / C++ step: %.2fx (R called at every timestep: %.1fx)\n",
            us[["r_cell"]] / us[["cpp_step"]], us[["r_every_step"]] / us[["cpp_step"]]))
cat("forward + backward (gradients of sum(output) for both weights):\n")
cat(sprintf("%-52s %8.2f us/timestep\n", "MinimalRNNCell written in R", us[["r_cell_train"]]))
cat(sprintf("%-52s %8.2f us/timestep\n", "same step in C++ (fused kernel, hand-written BPTT)", us[["cpp_step_train"]]))
