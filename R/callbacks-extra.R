# callback_backup_and_restore() (resume an interrupted fit()) and
# callback_swap_ema_weights() (evaluate with the optimizer's moving averages), as
# Keras 3's keras/src/callbacks/{backup_and_restore,swap_ema_weights}.py.

# The optimizer's slot tensors (its state), grouped by model variable: every
# variable has the same number of slots, EMA last.
optimizer_slot_groups <- function(opt, n_vars) {
  slots <- opt$variables
  if (!n_vars || !length(slots)) return(rep(list(list()), n_vars))
  k <- length(slots) %/% n_vars
  lapply(seq_len(n_vars), function(i) slots[(i - 1) * k + seq_len(k)])
}

# A backup is JSON (values, dims and the epoch count): read as data, never run.
backup_encode <- function(a) list(dim = dim(a) %||% length(a), values = as.numeric(a))
backup_decode <- function(x, what) {
  if (!is.list(x) || !is.numeric(x$values) || !is.numeric(x$dim) || prod(x$dim) != length(x$values))
    recurrent_abort(c("The backup file is damaged.", x = "Bad entry for {what}."), call = NULL)
  array(x$values, dim = x$dim)
}

BackupAndRestore <- R6::R6Class("BackupAndRestore", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    backup_dir = NULL, save_freq = "epoch", double_checkpoint = FALSE, delete_checkpoint = TRUE,
    current_epoch = 0L, batches_since_save = 0L,
    initialize = function(backup_dir, save_freq, double_checkpoint, delete_checkpoint) {
      self$backup_dir <- backup_dir
      self$save_freq <- save_freq
      self$double_checkpoint <- double_checkpoint
      self$delete_checkpoint <- delete_checkpoint
    },
    path = function(prev = FALSE) file.path(self$backup_dir, if (prev) "latest.prev.json" else "latest.json"),
    on_train_begin = function(logs = NULL) {
      file <- self$path()
      if (!file.exists(file) && self$double_checkpoint && file.exists(self$path(TRUE))) file <- self$path(TRUE)
      if (!file.exists(file)) return(NULL)
      state <- tryCatch(jsonlite::read_json(file, simplifyVector = TRUE, simplifyDataFrame = FALSE,
                                            simplifyMatrix = FALSE),
                        error = function(e) NULL)
      if (is.null(state) && self$double_checkpoint && file.exists(self$path(TRUE)))
        state <- jsonlite::read_json(self$path(TRUE), simplifyVector = TRUE, simplifyDataFrame = FALSE,
                                     simplifyMatrix = FALSE)
      if (is.null(state)) recurrent_abort("The backup in {.path {self$backup_dir}} cannot be read.", call = NULL)
      model <- unwrap_layer(self$model)
      weights <- lapply(seq_along(state$weights), function(i) backup_decode(state$weights[[i]], "weights"))
      self$model$set_weights(weights)
      opt <- self$model$optimizer
      if (!is.null(opt) && length(state$optimizer)) {
        vars <- model$trainable_weights
        if (!opt$built) opt$build(vars)
        slots <- opt$variables
        if (length(slots) != length(state$optimizer))
          recurrent_abort(c("The backup's optimizer state does not fit this model's optimizer.",
                            x = "Got {length(state$optimizer)} slot tensor{?s} for {length(slots)}."), call = NULL)
        for (i in seq_along(slots)) cpp_assign(slots[[i]], backup_decode(state$optimizer[[i]], "optimizer"))
        opt$iterations <- as.numeric(state$iterations)
      }
      self$current_epoch <- as.integer(state$epoch)
      # fit() starts after the last completed epoch
      model$resume_after_epoch <- as.integer(state$epoch)
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      self$current_epoch <- as.integer(epoch)
      self$batches_since_save <- 0L
      if (identical(self$save_freq, "epoch")) self$save()
      NULL
    },
    on_train_batch_end = function(batch, logs = NULL) {
      if (identical(self$save_freq, "epoch")) return(NULL)
      self$batches_since_save <- self$batches_since_save + 1L
      if (self$batches_since_save >= self$save_freq) {
        self$batches_since_save <- 0L
        self$save()
      }
      NULL
    },
    save = function() {
      dir.create(self$backup_dir, recursive = TRUE, showWarnings = FALSE)
      if (self$double_checkpoint && file.exists(self$path())) file.copy(self$path(), self$path(TRUE), overwrite = TRUE)
      opt <- self$model$optimizer
      state <- list(epoch = self$current_epoch,
                    iterations = if (is.null(opt)) 0 else opt$iterations,
                    weights = lapply(self$model$get_weights(), backup_encode),
                    optimizer = if (is.null(opt)) list() else lapply(opt$variables, function(s) backup_encode(as.array(s))))
      tmp <- tempfile(tmpdir = self$backup_dir, fileext = ".json")
      jsonlite::write_json(state, tmp, digits = NA, auto_unbox = TRUE)
      file.rename(tmp, self$path())
      invisible()
    },
    on_train_end = function(logs = NULL) {
      model <- unwrap_layer(self$model)
      model$resume_after_epoch <- NULL
      # an interrupted fit() (Ctrl+C) keeps the backup; a finished one removes it
      if (self$delete_checkpoint && isFALSE(model$fit_interrupted) && dir.exists(self$backup_dir))
        unlink(self$backup_dir, recursive = TRUE)
      NULL
    }
  )
)

