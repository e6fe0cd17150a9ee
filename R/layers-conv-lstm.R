# ConvLSTM: an LSTM whose input and recurrent transformations are convolutions, for
# sequences of 1-, 2- or 3-D frames (batch, time, spatial..., channels). Keras's layout:
# kernel (k..., channels, 4 * filters), recurrent_kernel (k..., filters, 4 * filters),
# bias (4 * filters), gates i, f, c, o; the recurrent convolution uses "same" padding
# and stride 1 (keras/src/layers/rnn/conv_lstm.py).
#
# The layer convolves the inputs of all timesteps at once (one op_conv over batch *
# time frames), then runs the recurrence: the fused C++ kernel (src/core/rnn/conv_lstm.*:
# a recurrent convolution and the LSTM's pointwise gates per step, hand-written BPTT)
# when both activations are names it knows, else the C++ loop that cells written in R
# use (masking, go_backwards, replay) over the cell's step(). States are frames
# (batch, out..., filters), channels last, inside the layer.

ConvLSTMCell <- R6::R6Class("ConvLSTMCell",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    rank = NULL, filters = NULL, kernel_size = NULL, strides = NULL, padding = NULL, data_format = NULL,
    dilation_rate = NULL, activation = NULL, recurrent_activation = NULL, use_bias = TRUE,
    kernel_initializer = NULL, recurrent_initializer = NULL, bias_initializer = NULL, unit_forget_bias = TRUE,
    kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL,
    kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
    dropout = 0, recurrent_dropout = 0, seed = NULL,
    kernel = NULL, recurrent_kernel = NULL, bias = NULL, spatial_dims = NULL, input_dim = NULL,
    state_size = -1L,

    initialize = function(rank, filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                          dilation_rate = 1L, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                          recurrent_regularizer = NULL, bias_regularizer = NULL, kernel_constraint = NULL,
                          recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0, recurrent_dropout = 0,
                          seed = NULL, ...) {
      super$initialize(...)
      rank <- check_count(rank, "rank", call = NULL, min = 1)
      if (rank > 3L) recurrent_abort("{.arg rank} must be 1, 2 or 3. Got {rank}.", call = NULL)
      self$rank <- rank
      self$filters <- check_count(filters, "filters", call = NULL, min = 1)
      self$kernel_size <- conv_tuple(kernel_size, rank, "kernel_size", call = NULL)
      self$strides <- conv_tuple(strides, rank, "strides", call = NULL)
      self$padding <- check_padding(padding, arg = "padding", call = NULL)
      self$data_format <- check_data_format(data_format, "data_format", call = NULL)
      self$dilation_rate <- conv_tuple(dilation_rate, rank, "dilation_rate", call = NULL)
      if (max(self$strides) > 1L && max(self$dilation_rate) > 1L)
        recurrent_abort(c("Specifying {.arg strides} > 1 is not compatible with {.arg dilation_rate} > 1.",
                          x = "Got strides = {.val {self$strides}} and dilation_rate = {.val {self$dilation_rate}}."),
                        call = NULL)
      self$activation <- activation
      private$act <- resolve_activation(activation, "activation", call = NULL)
      self$recurrent_activation <- recurrent_activation
      private$rec_act <- resolve_activation(recurrent_activation, "recurrent_activation", call = NULL)
      private$.fusable <- fused_activation_supported(activation) && fused_activation_supported(recurrent_activation)
      self$use_bias <- check_flag(use_bias, "use_bias", call = NULL)
      self$kernel_initializer <- get_initializer(kernel_initializer, "kernel_initializer", call = NULL)
      self$recurrent_initializer <- get_initializer(recurrent_initializer, "recurrent_initializer", call = NULL)
      self$bias_initializer <- get_initializer(bias_initializer, "bias_initializer", call = NULL)
      self$unit_forget_bias <- check_flag(unit_forget_bias, "unit_forget_bias", call = NULL)
      self$kernel_regularizer <- get_regularizer(kernel_regularizer, "kernel_regularizer", call = NULL)
      self$recurrent_regularizer <- get_regularizer(recurrent_regularizer, "recurrent_regularizer", call = NULL)
      self$bias_regularizer <- get_regularizer(bias_regularizer, "bias_regularizer", call = NULL)
      self$kernel_constraint <- get_constraint(kernel_constraint, "kernel_constraint", call = NULL)
      self$recurrent_constraint <- get_constraint(recurrent_constraint, "recurrent_constraint", call = NULL)
      self$bias_constraint <- get_constraint(bias_constraint, "bias_constraint", call = NULL)
      self$dropout <- check_rate(dropout, "dropout", call = NULL)
      self$recurrent_dropout <- check_rate(recurrent_dropout, "recurrent_dropout", call = NULL)
      self$seed <- check_seed(seed, "seed", call = NULL)
    },

    # input_shape: one timestep, (batch, spatial..., channels) (or channels first).
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      rank <- self$rank
      if (length(s) != rank + 2L)
        recurrent_abort(c("A rank-{rank} ConvLSTM cell takes {rank + 2}-D timesteps: (batch, spatial..., channels).",
                          x = "Got shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
      parts <- split_channels(s, rank, self$data_format)
      if (any(vapply(parts$spatial, is.null, TRUE)))
        recurrent_abort(c("ConvLSTM layers need known spatial dims.", x = "Got input shape {format_shape_list(s)}."),
                        call = NULL, class = "recurrent_error_shape")
      if (is.null(parts$channels))
        recurrent_abort(c("The channel dimension of the inputs must be known.",
                          x = "Got input shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
      self$spatial_dims <- as.integer(unlist(parts$spatial))
      self$input_dim <- as.integer(parts$channels)
      out <- self$output_spatial()
      if (any(out <= 0L))
        recurrent_abort(c("The frames are too small for the kernel of {.val {self$name}}.",
                          x = "Spatial dims {.val {self$spatial_dims}} with kernel_size {.val {self$kernel_size}} and padding {.val {self$padding}}."),
                        call = NULL, class = "recurrent_error_shape")
      f <- self$filters
      self$kernel <- self$add_weight(shape = c(self$kernel_size, self$input_dim, 4L * f),
                                     initializer = self$kernel_initializer, regularizer = self$kernel_regularizer,
                                     constraint = self$kernel_constraint, name = "kernel")
      self$recurrent_kernel <- self$add_weight(shape = c(self$kernel_size, f, 4L * f),
                                               initializer = self$recurrent_initializer,
                                               regularizer = self$recurrent_regularizer,
                                               constraint = self$recurrent_constraint, name = "recurrent_kernel")
      if (self$use_bias)
        self$bias <- self$add_weight(shape = 4L * f, initializer = private$bias_init(),
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
      self$built <- TRUE
    },

    # The spatial dims of the states (and outputs): those of the input convolution.
    output_spatial = function() {
      vapply(seq_len(self$rank), function(i)
        conv_dim_out(self$spatial_dims[i], self$kernel_size[i], self$strides[i], self$dilation_rate[i], self$padding),
        1L)
    },

    # One timestep on whole frames, as Keras's ConvLSTMCell: inputs (batch, spatial...,
    # channels), states list(h, c); returns list(h, list(h, c)).
    call = function(inputs, states, training = FALSE) {
      cf <- self$data_format == "channels_first"
      x <- if (cf) to_channels_last(inputs) else inputs
      h <- states[[1]]
      c <- states[[2]]
      if (cf) {
        h <- to_channels_last(h)
        c <- to_channels_last(c)
      }
      d <- cpp_shape_any(x)
      masks <- private$sample_masks(d[1], training)
      z <- self$input_gates(x, masks$input)
      res <- self$step(z, h, c, masks$recurrent)
      hn <- res$h
      cn <- res$c
      if (cf) {
        hn <- to_channels_first(hn)
        cn <- to_channels_first(cn)
      }
      list(hn, list(hn, cn))
    },

    # The input convolution plus bias (unless add_bias is FALSE: the fused kernel adds
    # it), channels last: (n, spatial..., channels) -> (n, out..., 4 * filters). With
    # input dropout masks (one per gate, each shaped like x or broadcastable to it), each
    # gate convolves its own masked input.
    input_gates = function(x, masks = NULL, add_bias = TRUE) {
      conv <- function(xx, k) op_conv(xx, k, strides = self$strides, padding = self$padding,
                                      dilation_rate = self$dilation_rate)
      z <- if (is.null(masks)) {
        conv(x, self$kernel)
      } else {
        ks <- op_split(self$kernel, 4L, axis = -1L)
        op_concatenate(lapply(1:4, function(g) conv(op_multiply(x, masks[[g]]), ks[[g]])), axis = -1L)
      }
      if (self$use_bias && add_bias) z <- op_add(z, self$bias)
      z
    },

    # One step from the input gates z (batch, out..., 4 * filters) and the states h, c
    # (batch, out..., filters), channels last.
    step = function(z, h, c, rec_masks = NULL) {
      rconv <- function(hh, k) op_conv(hh, k, padding = "same")
      hz <- if (is.null(rec_masks)) {
        rconv(h, self$recurrent_kernel)
      } else {
        ks <- op_split(self$recurrent_kernel, 4L, axis = -1L)
        op_concatenate(lapply(1:4, function(g) rconv(op_multiply(h, rec_masks[[g]]), ks[[g]])), axis = -1L)
      }
      g <- op_split(op_add(z, hz), 4L, axis = -1L)
      i <- private$rec_act(g[[1]])
      f <- private$rec_act(g[[2]])
      c_new <- op_add(op_multiply(f, c), op_multiply(i, private$act(g[[3]])))
      o <- private$rec_act(g[[4]])
      list(h = op_multiply(o, private$act(c_new)), c = c_new)
    },

    get_initial_state = function(batch_size = NULL) {
      shp <- c(batch_size, self$output_spatial(), self$filters)
      if (self$data_format == "channels_first") shp <- shp[c(1L, length(shp), 2:(length(shp) - 1L))]
      list(op_zeros(shp, self$dtype), op_zeros(shp, self$dtype))
    },

    compute_output_shape = function(input_shape, states_shape = NULL) {
      s <- as_shape_list(input_shape)
      if (!isTRUE(self$built)) self$build(s)
      o <- join_channels(s[[1]], as.list(self$output_spatial()), self$filters, self$data_format)
      list(o, list(o, o))
    },

    # Dropout masks for a sequence (NULL when not training or the rate is 0): four per
    # kind, one per gate, as Keras draws them (DropoutRNNCell with dropout_mask_count 4).
    # input: (batch, spatial..., channels); recurrent: (batch, out..., filters).
    sequence_masks = function(batch, training) private$sample_masks(batch, training),

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], conv_lstm_config(self))
    }
  ),
  active = list(
    # The activations' names for the fused kernel, or NULL when one is an R function (or
    # a name the kernel lacks) and the layer runs step() per timestep.
    fused_activations = function(value) {
      if (!missing(value))
        recurrent_abort("{.field fused_activations} is read-only.", call = NULL, class = "recurrent_error_argument")
      if (!private$.fusable) return(NULL)
      name <- function(a) if (is.null(a)) "linear" else a  # Keras: None is linear
      list(activation = name(self$activation), recurrent_activation = name(self$recurrent_activation))
    }
  ),
  private = list(
    act = NULL, rec_act = NULL, .draws = 0L, .fusable = FALSE,
    .s3_class = "keras.src.layers.rnn.conv_lstm.ConvLSTMCell",
    bias_init = function() {
      if (!self$unit_forget_bias) return(self$bias_initializer)
      init <- self$bias_initializer
      f <- self$filters
      function(shape, dtype = NULL) {
        op_concatenate(list(init(f, dtype), op_ones(f, dtype), init(2L * f, dtype)), axis = -1L)
      }
    },
    draw_uniform = function(n) {
      private$.draws <- private$.draws + 1L
      with_random_seed(nth_draw_seed(self$seed, private$.draws), stats::runif(n))
    },
    sample_masks = function(batch, training) {
      one <- function(rate, dims) {
        if (!isTRUE(training) || !(rate > 0 && rate < 1)) return(NULL)
        lapply(1:4, function(g) {
          keep <- private$draw_uniform(prod(dims)) >= rate
          op_convert_to_tensor(array(keep / (1 - rate), dims), dtype = self$dtype)
        })
      }
      list(input = one(self$dropout, c(batch, self$spatial_dims, self$input_dim)),
           recurrent = one(self$recurrent_dropout, c(batch, self$output_spatial(), self$filters)))
    }
  )
)

