# fit() and evaluate(): epochs of batches, validation, callbacks, progress and the
# returned history, following keras/src/backend/tensorflow/trainer.py.

#' @rdname evaluate.recurrent_model
#' @export
evaluate <- function(object, ...) UseMethod("evaluate")

#' Train a model
#'
#' Trains a compiled model for a number of epochs on R arrays, with keras3's
#' arguments and behaviour: each epoch visits every sample once in batches of
#' `batch_size` (in a new random order when `shuffle = TRUE`, drawn from R's
#' random number generator so `set.seed()` makes runs reproducible), after each
#' batch the optimizer updates the weights, and after each epoch the validation
#' data (if any) is evaluated and the callbacks run. With `verbose = 1` a
#' progress bar per epoch shows the running mean of the loss and metrics; with
#' `verbose = 2` one line per epoch.
#'
#' Pressing Ctrl+C (Esc in RStudio) stops training between two batches: the
#' weights are those after the last completed batch, and the history of the
#' completed epochs is returned.
#'
#' A model with stateful recurrent layers carries their states from one batch to
#' the next; use `shuffle = FALSE` (so consecutive batches continue the same
#' sequences), a number of samples divisible by `batch_size`, and reset the
#' states between epochs yourself (for example with
#' `callback_lambda(on_epoch_begin = function(epoch, logs) reset_state(model))`).
#'
#' @param object A compiled model (see [compile()]).
#' @param x Inputs: an R array whose first axis is the samples, a data frame, a
#'   tensor, or a list of these for a model with several inputs. Or a dataset
#'   (e.g. [timeseries_dataset_from_array()]) or an R function returning the
#'   next batch, `list(x, y)` or `list(x, y, sample_weight)` (with
#'   `steps_per_epoch`): then `y` and `sample_weight` stay `NULL` and
#'   `batch_size` is not used.
#' @param y Targets, like `x`. A factor becomes 0-based integer class ids (for
#'   sparse categorical losses and metrics).
#' @param ... Must be empty.
#' @param batch_size Whole number of samples per gradient update. Default 32.
#' @param epochs Whole number: the epoch to train up to (together with
#'   `initial_epoch`, the final epoch number). Default 1.
#' @param callbacks A list of callbacks (`callback_*()` or [Callback()] objects).
#' @param validation_split Number in `[0, 1)`: the fraction of the samples, taken
#'   from the end of `x` and `y` before shuffling, held out for validation.
#' @param validation_data `list(x_val, y_val)` or `list(x_val, y_val,
#'   sample_weight_val)`; overrides `validation_split`.
#' @param shuffle Logical. Shuffle the samples before each epoch. Default `TRUE`.
#' @param class_weight `NULL` or a named list (or named numeric vector) mapping
#'   0-based class ids to weights for the loss, e.g. `list("0" = 1, "1" = 5)`.
#'   Classes come from integer targets or the position of the largest entry of
#'   one-hot targets. An unnamed vector gives the weights of classes 0, 1, ...
#' @param sample_weight `NULL` or a weight per training sample (or per sample
#'   and timestep).
#' @param initial_epoch Whole number: the epoch to start from (1-based), to
#'   resume training.
#' @param steps_per_epoch `NULL` (all batches) or the number of batches per epoch.
#' @param validation_steps `NULL` (all) or the number of validation batches.
#' @param validation_batch_size `NULL` (same as `batch_size`) or a whole number.
#' @param validation_freq Whole number: validate every this many epochs.
#' @param verbose `"auto"` (default: 1, but 2 while knitting and 0 under
#'   testthat), 0 (silent), 1 (progress bar) or 2 (one line per epoch). The
#'   default can be set with `options(keras.verbose = )`.
#' @param view_metrics Accepted for compatibility; no live plot is shown.
#' @returns A `keras_training_history` (see [training_history]), invisibly.
#' @examples
#' set.seed(1)
#' x <- matrix(runif(200), 100, 2)
#' y <- x %*% c(2, -1) + 0.5
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' compile(model, optimizer = optimizer_sgd(0.1), loss = "mse", metrics = "mae")
#' history <- fit(model, x, y, epochs = 5, batch_size = 10, validation_split = 0.2, verbose = 0)
#' history
#' evaluate(model, x, y, verbose = 0)
#' @method fit recurrent_model
#' @export
fit.recurrent_model <- function(object, x = NULL, y = NULL, ..., batch_size = NULL, epochs = 1L, callbacks = NULL,
                                validation_split = 0, validation_data = NULL, shuffle = TRUE, class_weight = NULL,
                                sample_weight = NULL, initial_epoch = 1L, steps_per_epoch = NULL,
                                validation_steps = NULL, validation_batch_size = NULL, validation_freq = 1L,
                                verbose = getOption("keras.verbose", default = "auto"),
                                view_metrics = getOption("keras.view_metrics", default = "auto")) {
  call <- rlang::current_env()
  check_dots_empty(rlang::list2(...), call = call)
  model <- model_r6(object)
  st <- require_compiled(model, "fit", call)
  wrapper <- wrap_layer(model)
  verbose <- resolve_verbose(verbose, call)
  batch_size <- check_batch_size(batch_size, call)
  epochs <- capped_epochs(check_count(epochs, call = call))
  initial_epoch <- check_count(initial_epoch, call = call, min = 1)
  validation_split <- check_number(validation_split, call = call, min = 0, max = 1)
  if (validation_split >= 1) recurrent_abort(c("{.arg validation_split} must be less than 1.", x = "Got 1."), call = call)
  shuffle <- check_flag(shuffle, call = call)
  steps_per_epoch <- check_count(steps_per_epoch, call = call, min = 1, null_ok = TRUE)
  validation_steps <- check_count(validation_steps, call = call, min = 1, null_ok = TRUE)
  val_batch_size <- check_batch_size(validation_batch_size %||% batch_size, call, "validation_batch_size")
  validation_freq <- check_count(validation_freq, call = call, min = 1)
  callbacks <- check_callbacks(callbacks, call)

  if (is_lazy_data(x)) {
    # a dataset or a generator: its batches carry the targets
    check_lazy_fit_args(y, sample_weight, validation_split, "x", call)
    source <- lazy_batch_source(x, steps_per_epoch, "x", call, class_weight)
    val <- if (!is.null(validation_data)) parse_validation_data(validation_data, call)
  } else {
    data <- prepare_xy(x, y, sample_weight, call)
    check_model_data(model, data$x, "x", call)
    if (!is.null(class_weight)) {
      if (!is.null(data$sample_weight))
        recurrent_abort("You cannot use {.arg class_weight} and {.arg sample_weight} at the same time.", call = call)
      if (is.null(data$y)) recurrent_abort("{.arg class_weight} needs targets {.arg y}.", call = call)
      data$sample_weight <- class_weight_to_sample_weight(data$y, class_weight, call)
    }
    val <- NULL
    if (!is.null(validation_data)) {
      val <- parse_validation_data(validation_data, call)
      if (!is_lazy_data(val)) check_model_data(model, val$x, "validation_data", call)
    } else if (validation_split > 0) {
      parts <- split_validation(data, validation_split, call)
      data <- parts$train
      val <- parts$val
    }
    check_stateful_fit(model, data$n, batch_size, shuffle, call)
    source <- array_batch_source(data, batch_size, shuffle, steps_per_epoch)
  }
  steps <- source$epoch_steps("steps_per_epoch", call)
  val_source <- if (!is.null(val)) evaluation_source(val, val_batch_size, validation_steps)
  if (!is.null(val_source)) val_source$epoch_steps("validation_steps", call)
  params <- list(verbose = verbose, epochs = epochs, steps = steps)
  for (cb in callbacks) {
    cb$set_model(wrapper)
    cb$set_params(params)
  }

  rec <- new.env(parent = emptyenv())
  rec$rows <- list()
  rec$epoch <- NA_integer_
  rec$batch <- 0L
  model$stop_training <- FALSE
  training_logs <- NULL
  interrupted <- FALSE
  model$fit_interrupted <- TRUE
  run_callbacks(callbacks, "on_train_begin")

  epoch_seq <- if (epochs >= initial_epoch) seq.int(initial_epoch, epochs) else integer()
  # callback_backup_and_restore() restored a run that completed these epochs
  if (!is.null(model$resume_after_epoch)) epoch_seq <- epoch_seq[epoch_seq > model$resume_after_epoch]
  tryCatch({
    for (epoch in epoch_seq) {
      rec$epoch <- epoch
      rec$batch <- 0L
      reset_compiled_metrics(st)
      run_callbacks(callbacks, "on_epoch_begin", epoch)
      if (verbose > 0 && epochs > 1) cat(sprintf("Epoch %d/%d\n", epoch, epochs))
      bar <- new_progbar(steps, verbose)
      source$begin_epoch()
      # the trainable variables, looked up once an epoch (walking the layers is not free)
      vars <- model$trainable_weights
      logs <- list()
      for (b in seq_len(steps)) {
        rec$batch <- b - 1L
        batch <- source$next_batch()
        if (is.null(batch)) {
          warn_ran_out_of_data(call)
          break
        }
        run_callbacks(callbacks, "on_train_batch_begin", b)
        logs <- train_step(wrapper, model, st, batch$x, batch$y, batch$sample_weight, call, vars)
        rec$batch <- b
        logs <- run_callbacks(callbacks, "on_train_batch_end", b, logs = logs)
        progress_update(bar, b, logs)
        if (isTRUE(model$stop_training)) break
      }
      epoch_logs <- if (st$built) compiled_results(st) else logs
      if (!is.null(val) && epoch %% validation_freq == 0) {
        val_logs <- run_evaluation(wrapper, model, st, val_source, val_batch_size, validation_steps, callbacks,
                                   verbose = 0L, call = call)
        names(val_logs) <- paste0("val_", names(val_logs))
        epoch_logs <- c(epoch_logs, val_logs)
      }
      progress_update(bar, steps, epoch_logs, finalize = TRUE)
      epoch_logs <- run_callbacks(callbacks, "on_epoch_end", epoch, logs = epoch_logs)
      rec$rows[[length(rec$rows) + 1]] <- epoch_logs
      training_logs <- epoch_logs
      if (isTRUE(model$stop_training)) break
    }
  }, interrupt = function(cnd) {
    interrupted <<- TRUE
  })
  if (interrupted) {
    cat("\n")
    cli::cli_inform(c("!" = "Training interrupted in epoch {rec$epoch} after {rec$batch} batch{?es} of that epoch.",
                      i = "The weights are those after the last completed batch; the history holds the {length(rec$rows)} completed epoch{?s}."),
                    class = "recurrent_message_interrupted")
  }
  if (length(epoch_seq)) st$optimizer$finalize_variable_values(model$trainable_weights)
  model$fit_interrupted <- interrupted
  run_callbacks(callbacks, "on_train_end", logs = training_logs %||% list())
  invisible(new_training_history(params, history_metrics(rec$rows)))
}

