# Preprocessing layers on numbers: CategoryEncoding, Discretization and the
# feature-wise Normalization (Keras's preprocessing layers of those names).

CategoryEncoding <- R6::R6Class("CategoryEncoding",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    num_tokens = NULL, output_mode = "multi_hot",
    initialize = function(num_tokens = NULL, output_mode = "multi_hot", sparse = FALSE, ...) {
      self$num_tokens <- check_count(num_tokens, arg = "num_tokens", call = NULL, min = 1)
      self$output_mode <- check_choice(output_mode, c("one_hot", "multi_hot", "count"), "output_mode")
      if (!isFALSE(sparse)) recurrent_abort("{.code sparse = TRUE} is not supported: outputs are dense.", call = NULL)
      super$initialize(...)
    },
    call = function(inputs, count_weights = NULL) {
      x <- host_value(inputs)
      if (!is.numeric(x) || anyNA(x) || any(x != trunc(x)))
        recurrent_abort(c("Inputs of layer {.val {self$name}} must be whole numbers.", x = "Got {describe_value(x)}."), call = NULL)
      if (length(x) && (min(x) < 0 || max(x) >= self$num_tokens))
        recurrent_abort(c("Input values must be in the range 0 <= values < num_tokens ({self$num_tokens}).",
                          x = "Got values from {min(x)} to {max(x)}."), call = NULL)
      if (!is.null(count_weights)) {
        if (self$output_mode != "count")
          recurrent_abort("{.arg count_weights} is only used with {.code output_mode = \"count\"}.", call = NULL)
        w <- host_value(count_weights)
        if (length(w) != length(x)) recurrent_abort("{.arg count_weights} must have the shape of the inputs.", call = NULL)
        d <- dim(x) %||% length(x)
        m <- if (length(d) == 1) matrix(x, 1) else matrix(x, d[1])
        wm <- if (length(d) == 1) matrix(w, 1) else matrix(w, d[1])
        out <- t(vapply(seq_len(nrow(m)), function(i) {
          vapply(seq_len(self$num_tokens) - 1L, function(k) sum(wm[i, m[i, ] == k]), 0)
        }, numeric(self$num_tokens)))
        if (length(d) == 1) out <- out[1, ]
        return(as_tensor(out, self$dtype))
      }
      as_tensor(encode_categorical(x, self$output_mode, self$num_tokens), self$dtype)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (!length(s)) return(list(self$num_tokens))
      if (self$output_mode == "one_hot" && (length(s) == 1 || !identical(s[[length(s)]], 1L)))
        return(c(s, list(self$num_tokens)))
      c(s[-length(s)], list(self$num_tokens))
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(num_tokens = self$num_tokens, output_mode = self$output_mode, sparse = FALSE))
  ),
  private = list(.s3_class = "keras.src.layers.preprocessing.category_encoding.CategoryEncoding")
)

#' Encode integer categories as one-hot, multi-hot or count vectors
#'
#' Keras's CategoryEncoding: whole numbers from 0 to `num_tokens - 1` become
#' vectors of length `num_tokens`. `"one_hot"` encodes each value (a class
#' axis is added, replacing a trailing axis of size 1); `"multi_hot"` and
#' `"count"` encode each row of a matrix (or a whole vector) as one sample.
#'
#' @inheritParams layer_dense
#' @param num_tokens Whole number of categories.
#' @param output_mode `"multi_hot"` (default), `"one_hot"` or `"count"`.
#' @param sparse Must be `FALSE`.
#' @param ... Standard layer arguments (`name`, ...).
#' @returns See `object`.
#' @examples
#' layer <- layer_category_encoding(num_tokens = 4, output_mode = "one_hot")
#' layer(c(3, 2, 0, 1))
#' layer <- layer_category_encoding(num_tokens = 4, output_mode = "multi_hot")
#' layer(rbind(c(0, 1), c(0, 0), c(1, 2), c(3, 1)))
#' @export
layer_category_encoding <- function(object, num_tokens = NULL, output_mode = "multi_hot", sparse = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(CategoryEncoding, object, list(num_tokens = num_tokens, output_mode = output_mode, sparse = sparse, ...))
}
attr(layer_category_encoding, "r6_class") <- CategoryEncoding

