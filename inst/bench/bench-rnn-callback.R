# Cost per timestep of a recurrent cell written in R (keras3's MinimalRNNCell) run by
# layer_rnn()'s C++ loop, next to (a) the loop calling an R step that does no work and
# (b) the same step in C++ (the fused SimpleRNN kernel with a linear activation and no
# bias computes exactly x W + h U). Forward only, float32, batch 32, 5 features,
# 32 units, 1000 timesteps; median CPU time of several runs, all in one process.
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
#     Rscript inst/bench/bench-rnn-callback.R 3 r_cell
#
# and instructions per timestep = the total in the R process's (largest) output file
# / 1000 (r_empty the same way; cpp_step with _recurrent_cpp_fused_rnn in both options).
#
# Where an R cell's time goes, per timestep (callgrind, about 110k instructions for
# this cell): each op ~20-27k (its R closure ~3k, .Call ~2k, the new tensor and its R
# handle ~7k, the product 2-12k); `+` adds ~12k of S3 group dispatch over op_add();
# each `self$kernel` ~7k (S3 dispatch of `$` on the R6 object); the loop ~15k.
# Allocation and R's garbage collector take a larger share of the time than of the
# instructions (GC alone ~16% of the time).
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
timed <- list(r_cell = function() minimal(x), r_empty = function() empty(x), cpp_step = fused)
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
# three cases take turns within each repetition, so a change of load hits them alike.
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
r_cell <- us[["r_cell"]]
r_empty <- us[["r_empty"]]
cpp_step <- us[["cpp_step"]]

# the two paths compute the same thing
stopifnot(isTRUE(all.equal(as.array(minimal(x)), as.array(fused()[[1]]), tolerance = 1e-4)))

cat(sprintf("batch %d, features %d, units %d, %d timesteps, median of %d runs\n", B, Fdim, H, Tn, reps))
cat(sprintf("%-40s %8.2f us/timestep\n", "MinimalRNNCell written in R", r_cell))
cat(sprintf("%-40s %8.2f us/timestep\n", "empty R cell (loop + callback cost)", r_empty))
cat(sprintf("%-40s %8.2f us/timestep\n", "same step in C++ (fused kernel)", cpp_step))
cat(sprintf("R cell / C++ step: %.1fx; callback overhead is %.0f%% of the R cell's time\n",
            r_cell / cpp_step, 100 * r_empty / r_cell))
