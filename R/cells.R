# The built-in recurrent cells: SimpleRNN, GRU and LSTM. Each cell computes one
# timestep with op_*() functions in call() (so it works alone, and inside stacks with
# cells written in R), and exposes fused_sequence() to run a whole sequence through
# the fused C++ kernel (rnn-fused.R) when its activations are names the kernel knows.
# Weights follow Keras's layout: kernel (input_dim, k * units), recurrent_kernel
# (units, k * units), bias (k * units) or (2, 3 * units) for GRU with reset_after;
# gate blocks LSTM i f c o, GRU z r h.

# ---- shared base -----------------------------------------------------------------

BuiltinCell <- R6::R6Class("BuiltinCell",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    units = NULL, activation = NULL, recurrent_activation = NULL, use_bias = TRUE,
    kernel_initializer = NULL, recurrent_initializer = NULL, bias_initializer = NULL,
    kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL,
    kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
    dropout = 0, recurrent_dropout = 0, seed = NULL,
    state_size = NULL, output_size = NULL,
    kernel = NULL, recurrent_kernel = NULL, bias = NULL,

    init_common = function(units, activation, recurrent_activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint,
                           dropout, recurrent_dropout, seed) {
      check_float_dtype(self)
      self$units <- check_count(units, "units", call = NULL, min = 1)
      # the recurrent kernel (units, k * units) is the cell's largest weight
      check_alloc_size(c(self$units, private$.gates * as.numeric(self$units)), "the recurrent kernel",
                       arg = "units", call = NULL)
      self$activation <- activation
      private$act <- resolve_activation(activation, "activation", call = NULL)
      self$recurrent_activation <- recurrent_activation
      private$rec_act <- resolve_activation(recurrent_activation, "recurrent_activation", call = NULL)
      self$use_bias <- check_flag(use_bias, call = NULL)
      set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
      set_weight_options(self, "recurrent", recurrent_initializer, recurrent_regularizer, recurrent_constraint)
      set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
      self$dropout <- check_rate(dropout, "dropout", call = NULL)
      self$recurrent_dropout <- check_rate(recurrent_dropout, "recurrent_dropout", call = NULL)
      self$seed <- check_seed(seed, "seed", call = NULL)
      self$output_size <- self$units
      private$.fusable <- fused_activation_supported(activation) &&
        (private$.kind == "simple" || fused_activation_supported(recurrent_activation))
    },

    build = function(input_shape) {
      input_dim <- input_shape[[length(input_shape)]]
      if (is.null(input_dim))
        cli::cli_abort("The last dimension of the inputs to cell {.val {self$name}} must be known.",
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      k <- private$.gates
      u <- self$units
      self$kernel <- self$add_weight(shape = c(input_dim, k * u), initializer = self$kernel_initializer,
                                     regularizer = self$kernel_regularizer, constraint = self$kernel_constraint,
                                     name = "kernel")
      self$recurrent_kernel <- self$add_weight(shape = c(u, k * u), initializer = self$recurrent_initializer,
                                               regularizer = self$recurrent_regularizer,
                                               constraint = self$recurrent_constraint, name = "recurrent_kernel")
      if (self$use_bias)
        self$bias <- self$add_weight(shape = private$bias_shape(), initializer = private$bias_init(),
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
      self$built <- TRUE
    },

    # Drop the cached dropout masks of a cell used step by step on its own.
    reset_dropout_mask = function() {
      private$.masks <- NULL
      invisible(self)
    },
    reset_recurrent_dropout_mask = function() self$reset_dropout_mask(),

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], private$cell_config())
    }
  ),
  active = list(
    # A function running a whole sequence through the fused kernel, or NULL when an
    # activation is an R function the kernel cannot run (then the layer calls call()
    # once per timestep).
    fused_sequence = function(value) {
      if (!missing(value))
        cli::cli_abort("{.field fused_sequence} is read-only.", class = c("recurrent_error_argument", "recurrent_error"),
                       call = NULL)
      if (isTRUE(private$.fusable)) private$run_fused else NULL
    }
  ),
  private = list(
    .kind = NULL, .gates = 1L, .fusable = FALSE, .masks = NULL, .draws = 0L,
    act = NULL, rec_act = NULL,
    .supports_masking = TRUE,

    bias_shape = function() private$.gates * self$units,
    bias_init = function() self$bias_initializer,
    kernel_options = function() list(activation = self$activation, recurrent_activation = self$recurrent_activation),

    cell_config = function() {
      list(units = self$units, activation = activation_name(self$activation), use_bias = self$use_bias,
           kernel_initializer = self$kernel_initializer, recurrent_initializer = self$recurrent_initializer,
           bias_initializer = self$bias_initializer, kernel_regularizer = self$kernel_regularizer,
           recurrent_regularizer = self$recurrent_regularizer, bias_regularizer = self$bias_regularizer,
           kernel_constraint = self$kernel_constraint, recurrent_constraint = self$recurrent_constraint,
           bias_constraint = self$bias_constraint, dropout = self$dropout,
           recurrent_dropout = self$recurrent_dropout, seed = self$seed)
    },

    # Uniform draws from R's RNG, or from a stream of the cell's own seed (which
    # leaves R's RNG untouched and advances with every draw).
    draw_uniform = function(n) {
      private$.draws <- private$.draws + 1L
      with_random_seed(nth_draw_seed(self$seed, private$.draws), stats::runif(n))
    },

    # Dropout masks (input, recurrent): 0 or 1 / (1 - rate), one per sample and
    # feature, the same for every timestep and gate, as Keras samples them. NULL
    # when not training or the rate is 0.
    sample_masks = function(batch, input_dim, training) {
      if (!isTRUE(training)) return(list(input = NULL, recurrent = NULL))
      one <- function(rate, dim) {
        if (!(rate > 0 && rate < 1)) return(NULL)
        keep <- private$draw_uniform(batch * dim) >= rate
        as_tensor(matrix(keep / (1 - rate), batch, dim), self$dtype)
      }
      list(input = one(self$dropout, input_dim), recurrent = one(self$recurrent_dropout, self$units))
    },

    # The masks of the per-step path: sampled at the first step and reused until
    # reset_dropout_mask(), which the recurrent layer calls before each sequence (as
    # Keras does), so that all timesteps of a sequence share them.
    step_masks = function(batch, input_dim, training) {
      if (!isTRUE(training) || (!(self$dropout > 0 && self$dropout < 1) &&
                                !(self$recurrent_dropout > 0 && self$recurrent_dropout < 1)))
        return(list(input = NULL, recurrent = NULL))
      m <- private$.masks
      if (is.null(m) || !identical(m$batch, batch)) {
        m <- c(private$sample_masks(batch, input_dim, TRUE), list(batch = batch))
        private$.masks <- m
      }
      m
    },

    run_fused = function(sequences, states, mask = NULL, training = FALSE, go_backwards = FALSE,
                         return_sequences = FALSE, zero_output_for_mask = FALSE) {
      d <- cpp_shape(sequences)
      masks <- private$sample_masks(d[1], d[3], training)
      opts <- c(private$kernel_options(),
                list(go_backwards = go_backwards, return_sequences = return_sequences,
                     zero_output_for_mask = zero_output_for_mask))
      out <- fused_rnn(private$.kind, sequences, states = states, kernel = self$kernel,
                       recurrent_kernel = self$recurrent_kernel, bias = if (self$use_bias) self$bias,
                       mask = mask, input_dropout = masks$input, recurrent_dropout = masks$recurrent,
                       options = opts)
      list(output = out[[1]], states = out[-1])
    },

    # R values become tensors of the cell's dtype; tensors of another dtype are cast.
    as_cell_tensor = function(v) {
      if (inherits(v, "recurrent_variable")) v <- v$handle
      if (!inherits(v, "recurrent_tensor")) return(as_tensor(v, self$dtype))
      if (cpp_dtype(v) != self$dtype) op_cast(v, self$dtype) else v
    },

    # Inputs and states of one step, with dropout applied.
    step_inputs = function(inputs, states, training) {
      if (op_is_tensor(states) || !is.list(states)) states <- list(states)
      x <- private$as_cell_tensor(inputs)
      d <- cpp_shape(x)
      states <- lapply(states, private$as_cell_tensor)
      h <- states[[1]]
      m <- private$step_masks(d[1], d[length(d)], training)
      if (!is.null(m$input)) x <- op_multiply(x, m$input)
      h_in <- if (!is.null(m$recurrent)) op_multiply(h, m$recurrent) else h
      list(x = x, h = h, h_in = h_in, states = states)
    }
  )
)


