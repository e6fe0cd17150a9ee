# keras3's helpers that shape R arrays for a model: C-order reshapes, one-hot
# classes, norms along an axis, padded sequences, train/test splits, zipped lists.

#' Reshape an array in row-major (C) order
#'
#' `array_reshape()` reshapes an R array the way NumPy (and so Keras) does: by
#' default the elements are read and written in row-major ("C") order, the
#' last axis varying fastest, unlike `dim<-`, which keeps R's column-major
#' ("Fortran") order. Data prepared for Keras (flattened images, sequences cut
#' into windows) must be reshaped this way to keep each sample's values
#' together. keras3 re-exports this function from reticulate.
#'
#' @param x An R vector or array.
#' @param dim The new dimensions: whole numbers whose product is the number
#'   of elements of `x`. One of them may be `-1` (or `NA`), meaning "whatever
#'   is left", as in NumPy.
#' @param order `"C"` (row-major, the default) or `"F"` (column-major, the same
#'   as `dim<-`).
#' @returns An array with dimensions `dim` and the values of `x`.
#' @examples
#' x <- 1:6
#' array_reshape(x, c(2, 3))   # rows are 1 2 3 and 4 5 6
#' array_reshape(x, c(2, 3), order = "F")
#' m <- matrix(1:6, 2, 3, byrow = TRUE)
#' array_reshape(m, c(3, -1))
#' @export
array_reshape <- function(x, dim, order = c("C", "F")) {
  call <- rlang::current_env()
  order <- rlang::arg_match(order)
  if (op_is_tensor(x)) x <- as.array(x)
  if (!is.atomic(x))
    recurrent_abort(c("{.arg x} must be an R vector or array.", x = "Got {describe_value(x)}."), call = call)
  dim <- reshape_target_dim(dim, length(x), call)
  if (order == "F" || length(dim(x)) <= 1 && length(dim) <= 1) {
    out <- x
    dim(out) <- dim
    return(out)
  }
  # C order: reverse the axes, so that R's column-major walk is NumPy's row-major one
  src_dim <- dim(x) %||% length(x)
  flat <- if (length(src_dim) > 1) aperm(x, rev(seq_along(src_dim))) else x
  out <- as.vector(flat)
  if (length(dim) == 1) {
    dim(out) <- dim
    return(out)
  }
  dim(out) <- rev(dim)
  aperm(out, rev(seq_along(dim)))
}

# Target dimensions with one -1/NA filled in, checked against the number of elements.
reshape_target_dim <- function(dim, n, call) {
  if (!is.numeric(dim) && !(is.logical(dim) && all(is.na(dim))) || !length(dim))
    recurrent_abort(c("{.arg dim} must be a vector of whole numbers.", x = "Got {describe_value(dim)}."), call = call)
  dim <- as.numeric(dim)
  free <- is.na(dim) | dim == -1
  if (sum(free) > 1)
    recurrent_abort(c("Only one entry of {.arg dim} can be {.code -1} (or {.code NA}).", x = "Got {describe_value(dim)}."),
                    call = call)
  if (any(!free & (dim < 0 | dim != trunc(dim))))
    recurrent_abort(c("{.arg dim} must be non-negative whole numbers (and at most one {.code -1}).",
                      x = "Got {describe_value(dim)}."), call = call)
  known <- prod(dim[!free])
  if (any(free)) {
    if (known == 0 || n %% known != 0)
      recurrent_abort(c("Cannot reshape an array of {n} element{?s} to dimensions {.code ({toString(ifelse(free, -1, dim))})}.",
                        x = "{n} is not a multiple of {known}."), call = call)
    dim[free] <- n / known
  } else if (known != n) {
    recurrent_abort(c("Cannot reshape an array of {n} element{?s} to dimensions {.code ({toString(dim)})}.",
                      x = "They hold {known} element{?s}."), call = call)
  }
  as.integer(dim)
}

