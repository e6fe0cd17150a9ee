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
#' print with their own `verbose` (early stopping, checkpoints, ...) are
#' silenced too.
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

#' Threads for the recurrent kernels
#'
#' `config_set_num_threads()` sets how many threads the fused SimpleRNN, GRU and
#' LSTM kernels may use, counting the R thread itself; `config_num_threads()`
#' returns the current number. The default is 1: everything runs on R's own
#' thread and no extra thread is started.
#'
#' With more than one thread, the large matrix products (the input projection,
#' the per-timestep recurrent product when it is big enough, the weight
#' gradients), the gate computations over the batch rows and large
#' convolutions (by output rows, or by kernel rows for the kernel's gradient)
#' are split between the threads. Small problems stay on one thread, where waking the others
#' would cost more than it saves. The split never changes the order in which a
#' value is summed, so results are the same with any number of threads.
#' Between the pieces of a kernel the extra threads wait for more work by
#' spinning for a fraction of a millisecond, so a run uses somewhat more CPU
#' time in total than with one thread.
#'
#' Only ask for threads that have a core to themselves. On a shared machine, or
#' next to other busy processes, a thread that waits for a busy core stalls
#' every timestep of the kernel, and the run can be much slower than with a
#' single thread. Measure before you keep a setting (see
#' `inst/bench/bench-threads.R`).
#'
#' @param n A whole number, at least 1.
#' @returns `config_num_threads()` returns the current number of threads;
#'   `config_set_num_threads()` returns the previous number invisibly.
#' @examples
#' config_num_threads()
#' old <- config_set_num_threads(2)
#' config_num_threads()
#' config_set_num_threads(old)
#' @export
config_set_num_threads <- function(n) {
  n <- check_count(n, min = 1)
  old <- cpp_num_threads()
  cpp_set_num_threads(n)
  invisible(old)
}

#' @rdname config_set_num_threads
#' @export
config_num_threads <- function() cpp_num_threads()
