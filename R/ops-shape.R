# Shape ops. keras3 conventions: 1-based axes (negative from the end), 1-based
# indices and split points, C-order (row-major) reshapes, R lists for several results.

#' Reshape a tensor
#'
#' Gives `x` a new shape with the same number of entries, read and written in
#' row-major (C) order, as Keras and NumPy do. This differs from R's `dim<-`,
#' which is column-major. One dimension may be unknown (`NA`, `NULL` in a list,
#' or -1); it is inferred from the others.
#'
#' @param x A tensor or R array.
#' @param newshape The new shape: a numeric vector, a list, or a [shape()].
#' @returns A tensor with shape `newshape`.
#' @examples
#' x <- op_convert_to_tensor(1:9, dtype = "float32")
#' op_reshape(x, c(1, 3, 3, 1))   # rows 1 2 3 / 4 5 6 / 7 8 9
#' op_reshape(x, c(NA, 3))
#' @export
op_reshape <- function(x, newshape) {
  if (!is.numeric(newshape) || anyNA(newshape) || any(newshape != trunc(newshape)))
    newshape <- as_shape_arg(newshape, "newshape", unknown = TRUE)
  .Call(`_recurrent_cpp_reshape`, x, newshape)
}

#' Permute the axes of a tensor
#'
#' `op_transpose()` reorders the axes of `x`: axis `i` of the result is axis
#' `axes[i]` of `x`. Without `axes` the order is reversed (the matrix transpose
#' for 2-D tensors). `t()` and `aperm()` on tensors call it too.
#'
#' @param x A tensor or R array.
#' @param axes `NULL` or a permutation of the axes (1-based; negative from the
#'   end).
#' @returns A tensor.
#' @examples
#' x <- op_convert_to_tensor(array(1:24, c(2, 3, 4)))
#' dim(op_transpose(x))
#' dim(op_transpose(x, c(1, 3, 2)))
#' @export
op_transpose <- function(x, axes = NULL) .Call(`_recurrent_cpp_transpose`, x, as_axis0(axes, "axes"))

#' Join tensors along an axis
#'
#' `op_concatenate()` joins tensors along an existing axis; all other dimensions
#' must match. `op_stack()` joins tensors of the same shape along a new axis.
#'
#' @param xs,x A list of tensors or R arrays.
#' @param axis The axis to join along (1-based; negative from the end). For
#'   `op_stack()` it is the position of the new axis in the result.
#' @returns A tensor.
#' @examples
#' a <- op_ones(c(2, 3))
#' b <- op_zeros(c(1, 3))
#' op_concatenate(list(a, b))          # shape (3, 3)
#' dim(op_stack(list(a, a), axis = 2))  # (2, 2, 3)
#' @export
op_concatenate <- function(xs, axis = 1L) {
  .Call(`_recurrent_cpp_concatenate`, as_tensor_list(xs, "xs"), as_axis0_1(axis))
}

#' @rdname op_concatenate
#' @export
op_stack <- function(x, axis = 1L) .Call(`_recurrent_cpp_stack`, as_tensor_list(x, "x"), as_axis0_1(axis))

