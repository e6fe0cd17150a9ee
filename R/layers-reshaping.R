# Shape layers not in layers-core.R: permuting the non-batch axes, and the identity.

Permute <- R6::R6Class("Permute",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    dims = NULL,
    # `dims` are Keras's (and keras3's): a permutation of 1..n, the non-batch axes
    initialize = function(dims, ...) {
      super$initialize(...)
      self$dims <- as.integer(dims)
      self$built <- TRUE
    },
    call = function(inputs) {
      n <- length(cpp_shape(inputs)) - 1L
      if (n != length(self$dims))
        cli::cli_abort(c("{.fn layer_permute} with {.arg dims} of length {length(self$dims)} needs inputs with {length(self$dims) + 1L} axes.",
                         x = "Got shape {format(shape(cpp_shape(inputs)))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      .Call(`_recurrent_cpp_transpose`, inputs, c(0L, self$dims))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (length(s) - 1L != length(self$dims))
        cli::cli_abort(c("{.fn layer_permute} with {.arg dims} of length {length(self$dims)} needs inputs with {length(self$dims) + 1L} axes.",
                         x = "Got shape {format(shape(s))}."),
                       class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
      c(s[1], s[self$dims + 1L])
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")], list(dims = self$dims))
  ),
  private = list(.s3_class = "keras.src.layers.reshaping.permute.Permute")
)

#' Permute the axes of each sample
#'
#' Reorders the non-batch axes: `dims` is a permutation of `1, ..., n` where
#' axis 1 is the first axis after the batch axis (as in Keras and keras3).
#' For example `dims = c(2, 1)` turns `(batch, time, features)` into
#' `(batch, features, time)`.
#'
#' @inheritParams layer_dense
#' @param dims A permutation of `1:n` for inputs with `n` non-batch axes.
#' @returns See `object`.
#' @examples
#' x <- array(1:6, c(1, 2, 3))
#' y <- layer_permute(x, c(2, 1))
#' dim(y)          # 1 3 2
#' as.array(y)[1, , ]
#' @export
layer_permute <- function(object, dims, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(dims)) recurrent_abort("{.arg dims} is missing.")
  dims <- unlist(dims)
  if (!is_whole(dims) || !length(dims) || !setequal(dims, seq_along(dims)) || anyDuplicated(dims))
    recurrent_abort(c("{.arg dims} must be a permutation of {.code 1:n} (the axes after the batch axis).",
                      x = "Got {describe_value(dims)}."))
  create_layer(Permute, object, list(dims = as.integer(dims), ...))
}
attr(layer_permute, "r6_class") <- Permute

Identity <- R6::R6Class("Identity",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    initialize = function(...) {
      super$initialize(...)
      self$built <- TRUE
    },
    call = function(inputs) inputs,
    compute_output_shape = function(input_shape) input_shape
  ),
  private = list(.supports_masking = TRUE, .s3_class = "keras.src.layers.core.identity.Identity")
)

#' The identity layer
#'
#' Returns its input unchanged (with its mask): a placeholder, for example
#' where a model builder makes an optional step a no-op.
#'
#' @inheritParams layer_dense
#' @returns See `object`.
#' @examples
#' layer_identity(matrix(1:4, 2))
#' @export
layer_identity <- function(object, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(Identity, object, list(...))
}
attr(layer_identity, "r6_class") <- Identity
