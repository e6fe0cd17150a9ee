# keras3's dtype policy functions and use_backend(), on a package that computes
# natively in float32 or float64.

#' The global dtype policy
#'
#' A dtype policy names the dtype layers compute in and store their weights
#' in. This package supports the plain float policies `"float32"` (the
#' default) and `"float64"`, which are the same setting as
#' [config_set_floatx()]; mixed precision (`"mixed_float16"`,
#' `"mixed_bfloat16"`) is not supported and is an error.
#'
#' @param policy `"float32"` or `"float64"`, or a policy from
#'   `config_dtype_policy()`.
#' @returns `config_dtype_policy()`: the current policy (class
#'   `recurrent_dtype_policy`, with fields `name`, `compute_dtype` and
#'   `variable_dtype`). `config_set_dtype_policy()`: the previous policy,
#'   invisibly.
#' @examples
#' config_dtype_policy()
#' old <- config_set_dtype_policy("float64")
#' config_floatx()
#' config_set_dtype_policy(old)
#' @export
config_dtype_policy <- function() {
  fx <- config_floatx()
  structure(list(name = fx, compute_dtype = fx, variable_dtype = fx),
            class = c("recurrent_dtype_policy", "keras.src.dtype_policies.dtype_policy.DTypePolicy"))
}

#' @rdname config_dtype_policy
#' @export
config_set_dtype_policy <- function(policy) {
  call <- rlang::current_env()
  if (inherits(policy, "recurrent_dtype_policy")) policy <- policy$name
  policy <- check_string(policy, "policy", call = call)
  if (grepl("^mixed_|16$", policy))
    cli::cli_abort(c("Mixed and half precision are not supported: got policy {.val {policy}}.",
                     i = "This package computes in {.val float32} or {.val float64}."),
                   class = c("recurrent_error_unsupported", "recurrent_error_argument", "recurrent_error"), call = call)
  if (!policy %in% c("float32", "float64"))
    cli::cli_abort(c("{.arg policy} must be {.val float32} or {.val float64}.", x = "Got {.val {policy}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  old <- config_dtype_policy()
  config_set_floatx(policy)
  invisible(old)
}

#' @export
print.recurrent_dtype_policy <- function(x, ...) {
  cat(sprintf("<DTypePolicy \"%s\">\n", x$name))
  invisible(x)
}

#' Choose a backend (accepted for keras3 compatibility)
#'
#' keras3 runs on TensorFlow, JAX or PyTorch and `use_backend()` picks one.
#' This package has a single native backend (C++ through Rcpp, no Python), so
#' `use_backend()` changes nothing: it accepts the keras3 names, says so once
#' per session, and returns the backend in use ([config_backend()]).
#'
#' @param backend `"tensorflow"`, `"jax"`, `"torch"`, `"numpy"` or
#'   `"recurrent"`.
#' @param gpu Ignored (`NA`, `TRUE` or `FALSE`): computation runs on the CPU.
#' @returns `"recurrent"`, invisibly.
#' @examples
#' use_backend("jax")
#' @export
use_backend <- function(backend, gpu = NA) {
  call <- rlang::current_env()
  backend <- check_string(backend, "backend", call = call)
  known <- c("tensorflow", "jax", "torch", "numpy", "openvino", "recurrent")
  if (!backend %in% known)
    cli::cli_abort(c("{.arg backend} must be one of {.val {known}}.", x = "Got {.val {backend}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (!(is.logical(gpu) && length(gpu) == 1))
    cli::cli_abort(c("{.arg gpu} must be {.code NA}, {.code TRUE} or {.code FALSE}.", x = "Got {.obj_type_friendly {gpu}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (backend != "recurrent")
    cli::cli_inform(c(i = "recurrent computes natively (C++, on the CPU); {.fn use_backend} accepts {.val {backend}} and changes nothing."),
                    .frequency = "once", .frequency_id = "recurrent_use_backend")
  invisible(config_backend())
}
