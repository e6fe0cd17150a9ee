# timeseries_dataset_from_array(): windows over a series as a lazy dataset. A
# window is a start position; batch i gathers its windows' rows by index
# arithmetic, so no window exists before its batch is asked for.

#' Windows over a time series as a dataset
#'
#' Makes a dataset of sliding windows over `data` (timesteps along the first
#' axis), with keras3's exact windowing: with `start_index = s`, `end_index =
#' e` (0-based offsets, as in Keras; the defaults take the whole series), the
#' windows start at offsets `p = 0, sequence_stride, 2 * sequence_stride, ...`
#' into `data[(s + 1):e, ]`, while `p < e - s - (sequence_length - 1) *
#' sampling_rate` (and `p < length of targets`). Window `p` holds rows
#' `s + p + 1 + (0:(sequence_length - 1)) * sampling_rate` of `data` (1-based)
#' and goes with target row `s + p + 1`: to forecast the value `delay` steps
#' after a window's end, pass `targets = data[-(1:(sequence_length + delay - 1))]`
#' (or the equivalent offset). The windows are batched in order (the last
#' batch may be smaller); with `shuffle = TRUE`, each pass over the dataset
#' (each epoch) visits the windows in a new random order.
#'
#' The dataset is lazy: batch `i` is gathered from `data` when it is needed,
#' so a million windows over a long series cost the memory of one batch.
#' `fit()`, `evaluate()` and `predict()` take it directly; see
#' [as_iterator()] to walk it by hand.
#'
#' @param data An R vector, matrix or array (or data frame) with the timesteps
#'   along the first axis.
#' @param targets `NULL` (the dataset yields the windows only) or a vector or
#'   array of targets with the timesteps along the first axis.
#' @param sequence_length Positive whole number: timesteps per window.
#' @param sequence_stride Positive whole number: offset between the starts of
#'   consecutive windows. Default 1.
#' @param sampling_rate Positive whole number: offset between consecutive
#'   timesteps within a window. Default 1.
#' @param batch_size Positive whole number of windows per batch (default
#'   128), or `NULL` for a dataset of single windows (no batch axis).
#' @param shuffle Logical: visit the windows in a random order (a new one at
#'   each pass). Default `FALSE`.
#' @param seed `NULL` or a whole number: with a seed, pass `k` over the
#'   dataset has the same order every time the dataset is made.
#' @param start_index,end_index `NULL` or 0-based offsets into `data`: only
#'   timesteps from offset `start_index` (included) to `end_index` (excluded)
#'   are used, as in Keras.
#' @returns A dataset: each element is `list(x, y)` with `x` of dimensions
#'   `(batch, sequence_length, features...)` (a matrix `(batch,
#'   sequence_length)` for a vector series), or `x` alone without targets.
#' @examples
#' # Keras's documented example: windows of 10 over 0..99 with targets 10 later
#' data <- 0:99
#' ds <- timeseries_dataset_from_array(data[1:90], targets = data[11:100],
#'                                     sequence_length = 10, batch_size = 16)
#' .[x, y] <- iter_next(as_iterator(ds))
#' x[1, ]   # 0 .. 9
#' y[1]     # 10
#' length(ds)
#' @export
timeseries_dataset_from_array <- function(data, targets, sequence_length, sequence_stride = 1L, sampling_rate = 1L,
                                          batch_size = 128L, shuffle = FALSE, seed = NULL, start_index = NULL,
                                          end_index = NULL) {
  call <- rlang::current_env()
  data <- series_array(data, "data", call)
  if (missing(targets)) targets <- NULL
  if (!is.null(targets)) targets <- series_array(targets, "targets", call)
  sequence_length <- check_count(sequence_length, call = call, min = 1)
  sequence_stride <- check_count(sequence_stride, call = call, min = -Inf)
  sampling_rate <- check_count(sampling_rate, call = call, min = -Inf)
  batch_size <- check_count(batch_size, call = call, min = 1, null_ok = TRUE)
  shuffle <- check_flag(shuffle, call = call)
  seed <- check_seed(seed, call = call)
  if (inherits(seed, "recurrent_seed_generator"))
    recurrent_abort("{.arg seed} must be {.code NULL} or a whole number here.", call = call)
  start_index <- check_count(start_index, call = call, min = -Inf, null_ok = TRUE)
  end_index <- check_count(end_index, call = call, min = -Inf, null_ok = TRUE)
  n_data <- series_length(data)
  # Keras's checks, with its bounds
  if (!is.null(start_index) && (start_index < 0 || start_index >= n_data))
    recurrent_abort(c("{.arg start_index} must be 0 or greater and lower than the length of {.arg data} ({n_data}).",
                      x = "Got {start_index}."), call = call)
  if (!is.null(end_index)) {
    if (end_index <= 0 || end_index >= n_data)
      recurrent_abort(c("{.arg end_index} must be higher than 0 and lower than the length of {.arg data} ({n_data}).",
                        x = "Got {end_index}.", i = "Use {.code NULL} for the whole series."), call = call)
    if (!is.null(start_index) && end_index <= start_index)
      recurrent_abort(c("{.arg end_index} must be higher than {.arg start_index}.",
                        x = "Got {.arg start_index} = {start_index} and {.arg end_index} = {end_index}."), call = call)
  }
  if (sampling_rate <= 0 || sampling_rate >= n_data)
    recurrent_abort(c("{.arg sampling_rate} must be higher than 0 and lower than the length of {.arg data} ({n_data}).",
                      x = "Got {sampling_rate}."), call = call)
  if (sequence_stride <= 0 || sequence_stride >= n_data)
    recurrent_abort(c("{.arg sequence_stride} must be higher than 0 and lower than the length of {.arg data} ({n_data}).",
                      x = "Got {sequence_stride}."), call = call)
  start_index <- start_index %||% 0L
  end_index <- end_index %||% n_data

  num_seqs <- end_index - start_index - (sequence_length - 1) * sampling_rate
  if (!is.null(targets)) num_seqs <- min(num_seqs, series_length(targets))
  # window starts as 0-based offsets from start_index
  starts <- if (num_seqs > 0) seq.int(0L, num_seqs - 1L, by = sequence_stride) else integer()
  n_windows <- length(starts)
  steps <- (seq_len(sequence_length) - 1L) * sampling_rate
  bs <- batch_size %||% 1L
  n_batches <- ceiling(n_windows / bs)

  new_pass <- function(k) {
    order <- if (shuffle) {
      if (is.null(seed)) sample.int(n_windows) else with_random_seed(seed + k - 1L, sample.int(n_windows))
    } else NULL
    function(i) {
      w <- ((i - 1L) * bs + 1L):min(i * bs, n_windows)
      if (!is.null(order)) w <- order[w]
      first_row <- start_index + starts[w] + 1L
      # rows of a window, batch-major: row index of (window j, step t) at j + (t - 1) * B
      rows <- rep(first_row, times = sequence_length) + rep(steps, each = length(w))
      x <- gather_windows(data, rows, length(w), sequence_length, batched = !is.null(batch_size))
      if (is.null(targets)) return(x)
      y <- slice_rows(targets, first_row)
      if (is.null(batch_size)) y <- drop_batch_axis(y)
      list(x, y)
    }
  }
  new_dataset(n_batches, new_pass, class = "recurrent_timeseries_dataset",
              describe = sprintf("%d windows of %d timesteps%s", n_windows, sequence_length,
                                 if (is.null(targets)) "" else ", with targets"))
}