#' Convert class ids to one-hot rows
#'
#' Turns 0-based integer class ids into a one-hot ("binary class matrix")
#' array: the class axis is added last, and a trailing axis of size 1 is
#' dropped first, as in Keras. A factor's levels are classes 0, 1, ... in
#' level order.
#'
#' @param x A vector or array of whole numbers from 0 to `num_classes - 1`,
#'   or a factor.
#' @param num_classes `NULL` (default: `max(x) + 1`, or the number of levels of
#'   a factor) or the number of classes.
#' @returns A double array with dimensions `c(dim(x), num_classes)` (a matrix
#'   for a vector `x`).
#' @examples
#' to_categorical(c(0, 2, 1, 2))
#' to_categorical(c(0, 1), num_classes = 4)
#' to_categorical(factor(c("b", "a", "c")))
#' @seealso [op_one_hot()] for tensors.
#' @export
to_categorical <- function(x, num_classes = NULL) {
  call <- rlang::current_env()
  if (is.factor(x)) {
    num_classes <- num_classes %||% nlevels(x)
    x <- array(as.integer(x) - 1L, dim = dim(x) %||% length(x))
  }
  if (op_is_tensor(x)) x <- as.array(x)
  if (!is.numeric(x) && !is.logical(x) || anyNA(x) || any(x != trunc(x)) || any(x < 0))
    recurrent_abort(c("{.arg x} must hold non-negative whole numbers (0-based class ids) or be a factor.",
                      x = "Got {describe_value(x)}."), call = call)
  num_classes <- check_count(num_classes, call = call, min = 1, null_ok = TRUE) %||%
    as.integer(if (length(x)) max(x) + 1 else 0)
  if (length(x) && max(x) >= num_classes)
    recurrent_abort(c("Every class id in {.arg x} must be less than {.arg num_classes} ({num_classes}).",
                      x = "The largest is {max(x)}."), call = call)
  d <- dim(x) %||% length(x)
  if (length(d) > 1 && d[length(d)] == 1) d <- d[-length(d)]
  n <- length(x)
  out <- matrix(0, n, num_classes)
  out[cbind(seq_len(n), as.integer(x) + 1L)] <- 1
  if (length(d) > 1) {
    # the class axis goes last: the samples keep their (column-major) order
    dim(out) <- c(d, num_classes)
  }
  out
}

#' Normalize an array along an axis
#'
#' Divides `x` by its `order`-norm along `axis` (an L2 norm by default, as
#' Keras's `normalize()`); slices whose norm is 0 are left as they are.
#'
#' @param x An R array (or vector) or a tensor. A tensor gives a tensor.
#' @param axis The axis along which the norm is taken: 1-based, negative
#'   counts from the end (`-1`, the default, is the last axis).
#' @param order The norm's order: a positive number (`2` for Euclidean,
#'   `1` for the sum of absolute values) or `Inf` (the largest absolute value).
#' @returns An array like `x`, normalized.
#' @examples
#' normalize(matrix(c(3, 0, 4, 1), 2, 2))      # rows (3, 4) and (0, 1)
#' normalize(c(1, 1, 2, 0), order = 1)
#' @export
normalize <- function(x, axis = -1L, order = 2L) {
  call <- rlang::current_env()
  as_tensor_out <- op_is_tensor(x)
  dtype <- if (as_tensor_out) op_dtype(x)
  if (as_tensor_out) x <- as.array(x)
  if (!is.numeric(x) && !is.logical(x))
    recurrent_abort(c("{.arg x} must be a numeric array or a tensor.", x = "Got {describe_value(x)}."), call = call)
  order <- check_number(order, call = call, min = 0, min_open = TRUE)
  d <- dim(x) %||% length(x)
  axis <- check_count(axis, call = call, min = -Inf)
  ax <- if (axis < 0) length(d) + 1L + axis else axis
  if (ax < 1 || ax > length(d))
    recurrent_abort(c("{.arg axis} is out of range for an array of rank {length(d)}.", x = "Got {axis}."), call = call)
  a <- abs(array(as.numeric(x), d))
  norms <- if (length(d) == 1) {
    if (is.infinite(order)) max(a) else sum(a^order)^(1 / order)
  } else if (is.infinite(order)) {
    apply(a, seq_along(d)[-ax], max)
  } else {
    apply(a^order, seq_along(d)[-ax], sum)^(1 / order)
  }
  norms[norms == 0] <- 1
  # put the normalized axis first, divide with recycling, and move it back
  perm <- c(ax, seq_along(d)[-ax])
  moved <- if (length(d) > 1) aperm(array(as.numeric(x), d), perm) else as.numeric(x)
  out <- moved / rep(norms, each = d[ax])
  out <- if (length(d) > 1) aperm(array(out, d[perm]), order(perm)) else out
  if (!is.null(dim(x))) dim(out) <- d
  if (as_tensor_out) op_convert_to_tensor(out, dtype = dtype) else out
}

