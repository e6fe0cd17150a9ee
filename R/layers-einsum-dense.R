# EinsumDense: a dense layer whose product is written as an einsum equation (the
# projections inside multi-head attention are made of it).

EinsumDense <- R6::R6Class("EinsumDense",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    equation = NULL, partial_output_shape = NULL, full_output_shape = NULL, activation = NULL, bias_axes = NULL,
    kernel_initializer = NULL, bias_initializer = NULL, kernel_regularizer = NULL, bias_regularizer = NULL,
    kernel_constraint = NULL, bias_constraint = NULL, kernel = NULL, bias = NULL,
    initialize = function(equation, output_shape, activation = NULL, bias_axes = NULL,
                          kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                          kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                          kernel_constraint = NULL, bias_constraint = NULL, lora_rank = NULL, lora_alpha = NULL, ...) {
      super$initialize(activity_regularizer = activity_regularizer, ...)
      self$equation <- equation
      self$partial_output_shape <- output_shape
      self$activation <- activation
      private$activation_fn <- resolve_activation(activation, "activation", call = NULL)
      self$bias_axes <- bias_axes
      set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
      set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
    },
    build = function(input_shape) {
      spec <- einsum_dense_shapes(self$equation, self$bias_axes, as_shape_list(input_shape), self$partial_output_shape)
      unknown <- vapply(spec$kernel, is.null, TRUE)
      if (any(unknown))
        cli::cli_abort(c("The kernel of einsum dense layer {.val {self$name}} needs input dimensions that are unknown.",
                         x = "Input shape {format(shape(as_shape_list(input_shape)))}, equation {.val {self$equation}}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      self$full_output_shape <- spec$output
      self$kernel <- self$add_weight(shape = unlist(spec$kernel), initializer = self$kernel_initializer,
                                     regularizer = self$kernel_regularizer, constraint = self$kernel_constraint,
                                     name = "kernel")
      if (!is.null(spec$bias))
        self$bias <- self$add_weight(shape = unlist(spec$bias), initializer = self$bias_initializer,
                                     regularizer = self$bias_regularizer, constraint = self$bias_constraint,
                                     name = "bias")
    },
    call = function(inputs) {
      x <- op_einsum(self$equation, inputs, self$kernel)
      if (!is.null(self$bias)) x <- op_add(x, self$bias)
      private$activation_fn(x)
    },
    compute_output_shape = function(input_shape) {
      structure(einsum_dense_shapes(self$equation, self$bias_axes, as_shape_list(input_shape),
                                    self$partial_output_shape)$output, class = "keras_shape")
    },
    get_config = function() {
      os <- self$partial_output_shape
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(output_shape = os, equation = self$equation, activation = activation_name(self$activation),
             bias_axes = self$bias_axes, kernel_initializer = self$kernel_initializer,
             bias_initializer = self$bias_initializer, kernel_regularizer = self$kernel_regularizer,
             bias_regularizer = self$bias_regularizer, activity_regularizer = self$activity_regularizer,
             kernel_constraint = self$kernel_constraint, bias_constraint = self$bias_constraint, lora_rank = NULL))
    }
  ),
  private = list(activation_fn = NULL, .s3_class = "keras.src.layers.core.einsum_dense.EinsumDense")
)

