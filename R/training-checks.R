# Argument checks shared by optimizers, losses, metrics, callbacks and fit(): each
# names the user's argument and the user's function (rlang's caller_arg/caller_env)
# and signals class "recurrent_error_argument".

tr_abort <- function(message, ..., call = rlang::caller_env(), .envir = parent.frame(),
                     class = "recurrent_error_argument") {
  cli::cli_abort(message, ..., class = c(class, "recurrent_error"), call = call, .envir = .envir)
}

# A short description of a bad value for the "x Got ..." bullet.
tr_got <- function(x) {
  if (is.null(x)) return("NULL")
  if ((is.numeric(x) || is.logical(x)) && length(x) == 1) return(format(x))
  if (is.character(x) && length(x) == 1) return(encodeString(x, quote = '"'))
  if (is.numeric(x) && length(x) <= 5) return(paste0("c(", paste(format(x), collapse = ", "), ")"))
  paste0("an object of class <", class(x)[1], "> and length ", length(x))
}

tr_number <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(),
                      min = -Inf, max = Inf, min_open = FALSE, null_ok = FALSE) {
  if (is.null(x) && null_ok) return(NULL)
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && x <= max && (if (min_open) x > min else x >= min)
  if (!ok) {
    got <- tr_got(x)
    range <- if (is.finite(min) && is.finite(max)) sprintf(" between %s and %s", format(min), format(max))
             else if (is.finite(min)) sprintf(" %s %s", if (min_open) ">" else ">=", format(min))
             else ""
    tr_abort(c("{.arg {arg}} must be a single number{range}.", x = "Got {got}."), call = call)
  }
  as.double(x)
}

tr_count <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(), min = 0, null_ok = FALSE) {
  if (is.null(x) && null_ok) return(NULL)
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && x == trunc(x) && x >= min
  if (!ok) {
    got <- tr_got(x)
    what <- if (min >= 1) "a positive whole number" else "a non-negative whole number"
    tr_abort(c("{.arg {arg}} must be {what}.", x = "Got {got}."), call = call)
  }
  as.integer(x)
}

tr_flag <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.logical(x) || length(x) != 1 || is.na(x)) {
    got <- tr_got(x)
    tr_abort(c("{.arg {arg}} must be {.val {TRUE}} or {.val {FALSE}}.", x = "Got {got}."), call = call)
  }
  x
}

tr_string <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env(), null_ok = FALSE) {
  if (is.null(x) && null_ok) return(NULL)
  if (!is.character(x) || length(x) != 1 || is.na(x)) {
    got <- tr_got(x)
    tr_abort(c("{.arg {arg}} must be a single string.", x = "Got {got}."), call = call)
  }
  x
}

tr_choice <- function(x, choices, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.character(x) || length(x) != 1 || !x %in% choices) {
    got <- tr_got(x)
    tr_abort(c("{.arg {arg}} must be one of {.val {choices}}.", x = "Got {got}."), call = call)
  }
  x
}

# `...` must be empty where keras3 forwards extra arguments to Python: we have no
# place to send them, so a typo must not pass silently.
tr_check_dots_empty <- function(dots, call = rlang::caller_env()) {
  if (length(dots)) {
    nms <- names(dots)
    if (is.null(nms)) nms <- rep("", length(dots))
    shown <- ifelse(nzchar(nms), nms, "<unnamed>")
    tr_abort(c("Unknown argument{?s}: {.arg {shown}}.",
               i = "Check the spelling; recurrent does not pass extra arguments on."), call = call)
  }
}

`%||%` <- function(x, y) if (is.null(x)) y else x
