# CTC (Connectionist Temporal Classification): the loss that lets a recurrent
# network read speech or handwriting without frame-level alignments, and the
# decoders that turn its per-timestep class scores into label sequences. The
# forward-backward recursion and its gradient are in C++ (src/core/ctc.cpp).

ctc_lengths <- function(x, n, arg, call = rlang::caller_env()) {
  if (op_is_tensor(x)) x <- as.array(x)
  x <- as.numeric(x)
  if (length(x) == 1 && n > 1) x <- rep(x, n)
  if (length(x) != n || anyNA(x) || any(x < 0) || any(x != trunc(x)))
    recurrent_abort(c("{.arg {arg}} must hold one non-negative whole number per sample ({n}).",
                      x = "Got {describe_value(x)}."), call = call)
  x
}

#' CTC loss and decoding
#'
#' `op_ctc_loss()` computes, for each sample, the negative log-likelihood of the
#' target label sequence under a model's per-timestep class scores, summed over
#' every alignment (blanks and repeats) that collapses to the target. It is
#' differentiable with respect to `output`. `op_ctc_decode()` turns such scores
#' into label sequences: `"greedy"` takes the best class at each step, merges
#' repeats and drops blanks; `"beam_search"` keeps the `beam_width` most likely
#' label sequences (prefix beam search).
#'
#' As in keras3, class ids in `target` and in the decoded sequences are 0-based
#' (decoded sequences are padded with `-1`); `mask_index`, the blank class, is
#' 1-based.
#'
#' @param target Integer array `(batch, max_label_length)` of 0-based class ids.
#' @param output Logits `(batch, max_time, num_classes)` (not softmax-normalised).
#' @param target_length,output_length One length per sample (or one for all).
#' @param mask_index The blank (mask) class, 1-based. Default `1`.
#' @returns `op_ctc_loss()`: a tensor `(batch)` of losses (`Inf` where no
#'   alignment of the given length exists). `op_ctc_decode()`: a list of the
#'   decoded sequences, an int32 tensor `(top_paths, batch, max_time)` (`(1, batch,
#'   max_time)` for greedy), and the scores, `(batch, top_paths)`: for greedy the
#'   negative sum of the best logits, for beam search the log-probability of
#'   each sequence.
#' @examples
#' # Keras's test case (keras/src/ops/nn_test.py)
#' target <- rbind(c(1, 2, 1), c(1, 2, 2))
#' output <- array(0, c(2, 3, 3))
#' output[1, , ] <- rbind(c(0.4, 0.8, 0.4), c(0.2, 0.8, 0.3), c(0.9, 0.4, 0.5))
#' output[2, , ] <- rbind(c(0.4, 0.8, 0.4), c(0.2, 0.3, 0.3), c(0.4, 0.3, 0.2))
#' op_ctc_loss(target, output, c(3, 2), c(3, 2))
#'
#' scores <- array(rnorm(2 * 6 * 4), c(2, 6, 4))
#' op_ctc_decode(scores, c(6, 4))
#' op_ctc_decode(scores, c(6, 4), strategy = "beam_search", beam_width = 5, top_paths = 2)
#' @export
op_ctc_loss <- function(target, output, target_length, output_length, mask_index = 1L) {
  output <- as_tensor_arg(output)
  if (!op_dtype(output) %in% c("float32", "float64")) output <- op_cast(output, "float32")
  d <- dim(output)
  if (length(d) != 3)
    recurrent_abort(c("{.arg output} must have shape (batch, time, classes).", x = "Got shape ({toString(d)})."))
  if (op_is_tensor(target)) target <- as.array(target)
  if (is.null(dim(target))) target <- matrix(target, nrow = 1)
  if (length(dim(target)) != 2 || nrow(target) != d[1])
    recurrent_abort(c("{.arg target} must have shape ({d[1]}, max_label_length).",
                      x = "Got shape ({toString(dim(target))})."))
  blank <- check_count(mask_index, "mask_index", min = 1) - 1L
  target_length <- ctc_lengths(target_length, d[1], "target_length")
  output_length <- ctc_lengths(output_length, d[1], "output_length")
  target <- array(as.numeric(target), dim(target))
  target[is.na(target)] <- blank
  cpp_ctc_loss(op_cast(as_tensor(target), "int32"), output, op_cast(as_tensor(target_length), "int32"),
               op_cast(as_tensor(output_length), "int32"), blank)
}