to_channels_last <- function(x) {
  n <- length(cpp_shape_any(x))
  op_transpose(x, c(1L, seq.int(3L, n), 2L))
}
to_channels_first <- function(x) channels_to_front(x, 1L)
# (lead..., spatial..., channels) -> (lead..., channels, spatial...)
channels_to_front <- function(x, lead) {
  n <- length(cpp_shape_any(x))
  op_transpose(x, c(seq_len(lead), n, seq.int(lead + 1L, n - 1L)))
}

conv_lstm_config <- function(cell) {
  list(filters = cell$filters, kernel_size = as.list(cell$kernel_size), strides = as.list(cell$strides),
       padding = cell$padding, data_format = cell$data_format, dilation_rate = as.list(cell$dilation_rate),
       activation = activation_name(cell$activation),
       recurrent_activation = activation_name(cell$recurrent_activation), use_bias = cell$use_bias,
       kernel_initializer = cell$kernel_initializer, recurrent_initializer = cell$recurrent_initializer,
       bias_initializer = cell$bias_initializer, unit_forget_bias = cell$unit_forget_bias,
       kernel_regularizer = cell$kernel_regularizer, recurrent_regularizer = cell$recurrent_regularizer,
       bias_regularizer = cell$bias_regularizer, kernel_constraint = cell$kernel_constraint,
       recurrent_constraint = cell$recurrent_constraint, bias_constraint = cell$bias_constraint,
       dropout = cell$dropout, recurrent_dropout = cell$recurrent_dropout, seed = cell$seed)
}