#' Split a tensor into pieces
#'
#' `op_split()` cuts `x` along `axis`, either into `indices_or_sections` pieces of
#' equal size (a single number, which must divide the axis), or at the 1-based
#' positions in `indices_or_sections` (a vector or 1-D array: each position starts
#' a new piece). `op_unstack()` splits into slices of size 1 and drops the axis.
#' Both return an R list of tensors.
#'
#' @param x A tensor or R array.
#' @param indices_or_sections A number of equal sections, or a vector of 1-based
#'   split points.
#' @param axis The axis to split (1-based; negative from the end).
#' @param num For `op_unstack()`, the expected size of `axis` (checked if given).
#' @returns A list of tensors.
#' @examples
#' x <- op_convert_to_tensor(1:12)
#' op_split(x, 3)
#' op_split(x, array(c(3, 8)))   # [1 2], [3 .. 7], [8 .. 12]
#' m <- op_convert_to_tensor(matrix(1:6, 2, 3))
#' op_unstack(m, axis = 2)
#' @export
op_split <- function(x, indices_or_sections, axis = 1L) {
  ax <- as_axis0_1(axis)
  d <- value_dim(x)
  if (length(d) == 0) recurrent_abort("{.fn op_split} cannot split a scalar.")
  k <- if (ax < 0) ax + length(d) + 1L else ax + 1L
  if (k < 1L || k > length(d))
    recurrent_abort(c("{.arg axis} is out of range for a tensor with {length(d)} dimension{?s}.", x = "Got {axis}."))
  n <- d[[k]]
  ios <- indices_or_sections
  if (op_is_tensor(ios)) ios <- as.array(ios)
  if (!is_whole(ios) || length(ios) == 0) {
    got <- describe_value(indices_or_sections)
    recurrent_abort(c("{.arg indices_or_sections} must be a number of sections or a vector of split points.",
                      x = "Got {got}."))
  }
  if (length(ios) == 1L && !is.array(ios)) {
    if (ios < 1 || n %% ios != 0)
      recurrent_abort(c("{.arg indices_or_sections} must divide the size of axis {k} ({n}) into equal sections.",
                        x = "Got {ios}."))
    sizes <- rep(n %/% ios, ios)
  } else {
    points <- as.double(ios)
    if (any(points < 1) || any(points > n + 1) || is.unsorted(points))
      recurrent_abort(c("{.arg indices_or_sections} must hold increasing 1-based split points between 1 and {n + 1}.",
                        x = "Got ({paste(points, collapse = ', ')})."))
    sizes <- diff(c(1, points, n + 1))
  }
  .Call(`_recurrent_cpp_split`, x, sizes, ax)
}

#' @rdname op_split
#' @export
op_unstack <- function(x, num = NULL, axis = 1L) {
  ax <- as_axis0_1(axis)
  if (!is.null(num)) {
    d <- value_dim(x)
    k <- if (ax < 0) ax + length(d) + 1L else ax + 1L
    if (k >= 1L && k <= length(d) && !identical(as.integer(num), as.integer(d[[k]])))
      recurrent_abort(c("{.arg num} must equal the size of axis {k}, {d[[k]]}.", x = "Got {num}."))
  }
  .Call(`_recurrent_cpp_unstack`, x, ax)
}

#' Add or remove axes of size 1
#'
#' `op_expand_dims()` inserts new axes of size 1 so that they sit at positions
#' `axis` of the result. `op_squeeze()` removes the axes of size 1 named by
#' `axis` (all of them by default); naming an axis whose size is not 1 is an
#' error.
#'
#' @param x A tensor or R array.
#' @param axis For `op_expand_dims()`, positions of the new axes in the result
#'   (1-based; negative from the end). For `op_squeeze()`, `NULL` or axes of `x`.
#' @returns A tensor.
#' @examples
#' x <- op_ones(c(2, 3))
#' dim(op_expand_dims(x, 1))    # (1, 2, 3)
#' dim(op_expand_dims(x, -1))   # (2, 3, 1)
#' dim(op_squeeze(op_ones(c(1, 4, 1))))
#' @export
op_expand_dims <- function(x, axis) {
  if (length(axis) == 1L && !is.list(axis)) return(.Call(`_recurrent_cpp_expand_dims`, x, as_axis0_1(axis)))
  ax <- as_axis0(axis)
  nd <- length(value_dim(x)) + length(ax)
  pos <- sort(ifelse(ax < 0L, ax + nd, ax))
  if (any(pos < 0L | pos >= nd) || anyDuplicated(pos))
    recurrent_abort(c("{.arg axis} must name distinct positions among the {nd} axes of the result.",
                      x = "Got ({paste(axis, collapse = ', ')})."))
  for (p in pos) x <- .Call(`_recurrent_cpp_expand_dims`, x, p)
  x
}

