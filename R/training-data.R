# Data for fit(), evaluate() and the *_on_batch() functions: R arrays, data frames,
# factors and tensors in; row slices out. Targets stay R arrays until a batch is
# used (the loss converts them to the prediction's dtype).

# One input or target as an R array (or a list of them for several inputs/outputs).
normalize_data <- function(x, arg, call, target = FALSE) {
  if (is.null(x)) return(NULL)
  if (is.list(x) && !is.data.frame(x) && !is.object(x))
    return(lapply(x, normalize_data, arg = arg, call = call, target = target))
  if (op_is_tensor(x)) return(as.array(x))
  if (is.character(x) && !target) return(x)   # text for a model that starts with a preprocessing layer
  if (is.factor(x)) {
    if (!target) recurrent_abort(c("{.arg {arg}} cannot be a factor.", i = "Convert it to numbers first."), call = call)
    return(factor_codes(x))
  }
  if (is.data.frame(x)) {
    fac <- vapply(x, is.factor, TRUE)
    if (target && any(fac)) x[fac] <- lapply(x[fac], function(f) as.integer(f) - 1L)
    ok <- vapply(x, function(col) is.numeric(col) || is.logical(col), TRUE)
    if (!all(ok))
      recurrent_abort(c("Every column of {.arg {arg}} must be numeric.",
                        x = "Column{?s} {.val {names(x)[!ok]}} {?is/are} not."), call = call)
    return(as.matrix(x))
  }
  if (!is.numeric(x) && !is.logical(x))
    recurrent_abort(c("{.arg {arg}} must be an R array, a data frame, a tensor, or a list of them.",
                      x = "Got {describe_value(x)}."), call = call)
  x
}

data_leaves <- function(x) if (is.list(x) && !is.object(x)) unlist(lapply(x, data_leaves), recursive = FALSE) else list(x)

n_samples <- function(x) {
  if (is.null(x)) return(NA_integer_)
  ns <- vapply(data_leaves(x), function(l) as.numeric((dim(l) %||% length(l))[1]), 0)
  if (!length(ns)) return(NA_integer_)
  if (length(unique(ns)) > 1) return(-1L)
  as.integer(ns[1])
}

# Rows `idx` of an array (first axis), or of each array in a list.
slice_rows <- function(x, idx) {
  if (is.null(x)) return(NULL)
  if (is.list(x) && !is.object(x)) return(lapply(x, slice_rows, idx = idx))
  d <- dim(x)
  if (is.null(d) || length(d) == 1) {
    out <- x[idx]
    if (!is.null(d)) dim(out) <- length(idx)
    return(out)
  }
  do.call(`[`, c(list(x, idx), rep(list(TRUE), length(d) - 1), list(drop = FALSE)))
}

# x, y and sample weights checked to have the same number of samples.
prepare_xy <- function(x, y, sample_weight, call, what = "x") {
  x <- normalize_data(x, what, call)
  if (is.null(x)) recurrent_abort("{.arg {what}} is missing.", call = call)
  y <- normalize_data(y, "y", call, target = TRUE)
  if (!is.null(sample_weight)) {
    if (op_is_tensor(sample_weight)) sample_weight <- as.array(sample_weight)
    if (!is.numeric(sample_weight) && !is.logical(sample_weight))
      recurrent_abort(c("{.arg sample_weight} must be numeric.", x = "Got {describe_value(sample_weight)}."), call = call)
    sample_weight <- sample_weight * 1
  }
  n <- n_samples(x)
  if (n < 0) recurrent_abort("All inputs in {.arg {what}} must have the same number of samples.", call = call)
  for (pair in list(list(y, "y"), list(sample_weight, "sample_weight"))) {
    if (is.null(pair[[1]])) next
    m <- n_samples(pair[[1]])
    if (!identical(m, n))
      recurrent_abort(c("{.arg {what}} and {.arg {pair[[2]]}} must have the same number of samples.",
                        x = "{.arg {what}} has {n} and {.arg {pair[[2]]}} has {if (m < 0) 'inconsistent numbers of' else m}."),
                      call = call)
  }
  list(x = x, y = y, sample_weight = sample_weight, n = n)
}

# class_weight (keyed by 0-based class ids) -> a weight per sample, from integer
# targets or the argmax of one-hot targets (Keras's class_weight_to_sample_weights).
class_weight_to_sample_weight <- function(y, class_weight, call) {
  if (is.list(y) && !is.object(y))
    recurrent_abort("{.arg class_weight} is only supported for models with a single output.", call = call)
  if (is.list(class_weight)) {
    bad <- !vapply(class_weight, function(w) is.numeric(w) && length(w) == 1, TRUE)
    if (any(bad)) recurrent_abort("Each entry of {.arg class_weight} must be a single number.", call = call)
    class_weight <- unlist(class_weight)
  }
  if (!is.numeric(class_weight))
    recurrent_abort(c("{.arg class_weight} must be a named list or named numeric vector of weights.",
                      x = "Got {describe_value(class_weight)}."), call = call)
  keys <- names(class_weight)
  if (is.null(keys)) keys <- as.character(seq_along(class_weight) - 1L)
  ids <- suppressWarnings(as.integer(keys))
  if (anyNA(ids) || any(as.character(ids) != keys))
    recurrent_abort(c("The names of {.arg class_weight} must be 0-based class ids.",
                      x = "Got {.val {keys}}."), call = call)
  d <- dim(y) %||% length(y)
  labels <- if (length(d) > 1 && d[length(d)] != 1) {
    m <- matrix(y, nrow = prod(d[-length(d)]))
    max.col(m, ties.method = "first") - 1L
  } else {
    round(as.numeric(y))
  }
  w <- unname(class_weight[match(labels, ids)])
  w[is.na(w)] <- 1
  if (length(d) > 2) w <- array(w, d[-length(d)])
  w
}

# validation_split: the last fraction of the samples, taken before shuffling.
split_validation <- function(data, validation_split, call) {
  n <- data$n
  split_at <- floor(n * (1 - validation_split))
  if (split_at == 0 || split_at == n)
    recurrent_abort(c("Training data contains {n} sample{?s}, which is not sufficient to split it into a validation and training set as specified by {.code validation_split = {validation_split}}.",
                      i = "Provide more data, or a different {.arg validation_split}."), call = call)
  tr <- seq_len(split_at)
  va <- (split_at + 1):n
  list(train = list(x = slice_rows(data$x, tr), y = slice_rows(data$y, tr),
                    sample_weight = slice_rows(data$sample_weight, tr), n = length(tr)),
       val = list(x = slice_rows(data$x, va), y = slice_rows(data$y, va),
                  sample_weight = slice_rows(data$sample_weight, va), n = length(va)))
}

check_batch_size <- function(batch_size, call, arg = "batch_size") {
  if (is.null(batch_size)) return(32L)
  check_count(batch_size, arg = arg, call = call, min = 1)
}

# Batches of sample indices: consecutive, or in a new random order (R's RNG).
batch_indices <- function(n, batch_size, shuffle) {
  order <- if (isTRUE(shuffle)) sample.int(n) else seq_len(n)
  split(order, ceiling(seq_len(n) / batch_size))
}

# A batch's targets as tensors (once per batch, shared by loss and metrics).
as_target_tensors <- function(y) {
  if (is.null(y)) return(NULL)
  if (is.list(y) && !is.object(y)) return(lapply(y, as_target_tensors))
  as_tensor(y)
}
