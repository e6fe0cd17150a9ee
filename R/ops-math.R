# The rest of the op_* family a custom cell reaches for: logsumexp, erf, sorting,
# triangular and diagonal matrices, repeats, cumulative products, moments,
# gathers and scatters, normalisations and the crossentropy ops. Most are
# compositions of differentiable ops (so gradients and replay come for free);
# erf, argsort and cumprod are C++ ops (src/core/ops_math.cpp). Axes and indices are
# 1-based, as in keras3.

math_float <- function(x) {
  x <- as_tensor_arg(x)
  if (!op_dtype(x) %in% c("float32", "float64")) x <- op_cast(x, config_floatx())
  x
}

# Indices as an R array: tensors are read (which spoils a recorded timestep, safely).
index_array <- function(x, arg, call = rlang::caller_env()) {
  if (op_is_tensor(x)) x <- as.array(x)
  if (is.factor(x)) x <- as.integer(x)
  if (!is_whole(x))
    recurrent_abort(c("{.arg {arg}} must hold whole numbers.", x = "Got {describe_value(x)}."), call = call)
  x
}

#' Log of the sum of exponentials
#'
#' `log(sum(exp(x)))` along `axis`, computed stably (the maximum is subtracted
#' first).
#'
#' @param x A tensor or R array.
#' @param axis `NULL` (all axes) or axes, 1-based.
#' @param keepdims Logical. Keep reduced axes with size 1.
#' @returns A tensor.
#' @examples
#' op_logsumexp(c(1, 2, 3))
#' log(sum(exp(c(1, 2, 3))))
#' op_logsumexp(rbind(c(1000, 1000), c(1, 2)), axis = 2)
#' @export
op_logsumexp <- function(x, axis = NULL, keepdims = FALSE) {
  x <- math_float(x)
  keepdims <- check_flag(keepdims)
  m <- op_stop_gradient(op_max(x, axis = axis, keepdims = TRUE))
  # an all -Inf slice has max -Inf; shift by 0 there so that the result is -Inf, not NaN
  m <- op_where(op_equal(op_abs(m), Inf), 0, m)
  out <- op_add(op_log(op_sum(op_exp(op_subtract(x, m)), axis = axis, keepdims = TRUE)), m)
  if (keepdims) return(out)
  if (is.null(axis)) return(op_reshape(out, integer()))
  op_squeeze(out, axis = axis)
}

#' Error function
#'
#' `erf(x) = 2 / sqrt(pi) * integral from 0 to x of exp(-t^2) dt`, elementwise,
#' with its gradient `2 / sqrt(pi) * exp(-x^2)`.
#'
#' @param x A tensor or R array.
#' @returns A float tensor of the same shape.
#' @examples
#' op_erf(c(-1, 0, 0.5, 2))
#' 2 * pnorm(c(-1, 0, 0.5, 2) * sqrt(2)) - 1
#' @export
op_erf <- function(x) cpp_erf(math_float(x))

#' Sorting: sort, argsort and top-k
#'
#' `op_sort()` sorts along `axis` (ascending); `op_argsort()` gives the positions
#' that sort it (stable: ties keep their order); `op_top_k()` gives the `k` largest
#' values along the last axis and their positions. Positions are 1-based unless
#' `zero_indexed = TRUE`, as in keras3. Sorted values carry gradients to the
#' entries they came from.
#'
#' @param x A tensor or R array.
#' @param axis The axis to sort along, 1-based. Default `-1` (the last).
#' @param zero_indexed Logical. Return 0-based positions. Default `FALSE`.
#' @param k Number of largest values to return.
#' @param sorted Logical, default `TRUE`: the values come in descending order
#'   (ties in their original order). With `FALSE` Keras leaves the order
#'   unspecified and its NumPy, JAX and PyTorch backends return it sorted all
#'   the same (only TensorFlow's may differ); so does recurrent.
#' @returns `op_sort()`: a tensor like `x`. `op_argsort()`: an int32 tensor like
#'   `x`. `op_top_k()`: a list with `values` and `indices`, each with the last
#'   axis of size `k`.
#' @examples
#' op_sort(c(3, 1, 2))
#' op_argsort(c(3, 1, 2))
#' op_top_k(c(5, 1, 9, 3), k = 2)
#' @export
op_sort <- function(x, axis = -1L) {
  x <- as_tensor_arg(x)
  op_take_along_axis(x, op_argsort(x, axis = axis, zero_indexed = TRUE), axis = axis, zero_indexed = TRUE)
}