Discretization <- R6::R6Class("Discretization",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    bin_boundaries = NULL, num_bins = NULL, epsilon = 0.01, output_mode = "int",
    initialize = function(bin_boundaries = NULL, num_bins = NULL, epsilon = 0.01, output_mode = "int",
                          sparse = FALSE, dtype = NULL, ...) {
      # a saved adapted layer has both, with num_bins - 1 boundaries
      if (!is.null(bin_boundaries) && !is.null(num_bins) && length(unlist(bin_boundaries)) != num_bins - 1)
        recurrent_abort("Pass {.arg bin_boundaries} or {.arg num_bins}, not both.", call = NULL)
      if (!is.null(bin_boundaries)) {
        bin_boundaries <- as.numeric(unlist(bin_boundaries))
        if (anyNA(bin_boundaries) || is.unsorted(bin_boundaries))
          recurrent_abort(c("{.arg bin_boundaries} must be increasing numbers.", x = "Got {describe_value(bin_boundaries)}."),
                          call = NULL)
      }
      self$num_bins <- check_count(num_bins, arg = "num_bins", call = NULL, min = 1, null_ok = TRUE)
      self$bin_boundaries <- bin_boundaries
      self$epsilon <- check_number(epsilon, arg = "epsilon", call = NULL, min = 0, min_open = TRUE, max = 1)
      self$output_mode <- check_choice(output_mode, c("int", "one_hot", "multi_hot", "count"), "output_mode")
      if (!isFALSE(sparse)) recurrent_abort("{.code sparse = TRUE} is not supported: outputs are dense.", call = NULL)
      out_dtype <- if (!is.null(dtype)) normalize_dtype(dtype, call = NULL)
                   else if (output_mode == "int") "int32" else config_floatx()
      super$initialize(..., output_dtype = out_dtype)
    },
    adapt = function(data, batch_size = NULL, steps = NULL) {
      if (is.null(self$num_bins))
        recurrent_abort("{.fn adapt} needs a layer made with {.arg num_bins}.", call = NULL)
      batches <- adapt_batches(data, steps, function(x) list(as.numeric(host_value(x))))
      summary <- matrix(numeric(), 2, 0)
      for (b in batches) summary <- merge_summaries(summarize_values(b, self$epsilon), summary, self$epsilon)
      bins <- compress_summary(summary, 1 / self$num_bins)
      self$bin_boundaries <- bins[1, -ncol(bins)]
      invisible(self)
    },
    call = function(inputs) {
      if (is.null(self$bin_boundaries))
        recurrent_abort(c("Layer {.val {self$name}} has no bin boundaries yet.",
                          i = "Pass {.arg bin_boundaries}, or make it with {.arg num_bins} and call {.fn adapt}."), call = NULL)
      x <- host_value(inputs)
      if (!is.numeric(x) && !is.logical(x))
        recurrent_abort(c("Inputs of layer {.val {self$name}} must be numbers.", x = "Got {describe_value(x)}."), call = NULL)
      idx <- findInterval(as.numeric(x), self$bin_boundaries)
      dim(idx) <- dim(x)
      if (self$output_mode == "int") return(as_tensor(array(as.integer(idx), dim(x) %||% length(x)), self$dtype))
      as_tensor(encode_categorical(array(idx, dim(x) %||% length(x)), self$output_mode,
                                   length(self$bin_boundaries) + 1L), self$dtype)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (self$output_mode == "int") return(s)
      depth <- if (!is.null(self$bin_boundaries)) length(self$bin_boundaries) + 1L else self$num_bins
      if (self$output_mode == "one_hot") return(c(s, list(depth)))
      c(s[-length(s)], list(depth))
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(bin_boundaries = self$bin_boundaries, num_bins = self$num_bins,
                                   epsilon = self$epsilon, output_mode = self$output_mode, sparse = FALSE))
  ),
  private = list(.s3_class = "keras.src.layers.preprocessing.discretization.Discretization")
)

