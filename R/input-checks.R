# Inputs checked against what a layer or model was built or declared for, and masks
# checked before they reach a layer. Each check runs once per layer or model call
# (never per timestep) and says which input is wrong, what was expected and what was
# given, instead of letting a kernel complain about a weight's shape.

# ---- layers ------------------------------------------------------------------------

# What a built layer requires of its first input, as Keras's InputSpec does: `ndim`
# (exact rank) or `min_ndim`, and `axes`, named by position (negative: from the end),
# the sizes the weights were made for. NULL when the layer accepts anything, which is
# the rule for layers written with Layer(): their build() decides, as in Keras.
layer_input_spec <- function(layer, build_shape) {
  s <- build_shape
  if (!is.list(s) || !length(s) || !all(vapply(s, function(d) is.null(d) || (is.numeric(d) && length(d) == 1), TRUE)))
    return(NULL)
  last <- s[[length(s)]]
  if (inherits(layer, c("RNN", "Bidirectional")) && length(s) == 3L && !is.null(last))
    return(list(ndim = 3L, axes = list(`-1` = as.integer(last)), what = "features"))
  if (inherits(layer, "Dense") && !is.null(last))
    return(list(min_ndim = 2L, axes = list(`-1` = as.integer(last)), what = "features"))
  NULL
}

# Called by eager and symbolic layer calls once the layer is built: the first input
# against the layer's spec (derived from the shape it was built with, once).
check_layer_input <- function(layer, inputs, priv = layer_private(layer)) {
  spec <- priv$.input_spec
  if (is.null(spec)) {
    if (is.null(priv$.build_shape)) return(invisible())
    spec <- layer_input_spec(layer, priv$.build_shape)
    priv$.input_spec <- if (is.null(spec)) FALSE else spec
  }
  if (isFALSE(spec)) return(invisible())
  s <- arg_shape(inputs)
  if (!is.list(s) || (length(s) && is.list(s[[1]]))) return(invisible())
  input_name <- call_info(layer, priv)$first %||% "inputs"
  check_shape_against_spec(s, spec, paste("Layer", encodeString(layer$name, quote = '"')), input_name)
}

check_shape_against_spec <- function(s, spec, who, input_name) {
  n <- length(s)
  given <- format_shape_list(s)
  if (!is.null(spec$ndim) && n != spec$ndim)
    recurrent_abort(c("{who} expects its input {.arg {input_name}} to be {spec$ndim}-D.",
                      x = "Got shape {given}."), class = "recurrent_error_shape", call = NULL)
  if (!is.null(spec$min_ndim) && n < spec$min_ndim)
    recurrent_abort(c("{who} expects its input {.arg {input_name}} to be at least {spec$min_ndim}-D.",
                      x = "Got shape {given}."), class = "recurrent_error_shape", call = NULL)
  for (pos in names(spec$axes)) {
    p <- as.integer(pos)
    ax <- if (p < 0) n + 1L + p else p
    want <- spec$axes[[pos]]
    got <- s[[ax]]
    if (!is.null(got) && got != want) {
      what <- spec$what %||% "values"
      axis_txt <- if (ax == n) "the last axis" else paste("axis", ax)
      recurrent_abort(c("{who} was built for {want} {what} ({axis_txt} of {.arg {input_name}}), got {got}.",
                        x = "{.arg {input_name}} has shape {given}.",
                        i = "A layer's weights are made for the shape of its first input; use a new layer for other shapes."),
                      class = "recurrent_error_shape", call = NULL)
    }
  }
  invisible()
}

# ---- masks --------------------------------------------------------------------------

# An explicit `mask` argument of a layer call: it must cover the input's leading
# dimensions exactly ((batch, timesteps) for sequences). Masks attached to tensors by
# layers are made with the right shape and are not checked again.
check_call_mask <- function(mask, inputs, layer) {
  if (is.null(mask) || !inherits(mask, "recurrent_tensor") || !inherits(inputs, "recurrent_tensor"))
    return(invisible())
  md <- cpp_shape(mask)
  d <- cpp_shape(inputs)
  if (length(md) < 1L || length(md) > length(d) || any(md != d[seq_along(md)]))
    recurrent_abort(c("{.arg mask} must have shape ({paste(d[seq_len(min(2L, length(d)))], collapse = ', ')}): the leading dimensions of the input of layer {.val {layer$name}}, of shape ({paste(d, collapse = ', ')}).",
                      x = "Got a mask of shape ({paste(md, collapse = ', ')})."),
                    class = "recurrent_error_shape", call = NULL)
  invisible()
}

# A mask given as an R value: logical, or numeric where nonzero means keep (Keras casts
# masks to bool); NA has no meaning as keep-or-skip, so it is an error.
check_mask_values <- function(mask) {
  if (anyNA(mask))
    recurrent_abort(c("{.arg mask} must not contain {.code NA}: each entry says whether to use a timestep ({.code TRUE}) or skip it ({.code FALSE}).",
                      x = "Got {sum(is.na(mask))} {.code NA} value{?s}."), call = NULL)
  invisible(mask)
}

# A mask tensor of another dtype becomes bool (nonzero = keep), NaN being an error as
# NA is for R values.
mask_tensor_as_bool <- function(mask) {
  dt <- cpp_dtype(mask)
  if (dt == "bool") return(mask)
  if (dt %in% c("float32", "float64") && anyNA(as.array(mask)))
    recurrent_abort(c("{.arg mask} must not contain {.code NaN}.",
                      i = "Each entry says whether to use a timestep (nonzero) or skip it (zero)."), call = NULL)
  op_not_equal(mask, 0)
}

# ---- models --------------------------------------------------------------------------