#' @rdname op_sort
#' @export
op_argsort <- function(x, axis = -1L, zero_indexed = FALSE) {
  out <- cpp_argsort(as_tensor_arg(x), as_axis0_1(axis), FALSE)
  if (isTRUE(zero_indexed)) out else op_add(out, 1L)
}

#' @rdname op_sort
#' @export
op_top_k <- function(x, k, sorted = TRUE, zero_indexed = FALSE) {
  x <- as_tensor_arg(x)
  d <- dim(x)
  if (!length(d)) recurrent_abort("{.arg x} must have at least one axis.")
  n <- d[length(d)]
  k <- check_count(k, "k", min = 1)
  if (k > n) recurrent_abort(c("{.arg k} must be at most the size of the last axis ({n}).", x = "Got {k}."))
  # sorted = FALSE promises no order (keras/src/backend/{numpy,jax,torch}/math.py
  # return the sorted top k for it too, stably)
  check_flag(sorted)
  order <- cpp_argsort(x, -1L, TRUE)
  idx <- op_slice(order, rep(1, length(d)), c(d[-length(d)], k))
  values <- op_take_along_axis(x, idx, axis = -1L, zero_indexed = TRUE)
  list(values = values, indices = if (isTRUE(zero_indexed)) idx else op_add(idx, 1L))
}

#' Gather values along an axis
#'
#' Picks, for every position of `indices`, the entry of `x` at that index along
#' `axis` (NumPy's `take_along_axis`): `x` and `indices` have the same rank and
#' broadcast on the other axes. With `axis = NULL` both are flattened first.
#' Gradients flow back to the picked entries of `x`.
#'
#' @param x A tensor or R array.
#' @param indices Integer array of positions, 1-based unless `zero_indexed`.
#' @param axis The axis (1-based) or `NULL`.
#' @param zero_indexed Logical. `indices` are 0-based. Default `FALSE`.
#' @returns A tensor shaped like the broadcast of `x` (with `axis` taking the size
#'   of `indices`' axis) and `indices`.
#' @examples
#' x <- rbind(c(10, 30, 20), c(60, 40, 50))
#' op_take_along_axis(x, rbind(c(2, 3), c(1, 1)), axis = 2)
#' @export
op_take_along_axis <- function(x, indices, axis = NULL, zero_indexed = FALSE) {
  x <- as_tensor_arg(x)
  if (is.factor(indices)) indices <- as.integer(indices)
  ax <- if (is.null(axis)) NULL else axis_positions(axis, length(dim(x)), single = TRUE)
  # the indices go to C++ as they are (checked there), so that a cell computing them
  # (op_argsort(), op_argmax()) still replays its recorded steps
  cpp_take_along_axis(x, indices, ax, !isTRUE(zero_indexed))
}

