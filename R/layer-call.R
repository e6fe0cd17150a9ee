# Calling a layer: conversion, build-once, the training flag, masks, errors.
# This runs once per layer call (not per op): cells called per timestep by the
# RNN loop go straight to `cell$call()` and skip it.
#
# Masks travel as an attribute on eager tensors: attr(x, "keras_mask") is a bool
# tensor (batch, time). Tensor handles are external pointers, whose attributes are
# shared by every reference, so a mask is always attached to a fresh handle on the
# same storage (set_keras_mask()), never to the caller's object.

callctx <- new.env(parent = emptyenv())
callctx$depth <- 0L
callctx$training <- NULL
callctx$epoch <- 0L    # counts outermost calls; add_loss() groups losses by it

#' Read or attach the mask carried by a tensor
#'
#' @noRd
get_keras_mask <- function(x) {
  if (inherits(x, "recurrent_tensor")) attr(x, "keras_mask", exact = TRUE) else NULL
}

set_keras_mask <- function(x, mask) {
  if (!inherits(x, "recurrent_tensor")) return(x)
  y <- cpp_tensor(x, NULL)
  if (!is.null(mask)) attr(y, "keras_mask") <- mask
  y
}

# Route a call: symbolic inputs build a graph node, anything else computes.
layer_call <- function(layer, object, ...) {
  if (has_symbolic(object) || (...length() && has_symbolic(list(...)))) return(symbolic_call(layer, object, ...))
  eager_call(layer, object, ...)
}

has_symbolic <- function(x) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(TRUE)
  if (is.list(x) && !is.object(x)) for (el in x) if (has_symbolic(el)) return(TRUE)
  FALSE
}

# What a layer's call() declares, computed once per layer.
call_info <- function(layer, priv = layer_private(layer)) {
  info <- priv$.call_info
  if (!is.null(info)) return(info)
  fmls <- formals(layer$call)
  nms <- names(fmls)
  training_default <- if ("training" %in% nms && !identical(fmls$training, quote(expr = ))) eval(fmls$training, baseenv())
  info <- list(
    names = nms,
    has_training = "training" %in% nms,
    has_mask = "mask" %in% nms,
    has_dots = "..." %in% nms,
    training_default = training_default,
    first = nms[1]
  )
  priv$.call_info <- info
  if (is.null(priv$.mask_default))
    priv$.mask_default <- !is_default_method(layer$compute_mask, ".default_compute_mask")
  info
}