# Kernel, bias and output shapes for an EinsumDense equation, following Keras's
# rules (keras/src/layers/core/einsum_dense.py): the equation is "in,kernel->out"
# with an optional "..." leading both `in` and `out` or trailing both; the output
# shape given by the user omits the batch axis and the elided axes; kernel axes take
# their size from the input or, failing that, from the output. Shapes are lists with
# NULL for unknown sizes.
einsum_dense_shapes <- function(equation, bias_axes, input_shape, output_shape, call = NULL) {
  eq <- gsub("...", "0", gsub("[[:space:]]", "", equation), fixed = TRUE)
  forms <- list(c("^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", "none"),
                c("^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", "left"),
                c("^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]{2,})0$", "right"))
  m <- NULL
  for (f in forms) {
    hit <- regmatches(eq, regexec(f[1], eq))[[1]]
    if (length(hit)) { m <- hit; elision <- f[2]; break }
  }
  if (is.null(m))
    recurrent_abort(c("{.arg equation} must have the form {.code ab,bc->ac}, optionally with {.code ...} leading or trailing both the input and the output.",
                      x = "Got {.val {equation}}."), call = call)
  spec_in <- strsplit(m[2], "")[[1]]; spec_w <- strsplit(m[3], "")[[1]]; spec_out <- strsplit(m[4], "")[[1]]
  n_in <- length(input_shape)
  elided <- n_in - length(spec_in)
  if (elided < 0L || (elision == "none" && elided != 0L))
    recurrent_abort(c("The input has {n_in} dimension{?s}, but {.arg equation} names {length(spec_in)}.",
                      x = "Equation {.val {equation}}, input shape {format(shape(input_shape))}."), call = call)
  out <- c(input_shape[1], output_shape)
  if (elided > 0L && elision == "left" && elided > 1L) out <- c(out[1], input_shape[2:elided], out[-1])
  if (elided > 0L && elision == "right") out <- c(out, input_shape[(n_in - elided + 1L):n_in])
  if (length(out) != length(spec_out) + max(elided, 0L))
    recurrent_abort(c("{.arg output_shape} must give {length(spec_out) - 1L} dimension{?s} for {.arg equation} {.val {equation}}.",
                      x = "Got {length(output_shape)}."), call = call)
  shift <- if (elision == "left") elided else 0L
  in_pos <- stats::setNames(seq_along(spec_in) + shift, spec_in)
  out_pos <- stats::setNames(seq_along(spec_out) + shift, spec_out)
  for (ch in spec_in) {
    if (!ch %in% spec_out) next
    i <- input_shape[[in_pos[[ch]]]]; o <- out[[out_pos[[ch]]]]
    if (!is.null(i) && !is.null(o) && i != o)
      recurrent_abort(c("{.arg output_shape} does not match the input along axis {.val {ch}} of {.arg equation}.",
                        x = "Input size {i}, output size {o}."), call = call)
    if (is.null(o)) out[out_pos[[ch]]] <- list(i)
  }
  for (ch in spec_out) if (!ch %in% c(spec_in, spec_w))
    recurrent_abort(c("Output axis {.val {ch}} of {.arg equation} is in neither the input nor the kernel.",
                      x = "Got {.val {equation}}."), call = call)
  kernel <- lapply(spec_w, function(ch) {
    if (ch %in% spec_in) return(input_shape[[in_pos[[ch]]]])
    if (ch %in% spec_out) return(out[[out_pos[[ch]]]])
    recurrent_abort(c("Kernel axis {.val {ch}} of {.arg equation} is in neither the input nor the output.",
                      x = "Got {.val {equation}}."), call = call)
  })
  bias <- NULL
  if (!is.null(bias_axes)) {
    chars <- strsplit(bias_axes, "")[[1]]
    if (any(!chars %in% spec_out))
      recurrent_abort(c("{.arg bias_axes} must name axes of the output of {.arg equation}.",
                        x = "Got {.val {bias_axes}} for {.val {equation}}."), call = call)
    first <- min(match(chars, spec_out))
    tail_spec <- spec_out[first:length(spec_out)]
    bias <- lapply(tail_spec, function(ch) if (ch %in% chars) out[[out_pos[[ch]]]] else 1L)
    if (elision == "right" && elided > 0L) bias <- c(bias, as.list(rep(1L, elided)))
  }
  list(kernel = kernel, bias = bias, output = out)
}