# One numeric vector per logged name, aligned by epoch (NA where a name is missing).
history_metrics <- function(rows) {
  keys <- unique(unlist(lapply(rows, names)))
  out <- lapply(keys, function(k) vapply(rows, function(r) {
    v <- r[[k]]
    if (is.null(v) || length(v) != 1 || !is.numeric(v)) NA_real_ else as.numeric(v)
  }, 0))
  names(out) <- keys
  out
}

check_callbacks <- function(callbacks, call) {
  if (is.null(callbacks)) return(list())
  if (inherits(callbacks, "recurrent_callback")) callbacks <- list(callbacks)
  if (!is.list(callbacks))
    recurrent_abort(c("{.arg callbacks} must be a list of callbacks.", x = "Got {describe_value(callbacks)}."), call = call)
  for (cb in callbacks) {
    if (!inherits(cb, "recurrent_callback"))
      recurrent_abort(c("Each element of {.arg callbacks} must be a callback, made by a {.fn callback_*} function or {.fn Callback}.",
                        x = "Got {describe_value(cb)}."), call = call)
  }
  unname(callbacks)
}

parse_validation_data <- function(validation_data, call) {
  if (is_lazy_data(validation_data)) return(validation_data)
  if (!is.list(validation_data) || is.data.frame(validation_data) || !length(validation_data) %in% 2:3)
    recurrent_abort(c("{.arg validation_data} must be {.code list(x_val, y_val)} or {.code list(x_val, y_val, sample_weight_val)}.",
                      x = "Got {describe_value(validation_data)}."), call = call)
  sw <- if (length(validation_data) == 3) validation_data[[3]] else NULL
  prepare_xy(validation_data[[1]], validation_data[[2]], sw, call, what = "validation_data[[1]]")
}