# ---- SimpleRNN ----------------------------------------------------------------

SimpleRNNCell <- R6::R6Class("SimpleRNNCell",
  inherit = BuiltinCell,
  lock_objects = FALSE,
  public = list(
    initialize = function(units, activation = "tanh", use_bias = TRUE, kernel_initializer = "glorot_uniform",
                          recurrent_initializer = "orthogonal", bias_initializer = "zeros",
                          kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL,
                          kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
                          dropout = 0, recurrent_dropout = 0, seed = NULL, ...) {
      super$initialize(...)
      private$.kind <- "simple"
      private$.gates <- 1L
      self$init_common(units, activation, NULL, use_bias, kernel_initializer, recurrent_initializer,
                       bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                       kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed)
      self$state_size <- self$units
    },
    call = function(inputs, states, training = FALSE) {
      s <- private$step_inputs(inputs, states, training)
      z <- op_add(op_matmul(s$x, self$kernel), op_matmul(s$h_in, self$recurrent_kernel))
      if (self$use_bias) z <- op_add(z, self$bias)
      h <- private$act(z)
      list(h, list(h))
    }
  ),
  private = list(
    kernel_options = function() list(activation = self$activation),
    .s3_class = "keras.src.layers.rnn.simple_rnn.SimpleRNNCell"
  )
)

