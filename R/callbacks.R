# Callbacks: R6 objects whose on_* methods fit() and evaluate() call with 1-based
# epoch and batch numbers (as keras3 passes them to R). A method that returns a
# named list has it merged into the logs (how ReduceLROnPlateau adds
# `learning_rate` to the history).

CallbackBase <- R6::R6Class("recurrent_CallbackBase",
  lock_objects = FALSE,
  public = list(
    model = NULL,
    params = NULL,
    initialize = function() invisible(self),   # so that super$initialize() works in subclasses
    set_model = function(model) {
      self$model <- model
      invisible(self)
    },
    set_params = function(params) {
      self$params <- params
      invisible(self)
    }
  )
)

callback_methods <- c(
  "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
  "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
  "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
  "on_predict_batch_begin", "on_predict_batch_end"
)

classify_callback <- function(obj, keras_class) {
  class(obj) <- unique(c("recurrent_callback", class(obj)[class(obj) != "R6"],
                         paste0("keras.src.callbacks.", keras_class), "keras.src.callbacks.callback.Callback", "R6"))
  obj
}

#' @export
print.recurrent_callback <- function(x, ...) {
  cat("<Callback ", class(x)[2], ">\n", sep = "")
  invisible(x)
}

# What the built-in callbacks say when their `verbose` asks for it; silent while
# interactive logging is off (config_disable_interactive_logging()), as in Keras.
callback_message <- function(text) {
  if (config_is_interactive_logging_enabled()) cat(text)
  invisible()
}

# Call `method` on every callback; returns the logs with what the callbacks added.
run_callbacks <- function(callbacks, method, ..., logs = list()) {
  for (cb in callbacks) {
    fn <- cb[[method]]
    if (!is.function(fn)) next
    nargs <- length(formals(fn))
    res <- if (...length() == 0) fn(logs) else if (nargs >= 2 || "..." %in% names(formals(fn))) fn(..., logs) else fn(...)
    if (is.list(res) && length(res) && !is.null(names(res))) logs <- utils::modifyList(logs, res)
  }
  logs
}

#' Define a custom callback
#'
#' `Callback()` makes a callback class from methods, as keras3 does. Each method
#' is called by [fit()] or [evaluate()] at the named moment, with `epoch` and
#' `batch` numbers counted from 1 and `logs` a named list of the current metric
#' values. Inside a method, `self$model` is the model being trained (set
#' `self$model$stop_training <- TRUE` to stop after the current batch) and
#' `self$params` holds `epochs`, `steps` and `verbose`. A method that returns a
#' named list adds its entries to the logs.
#'
#' @param classname String, the class name.
#' @param on_epoch_begin,on_epoch_end `function(epoch, logs = NULL)`.
#' @param on_train_begin,on_train_end,on_test_begin,on_test_end,on_predict_begin,on_predict_end
#'   `function(logs = NULL)`.
#' @param on_train_batch_begin,on_train_batch_end,on_test_batch_begin,on_test_batch_end,on_predict_batch_begin,on_predict_batch_end
#'   `function(batch, logs = NULL)`.
#' @param ... Further methods or fields (e.g. `initialize`).
#' @param public,private Named lists of further public and private members.
#' @param inherit A callback class made by `Callback()` to inherit from.
#' @param parent_env The environment the methods see.
#' @returns A function that creates a callback object (its arguments are those
#'   of `initialize`, if given).
#' @examples
#' EpochCounter <- Callback("EpochCounter",
#'   initialize = function() self$n <- 0,
#'   on_epoch_end = function(epoch, logs = NULL) self$n <- self$n + 1
#' )
#' counter <- EpochCounter()
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, loss = "mse")
#' fit(model, matrix(1:8), matrix(1:8), epochs = 2, callbacks = list(counter), verbose = 0)
#' counter$n
#' @export
Callback <- function(classname, on_epoch_begin = NULL, on_epoch_end = NULL, on_train_begin = NULL,
                     on_train_end = NULL, on_train_batch_begin = NULL, on_train_batch_end = NULL,
                     on_test_begin = NULL, on_test_end = NULL, on_test_batch_begin = NULL,
                     on_test_batch_end = NULL, on_predict_begin = NULL, on_predict_end = NULL,
                     on_predict_batch_begin = NULL, on_predict_batch_end = NULL, ...,
                     public = list(), private = list(), inherit = NULL, parent_env = parent.frame()) {
  classname <- check_string(classname)
  members <- list(on_epoch_begin = on_epoch_begin, on_epoch_end = on_epoch_end,
                  on_train_begin = on_train_begin, on_train_end = on_train_end,
                  on_train_batch_begin = on_train_batch_begin, on_train_batch_end = on_train_batch_end,
                  on_test_begin = on_test_begin, on_test_end = on_test_end,
                  on_test_batch_begin = on_test_batch_begin, on_test_batch_end = on_test_batch_end,
                  on_predict_begin = on_predict_begin, on_predict_end = on_predict_end,
                  on_predict_batch_begin = on_predict_batch_begin, on_predict_batch_end = on_predict_batch_end)
  members <- c(Filter(Negate(is.null), members), rlang::list2(...), public)
  parent <- if (is.null(inherit)) CallbackBase else attr(inherit, "r6_class")
  # do.call() hands R6Class() the parent generator itself (it would otherwise look the
  # name up in parent_env)
  gen <- do.call(R6::R6Class, list(classname, inherit = parent, public = members,
                                   private = if (length(private)) private else NULL,
                                   lock_objects = FALSE, parent_env = user_class_env(parent_env, parent)))
  klass <- paste0("custom.", classname)
  make <- function(...) classify_callback(gen$new(...), klass)
  structure(make, r6_class = gen, class = c("recurrent_callback_class", "function"))
}

