# Checks of scalar arguments shared by layers, cells and initializers. Each returns the
# value in the type the caller stores, or raises a recurrent_error_argument naming the
# argument, what it must be and what it got.

check_flag <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.logical(x) || length(x) != 1 || is.na(x))
    cli::cli_abort(c("{.arg {arg}} must be {.code TRUE} or {.code FALSE}.", x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  x
}

check_count <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(), min = 1) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x != trunc(x) || x < min)
    cli::cli_abort(c("{.arg {arg}} must be a whole number of at least {min}.",
                     x = if (is.numeric(x) && length(x) == 1) "Got {.val {x}}." else "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  as.integer(x)
}

check_number <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(), positive = FALSE) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || (positive && x <= 0)) {
    what <- if (positive) "a positive number" else "a number"
    cli::cli_abort(c("{.arg {arg}} must be {what}.", x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  as.numeric(x)
}

check_rate <- function(x, arg = rlang::caller_arg(x), call = NULL) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x < 0 || x > 1)
    cli::cli_abort(c("{.arg {arg}} must be a number between 0 and 1.", x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  as.double(x)
}

check_seed <- function(seed, arg = rlang::caller_arg(seed), call = rlang::caller_env()) {
  if (is.null(seed)) return(NULL)
  if (!is.numeric(seed) || length(seed) != 1 || is.na(seed) || seed != trunc(seed))
    cli::cli_abort(c("{.arg {arg}} must be {.code NULL} or a whole number.", x = "Got {.obj_type_friendly {seed}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  as.integer(seed)
}