# Every stateful layer of a model (R6 objects), searched through nested layers.
stateful_layers <- function(model) {
  found <- list()
  seen <- character()
  visit <- function(l) {
    id <- rlang::obj_address(l)
    if (id %in% seen) return()
    seen <<- c(seen, id)
    if (isTRUE(tryCatch(l$stateful, error = function(e) FALSE))) found[[length(found) + 1]] <<- l
    for (child in layer_children(l)) visit(child)
  }
  visit(model)
  found
}

check_stateful_fit <- function(model, n, batch_size, shuffle, call) {
  st_layers <- stateful_layers(model)
  if (!length(st_layers)) return(invisible())
  names <- vapply(st_layers, function(l) l$name, "")
  if (shuffle)
    cli::cli_warn(c("Shuffling the samples of a model with stateful layer{?s} {.val {names}}.",
                    i = paste("A stateful layer starts each batch from the states the previous batch ended with,",
                              "so sample i of a batch should continue sample i of the batch before.",
                              "Shuffling breaks that link; use {.code shuffle = FALSE}.")),
                  class = "recurrent_warning_stateful_shuffle", call = call)
  if (n %% batch_size != 0)
    recurrent_abort(c("A model with stateful layers needs every batch to have {.arg batch_size} samples.",
                      x = "{n} sample{?s} do not divide into batches of {batch_size}.",
                      i = "Drop the remainder or choose a {.arg batch_size} that divides the number of samples."),
                    call = call)
  invisible()
}