# ---- the layer -------------------------------------------------------------------------------

ConvLSTM <- R6::R6Class("ConvLSTM",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    cell = NULL, return_sequences = FALSE, return_state = FALSE, go_backwards = FALSE, stateful = FALSE,
    unroll = FALSE,

    initialize = function(filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                          dilation_rate = 1L, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                          kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                          bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                          recurrent_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL,
                          dropout = 0, recurrent_dropout = 0, seed = NULL, return_sequences = FALSE,
                          return_state = FALSE, go_backwards = FALSE, stateful = FALSE, unroll = NULL, ...) {
      dots <- list(...)
      super$initialize(activity_regularizer = activity_regularizer, ...)
      cell_args <- list(rank = private$.rank, filters = filters, kernel_size = kernel_size, strides = strides,
                        padding = padding, data_format = data_format, dilation_rate = dilation_rate,
                        activation = activation, recurrent_activation = recurrent_activation, use_bias = use_bias,
                        kernel_initializer = kernel_initializer, recurrent_initializer = recurrent_initializer,
                        bias_initializer = bias_initializer, unit_forget_bias = unit_forget_bias,
                        kernel_regularizer = kernel_regularizer, recurrent_regularizer = recurrent_regularizer,
                        bias_regularizer = bias_regularizer, kernel_constraint = kernel_constraint,
                        recurrent_constraint = recurrent_constraint, bias_constraint = bias_constraint,
                        dropout = dropout, recurrent_dropout = recurrent_dropout, seed = seed)
      self$cell <- unwrap_layer(create_layer(ConvLSTMCell, NULL, c(cell_args, cell_base_args(dots, "conv_lstm_cell"))))
      for (nm in c("return_sequences", "return_state", "go_backwards", "stateful"))
        self[[nm]] <- check_flag(get(nm), nm, call = NULL)
      self$unroll <- if (is.null(unroll)) FALSE else check_flag(unroll, "unroll", call = NULL)
      private$.supports_masking <- TRUE
    },

    build = function(sequences_shape) {
      s <- as_shape_list(sequences_shape)
      rank <- private$.rank
      if (length(s) != rank + 3L)
        recurrent_abort(c("Inputs to {.val {self$name}} must be {rank + 3}-D: (batch, time, {if (rank == 1) 'steps' else 'spatial...'}, channels).",
                          x = "Got shape {format_shape_list(s)}."), call = NULL, class = "recurrent_error_shape")
      if (self$unroll && is.null(s[[2]]))
        recurrent_abort(c("Cannot unroll a recurrent layer when the number of timesteps is unknown.",
                          x = "{.val {self$name}} got input shape {format_shape_list(s)}."),
                        call = NULL, class = "recurrent_error_shape")
      if (self$stateful && is.null(s[[1]]))
        recurrent_abort(c("A stateful recurrent layer needs a fixed batch size.",
                          x = "{.val {self$name}} got input shape {format_shape_list(s)} with an unknown batch size."),
                        call = NULL, class = "recurrent_error_shape")
      if (!isTRUE(self$cell$built)) build_cell(self$cell, s[-2])
      self$built <- TRUE
    },

    call = function(sequences, initial_state = NULL, mask = NULL, training = FALSE) {
      cell <- self$cell
      rank <- private$.rank
      d <- cpp_shape_any(sequences)
      if (length(d) != rank + 3L)
        recurrent_abort(c("Inputs to {.val {self$name}} must be {rank + 3}-D: (batch, time, spatial..., channels).",
                          x = "Got shape ({paste(d, collapse = ', ')})."), call = NULL, class = "recurrent_error_shape")
      cf <- cell$data_format == "channels_first"
      x <- if (cf) op_transpose(sequences, c(1L, 2L, seq.int(4L, rank + 3L), 3L)) else sequences
      if (cf) d <- d[c(1L, 2L, seq.int(4L, rank + 3L), 3L)]
      batch <- d[1]
      steps <- d[2]
      if (!identical(as.integer(d[3:(rank + 2L)]), cell$spatial_dims) || d[rank + 3L] != cell$input_dim)
        recurrent_abort(c("{.val {self$name}} was built for frames of shape ({paste(c(cell$spatial_dims, cell$input_dim), collapse = ', ')}).",
                          x = "Got frames of shape ({paste(d[-(1:2)], collapse = ', ')})."),
                        call = NULL, class = "recurrent_error_shape")
      if (!is.null(mask)) mask <- check_rnn_mask(mask, batch, steps)
      out_sp <- cell$output_spatial()
      f <- cell$filters
      masks <- cell$sequence_masks(batch, training)

      # the input convolution of every timestep at once
      frames <- op_reshape(x, c(batch * steps, d[-(1:2)]))
      in_masks <- if (!is.null(masks$input)) {
        # one mask per sample, the same at every timestep
        lapply(masks$input, function(m)
          op_reshape(op_broadcast_to(op_expand_dims(m, 2L), c(batch, steps, d[-(1:2)])), c(batch * steps, d[-(1:2)])))
      }
      fused <- !is.null(cell$fused_activations)
      z <- op_reshape(cell$input_gates(frames, in_masks, add_bias = !fused), c(batch, steps, out_sp, 4L * f))

      states <- private$start_states(initial_state, batch)
      run <- if (fused) private$run_fused else private$run_steps
      res <- run(z, states, mask, masks$recurrent)  # list(output, h, c), channels last
      if (self$stateful) private$.states <- lapply(res[2:3], cpp_detach)
      if (cf) res <- c(list(channels_to_front(res[[1]], if (self$return_sequences) 2L else 1L)),
                       lapply(res[2:3], to_channels_first))
      if (!self$return_state) return(res[[1]])
      res
    },

    compute_output_shape = function(sequences_shape, ...) {
      s <- as_shape_list(sequences_shape)
      if (!isTRUE(self$cell$built)) self$build(s)
      st <- self$cell$compute_output_shape(s[-2])[[1]]
      o <- if (self$return_sequences) c(s[1:2], st[-1]) else st
      if (!self$return_state) return(o)
      list(o, st, st)
    },

    compute_mask = function(inputs, mask = NULL) {
      if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
      out_mask <- if (self$return_sequences) mask else NULL
      if (!self$return_state) return(out_mask)
      list(out_mask, NULL, NULL)
    },

    reset_state = function(states = NULL) {
      if (!self$stateful) return(invisible(self))
      if (is.null(private$.states) && is.null(states)) return(invisible(self))
      batch <- if (!is.null(private$.states)) cpp_shape(private$.states[[1]])[1] else NA_integer_
      private$.states <- if (is.null(states)) {
        private$zero_states(batch)
      } else {
        if (is.na(batch)) batch <- cpp_shape_any(flatten_states(states)[[1]])[1]
        lapply(private$given_states(states, batch, "initial_state"), cpp_clone)
      }
      invisible(self)
    },
    reset_states = function(states = NULL) self$reset_state(states),

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")], conv_lstm_config(self$cell)[1:19],
        list(activity_regularizer = self$activity_regularizer), conv_lstm_config(self$cell)[20:22],
        list(return_sequences = self$return_sequences, return_state = self$return_state,
             go_backwards = self$go_backwards, stateful = self$stateful, unroll = self$unroll))
    }
  ),
  active = list(
    # the states a stateful layer holds, in frame shape
    states = function() {
      if (!self$stateful || is.null(private$.states)) return(NULL)
      if (self$cell$data_format == "channels_first") lapply(private$.states, to_channels_first) else private$.states
    },
    filters = function() self$cell$filters,
    kernel_size = function() self$cell$kernel_size,
    strides = function() self$cell$strides,
    padding = function() self$cell$padding,
    data_format = function() self$cell$data_format,
    dilation_rate = function() self$cell$dilation_rate,
    activation = function() self$cell$activation,
    recurrent_activation = function() self$cell$recurrent_activation,
    use_bias = function() self$cell$use_bias,
    unit_forget_bias = function() self$cell$unit_forget_bias,
    dropout = function() self$cell$dropout,
    recurrent_dropout = function() self$cell$recurrent_dropout
  ),
  private = list(
    .rank = 2L, .states = NULL,

    # The fused kernel over z (batch, time, out..., 4 * filters), the input convolution
    # without the bias (the kernel adds it): one node for autograd.
    run_fused = function(z, states, mask, rec_masks) {
      cell <- self$cell
      acts <- cell$fused_activations
      drop <- if (!is.null(rec_masks)) op_stack(rec_masks, axis = 1L)  # (4, batch, out..., filters)
      cpp_conv_lstm(z, states, cell$recurrent_kernel, if (cell$use_bias) cell$bias, mask, drop, acts$activation,
                    acts$recurrent_activation, self$go_backwards, self$return_sequences)
    },

    # The C++ loop over the cell's step(), with the ops of each step recorded: for
    # activations that are R functions.
    run_steps = function(z, states, mask, rec_masks) {
      cell <- self$cell
      d <- cpp_shape(z)
      step_shape <- d[-2]
      step <- function(inputs, states) {
        r <- cell$step(op_reshape(inputs, step_shape), states[[1]], states[[2]], rec_masks)
        list(r$h, list(r$h, r$c))
      }
      at <- new.env(parent = emptyenv())
      at$t <- NA_integer_
      res <- rlang::try_fetch(
        cpp_rnn_loop(step, identity, at, op_reshape(z, c(d[1:2], prod(d[-(1:2)]))), states, mask,
                     self$go_backwards, self$return_sequences, FALSE, replay = replay_cells()),
        error = function(cnd) {
          cli::cli_abort("The ConvLSTM step failed at timestep {at$t} of layer {.val {self$name}}.",
                         parent = cnd, class = c("recurrent_error_cell", "recurrent_error"), call = NULL)
        })
      c(res[1], res[[2]])
    },

    zero_states = function(batch) {
      lapply(1:2, function(i) cpp_zeros(c(batch, self$cell$output_spatial(), self$cell$filters), self$dtype))
    },

    # (batch, out..., filters) states, channels last: given, held (stateful) or zeros
    start_states = function(initial_state, batch) {
      if (!is.null(initial_state)) return(private$given_states(initial_state, batch, "initial_state"))
      if (self$stateful) {
        if (is.null(private$.states)) private$.states <- private$zero_states(batch)
        held <- cpp_shape(private$.states[[1]])[1]
        if (held != batch)
          recurrent_abort(c("A stateful recurrent layer must be fed batches of the size its states were made for.",
                            x = "{.val {self$name}} holds states for batch size {held} but got a batch of {batch}."),
                          call = NULL, class = "recurrent_error_shape")
        return(private$.states)
      }
      private$zero_states(batch)
    },
    given_states = function(states, batch, arg) {
      cell <- self$cell
      flat <- flatten_states(states)
      want <- c(batch, cell$output_spatial(), cell$filters)
      if (cell$data_format == "channels_first") want <- want[c(1L, length(want), 2:(length(want) - 1L))]
      if (length(flat) != 2L)
        recurrent_abort(c("{.arg {arg}} must be a list of two tensors (h and c).", x = "Got {length(flat)}."),
                        call = NULL)
      lapply(flat, function(s) {
        t <- if (inherits(s, "recurrent_tensor")) s else as_tensor(s, self$dtype)
        if (cpp_dtype(t) != self$dtype) t <- cpp_tensor(t, self$dtype)
        if (!identical(as.integer(cpp_shape(t)), as.integer(want)))
          recurrent_abort(c("Each state in {.arg {arg}} must have shape ({paste(want, collapse = ', ')}).",
                            x = "Got shape ({paste(cpp_shape(t), collapse = ', ')})."),
                          call = NULL, class = "recurrent_error_shape")
        if (cell$data_format == "channels_first") to_channels_last(t) else t
      })
    }
  )
)