new_builtin_callback <- function(r6, keras_class, ...) classify_callback(r6$new(...), keras_class)

# ---- monitoring (early stopping, checkpoints, reduce lr) ---------------------------

# Keras's MonitorCallback: which direction of `monitor` counts as better.
monitor_op <- function(self) {
  if (!is.null(self$monitor_better)) return(self$monitor_better)
  mode <- self$mode
  better <- NULL
  if (mode == "min") better <- "less"
  else if (mode == "max") better <- "greater"
  else {
    base <- sub("^val_", "", self$monitor)
    if (base == "loss") better <- "less"
    dir <- model_metric_direction(self$model, base)
    if (!is.null(dir)) better <- if (dir == "up") "greater" else "less"
    if (is.null(better))
      recurrent_abort(c("Cannot tell whether {.val {self$monitor}} should be minimized or maximized.",
                        i = "Pass {.code mode = \"min\"} or {.code mode = \"max\"}."), call = NULL)
  }
  self$monitor_better <- better
  better
}

# Keras compares `current - min_delta` to the reference, with min_delta negated
# when smaller is better.
monitor_is_improvement <- function(self, current, reference) {
  if (is.null(reference)) return(TRUE)
  better <- monitor_op(self)
  delta <- if (better == "less") -abs(self$min_delta) else abs(self$min_delta)
  if (better == "less") (current - delta) < reference else (current - delta) > reference
}

check_mode <- function(mode, call = rlang::caller_env()) {
  if (!is.character(mode) || length(mode) != 1 || !mode %in% c("auto", "min", "max")) {
    cli::cli_warn("Unknown mode {.val {format(mode)}}; using {.val auto}.", call = call)
    return("auto")
  }
  mode
}

monitor_warn_missing <- function(what, monitor, logs) {
  cli::cli_warn(c("{what} conditioned on metric {.val {monitor}} which is not available.",
                  i = "Available metrics are: {.val {names(logs)}}."), call = NULL)
}