#' Pad sequences to the same length
#'
#' Turns a list of sequences (integer vectors, e.g. word ids) into a matrix
#' with one row per sequence and `maxlen` columns. Shorter sequences are padded
#' with `value`, longer ones truncated; by default both happen at the start
#' (`"pre"`), as in Keras, so the last items of a sequence are always kept and
#' a recurrent layer reads the padding first. An empty sequence gives a row of
#' padding.
#'
#' @param sequences A list of numeric (or character) vectors.
#' @param maxlen `NULL` (default: the length of the longest sequence) or the
#'   number of columns.
#' @param dtype The type of the result: `"int32"` (default; an integer
#'   matrix), `"int64"` or `"bool"`/`"int8"`-like integer types likewise,
#'   `"float32"`/`"float64"` (a double matrix), or `"object"`/`"str"` (a
#'   character matrix).
#' @param padding `"pre"` or `"post"`: pad before or after each sequence.
#' @param truncating `"pre"` or `"post"`: drop the items of a longer sequence
#'   from its beginning or its end.
#' @param value The padding value. Default 0.
#' @returns A matrix with `length(sequences)` rows and `maxlen` columns.
#' @examples
#' sequences <- list(1, c(2, 3), c(4, 5, 6))
#' pad_sequences(sequences)
#' pad_sequences(sequences, value = -1)
#' pad_sequences(sequences, padding = "post")
#' pad_sequences(sequences, maxlen = 2)
#' pad_sequences(sequences, maxlen = 2, truncating = "post")
#' @export
pad_sequences <- function(sequences, maxlen = NULL, dtype = "int32", padding = "pre", truncating = "pre",
                          value = 0) {
  call <- rlang::current_env()
  if (is.atomic(sequences) && !is.null(dim(sequences)) && length(dim(sequences)) == 2)
    sequences <- lapply(seq_len(nrow(sequences)), function(i) sequences[i, ])
  if (!is.list(sequences) || is.data.frame(sequences))
    recurrent_abort(c("{.arg sequences} must be a list of vectors.", x = "Got {describe_value(sequences)}."), call = call)
  types <- vapply(sequences, typeof, "")
  if (any(types == "list")) {
    sequences[types == "list"] <- lapply(sequences[types == "list"], unlist)
    types <- vapply(sequences, typeof, "")
  }
  ok <- types %in% c("NULL", "logical", "integer", "double", "character")
  if (!all(ok))
    recurrent_abort(c("Each element of {.arg sequences} must be a vector.",
                      x = "Element{?s} {as.character(which(!ok))} {?is/are} not."), call = call)
  padding <- check_side(padding, "padding", call)
  truncating <- check_side(truncating, "truncating", call)
  maxlen <- check_count(maxlen, call = call, null_ok = TRUE)
  dtype <- check_string(dtype, call = call)
  mode <- pad_dtype_mode(dtype, call)
  if (length(value) != 1 || is.na(value) && !is.character(value))
    recurrent_abort(c("{.arg value} must be a single value.", x = "Got {describe_value(value)}."), call = call)
  if (mode != "character" && !is.numeric(value) && !is.logical(value))
    recurrent_abort(c("{.arg value} must be a number for {.arg dtype} {.val {dtype}}.",
                      i = "Use {.code dtype = \"object\"} to pad character sequences.", x = "Got {describe_value(value)}."),
                    call = call)
  lengths <- lengths(sequences)
  n <- length(sequences)
  if (is.null(maxlen)) maxlen <- if (n) max(lengths) else 0L
  if (mode != "character") {
    non_num <- types == "character"
    if (any(non_num))
      recurrent_abort(c("{.arg sequences} must hold numbers for {.arg dtype} {.val {dtype}}.",
                        x = "Element{?s} {as.character(which(non_num))} {?is/are} not numeric.",
                        i = "Use {.code dtype = \"object\"} to pad character sequences."), call = call)
  }
  if (mode == "integer") {
    dbl <- types == "double"
    big <- vapply(sequences[dbl], function(s) length(s) > 0 && max(abs(s), na.rm = TRUE) > .Machine$integer.max, TRUE)
    if (any(big)) recurrent_abort("{.arg sequences} hold values too large for {.val {dtype}}.", call = call)
  }
  if (mode != "character")
    return(cpp_pad_sequences(sequences, maxlen, padding == "pre", truncating == "pre", as.double(value),
                             mode == "integer"))
  # strings: fill a (maxlen x n) matrix column by column (contiguous writes), then transpose
  out <- matrix(as.character(value), maxlen, n)
  for (i in seq_len(n)) {
    s <- sequences[[i]]
    len <- length(s)
    if (!len || !maxlen) next
    if (len > maxlen) {
      s <- if (truncating == "pre") s[(len - maxlen + 1L):len] else s[seq_len(maxlen)]
      len <- maxlen
    }
    rows <- if (padding == "pre") (maxlen - len + 1L):maxlen else seq_len(len)
    out[rows, i] <- as.character(s)
  }
  t(out)
}

