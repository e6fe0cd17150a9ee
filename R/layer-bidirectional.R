# Bidirectional: one copy of a recurrent layer reads the sequence forwards, another
# backwards, and their outputs are merged. Both copies are fresh layers made from the
# given layer's constructor arguments, as Keras re-creates them from the config.

Bidirectional <- R6::R6Class("Bidirectional",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    forward_layer = NULL,
    backward_layer = NULL,
    merge_mode = "concat",
    return_sequences = FALSE,
    return_state = FALSE,
    stateful = FALSE,

    initialize = function(layer, merge_mode = "concat", weights = NULL, backward_layer = NULL, ...) {
      super$initialize(...)
      layer <- unwrap_layer(layer, arg = "layer", call = NULL)
      if (!inherits(layer, "RNN"))
        cli::cli_abort(c("{.arg layer} must be a recurrent layer (such as {.fn layer_lstm} or {.fn layer_rnn}).",
                         x = "Got a {.cls {class(layer)[1]}} layer."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      modes <- c("concat", "sum", "mul", "ave")
      if (!is.null(merge_mode) && !(is.character(merge_mode) && length(merge_mode) == 1 && merge_mode %in% modes))
        cli::cli_abort(c("{.arg merge_mode} must be one of {.val {modes}} or {.code NULL}.", x = "Got {.val {format(merge_mode)}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      self$merge_mode <- merge_mode
      self$return_sequences <- layer$return_sequences
      self$return_state <- layer$return_state
      self$stateful <- layer$stateful
      # Keras zeroes masked outputs in both directions when whole sequences are returned,
      # so that the reversed backward sequence lines up with the forward one.
      zero_out <- layer$return_sequences
      self$forward_layer <- fresh_layer_copy(layer, list(name = paste0("forward_", layer$name),
                                                         zero_output_for_mask = zero_out))
      if (is.null(backward_layer)) {
        self$backward_layer <- fresh_layer_copy(layer, list(name = paste0("backward_", layer$name),
                                                            go_backwards = !layer$go_backwards,
                                                            zero_output_for_mask = zero_out))
      } else {
        bl <- unwrap_layer(backward_layer, arg = "backward_layer", call = NULL)
        for (nm in c("stateful", "return_sequences", "return_state")) {
          if (!identical(bl[[nm]], layer[[nm]]))
            cli::cli_abort("{.arg backward_layer} must have the same {.arg {nm}} as {.arg layer}.",
                           class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        }
        if (identical(bl$go_backwards, layer$go_backwards))
          cli::cli_abort("{.arg backward_layer} must read the sequence in the other direction: its {.arg go_backwards} must differ from {.arg layer}'s.",
                         class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        self$backward_layer <- bl
      }
      adopt_dtype(self, layer)
      share_dtype(self, self$forward_layer)
      share_dtype(self, self$backward_layer)
      private$.initial_weights <- weights
      private$.supports_masking <- TRUE
    },

    build = function(sequences_shape) {
      build_cell(self$forward_layer, sequences_shape)
      build_cell(self$backward_layer, sequences_shape)
      if (!is.null(private$.initial_weights)) {
        layer_set_weights(self, private$.initial_weights)
        private$.initial_weights <- NULL
      }
    },

    call = function(sequences, initial_state = NULL, mask = NULL, training = FALSE) {
      fwd_args <- list(mask = mask, training = training)
      bwd_args <- fwd_args
      if (!is.null(initial_state)) {
        st <- flatten_states(initial_state)
        if (length(st) %% 2 != 0)
          cli::cli_abort(c("{.arg initial_state} must hold the forward states then the backward states: an even number of tensors.",
                           x = "Got {length(st)}."),
                         class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        half <- length(st) / 2
        fwd_args$initial_state <- st[seq_len(half)]
        bwd_args$initial_state <- st[half + seq_len(half)]
      }
      # each direction casts the sequences as its own call would
      fl <- self$forward_layer
      bl <- self$backward_layer
      y <- do.call(fl$call, c(list(convert_call_input(sequences, fl$dtype, fl$autocast)), fwd_args))
      y_rev <- do.call(bl$call, c(list(convert_call_input(sequences, bl$dtype, bl$autocast)), bwd_args))
      states <- list()
      if (self$return_state) {
        states <- c(y[-1], y_rev[-1])
        y <- y[[1]]
        y_rev <- y_rev[[1]]
      }
      if (self$return_sequences) y_rev <- op_flip(y_rev, axis = 2L)
      if (cpp_dtype(y_rev) != cpp_dtype(y)) y_rev <- op_cast(y_rev, cpp_dtype(y))
      out <- switch(self$merge_mode %||% "none",
        concat = op_concatenate(list(y, y_rev), axis = -1L),
        sum = op_add(y, y_rev),
        mul = op_multiply(y, y_rev),
        ave = op_multiply(op_add(y, y_rev), 0.5),
        none = list(y, y_rev)
      )
      if (!self$return_state) return(out)
      c(if (is.null(self$merge_mode)) out else list(out), states)
    },

    compute_output_shape = function(sequences_shape, ...) {
      fwd <- self$forward_layer$compute_output_shape(sequences_shape)
      out <- if (self$return_state) fwd[[1]] else fwd
      if (identical(self$merge_mode, "concat")) out[[length(out)]] <- 2L * out[[length(out)]]
      outs <- if (is.null(self$merge_mode)) list(out, out) else list(out)
      if (!self$return_state) return(if (is.null(self$merge_mode)) outs else out)
      c(outs, fwd[-1], fwd[-1])
    },

    compute_mask = function(inputs, mask = NULL) {
      if (is.list(mask) && !is.object(mask)) mask <- mask[[1]]
      out_mask <- if (self$return_sequences) mask else NULL
      out <- if (is.null(self$merge_mode)) list(out_mask, out_mask) else list(out_mask)
      if (self$return_state) {
        n <- length(flat_state_sizes(self$forward_layer$cell$state_size))
        out <- c(out, rep(list(NULL), 2 * n))
      }
      if (length(out) == 1) out[[1]] else out
    },

    reset_state = function(states = NULL) {
      if (!is.null(states))
        cli::cli_abort("Reset a bidirectional layer's directions one at a time to set their states.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      self$forward_layer$reset_state()
      self$backward_layer$reset_state()
      invisible(self)
    },

    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(merge_mode = self$merge_mode, layer = self$forward_layer$get_config(),
             backward_layer = self$backward_layer$get_config()))
    }
  ),
  private = list(.initial_weights = NULL, .s3_class = "keras.src.layers.rnn.bidirectional.Bidirectional",
                 convert_inputs = function(x) rnn_convert_inputs(x, self$dtype))
)

# A new layer of the same class from the arguments the given one was made with, with
# fresh weights; sub-layers (cells) given as arguments are copied the same way.
fresh_layer_copy <- function(layer, overrides = list()) {
  priv <- layer_private(layer)
  gen <- priv$.generator
  if (is.null(gen))
    cli::cli_abort("Layer {.val {layer$name}} cannot be copied: it was not made by a layer constructor.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  copy_arg <- function(a) {
    if (is_layer(a)) return(wrap_layer(fresh_layer_copy(unwrap_layer(a))))
    if (is.list(a) && !is.object(a) && length(a) && all(vapply(a, is_layer, TRUE))) return(lapply(a, copy_arg))
    a
  }
  args <- lapply(priv$.init_args, copy_arg)
  args[names(overrides)] <- overrides
  unwrap_layer(create_layer(gen, NULL, args))
}

#' Bidirectional wrapper for recurrent layers
#'
#' Runs a recurrent layer over the sequence in both directions and merges the
#' two results. The layer you pass is a template: two fresh copies are made
#' from its arguments (new weights, named `forward_<name>` and
#' `backward_<name>`), the second reading the sequence backwards. With
#' `return_sequences = TRUE` the backward output is flipped back into time
#' order before merging, so that step `t` of both directions lines up.
#'
#' With `return_state = TRUE` the result is `list(output, forward states...,
#' backward states...)`. An `initial_state` holds the forward states followed
#' by the backward states. Weights list the forward layer's first.
#'
#' @inheritParams layer_rnn
#' @param layer A recurrent layer, e.g. `layer_lstm(units = 8)`.
#' @param merge_mode How to combine the two outputs: `"concat"` (default,
#'   doubles the last dimension), `"sum"`, `"mul"`, `"ave"`, or `NULL` to
#'   return `list(forward, backward)`.
#' @param weights Optional list of initial weights (R arrays), forward layer
#'   first.
#' @param backward_layer Optional recurrent layer to use for the backward
#'   direction instead of a copy of `layer`; it must read the sequence in the
#'   other direction and agree on `return_sequences`, `return_state` and
#'   `stateful`.
#' @param ... Base layer arguments (`name`, `dtype`, `trainable`).
#' @returns See `object`.
#' @examples
#' x <- array(runif(2 * 6 * 3), c(2, 6, 3))
#' bi <- layer_bidirectional(layer = layer_gru(units = 4, return_sequences = TRUE))
#' dim(bi(x))   # 2 6 8: forward and backward outputs side by side
#'
#' model <- keras_model_sequential(input_shape = c(6, 3)) |>
#'   layer_bidirectional(layer_lstm(units = 5)) |>
#'   layer_dense(units = 1)
#' model
#' @export
layer_bidirectional <- function(object, layer, merge_mode = "concat", weights = NULL, backward_layer = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(layer))
    cli::cli_abort("{.arg layer} is missing: give the recurrent layer to run in both directions.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  create_layer(Bidirectional, object, list(layer = layer, merge_mode = merge_mode, weights = weights,
                                           backward_layer = backward_layer, ...))
}

#' @rdname layer_bidirectional
#' @export
bidirectional <- layer_bidirectional