#' Lower and upper triangles, identity and diagonal matrices
#'
#' `op_tril()` keeps the entries on and below the `k`-th diagonal of the last two
#' axes (zeros elsewhere); `op_triu()` those on and above it. `op_eye()` makes an
#' `N` x `M` matrix with ones on the `k`-th diagonal. `op_diag()` puts a vector
#' on the `k`-th diagonal of a square matrix, or takes the `k`-th diagonal of a
#' matrix. Diagonal `k > 0` is above the main one.
#'
#' @param x A tensor or R array (a matrix, or a vector for `op_diag()`).
#' @param k Whole number, the diagonal. Default `0`.
#' @param N,M Rows and columns (`M` defaults to `N`).
#' @param dtype The dtype. Default [config_floatx()].
#' @returns A tensor.
#' @examples
#' m <- matrix(1:9, 3, 3, byrow = TRUE)
#' op_tril(m)
#' op_triu(m, k = 1)
#' op_eye(3)
#' op_diag(c(1, 2))
#' op_diag(m)
#' @export
op_tril <- function(x, k = 0L) tri_mask(x, k, lower = TRUE)

#' @rdname op_tril
#' @export
op_triu <- function(x, k = 0L) tri_mask(x, k, lower = FALSE)

tri_mask <- function(x, k, lower, call = rlang::caller_env()) {
  x <- as_tensor_arg(x)
  k <- check_count(k, "k", call = call, min = -Inf)
  d <- dim(x)
  if (length(d) < 2)
    recurrent_abort(c("{.arg x} must have at least two axes.", x = "Got shape ({toString(d)})."), call = call)
  r <- d[length(d) - 1]; cc <- d[length(d)]
  keep <- if (lower) outer(seq_len(r), seq_len(cc), function(i, j) j - i <= k) else
    outer(seq_len(r), seq_len(cc), function(i, j) j - i >= k)
  zero <- op_zeros(integer(), dtype = op_dtype(x))
  op_where(keep, x, zero)
}

#' @rdname op_tril
#' @export
op_eye <- function(N, M = NULL, k = 0L, dtype = NULL) {
  N <- check_count(N, "N")
  M <- check_count(M %||% N, "M")
  k <- check_count(k, "k", min = -Inf)
  m <- outer(seq_len(N), seq_len(M), function(i, j) as.numeric(j - i == k))
  as_tensor(m, dtype = if (is.null(dtype)) config_floatx() else normalize_dtype(dtype))
}

#' @rdname op_tril
#' @export
op_diag <- function(x, k = 0L) {
  x <- as_tensor_arg(x)
  k <- check_count(k, "k", min = -Inf)
  d <- dim(x)
  if (length(d) == 1) {
    n <- d + abs(k)
    pos <- cbind(seq_len(d) + max(-k, 0), seq_len(d) + max(k, 0))  # 1-based (row, col)
    onehot <- matrix(0, n * n, d)
    onehot[cbind((pos[, 1] - 1) * n + pos[, 2], seq_len(d))] <- 1
    flat <- op_matmul(as_tensor(onehot, dtype = value_float(x)),
                      op_cast(x, if (op_dtype(x) %in% c("float32", "float64")) op_dtype(x) else value_float(x)))
    out <- op_reshape(flat, c(n, n))
    return(if (op_dtype(x) %in% c("float32", "float64")) out else op_cast(out, op_dtype(x)))
  }
  if (length(d) == 2) {
    rows <- seq_len(d[1]) 
    cols <- rows + k
    ok <- cols >= 1 & cols <= d[2]
    rows <- rows[ok]; cols <- cols[ok]
    if (!length(rows)) return(op_zeros(0, dtype = op_dtype(x)))
    return(op_take(op_reshape(x, length(x)), array(as.integer((rows - 1) * d[2] + cols - 1), length(rows)),
                   zero_indexed = TRUE))
  }
  recurrent_abort(c("{.arg x} must be a vector or a matrix.", x = "Got shape ({toString(d)})."))
}

#' Outer product
#'
#' @param x1,x2 Tensors or R arrays (flattened first).
#' @returns A matrix tensor with `x1[i] * x2[j]` at `[i, j]`.
#' @examples
#' op_outer(c(1, 2), c(1, 10, 100))
#' @export
op_outer <- function(x1, x2) {
  a <- as_tensor_arg(x1); b <- as_tensor_arg(x2)
  op_multiply(op_reshape(a, c(length(a), 1)), op_reshape(b, c(1, length(b))))
}