EarlyStopping <- R6::R6Class("EarlyStopping", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    monitor = NULL, min_delta = 0, patience = 0L, verbose = 0L, mode = "auto", baseline = NULL,
    restore_best_weights = FALSE, start_from_epoch = 0L, wait = 0L, stopped_epoch = 0L,
    best = NULL, best_weights = NULL, best_epoch = 0L, monitor_better = NULL,
    initialize = function(monitor, min_delta, patience, verbose, mode, baseline, restore_best_weights,
                          start_from_epoch) {
      self$monitor <- monitor; self$min_delta <- abs(min_delta); self$patience <- patience
      self$verbose <- verbose; self$mode <- mode; self$baseline <- baseline
      self$restore_best_weights <- restore_best_weights; self$start_from_epoch <- start_from_epoch
    },
    on_train_begin = function(logs = NULL) {
      self$wait <- 0L; self$stopped_epoch <- 0L; self$best <- NULL
      self$best_weights <- NULL; self$best_epoch <- 0L
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      current <- logs[[self$monitor]]
      if (is.null(current)) {
        monitor_warn_missing("Early stopping", self$monitor, logs)
        return(NULL)
      }
      # start_from_epoch counts epochs to wait (Keras compares it with the 0-based index)
      if (epoch - 1L < self$start_from_epoch) return(NULL)
      if (self$restore_best_weights && is.null(self$best_weights)) {
        self$best_weights <- get_weights(self$model)
        self$best_epoch <- epoch
      }
      self$wait <- self$wait + 1L
      if (monitor_is_improvement(self, current, self$best)) {
        self$best <- current
        self$best_epoch <- epoch
        if (self$restore_best_weights) self$best_weights <- get_weights(self$model)
        if (is.null(self$baseline) || monitor_is_improvement(self, current, self$baseline)) self$wait <- 0L
        return(NULL)
      }
      if (self$wait >= self$patience && epoch > 1L) {
        self$stopped_epoch <- epoch
        self$model$stop_training <- TRUE
      }
      NULL
    },
    on_train_end = function(logs = NULL) {
      if (self$stopped_epoch > 0 && self$verbose > 0) callback_message(sprintf("Epoch %d: early stopping\n", self$stopped_epoch))
      if (self$restore_best_weights && !is.null(self$best_weights)) {
        if (self$verbose > 0)
          callback_message(sprintf("Restoring model weights from the end of the best epoch: %d.\n", self$best_epoch))
        set_weights(self$model, self$best_weights)
      }
      NULL
    }
  )
)

#' Stop training when a monitored quantity stops improving
#'
#' At the end of each epoch the `monitor`ed value (for example `"val_loss"`) is
#' compared with the best so far; after `patience` epochs without an improvement
#' of more than `min_delta`, training stops. With `restore_best_weights = TRUE`
#' the model gets the weights of its best epoch back when training ends (if no
#' epoch improved on the first, those of the first).
#'
#' @param monitor String, the logged quantity to watch. Default `"val_loss"`.
#' @param min_delta Number: smaller changes do not count as improvement.
#'   Default `0`. (Unlike keras3 a fractional value is kept as given.)
#' @param patience Whole number of epochs without improvement to wait. Default `0`.
#' @param verbose 0 or 1: say when training stops and weights are restored.
#' @param mode `"auto"`, `"min"` or `"max"`: whether smaller or larger is
#'   better; `"auto"` decides from the metric (losses and errors: smaller).
#' @param baseline `NULL` or a value the monitored quantity must beat for the
#'   patience counter to restart.
#' @param restore_best_weights Logical. Default `FALSE`.
#' @param start_from_epoch Whole number of epochs to wait before monitoring starts.
#'   Default `0`.
#' @returns A callback object.
#' @examples
#' early <- callback_early_stopping(monitor = "loss", patience = 2, restore_best_weights = TRUE)
#' early
#' @export
callback_early_stopping <- function(monitor = "val_loss", min_delta = 0L, patience = 0L, verbose = 0L,
                                    mode = "auto", baseline = NULL, restore_best_weights = FALSE,
                                    start_from_epoch = 0L) {
  new_builtin_callback(EarlyStopping, "early_stopping.EarlyStopping",
                       check_string(monitor), check_number(min_delta), check_count(patience), check_count(verbose),
                       check_mode(mode), check_number(baseline, null_ok = TRUE), check_flag(restore_best_weights),
                       check_count(start_from_epoch))
}

