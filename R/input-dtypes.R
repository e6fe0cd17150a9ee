# Inputs of other dtypes. Keras's ops promote an integer or bool operand to the
# float dtype of the other (matmul of int32 ids with a float32 kernel is float32),
# so an integer or logical array fed to a recurrent layer computes as its float
# values. The fused recurrent kernels take float input only; recurrent layers cast
# here, once per call.

cast_to_compute_dtype <- function(x, dtype) {
  if (inherits(x, "recurrent_tensor") && cpp_dtype(x) %in% c("int32", "bool")) {
    m <- get_keras_mask(x)
    x <- cpp_tensor(x, dtype)
    if (!is.null(m)) attr(x, "keras_mask") <- m
  }
  x
}

rnn_convert_inputs <- function(x, dtype) {
  x <- convert_call_input(x, dtype)
  if (is.list(x) && !is.object(x)) return(lapply(x, cast_to_compute_dtype, dtype = dtype))
  cast_to_compute_dtype(x, dtype)
}

# Dtypes keras3 accepts that have no counterpart here: a clear error.
check_supported_dtype <- function(dtype, arg = "dtype", call = rlang::caller_env()) {
  if (!is.character(dtype) || length(dtype) != 1) return(invisible())
  if (dtype %in% c("string", "str"))
    cli::cli_abort(c("String tensors are not supported: {.arg {arg}} = {.val {dtype}}.",
                     i = "Turn text into integer ids in R first (e.g. with {.fn match} against a vocabulary) and use {.code dtype = \"int32\"}."),
                   class = c("recurrent_error_unsupported", "recurrent_error_argument", "recurrent_error"), call = call)
  if (dtype %in% c("float16", "bfloat16", "mixed_float16", "mixed_bfloat16"))
    cli::cli_abort(c("Half precision is not supported: {.arg {arg}} = {.val {dtype}}.",
                     i = "This package computes in {.val float32} (default) or {.val float64}."),
                   class = c("recurrent_error_unsupported", "recurrent_error_argument", "recurrent_error"), call = call)
  invisible()
}
