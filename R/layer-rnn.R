# The recurrent layer: argument checks, initial and stateful states, masks and the
# shape of what it returns. It never computes a step itself: built-in cells run as
# fused C++ kernels (rnn-fused.R), any other cell through the C++ loop that calls
# the cell's call() once per timestep.

RNN <- R6::R6Class("RNN",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    cell = NULL,
    return_sequences = FALSE,
    return_state = FALSE,
    go_backwards = FALSE,
    stateful = FALSE,
    unroll = FALSE,
    zero_output_for_mask = FALSE,

    initialize = function(cell, return_sequences = FALSE, return_state = FALSE, go_backwards = FALSE,
                          stateful = FALSE, unroll = FALSE, zero_output_for_mask = FALSE, ...) {
      super$initialize(...)
      if (is.list(cell) && !is_layer(cell)) cell <- rnn_cells_stack(cell)
      cell <- unwrap_layer(cell, arg = "cell", call = NULL)
      if (!is.function(cell$call) || is.null(cell$state_size))
        cli::cli_abort(c("{.arg cell} must be a recurrent cell: a layer with a {.fn call} method and a {.field state_size}.",
                         x = "{.cls {class(cell)[1]}} has no {.field state_size}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      check_state_size(cell, call = NULL)
      self$cell <- cell
      adopt_dtype(self, cell)
      check_float_dtype(self)
      share_dtype(self, cell)
      for (nm in c("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"))
        self[[nm]] <- check_flag(get(nm), nm, call = NULL)
      private$.supports_masking <- TRUE
    },

    build = function(sequences_shape) {
      s <- sequences_shape
      if (length(s) && is.list(s[[1]]))
        recurrent_abort(c("Layer {.val {self$name}} takes one sequence tensor; nested inputs (a list of sequences) are not supported.",
                          x = "Got a list of {length(s)} input{?s}.",
                          i = "Concatenate the sequences' features with {.fn layer_concatenate} first, if they share a time axis."),
                        class = "recurrent_error_shape", call = NULL)
      if (length(s) != 3)
        cli::cli_abort(c("{.arg sequences} given to layer {.val {self$name}} must be 3-D: (batch, timesteps, features).",
                         x = "Got shape {format_shape_list(s)}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      if (self$unroll && is.null(s[[2]]))
        cli::cli_abort(c("Cannot unroll a recurrent layer when the number of timesteps is unknown.",
                         x = "{.val {self$name}} got input shape {format_shape_list(s)}.",
                         i = "Give the input a fixed number of timesteps, e.g. {.code keras_input(shape = c(10, 8))}, or use {.code unroll = FALSE}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      if (self$stateful && is.null(s[[1]]))
        cli::cli_abort(c("A stateful recurrent layer needs a fixed batch size.",
                         x = "{.val {self$name}} got input shape {format_shape_list(s)} with an unknown batch size.",
                         i = "Set it with {.code keras_input(batch_shape = ...)} or {.code keras_model_sequential(input_batch_shape = ...)}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      build_cell(self$cell, list(s[[1]], s[[3]]))
      if (self$stateful) private$.states <- cell_initial_states(self$cell, s[[1]], self$dtype)
    },

    call = function(sequences, initial_state = NULL, mask = NULL, training = FALSE, constants = NULL) {
      d <- cpp_shape(sequences)
      if (length(d) != 3)
        cli::cli_abort(c("{.arg sequences} given to layer {.val {self$name}} must be 3-D: (batch, timesteps, features).",
                         x = "Got shape ({paste(d, collapse = ', ')})."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      if (d[2] == 0L)
        recurrent_abort(c("{.arg sequences} given to layer {.val {self$name}} must have at least one timestep.",
                          x = "Got shape ({paste(d, collapse = ', ')})."), class = "recurrent_error_shape", call = NULL)
      # integer and logical sequences compute in the layer's dtype, as Keras's ops promote them
      if (!cpp_dtype(sequences) %in% c("float32", "float64")) sequences <- op_cast(sequences, self$dtype)
      batch <- d[1]
      sizes <- flat_state_sizes(self$cell$state_size)
      if (!is.null(mask)) mask <- check_rnn_mask(mask, batch, d[2])
      states <- if (!is.null(initial_state)) {
        check_given_states(initial_state, sizes, batch, self$dtype, call = NULL)
      } else if (self$stateful) {
        if (is.null(private$.states)) private$.states <- cell_initial_states(self$cell, batch, self$dtype)
        held <- cpp_shape(private$.states[[1]])[1]
        if (held != batch)
          cli::cli_abort(c("A stateful recurrent layer must be fed batches of the size its states were made for.",
                           x = "{.val {self$name}} holds states for batch size {held} but got a batch of {batch}.",
                           i = "Feed batches of {held} samples, or call {.code reset_state()} after rebuilding."),
                         class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
        private$.states
      } else {
        cell_initial_states(self$cell, batch, self$dtype)
      }
      res <- run_recurrence(self, sequences, states, mask, training, constants)
      if (self$stateful) private$.states <- lapply(res$states, cpp_detach)
      output <- res$output
      if (!self$return_state) return(output)
      c(list(output), returned_states(self$cell, res$states))
    },

    compute_output_shape = function(sequences_shape, ...) {
      s <- sequences_shape
      out <- cell_output_size(self$cell)
      o <- if (self$return_sequences) list(s[[1]], s[[2]], out) else list(s[[1]], out)
      if (!self$return_state) return(o)
      c(list(o), lapply(flat_state_sizes(self$cell$state_size), function(n) list(s[[1]], n)))
    },

    compute_mask = function(inputs, mask = NULL) {
      if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
      out_mask <- if (self$return_sequences) mask else NULL
      if (!self$return_state) return(out_mask)
      c(list(out_mask), rep(list(NULL), length(flat_state_sizes(self$cell$state_size))))
    },

    reset_state = function(states = NULL) {
      if (!self$stateful) return(invisible(self))
      if (is.null(private$.states) && is.null(states)) return(invisible(self))
      batch <- if (!is.null(private$.states)) cpp_shape(private$.states[[1]])[1] else NA_integer_
      sizes <- flat_state_sizes(self$cell$state_size)
      private$.states <- if (is.null(states)) {
        lapply(sizes, function(n) cpp_zeros(c(batch, n), self$dtype))
      } else {
        lapply(check_given_states(states, sizes, batch, self$dtype, arg = "initial_state", call = NULL), cpp_clone)
      }
      invisible(self)
    },
    reset_states = function(states = NULL) self$reset_state(states),

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(return_sequences = self$return_sequences, return_state = self$return_state,
             go_backwards = self$go_backwards, stateful = self$stateful, unroll = self$unroll,
             zero_output_for_mask = self$zero_output_for_mask, cell = self$cell$get_config()))
    }
  ),
  active = list(
    states = function() if (self$stateful) private$.states else NULL,
    units = function() self$cell$units
  ),
  private = list(.states = NULL, .s3_class = "keras.src.layers.rnn.rnn.RNN",
                 convert_inputs = function(x) rnn_convert_inputs(x, self$dtype))
)

format_shape_list <- function(s) {
  paste0("(", paste(vapply(s, function(d) if (is.null(d)) "None" else as.character(d), ""), collapse = ", "), ")")
}

check_rnn_mask <- function(mask, batch, steps) {
  if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
  if (is.null(mask)) return(NULL)
  m <- as_mask_tensor(mask)
  d <- cpp_shape(m)
  if (length(d) != 2 || d[1] != batch || d[2] != steps)
    cli::cli_abort(c("{.arg mask} must have shape ({batch}, {steps}): one entry per sample and timestep.",
                     x = "Got shape ({paste(d, collapse = ', ')})."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  m
}

# Pick the loop: a fused kernel when every cell is built in, else the C++ loop that
# calls the cell's call() once per timestep.
run_recurrence <- function(layer, sequences, states, mask, training, constants) {
  fused <- fused_recurrence(layer, sequences, states, mask, training)
  if (!is.null(fused)) return(fused)
  run_callback_loop(layer, sequences, states, mask, training, constants)
}

# Builtin cells say how to run a whole sequence; a stack is fused when all its cells are.
fused_recurrence <- function(layer, sequences, states, mask, training) {
  cell <- layer$cell
  cells <- if (is_stacked_cell(cell)) cell$cells else list(cell)
  if (!all(vapply(cells, function(c) is.function(c$fused_sequence), TRUE))) return(NULL)
  if (length(cells) == 1) {
    return(cell$fused_sequence(sequences, states, mask = mask, training = training,
                               go_backwards = layer$go_backwards, return_sequences = layer$return_sequences,
                               zero_output_for_mask = layer$zero_output_for_mask))
  }
  # A stack runs layer by layer: masked steps keep every cell's states and repeat the
  # top output, which is what the step-by-step stack does. go_backwards reverses the
  # sequence once, for all cells.
  x <- sequences
  m <- mask
  if (layer$go_backwards) {
    x <- op_flip(x, axis = 2L)
    if (!is.null(m)) m <- op_flip(m, axis = 2L)
  }
  pos <- 0L
  final <- list()
  for (i in seq_along(cells)) {
    c <- cells[[i]]
    n <- length(flat_state_sizes(c$state_size))
    last <- i == length(cells)
    res <- c$fused_sequence(x, states[pos + seq_len(n)], mask = m, training = training, go_backwards = FALSE,
                            return_sequences = if (last) layer$return_sequences else TRUE,
                            zero_output_for_mask = if (last) layer$zero_output_for_mask else FALSE)
    pos <- pos + n
    final <- c(final, res$states)
    x <- res$output
  }
  list(output = x, states = final)
}

run_callback_loop <- function(layer, sequences, states, mask, training, constants) {
  cell <- layer$cell
  info <- call_info(cell)
  call_fn <- cell$call
  pass_training <- info$has_training
  pass_constants <- "constants" %in% info$names && !is.null(constants)
  if (!is.null(constants) && !pass_constants && !is_stacked_cell(cell))
    cli::cli_abort(c("{.arg constants} were given but the cell's {.fn call} has no {.arg constants} argument.",
                     i = "Declare {.code call = function(inputs, states, constants)} to receive them."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  at <- new.env(parent = emptyenv())
  at$t <- NA_integer_
  # cells with dropout draw their masks at the first step and keep them for the sequence
  cells <- if (is_stacked_cell(cell)) cell$cells else list(cell)
  reset_masks <- function() for (c in cells) if (is.function(c$reset_dropout_mask)) c$reset_dropout_mask()
  reset_masks()
  on.exit(reset_masks(), add = TRUE)
  stacked <- is_stacked_cell(cell)
  # C++ calls fn(inputs, states) once per timestep and sets at$t first. In the common
  # case (one cell, no extra arguments) fn is the cell's own call(), with no R closure
  # in between; C++ takes a result list(output, list(state, ...)) of tensors as it is
  # and hands anything else to normalize() (inst/bench/bench-rnn-callback.R).
  fn <- call_fn
  if (stacked || pass_training || pass_constants) {
    fn <- function(inputs, states) {
      if (stacked) states <- nest_states(cell, states)
      if (!pass_training && !pass_constants) return(call_fn(inputs, states))
      args <- list(inputs, states)
      if (pass_training) args$training <- isTRUE(training)
      if (pass_constants) args$constants <- constants
      do.call(call_fn, args)
    }
  }
  normalize <- function(res) {
    if (!is.list(res) || length(res) != 2L || is.object(res)) check_cell_result(res)
    ns <- res[[2L]]
    if (stacked || !is.list(ns) || is.object(ns)) ns <- flatten_states(ns)
    out <- res[[1L]]
    if (!inherits(out, "recurrent_tensor")) {
      check_cell_result(res)
      if (inherits(out, "recurrent_variable")) out <- out$handle
    }
    list(out, ns)
  }
  res <- rlang::try_fetch(
    cpp_rnn_loop(fn, normalize, at, sequences, states, mask, layer$go_backwards, layer$return_sequences,
                 layer$zero_output_for_mask, replay = replay_cells()),
    error = function(cnd) {
      if (inherits(cnd, "recurrent_error_cell_result")) return(rlang::zap())
      cli::cli_abort("The cell's {.fn call} method failed at timestep {at$t} of layer {.val {layer$name}}.",
                     parent = cnd, class = c("recurrent_error_cell", "recurrent_error"), call = NULL)
    })
  list(output = res[[1]], states = res[[2]])
}

# Whether the C++ loop may replay a cell's recorded ops instead of calling it (see
# "Replay" in ?layer_rnn): options(recurrent.replay_cells = FALSE) calls the cell at
# every timestep.
replay_cells <- function() {
  check_flag(getOption("recurrent.replay_cells", TRUE), "options(recurrent.replay_cells)", call = NULL)
}

check_cell_result <- function(res) {
  if (!is.list(res) || is.object(res) || length(res) != 2 || !op_is_tensor(res[[1]]))
    cli::cli_abort(c("A cell's {.fn call} must return {.code list(output, new_states)}.",
                     x = "It returned {.obj_type_friendly {res}}{if (is.list(res)) paste0(' of length ', length(res)) else ''}."),
                   class = c("recurrent_error_cell_result", "recurrent_error"), call = NULL)
  invisible()
}

#' Recurrent layer for any cell
#'
#' `layer_rnn()` runs a recurrent cell over the timesteps of a sequence. The
#' cell says what happens at one timestep; the layer handles time: it takes
#' inputs of shape `(batch, timesteps, features)`, starts from initial states,
#' feeds each timestep and the current states to the cell, skips masked
#' timesteps, and returns the last output (or all of them) and, if asked, the
#' final states. Built-in cells ([rnn_cell_lstm()], [rnn_cell_gru()],
#' [rnn_cell_simple()] and stacks of them) run as one fused C++ kernel over the
#' whole sequence; a cell written in R with [Layer()] is called once per
#' timestep from a C++ loop, and its ops are recorded so that the layer
#' trains.
#'
#' @section The cell protocol:
#' A cell is a layer with
#' * a `call(inputs, states)` method: `inputs` is the timestep's input
#'   `(batch, features)`, `states` a list of the current states (always a
#'   list, even for one state); it returns `list(output, new_states)` with
#'   `new_states` a list of tensors of the same shapes (a single tensor is
#'   accepted for one state). `call` may also declare `training` and
#'   `constants` arguments;
#' * a `state_size` field: a whole number or a list of them, one per state;
#' * optionally an `output_size` field (otherwise the first state size) and a
#'   `get_initial_state(batch_size)` method (otherwise the states start as
#'   zeros of shape `(batch, state_size)`).
#'
#' The cell is built with the shape of one timestep, `list(batch, features)`.
#' A list of cells is stacked with [rnn_cells_stack()].
#'
#' @section Call arguments:
#' * `sequences`: a 3-D tensor or R array `(batch, timesteps, features)`.
#' * `initial_state`: a tensor, or a list with one tensor per state (for a
#'   stack, all states of the first cell, then the second, ...), each of shape
#'   `(batch, state_size)`.
#' * `mask`: a logical array or bool tensor `(batch, timesteps)`, `TRUE` for
#'   the timesteps to use; a numeric one (array or tensor) counts nonzero as
#'   `TRUE`, as Keras casts masks. `NA` (or `NaN`) is an error. Masks made by [layer_masking()] or
#'   `layer_embedding(mask_zero = TRUE)` arrive on their own.
#' * `training`: passed to cells whose `call()` takes it (dropout).
#' * `constants`: a tensor or list of tensors passed unchanged to every step
#'   of a cell whose `call()` takes a `constants` argument.
#'
#' @section Masking:
#' At a masked timestep the states are carried over unchanged and the output
#' repeats the previous timestep's output (zeros before the first unmasked
#' timestep), or is zeros with `zero_output_for_mask = TRUE`. With
#' `return_sequences = TRUE` the mask is passed on to the next layer.
#'
#' @section Statefulness:
#' With `stateful = TRUE` the final states of a batch become the initial
#' states of the next call, sample by sample, so a long sequence can be fed in
#' consecutive pieces. This needs a fixed batch size, given by
#' `keras_input(batch_shape = ...)` or
#' `keras_model_sequential(input_batch_shape = ...)` (or, for a layer called
#' directly, by its first input); a batch of another size is an error. Call
#' [reset_state()] between independent sequences. The states are not weights.
#'
#' @section Cells written in R run as recorded ops:
#' The loop calls a cell's `call()` in R for the first three timesteps and
#' records the ops (`op_*()`, arithmetic on tensors, built-in layers) it runs
#' at the second and third. When both recordings are the same ops on the same
#' weights and constants, the remaining timesteps run those ops in C++ without
#' calling R, several times faster (`inst/bench/bench-rnn-callback.R`), with
#' the same numbers and gradients. Keras does the same in substance: TensorFlow
#' and JAX trace a cell's `call()` once and loop over the trace.
#'
#' So R code in `call()` that is not an op (printing, counting calls, updating
#' fields of `self`) runs for three timesteps, not all of them. The loop keeps
#' calling R at every timestep when a step cannot be replayed: it copies a
#' tensor's values into R (`as.array()`, `if` on a tensor, printing), uses
#' numbers that differ between the two recorded timesteps (drawn with
#' `runif()`, or counted in R), assigns a variable, or runs an op that is not
#' recorded on the step's values. Positions a step computes (with
#' `op_argmax()`, `op_argsort()`) may feed `op_take()`, `op_take_along_axis()`,
#' `op_one_hot()` and `op_top_k()`, which record them as inputs, so a greedy
#' decoding cell replays; ops that read their index or size arguments into R
#' (`[` with a tensor index, `op_scatter()`, `op_segment_sum()`,
#' `op_slice_update()`, `op_repeat()`) keep R called when those arguments are
#' values of the step. What the loop cannot see is R code that
#' changes which ops run only after the third timestep; for such a cell, or to
#' compare, `options(recurrent.replay_cells = FALSE)` calls R at every
#' timestep.
#'
#' @param object What to compose the layer with: missing or `NULL` returns
#'   the layer; a sequential model gets the layer added (in place, returned
#'   invisibly); a symbolic input from [keras_input()] gives a symbolic
#'   output; a tensor or R array gives the computed output.
#' @param cell A cell (see the cell protocol) or a list of cells, which are
#'   stacked.
#' @param return_sequences `FALSE` (default) returns the last output
#'   `(batch, units)`; `TRUE` the output at every timestep
#'   `(batch, timesteps, units)`.
#' @param return_state `TRUE` returns `list(output, state_1, ...)`; for a
#'   stack, one entry per cell after the output.
#' @param go_backwards `TRUE` processes the sequence from its last timestep
#'   to its first, and returns sequences in that order.
#' @param stateful `TRUE` keeps the final states as the next call's initial
#'   states (see Statefulness).
#' @param unroll `TRUE` is accepted for compatibility and gives the same
#'   numbers; it needs a known number of timesteps.
#' @param zero_output_for_mask `TRUE` makes the output zero at masked
#'   timesteps instead of repeating the previous output.
#' @param ... Base layer arguments: `name`, `dtype`, `trainable`, and the
#'   legacy `input_shape`.
#' @returns See `object`.
#' @examples
#' rnn_cell_minimal <- Layer(
#'   "MinimalRNNCell",
#'   initialize = function(units, ...) {
#'     super$initialize(...)
#'     self$units <- as.integer(units)
#'     self$state_size <- as.integer(units)
#'   },
#'   build = function(input_shape) {
#'     self$kernel <- self$add_weight(
#'       shape = shape(tail(input_shape, 1), self$units),
#'       initializer = 'uniform',
#'       name = 'kernel'
#'     )
#'     self$recurrent_kernel <- self$add_weight(
#'       shape = shape(self$units, self$units),
#'       initializer = 'uniform',
#'       name = 'recurrent_kernel'
#'     )
#'   },
#'   call = function(inputs, states) {
#'     prev_output <- states[[1]]
#'     h <- op_matmul(inputs, self$kernel)
#'     output <- h + op_matmul(prev_output, self$recurrent_kernel)
#'     list(output, list(output))
#'   }
#' )
#'
#' # one cell
#' cell <- rnn_cell_minimal(units = 32)
#' x <- layer_input(shape = shape(NULL, 5))
#' layer <- layer_rnn(cell = cell)
#' y <- layer(x)
#' y
#'
#' # a stack of cells
#' cells <- list(rnn_cell_minimal(units = 32), rnn_cell_minimal(units = 4))
#' x <- layer_input(shape = shape(NULL, 5))
#' layer <- layer_rnn(cell = cells)
#' y <- layer(x)
#' y
#'
#' # eager use, with the final state
#' seqs <- array(runif(2 * 7 * 5), c(2, 7, 5))
#' c(last, state) %<-% layer_rnn(seqs, cell = rnn_cell_minimal(units = 3), return_state = TRUE)
#' dim(last)
#' @export
layer_rnn <- function(object, cell, return_sequences = FALSE, return_state = FALSE, go_backwards = FALSE,
                      stateful = FALSE, unroll = FALSE, zero_output_for_mask = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(cell))
    cli::cli_abort("{.arg cell} is missing: give a cell or a list of cells.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  create_layer(RNN, object, list(cell = cell, return_sequences = return_sequences, return_state = return_state,
                                 go_backwards = go_backwards, stateful = stateful, unroll = unroll,
                                 zero_output_for_mask = zero_output_for_mask, ...))
}

#' Reset the states of stateful recurrent layers
#'
#' For a stateful recurrent layer, `reset_state()` sets its states to zeros
#' (or to `initial_state` when given) before a new, independent sequence. For
#' a model, it resets every stateful layer in it (Keras 3 models lack this;
#' here it works as the keras3 documentation describes). Layers that are not
#' stateful are left alone.
#'
#' @param object A layer or a model.
#' @param initial_state Optional: for a single layer, a tensor or list of
#'   tensors, one per state, each `(batch, state_size)`.
#' @returns `object`, invisibly.
#' @examples
#' lstm <- layer_lstm(units = 4, stateful = TRUE)
#' x <- array(runif(2 * 3 * 5), c(2, 3, 5))
#' y1 <- lstm(x)
#' y2 <- lstm(x)           # starts from the states y1 ended with
#' reset_state(lstm)
#' y3 <- lstm(x)           # same as y1
#' all.equal(as.array(y1), as.array(y3))
#' @export
reset_state <- function(object, initial_state = NULL) {
  layer <- unwrap_layer(object)
  if (!is.null(initial_state)) {
    if (!inherits(layer, "RNN"))
      cli::cli_abort("{.arg initial_state} can only be given for a recurrent layer.",
                     class = c("recurrent_error_argument", "recurrent_error"))
    layer$reset_state(initial_state)
    return(invisible(object))
  }
  reset_all_states(layer)
  invisible(object)
}

reset_all_states <- function(layer, seen = new.env()) {
  key <- rlang::obj_address(layer)
  if (!is.null(seen[[key]])) return(invisible())
  assign(key, TRUE, envir = seen)
  if (is.function(layer$reset_state) && !inherits(layer, "Model")) layer$reset_state()
  for (child in layer_children(layer)) reset_all_states(child, seen)
  invisible()
}