#' Repeat entries
#'
#' Repeats each entry of `x` along `axis` (`NULL`: the flattened `x`) `repeats`
#' times; `repeats` is one count, or one count per entry along the axis.
#'
#' @param x A tensor or R array.
#' @param repeats Whole number(s) >= 0.
#' @param axis `NULL` or an axis, 1-based.
#' @returns A tensor.
#' @examples
#' op_repeat(c(1, 2, 3), 2)
#' op_repeat(rbind(c(1, 2), c(3, 4)), c(1, 3), axis = 1)
#' @export
op_repeat <- function(x, repeats, axis = NULL) {
  x <- as_tensor_arg(x)
  repeats <- index_array(repeats, "repeats")
  if (is.null(axis)) {
    x <- op_reshape(x, length(x))
    ax <- 1L
  } else {
    ax <- axis_positions(axis, length(dim(x)), single = TRUE) + 1L
  }
  n <- dim(x)[ax]
  if (any(repeats < 0) || !length(repeats) %in% c(1L, n))
    recurrent_abort(c("{.arg repeats} must be one count >= 0, or one per entry along the axis ({n}).",
                      x = "Got {describe_value(repeats)}."))
  idx <- rep(seq_len(n) - 1L, times = rep_len(repeats, n))
  op_take(x, array(as.integer(idx), length(idx)), axis = ax, zero_indexed = TRUE)
}

#' Evenly spaced numbers
#'
#' `num` numbers from `start` to `stop` (excluding `stop` when `endpoint =
#' FALSE`). With vector `start`/`stop`, each pair gives one sequence, stacked
#' along `axis`.
#'
#' @param start,stop Numbers (or equal-length vectors).
#' @param num Whole number of values. Default `50`.
#' @param endpoint Logical. Include `stop`. Default `TRUE`.
#' @param retstep Logical. Also return the step. Default `FALSE`.
#' @param dtype The dtype. Default [config_floatx()].
#' @param axis Where the sequence axis goes for vector `start`/`stop`: `1`
#'   (default) or `-1`.
#' @returns A tensor, or with `retstep = TRUE` a list of the tensor and the step.
#' @examples
#' op_linspace(0, 1, num = 5)
#' op_linspace(0, 1, num = 4, endpoint = FALSE, retstep = TRUE)
#' @export
op_linspace <- function(start, stop, num = 50L, endpoint = TRUE, retstep = FALSE, dtype = NULL, axis = 1L) {
  if (op_is_tensor(start)) start <- as.array(start)
  if (op_is_tensor(stop)) stop <- as.array(stop)
  if (!is.numeric(start) || !is.numeric(stop) || anyNA(start) || anyNA(stop) ||
      !(length(start) == length(stop) || length(start) == 1 || length(stop) == 1))
    recurrent_abort(c("{.arg start} and {.arg stop} must be numbers (or vectors of one length).",
                      x = "Got {describe_value(start)} and {describe_value(stop)}."))
  num <- check_count(num, "num")
  endpoint <- check_flag(endpoint)
  div <- if (endpoint) num - 1 else num
  step <- (stop - start) / max(div, 1)
  if (div == 0) step <- rep(NaN, length(step))
  vals <- outer(seq_len(num) - 1, step) + matrix(start, num, max(length(start), length(stop)), byrow = TRUE)
  if (endpoint && num > 1) vals[num, ] <- stop
  if (num == 1) vals[1, ] <- start
  vec <- length(start) == 1 && length(stop) == 1
  if (vec) vals <- as.vector(vals) else {
    ax <- as_axis0_1(axis)
    if (ax != 0) vals <- t(vals)
  }
  out <- as_tensor(if (vec) array(vals, num) else vals,
                   dtype = if (is.null(dtype)) config_floatx() else normalize_dtype(dtype))
  if (isTRUE(retstep)) list(out, if (vec) step else step) else out
}