# Keras's quantile summaries (discretization.py): sorted values at a stride, each
# weighted by the stride; merging sorts and compresses; boundaries interpolate the
# cumulative weights at 1/num_bins, 2/num_bins, ... (kept in float32, as Keras).
summarize_values <- function(values, epsilon) {
  values <- sort(values)
  n <- length(values)
  step <- max(n / (1 / epsilon), 1)
  start <- step - 1
  idx <- seq.int(as.integer(start), n - 1L, by = as.integer(step)) + 1L
  rbind(values[idx], rep(step, length(idx)))
}

merge_summaries <- function(prev, nxt, epsilon) {
  merged <- cbind(prev, nxt)
  merged <- merged[, order(merged[1, ]), drop = FALSE]
  compress_summary(merged, epsilon)
}

compress_summary <- function(summary, epsilon) {
  if (ncol(summary) * epsilon < 1) return(summary)
  # numpy.arange(0, 1, epsilon): ceiling(1 / epsilon) values start + i * step
  percents <- epsilon + (seq_len(ceiling(1 / epsilon)) - 1) * epsilon
  cum <- cumsum(summary[2, ])
  pct <- cum / cum[length(cum)]
  new_bins <- np_interp(percents, pct, summary[1, ])
  cw <- np_interp(percents, pct, cum)
  new_w <- cw - c(0, cw[-length(cw)])
  round_float32(rbind(new_bins, new_w, deparse.level = 0))
}

# numpy.interp: linear interpolation, clamped to the end values outside the range.
np_interp <- function(x, xp, fp) {
  if (length(xp) == 1) return(rep(fp, length(x)))
  stats::approx(xp, fp, xout = x, rule = 2, ties = "ordered")$y
}

round_float32 <- function(x) {
  out <- readBin(writeBin(as.numeric(x), raw(), size = 4), "double", n = length(x), size = 4)
  attributes(out) <- attributes(x)
  out
}

#' Bucket numbers into bins
#'
#' Keras's Discretization: each number gets the index of its bin, the
#' number of `bin_boundaries` less than or equal to it (bins are
#' `(-Inf, b1)`, `[b1, b2)`, ..., `[bk, Inf)`). [adapt()] with `num_bins`
#' learns boundaries from data with Keras's quantile summaries.
#'
#' @inheritParams layer_dense
#' @param bin_boundaries `NULL` or increasing numbers.
#' @param num_bins `NULL` or the number of bins to learn with [adapt()].
#' @param epsilon Error tolerance of the quantile summaries (default 0.01).
#' @param output_mode `"int"` (default), `"one_hot"`, `"multi_hot"` or
#'   `"count"`.
#' @param sparse Must be `FALSE`.
#' @param dtype `NULL` (`"int32"` in `"int"` mode, else [config_floatx()]) or
#'   the dtype of the output.
#' @param name `NULL` or the layer's name.
#' @param ... Standard layer arguments.
#' @returns See `object`.
#' @examples
#' layer <- layer_discretization(bin_boundaries = c(0, 1, 2))
#' layer(rbind(c(-1.5, 1, 3.4, 0.5), c(0, 3, 1.3, 0)))
#' layer <- layer_discretization(num_bins = 4, epsilon = 0.01)
#' adapt(layer, c(0, 1, 2, 3, 4, 5, 6, 7))
#' layer$bin_boundaries
#' @export
layer_discretization <- function(object, bin_boundaries = NULL, num_bins = NULL, epsilon = 0.01,
                                 output_mode = "int", sparse = FALSE, dtype = NULL, name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(Discretization, object, list(bin_boundaries = bin_boundaries, num_bins = num_bins, epsilon = epsilon,
                                            output_mode = output_mode, sparse = sparse, dtype = dtype, name = name, ...))
}
attr(layer_discretization, "r6_class") <- Discretization

