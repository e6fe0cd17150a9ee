# Argument checks shared by the whole package: layers, cells, initializers, ops,
# optimizers, losses, metrics, callbacks and fit().
#
# Each check_*() takes the value, the argument's name (`arg`, by default the caller's
# expression through rlang::caller_arg()) and the call to blame (`call`, by default
# the caller's frame), returns the value in the type the caller stores, or signals a
# "recurrent_error_argument" that names the argument, says what it must be and shows
# what it got. `arg` and `call` are promises, only forced on error, so the checks cost
# little on the success path (ops run them once per timestep of a custom cell).

# Signal a recurrent error: class `class` (an argument error unless told otherwise)
# plus "recurrent_error". The message is interpolated in the caller's frame.
recurrent_abort <- function(message, ..., call = rlang::caller_env(), .envir = parent.frame(),
                            class = "recurrent_error_argument") {
  cli::cli_abort(message, ..., class = c(class, "recurrent_error"), call = call, .envir = .envir)
}

# A short description of a value for the "x Got ..." bullet: the value itself when it
# is short (2.5, TRUE, NA, "adam", c(1, 2), NULL), otherwise its class and length.
describe_value <- function(x) {
  if (is.null(x)) return("NULL")
  if (!is.object(x) && (is.numeric(x) || is.logical(x))) {
    if (length(x) == 1L) return(format(unname(x)))
    if (length(x) >= 2L && length(x) <= 6L) return(paste0("c(", paste(format(unname(x)), collapse = ", "), ")"))
  }
  if (!is.object(x) && is.character(x) && length(x) == 1L) return(encodeString(x, quote = '"'))
  paste0("an object of class <", class(x)[1], "> and length ", length(x))
}

# The error of every check below: "`arg` must be <what>." and "x Got <value>.".
# `what` is part of the cli template, so it may hold inline markup ({.code NULL}).
abort_must_be <- function(x, what, arg, call) {
  got <- describe_value(x)
  recurrent_abort(c(paste0("{.arg {arg}} must be ", what, "."), x = "Got {got}."), call = call)
}

or_null <- function(what, null_ok) if (null_ok) paste("{.code NULL} or", what) else what

# TRUE or FALSE (not NA).
check_flag <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.logical(x) || length(x) != 1L || is.na(x))
    abort_must_be(x, "{.code TRUE} or {.code FALSE}", arg, call)
  x
}

# A whole number of at least `min` (-Inf: any whole number) and at most `max`
# (by default the largest integer R has), as an integer; NULL passes when `null_ok`.
# The range is checked on the number as given, before as.integer() could turn it
# into NA.
check_count <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(),
                        min = 0, null_ok = FALSE, max = .Machine$integer.max) {
  if (is.null(x) && null_ok) return(NULL)
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || !is.finite(x) || x != trunc(x) || x < min) {
    what <- if (min == 0) "a non-negative whole number"
            else if (min == 1) "a positive whole number"
            else if (is.finite(min)) paste("a whole number of at least", format(min))
            else "a whole number"
    abort_must_be(x, or_null(what, null_ok), arg, call)
  }
  if (x > max) {
    got <- describe_value(x)
    recurrent_abort(c("{.arg {arg}} must be at most {format(max, big.mark = ',', scientific = FALSE)}.",
                      x = "Got {got}."), call = call)
  }
  as.integer(x)
}

# The number of values of a weight or state of shape `dims` (doubles, so that no
# product overflows), checked against the largest array recurrent makes: an absurd
# request fails here, at once, instead of starting an allocation of many gigabytes.
# `what` names the array and `arg` the argument that asked for it.
check_alloc_size <- function(dims, what, arg = NULL, call = rlang::caller_env()) {
  n <- prod(as.numeric(dims))
  limit <- max_array_size()
  if (is.na(n) || n > limit) {
    shape_txt <- paste0("(", paste(vapply(as.numeric(dims), format, "", scientific = FALSE, big.mark = ","), collapse = ", "), ")")
    gb <- format(signif(n * 4 / 2^30, 3), big.mark = ",", scientific = FALSE)
    recurrent_abort(c(paste0(if (is.null(arg)) "" else "{.arg {arg}} is too large: ", "{what} of shape {shape_txt} would hold {format(n, big.mark = ',', scientific = FALSE)} values (about {gb} GB in float32)."),
                      i = "The largest array recurrent makes here holds {format(floor(limit), big.mark = ',', scientific = FALSE)} values (R's array limit and the memory available; see {.code options(recurrent.max_array_size)})."),
                    class = c("recurrent_error_size", "recurrent_error_argument"), call = call)
  }
  invisible(n)
}