#' Cumulative product
#'
#' @param x A tensor or R array.
#' @param axis `NULL` (the flattened `x`) or an axis, 1-based.
#' @param dtype `NULL` or a dtype to cast `x` to first.
#' @returns A tensor. Its gradient is exact also where `x` has zeros.
#' @examples
#' op_cumprod(c(1, 2, 3, 4))
#' op_cumprod(rbind(c(1, 2), c(3, 4)), axis = 1)
#' @export
op_cumprod <- function(x, axis = NULL, dtype = NULL) {
  if (!is.null(dtype)) x <- op_cast(x, dtype)
  cpp_cumprod(as_tensor_arg(x), if (is.null(axis)) NULL else as_axis0_1(axis))
}

#' Mean and variance
#'
#' @param x A tensor or R array.
#' @param axes The axes to reduce, 1-based.
#' @param keepdims Logical. Keep reduced axes with size 1.
#' @param synchronized Logical, default `FALSE`. In Keras, `TRUE` averages the
#'   moments over the devices of a distributed (TensorFlow) training; on one
#'   device the result is the same either way, and recurrent computes on one
#'   device, so both values give the same result here.
#' @returns A list of the mean and the (biased) variance.
#' @examples
#' op_moments(rbind(c(1, 2, 3), c(4, 5, 9)), axes = 2)
#' @export
op_moments <- function(x, axes, keepdims = FALSE, synchronized = FALSE) {
  check_flag(synchronized)
  x <- math_float(x)
  keepdims <- check_flag(keepdims)
  mean <- op_mean(x, axis = axes, keepdims = TRUE)
  variance <- op_mean(op_square(op_subtract(x, op_stop_gradient(mean))), axis = axes, keepdims = TRUE)
  # the variance's gradient through the mean is zero, as sum(x - mean) is zero
  if (!keepdims) {
    mean <- op_squeeze(mean, axis = axes)
    variance <- op_squeeze(variance, axis = axes)
  }
  list(mean, variance)
}

#' Replace a slice
#'
#' Returns `inputs` with the box starting at `start_indices` (1-based) replaced
#' by `updates`. Gradients flow to both.
#'
#' @param inputs A tensor or R array.
#' @param start_indices 1-based start along each axis.
#' @param updates A tensor or R array, at most as large as `inputs` on each axis.
#' @returns A tensor like `inputs`.
#' @examples
#' op_slice_update(matrix(0, 3, 3), c(2, 2), matrix(1, 2, 2))
#' @export
op_slice_update <- function(inputs, start_indices, updates) {
  x <- as_tensor_arg(inputs)
  u <- as_tensor_arg(updates)
  if (op_dtype(u) != op_dtype(x)) u <- op_cast(u, op_dtype(x))
  dx <- dim(x); du <- dim(u)
  start <- index_array(start_indices, "start_indices")
  if (length(du) != length(dx) || length(start) != length(dx))
    recurrent_abort(c("{.arg updates} and {.arg start_indices} must match the rank of {.arg inputs} ({length(dx)}).",
                      x = "Got rank {length(du)} and {length(start)} start{?s}."))
  if (any(start < 1) || any(start - 1 + du > dx))
    recurrent_abort(c("The slice does not fit in {.arg inputs}.",
                      x = "Start ({toString(start)}) with shape ({toString(du)}) in shape ({toString(dx)})."))
  pad <- cbind(start - 1, dx - (start - 1 + du))
  padded <- op_pad(u, pad)
  keep <- array(FALSE, dx)
  keep <- do.call(`[<-`, c(list(keep), lapply(seq_along(dx), function(i) start[i] - 1 + seq_len(du[i])), list(TRUE)))
  op_where(keep, padded, x)
}