#' @rdname op_expand_dims
#' @export
op_squeeze <- function(x, axis = NULL) .Call(`_recurrent_cpp_squeeze`, x, as_axis0(axis))

#' Take a box-shaped slice
#'
#' The slice of `inputs` that starts at `start_indices` (1-based, one per axis)
#' and has shape `shape`. A size of `NA` or -1 runs to the end of its axis.
#'
#' @param inputs A tensor or R array.
#' @param start_indices 1-based start positions, one per axis.
#' @param shape The size of the slice along each axis.
#' @returns A tensor of shape `shape`.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:12, 3, 4))
#' op_slice(x, c(2, 2), c(2, 3))   # rows 2:3, columns 2:4
#' @export
op_slice <- function(inputs, start_indices, shape) {
  if (op_is_tensor(start_indices)) start_indices <- as.array(start_indices)
  if (!is_whole(start_indices) || any(start_indices < 1)) {
    got <- describe_value(start_indices)
    recurrent_abort(c("{.arg start_indices} must be 1-based positions (whole numbers from 1).", x = "Got {got}."))
  }
  .Call(`_recurrent_cpp_slice`, inputs, start_indices - 1, as_shape_arg(shape, "shape", unknown = TRUE))
}

#' Take entries by index
#'
#' Picks the entries of `x` at `indices` along `axis`; with `axis = NULL`, `x` is
#' flattened (row-major) first. The result's shape replaces that axis by the shape
#' of `indices`. Indices count from 1 (negative ones from the end: -1 is the last),
#' or from 0 with `zero_indexed = TRUE`. The gradient adds up over repeated
#' indices.
#'
#' @param x A tensor or R array.
#' @param indices A vector, array or tensor of whole numbers.
#' @param axis `NULL` or one axis (1-based; negative from the end).
#' @param zero_indexed If `TRUE`, `indices` count from 0.
#' @returns A tensor.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3))
#' op_take(x, c(3, 1), axis = 2)
#' op_take(x, 1:4)   # the flattened tensor is 1 3 5 2 4 6
#' @export
op_take <- function(x, indices, axis = NULL, zero_indexed = FALSE) {
  .Call(`_recurrent_cpp_take`, x, indices, if (is.null(axis)) NULL else as_axis0_1(axis), !isTRUE(zero_indexed))
}

#' Reverse the order along axes
#'
#' @param x A tensor or R array.
#' @param axis `NULL` (every axis) or the axes to reverse (1-based; negative from
#'   the end).
#' @returns A tensor of the same shape as `x`.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3))
#' op_flip(x, axis = 2)
#' @export
op_flip <- function(x, axis = NULL) .Call(`_recurrent_cpp_flip`, x, as_axis0(axis))

#' Repeat a tensor like tiles
#'
#' Repeats `x` `repeats[i]` times along axis `i`. If `repeats` is shorter than the
#' number of axes, it applies to the last axes; if longer, `x` gets leading axes
#' of size 1 first (as in NumPy).
#'
#' @param x A tensor or R array.
#' @param repeats A vector of non-negative whole numbers.
#' @returns A tensor.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:4, 2, 2))
#' op_tile(x, c(1, 2))
#' dim(op_tile(x, c(3, 1, 1)))
#' @export
op_tile <- function(x, repeats) {
  if (op_is_tensor(repeats)) repeats <- as.array(repeats)
  if (!is_whole(repeats) || any(repeats < 0)) {
    got <- describe_value(repeats)
    recurrent_abort(c("{.arg repeats} must hold non-negative whole numbers.", x = "Got {got}."))
  }
  .Call(`_recurrent_cpp_tile`, x, repeats)
}