#' Back up training state and resume an interrupted fit()
#'
#' Saves the model's weights, the optimizer's state and the number of completed
#' epochs to `backup_dir` at the end of every epoch (or every `save_freq`
#' batches). When `fit()` is called again with the same callback after an
#' interruption (an error, Ctrl+C, a crash of the R session), it restores that
#' state and continues with the next epoch, so the run ends as if never
#' interrupted. A `fit()` that finishes deletes the backup (unless
#' `delete_checkpoint = FALSE`). The backup is a JSON file of numbers.
#'
#' @param backup_dir Directory for the backup.
#' @param save_freq `"epoch"` or a whole number of batches.
#' @param double_checkpoint Logical. Keep the previous backup too, used if the
#'   latest cannot be read.
#' @param delete_checkpoint Logical. Delete the backup when `fit()` finishes.
#' @returns A callback object.
#' @examples
#' dir <- file.path(tempdir(), "backup")
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' model |> compile(optimizer = "adam", loss = "mse")
#' x <- matrix(runif(20), 10); y <- rowSums(x)
#' stop_at_3 <- callback_lambda(
#'   on_epoch_begin = function(epoch, logs) if (epoch == 3) stop("interrupted")
#' )
#' try(model |> fit(x, y, epochs = 5, verbose = 0,
#'                  callbacks = list(callback_backup_and_restore(dir), stop_at_3)))
#' h <- model |> fit(x, y, epochs = 5, verbose = 0, callbacks = list(callback_backup_and_restore(dir)))
#' length(h$metrics$loss)  # epochs 3 to 5
#' @export
callback_backup_and_restore <- function(backup_dir, save_freq = "epoch", double_checkpoint = FALSE,
                                        delete_checkpoint = TRUE) {
  backup_dir <- check_string(backup_dir)
  if (!identical(save_freq, "epoch")) save_freq <- check_count(save_freq, "save_freq", min = 1)
  new_builtin_callback(BackupAndRestore, "backup_and_restore.BackupAndRestore", backup_dir, save_freq,
                       check_flag(double_checkpoint), check_flag(delete_checkpoint))
}

SwapEMAWeights <- R6::R6Class("SwapEMAWeights", inherit = CallbackBase, lock_objects = FALSE,
  public = list(
    swap_on_epoch = FALSE, ema_in_model = FALSE,
    initialize = function(swap_on_epoch) self$swap_on_epoch <- swap_on_epoch,
    swap = function() {
      opt <- self$model$optimizer
      if (is.null(opt) || !isTRUE(opt$use_ema))
        recurrent_abort(c("{.fn callback_swap_ema_weights} needs an optimizer with {.code use_ema = TRUE}.",
                          i = "For example {.code optimizer_adam(use_ema = TRUE)}."), call = NULL)
      if (!opt$built) return(invisible())
      vars <- unwrap_layer(self$model)$trainable_weights
      groups <- optimizer_slot_groups(opt, length(vars))
      for (i in seq_along(vars)) {
        ema <- groups[[i]][[length(groups[[i]])]]
        current <- as.array(vars[[i]]$value)
        vars[[i]]$assign(ema)
        cpp_assign(ema, current)
      }
      self$ema_in_model <- !self$ema_in_model
      invisible()
    },
    on_train_begin = function(logs = NULL) {
      opt <- self$model$optimizer
      if (is.null(opt) || !isTRUE(opt$use_ema))
        recurrent_abort(c("{.fn callback_swap_ema_weights} needs an optimizer with {.code use_ema = TRUE}.",
                          i = "For example {.code optimizer_adam(use_ema = TRUE)}."), call = NULL)
      NULL
    },
    on_epoch_begin = function(epoch, logs = NULL) {
      if (self$swap_on_epoch && self$ema_in_model) self$swap()
      NULL
    },
    on_epoch_end = function(epoch, logs = NULL) {
      if (self$swap_on_epoch && !self$ema_in_model) {
        self$swap()
        # fit() copies the averages into the weights when it ends; the averages are
        # in the model now, so put them back in the optimizer for that last step
        if (epoch == self$params$epochs) {
          opt <- self$model$optimizer
          vars <- unwrap_layer(self$model)$trainable_weights
          groups <- optimizer_slot_groups(opt, length(vars))
          for (i in seq_along(vars)) cpp_assign(groups[[i]][[length(groups[[i]])]], vars[[i]]$value)
        }
      }
      NULL
    },
    on_test_begin = function(logs = NULL) {
      if (!self$ema_in_model) self$swap()
      NULL
    },
    on_test_end = function(logs = NULL) {
      if (self$ema_in_model) self$swap()
      NULL
    },
    on_predict_begin = function(logs = NULL) self$on_test_begin(logs),
    on_predict_end = function(logs = NULL) self$on_test_end(logs)
  )
)

#' Evaluate with the optimizer's moving averages of the weights
#'
#' With an optimizer that keeps exponential moving averages of the weights
#' (`use_ema = TRUE`), swaps the averages into the model for validation and
#' evaluation (and back afterwards), so validation scores reflect the averaged
#' weights. With `swap_on_epoch = TRUE` the averages are also in the model
#' between epochs (for callbacks such as checkpoints).
#'
#' @param swap_on_epoch Logical. Default `FALSE`.
#' @returns A callback object.
#' @examples
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' model |> compile(optimizer = optimizer_sgd(0.1, use_ema = TRUE), loss = "mse")
#' x <- matrix(runif(20), 10)
#' model |> fit(x, rowSums(x), epochs = 2, verbose = 0, validation_split = 0.2,
#'              callbacks = list(callback_swap_ema_weights()))
#' @export
callback_swap_ema_weights <- function(swap_on_epoch = FALSE) {
  new_builtin_callback(SwapEMAWeights, "swap_ema_weights.SwapEMAWeights", check_flag(swap_on_epoch))
}