ConvLSTM1D <- R6::R6Class("ConvLSTM1D", inherit = ConvLSTM, lock_objects = FALSE,
  private = list(.rank = 1L, .s3_class = "keras.src.layers.rnn.conv_lstm1d.ConvLSTM1D"))
ConvLSTM2D <- R6::R6Class("ConvLSTM2D", inherit = ConvLSTM, lock_objects = FALSE,
  private = list(.rank = 2L, .s3_class = "keras.src.layers.rnn.conv_lstm2d.ConvLSTM2D"))
ConvLSTM3D <- R6::R6Class("ConvLSTM3D", inherit = ConvLSTM, lock_objects = FALSE,
  private = list(.rank = 3L, .s3_class = "keras.src.layers.rnn.conv_lstm3d.ConvLSTM3D"))

# The constructor of a ConvLSTM layer class: the three ranks take the same arguments.
conv_lstm_constructor <- function(generator) {
  ctor <- function(object, filters, kernel_size, strides = 1L, padding = "valid", data_format = NULL,
                   dilation_rate = 1L, activation = "tanh", recurrent_activation = "sigmoid", use_bias = TRUE,
                   kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal",
                   bias_initializer = "zeros", unit_forget_bias = TRUE, kernel_regularizer = NULL,
                   recurrent_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                   kernel_constraint = NULL, recurrent_constraint = NULL, bias_constraint = NULL, dropout = 0,
                   recurrent_dropout = 0, seed = NULL, return_sequences = FALSE, return_state = FALSE,
                   go_backwards = FALSE, stateful = FALSE, ..., unroll = NULL) {
    object <- if (missing(object)) NULL else object
    conv_constructor(generator, object, conv_args(environment(), ...), c("filters", "kernel_size"))
  }
  attr(ctor, "r6_class") <- generator
  ctor
}