#' Broadcast a tensor to a shape
#'
#' Stretches the size-1 (and missing leading) dimensions of `x` to `shape`, as
#' the arithmetic ops do implicitly. The gradient sums over the stretched axes.
#'
#' @param x A tensor or R array.
#' @param shape The target shape.
#' @returns A tensor of shape `shape`.
#' @examples
#' op_broadcast_to(op_convert_to_tensor(c(1, 2, 3)), c(2, 3))
#' @export
op_broadcast_to <- function(x, shape) .Call(`_recurrent_cpp_broadcast_to`, x, as_shape_arg(shape))

#' One-hot encode class ids
#'
#' Each class id becomes a vector of length `num_classes` with a 1 at that class
#' and 0 elsewhere. Class ids are 1-based (R's convention, as in keras3); with
#' `zero_indexed = TRUE` they count from 0. Ids out of range give all zeros. A
#' factor gives its level numbers, and `num_classes` defaults to its number of
#' levels.
#'
#' @param x A vector, array, factor or tensor of class ids.
#' @param num_classes The number of classes.
#' @param axis Where the new axis goes in the result (default -1, last).
#' @param dtype The result dtype (default [config_floatx()]).
#' @param sparse Must be `FALSE`: sparse tensors are not supported.
#' @param zero_indexed If `TRUE`, class ids count from 0.
#' @returns A tensor with one more axis than `x`.
#' @examples
#' op_one_hot(c(1, 3, 2), 3)
#' op_one_hot(factor(c("b", "a", "c")))
#' @export
op_one_hot <- function(x, num_classes, axis = -1L, dtype = NULL, sparse = FALSE, zero_indexed = FALSE) {
  if (isTRUE(sparse)) recurrent_abort("Sparse tensors are not supported: {.arg sparse} must be {.code FALSE}.")
  if (is.factor(x)) {
    if (missing(num_classes)) num_classes <- nlevels(x)
    x <- as.integer(x) - 1L
    zero_indexed <- TRUE
  }
  num_classes <- check_count(num_classes, "num_classes")
  if (!is.null(dtype)) dtype <- normalize_dtype(dtype)
  out <- .Call(`_recurrent_cpp_one_hot`, x, num_classes, dtype, !isTRUE(zero_indexed))
  ax <- as_axis0_1(axis)
  nd <- length(dim(out))
  pos <- if (ax < 0L) ax + nd else ax
  if (pos < 0L || pos >= nd)
    recurrent_abort(c("{.arg axis} is out of range for a result with {nd} dimension{?s}.", x = "Got {axis}."))
  if (pos == nd - 1L) return(out)
  perm <- append(seq_len(nd - 1L) - 1L, nd - 1L, after = pos)
  .Call(`_recurrent_cpp_transpose`, out, perm)
}

#' Swap or move axes of a tensor
#'
#' `op_swapaxes()` exchanges two axes of `x`. `op_moveaxis()` puts the axes
#' `source` at positions `destination` of the result; the other axes keep their
#' relative order. Both are permutations built on [op_transpose()], so gradients
#' flow back through them.
#'
#' @param x A tensor or R array.
#' @param axis1,axis2 The two axes to exchange (1-based; negative from the end).
#' @param source The axes to move (1-based; negative from the end; distinct).
#' @param destination Their positions in the result, one per `source` axis
#'   (1-based; negative from the end; distinct).
#' @returns A tensor with the same entries as `x`, axes reordered.
#' @examples
#' x <- op_zeros(c(2, 3, 4))
#' dim(op_swapaxes(x, 1, 3))          # (4, 3, 2)
#' dim(op_moveaxis(x, 1, -1))         # (3, 4, 2)
#' dim(op_moveaxis(x, c(1, 2), c(3, 1)))  # (3, 4, 2)
#' @export
op_swapaxes <- function(x, axis1, axis2) {
  nd <- length(value_dim(x))
  a <- axis_positions(axis1, nd, "axis1", single = TRUE)
  b <- axis_positions(axis2, nd, "axis2", single = TRUE)
  perm <- seq_len(nd)
  perm[c(a, b) + 1L] <- perm[c(b, a) + 1L]
  op_transpose(x, perm)
}

