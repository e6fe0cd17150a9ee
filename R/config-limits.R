# Caps on fit() for debugging and tests (Keras 3's keras.config.max_epochs() and
# max_steps_per_epoch()): set here or through the environment variables
# KERAS_MAX_EPOCHS and KERAS_MAX_STEPS_PER_EPOCH, as Keras reads them.

fit_limits <- new.env(parent = emptyenv())

limit_from_env <- function(var) {
  v <- Sys.getenv(var, "")
  if (!nzchar(v)) return(NULL)
  n <- suppressWarnings(as.integer(v))
  if (is.na(n) || n < 1) return(NULL)
  n
}

#' Cap the epochs and steps of every fit()
#'
#' `config_set_max_epochs()` caps the number of epochs of every [fit()] call,
#' `config_set_max_steps_per_epoch()` the number of batches per epoch, whatever
#' `fit()` is asked for: a quick way to smoke-test a training script. `NULL`
#' removes a cap. Without a setting, the environment variables
#' `KERAS_MAX_EPOCHS` and `KERAS_MAX_STEPS_PER_EPOCH` are used, as in Keras.
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
capped_steps <- function(steps) {
  cap <- config_max_steps_per_epoch()
  if (is.null(cap)) steps else min(steps, cap)
}