#' Convolutional LSTM layers
#'
#' `layer_conv_lstm_1d()`, `layer_conv_lstm_2d()` and `layer_conv_lstm_3d()`
#' are LSTMs over sequences of frames (1-D signals, images, volumes): the
#' input and recurrent transformations are convolutions, so the states are
#' frames of `filters` channels and spatial structure is kept (next-frame
#' prediction, precipitation nowcasting, video). Inputs are
#' `(batch, time, spatial..., channels)` (`data_format = "channels_last"`,
#' the default) or `(batch, time, channels, spatial...)`.
#'
#' At each timestep, with `*` the convolution:
#' `z = W * x_t + U * h_{t-1} + b`, split into gates `i, f, c~, o`;
#' `c_t = f c_{t-1} + i act(c~)`, `h_t = o act(c_t)` (`i, f, o` through
#' `recurrent_activation`). The input convolution uses `strides`, `padding`
#' and `dilation_rate`; the recurrent one uses `"same"` padding and stride 1,
#' as in Keras. Weights have Keras's layout: `kernel`
#' `(kernel_size..., channels, 4 * filters)`, `recurrent_kernel`
#' `(kernel_size..., filters, 4 * filters)`, `bias` `(4 * filters)`, gates in
#' the order i, f, c, o, so weights move between Keras and recurrent
#' unchanged. The input convolution runs for all timesteps at once; the
#' recurrence (one recurrent convolution and the gates per timestep) runs as one
#' fused C++ kernel with a hand-written backward pass. When `activation` or
#' `recurrent_activation` is an R function, the layer runs the cell's step once
#' per timestep instead (in the C++ loop of [layer_rnn()]); the numbers are the
#' same.
#'
#' @inheritParams layers_rnn_builtin
#' @param filters Positive whole number: the channels of the output and the
#'   states.
#' @param kernel_size A positive whole number or one per spatial dim.
#' @param strides A positive whole number or one per spatial dim (input
#'   convolution only); above 1 it cannot be combined with `dilation_rate`
#'   above 1.
#' @param padding `"valid"` (default) or `"same"`, for the input convolution.
#' @param data_format `NULL` or `"channels_last"` (default), or
#'   `"channels_first"`.
#' @param dilation_rate A positive whole number or one per spatial dim (input
#'   convolution only).
#' @param unit_forget_bias `TRUE` (default) starts the forget-gate bias at one.
#' @param unroll `NULL` (default) or a flag, accepted for compatibility; the
#'   numbers are the same.
#' @param ... Base layer arguments: `name`, `dtype`, `trainable`,
#'   `input_shape`.
#' @returns See `object`.
#' @section Call arguments:
#' * `sequences`: `(batch, time, spatial..., channels)`.
#' * `initial_state`: `list(h, c)`, each `(batch, output spatial..., filters)`.
#' * `mask`: a logical `(batch, time)` array; masked timesteps keep the states.
#' * `training`: dropout is applied only when `TRUE`.
#' @examples
#' frames <- array(runif(2 * 5 * 8 * 8 * 1), c(2, 5, 8, 8, 1))  # 2 clips of 5 frames
#' y <- layer_conv_lstm_2d(frames, filters = 4, kernel_size = 3, padding = "same")
#' dim(y)                       # 2 8 8 4
#' model <- keras_model_sequential(input_shape = c(NA, 8, 8, 1)) |>
#'   layer_conv_lstm_2d(8, 3, padding = "same", return_sequences = TRUE) |>
#'   layer_conv_3d(1, c(1, 3, 3), padding = "same", activation = "sigmoid")
#' x1 <- array(runif(2 * 6 * 5), c(2, 6, 5, 1))
#' dim(layer_conv_lstm_1d(x1, filters = 2, kernel_size = 3))  # 2 3 2
#' @export
layer_conv_lstm_1d <- conv_lstm_constructor(ConvLSTM1D)

#' @rdname layer_conv_lstm_1d
#' @export
layer_conv_lstm_2d <- conv_lstm_constructor(ConvLSTM2D)

#' @rdname layer_conv_lstm_1d
#' @export
layer_conv_lstm_3d <- conv_lstm_constructor(ConvLSTM3D)