# The loop evaluate() and fit()'s validation share: resets the metrics, runs
# test steps, returns the logs.
run_evaluation <- function(wrapper, model, st, data, batch_size, steps, callbacks, verbose, call) {
  reset_compiled_metrics(st)
  source <- evaluation_source(data, batch_size, steps)
  steps <- source$epoch_steps("steps", call)
  run_callbacks(callbacks, "on_test_begin")
  bar <- new_progbar(steps, verbose)
  source$begin_epoch()
  logs <- list()
  for (b in seq_len(steps)) {
    batch <- source$next_batch()
    if (is.null(batch)) break
    run_callbacks(callbacks, "on_test_batch_begin", b)
    logs <- test_step(wrapper, model, st, batch$x, batch$y, batch$sample_weight, call)
    logs <- run_callbacks(callbacks, "on_test_batch_end", b, logs = logs)
    progress_update(bar, b, logs)
  }
  logs <- compiled_results(st)
  progress_update(bar, steps, logs, finalize = TRUE)
  run_callbacks(callbacks, "on_test_end", logs = logs)
  logs
}

#' Evaluate a model
#'
#' Computes the loss and the compiled metrics on `x` and `y` in batches, in
#' inference mode (dropout off). `evaluate()` is a generic, as in keras3
#' (which takes it from tensorflow).
#'
#' @inheritParams fit.recurrent_model
#' @param batch_size Whole number of samples per batch. Default 32.
#' @param steps `NULL` (all batches) or the number of batches to evaluate.
#' @param sample_weight `NULL` or a weight per sample for the loss and the
#'   weighted metrics.
#' @param callbacks A list of callbacks; their `on_test_*` methods run.
#' @returns A named list: `loss` and each metric, e.g.
#'   `list(loss = 0.126, mae = 0.28)`.
#' @examples
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, loss = "mse", metrics = "mae")
#' evaluate(model, matrix(1:4), matrix(c(2, 4, 6, 8)), verbose = 0)
#' @export
evaluate.recurrent_model <- function(object, x = NULL, y = NULL, ..., batch_size = NULL,
                                     verbose = getOption("keras.verbose", default = "auto"),
                                     sample_weight = NULL, steps = NULL, callbacks = NULL) {
  call <- rlang::current_env()
  check_dots_empty(rlang::list2(...), call = call)
  model <- model_r6(object)
  st <- require_compiled(model, "evaluate", call)
  verbose <- resolve_verbose(verbose, call)
  batch_size <- check_batch_size(batch_size, call)
  steps <- check_count(steps, call = call, min = 1, null_ok = TRUE)
  callbacks <- check_callbacks(callbacks, call)
  wrapper <- wrap_layer(model)
  for (cb in callbacks) cb$set_model(wrapper)
  if (is_lazy_data(x)) check_lazy_fit_args(y, sample_weight, 0, "x", call)
  data <- if (is_lazy_data(x)) x else prepare_xy(x, y, sample_weight, call)
  if (!is_lazy_data(data)) check_model_data(model, data$x, "x", call)
  run_evaluation(wrapper, model, st, data, batch_size, steps, callbacks, verbose, call)
}