# A series as an R array with the timesteps first (data frames and tensors converted).
series_array <- function(x, arg, call) {
  if (op_is_tensor(x)) x <- as.array(x)
  if (is.data.frame(x)) {
    ok <- vapply(x, function(col) is.numeric(col) || is.logical(col), TRUE)
    if (!all(ok))
      recurrent_abort(c("Every column of {.arg {arg}} must be numeric.", x = "Column{?s} {.val {names(x)[!ok]}} {?is/are} not."),
                      call = call)
    x <- as.matrix(x)
  }
  if (!is.numeric(x) && !is.logical(x) || !length(x))
    recurrent_abort(c("{.arg {arg}} must be a non-empty numeric vector, matrix or array.", x = "Got {describe_value(x)}."),
                    call = call)
  x
}

series_length <- function(x) (dim(x) %||% length(x))[1]

# The rows of `data` for a batch of windows, shaped (batch, steps, features...).
gather_windows <- function(data, rows, batch, steps, batched) {
  d <- dim(data)
  if (is.null(d) || length(d) == 1) {
    out <- data[rows]
    dim(out) <- if (batched) c(batch, steps) else steps
    return(out)
  }
  out <- slice_rows(data, rows)
  dim(out) <- if (batched) c(batch, steps, d[-1]) else c(steps, d[-1])
  out
}

drop_batch_axis <- function(y) {
  d <- dim(y)
  if (is.null(d) || length(d) <= 1) return(as.vector(y))
  array(y, d[-1])
}