ModelCheckpoint <- R6::R6Class("ModelCheckpoint", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    filepath = NULL, monitor = NULL, verbose = 0L, save_best_only = FALSE, save_weights_only = FALSE,
    mode = "auto", save_freq = "epoch", best = NULL, min_delta = 0, monitor_better = NULL,
    current_epoch = 1L, batches_since_save = 0L,
    initialize = function(filepath, monitor, verbose, save_best_only, save_weights_only, mode, save_freq,
                          initial_value_threshold) {
      self$filepath <- filepath; self$monitor <- monitor; self$verbose <- verbose
      self$save_best_only <- save_best_only; self$save_weights_only <- save_weights_only
      self$mode <- mode; self$save_freq <- save_freq; self$best <- initial_value_threshold
    },
    on_epoch_begin = function(epoch, logs = NULL) {
      self$current_epoch <- epoch
      NULL
    },
    on_train_batch_end = function(batch, logs = NULL) {
      if (identical(self$save_freq, "epoch")) return(NULL)
      self$batches_since_save <- self$batches_since_save + 1L
      if (self$batches_since_save >= self$save_freq) {
        self$batches_since_save <- 0L
        self$save(self$current_epoch, batch, logs)
      }
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      if (identical(self$save_freq, "epoch")) self$save(epoch, NULL, logs)
      NULL
    },
    save = function(epoch, batch, logs) {
      path <- format_checkpoint_path(self$filepath, epoch, batch, logs)
      if (!self$should_save(epoch, logs, path)) return(invisible())
      dir <- dirname(path)
      if (nzchar(dir) && !dir.exists(dir)) dir.create(dir, recursive = TRUE)
      if (dir.exists(path))
        recurrent_abort("Please specify a non-directory filepath for {.fn callback_model_checkpoint}; {.path {path}} is a directory.",
                        call = NULL)
      if (self$save_weights_only) save_model_weights(self$model, path, overwrite = TRUE)
      else checkpoint_save_model(self$model, path)
      invisible()
    },
    should_save = function(epoch, logs, path) {
      if (!self$save_best_only) {
        if (self$verbose > 0) callback_message(sprintf("\nEpoch %d: saving model to %s\n", epoch, path))
        return(TRUE)
      }
      current <- logs[[self$monitor]]
      if (is.null(current)) {
        cli::cli_warn("Can save best model only with {.val {self$monitor}} available.", call = NULL)
        return(TRUE)
      }
      best_str <- if (is.null(self$best)) "None" else sprintf("%.5f", self$best)
      if (monitor_is_improvement(self, current, self$best)) {
        if (self$verbose > 0)
          callback_message(sprintf("\nEpoch %d: %s improved from %s to %.5f, saving model to %s\n",
                      epoch, self$monitor, best_str, current, path))
        self$best <- current
        return(TRUE)
      }
      if (self$verbose > 0) callback_message(sprintf("\nEpoch %d: %s did not improve from %s\n", epoch, self$monitor, best_str))
      FALSE
    }
  )
)

# save_model() belongs to model persistence; use it when the package has it.
checkpoint_save_model <- function(model, path) {
  saver <- get0("save_model", envir = asNamespace("recurrent"), mode = "function", inherits = FALSE)
  if (is.null(saver))
    recurrent_abort(c("Saving whole models is not available yet.",
                      i = "Use {.code save_weights_only = TRUE} with a path ending in {.file .weights.h5}."),
                    class = "recurrent_error_not_implemented", call = NULL)
  saver(model, path, overwrite = TRUE)
}

# Python str.format() placeholders in checkpoint paths: {epoch}, {epoch:02d},
# {val_loss:.2f}, {batch}; epoch and batch are 1-based, as Keras writes them.
format_checkpoint_path <- function(template, epoch, batch, logs) {
  values <- c(list(epoch = epoch), if (!is.null(batch)) list(batch = batch), logs)
  out <- template
  m <- gregexpr("\\{[^{}]*\\}", template)[[1]]
  if (m[1] == -1) return(template)
  pieces <- regmatches(template, list(m))[[1]]
  for (p in pieces) {
    inner <- substr(p, 2, nchar(p) - 1)
    key <- sub(":.*$", "", inner)
    spec <- if (grepl(":", inner, fixed = TRUE)) sub("^[^:]*:", "", inner) else ""
    if (!key %in% names(values))
      recurrent_abort(c("Failed to format the checkpoint path {.val {template}}.",
                        x = "{.val {key}} is not among the logged values: {.val {names(values)}}."), call = NULL)
    v <- values[[key]]
    txt <- if (!nzchar(spec)) {
      if (is.numeric(v) && v == round(v) && key %in% c("epoch", "batch")) as.character(as.integer(v)) else format(v)
    } else {
      type <- substr(spec, nchar(spec), nchar(spec))
      if (type %in% c("d", "i")) v <- as.integer(v)
      sprintf(paste0("%", spec), v)
    }
    out <- sub(p, txt, out, fixed = TRUE)
  }
  out
}