# Turn R values into tensors the way Keras's input autocast does: R doubles become
# the layer's float dtype, integers int32, logicals bool; float tensors of another
# float dtype are cast; masks on tensors are kept.
convert_call_input <- function(x, dtype, autocast = TRUE) {
  if (is.null(x)) return(NULL)
  if (inherits(x, "recurrent_tensor")) {
    if (autocast) {
      dt <- cpp_dtype(x)
      if (dt != dtype && dt %in% c("float32", "float64") && dtype %in% c("float32", "float64")) {
        m <- attr(x, "keras_mask", exact = TRUE)
        x <- cpp_tensor(x, dtype)
        if (!is.null(m)) attr(x, "keras_mask") <- m
      }
    }
    return(x)
  }
  if (inherits(x, "recurrent_variable")) return(x$handle)
  if (is.list(x) && !is.object(x)) return(lapply(x, convert_call_input, dtype = dtype, autocast = autocast))
  if (is.data.frame(x)) x <- as.matrix(x)
  if (is.double(x)) return(as_tensor(x, dtype))
  if (is.integer(x) || is.logical(x)) return(as_tensor(x))
  cli::cli_abort(c("Layers are called on tensors, R arrays or lists of them.", x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
}

input_masks <- function(x) {
  if (inherits(x, "recurrent_tensor")) return(attr(x, "keras_mask", exact = TRUE))
  if (is.list(x) && !is.object(x)) {
    ms <- lapply(x, input_masks)
    if (all(vapply(ms, is.null, TRUE))) return(NULL)
    return(ms)
  }
  NULL
}

as_mask_tensor <- function(mask) {
  if (is.null(mask)) return(mask)
  if (inherits(mask, "recurrent_tensor")) return(mask_tensor_as_bool(mask))
  if (is.list(mask) && !is.object(mask)) return(lapply(mask, as_mask_tensor))
  if (inherits(mask, "recurrent_variable")) return(mask$handle)
  if (is.logical(mask) || is.numeric(mask))
    return(as_tensor(array(as.logical(check_mask_values(mask)), dim(mask) %||% length(mask)), "bool"))
  cli::cli_abort(c("{.arg mask} must be a logical array or a bool tensor.", x = "Got {.obj_type_friendly {mask}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
}

# Shape of a call argument as build() sees it: an R list with NULL for unknown
# dims; lists of tensors give lists of shapes.
arg_shape <- function(x) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(x$shape)
  if (inherits(x, "recurrent_tensor")) return(as.list(cpp_shape(x)))
  if (inherits(x, "recurrent_variable")) return(as.list(cpp_shape(x$handle)))
  if (is.list(x) && !is.object(x)) return(lapply(x, arg_shape))
  NULL
}

# Build once, with the shapes of the call's tensor arguments. A build() with one
# argument gets the first input's shape whatever its name; with several, each
# `<arg>_shape` gets the shape of call argument `<arg>` (as in Keras).
maybe_build <- function(layer, inputs, extras) {
  if (isTRUE(layer$built)) return(invisible())
  extras <- name_call_extras(layer, extras)
  fmls <- setdiff(names(formals(layer$build)), "...")
  first_shape <- arg_shape(inputs)
  if (length(fmls) == 0) {
    layer$build()
  } else if (length(fmls) == 1) {
    layer$build(first_shape)
  } else {
    info <- call_info(layer)
    shapes <- list()
    for (nm in fmls) {
      if (!grepl("_shape$", nm))
        cli::cli_abort(c("A {.fn build} method with several arguments must name them {.code <call argument>_shape}.",
                         x = "Layer {.val {layer$name}} has argument {.arg {nm}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      arg <- sub("_shape$", "", nm)
      if (identical(arg, info$first)) shapes[nm] <- list(first_shape)
      else if (!is.null(extras[[arg]])) shapes[nm] <- list(arg_shape(extras[[arg]]))
    }
    do.call(layer$build, shapes)
  }
  priv <- layer_private(layer)
  priv$.build_shape <- first_shape
  layer$built <- TRUE
  invisible()
}

# Extra call arguments given by position get the names of call()'s arguments after
# the first (`mha(query, value)` names `value`), so build() and
# compute_output_shape() can find them by name.
name_call_extras <- function(layer, extras) {
  if (!length(extras)) return(extras)
  nms <- names(extras) %||% rep("", length(extras))
  unnamed <- which(!nzchar(nms))
  if (!length(unnamed)) return(extras)
  free <- setdiff(call_info(layer)$names[-1], c(nms, "..."))
  k <- min(length(unnamed), length(free))
  if (k) nms[unnamed[seq_len(k)]] <- free[seq_len(k)]
  names(extras) <- nms
  extras
}

# The eager call: convert, build, resolve `training` and `mask`, run call(), then
# record activity regularization and attach output masks.
eager_call <- function(layer, inputs, ..., training = NULL, mask = NULL) {
  priv <- layer_private(layer)
  convert <- priv$convert_inputs
  inputs <- if (is.function(convert)) convert(inputs) else convert_call_input(inputs, layer$dtype, layer$autocast)
  if (is.null(mask)) mask <- input_masks(inputs) else check_call_mask(mask <- as_mask_tensor(mask), inputs, layer)
  extras <- list(...)

  outermost <- callctx$depth == 0L
  old_training <- callctx$training
  old_depth <- callctx$depth
  on.exit({
    callctx$training <- old_training
    callctx$depth <- old_depth
  })
  if (is.null(training)) training <- old_training
  callctx$training <- training
  callctx$depth <- old_depth + 1L
  if (outermost) {
    callctx$epoch <- callctx$epoch + 1L
    priv$.last_epoch <- callctx$epoch
  }

  info <- call_info(layer, priv)
  args <- c(list(inputs), extras)
  if (info$has_training) args$training <- training %||% info$training_default %||% FALSE
  if (info$has_mask && !is.null(mask)) args$mask <- mask

  # a calling handler costs nothing until an error
  outputs <- withCallingHandlers({
    if (!isTRUE(layer$built)) maybe_build(layer, inputs, extras)
    check_layer_input(layer, inputs, priv)
    do.call(layer$call, args)
  }, error = function(cnd) {
    if (names_its_cause(cnd)) return()
    cli::cli_abort(c("Calling layer {.val {layer$name}} ({.cls {class(layer)[1]}}) failed."),
                   parent = cnd, class = c("recurrent_error_call", "recurrent_error"), call = NULL)
  })

  if (!is.null(layer$activity_regularizer)) add_activity_loss(layer, outputs)
  propagate_mask(layer, priv, inputs, outputs, mask)
}

add_activity_loss <- function(layer, outputs) {
  outs <- if (is.list(outputs) && !is.object(outputs)) outputs else list(outputs)
  for (o in outs) {
    if (!inherits(o, "recurrent_tensor")) next
    loss <- layer$activity_regularizer(o)
    d <- cpp_shape(o)
    if (length(d) > 0 && d[1] > 0) loss <- op_divide(loss, d[1])
    layer$add_loss(loss)
  }
}

# Keras's rule: a layer that supports masking passes compute_mask(inputs, mask) on
# to its outputs (unless call() already attached masks); one that doesn't, but got
# a mask, warns that the mask stops here.
propagate_mask <- function(layer, priv, inputs, outputs, mask) {
  # common case first: no mask in, and compute_mask() not overridden -> nothing to do
  if (is.null(mask) && isFALSE(priv$.mask_default)) return(outputs)
  if (isTRUE(layer$supports_masking)) {
    multi <- is.list(outputs) && !is.object(outputs)
    outs <- if (multi) outputs else list(outputs)
    if (all(vapply(outs, function(o) !is.null(get_keras_mask(o)), TRUE))) return(outputs)
    out_mask <- layer$compute_mask(inputs, mask)
    if (is.null(out_mask)) return(outputs)
    masks <- if (is.list(out_mask) && !is.object(out_mask)) out_mask else list(out_mask)
    for (i in seq_len(min(length(outs), length(masks)))) {
      m <- as_mask_tensor(masks[[i]])
      if (!is.null(m) && is.null(get_keras_mask(outs[[i]]))) outs[[i]] <- set_keras_mask(outs[[i]], m)
    }
    if (multi) {
      nm <- names(outputs)
      outputs <- outs
      names(outputs) <- nm
      return(outputs)
    }
    return(outs[[1]])
  }
  if (!is.null(mask) && !isTRUE(priv$.mask_warned)) {
    priv$.mask_warned <- TRUE
    warning(sprintf(paste0("Layer '%s' (of type %s) was passed an input with a mask attached to it. ",
                           "However, this layer does not support masking and will therefore destroy the mask ",
                           "information. Downstream layers will not see the mask."),
                    layer$name, class(layer)[1]), call. = FALSE)
  }
  outputs
}

# Errors raised by the package's R code already name the argument or layer at fault
# and pass through; the user's errors and the ops' (C++) errors are chained under a
# message naming the layer that failed.
names_its_cause <- function(cnd) inherits(cnd, "recurrent_error") && !inherits(cnd, "C++Error")