#' @rdname op_swapaxes
#' @export
op_moveaxis <- function(x, source, destination) {
  nd <- length(value_dim(x))
  src <- axis_positions(source, nd, "source")
  dst <- axis_positions(destination, nd, "destination")
  if (length(src) != length(dst))
    recurrent_abort(c("{.arg source} and {.arg destination} must name the same number of axes.",
                      x = "Got {length(src)} and {length(dst)}."))
  # the axes that stay, in order, then each moved axis inserted at its destination
  perm <- setdiff(seq_len(nd) - 1L, src)
  for (i in order(dst)) perm <- append(perm, src[[i]], after = dst[[i]])
  op_transpose(x, perm + 1L)
}

#' Pad a tensor
#'
#' Adds entries before and after each axis of `x`. `pad_width` follows NumPy
#' and Keras:
#' * a single number `n`: `n` entries before and after every axis;
#' * a pair `c(before, after)`: the same pair for every axis (also for a
#'   matrix `x`: it is not one number per axis);
#' * one pair per axis: a list such as `list(c(1, 1), c(0, 2))` or a matrix
#'   with one row `c(before, after)` per axis.
#'
#' The new entries depend on `mode`:
#' * `"constant"`: `constant_values` (0 by default);
#' * `"reflect"`: the mirror image without repeating the edge entry
#'   (`1 2 3` padded by 2 gives `3 2 1 2 3 2 1`); at most `size - 1` entries
#'   per side;
#' * `"symmetric"`: the mirror image including the edge entry (`2 1 1 2 3 3 2`);
#'   at most `size` entries per side;
#' * `"edge"`: copies of the edge entry;
#' * `"wrap"`: the entries from the other end, as if the axis were periodic.
#'
#' NumPy's other modes (`"linear_ramp"`, `"maximum"`, `"mean"`, `"median"`,
#' `"minimum"`, `"empty"`) and Torch's `"circular"` are not supported. The
#' result is built from slices and joins, so gradients flow back to `x`.
#'
#' @param x A tensor or R array.
#' @param pad_width A number, a `c(before, after)` pair, or one pair per axis
#'   (list or matrix) of non-negative whole numbers.
#' @param mode One of `"constant"` (default), `"reflect"`, `"symmetric"`,
#'   `"edge"`, `"wrap"`.
#' @param constant_values `NULL` (0) or a single number to pad with; only for
#'   `mode = "constant"`.
#' @returns A tensor of the dtype of `x`, each axis longer by `before + after`.
#' @examples
#' x <- op_convert_to_tensor(matrix(1:6, 2, 3, byrow = TRUE))
#' op_pad(x, list(c(1, 0), c(0, 2)))
#' op_pad(x, 1, constant_values = 9L)
#' op_pad(op_convert_to_tensor(c(1, 2, 3)), 2, mode = "reflect")
#' @export
op_pad <- function(x, pad_width, mode = "constant", constant_values = NULL) {
  mode <- check_string(mode)
  supported <- c("constant", "reflect", "symmetric", "edge", "wrap")
  if (!mode %in% supported) {
    known <- c("linear_ramp", "maximum", "mean", "median", "minimum", "empty", "circular")
    if (mode %in% known)
      recurrent_abort(c("{.arg mode} {.val {mode}} is not supported.", i = "Use one of {.val {supported}}."))
    recurrent_abort(c("{.arg mode} must be one of {.val {supported}}.", x = "Got {.val {mode}}."))
  }
  if (!is.null(constant_values) && mode != "constant")
    recurrent_abort(c("{.arg constant_values} only applies to {.code mode = \"constant\"}.", x = "Got {.code mode = \"{mode}\"}."))
  if (op_is_tensor(constant_values)) constant_values <- as.array(constant_values)
  value <- if (is.null(constant_values)) 0 else check_number(constant_values, "constant_values")
  x <- as_tensor_arg(x)
  d <- dim(x)
  pw <- pad_widths(pad_width, length(d))
  dtype <- .Call(`_recurrent_cpp_dtype`, x)
  for (k in seq_along(d)) {
    before <- pw[k, 1]
    after <- pw[k, 2]
    if (before == 0 && after == 0) next
    n <- d[[k]]
    if (mode == "constant") {
      block <- function(size) op_full(replace(d, k, size), value, dtype = dtype)
      parts <- c(if (before > 0) list(block(before)), list(x), if (after > 0) list(block(after)))
      x <- op_concatenate(parts, axis = k)
    } else {
      x <- op_take(x, pad_index(mode, n, before, after, k), axis = k)
    }
    d[[k]] <- n + before + after
  }
  x
}

