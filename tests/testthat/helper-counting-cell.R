# A cell written in R that counts its calls, for the tests of how the C++ loop replays
# R cells (test-rnn-replay.R, test-ops-control-flow.R). Its weights are `kernel` and
# `recurrent_kernel`; its call() runs `step(self, inputs, h)`, which gives the new
# state (also the output), and adds one to `calls$n`.

counting_cell <- Layer("CountingCell",
  initialize = function(units, step, calls, ...) {
    super$initialize(...)
    self$units <- as.integer(units)
    self$state_size <- as.integer(units)
    self$step <- step
    self$calls <- calls
  },
  build = function(input_shape) {
    self$kernel <- self$add_weight(shape = shape(tail(input_shape, 1), self$units), name = "kernel")
    self$recurrent_kernel <- self$add_weight(shape = shape(self$units, self$units), name = "recurrent_kernel")
  },
  call = function(inputs, states) {
    self$calls$n <- self$calls$n + 1L
    h <- self$step(self, inputs, states[[1]])
    list(h, list(h))
  })

# Where a counting_cell() counts: `$n` calls so far.
new_call_counter <- function() {
  calls <- new.env()
  calls$n <- 0L
  calls
}

# layer_rnn(...) of a counting_cell() with kernel W (input_dim, units) and recurrent
# kernel U (units, units).
counting_layer <- function(step, calls, W, U, ..., batch = NULL) {
  layer <- layer_rnn(cell = counting_cell(units = ncol(W), step = step, calls = calls), ...)
  layer$build(list(batch, NULL, nrow(W)))
  layer$set_weights(list(W, U))
  layer
}
