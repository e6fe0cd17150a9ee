#' Default float type and fuzz factor
#'
#' `config_floatx()` is the dtype that R numbers become when converted to
#' tensors and that new weights get: `"float32"` unless changed.
#' `config_set_floatx("float64")` makes everything compute in double precision
#' (useful for gradient checks). `config_epsilon()` is the small constant that
#' losses and optimizers add to avoid dividing by zero (`1e-7`).
#'
#' @param value For `config_set_floatx()`, `"float32"` or `"float64"`; for
#'   `config_set_epsilon()`, a positive number.
#' @returns `config_floatx()` and `config_epsilon()` return the current
#'   value; the setters return the previous value invisibly.
#' @examples
#' config_floatx()
#' old <- config_set_floatx("float64")
#' config_floatx()
#' config_set_floatx(old)
#' @export
config_floatx <- function() cpp_floatx()

#' @rdname config_floatx
#' @export
config_set_floatx <- function(value) {
  if (!is.character(value) || length(value) != 1 || !value %in% c("float32", "float64")) {
    got <- if (is.character(value) && length(value) == 1) value else class(value)[1]
    cli::cli_abort(c("{.arg value} must be {.val float32} or {.val float64}.", x = "Got {.val {got}}."),
                   class = c("recurrent_error_argument", "recurrent_error"))
  }
  old <- cpp_floatx()
  cpp_set_floatx(value)
  invisible(old)
}

the <- new.env(parent = emptyenv())
the$epsilon <- 1e-7

#' @rdname config_floatx
#' @export
config_epsilon <- function() the$epsilon

#' @rdname config_floatx
#' @export
config_set_epsilon <- function(value) {
  check_number(value, min = 0, min_open = TRUE)
  old <- the$epsilon
  the$epsilon <- value
  invisible(old)
}

#' @rdname config_floatx
#' @export
config_backend <- function() "recurrent"

#' Image data format
#'
#' The layout Keras assumes for image-like inputs: recurrent always uses
#' `"channels_last"` (features on the last axis, as its recurrent layers expect
#' `(batch, time, features)`).
#'
#' @returns `"channels_last"`.
#' @examples
#' config_image_data_format()
#' @export
config_image_data_format <- function() "channels_last"

the$interactive_logging <- TRUE

#' Turn the progress output of fit() on or off
#'
#' `config_disable_interactive_logging()` silences what [fit()], [evaluate()]
#' and [predict()] print while they run (the `Epoch 1/10` lines and the
#' progress bars), whatever their `verbose` argument says, as Keras does when
#' interactive logging is off. `config_enable_interactive_logging()` turns the
#' output back on; `config_is_interactive_logging_enabled()` tells which is in
#' effect. Logging is on when the package loads. The messages that callbacks
#' print with their own `verbose` are not affected.
#'
#' @returns `config_is_interactive_logging_enabled()` returns `TRUE` or
#'   `FALSE`; the others return the previous setting invisibly.
#' @examples
#' config_disable_interactive_logging()
#' config_is_interactive_logging_enabled()
#' config_enable_interactive_logging()
#' @export
config_disable_interactive_logging <- function() {
  old <- the$interactive_logging
  the$interactive_logging <- FALSE
  invisible(old)
}

#' @rdname config_disable_interactive_logging
#' @export
config_enable_interactive_logging <- function() {
  old <- the$interactive_logging
  the$interactive_logging <- TRUE
  invisible(old)
}

#' @rdname config_disable_interactive_logging
#' @export
config_is_interactive_logging_enabled <- function() the$interactive_logging