# pad_width (any of the forms op_pad() takes) as an nd x 2 integer matrix of
# (before, after) rows.
pad_widths <- function(pad_width, nd, call = rlang::caller_env()) {
  pw <- pad_width
  if (op_is_tensor(pw)) pw <- as.array(pw)
  bad <- function() {
    got <- describe_value(pad_width)
    recurrent_abort(c("{.arg pad_width} must be a number, a {.code c(before, after)} pair, or one pair per axis ({nd} pair{?s} here) as a list or a 2-column matrix.",
                      x = "Got {got}."), call = call)
  }
  if (is.list(pw)) {
    ok <- length(pw) > 0 && all(vapply(pw, function(p) is.numeric(p) && length(p) %in% 1:2, TRUE))
    if (!ok) bad()
    pw <- do.call(rbind, lapply(pw, function(p) rep_len(as.double(p), 2L)))
  } else if (is.numeric(pw) && is.matrix(pw)) {
    if (!ncol(pw) %in% 1:2 || nrow(pw) == 0) bad()
    if (ncol(pw) == 1L) pw <- cbind(pw, pw)
  } else if (is.numeric(pw) && length(pw) %in% 1:2 && length(dim(pw)) <= 1L) {
    pw <- matrix(rep_len(as.double(pw), 2L), 1L)
  } else {
    bad()
  }
  if (anyNA(pw) || any(pw != trunc(pw)) || any(pw < 0)) {
    got <- describe_value(pad_width)
    recurrent_abort(c("{.arg pad_width} must hold non-negative whole numbers.", x = "Got {got}."), call = call)
  }
  if (nrow(pw) == 1L) {
    pw <- pw[rep(1L, nd), , drop = FALSE]
  } else if (nrow(pw) != nd) {
    recurrent_abort(c("{.arg pad_width} must give one (before, after) pair per axis: {nd} pair{?s} for this tensor.",
                      x = "Got {nrow(pw)} pairs."), call = call)
  }
  storage.mode(pw) <- "integer"
  pw
}

# 1-based positions along an axis of size n that make up the padded axis.
pad_index <- function(mode, n, before, after, k, call = rlang::caller_env()) {
  limit <- switch(mode, reflect = n - 1L, symmetric = n, Inf)
  if (max(before, after) > limit)
    recurrent_abort(c("{.code mode = \"{mode}\"} pads at most {limit} entr{?y/ies} on each side of axis {k} (of size {n}).",
                      x = "Got {before} before and {after} after."), call = call)
  if (n == 0L)
    recurrent_abort(c("{.code mode = \"{mode}\"} cannot pad axis {k}: it is empty."), call = call)
  lead <- if (before == 0L) integer() else switch(mode,
    reflect = seq(before + 1L, 2L),
    symmetric = seq(before, 1L),
    edge = rep(1L, before),
    wrap = (seq(-before, -1L) %% n) + 1L)
  trail <- if (after == 0L) integer() else switch(mode,
    reflect = seq(n - 1L, n - after),
    symmetric = seq(n, n - after + 1L),
    edge = rep(n, after),
    wrap = (seq(n, n + after - 1L) %% n) + 1L)
  c(lead, seq_len(n), trail)
}