Normalization <- R6::R6Class("Normalization",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    axis = -1L, invert = FALSE, input_mean = NULL, input_variance = NULL,
    adapt_mean = NULL, adapt_variance = NULL, count = NULL,
    initialize = function(axis = -1L, mean = NULL, variance = NULL, invert = FALSE, ...) {
      if (!is.null(axis) && (!is.numeric(axis) || anyNA(axis) || any(axis != trunc(axis))))
        recurrent_abort(c("{.arg axis} must be {.code NULL} or whole numbers.", x = "Got {describe_value(axis)}."), call = NULL)
      if (xor(is.null(mean), is.null(variance)))
        recurrent_abort("Pass both {.arg mean} and {.arg variance}, or neither.", call = NULL)
      self$axis <- if (is.null(axis)) integer() else as.integer(axis)
      self$input_mean <- if (!is.null(mean)) as.numeric(unlist(mean))
      self$input_variance <- if (!is.null(variance)) as.numeric(unlist(variance))
      self$invert <- check_flag(invert, arg = "invert", call = NULL)
      super$initialize(...)
      private$convert_inputs <- NULL   # numeric inputs become tensors as for any layer
    },
    build = function(input_shape) {
      s <- as_shape_list(input_shape)
      nd <- length(s)
      ax <- self$axis
      if (any(ax < -nd | ax >= nd + 1 | ax == 0))
        recurrent_abort(c("{.arg axis} must be within the input's {nd} axes (1-based, negative from the end).",
                          x = "Got {describe_value(ax)}."), call = NULL)
      # Keras's axis counts from 0 after the batch axis here is 1-based: -1 is the last axis
      keep <- sort(unique(ifelse(ax < 0, nd + 1L + ax, ax)))
      if (any(vapply(s[keep], is.null, TRUE)))
        recurrent_abort("The axes {.arg axis} keeps must have known sizes.", call = NULL)
      private$keep <- keep
      private$bshape <- vapply(seq_len(nd), function(d) if (d %in% keep) as.integer(s[[d]]) else 1L, 1L)
      mv_shape <- vapply(keep, function(d) as.integer(s[[d]]), 1L)
      if (is.null(self$input_mean)) {
        self$adapt_mean <- self$add_weight(shape = mv_shape, initializer = "zeros", trainable = FALSE, name = "mean")
        self$adapt_variance <- self$add_weight(shape = mv_shape, initializer = "ones", trainable = FALSE, name = "variance")
        self$count <- self$add_weight(shape = integer(), initializer = "zeros", dtype = "int32", trainable = FALSE,
                                      name = "count")
      }
      self$built <- TRUE
      invisible()
    },
    adapt = function(data, batch_size = NULL, steps = NULL) {
      batches <- adapt_batches(data, steps, function(x) list(host_value(x)))
      x <- batches[[1]]
      if (length(batches) > 1) x <- do.call(bind_rows_arrays, batches)
      if (!is.numeric(x) && !is.logical(x))
        recurrent_abort(c("{.arg data} must be numeric.", x = "Got {describe_value(x)}."), call = NULL)
      if (!is.null(self$input_mean))
        recurrent_abort("Layer {.val {self$name}} was given {.arg mean} and {.arg variance}; it cannot be adapted.", call = NULL)
      d <- dim(x) %||% length(x)
      if (!isTRUE(self$built)) self$build(as.list(d))
      keep <- private$keep
      arr <- array(as.numeric(x), d)
      mean <- if (length(keep)) apply(arr, keep, mean) else mean(arr)
      var <- if (length(keep)) apply(arr, keep, function(v) mean((v - mean(v))^2)) else mean((arr - mean(arr))^2)
      shp <- as.integer(unlist(self$adapt_mean$shape))
      if (length(mean) != prod(shp))
        recurrent_abort(c("{.arg data} does not match the layer's input shape.",
                          x = "Got {length(mean)} features; the layer has {prod(shp)}."), call = NULL)
      assign_shaped <- function(v, values, dtype) v$assign(op_reshape(as_tensor(values, dtype), shp %||% integer()))
      assign_shaped(self$adapt_mean, mean, self$dtype)
      assign_shaped(self$adapt_variance, var, self$dtype)
      self$count$assign(op_reshape(as_tensor(as.integer(prod(d) / max(1, length(mean)))), integer()))
      invisible(self)
    },
    call = function(inputs) {
      if (!is.null(self$input_mean)) {
        mv <- private$mean_and_var_constants()
        mean <- mv$mean
        var <- mv$var
      } else {
        mean <- op_reshape(self$adapt_mean, private$bshape)
        var <- op_reshape(self$adapt_variance, private$bshape)
      }
      sd <- op_maximum(op_sqrt(var), 1e-7)
      if (self$invert) op_add(mean, op_multiply(inputs, sd)) else op_divide(op_subtract(inputs, mean), sd)
    },
    compute_output_shape = function(input_shape) input_shape,
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(axis = if (length(self$axis) == 1) self$axis else as.list(self$axis),
                                   invert = self$invert, mean = self$input_mean, variance = self$input_variance))
  ),
  private = list(
    keep = NULL, bshape = NULL,
    .s3_class = "keras.src.layers.preprocessing.normalization.Normalization",
    mean_and_var_constants = function() {
      n <- prod(private$bshape)
      fit <- function(v, what) {
        if (length(v) == 1) v <- rep(v, n)
        if (length(v) != n)
          recurrent_abort(c("{.arg {what}} must be a single number or one per kept feature ({n}).",
                            x = "Got {length(v)}."), call = NULL)
        as_tensor(array(v, private$bshape), self$dtype)
      }
      list(mean = fit(self$input_mean, "mean"), var = fit(self$input_variance, "variance"))
    }
  )
)