# Row-major offset of each row of `idx` (0-based coordinates) in an array of dims `d`.
rowmajor_offsets <- function(idx, d) {
  strides <- rev(cumprod(c(1, rev(d)[-length(d)])))
  as.vector(idx %*% strides)
}

# Sums the rows of `values` (N, ...) into `rows` rows at 0-based positions `at`, by a
# one-hot matrix product (differentiable in `values`).
scatter_rows <- function(values, at, rows) {
  n <- length(at)
  dv <- dim(values)
  inner <- if (length(dv) > 1) dv[-1] else integer()
  onehot <- matrix(0, rows, n)
  ok <- at >= 0 & at < rows
  onehot[cbind(at[ok] + 1, which(ok))] <- 1
  flat <- op_reshape(values, c(n, max(prod(inner), 1)))
  out <- op_matmul(as_tensor(onehot, dtype = op_dtype(values)), flat)
  op_reshape(out, c(rows, inner))
}

#' Scatter and segment sums
#'
#' `op_scatter()` makes a zero tensor of `shape` and adds each row of `values` at
#' the position given by the matching row of `indices` (duplicates add up).
#' `op_segment_sum()` sums the rows of `data` that share a segment id. Indices and
#' segment ids are 1-based, as in keras3. Gradients flow to `values` and `data`.
#'
#' @param indices Integer matrix `(N, k)`: positions along the first `k` axes of
#'   `shape` (or a vector, for `k = 1`).
#' @param values A tensor `(N, shape[-(1:k)])`.
#' @param shape The result's shape.
#' @param data A tensor whose first axis is split into segments.
#' @param segment_ids One id per row of `data`, in `1..num_segments`.
#' @param num_segments Number of segments. Default: the largest id.
#' @param sorted Ignored (the ids need not be sorted).
#' @returns A tensor.
#' @examples
#' op_scatter(rbind(c(1, 1), c(2, 3), c(1, 1)), c(1, 2, 3), c(2, 3))
#' op_segment_sum(c(1, 2, 3, 4), c(1, 1, 2, 2))
#' @export
op_scatter <- function(indices, values, shape) {
  shape <- as_shape_arg(shape)
  idx <- index_array(indices, "indices")
  if (is.null(dim(idx)) || length(dim(idx)) == 1) idx <- matrix(idx, ncol = 1)
  k <- ncol(idx)
  if (k > length(shape))
    recurrent_abort(c("{.arg indices} has more columns than {.arg shape} has axes.", x = "Got {k} and {length(shape)}."))
  lead <- shape[seq_len(k)]
  if (any(idx < 1) || any(sweep(idx, 2, lead, `>`)))
    recurrent_abort(c("{.arg indices} must be 1-based positions within {.arg shape}.",
                      x = "Got values out of range for shape ({toString(shape)})."))
  v <- as_tensor_arg(values)
  want <- c(nrow(idx), shape[-seq_len(k)])
  if (!identical(as.numeric(dim(v) %||% length(v)), as.numeric(want))) {
    if (length(v) == prod(want)) v <- op_reshape(v, want) else
      recurrent_abort(c("{.arg values} must have shape ({toString(want)}).", x = "Got ({toString(dim(v))})."))
  }
  if (!op_dtype(v) %in% c("float32", "float64")) v <- op_cast(v, config_floatx())
  out <- scatter_rows(v, rowmajor_offsets(idx - 1, lead), prod(lead))
  op_reshape(out, shape)
}

#' @rdname op_scatter
#' @export
op_segment_sum <- function(data, segment_ids, num_segments = NULL, sorted = FALSE) {
  data <- math_float(data)
  ids <- as.vector(index_array(segment_ids, "segment_ids"))
  d <- dim(data)
  if (length(ids) != d[1])
    recurrent_abort(c("{.arg segment_ids} must have one id per row of {.arg data} ({d[1]}).", x = "Got {length(ids)}."))
  num_segments <- check_count(num_segments %||% max(c(ids, 0)), "num_segments")
  if (any(ids < 1))
    recurrent_abort(c("{.arg segment_ids} are 1-based.", x = "Got a value below 1."))
  # ids beyond num_segments are dropped, as in Keras
  scatter_rows(data, ids - 1, num_segments)
}

