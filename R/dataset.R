# A dataset: a small object that knows how many batches it has and makes batch i
# on demand. Each pass over it (an epoch, an iterator) starts with `new_pass()`,
# which fixes that pass's order (a shuffled dataset draws a new one), and returns
# a function that makes batch i of the pass. Nothing holds more than one batch.

new_dataset <- function(n_batches, new_pass, describe = NULL, class = character(), ...) {
  state <- new.env(parent = emptyenv())
  state$passes <- 0L
  structure(list(n_batches = as.integer(n_batches), new_pass = new_pass, state = state,
                 describe = describe, ...),
            class = c(class, "recurrent_dataset"))
}

is_dataset <- function(x) inherits(x, "recurrent_dataset")

# A pass's getter, counting passes (a seeded shuffle draws pass k from seed and k).
dataset_pass <- function(ds) {
  ds$state$passes <- ds$state$passes + 1L
  ds$new_pass(ds$state$passes)
}

#' @export
length.recurrent_dataset <- function(x) x$n_batches

#' @export
print.recurrent_dataset <- function(x, ...) {
  first <- if (x$n_batches > 0) dataset_pass_peek(x)
  cat(sprintf("<dataset: %d batch%s>\n", x$n_batches, if (x$n_batches == 1) "" else "es"))
  if (!is.null(x$describe)) cat(x$describe, "\n", sep = "")
  if (!is.null(first)) cat("first batch:", describe_element(first), "\n")
  invisible(x)
}

# The first element without advancing the dataset's pass counter (so a seeded
# shuffle is not disturbed by printing).
dataset_pass_peek <- function(ds) ds$new_pass(ds$state$passes + 1L)(1L)

describe_element <- function(e) {
  if (is.list(e) && !is.object(e)) {
    parts <- vapply(e, describe_element, "")
    nm <- names(e)
    if (!is.null(nm)) parts <- paste0(nm, ifelse(nzchar(nm), ": ", ""), parts)
    return(paste0("list(", paste(parts, collapse = ", "), ")"))
  }
  d <- dim(e) %||% length(e)
  sprintf("<%s (%s)>", if (is.character(e)) "character" else if (is.integer(e)) "integer" else "double",
          paste(d, collapse = ", "))
}

#' Iterate over a dataset
#'
#' `as_iterator()` starts a pass over a dataset (for a shuffled dataset, in a
#' new order); `iter_next()` returns its next element, or `completed` once the
#' pass is over. An element is what the dataset yields: `list(x, y)` (or
#' `list(x, y, sample_weight)`) of R arrays for data with targets, so
#' `c(x, y) %<-% iter_next(it)` and `.[x, y] <- iter_next(it)` unpack it, or
#' one array for data without targets. `as_array_iterator()` is the same
#' (the elements already are R arrays). `iterate()` calls `f` on every
#' element of a pass and returns the results.
#'
#' @param x A dataset (e.g. from [timeseries_dataset_from_array()] or
#'   [text_dataset_from_directory()]).
#' @param it An iterator made by `as_iterator()`.
#' @param completed What `iter_next()` returns once the pass is over.
#'   Default `NULL`.
#' @param f A function of one element.
#' @param simplify Logical: simplify the results with `simplify2array()` when
#'   they are all single numbers or strings.
#' @returns `as_iterator()` and `as_array_iterator()`: an iterator.
#'   `iter_next()`: the next element or `completed`. `iterate()`: a list of
#'   results (or a vector, simplified).
#' @examples
#' ds <- timeseries_dataset_from_array(1:10, targets = 11:20, sequence_length = 3, batch_size = 4)
#' it <- as_iterator(ds)
#' .[x, y] <- iter_next(it)
#' x
#' y
#' length(ds)
#' iterate(ds, function(batch) nrow(batch[[1]]))
#' @export
as_iterator <- function(x) {
  if (inherits(x, "recurrent_iterator")) return(x)
  if (!is_dataset(x))
    recurrent_abort(c("{.arg x} must be a dataset.", x = "Got {describe_value(x)}."))
  it <- new.env(parent = emptyenv())
  it$getter <- dataset_pass(x)
  it$n <- x$n_batches
  it$pos <- 0L
  class(it) <- "recurrent_iterator"
  it
}

#' @rdname as_iterator
#' @export
as_array_iterator <- function(x) as_iterator(x)

#' @rdname as_iterator
#' @export
iter_next <- function(it, completed = NULL) {
  if (!inherits(it, "recurrent_iterator"))
    recurrent_abort(c("{.arg it} must be an iterator made by {.fn as_iterator}.", x = "Got {describe_value(it)}."))
  if (it$pos >= it$n) return(completed)
  it$pos <- it$pos + 1L
  it$getter(it$pos)
}

#' @rdname as_iterator
#' @export
iterate <- function(x, f = identity, simplify = TRUE) {
  f <- rlang::as_function(f)
  it <- as_iterator(x)
  out <- vector("list", it$n - it$pos)
  i <- 0L
  while (it$pos < it$n) {
    i <- i + 1L
    res <- f(iter_next(it))
    if (!is.null(res)) out[[i]] <- res
  }
  if (isTRUE(simplify) && length(out) &&
      all(vapply(out, function(r) is.atomic(r) && length(r) == 1, TRUE))) return(simplify2array(out))
  out
}

#' @export
print.recurrent_iterator <- function(x, ...) {
  cat(sprintf("<dataset iterator: %d of %d batch%s left>\n", x$n - x$pos, x$n, if (x$n == 1) "" else "es"))
  invisible(x)
}

# Split a dataset by batches into two datasets (split_dataset() on a dataset).
split_lazy_dataset <- function(ds, left_size, right_size, shuffle, seed, call) {
  if (shuffle)
    recurrent_abort(c("{.code shuffle = TRUE} is not supported when splitting a dataset.",
                      i = "Make the dataset with {.code shuffle = TRUE} instead, or split the arrays."), call = call)
  sizes <- split_sizes(left_size, right_size, ds$n_batches, call)
  part <- function(from, n) {
    force(from)
    new_dataset(n, function(k) {
      getter <- ds$new_pass(k)
      function(i) getter(from + i)
    }, describe = ds$describe)
  }
  list(part(0L, sizes[1]), part(sizes[1], sizes[2]))
}