# Batches of an adapt() dataset stacked along the first axis.
bind_rows_arrays <- function(...) {
  xs <- list(...)
  d1 <- dim(xs[[1]])
  if (is.null(d1) || length(d1) == 1) return(unlist(xs, use.names = FALSE))
  n <- sum(vapply(xs, function(x) dim(x)[1], 1L))
  array(do.call(rbind, lapply(xs, function(x) matrix(x, dim(x)[1]))), c(n, d1[-1]))
}

#' Normalize features with a mean and variance (preprocessing)
#'
#' Keras's preprocessing Normalization layer: shifts and scales inputs to
#' mean 0 and variance 1 per feature, `(x - mean) / max(sqrt(variance),
#' 1e-7)`, with `mean` and `variance` given or learned by [adapt()] over
#' every axis except `axis` (population variance, as NumPy's `var()`). With
#' `invert = TRUE` it maps normalized values back. (Layer normalization, the
#' trainable layer, is [layer_layer_normalization()].)
#'
#' @inheritParams layer_dense
#' @param axis The axis (or axes) that keep their own mean and variance:
#'   1-based with the batch axis first, negative from the end (default `-1`,
#'   the features), or `NULL` for one mean and variance over everything.
#' @param mean,variance `NULL` (learn them with [adapt()]) or numbers: one, or
#'   one per feature.
#' @param invert Logical: undo the normalization instead.
#' @param ... Standard layer arguments (`name`, ...).
#' @returns See `object`.
#' @examples
#' adapt_data <- rbind(c(1, 10), c(2, 20), c(3, 30))
#' layer <- layer_normalization(axis = -1)
#' adapt(layer, adapt_data)
#' layer(rbind(c(2, 30)))      # 0 and 1.2247
#' layer_normalization(mean = 3, variance = 2)(c(1, 3, 5))
#' @export
layer_normalization <- function(object, axis = -1L, mean = NULL, variance = NULL, invert = FALSE, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(Normalization, object, list(axis = axis, mean = mean, variance = variance, invert = invert, ...))
}
attr(layer_normalization, "r6_class") <- Normalization