# ---- GRU --------------------------------------------------------------------------

GRUCell <- R6::R6Class("GRUCell",
  inherit = BuiltinCell,
  lock_objects = FALSE,
  public = list(
    reset_after = TRUE,
    initialize = function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", kernel_regularizer = NULL, recurrent_regularizer = NULL,
                          bias_regularizer = NULL, kernel_constraint = NULL, recurrent_constraint = NULL,
                          bias_constraint = NULL, dropout = 0, recurrent_dropout = 0, reset_after = TRUE,
                          seed = NULL, ...) {
      super$initialize(...)
      private$.kind <- "gru"
      private$.gates <- 3L
      self$init_common(units, activation, recurrent_activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                       bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                       recurrent_dropout, seed)
      self$reset_after <- check_flag(reset_after, call = NULL)
      self$state_size <- self$units
    },
    call = function(inputs, states, training = FALSE) {
      s <- private$step_inputs(inputs, states, training)
      xw <- op_matmul(s$x, self$kernel)
      b_in <- b_rec <- NULL
      if (self$use_bias) {
        if (self$reset_after) {
          bb <- op_split(self$bias, 2L, axis = 1L)
          b_in <- bb[[1]]
          b_rec <- bb[[2]]
        } else {
          b_in <- self$bias
        }
      }
      if (!is.null(b_in)) xw <- op_add(xw, b_in)
      xs <- op_split(xw, 3L, axis = -1L)
      if (self$reset_after) {
        inner <- op_matmul(s$h_in, self$recurrent_kernel)
        if (!is.null(b_rec)) inner <- op_add(inner, b_rec)
        rs <- op_split(inner, 3L, axis = -1L)
        z <- private$rec_act(op_add(xs[[1]], rs[[1]]))
        r <- private$rec_act(op_add(xs[[2]], rs[[2]]))
        hh <- private$act(op_add(xs[[3]], op_multiply(r, rs[[3]])))
      } else {
        u <- self$units
        rk <- op_split(self$recurrent_kernel, 3L, axis = -1L)
        z <- private$rec_act(op_add(xs[[1]], op_matmul(s$h_in, rk[[1]])))
        r <- private$rec_act(op_add(xs[[2]], op_matmul(s$h_in, rk[[2]])))
        hh <- private$act(op_add(xs[[3]], op_matmul(op_multiply(r, s$h_in), rk[[3]])))
      }
      h <- op_add(op_multiply(z, s$h), op_multiply(op_subtract(1, z), hh))
      list(h, list(h))
    }
  ),
  private = list(
    bias_shape = function() if (self$reset_after) c(2L, 3L * self$units) else 3L * self$units,
    kernel_options = function() list(activation = self$activation, recurrent_activation = self$recurrent_activation,
                                     reset_after = self$reset_after),
    cell_config = function() {
      cfg <- super$cell_config()
      c(cfg[1:2], list(recurrent_activation = activation_name(self$recurrent_activation)), cfg[-(1:2)],
        list(reset_after = self$reset_after))
    },
    .s3_class = "keras.src.layers.rnn.gru.GRUCell"
  )
)

