# Merge layers: elementwise add, subtract, multiply, average, maximum, minimum of a
# list of inputs, and the batchwise dot product. Shapes broadcast and masks combine
# as in Keras (keras/src/layers/merging/base_merge.py): an output position is kept
# when it is kept in any input, and only when every input carries a mask.

Merge <- R6::R6Class("Merge",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    build = function(input_shape) {
      merge_check_list(input_shape, class(self)[1], shapes = TRUE)
      private$.reshape_required <- length(unique(lengths(input_shape))) > 1L
      self$compute_output_shape(input_shape)
      invisible()
    },
    call = function(inputs) {
      merge_check_list(inputs, class(self)[1])
      ranks <- vapply(inputs, function(x) length(cpp_shape(x)), 1L)
      if (length(unique(ranks)) > 1L) {
        # lower-rank inputs get size-1 axes after the batch axis, then broadcast
        top <- max(ranks)
        inputs <- lapply(inputs, function(x) {
          m <- get_keras_mask(x)
          while (length(cpp_shape(x)) < top) x <- op_expand_dims(x, 2L)
          set_keras_mask(x, m)
        })
      }
      private$merge_function(inputs)
    },
    compute_output_shape = function(input_shape) {
      shapes <- lapply(input_shape, as_shape_list)
      out <- shapes[[1]][-1]
      for (s in shapes[-1]) out <- merge_broadcast_shapes(out, s[-1], input_shape)
      batch <- unique(unlist(lapply(shapes, `[[`, 1L)))
      if (length(batch) > 1L)
        cli::cli_abort(c("Cannot merge tensors with different batch sizes.",
                         x = "Got shapes {paste(vapply(shapes, function(s) format(shape(s)), ''), collapse = ', ')}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      c(list(if (length(batch)) batch else NULL), out)
    },
    compute_mask = function(inputs, mask = NULL) {
      if (is.null(mask)) return(NULL)
      if (!is.list(mask) || is.object(mask))
        cli::cli_abort("The mask of a merge layer must be a list, one per input.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      if (length(mask) != length(inputs))
        cli::cli_abort("A merge layer got {length(inputs)} input{?s} but {length(mask)} mask{?s}.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      if (any(vapply(mask, is.null, TRUE))) return(NULL)
      out <- mask[[1]]
      for (m in mask[-1]) out <- op_logical_or(out, m)
      out
    }
  ),
  private = list(
    .reshape_required = FALSE,
    .supports_masking = TRUE,
    merge_function = function(inputs) stop("not implemented"),
    # Keras's rule for maximum and minimum (no identity element): a masked entry
    # takes the other input's value, and the output is masked only where every
    # input is masked
    merge_or_masked = function(fn, inputs) {
      out <- NULL
      out_mask <- NULL
      all_masked <- TRUE
      for (x in inputs) {
        m <- get_keras_mask(x)
        if (!is.null(m)) m <- op_broadcast_to(op_expand_dims(m, -1L), cpp_shape(x))
        x <- set_keras_mask(x, NULL)
        if (is.null(out)) {
          out <- x
          out_mask <- m
          all_masked <- !is.null(m)
          next
        }
        if (!is.null(m)) x <- op_where(m, x, out)
        if (!is.null(out_mask)) out <- op_where(out_mask, out, x)
        if (!is.null(m) && !is.null(out_mask) && all_masked) out_mask <- op_logical_or(out_mask, m)
        else { out_mask <- NULL; all_masked <- FALSE }
        out <- fn(out, x)
      }
      if (!is.null(out_mask)) out <- set_keras_mask(out, op_any(out_mask, axis = -1L))
      out
    }
  )
)

merge_check_list <- function(x, cls, shapes = FALSE) {
  ok <- is.list(x) && !is.object(x) && length(x) >= 1L && (!shapes || !is_shape_like(x))
  if (!ok)
    cli::cli_abort(c("A {.cls {cls}} layer must be called on a list of inputs.",
                     x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
}

# Broadcast two shapes without their batch axis, right-aligned, as NumPy does.
merge_broadcast_shapes <- function(a, b, all_shapes) {
  if (length(a) < length(b)) { tmp <- a; a <- b; b <- tmp }
  if (!length(b)) return(a)
  lead <- a[seq_len(length(a) - length(b))]
  tail_a <- a[(length(a) - length(b) + 1L):length(a)]
  out <- lapply(seq_along(b), function(i) {
    x <- tail_a[[i]]; y <- b[[i]]
    if (is.null(x) || is.null(y)) return(NULL)
    if (x == 1L) return(y)
    if (y == 1L || x == y) return(x)
    cli::cli_abort(c("Inputs of a merge layer must have compatible shapes.",
                     x = "Got shapes {paste(vapply(all_shapes, function(s) format(shape(as_shape_list(s))), ''), collapse = ', ')}."),
                   class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
  })
  c(lead, out)
}

Add <- R6::R6Class("Add", inherit = Merge, lock_objects = FALSE,
  private = list(
    merge_function = function(inputs) Reduce(op_add, lapply(inputs, set_keras_mask, mask = NULL)),
    .s3_class = "keras.src.layers.merging.add.Add"))

Subtract <- R6::R6Class("Subtract", inherit = Merge, lock_objects = FALSE,
  public = list(
    build = function(input_shape) {
      super$build(input_shape)
      if (length(input_shape) != 2L)
        cli::cli_abort(c("A {.cls Subtract} layer must be called on exactly 2 inputs.", x = "Got {length(input_shape)}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
    }
  ),
  private = list(
    merge_function = function(inputs) {
      if (length(inputs) != 2L)
        cli::cli_abort(c("A {.cls Subtract} layer must be called on exactly 2 inputs.", x = "Got {length(inputs)}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      op_subtract(set_keras_mask(inputs[[1]], NULL), set_keras_mask(inputs[[2]], NULL))
    },
    .s3_class = "keras.src.layers.merging.subtract.Subtract"))

Multiply <- R6::R6Class("Multiply", inherit = Merge, lock_objects = FALSE,
  private = list(
    # a masked entry counts as 1; the output is 0 where every input is masked
    merge_function = function(inputs) {
      masks <- lapply(inputs, get_keras_mask)
      all_masked <- all(!vapply(masks, is.null, TRUE))
      out <- NULL
      out_mask <- NULL
      for (i in seq_along(inputs)) {
        x <- set_keras_mask(inputs[[i]], NULL)
        m <- masks[[i]]
        if (!is.null(m)) {
          m <- op_broadcast_to(op_expand_dims(m, -1L), cpp_shape(x))
          x <- op_where(m, x, 1)
          if (all_masked) out_mask <- if (is.null(out_mask)) m else op_logical_or(out_mask, m)
        }
        out <- if (is.null(out)) x else op_multiply(out, x)
      }
      if (all_masked) out <- set_keras_mask(op_where(out_mask, out, 0), op_any(out_mask, axis = -1L))
      out
    },
    .s3_class = "keras.src.layers.merging.multiply.Multiply"))

Average <- R6::R6Class("Average", inherit = Merge, lock_objects = FALSE,
  private = list(
    merge_function = function(inputs) {
      op_divide(Reduce(op_add, lapply(inputs, set_keras_mask, mask = NULL)), length(inputs))
    },
    .s3_class = "keras.src.layers.merging.average.Average"))

Maximum <- R6::R6Class("Maximum", inherit = Merge, lock_objects = FALSE,
  private = list(merge_function = function(inputs) private$merge_or_masked(op_maximum, inputs),
                 .s3_class = "keras.src.layers.merging.maximum.Maximum"))

Minimum <- R6::R6Class("Minimum", inherit = Merge, lock_objects = FALSE,
  private = list(merge_function = function(inputs) private$merge_or_masked(op_minimum, inputs),
                 .s3_class = "keras.src.layers.merging.minimum.Minimum"))

Dot <- R6::R6Class("Dot", inherit = Merge, lock_objects = FALSE,
  public = list(
    axes = NULL, normalize = FALSE,
    # `axes` are Keras's (0 = batch, negative from the end); layer_dot() converts
    initialize = function(axes, normalize = FALSE, ...) {
      super$initialize(...)
      self$axes <- axes
      self$normalize <- normalize
    },
    build = function(input_shape) {
      if (!is.list(input_shape) || is_shape_like(input_shape) || length(input_shape) != 2L)
        cli::cli_abort(c("A {.cls Dot} layer must be called on a list of 2 inputs.",
                         x = if (is.list(input_shape)) "Got {length(input_shape)}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      s1 <- as_shape_list(input_shape[[1]]); s2 <- as_shape_list(input_shape[[2]])
      ax <- private$resolve_axes(length(s1), length(s2))
      d1 <- s1[[ax[1] + 1L]]; d2 <- s2[[ax[2] + 1L]]
      if (!is.null(d1) && !is.null(d2) && d1 != d2)
        cli::cli_abort(c("The axes of the dot product have different sizes.",
                         x = "Size {d1} (axis {ax[1] + 1L} of the first input) and {d2} (axis {ax[2] + 1L} of the second).",
                         i = "Input shapes {format(shape(s1))} and {format(shape(s2))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
    },
    compute_output_shape = function(input_shape) {
      s1 <- as_shape_list(input_shape[[1]]); s2 <- as_shape_list(input_shape[[2]])
      ax <- private$resolve_axes(length(s1), length(s2))
      out <- c(s1[-(ax[1] + 1L)], s2[-c(1L, ax[2] + 1L)])
      if (length(out) == 1L) out <- c(out, list(1L))
      out
    },
    compute_mask = function(inputs, mask = NULL) NULL,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(axes = self$axes, normalize = self$normalize))
  ),
  private = list(
    resolve_axes = function(n1, n2) {
      a <- if (length(self$axes) == 1L) rep(self$axes, 2L) else self$axes
      a <- as.integer(ifelse(a < 0L, a %% c(n1, n2), a))
      if (any(a == 0L) || a[1] >= n1 || a[2] >= n2)
        cli::cli_abort(c("{.arg axes} must name non-batch axes of the inputs.",
                         x = "Got axes ({paste(a + 1L, collapse = ', ')}) for inputs with {n1} and {n2} axes."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      a
    },
    merge_function = function(inputs) {
      if (length(inputs) != 2L)
        cli::cli_abort(c("A {.cls Dot} layer must be called on exactly 2 inputs.", x = "Got {length(inputs)}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      x1 <- set_keras_mask(inputs[[1]], NULL); x2 <- set_keras_mask(inputs[[2]], NULL)
      n1 <- length(cpp_shape(x1)); n2 <- length(cpp_shape(x2))
      ax <- private$resolve_axes(n1, n2)
      if (self$normalize) {
        x1 <- l2_normalize(x1, ax[1] + 1L)
        x2 <- l2_normalize(x2, ax[2] + 1L)
      }
      batch_dot(x1, x2, ax)
    },
    .s3_class = "keras.src.layers.merging.dot.Dot")
)

# x / ||x|| along `axis` (1-based), with the norm floored at 1e-7 (Keras's epsilon).
l2_normalize <- function(x, axis) {
  ss <- op_sum(op_square(x), axis = axis, keepdims = TRUE)
  op_divide(x, op_sqrt(op_maximum(ss, 1e-14)))
}

# Keras's batch_dot: contract axis ax[1] of x with axis ax[2] of y (0-based) for each
# sample; the result has x's other axes then y's other non-batch axes, and at
# least 2 dimensions.
batch_dot <- function(x, y, ax) {
  n1 <- length(cpp_shape(x)); n2 <- length(cpp_shape(y))
  lx <- letters[seq_len(n1)]
  ly <- c("a", LETTERS[seq_len(n2 - 1L)])
  ly[ax[2] + 1L] <- lx[ax[1] + 1L]
  out <- c(lx[-(ax[1] + 1L)], ly[-c(1L, ax[2] + 1L)])
  res <- op_einsum(sprintf("%s,%s->%s", paste(lx, collapse = ""), paste(ly, collapse = ""), paste(out, collapse = "")),
                   x, y)
  if (length(out) == 1L) res <- op_expand_dims(res, 2L)
  res
}

# The wrappers share keras3's calling convention: `inputs` a list (or the first
# input), unnamed `...` more inputs, named `...` layer arguments.
merge_layer <- function(generator, inputs, dots, args = list()) {
  unnamed <- if (is.null(names(dots))) rep(TRUE, length(dots)) else !nzchar(names(dots))
  if (any(unnamed)) {
    inputs <- c(if (is.null(inputs)) list() else if (is.list(inputs) && !is.object(inputs)) inputs else list(inputs),
                dots[unnamed])
    dots <- dots[!unnamed]
  }
  layer <- create_layer(generator, NULL, c(args, dots))
  if (is.null(inputs) || (is.list(inputs) && !is.object(inputs) && !length(inputs))) return(layer)
  # a single input becomes a list of one, as in keras3 (Keras merges it with nothing)
  if (!is.list(inputs) || is.object(inputs)) inputs <- list(inputs)
  layer(unname(inputs))
}

#' Merge a list of inputs elementwise
#'
#' `layer_add()`, `layer_subtract()` (exactly two inputs: first minus second),
#' `layer_multiply()`, `layer_average()`, `layer_maximum()` and
#' `layer_minimum()` combine inputs of the same shape (or shapes that
#' broadcast; an input with fewer axes gets size-1 axes after the batch axis)
#' entry by entry. The usual use is a residual connection,
#' `layer_add(list(x, f(x)))`.
#'
#' Masks (such as those of a [layer_embedding()] with `mask_zero = TRUE`)
#' combine as Keras combines them: when every input carries a mask, the output
#' keeps a timestep that any input keeps; `layer_multiply()` treats masked
#' entries as 1 (and gives 0 where all inputs are masked), `layer_maximum()` and
#' `layer_minimum()` ignore masked entries in favour of the other inputs.
#'
#' @param inputs A list of tensors, arrays or symbolic tensors (the output is
#'   returned), the first input (more follow in `...`), or missing/`NULL` (the
#'   layer is returned).
#' @param ... More inputs (unnamed) and base layer arguments such as `name`
#'   (named).
#' @returns The layer, or its output for `inputs`.
#' @examples
#' a <- matrix(1:4, 2); b <- matrix(10, 2, 2)
#' layer_add(a, b)
#' layer_subtract(list(b, a))
#' layer_multiply(a, b)
#' layer_average(a, b)
#' layer_maximum(a, b)
#' layer_minimum(a, b)
#'
#' # a residual block around an LSTM
#' inp <- keras_input(shape = c(10, 8))
#' h <- inp |> layer_lstm(8, return_sequences = TRUE)
#' out <- layer_add(inp, h)
#' model <- keras_model(inp, out)
#' @name layer_merge
NULL

#' @rdname layer_merge
#' @export
layer_add <- function(inputs, ...) merge_layer(Add, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_add, "r6_class") <- Add

#' @rdname layer_merge
#' @export
layer_subtract <- function(inputs, ...) merge_layer(Subtract, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_subtract, "r6_class") <- Subtract

#' @rdname layer_merge
#' @export
layer_multiply <- function(inputs, ...) merge_layer(Multiply, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_multiply, "r6_class") <- Multiply

#' @rdname layer_merge
#' @export
layer_average <- function(inputs, ...) merge_layer(Average, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_average, "r6_class") <- Average

#' @rdname layer_merge
#' @export
layer_maximum <- function(inputs, ...) merge_layer(Maximum, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_maximum, "r6_class") <- Maximum

#' @rdname layer_merge
#' @export
layer_minimum <- function(inputs, ...) merge_layer(Minimum, if (missing(inputs)) NULL else inputs, list(...))
attr(layer_minimum, "r6_class") <- Minimum

#' Dot product of two inputs, sample by sample
#'
#' For each sample, sums the product of the two inputs over one axis of each:
#' with inputs of shapes `(batch, 3, 5)` and `(batch, 10, 3)` and
#' `axes = c(2, 3)`, the result has shape `(batch, 5, 10)`. The result keeps
#' the first input's other axes, then the second's other non-batch axes, and
#' has at least two dimensions (`(batch, 1)` for two vectors). With
#' `normalize = TRUE` both inputs are scaled to unit length along the summed
#' axes first, so the result is the cosine similarity.
#'
#' @inheritParams layer_add
#' @param axes One axis for both inputs or two axes (one per input), counted
#'   as in R from 1 (the batch axis, which may not be used), or negative from
#'   the end.
#' @param normalize Logical, default `FALSE`: L2-normalise along the axes
#'   first.
#' @returns The layer, or its output for `inputs`.
#' @examples
#' x <- op_reshape(0:9, c(1, 5, 2))
#' y <- op_reshape(10:19, c(1, 2, 5))
#' layer_dot(x, y, axes = c(2, 3))
#' a <- matrix(c(3, 0, 4, 1), 2)
#' layer_dot(a, a, axes = 2)
#' layer_dot(a, a, axes = 2, normalize = TRUE)   # cosine similarity: 1
#' @export
layer_dot <- function(inputs, ..., axes, normalize = FALSE) {
  if (missing(axes)) recurrent_abort("{.arg axes} is missing.")
  if (!is_whole(axes) || !length(axes) %in% 1:2)
    recurrent_abort(c("{.arg axes} must be one or two whole numbers.", x = "Got {describe_value(axes)}."))
  if (any(axes == 0))
    recurrent_abort(c("{.arg axes} is 1-based, so 0 is not an axis.", i = "Use 2 for the first axis after the batch axis."))
  if (any(axes == 1))
    recurrent_abort(c("{.arg axes} may not include the batch axis (1).", x = "Got {describe_value(axes)}."))
  check_flag(normalize)
  py_axes <- as.integer(ifelse(axes > 0, axes - 1L, axes))
  merge_layer(Dot, if (missing(inputs)) NULL else inputs, list(...), list(axes = py_axes, normalize = normalize))
}
attr(layer_dot, "r6_class") <- Dot