#' A dense layer written as an einsum equation
#'
#' Computes `op_einsum(equation, inputs, kernel) + bias`, then the activation.
#' The equation names the input's axes, the kernel's axes and the output's
#' axes (`"ab,bc->ac"` is [layer_dense()]); the kernel's shape follows from
#' the input shape and `output_shape`. This is the projection used inside
#' [layer_multi_head_attention()]: with `equation = "abc,cde->abde"` it maps
#' `(batch, time, features)` to `(batch, time, heads, head_dim)` with a kernel
#' of shape `(features, heads, head_dim)`.
#'
#' `...` may lead both the input and output terms (`"...b,bc->...c"`) or
#' trail both (`"ab...,bc->ac..."`), standing for axes passed through.
#'
#' @inheritParams layer_dense
#' @param equation A string: `"<input>,<kernel>-><output>"`.
#' @param output_shape The output shape without the batch axis (and without
#'   the axes `...` stands for): a whole number or a vector; `NA` entries (or
#'   `NULL` in a list) are taken from the input.
#' @param bias_axes `NULL` (default, no bias) or a string of output letters
#'   that get a bias (for example `"de"`).
#' @param kernel_initializer,bias_initializer Initializers for the kernel
#'   (default `"glorot_uniform"`) and bias (default `"zeros"`).
#' @param kernel_regularizer,bias_regularizer `NULL` (default) or
#'   [regularizers] for the kernel and the bias.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: a tensor whose axes match the input term of `equation`.
#' @examples
#' x <- array(runif(2 * 5 * 4), c(2, 5, 4))
#' proj <- layer_einsum_dense(equation = "abc,cde->abde", output_shape = c(NA, 2, 3),
#'                            bias_axes = "de")
#' y <- proj(x)
#' dim(y)                       # 2 5 2 3
#' dim(proj$kernel)             # 4 2 3
#' layer_einsum_dense(x, "abc,cd->abd", output_shape = c(5, 8))
#' @export
layer_einsum_dense <- function(object, equation, output_shape, activation = NULL, bias_axes = NULL,
                               kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                               kernel_regularizer = NULL, bias_regularizer = NULL, kernel_constraint = NULL,
                               bias_constraint = NULL, lora_rank = NULL, lora_alpha = NULL, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(equation)) recurrent_abort("{.arg equation} is missing.")
  if (missing(output_shape)) recurrent_abort("{.arg output_shape} is missing.")
  check_string(equation)
  check_string(bias_axes, null_ok = TRUE)
  output_shape <- check_partial_shape(output_shape)
  check_not_lora(lora_rank)
  resolve_activation(activation)
  # check the equation's form now, so a typo fails where it was written
  first_term <- strsplit(equation, ",", fixed = TRUE)[[1]][1]
  n_in <- nchar(gsub("[^a-zA-Z]", "", first_term)) + grepl("...", first_term, fixed = TRUE)
  einsum_dense_shapes(equation, bias_axes, rep(list(NULL), n_in),
                      output_shape, call = rlang::current_env())
  create_layer(EinsumDense, object, list(equation = equation, output_shape = output_shape, activation = activation,
    bias_axes = bias_axes, kernel_initializer = kernel_initializer, bias_initializer = bias_initializer,
    kernel_regularizer = kernel_regularizer, bias_regularizer = bias_regularizer,
    kernel_constraint = kernel_constraint, bias_constraint = bias_constraint, ...))
}
attr(layer_einsum_dense, "r6_class") <- EinsumDense

# A shape whose entries may be unknown: whole numbers, NA or NULL, as a list of
# integers and NULLs.
check_partial_shape <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  vals <- if (is.list(x)) x else as.list(x)
  ok <- length(vals) > 0 && all(vapply(vals, function(d) is.null(d) || (length(d) == 1 && (is.na(d) ||
    (is.numeric(d) && d >= 1 && d == trunc(d)))), TRUE))
  if (!ok) abort_must_be(x, "a vector of positive whole numbers ({.code NA} for unknown)", arg, call)
  lapply(vals, function(d) if (is.null(d) || is.na(d)) NULL else as.integer(d))
}