#' Normalisations
#'
#' `op_normalize()` divides by the `order`-norm along `axis` (at least
#' `epsilon`). `op_layer_normalization()` centres and scales to unit variance
#' along `axis`, then applies `gamma` and `beta`. `op_rms_normalization()` divides
#' by the root mean square along `axis` and multiplies by `scale`. The formulas
#' and the `epsilon` default ([config_epsilon()]) are Keras's.
#'
#' @param x A tensor or R array.
#' @param axis Axis or axes, 1-based. Default `-1`.
#' @param order Whole number >= 1, the norm's order. Default `2`.
#' @param epsilon `NULL` (use [config_epsilon()]) or a small number.
#' @param gamma,beta,scale `NULL` or tensors broadcastable to the normalised axes.
#' @param ... Must be empty.
#' @returns A tensor like `x`.
#' @examples
#' op_normalize(rbind(c(1, 2, 3), c(1, 2, 3)))
#' op_layer_normalization(c(1, 2, 3, 4))
#' op_rms_normalization(c(1, 2, 3, 4))
#' @export
op_normalize <- function(x, axis = -1L, order = 2L, epsilon = NULL) {
  x <- math_float(x)
  order <- check_count(order, "order", min = 1)
  eps <- check_number(epsilon %||% config_epsilon(), "epsilon", min = 0)
  if (!length(dim(x))) x <- op_reshape(x, 1)
  if (order == 2) {
    ss <- op_sum(op_square(x), axis = axis, keepdims = TRUE)
    return(op_multiply(x, op_reciprocal(op_sqrt(op_maximum(ss, eps * eps)))))
  }
  norm <- op_power(op_sum(op_power(op_abs(x), order), axis = axis, keepdims = TRUE), 1 / order)
  op_divide(x, op_maximum(norm, eps))
}

#' @rdname op_normalize
#' @export
op_layer_normalization <- function(x, gamma = NULL, beta = NULL, axis = -1L, epsilon = NULL, ...) {
  check_dots_empty(list(...))
  x <- math_float(x)
  eps <- check_number(epsilon %||% config_epsilon(), "epsilon", min = 0)
  mv <- op_moments(x, axes = axis, keepdims = TRUE)
  inv <- op_reciprocal(op_sqrt(op_add(mv[[2]], eps)))
  if (!is.null(gamma)) inv <- op_multiply(inv, norm_param(gamma, x, axis))
  res <- op_multiply(op_negative(mv[[1]]), inv)
  if (!is.null(beta)) res <- op_add(res, norm_param(beta, x, axis))
  op_add(op_multiply(x, inv), res)
}

#' @rdname op_normalize
#' @export
op_rms_normalization <- function(x, scale = NULL, axis = -1L, epsilon = NULL) {
  x <- math_float(x)
  eps <- check_number(epsilon %||% config_epsilon(), "epsilon", min = 0)
  if (!length(dim(x))) x <- op_reshape(x, 1)
  rrms <- op_reciprocal(op_sqrt(op_add(op_mean(op_square(x), axis = axis, keepdims = TRUE), eps)))
  out <- op_multiply(x, rrms)
  if (!is.null(scale)) out <- op_multiply(out, norm_param(scale, x, axis))
  out
}

# gamma/beta shaped for broadcasting against x normalised over `axis` (Keras
# reshapes them when the axis is not just the last one).
norm_param <- function(p, x, axis) {
  p <- as_tensor_arg(p)
  if (op_dtype(p) != op_dtype(x)) p <- op_cast(p, op_dtype(x))
  nd <- length(dim(x))
  pos <- axis_positions(axis, nd) + 1L
  if (length(dim(p)) == nd || identical(pos, nd)) return(p)
  shape <- rep(1, nd)
  shape[sort(pos)] <- dim(x)[sort(pos)]
  op_reshape(p, shape)
}