#' @rdname op_ctc_loss
#' @param inputs Logits `(batch, max_time, num_classes)`.
#' @param sequence_lengths One length per sample.
#' @param strategy `"greedy"` (default) or `"beam_search"`.
#' @param beam_width Beam width for beam search. Default `100`.
#' @param top_paths How many sequences beam search returns per sample. Default `1`.
#' @param merge_repeated Logical. Greedy decoding: merge repeated classes.
#'   Default `TRUE`.
#' @export
op_ctc_decode <- function(inputs, sequence_lengths, strategy = "greedy", beam_width = 100L, top_paths = 1L,
                          merge_repeated = TRUE, mask_index = 1L) {
  strategy <- check_string(strategy)
  if (!strategy %in% c("greedy", "beam_search"))
    recurrent_abort(c("{.arg strategy} must be {.val greedy} or {.val beam_search}.", x = "Got {.val {strategy}}."))
  x <- as_tensor_arg(inputs)
  if (!op_dtype(x) %in% c("float32", "float64")) x <- op_cast(x, "float32")
  d <- dim(x)
  if (length(d) != 3)
    recurrent_abort(c("{.arg inputs} must have shape (batch, time, classes).", x = "Got shape ({toString(d)})."))
  blank <- check_count(mask_index, "mask_index", min = 1) - 1L
  if (blank >= d[3])
    recurrent_abort(c("{.arg mask_index} must be a class of {.arg inputs} (1 to {d[3]}).", x = "Got {mask_index}."))
  lens <- pmin(ctc_lengths(sequence_lengths, d[1], "sequence_lengths"), d[2])
  if (strategy == "beam_search") {
    beam_width <- check_count(beam_width, "beam_width", min = 1)
    top_paths <- check_count(top_paths, "top_paths", min = 1)
    if (top_paths > beam_width)
      recurrent_abort(c("{.arg top_paths} must be at most {.arg beam_width}.",
                        x = "Got {top_paths} and {beam_width}."))
    return(cpp_ctc_beam_search(x, lens, beam_width, top_paths, blank))
  }
  merge_repeated <- check_flag(merge_repeated)
  v <- as.array(x)
  best <- apply(v, c(1, 2), which.max) - 1L
  if (is.null(dim(best))) best <- matrix(best, d[1], d[2])
  top <- apply(v, c(1, 2), max)
  if (is.null(dim(top))) top <- matrix(top, d[1], d[2])
  decoded <- matrix(-1L, d[1], d[2])
  score <- numeric(d[1])
  for (b in seq_len(d[1])) {
    n <- lens[b]
    if (n == 0) next
    ids <- best[b, seq_len(n)]
    score[b] <- -sum(top[b, seq_len(n)])
    keep <- ids != blank
    if (merge_repeated) keep <- keep & c(TRUE, ids[-1] != ids[-n])
    ids <- ids[keep]
    if (length(ids)) decoded[b, seq_along(ids)] <- ids
  }
  list(op_cast(as_tensor(array(decoded, c(1, d[1], d[2]))), "int32"),
       as_tensor(array(score, c(d[1], 1)), dtype = op_dtype(x)))
}

fn_ctc <- function(y_true, y_pred) {
  y_pred <- loss_as_tensor(y_pred)
  if (op_is_tensor(y_true)) y_true <- as.array(y_true)
  if (is.null(dim(y_true)) || length(dim(y_true)) != 2)
    recurrent_abort(c("{.arg y_true} must have shape (batch, max_label_length) for CTC.",
                      x = "Got shape ({toString(dim(y_true) %||% length(y_true))})."), call = NULL)
  d <- dim(y_pred)
  if (length(d) != 3)
    recurrent_abort(c("{.arg y_pred} must have shape (batch, time, classes) for CTC.",
                      x = "Got shape ({toString(d)})."), call = NULL)
  # as Keras's losses.ctc(): class 0 is the blank, which also pads the targets
  label_length <- rowSums(y_true != 0)
  op_ctc_loss(y_true, y_pred, label_length, rep(d[2], d[1]), mask_index = 1L)
}

#' CTC loss for model training
#'
#' As Keras's `losses.CTC`: `y_true` is `(batch, max_label_length)` of class ids
#' where class `0` is the blank and pads the targets (so real labels are
#' `1..num_classes-1`), `y_pred` the model's logits `(batch, time, num_classes)`;
#' every timestep of `y_pred` counts. Called with `y_true` and `y_pred` it gives
#' per-sample losses; without, a loss object for [compile()] (name `"ctc"`).
#'
#' @inheritParams losses
#' @returns Per-sample losses, or a loss object.
#' @examples
#' y_true <- rbind(c(1, 2, 0), c(2, 2, 1))
#' y_pred <- array(rnorm(2 * 6 * 3), c(2, 6, 3))
#' loss_ctc(y_true, y_pred)
#' ctc <- loss_ctc()
#' ctc(y_true, y_pred)
#' @export
loss_ctc <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "ctc", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_ctc, y_true, y_pred, list(), name, reduction, dtype, "CTC", rlang::current_env())
}
