# Cost per timestep of a recurrent cell written in R (keras3's MinimalRNNCell) run by
# layer_rnn()'s C++ loop, next to (a) the loop calling an R step that does no work and
# (b) the same step in C++ (the fused SimpleRNN kernel with a linear activation and no
# bias computes exactly x W + h U). Forward only, float32, batch 32, 5 features,
# 32 units, 1000 timesteps; median CPU time of several runs, all in one process.
#
#   Rscript inst/bench/bench-rnn-callback.R [repetitions]
suppressPackageStartupMessages(library(recurrent))

reps <- as.integer(commandArgs(TRUE)[1])
if (is.na(reps)) reps <- 5L
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
invisible(minimal(x)); invisible(empty(x))
W <- minimal$cell$kernel
U <- minimal$cell$recurrent_kernel
fused <- function() recurrent:::fused_rnn("simple", x, NULL, W, U, activation = NULL)
invisible(fused())

cpu_seconds <- function(f) {
  t <- system.time(f())
  t[["user.self"]] + t[["sys.self"]]
}

# CPU time of this process (steadier than wall time on a shared machine). The clock
# counts milliseconds, so each sample repeats a call until it lasts about 0.2 s; the
# three cases take turns within each repetition, so a change of load hits them alike.
timed <- list(r_cell = function() minimal(x), r_empty = function() empty(x), cpp_step = fused)
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