# ---- LSTM -------------------------------------------------------------------------

LSTMCell <- R6::R6Class("LSTMCell",
  inherit = BuiltinCell,
  lock_objects = FALSE,
  public = list(
    unit_forget_bias = TRUE,
    initialize = function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                          recurrent_regularizer = NULL, bias_regularizer = NULL, kernel_constraint = NULL,
                          recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0,
                          recurrent_dropout = 0, seed = NULL, ...) {
      super$initialize(...)
      private$.kind <- "lstm"
      private$.gates <- 4L
      self$init_common(units, activation, recurrent_activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                       bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                       recurrent_dropout, seed)
      self$unit_forget_bias <- check_flag(unit_forget_bias, call = NULL)
      self$state_size <- list(self$units, self$units)
    },
    call = function(inputs, states, training = FALSE) {
      s <- private$step_inputs(inputs, states, training)
      c_prev <- s$states[[2]]
      z <- op_add(op_matmul(s$x, self$kernel), op_matmul(s$h_in, self$recurrent_kernel))
      if (self$use_bias) z <- op_add(z, self$bias)
      g <- op_split(z, 4L, axis = -1L)
      i <- private$rec_act(g[[1]])
      f <- private$rec_act(g[[2]])
      c_new <- op_add(op_multiply(f, c_prev), op_multiply(i, private$act(g[[3]])))
      o <- private$rec_act(g[[4]])
      h <- op_multiply(o, private$act(c_new))
      list(h, list(h, c_new))
    }
  ),
  private = list(
    # unit_forget_bias: the forget gate's bias starts at one, the others from
    # bias_initializer.
    bias_init = function() {
      if (!self$unit_forget_bias) return(self$bias_initializer)
      init <- self$bias_initializer
      u <- self$units
      function(shape, dtype = NULL) {
        op_concatenate(list(init(u, dtype), op_ones(u, dtype), init(2L * u, dtype)), axis = -1L)
      }
    },
    cell_config = function() {
      cfg <- super$cell_config()
      c(cfg[1:2], list(recurrent_activation = activation_name(self$recurrent_activation)), cfg[3:6],
        list(unit_forget_bias = self$unit_forget_bias), cfg[-(1:6)])
    },
    .s3_class = "keras.src.layers.rnn.lstm.LSTMCell"
  )
)

# ---- constructors --------------------------------------------------------------

