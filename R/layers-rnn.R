# layer_simple_rnn(), layer_gru(), layer_lstm(): recurrent layers (RNN) whose cell is
# the matching built-in cell (cells.R). They run as fused C++ kernels.

check_use_cudnn <- function(use_cudnn, call = NULL) {
  ok <- (is.character(use_cudnn) && length(use_cudnn) == 1 && identical(use_cudnn, "auto")) ||
    (is.logical(use_cudnn) && length(use_cudnn) == 1 && !is.na(use_cudnn))
  if (!ok)
    cli::cli_abort(c("{.arg use_cudnn} must be {.val auto}, {.code TRUE} or {.code FALSE}.",
                     x = "Got {.obj_type_friendly {use_cudnn}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (isTRUE(use_cudnn))
    cli::cli_abort(c("{.code use_cudnn = TRUE} asks for cuDNN, which is not available here.",
                     i = "recurrent runs on the CPU (with fused C++ kernels); use {.code use_cudnn = \"auto\"} or {.code FALSE}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  use_cudnn
}

# The base-layer arguments a layer shares with its cell.
cell_base_args <- function(dots, name) {
  out <- list(name = name)
  if (!is.null(dots$dtype)) out$dtype <- dots$dtype
  if (!is.null(dots$trainable)) out$trainable <- dots$trainable
  out
}

# Behaviour common to the three layers: config = cell arguments + RNN flags.
BuiltinRNN <- R6::R6Class("BuiltinRNN",
  inherit = RNN,
  lock_objects = FALSE,
  public = list(
    use_cudnn = "auto",
    init_builtin = function(generator, cell_name, cell_args, rnn_args, use_cudnn, dots) {
      self$use_cudnn <- check_use_cudnn(use_cudnn)
      cell <- create_layer(generator, NULL, c(cell_args, cell_base_args(dots, cell_name)))
      do.call(super$initialize, c(list(cell = cell), rnn_args, dots))
    },
    get_config = function() {
      cell_cfg <- self$cell$get_config()
      cell_cfg <- cell_cfg[setdiff(names(cell_cfg), c("name", "trainable", "dtype"))]
      c(list(name = self$name, trainable = self$trainable, dtype = self$dtype),
        cell_cfg,
        list(activity_regularizer = self$activity_regularizer, return_sequences = self$return_sequences,
             return_state = self$return_state, go_backwards = self$go_backwards, stateful = self$stateful,
             unroll = self$unroll, zero_output_for_mask = self$zero_output_for_mask))
    }
  ),
  active = list(
    activation = function() self$cell$activation,
    use_bias = function() self$cell$use_bias,
    dropout = function() self$cell$dropout,
    recurrent_dropout = function() self$cell$recurrent_dropout,
    kernel_initializer = function() self$cell$kernel_initializer,
    recurrent_initializer = function() self$cell$recurrent_initializer,
    bias_initializer = function() self$cell$bias_initializer
  )
)

SimpleRNN <- R6::R6Class("SimpleRNN",
  inherit = BuiltinRNN,
  lock_objects = FALSE,
  public = list(
    initialize = function(units, activation = "tanh", use_bias = TRUE, kernel_initializer = "glorot_uniform",
                          recurrent_initializer = "orthogonal", bias_initializer = "zeros",
                          kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL,
                          activity_regularizer = NULL, kernel_constraint = NULL, recurrent_constraint = NULL,
                          bias_constraint = NULL, dropout = 0, recurrent_dropout = 0, return_sequences = FALSE,
                          return_state = FALSE, go_backwards = FALSE, stateful = FALSE, unroll = FALSE,
                          seed = NULL, ...) {
      dots <- list(...)
      self$init_builtin(SimpleRNNCell, "simple_rnn_cell",
        list(units = units, activation = activation, use_bias = use_bias, kernel_initializer = kernel_initializer,
             recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
             kernel_regularizer = kernel_regularizer, recurrent_regularizer = recurrent_regularizer,
             bias_regularizer = bias_regularizer, kernel_constraint = kernel_constraint,
             recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint, dropout = dropout,
             recurrent_dropout = recurrent_dropout, seed = seed),
        list(return_sequences = return_sequences, return_state = return_state, go_backwards = go_backwards,
             stateful = stateful, unroll = unroll, activity_regularizer = activity_regularizer),
        "auto", dots)
    }
  ),
  private = list(.s3_class = "keras.src.layers.rnn.simple_rnn.SimpleRNN")
)

GRU <- R6::R6Class("GRU",
  inherit = BuiltinRNN,
  lock_objects = FALSE,
  public = list(
    initialize = function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", kernel_regularizer = NULL, recurrent_regularizer = NULL,
                          bias_regularizer = NULL, activity_regularizer = NULL, kernel_constraint = NULL,
                          recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0,
                          recurrent_dropout = 0, seed = NULL, return_sequences = FALSE, return_state = FALSE,
                          go_backwards = FALSE, stateful = FALSE, unroll = FALSE, reset_after = TRUE,
                          use_cudnn = "auto", ...) {
      dots <- list(...)
      self$init_builtin(GRUCell, "gru_cell",
        list(units = units, activation = activation, recurrent_activation = recurrent_activation,
             use_bias = use_bias, kernel_initializer = kernel_initializer,
             recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
             kernel_regularizer = kernel_regularizer, recurrent_regularizer = recurrent_regularizer,
             bias_regularizer = bias_regularizer, kernel_constraint = kernel_constraint,
             recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint, dropout = dropout,
             recurrent_dropout = recurrent_dropout, reset_after = reset_after, seed = seed),
        list(return_sequences = return_sequences, return_state = return_state, go_backwards = go_backwards,
             stateful = stateful, unroll = unroll, activity_regularizer = activity_regularizer),
        use_cudnn, dots)
    }
  ),
  active = list(
    recurrent_activation = function() self$cell$recurrent_activation,
    reset_after = function() self$cell$reset_after
  ),
  private = list(.s3_class = "keras.src.layers.rnn.gru.GRU")
)

LSTM <- R6::R6Class("LSTM",
  inherit = BuiltinRNN,
  lock_objects = FALSE,
  public = list(
    initialize = function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                          recurrent_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
                          dropout = 0, recurrent_dropout = 0, seed = NULL, return_sequences = FALSE,
                          return_state = FALSE, go_backwards = FALSE, stateful = FALSE, unroll = FALSE,
                          use_cudnn = "auto", ...) {
      dots <- list(...)
      self$init_builtin(LSTMCell, "lstm_cell",
        list(units = units, activation = activation, recurrent_activation = recurrent_activation,
             use_bias = use_bias, kernel_initializer = kernel_initializer,
             recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
             unit_forget_bias = unit_forget_bias, kernel_regularizer = kernel_regularizer,
             recurrent_regularizer = recurrent_regularizer, bias_regularizer = bias_regularizer,
             kernel_constraint = kernel_constraint, recurrent_constraint = recurrent_constraint,
             bias_constraint = bias_constraint, dropout = dropout, recurrent_dropout = recurrent_dropout,
             seed = seed),
        list(return_sequences = return_sequences, return_state = return_state, go_backwards = go_backwards,
             stateful = stateful, unroll = unroll, activity_regularizer = activity_regularizer),
        use_cudnn, dots)
    }
  ),
  active = list(
    recurrent_activation = function() self$cell$recurrent_activation,
    unit_forget_bias = function() self$cell$unit_forget_bias
  ),
  private = list(.s3_class = "keras.src.layers.rnn.lstm.LSTM")
)

#' Simple RNN, GRU and LSTM layers
#'
#' Recurrent layers with a built-in cell: `layer_simple_rnn()` (a fully
#' connected recurrence, [rnn_cell_simple()]), `layer_gru()` (gated recurrent
#' unit, [rnn_cell_gru()]) and `layer_lstm()` (long short-term memory,
#' [rnn_cell_lstm()]). Each is `layer_rnn()` with that cell, and gives the same
#' numbers; the whole sequence runs through a fused C++ kernel (one matrix
#' product for the inputs of all timesteps, then one per step for the
#' recurrence) with a hand-written backward pass. The weights (`kernel`,
#' `recurrent_kernel`, `bias`, in that order) have Keras's shapes and gate
#' order, so [get_weights()] / [set_weights()] move them between these layers,
#' `layer_rnn()` with the same cell, and Keras.
#'
#' Inputs are `(batch, timesteps, features)`. The output is the last
#' timestep's output `(batch, units)`, or all of them `(batch, timesteps,
#' units)` with `return_sequences = TRUE`. With `return_state = TRUE` the
#' result is a list: the output, then the final states (`h` for simple RNN and
#' GRU; `h` then `c` for LSTM). Masks, `initial_state`, `go_backwards` and
#' `stateful` behave as described in [layer_rnn()].
#'
#' @section Built-in layers or cells written in R?:
#' These layers (and [layer_rnn()] with built-in cells) are the fast path.
#' A cell written with [Layer()] is the tool for a recurrence they do not
#' offer; it runs its `call()` in R at every timestep, so it is markedly
#' slower on long sequences. Activations given as R functions instead of
#' names also fall back to that per-step path.
#'
#' @param object What to compose the layer with: missing or `NULL` returns
#'   the layer; a sequential model gets the layer added (in place, returned
#'   invisibly); a symbolic tensor or an array/tensor gives the layer's
#'   output.
#' @inheritParams rnn_cells
#' @param activity_regularizer `NULL` (default) or a regularizer of the
#'   layer's output.
#' @param return_sequences `FALSE` (default) returns the last output;
#'   `TRUE` the outputs of all timesteps.
#' @param return_state `TRUE` also returns the final states, after the
#'   output, in a list.
#' @param go_backwards `TRUE` processes the sequence from its end and returns
#'   sequences in that (reversed) order.
#' @param stateful `TRUE` keeps the final states of a batch as the initial
#'   states of the next one (see [layer_rnn()] and [reset_state()]).
#' @param unroll Accepted for compatibility; the numbers are the same.
#' @param use_cudnn `"auto"` (default) or `FALSE`; there is no cuDNN here, so
#'   `TRUE` is an error.
#' @param ... Base layer arguments (`name`, `dtype`, `trainable`,
#'   `input_shape`) and `zero_output_for_mask`.
#' @returns See `object`.
#' @examples
#' x <- array(runif(4 * 10 * 3), c(4, 10, 3))
#' lstm <- layer_lstm(units = 8)
#' dim(lstm(x))
#' lstm$count_params()   # 4 * 8 * (3 + 8 + 1)
#' lengths(get_weights(lstm))
#'
#' out <- layer_gru(x, units = 5, return_sequences = TRUE, return_state = TRUE)
#' dim(out[[1]]); dim(out[[2]])
#'
#' # the same layer written as layer_rnn() with the built-in cell
#' rnn <- layer_rnn(cell = rnn_cell_lstm(units = 8))
#' y <- rnn(x)
#' set_weights(rnn, get_weights(lstm))
#' all.equal(as.array(rnn(x)), as.array(lstm(x)))
#'
#' # in a model: a sequence of monthly sunspot numbers, 12 months in, 1 out
#' s <- as.numeric(sunspot.month)[1:240] / 100
#' xs <- t(sapply(1:200, function(i) s[i:(i + 11)]))
#' dim(xs) <- c(200, 12, 1)
#' model <- keras_model_sequential(input_shape = c(12, 1)) |>
#'   layer_simple_rnn(units = 6) |>
#'   layer_dense(units = 1)
#' dim(predict(model, xs, verbose = 0))
#' @name layers_rnn_builtin
NULL

#' @rdname layers_rnn_builtin
#' @export
layer_simple_rnn <- function(object, units, activation = "tanh", use_bias = TRUE,
                             kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                             bias_initializer = "zeros", kernel_regularizer = NULL, recurrent_regularizer = NULL,
                             bias_regularizer = NULL, activity_regularizer = NULL, kernel_constraint = NULL,
                             recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0,
                             recurrent_dropout = 0, return_sequences = FALSE, return_state = FALSE,
                             go_backwards = FALSE, stateful = FALSE, unroll = FALSE, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(units)) abort_missing_units("layer_simple_rnn")
  create_layer(SimpleRNN, object, list(units = units, activation = activation, use_bias = use_bias,
    kernel_initializer = kernel_initializer, recurrent_initializer = recurrent_initializer,
    bias_initializer = bias_initializer, kernel_regularizer = kernel_regularizer,
    recurrent_regularizer = recurrent_regularizer, bias_regularizer = bias_regularizer,
    activity_regularizer = activity_regularizer, kernel_constraint = kernel_constraint,
    recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint, dropout = dropout,
    recurrent_dropout = recurrent_dropout, return_sequences = return_sequences, return_state = return_state,
    go_backwards = go_backwards, stateful = stateful, unroll = unroll, seed = seed, ...))
}
attr(layer_simple_rnn, "r6_class") <- SimpleRNN

#' @rdname layers_rnn_builtin
#' @export
layer_gru <- function(object, units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                      kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                      bias_initializer = "zeros", kernel_regularizer = NULL, recurrent_regularizer = NULL,
                      bias_regularizer = NULL, activity_regularizer = NULL, kernel_constraint = NULL,
                      recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0, recurrent_dropout = 0,
                      seed = NULL, return_sequences = FALSE, return_state = FALSE, go_backwards = FALSE,
                      stateful = FALSE, unroll = FALSE, reset_after = TRUE, use_cudnn = "auto", ...) {
  object <- if (missing(object)) NULL else object
  if (missing(units)) abort_missing_units("layer_gru")
  create_layer(GRU, object, list(units = units, activation = activation,
    recurrent_activation = recurrent_activation, use_bias = use_bias, kernel_initializer = kernel_initializer,
    recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
    kernel_regularizer = kernel_regularizer, recurrent_regularizer = recurrent_regularizer,
    bias_regularizer = bias_regularizer, activity_regularizer = activity_regularizer,
    kernel_constraint = kernel_constraint, recurrent_constraint = recurrent_constraint,
    bias_constraint = bias_constraint, dropout = dropout, recurrent_dropout = recurrent_dropout, seed = seed,
    return_sequences = return_sequences, return_state = return_state, go_backwards = go_backwards,
    stateful = stateful, unroll = unroll, reset_after = reset_after, use_cudnn = use_cudnn, ...))
}
attr(layer_gru, "r6_class") <- GRU

#' @rdname layers_rnn_builtin
#' @export
layer_lstm <- function(object, units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                       kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                       bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                       recurrent_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                       kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
                       dropout = 0, recurrent_dropout = 0, seed = NULL, return_sequences = FALSE,
                       return_state = FALSE, go_backwards = FALSE, stateful = FALSE, unroll = FALSE,
                       use_cudnn = "auto", ...) {
  object <- if (missing(object)) NULL else object
  if (missing(units)) abort_missing_units("layer_lstm")
  create_layer(LSTM, object, list(units = units, activation = activation,
    recurrent_activation = recurrent_activation, use_bias = use_bias, kernel_initializer = kernel_initializer,
    recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
    unit_forget_bias = unit_forget_bias, kernel_regularizer = kernel_regularizer,
    recurrent_regularizer = recurrent_regularizer, bias_regularizer = bias_regularizer,
    activity_regularizer = activity_regularizer, kernel_constraint = kernel_constraint,
    recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint, dropout = dropout,
    recurrent_dropout = recurrent_dropout, seed = seed, return_sequences = return_sequences,
    return_state = return_state, go_backwards = go_backwards, stateful = stateful, unroll = unroll,
    use_cudnn = use_cudnn, ...))
}
attr(layer_lstm, "r6_class") <- LSTM