#' Save the model or its weights during training
#'
#' Saves after every epoch (or every `save_freq` batches). With
#' `save_weights_only = TRUE` the file is written with [save_model_weights()]
#' (so `filepath` must end in `.weights.h5`, Keras 3's weights format; reload
#' with [load_model_weights()]), otherwise with [save_model()] (a `.keras`
#' archive; reload with [load_model()]). `filepath` may
#' contain Python-style placeholders filled in when saving: `{epoch}` or
#' `{epoch:02d}` (1-based), `{batch}`, and any logged value such as
#' `{val_loss:.2f}`.
#'
#' @param filepath String, the file to write.
#' @param monitor String, the logged quantity used by `save_best_only`.
#' @param verbose 0 or 1: say when a file is written.
#' @param save_best_only Logical. Only save when `monitor` improves on the best
#'   value so far.
#' @param save_weights_only Logical. Save only the weights. Saving whole models
#'   needs `save_model()`.
#' @param mode `"auto"`, `"min"` or `"max"` (see [callback_early_stopping()]).
#' @param save_freq `"epoch"` or a whole number of batches.
#' @param initial_value_threshold `NULL` or the value `monitor` must beat before
#'   the first save (with `save_best_only`).
#' @returns A callback object.
#' @examples
#' path <- file.path(tempdir(), "ckpt-{epoch:02d}.weights.h5")
#' cb <- callback_model_checkpoint(path, monitor = "loss", save_weights_only = TRUE)
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, loss = "mse")
#' fit(model, matrix(1:8), matrix(1:8), epochs = 2, callbacks = list(cb), verbose = 0)
#' file.exists(file.path(tempdir(), "ckpt-02.weights.h5"))
#' @export
callback_model_checkpoint <- function(filepath, monitor = "val_loss", verbose = 0L, save_best_only = FALSE,
                                      save_weights_only = FALSE, mode = "auto", save_freq = "epoch",
                                      initial_value_threshold = NULL) {
  filepath <- check_string(filepath)
  save_weights_only <- check_flag(save_weights_only)
  if (save_weights_only && !grepl("\\.weights\\.(h5|rds)$", filepath))
    recurrent_abort(c("With {.code save_weights_only = TRUE}, {.arg filepath} must end in {.file .weights.h5}.",
                      x = "Got {.val {filepath}}."))
  if (!save_weights_only && !grepl("\\.(keras|h5)$", filepath))
    recurrent_abort(c("{.arg filepath} must end in {.file .keras}.", x = "Got {.val {filepath}}.",
                      i = "To save only the weights use {.code save_weights_only = TRUE} and a {.file .weights.h5} path."))
  if (!identical(save_freq, "epoch")) save_freq <- check_count(save_freq, min = 1)
  new_builtin_callback(ModelCheckpoint, "model_checkpoint.ModelCheckpoint", filepath, check_string(monitor),
                       check_count(verbose), check_flag(save_best_only), save_weights_only, check_mode(mode), save_freq,
                       check_number(initial_value_threshold, null_ok = TRUE))
}