# The largest array recurrent makes: R's limit for an array with integer dims, and
# what the memory available now can hold while an initializer fills it (R draws
# doubles, then the tensor is made: about 24 bytes per value at the peak). Set
# options(recurrent.max_array_size = ) to choose another limit.
max_array_size <- function() {
  lim <- getOption("recurrent.max_array_size")
  if (is.numeric(lim) && length(lim) == 1L && !is.na(lim) && lim >= 1) return(min(lim, .Machine$integer.max))
  min(.Machine$integer.max, available_memory() / 24)
}

# Bytes of memory available (Linux: MemAvailable in /proc/meminfo); Inf where unknown.
available_memory <- function() {
  info <- tryCatch(suppressWarnings(readLines("/proc/meminfo", n = 5L)), error = function(e) character())
  line <- grep("^MemAvailable:", info, value = TRUE)
  kb <- suppressWarnings(as.numeric(gsub("[^0-9]", "", line)))
  if (length(kb) != 1L || is.na(kb) || kb <= 0) Inf else kb * 1024
}

# A single number within [min, max] (either end open with min_open/max_open), as a
# double; NULL passes when `null_ok`.
check_number <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(),
                         min = -Inf, max = Inf, min_open = FALSE, max_open = FALSE, null_ok = FALSE) {
  if (is.null(x) && null_ok) return(NULL)
  if (!is.numeric(x) || length(x) != 1L || is.na(x) ||
      (if (min_open) x <= min else x < min) || (if (max_open) x >= max else x > max)) {
    lo <- is.finite(min)
    hi <- is.finite(max)
    what <- if (lo && hi && !min_open && !max_open) {
      paste("a single number between", format(min), "and", format(max))
    } else if (lo && !hi && min == 0) {
      if (min_open) "a single positive number" else "a single non-negative number"
    } else {
      bounds <- c(if (lo) paste(if (min_open) ">" else ">=", format(min)),
                  if (hi) paste(if (max_open) "<" else "<=", format(max)))
      paste(c("a single number", if (length(bounds)) paste(bounds, collapse = " and ")), collapse = " ")
    }
    abort_must_be(x, or_null(what, null_ok), arg, call)
  }
  as.double(x)
}

# A rate such as a dropout fraction: a number between 0 and 1.
check_rate <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  check_number(x, arg, call, min = 0, max = 1)
}

# A random seed: NULL or any whole number, as an integer.
check_seed <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (inherits(x, "recurrent_seed_generator")) return(x)
  if (!is.null(x) && (!is.numeric(x) || length(x) != 1L || is.na(x) || x != trunc(x) ||
                      abs(x) > .Machine$integer.max))
    abort_must_be(x, "{.code NULL}, a whole number or a {.fn random_seed_generator}", arg, call)
  if (is.null(x)) NULL else as.integer(x)
}

# A single string (not NA); NULL passes when `null_ok`.
check_string <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(), null_ok = FALSE) {
  if (is.null(x) && null_ok) return(NULL)
  if (!is.character(x) || length(x) != 1L || is.na(x))
    abort_must_be(x, or_null("a single string", null_ok), arg, call)
  x
}

# `dots` (a list(...)) must be empty where keras3 forwards extra arguments to Python:
# we have no place to send them, so a typo must not pass silently.
check_dots_empty <- function(dots, call = rlang::caller_env()) {
  if (length(dots)) {
    nms <- names(dots)
    if (is.null(nms)) nms <- rep("", length(dots))
    shown <- ifelse(nzchar(nms), nms, "<unnamed>")
    recurrent_abort(c("Unknown argument{?s}: {.arg {shown}}.",
                      i = "Check the spelling; recurrent does not pass extra arguments on."), call = call)
  }
}

# NULL-default operator (base R has it only from 4.4.0).
`%||%` <- function(x, y) if (is.null(x)) y else x