#' Built-in recurrent cells: simple RNN, GRU and LSTM
#'
#' These functions make one cell: the computation of a single timestep. Give
#' a cell (or a list of cells) to [layer_rnn()] to run it over sequences, or
#' call it on its own for one step as `cell(inputs, states)`, which returns
#' `list(output, new_states)`. [layer_simple_rnn()], [layer_gru()] and
#' [layer_lstm()] wrap the same cells in a layer.
#'
#' * `rnn_cell_simple()`: `h = activation(x %*% kernel + h_prev %*%
#'   recurrent_kernel + bias)`; one state.
#' * `rnn_cell_gru()`: gated recurrent unit with update (z), reset (r) and
#'   candidate (h) blocks, in that order, in its weight matrices; one state.
#'   With `reset_after = TRUE` (the default, as in Keras and cuDNN) the reset
#'   gate multiplies the recurrent part after the matrix product, and the bias
#'   has two rows (input bias, recurrent bias).
#' * `rnn_cell_lstm()`: long short-term memory with input (i), forget (f),
#'   candidate (c) and output (o) blocks, in that order; two states, `h` then
#'   `c`.
#'
#' The weights are `kernel` `(input_dim, k * units)`, `recurrent_kernel`
#' `(units, k * units)` and `bias`, with `k` = 1, 3 or 4, laid out exactly as
#' in Keras, so weights can be exchanged with Keras models through
#' [get_weights()] and [set_weights()].
#'
#' @section Built-in cells or cells written in R?:
#' Inside [layer_rnn()] (alone or stacked together) the built-in cells run
#' the whole sequence in one fused C++ kernel, forward and backward, which is
#' far faster than a cell written with [Layer()], whose `call()` runs in R at
#' every timestep. Use a built-in cell whenever the maths fit; write a cell in
#' R for a new recurrence. Both kinds can be mixed in one stack (the stack then
#' runs step by step). A built-in cell given an activation as an R function
#' rather than a name also runs step by step.
#'
#' @section Dropout:
#' With `dropout` or `recurrent_dropout` above zero and `training = TRUE`,
#' the inputs (respectively the previous output `h`) are multiplied by a
#' random mask of zeros and `1 / (1 - rate)`. A mask is drawn once per
#' sequence and used at every timestep and for every gate. Masks come from
#' R's random number generator (reproducible with [set.seed()]) or, when
#' `seed` is given, from a stream of the cell's own. A cell called on its own
#' keeps its masks across calls until `cell$reset_dropout_mask()`.
#'
#' @param units Positive whole number: the size of the output and of each
#'   state.
#' @param activation Activation of the output (and of the LSTM cell state):
#'   a name (default `"tanh"`), `NULL` for none, or a function.
#' @param recurrent_activation Activation of the gates: a name (default
#'   `"sigmoid"`) or a function.
#' @param use_bias `TRUE` (default) to add a bias.
#' @param kernel_initializer,recurrent_initializer,bias_initializer
#'   Initializers (objects or names) of the input kernel (default
#'   `"glorot_uniform"`), the recurrent kernel (default `"orthogonal"`) and
#'   the bias (default `"zeros"`).
#' @param unit_forget_bias `TRUE` (default) starts the forget-gate bias at
#'   one (and the other blocks from `bias_initializer`).
#' @param kernel_regularizer,recurrent_regularizer,bias_regularizer `NULL`
#'   (default) or [regularizers] of the weights.
#' @param kernel_constraint,recurrent_constraint,bias_constraint `NULL`
#'   (default) or [constraints] of the weights.
#' @param dropout Number in `[0, 1)`, default `0`: fraction of the inputs
#'   dropped during training.
#' @param recurrent_dropout Number in `[0, 1)`, default `0`: fraction of the
#'   previous output dropped during training.
#' @param reset_after `TRUE` (default) applies the reset gate after the
#'   recurrent matrix product (bias of shape `(2, 3 * units)`); `FALSE`
#'   before it (bias of shape `3 * units`).
#' @param seed `NULL` (default), a whole number seeding the dropout masks, or a
#'   [random_seed_generator()] they are drawn from.
#' @param ... Base layer arguments: `name`, `dtype`, `trainable`.
#' @returns A cell (a layer).
#' @examples
#' cell <- rnn_cell_lstm(units = 4)
#' x <- matrix(runif(2 * 3), 2, 3)
#' states <- list(matrix(0, 2, 4), matrix(0, 2, 4))
#' step <- cell(x, states)
#' dim(step[[1]])
#' cell$count_params()   # 4 * 4 * (3 + 4 + 1)
#'
#' # a whole sequence
#' seqs <- array(runif(2 * 10 * 3), c(2, 10, 3))
#' layer_rnn(seqs, cell = rnn_cell_gru(units = 5))
#'
#' # a stack of cells, as one fused recurrence
#' rnn <- layer_rnn(cell = list(rnn_cell_simple(8), rnn_cell_lstm(4)))
#' dim(rnn(seqs))
#' @name rnn_cells
NULL