check_side <- function(x, arg, call) {
  if (!is.character(x) || length(x) != 1 || !x %in% c("pre", "post"))
    recurrent_abort(c("{.arg {arg}} must be {.val pre} or {.val post}.", x = "Got {describe_value(x)}."), call = call)
  x
}

pad_dtype_mode <- function(dtype, call) {
  if (dtype %in% c("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "bool")) return("integer")
  if (dtype %in% c("float16", "bfloat16", "float32", "float64")) return("double")
  if (dtype %in% c("object", "str", "string")) return("character")
  recurrent_abort(c("Unknown {.arg dtype} {.val {dtype}}.",
                    i = "Use an integer type such as {.val int32}, a float type such as {.val float32}, or {.val object}."),
                  call = call)
}

#' Split arrays into a left and a right part
#'
#' `split_dataset()` divides the samples (first axis) of an array, or of a
#' list of arrays with the same number of samples (e.g. `list(x, y)`), into
#' two parts, as Keras's `split_dataset()`: sizes given as fractions are
#' rounded the way Keras rounds them, and one size may be left `NULL` to take
#' the rest. A [dataset][timeseries_dataset_from_array()] is split by batches.
#'
#' Keras returns two `tf.data` datasets; here the parts keep the type of the
#' input (arrays stay arrays, a dataset gives two datasets).
#'
#' @param dataset An R array, a list of arrays with the same first dimension,
#'   or a dataset.
#' @param left_size,right_size `NULL`, a fraction in (0, 1), or a whole
#'   number of samples (of batches for a dataset). With both `NULL`, the left
#'   part gets half.
#' @param shuffle Logical: shuffle the samples before splitting (R's random
#'   number generator).
#' @param seed `NULL` or a whole number for the shuffle.
#' @returns A list of two parts, left then right, each like `dataset`.
#' @examples
#' x <- matrix(1:20, 10, 2)
#' y <- 1:10
#' parts <- split_dataset(list(x, y), left_size = 0.8)
#' .[train, test] <- parts
#' dim(train[[1]]); test[[2]]
#' @export
split_dataset <- function(dataset, left_size = NULL, right_size = NULL, shuffle = FALSE, seed = NULL) {
  call <- rlang::current_env()
  shuffle <- check_flag(shuffle, call = call)
  seed <- check_seed(seed, call = call)
  if (inherits(dataset, "recurrent_dataset")) return(split_lazy_dataset(dataset, left_size, right_size, shuffle, seed, call))
  leaves <- if (is.list(dataset) && !is.data.frame(dataset)) dataset else list(dataset)
  if (!length(leaves))
    recurrent_abort("{.arg dataset} is empty.", call = call)
  leaves <- lapply(leaves, function(l) if (op_is_tensor(l)) as.array(l) else l)
  ns <- vapply(leaves, function(l) {
    if (is.data.frame(l)) return(as.numeric(nrow(l)))
    if (!is.atomic(l)) return(NA_real_)
    as.numeric((dim(l) %||% length(l))[1])
  }, 0)
  if (anyNA(ns))
    recurrent_abort(c("{.arg dataset} must be an array, a list of arrays or a dataset.",
                      x = "Got {describe_value(dataset)}."), call = call)
  if (length(unique(ns)) != 1)
    recurrent_abort(c("All arrays in {.arg dataset} must have the same number of samples.", x = "Got {ns}."), call = call)
  n <- ns[1]
  sizes <- split_sizes(left_size, right_size, n, call)
  idx <- if (shuffle) with_random_seed(seed, sample.int(n)) else seq_len(n)
  left <- idx[seq_len(sizes[1])]
  right <- idx[sizes[1] + seq_len(sizes[2])]
  take <- function(i) {
    parts <- lapply(leaves, function(l) if (is.data.frame(l)) l[i, , drop = FALSE] else slice_rows(l, i))
    if (is.list(dataset) && !is.data.frame(dataset)) stats::setNames(parts, names(dataset)) else parts[[1]]
  }
  list(take(left), take(right))
}

# Keras's _rescale_dataset_split_sizes: fractions are rounded (left) and the
# right part gets what the left leaves (or the reverse); both must fit.
split_sizes <- function(left_size, right_size, total, call) {
  check_size <- function(s, arg) {
    if (is.null(s)) return(NULL)
    if (!is.numeric(s) || length(s) != 1 || is.na(s) || s <= 0 || (s >= 1 && s != trunc(s)))
      recurrent_abort(c("{.arg {arg}} must be {.code NULL}, a fraction between 0 and 1, or a positive whole number.",
                        x = "Got {describe_value(s)}."), call = call)
    if (s >= 1 && s >= total)
      recurrent_abort(c("{.arg {arg}} must be less than the number of samples ({total}).", x = "Got {s}."), call = call)
    s
  }
  left_size <- check_size(left_size, "left_size")
  right_size <- check_size(right_size, "right_size")
  if (is.null(left_size) && is.null(right_size)) left_size <- 0.5
  frac <- function(s) if (s < 1) round(s * total) else s
  if (!is.null(left_size) && !is.null(right_size) && left_size < 1 && right_size < 1 && left_size + right_size > 1)
    recurrent_abort("The sum of {.arg left_size} and {.arg right_size} must be at most 1.", call = call)
  l <- if (!is.null(left_size)) frac(left_size) else total - frac(right_size)
  r <- if (!is.null(right_size)) frac(right_size) else total - l
  if (l + r > total)
    recurrent_abort(c("The sum of {.arg left_size} and {.arg right_size} must be at most the number of samples ({total}).",
                      x = "Got {l} + {r}."), call = call)
  if (l == 0 || r == 0)
    recurrent_abort(c("Both parts of the split must hold at least one sample.",
                      x = "{.arg left_size} gives {l} and {.arg right_size} gives {r} of {total}."), call = call)
  as.integer(c(l, r))
}

#' Zip lists together
#'
#' Like Python's `zip()`: element `i` of the result is a list of the `i`-th
#' elements of each argument. Named arguments are matched by name (the
#' elements of the result are named after them too); all must have the same
#' length, and the same names in any order when named.
#'
#' @param ... R lists or atomic vectors of the same length (or one list of
#'   them).
#' @returns A list of lists.
#' @examples
#' str(zip_lists(list("a", "b"), list(1, 2)))
#' str(zip_lists(gradient = list("g1", "g2"), weight = list("w1", "w2")))
#' x <- list(first = 1, second = 2)
#' str(zip_lists(x, rev(x)))   # matched by name
#' @export
zip_lists <- function(...) {
  call <- rlang::current_env()
  dots <- list(...)
  if (length(dots) == 1 && is.list(dots[[1]])) dots <- dots[[1]]
  if (!length(dots)) return(list())
  lens <- lengths(dots)
  if (length(unique(lens)) != 1)
    recurrent_abort(c("All arguments to {.fn zip_lists} must have the same length.", x = "Got lengths {lens}."), call = call)
  nms1 <- names(dots[[1]])
  if (!is.null(nms1)) {
    if (anyDuplicated(nms1) || anyNA(nms1) || !all(nzchar(nms1)))
      recurrent_abort("All names must be unique and non-empty; call {.fn unname} for positional matching.", call = call)
    for (i in seq_along(dots)[-1]) {
      nm <- names(dots[[i]])
      if (identical(nm, nms1)) next
      if (!is.null(nm) && setequal(nm, nms1) && !anyDuplicated(nm)) {
        dots[[i]] <- dots[[i]][nms1]
        next
      }
      recurrent_abort(c("All names of the arguments to {.fn zip_lists} must match.",
                        i = "Call {.fn unname} on each argument for positional matching."), call = call)
    }
  }
  out <- .mapply(list, dots, NULL)
  names(out) <- nms1
  out
}