ReduceLROnPlateau <- R6::R6Class("ReduceLROnPlateau", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    monitor = NULL, factor = 0.1, patience = 10L, verbose = 0L, mode = "auto", min_delta = 1e-4,
    cooldown = 0L, min_lr = 0, best = NULL, wait = 0L, cooldown_counter = 0L, monitor_better = NULL,
    initialize = function(monitor, factor, patience, verbose, mode, min_delta, cooldown, min_lr) {
      self$monitor <- monitor; self$factor <- factor; self$patience <- patience; self$verbose <- verbose
      self$mode <- mode; self$min_delta <- abs(min_delta); self$cooldown <- cooldown; self$min_lr <- min_lr
    },
    on_train_begin = function(logs = NULL) {
      self$best <- NULL; self$cooldown_counter <- 0L; self$wait <- 0L
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      opt <- self$model$optimizer
      added <- list(learning_rate = opt$learning_rate)
      current <- logs[[self$monitor]]
      if (is.null(current)) {
        monitor_warn_missing("Learning rate reduction is", self$monitor, c(logs, added))
        return(added)
      }
      if (self$cooldown_counter > 0) {
        self$cooldown_counter <- self$cooldown_counter - 1L
        self$wait <- 0L
      }
      if (monitor_is_improvement(self, current, self$best)) {
        self$best <- current
        self$wait <- 0L
      } else if (self$cooldown_counter <= 0) {
        self$wait <- self$wait + 1L
        if (self$wait >= self$patience) {
          old <- opt$learning_rate
          # Keras keeps the rate in float32 and compares it with min_lr in float32
          if (float32_round(old) > float32_round(self$min_lr)) {
            new <- max(old * self$factor, self$min_lr)
            opt$learning_rate <- new
            if (self$verbose > 0)
              callback_message(sprintf("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch, format(new)))
            self$cooldown_counter <- self$cooldown
            self$wait <- 0L
          }
        }
      }
      added
    }
  )
)

float32_round <- function(x) {
  if (x == 0) return(0)
  e <- floor(log2(abs(x)))
  sign(x) * round(abs(x) / 2^(e - 23)) * 2^(e - 23)
}

#' Reduce the learning rate when a metric has stopped improving
#'
#' After `patience` epochs without improvement of `monitor`, the optimizer's
#' learning rate is multiplied by `factor` (but not below `min_lr`), then
#' nothing happens for `cooldown` epochs. The learning rate is logged as
#' `learning_rate` in the history.
#'
#' @inheritParams callback_early_stopping
#' @param factor Number below 1: the factor the learning rate is multiplied by.
#'   Default `0.1`.
#' @param patience Whole number of epochs without improvement before reducing.
#'   Default `10`.
#' @param min_delta Number: the threshold for measuring a new best value.
#'   Default `1e-04`.
#' @param cooldown Whole number of epochs to wait after a reduction. Default `0`.
#' @param min_lr Number, the lower bound of the learning rate. Default `0`.
#' @param ... Must be empty.
#' @returns A callback object.
#' @examples
#' callback_reduce_lr_on_plateau(monitor = "loss", factor = 0.5, patience = 2)
#' @export
callback_reduce_lr_on_plateau <- function(monitor = "val_loss", factor = 0.1, patience = 10L, verbose = 0L,
                                          mode = "auto", min_delta = 1e-04, cooldown = 0L, min_lr = 0, ...) {
  check_dots_empty(list(...))
  factor <- check_number(factor)
  if (factor >= 1)
    recurrent_abort(c("{.arg factor} must be less than 1: the learning rate is multiplied by it.", x = "Got {factor}."))
  new_builtin_callback(ReduceLROnPlateau, "reduce_lr_on_plateau.ReduceLROnPlateau", check_string(monitor), factor,
                       check_count(patience), check_count(verbose), check_mode(mode), check_number(min_delta),
                       check_count(cooldown), check_number(min_lr, min = 0))
}

LambdaCallback <- R6::R6Class("LambdaCallback", inherit = CallbackBase, lock_objects = FALSE)

#' Make a callback from functions
#'
#' Each argument is a function called at that moment of training: `on_epoch_begin`
#' and `on_epoch_end` get `(epoch, logs)`, the batch hooks `(batch, logs)`, the
#' begin/end hooks `(logs)`. Epoch and batch numbers count from 1. A function with
#' fewer arguments is called with the first ones only.
#'
#' @param on_epoch_begin,on_epoch_end,on_train_begin,on_train_end,on_train_batch_begin,on_train_batch_end
#'   `NULL` or a function.
#' @param ... Other hooks by name: `on_test_begin`, `on_test_end`,
#'   `on_test_batch_begin`, `on_test_batch_end`, `on_predict_begin`, ...
#' @returns A callback object.
#' @examples
#' seen <- c()
#' cb <- callback_lambda(on_epoch_end = function(epoch, logs) seen <<- c(seen, logs$loss))
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, loss = "mse")
#' fit(model, matrix(1:8), matrix(1:8), epochs = 3, callbacks = list(cb), verbose = 0)
#' seen
#' @export
callback_lambda <- function(on_epoch_begin = NULL, on_epoch_end = NULL, on_train_begin = NULL, on_train_end = NULL,
                            on_train_batch_begin = NULL, on_train_batch_end = NULL, ...) {
  fns <- c(list(on_epoch_begin = on_epoch_begin, on_epoch_end = on_epoch_end, on_train_begin = on_train_begin,
                on_train_end = on_train_end, on_train_batch_begin = on_train_batch_begin,
                on_train_batch_end = on_train_batch_end), list(...))
  fns <- Filter(Negate(is.null), fns)
  bad <- setdiff(names(fns), callback_methods)
  if (length(bad) || is.null(names(fns)) && length(fns))
    recurrent_abort(c("Unknown callback hook{?s}: {.arg {bad}}.", i = "Hooks are {.val {callback_methods}}."))
  for (nm in names(fns)) {
    if (!is.function(fns[[nm]]))
      recurrent_abort(c("{.arg {nm}} must be a function.", x = "Got {describe_value(fns[[nm]])}."))
  }
  cb <- new_builtin_callback(LambdaCallback, "lambda_callback.LambdaCallback")
  for (nm in names(fns)) cb[[nm]] <- lambda_hook(fns[[nm]], takes_index = grepl("^on_epoch_|_batch_", nm))
  cb
}