#' @rdname rnn_cells
#' @export
rnn_cell_simple <- function(units, activation = "tanh", use_bias = TRUE, kernel_initializer = "glorot_uniform",
                            recurrent_initializer = "orthogonal", bias_initializer = "zeros",
                            kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL,
                            kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
                            dropout = 0, recurrent_dropout = 0, seed = NULL, ...) {
  if (missing(units)) abort_missing_units("rnn_cell_simple")
  create_layer(SimpleRNNCell, NULL, list(units = units, activation = activation, use_bias = use_bias,
    kernel_initializer = kernel_initializer, recurrent_initializer = recurrent_initializer,
    bias_initializer = bias_initializer, kernel_regularizer = kernel_regularizer,
    recurrent_regularizer = recurrent_regularizer, bias_regularizer = bias_regularizer,
    kernel_constraint = kernel_constraint, recurrent_constraint = recurrent_constraint,
    bias_constraint = bias_constraint, dropout = dropout, recurrent_dropout = recurrent_dropout, seed = seed, ...))
}
attr(rnn_cell_simple, "r6_class") <- SimpleRNNCell

#' @rdname rnn_cells
#' @export
rnn_cell_gru <- function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                         kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                         bias_initializer = "zeros", kernel_regularizer = NULL, recurrent_regularizer = NULL,
                         bias_regularizer = NULL, kernel_constraint = NULL, recurrent_constraint = NULL,
                         bias_constraint = NULL, dropout = 0, recurrent_dropout = 0, reset_after = TRUE,
                         seed = NULL, ...) {
  if (missing(units)) abort_missing_units("rnn_cell_gru")
  create_layer(GRUCell, NULL, list(units = units, activation = activation,
    recurrent_activation = recurrent_activation, use_bias = use_bias, kernel_initializer = kernel_initializer,
    recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
    kernel_regularizer = kernel_regularizer, recurrent_regularizer = recurrent_regularizer,
    bias_regularizer = bias_regularizer, kernel_constraint = kernel_constraint,
    recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint, dropout = dropout,
    recurrent_dropout = recurrent_dropout, reset_after = reset_after, seed = seed, ...))
}
attr(rnn_cell_gru, "r6_class") <- GRUCell

#' @rdname rnn_cells
#' @export
rnn_cell_lstm <- function(units, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                          recurrent_regularizer = NULL, bias_regularizer = NULL, kernel_constraint = NULL,
                          recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0,
                          recurrent_dropout = 0, seed = NULL, ...) {
  if (missing(units)) abort_missing_units("rnn_cell_lstm")
  create_layer(LSTMCell, NULL, list(units = units, activation = activation,
    recurrent_activation = recurrent_activation, use_bias = use_bias, kernel_initializer = kernel_initializer,
    recurrent_initializer = recurrent_initializer, bias_initializer = bias_initializer,
    unit_forget_bias = unit_forget_bias, kernel_regularizer = kernel_regularizer,
    recurrent_regularizer = recurrent_regularizer, bias_regularizer = bias_regularizer,
    kernel_constraint = kernel_constraint, recurrent_constraint = recurrent_constraint,
    bias_constraint = bias_constraint, dropout = dropout, recurrent_dropout = recurrent_dropout, seed = seed, ...))
}
attr(rnn_cell_lstm, "r6_class") <- LSTMCell

abort_missing_units <- function(fn, call = rlang::caller_env()) {
  cli::cli_abort(c("{.arg units} is missing.", i = "Write {.code {fn}(units = 4)}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}
