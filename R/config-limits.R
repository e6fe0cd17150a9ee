# Caps for debugging and tests (Keras 3's keras.config.max_epochs(), on fit(), and
# max_steps_per_epoch(), on fit(), evaluate() and predict()): set here or through the
# environment variables KERAS_MAX_EPOCHS and KERAS_MAX_STEPS_PER_EPOCH, as Keras
# reads them.

fit_limits <- new.env(parent = emptyenv())

limit_from_env <- function(var) {
  v <- Sys.getenv(var, "")
  if (!nzchar(v)) return(NULL)
  n <- suppressWarnings(as.integer(v))
  if (is.na(n) || n < 1) return(NULL)
  n
}

#' Cap the epochs of fit() and the steps of fit(), evaluate() and predict()
#'
#' `config_set_max_epochs()` caps the number of epochs of every [fit()] call;
#' `config_set_max_steps_per_epoch()` caps the number of batches of each
#' epoch of [fit()] (and of its validation), of [evaluate()] and of
#' [predict()], whatever they are asked for: a quick way to smoke-test a
#' script. As in Keras, the step cap acts as a `steps_per_epoch` (or `steps`)
#' argument where none is given or a larger one is, so a dataset or generator
#' needs no `steps_per_epoch` under a cap, and a capped dataset continues
#' where the previous epoch stopped. `NULL` removes a cap. Without a setting,
#' the environment variables `KERAS_MAX_EPOCHS` and
#' `KERAS_MAX_STEPS_PER_EPOCH` are used, as in Keras. Single-batch functions
#' ([train_on_batch()], [predict_on_batch()]) are not capped.
#'
#' @param max_epochs,max_steps_per_epoch `NULL` or a whole number >= 1.
#' @returns `config_max_epochs()` and `config_max_steps_per_epoch()`: the cap, or
#'   `NULL`. The setters return the previous cap, invisibly.
#' @examples
#' old <- config_set_max_epochs(2)
#' config_max_epochs()
#' model <- keras_model_sequential(input_shape = 3) |> layer_dense(1)
#' model |> compile(optimizer = "sgd", loss = "mse")
#' h <- model |> fit(matrix(runif(30), 10), runif(10), epochs = 100, verbose = 0)
#' length(h$metrics$loss)
#' config_set_max_epochs(old)
#' @export
config_max_epochs <- function() fit_limits$max_epochs %||% limit_from_env("KERAS_MAX_EPOCHS")

#' @rdname config_max_epochs
#' @export
config_set_max_epochs <- function(max_epochs) {
  old <- fit_limits$max_epochs
  fit_limits$max_epochs <- check_count(max_epochs, "max_epochs", min = 1, null_ok = TRUE)
  invisible(old)
}

#' @rdname config_max_epochs
#' @export
config_max_steps_per_epoch <- function() {
  fit_limits$max_steps_per_epoch %||% limit_from_env("KERAS_MAX_STEPS_PER_EPOCH")
}

#' @rdname config_max_epochs
#' @export
config_set_max_steps_per_epoch <- function(max_steps_per_epoch) {
  old <- fit_limits$max_steps_per_epoch
  fit_limits$max_steps_per_epoch <- check_count(max_steps_per_epoch, "max_steps_per_epoch", min = 1, null_ok = TRUE)
  invisible(old)
}

# The epochs and steps fit() runs once the caps apply.
capped_epochs <- function(epochs) {
  cap <- config_max_epochs()
  if (is.null(cap)) epochs else min(epochs, cap)
}
# The steps per epoch of fit(), evaluate() (and fit()'s validation) and predict() once
# the cap applies. As Keras's EpochIterator does (keras/src/trainers/epoch_iterator.py,
# which all three use), the cap replaces a missing or larger `steps_per_epoch`, so a
# capped dataset continues across epochs as with an explicit `steps_per_epoch`.
capped_steps <- function(steps) {
  cap <- config_max_steps_per_epoch()
  if (is.null(cap)) steps else if (is.null(steps)) cap else min(steps, cap)
}