# Call a user function with as many of (index, logs) as it takes; its result is
# not merged into the logs (callback_lambda() functions are for side effects).
lambda_hook <- function(fn, takes_index) {
  force(fn)
  n <- length(formals(fn))
  dots <- "..." %in% names(formals(fn))
  if (takes_index) {
    function(index, logs = NULL) {
      if (dots || n >= 2) fn(index, logs) else if (n == 1) fn(index) else fn()
      NULL
    }
  } else {
    function(logs = NULL) {
      if (dots || n >= 1) fn(logs) else fn()
      NULL
    }
  }
}

CSVLogger <- R6::R6Class("CSVLogger", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    filename = NULL, separator = ",", append = FALSE, keys = NULL, write_header = TRUE,
    initialize = function(filename, separator, append) {
      self$filename <- filename; self$separator <- separator; self$append <- append
    },
    on_train_begin = function(logs = NULL) {
      self$write_header <- TRUE
      if (self$append && file.exists(self$filename))
        self$write_header <- length(readLines(self$filename, n = 1, warn = FALSE)) == 0 ||
          !nzchar(readLines(self$filename, n = 1, warn = FALSE))
      if (!self$append) file.create(self$filename)
      self$keys <- NULL
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      if (is.null(self$keys)) {
        keys <- sort(names(logs))
        if (!any(startsWith(keys, "val_")) && length(keys)) keys <- c(keys, paste0("val_", keys))
        self$keys <- keys
      }
      sep <- self$separator
      con <- file(self$filename, open = "a")
      on.exit(close(con))
      if (self$write_header) {
        writeLines(paste(c("epoch", self$keys), collapse = sep), con)
        self$write_header <- FALSE
      }
      vals <- vapply(self$keys, function(k) {
        v <- logs[[k]]
        if (is.null(v)) "NA" else if (is.numeric(v) && length(v) == 1) format_csv_number(v) else as.character(v)[1]
      }, "")
      # Keras writes the 0-based epoch index in this file
      writeLines(paste(c(as.character(epoch - 1L), vals), collapse = sep), con)
      NULL
    }
  )
)

# Python's repr of a float: the shortest string that reads back to the same double.
format_csv_number <- function(v) {
  if (is.na(v)) return("nan")
  if (is.infinite(v)) return(if (v > 0) "inf" else "-inf")
  for (d in 1:17) {
    s <- formatC(v, digits = d, format = "g")
    if (as.numeric(s) == v) break
  }
  s <- trimws(s)
  if (!grepl("[.e]", s)) s <- paste0(s, ".0")
  s
}

#' Write epoch results to a CSV file
#'
#' After each epoch a row is written with the epoch (0-based, as Keras writes it)
#' and every logged value, columns in alphabetical order after `epoch`.
#'
#' @param filename String, the CSV file.
#' @param separator String, the field separator. Default `","`.
#' @param append Logical. Append to an existing file (the header is written only
#'   if the file is empty). Default `FALSE` (overwrite).
#' @returns A callback object.
#' @examples
#' path <- tempfile(fileext = ".csv")
#' model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
#' compile(model, loss = "mse", metrics = "mae")
#' fit(model, matrix(1:8), matrix(1:8), epochs = 2, verbose = 0,
#'     callbacks = list(callback_csv_logger(path)))
#' read.csv(path)
#' @export
callback_csv_logger <- function(filename, separator = ",", append = FALSE) {
  new_builtin_callback(CSVLogger, "csv_logger.CSVLogger", check_string(filename), check_string(separator),
                       check_flag(append))
}

