# One batch-source interface for fit(), evaluate() and predict(): arrays, datasets
# and R generator functions all become an object with `n_batches` (NA when
# unknown), `begin_epoch()` and `next_batch()` (list(x, y, sample_weight), or NULL
# when the data ran out). Epochs follow Keras's EpochIterator: without
# steps_per_epoch each epoch is a fresh pass; with it, a dataset's pass continues
# across epochs and restarts once it is used up.

# TRUE for data fit() reads batch by batch rather than slicing arrays.
is_lazy_data <- function(x) is_dataset(x) || (is.function(x) && !inherits(x, "recurrent_layer"))

new_batch_source <- function(n_batches, new_pass, steps_per_epoch = NULL, prepare = identity,
                             continue_across_epochs = TRUE) {
  steps_per_epoch <- capped_steps(steps_per_epoch)
  src <- new.env(parent = emptyenv())
  src$n_batches <- n_batches
  src$getter <- NULL
  src$seen <- 0L
  src$begin_epoch <- function() {
    if (is.null(src$getter) || is.null(steps_per_epoch) || !continue_across_epochs) {
      src$getter <- new_pass()
      src$seen <- 0L
    }
    invisible()
  }
  src$next_batch <- function() {
    if (!is.na(src$n_batches) && src$seen >= src$n_batches) {
      src$getter <- NULL
      return(NULL)
    }
    batch <- src$getter(src$seen + 1L)
    if (is.null(batch)) {
      src$getter <- NULL
      return(NULL)
    }
    src$seen <- src$seen + 1L
    if (!is.na(src$n_batches) && src$seen >= src$n_batches) src$getter <- NULL
    prepare(batch)
  }
  # batches in an epoch: steps_per_epoch, else all
  src$epoch_steps <- function(arg, call) {
    if (!is.na(n_batches) && n_batches == 0)
      recurrent_abort(c("The data has no batches.", i = "A dataset made from too short a series (or an empty folder) is empty."),
                      call = call)
    if (!is.null(steps_per_epoch)) {
      if (!continue_across_epochs && !is.na(n_batches)) return(min(steps_per_epoch, n_batches))
      return(steps_per_epoch)
    }
    if (is.na(n_batches))
      recurrent_abort(c("{.arg {arg}} is needed with a generator function.",
                        i = "A generator does not say how many batches make an epoch."), call = call)
    n_batches
  }
  src
}

# Arrays already checked by prepare_xy(): fresh batches of rows each epoch.
array_batch_source <- function(data, batch_size, shuffle, steps_per_epoch = NULL) {
  n_batches <- max(1L, as.integer(ceiling(data$n / batch_size)))
  new_batch_source(n_batches, function() {
    batches <- batch_indices(data$n, batch_size, shuffle)
    function(b) {
      idx <- batches[[b]]
      list(x = slice_rows(data$x, idx), y = slice_rows(data$y, idx), sample_weight = slice_rows(data$sample_weight, idx))
    }
  }, steps_per_epoch = steps_per_epoch, continue_across_epochs = FALSE)
}

# A dataset or a generator function. Its elements are list(x, y), list(x, y,
# sample_weight), or inputs alone; class_weight becomes per-batch sample weights.
lazy_batch_source <- function(x, steps_per_epoch, arg, call, class_weight = NULL, targets_only_x = FALSE) {
  prepare <- function(el) {
    parts <- unpack_element(el, arg, call)
    parts$x <- normalize_data(parts$x, arg, call)
    parts$y <- normalize_data(parts$y, "y", call, target = TRUE)
    if (!is.null(parts$sample_weight)) parts$sample_weight <- as.numeric(parts$sample_weight) * 1
    if (!is.null(class_weight)) {
      if (!is.null(parts$sample_weight))
        recurrent_abort("You cannot use {.arg class_weight} when {.arg {arg}} yields sample weights.", call = call)
      if (is.null(parts$y)) recurrent_abort("{.arg class_weight} needs targets in the batches of {.arg {arg}}.", call = call)
      parts$sample_weight <- class_weight_to_sample_weight(parts$y, class_weight, call)
    }
    parts
  }
  if (is_dataset(x)) {
    return(new_batch_source(x$n_batches, function() dataset_pass(x), steps_per_epoch, prepare))
  }
  generator <- x
  new_batch_source(NA_integer_, function() function(i) generator(), steps_per_epoch, prepare)
}

# An element as list(x, y, sample_weight): a list of 2 or 3 is (x, y[, w]); anything
# else is the inputs alone.
unpack_element <- function(el, arg, call) {
  if (is.list(el) && !is.object(el) && is.null(names(el)) && length(el) %in% 2:3)
    return(list(x = el[[1]], y = el[[2]], sample_weight = if (length(el) == 3) el[[3]]))
  if (is.list(el) && !is.object(el) && length(el) == 1 && is.null(names(el))) el <- el[[1]]
  if (is.null(el))
    recurrent_abort("A batch of {.arg {arg}} is {.code NULL}.", call = call)
  list(x = el, y = NULL, sample_weight = NULL)
}

warn_ran_out_of_data <- function(call) {
  cli::cli_warn(c("Your input ran out of data; interrupting the epoch.",
                  i = "Make sure that your dataset or generator can generate at least {.code steps_per_epoch * epochs} batches."),
                class = "recurrent_warning_out_of_data", call = call)
}

# fit()'s and evaluate()'s arguments that only make sense for arrays.
check_lazy_fit_args <- function(y, sample_weight, validation_split, arg, call) {
  if (!is.null(y))
    recurrent_abort(c("{.arg y} must be {.code NULL} when {.arg {arg}} is a dataset or a generator.",
                      i = "Its batches carry the targets: {.code list(x, y)}."), call = call)
  if (!is.null(sample_weight))
    recurrent_abort(c("{.arg sample_weight} must be {.code NULL} when {.arg {arg}} is a dataset or a generator.",
                      i = "Its batches can carry sample weights: {.code list(x, y, sample_weight)}."), call = call)
  if (!is.null(validation_split) && validation_split > 0)
    recurrent_abort(c("{.arg validation_split} is only supported for arrays.",
                      i = "Pass a dataset or a generator as {.arg validation_data} instead."), call = call)
  invisible()
}

# predict() on a dataset or a generator: the inputs of each batch.
predict_lazy <- function(model, x, steps, verbose, call) {
  steps <- check_count(steps, call = call, min = 1, null_ok = TRUE)
  src <- lazy_batch_source(x, steps, "x", call)
  n <- src$epoch_steps("steps", call)
  src$begin_epoch()
  results <- list()
  bar <- if (verbose > 0L) new_progbar(n, verbose)
  for (b in seq_len(n)) {
    batch <- src$next_batch()
    if (is.null(batch)) break
    out <- without_gradient_recording(eager_call(model, batch$x, training = FALSE))
    results[[b]] <- outputs_to_arrays(out)
    if (!is.null(bar)) progress_update(bar, b, finalize = b == n)
  }
  if (!length(results)) recurrent_abort("{.arg x} yielded no batches to predict on.", call = call)
  combine_batches(results)
}

# The source evaluate() and fit()'s validation read: a source made earlier (fit()
# keeps one across epochs, as Keras does), a dataset or generator, or arrays.
evaluation_source <- function(data, batch_size, steps) {
  if (is.environment(data) && is.function(data$next_batch)) return(data)
  if (is_lazy_data(data)) return(lazy_batch_source(data, steps, "data", rlang::caller_env()))
  array_batch_source(data, batch_size, FALSE, steps)
}