# The data given to fit(), evaluate(), predict() or train_on_batch() against the
# shapes the model's inputs declare (batch size aside: the data is cut into batches).
# `x` is an R array, a tensor, or a list of them (one per input).
check_model_data <- function(object, x, arg = "x", call = rlang::caller_env()) {
  model <- if (inherits(object, "recurrent_layer")) attr(object, "layer", exact = TRUE) else object
  ins <- tryCatch(model$inputs, error = function(e) NULL)
  if (!length(ins) || is.null(x)) return(invisible())
  leaves <- if (is.list(x) && !is.object(x) && !is.data.frame(x)) x else list(x)
  if (length(leaves) != length(ins)) return(invisible())
  in_names <- vapply(ins, function(kt) kt$name %||% "", "")
  if (!is.null(names(leaves)) && all(in_names %in% names(leaves))) leaves <- leaves[in_names]
  for (i in seq_along(ins)) {
    d <- data_dims(leaves[[i]])
    if (is.null(d)) next
    label <- if (length(ins) == 1) arg else if (!is.null(names(leaves))) paste0(arg, "$", names(leaves)[i]) else paste0(arg, "[[", i, "]]")
    check_declared_shape(d, ins[[i]]$shape, label, model$name, batch = FALSE, call = call)
  }
  invisible()
}

data_dims <- function(x) {
  if (op_is_tensor(x)) return(as.integer(cpp_shape(if (inherits(x, "recurrent_variable")) x$handle else x)))
  if (is.data.frame(x)) return(dim(x))
  if (is.numeric(x) || is.logical(x)) return(dim(x) %||% length(x))
  NULL
}

# `d` (integer dims of the data) against a declared shape (a list, NULL = any size):
# rank and every known size; the batch size only when `batch`. Keras adjusts a rank
# that differs by a trailing axis of size 1 (functional.py, _adjust_input_rank), so
# that is accepted here.
check_declared_shape <- function(d, declared, label, model_name, batch = TRUE, call = rlang::caller_env()) {
  want <- declared
  if (length(d) == length(want) - 1L && identical(want[[length(want)]], 1L)) d <- c(d, 1L)
  if (length(d) == length(want) + 1L && d[length(d)] == 1L) d <- d[-length(d)]
  expected <- format_shape_list(want)
  given <- paste0("(", paste(d, collapse = ", "), ")")
  if (length(d) != length(want))
    recurrent_abort(c("{.arg {label}} does not match the input of model {.val {model_name}}: expected shape {expected} (batch first), got {given}.",
                      x = "{.arg {label}} has {length(d)} dimension{?s}; the model's input has {length(want)}."),
                    class = "recurrent_error_shape", call = call)
  axes <- seq_along(want)
  if (!batch) axes <- axes[-1]
  for (a in axes) {
    w <- want[[a]]
    if (!is.null(w) && d[a] != w) {
      what <- if (a == 1L) "batch size" else if (a == length(want)) "features (last axis)" else if (a == 2L && length(want) == 3L) "timesteps (axis 2)" else paste("axis", a)
      recurrent_abort(c("{.arg {label}} does not match the input of model {.val {model_name}}: expected shape {expected} (batch first), got {given}.",
                        x = "Expected {what}: {w}; {.arg {label}} has {d[a]}.",
                        i = if (a == 1L) "The model's batch size is fixed: feed batches of {w} (in {.fn fit}, {.fn evaluate} and {.fn predict}, {.code batch_size = {w}})."),
                      class = "recurrent_error_shape", call = call)
    }
  }
  invisible()
}

# One input of a model call against its declared shape (batch size included, as Keras
# checks a model's input spec), with the trailing-axis rank adjustment Keras makes.
conform_model_input <- function(x, declared, model_name, label = "inputs") {
  if (is.null(declared) || !(op_is_tensor(x) || is.numeric(x) || is.logical(x) || is.data.frame(x))) return(x)
  d <- data_dims(x)
  check_declared_shape(d, declared, label, model_name, batch = TRUE, call = NULL)
  n <- length(declared)
  if (length(d) == n - 1L) return(reshape_input(x, c(d, 1L)))
  if (length(d) == n + 1L) return(reshape_input(x, d[-length(d)]))
  x
}

reshape_input <- function(x, dims) {
  if (op_is_tensor(x)) return(op_reshape(x, dims))
  if (is.data.frame(x)) x <- as.matrix(x)
  dim(x) <- dims
  x
}

# The ids given to an embedding layer: whole numbers in 0..input_dim-1 once cast to
# integers as Keras casts them (float ids are truncated); NaN has no id.
check_embedding_ids <- function(inputs, layer, float = FALSE) {
  v <- as.array(inputs)
  if (float) {
    if (anyNA(v))
      recurrent_abort(c("{.arg inputs} of embedding layer {.val {layer$name}} must be ids, not {.code NaN} or {.code NA}.",
                        x = "Got {sum(is.na(v))} missing value{?s}."), class = "recurrent_error_shape", call = NULL)
    return(inputs)
  }
  if (!length(v)) return(invisible(inputs))
  r <- range(v)
  if (r[1] < 0 || r[2] >= layer$input_dim)
    recurrent_abort(c("{.arg inputs} of embedding layer {.val {layer$name}} must be ids from 0 to {layer$input_dim - 1} ({.arg input_dim} - 1).",
                      x = "Got ids from {r[1]} to {r[2]}."), class = "recurrent_error_argument", call = NULL)
  invisible(inputs)
}

# Layers whose weights and states are real numbers need a float dtype.
check_float_dtype <- function(layer) {
  if (!layer$dtype %in% c("float32", "float64"))
    recurrent_abort(c("{.arg dtype} of layer {.val {layer$name}} must be {.val float32} or {.val float64}: its weights and states are real numbers.",
                      x = "Got {.val {layer$dtype}}."), call = NULL)
  invisible(layer)
}
