# Keras's Hashing layer: values to bins by a hash of their string form. The bins are
# TensorFlow's: to_hash_bucket_fast (FarmHash Fingerprint64) without a salt,
# to_hash_bucket_strong (SipHash-2-4 keyed by the salt) with one, both computed in
# src/bind-hashing.cpp on the UTF-8 bytes. Numbers are hashed as their decimal string
# (floats truncated to integers first), as Keras does through tf.as_string.

#' Hash values into a fixed number of bins
#'
#' `layer_hashing()` maps strings or whole numbers to `num_bins` bins by
#' hashing them, with Keras's bin numbers: without a `salt` the bin is
#' FarmHash Fingerprint64 of the value's bytes modulo the number of bins
#' (TensorFlow's `to_hash_bucket_fast`); with a `salt` it is SipHash-2-4
#' keyed by the salt (`to_hash_bucket_strong`). Numbers are hashed as their
#' decimal string (`12` as `"12"`; non-whole numbers are truncated first, as
#' Keras). With a `mask_value`, inputs equal to it get bin 0 and the others
#' are hashed into bins 1 to `num_bins - 1`.
#'
#' The layer computes in R and works on R vectors and arrays outside a
#' model, or inside one on a `keras_input(dtype = "string")` (strings) or
#' integer input; it has no weights.
#'
#' @inheritParams layer_dense
#' @param num_bins Number of bins (a whole number, at least 1), including the
#'   mask bin if `mask_value` is set.
#' @param mask_value `NULL` (default) or the value (a string or whole number)
#'   that marks padding: it goes to bin 0.
#' @param salt `NULL` (default, FarmHash) or the SipHash key: one or two
#'   whole numbers in `[0, 2^53]` (a single number is used for both halves of
#'   the key, as Keras).
#' @param output_mode `"int"` (bin indices, the default), `"one_hot"`,
#'   `"multi_hot"` or `"count"` (vectors of length `num_bins`, as
#'   [layer_category_encoding()]).
#' @param sparse Must be `FALSE` (outputs are dense).
#' @param ... Standard layer arguments (`name`, `dtype`, ...).
#' @returns See `object`.
#' @examples
#' hashing <- layer_hashing(num_bins = 3)
#' hashing(c("A", "B", "C", "D", "E"))     # 1 0 1 1 2, as Keras
#'
#' # bin 0 reserved for the empty string
#' hashing <- layer_hashing(num_bins = 3, mask_value = "")
#' hashing(c("A", "B", "", "C", "D"))      # 1 1 0 2 2
#'
#' # SipHash with a salt; integers are hashed as their decimal strings
#' hashing <- layer_hashing(num_bins = 3, salt = c(133, 137))
#' hashing(0:4)                            # 1 1 2 0 1
#'
#' # inside a model, on string inputs
#' inp <- keras_input(shape = 1, dtype = "string")
#' model <- keras_model(inp, inp |> layer_hashing(num_bins = 4, output_mode = "one_hot"))
#' predict(model, c("omar", "stringer", "marlo"), verbose = 0)
#' @export
layer_hashing <- function(object, num_bins, mask_value = NULL, salt = NULL, output_mode = "int",
                          sparse = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  if (missing(num_bins)) num_bins <- NULL
  create_layer(Hashing, object, list(num_bins = num_bins, mask_value = mask_value, salt = salt,
                                     output_mode = output_mode, sparse = sparse, ...))
}

Hashing <- R6::R6Class("Hashing",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    num_bins = NULL, mask_value = NULL, salt = NULL, output_mode = "int",
    initialize = function(num_bins = NULL, mask_value = NULL, salt = NULL, output_mode = "int", sparse = FALSE,
                          dtype = NULL, ...) {
      if (is.null(num_bins))
        recurrent_abort("{.arg num_bins} must be given: the number of bins (a whole number, at least 1).", call = NULL)
      self$num_bins <- check_count(num_bins, arg = "num_bins", call = NULL, min = 1)
      self$output_mode <- check_choice(output_mode, c("int", "one_hot", "multi_hot", "count"), "output_mode")
      if (!isFALSE(sparse)) recurrent_abort("{.code sparse = TRUE} is not supported: outputs are dense.", call = NULL)
      self$mask_value <- hashing_check_mask_value(mask_value)
      self$salt <- hashing_check_salt(salt)
      out_dtype <- if (!is.null(dtype)) normalize_dtype(dtype, call = NULL)
                   else if (self$output_mode == "int") "int32" else config_floatx()
      if (self$output_mode == "int" && !out_dtype %in% c("int32", "int64"))
        recurrent_abort(c("With {.code output_mode = \"int\"}, {.arg dtype} must be an integer type ({.val int32} or {.val int64}).",
                          x = "Got {.val {dtype}}."), call = NULL)
      super$initialize(..., output_dtype = out_dtype)
    },
    call = function(inputs) {
      x <- host_value(inputs)
      d <- dim(x) %||% length(x)
      idx <- hashing_bins(x, self$num_bins, self$mask_value, self$salt, self$name)
      if (self$output_mode == "int") return(as_tensor(array(idx, d), self$dtype))
      as_tensor(encode_categorical(array(idx, d), self$output_mode, self$num_bins), self$dtype)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (self$output_mode == "int") return(s)
      depth <- self$num_bins
      if (self$output_mode == "one_hot" && (length(s) == 1 || !identical(s[[length(s)]], 1L))) return(c(s, list(depth)))
      if (!length(s)) return(list(depth))
      c(s[-length(s)], list(depth))
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(num_bins = self$num_bins, salt = if (!is.null(self$salt)) as.list(self$salt),
             mask_value = self$mask_value, output_mode = self$output_mode, sparse = FALSE))
    }
  ),
  private = list(.s3_class = "keras.src.layers.preprocessing.hashing.Hashing")
)
attr(layer_hashing, "r6_class") <- Hashing