TerminateOnNaN <- R6::R6Class("TerminateOnNaN", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    raise_error = FALSE,
    initialize = function(raise_error = FALSE) self$raise_error <- raise_error,
    on_train_batch_end = function(batch, logs = NULL) {
      loss <- logs$loss
      if (!is.null(loss) && (is.nan(loss) || is.infinite(loss) || is.na(loss))) {
        if (self$raise_error)
          recurrent_abort("NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately.",
                          class = "recurrent_error_nan", call = NULL)
        callback_message(sprintf("Batch %d: Invalid loss, terminating training\n", batch))
        self$model$stop_training <- TRUE
      }
      NULL
    }
  )
)

#' Stop training when the loss becomes NaN or infinite
#'
#' @param raise_error Logical. Signal an error (class `recurrent_error_nan`)
#'   instead of stopping quietly. Default `FALSE`.
#' @returns A callback object.
#' @examples
#' callback_terminate_on_nan()
#' @export
callback_terminate_on_nan <- function(raise_error = FALSE) {
  new_builtin_callback(TerminateOnNaN, "terminate_on_nan.TerminateOnNaN", check_flag(raise_error))
}

LearningRateScheduler <- R6::R6Class("LearningRateScheduler", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    schedule = NULL, verbose = 0L,
    initialize = function(schedule, verbose) {
      self$schedule <- schedule; self$verbose <- verbose
    },
    on_epoch_begin = function(epoch, logs = NULL) {
      opt <- self$model$optimizer
      lr <- opt$learning_rate
      fn <- self$schedule
      # Keras calls schedule(epoch, lr) with the 0-based epoch index
      new <- if (length(formals(fn)) >= 2 || "..." %in% names(formals(fn))) fn(epoch - 1L, lr) else fn(epoch - 1L)
      if (op_is_tensor(new)) new <- as.numeric(as.array(new))
      if (!is.numeric(new) || length(new) != 1 || is.na(new))
        recurrent_abort(c("The {.arg schedule} function must return a single number.", x = "Got {describe_value(new)}."),
                        call = NULL)
      opt$learning_rate <- as.double(new)
      if (self$verbose > 0)
        callback_message(sprintf("\nEpoch %d: LearningRateScheduler setting learning rate to %s.\n", epoch, format(new)))
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) list(learning_rate = self$model$optimizer$learning_rate)
  )
)

#' Set the learning rate from a function of the epoch
#'
#' At the start of every epoch, `schedule(epoch, lr)` is called with the
#' **0-based** epoch index (as Keras and keras3 do) and the current learning
#' rate, and its result becomes the optimizer's learning rate. The rate is
#' logged as `learning_rate`.
#'
#' @param schedule A function `(epoch, lr)` (or `(epoch)`) returning a number.
#' @param verbose 0 or 1: print each new rate.
#' @returns A callback object.
#' @examples
#' halve_after_2 <- function(epoch, lr) if (epoch < 2) lr else lr / 2
#' callback_learning_rate_scheduler(halve_after_2)
#' @export
callback_learning_rate_scheduler <- function(schedule, verbose = 0L) {
  if (!is.function(schedule))
    recurrent_abort(c("{.arg schedule} must be a function of {.code (epoch, lr)}.", x = "Got {describe_value(schedule)}."))
  new_builtin_callback(LearningRateScheduler, "learning_rate_scheduler.LearningRateScheduler", schedule,
                       check_count(verbose))
}

# Direction ("up"/"down") of a compiled metric of `model` called `name`, if known.
model_metric_direction <- function(model, name) {
  if (is.null(model)) return(NULL)
  st <- training_state(unwrap_layer(model))
  if (is.null(st)) return(NULL)
  for (m in c(st$metric_objects, st$weighted_metric_objects)) {
    if (identical(m$name, name) || identical(paste0("weighted_", m$name), name)) return(m$direction)
  }
  NULL
}