#' Crossentropy ops
#'
#' Elementwise binary crossentropy, and categorical and sparse categorical
#' crossentropy along `axis`, as Keras's `ops.binary_crossentropy()` etc.:
#' probabilities are clipped to `[epsilon, 1 - epsilon]` (categorical: after
#' renormalising); with `from_logits = TRUE` a numerically stable form is used.
#' Sparse targets are 0-based class ids.
#'
#' @param target Targets (same shape as `output`; for the sparse form, without
#'   the class axis).
#' @param output Predictions: probabilities, or logits with `from_logits = TRUE`.
#' @param from_logits Logical. Default `FALSE`.
#' @param axis The class axis, 1-based. Default `-1`.
#' @returns A tensor: `output`'s shape (binary), or without the class axis.
#' @examples
#' op_binary_crossentropy(c(0, 1), c(0.1, 0.8))
#' op_categorical_crossentropy(rbind(c(0, 1, 0)), rbind(c(0.1, 0.8, 0.1)))
#' op_sparse_categorical_crossentropy(1, rbind(c(0.1, 0.8, 0.1)))
#' @export
op_binary_crossentropy <- function(target, output, from_logits = FALSE) {
  output <- math_float(output)
  target <- op_cast(as_tensor_arg(target), op_dtype(output))
  check_same_dims(target, output)
  if (isTRUE(check_flag(from_logits))) {
    return(op_add(op_subtract(op_relu(output), op_multiply(output, target)),
                  op_log1p(op_exp(op_negative(op_abs(output))))))
  }
  eps <- config_epsilon()
  p <- op_clip(output, eps, 1 - eps)
  op_negative(op_add(op_multiply(target, op_log(p)), op_multiply(op_subtract(1, target), op_log(op_subtract(1, p)))))
}

#' @rdname op_binary_crossentropy
#' @export
op_categorical_crossentropy <- function(target, output, from_logits = FALSE, axis = -1L) {
  output <- math_float(output)
  target <- op_cast(as_tensor_arg(target), op_dtype(output))
  check_same_dims(target, output)
  op_negative(op_sum(op_multiply(target, class_log_probs(output, check_flag(from_logits), axis)), axis = axis))
}

#' @rdname op_binary_crossentropy
#' @export
op_sparse_categorical_crossentropy <- function(target, output, from_logits = FALSE, axis = -1L) {
  output <- math_float(output)
  d <- dim(output)
  ax <- axis_positions(axis, length(d), single = TRUE) + 1L
  t <- as_tensor_arg(target)
  dt <- dim(t)
  if (length(dt) == length(d) && dt[ax] == 1) t <- op_squeeze(t, axis = ax)
  if (!identical(as.integer(dim(t)), as.integer(d[-ax])) && length(t) == prod(d[-ax])) t <- op_reshape(t, d[-ax])
  if (!identical(as.integer(dim(t)), as.integer(d[-ax])))
    recurrent_abort(c("{.arg target} must have the shape of {.arg output} without its class axis.",
                      x = "Got ({toString(dim(t))}) and ({toString(d)})."))
  onehot <- op_one_hot(op_cast(t, "int32"), d[ax], axis = ax, dtype = op_dtype(output), zero_indexed = TRUE)
  op_negative(op_sum(op_multiply(onehot, class_log_probs(output, check_flag(from_logits), axis)), axis = axis))
}

check_same_dims <- function(a, b, call = rlang::caller_env()) {
  if (!identical(as.integer(dim(a)), as.integer(dim(b))))
    recurrent_abort(c("{.arg target} and {.arg output} must have the same shape.",
                      x = "Got ({toString(dim(a))}) and ({toString(dim(b))})."), call = call)
}