hashing_check_mask_value <- function(mask_value) {
  if (is.null(mask_value)) return(NULL)
  if (is.list(mask_value) && length(mask_value) == 1) mask_value <- mask_value[[1]]
  ok <- length(mask_value) == 1 && !is.na(mask_value) &&
    (is.character(mask_value) || (is.numeric(mask_value) && is.finite(mask_value) && mask_value == trunc(mask_value)))
  if (!ok)
    recurrent_abort(c("{.arg mask_value} must be {.code NULL}, a string or a whole number.",
                      x = "Got {describe_value(mask_value)}."), call = NULL)
  mask_value
}

# The SipHash key as two whole numbers; the C++ side reads them as unsigned 64-bit
# words, so they must be exact doubles.
hashing_check_salt <- function(salt) {
  if (is.null(salt)) return(NULL)
  if (is.list(salt)) salt <- unlist(salt)
  ok <- is.numeric(salt) && length(salt) %in% 1:2 && !anyNA(salt) && all(is.finite(salt)) &&
    all(salt == trunc(salt)) && all(salt >= 0) && all(salt <= 2^53)
  if (!ok)
    recurrent_abort(c("{.arg salt} must be {.code NULL}, one whole number, or two (the SipHash key), each in [0, 2^53].",
                      x = "Got {describe_value(salt)}."), call = NULL)
  if (length(salt) == 1) salt <- c(salt, salt)
  as.numeric(salt)
}

# Values' strings as Keras hashes them: UTF-8 strings as they are; numbers in
# decimal, floats truncated towards zero (Keras casts them to int64).
hashing_strings <- function(x, layer_name) {
  if (is.character(x)) {
    if (anyNA(x))
      recurrent_abort(c("Inputs of layer {.val {layer_name}} must not be missing.", x = "Found {sum(is.na(x))} NA value{?s}."),
                      call = NULL)
    return(enc2utf8(as.vector(x)))
  }
  if (is.integer(x)) {
    if (anyNA(x))
      recurrent_abort(c("Inputs of layer {.val {layer_name}} must not be missing.", x = "Found {sum(is.na(x))} NA value{?s}."),
                      call = NULL)
    return(sprintf("%d", as.vector(x)))
  }
  if (is.double(x)) {
    if (anyNA(x) || any(!is.finite(x)) || any(abs(x) >= 2^63))
      recurrent_abort(c("Numeric inputs of layer {.val {layer_name}} must be finite and fit in 64-bit integers.",
                        x = "Got {describe_value(x)}."), call = NULL)
    # + 0 turns -0 (from truncating -0.5) into 0, which prints as "0" like Keras's int64
    return(sprintf("%.0f", trunc(as.vector(x)) + 0))
  }
  recurrent_abort(c("Inputs of layer {.val {layer_name}} must be strings or numbers.", x = "Got {describe_value(x)}."),
                  call = NULL)
}

# Bins (0-based); with a mask value (and more than one bin) the mask gets 0 and the
# rest are hashed into num_bins - 1 bins shifted up by one, as Keras.
hashing_bins <- function(x, num_bins, mask_value, salt, layer_name) {
  strings <- hashing_strings(x, layer_name)
  masked <- !is.null(mask_value) && num_bins > 1
  if (masked) {
    if (is.character(x) != is.character(mask_value))
      recurrent_abort(c("{.arg mask_value} of layer {.val {layer_name}} must have the inputs' type.",
                        x = "Inputs are {if (is.character(x)) 'strings' else 'numbers'}; {.arg mask_value} is {describe_value(mask_value)}."),
                      call = NULL)
    is_mask <- as.vector(x) == mask_value
    bins <- cpp_hashing_bins(strings, as.integer(num_bins - 1L), salt %||% numeric()) + 1L
    bins[is_mask] <- 0L
    return(bins)
  }
  cpp_hashing_bins(strings, as.integer(num_bins), salt %||% numeric())
}
