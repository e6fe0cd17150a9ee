# Symbolic tensors (keras_input() and the outputs of layers called on them): a
# shape with NULL for unknown dims, a dtype, and the node that produced them
# (layer, call arguments) so that keras_model() can replay the graph eagerly.

new_symbolic_tensor <- function(shape, dtype, node = NULL, index = 1L, name = NULL) {
  kt <- new.env(parent = emptyenv())
  kt$shape <- lapply(shape, function(d) if (is.null(d) || is.na(d)) NULL else as.integer(d))
  kt$dtype <- dtype
  kt$ndim <- length(shape)
  kt$sparse <- FALSE
  kt$ragged <- FALSE
  kt$name <- name %||% unique_name("keras_tensor")
  kt$node <- node
  kt$index <- index
  kt$has_mask <- FALSE
  # keras3's `x$`_keras_mask``: the mask the producing layer attaches, as a symbolic
  # tensor, made (once) when first asked for
  makeActiveBinding("_keras_mask", function() symbolic_keras_mask(kt), kt)
  class(kt) <- c("recurrent_symbolic_tensor", "keras.src.backend.common.keras_tensor.KerasTensor")
  kt
}

#' @export
format.recurrent_symbolic_tensor <- function(x, ...) {
  sprintf("<KerasTensor shape=%s, dtype=%s, sparse=False, ragged=False, name=%s>",
          format_shape_tuple(x$shape), x$dtype, x$name)
}

#' @export
print.recurrent_symbolic_tensor <- function(x, ...) {
  cat(format(x), "\n", sep = "")
  invisible(x)
}

#' @export
str.recurrent_symbolic_tensor <- function(object, ...) cat(format(object), "\n", sep = "")

#' @export
dim.recurrent_symbolic_tensor <- function(x) as.integer.keras_shape(x$shape)

#' Symbolic model inputs
#'
#' `keras_input()` (alias `layer_input()`) makes a symbolic tensor: a
#' placeholder with a shape and a dtype but no values. Calling layers on it
#' records a graph of layer calls, and [keras_model()] turns that graph into a
#' model.
#'
#' @param shape The shape of one sample, without the batch dimension: a
#'   numeric vector, a list or a [shape()]; use `NA` (or `NULL` inside
#'   `shape()`/`list()`) for unknown dimensions such as a variable number of
#'   timesteps. Give either `shape` or `batch_shape`.
#' @param batch_size `NULL` (default, any batch size) or a whole number: a
#'   fixed batch size, needed by stateful recurrent layers.
#' @param dtype `NULL` (default: [config_floatx()]) or a dtype name such as
#'   `"int32"` (for the ids fed to [layer_embedding()]).
#' @param sparse,ragged Not supported; must be `NULL` or `FALSE`.
#' @param batch_shape The full shape including the batch dimension, instead of
#'   `shape` and `batch_size`.
#' @param name `NULL` (default: automatic) or a string naming the input.
#' @param tensor,optional Not supported (`NULL` and `FALSE`).
#' @returns A symbolic tensor (class `recurrent_symbolic_tensor`), printed as
#'   `<KerasTensor shape=(None, 10, 8), dtype=float32, ...>`. Its fields are
#'   `shape`, `dtype`, `ndim` and `name`; `` x$`_keras_mask` `` is `NULL`, or,
#'   for the output of a layer that attaches a mask (`layer_embedding(mask_zero
#'   = TRUE)`, `layer_masking()` and the layers that pass a mask on), a
#'   symbolic bool tensor `(batch, time)` that a model can compute and return,
#'   as in keras3.
#' @examples
#' x <- keras_input(shape = c(NA, 8))
#' x
#' shape(x)
#' x$shape
#' layer_input(batch_shape = c(32, 10, 8))
#' @export
keras_input <- function(shape = NULL, batch_size = NULL, dtype = NULL, sparse = NULL, ragged = NULL,
                        batch_shape = NULL, name = NULL, tensor = NULL, optional = FALSE) {
  call <- rlang::current_env()
  unsupported <- c(sparse = isTRUE(sparse), ragged = isTRUE(ragged), tensor = !is.null(tensor), optional = isTRUE(optional))
  if (any(unsupported)) {
    given <- names(unsupported)[unsupported]
    cli::cli_abort(c("{.arg {given}} {?is/are} not supported: inputs here are dense tensors that are always given.",
                     x = "Got {.code {given} = {c(sparse = 'TRUE', ragged = 'TRUE', tensor = '<a tensor>', optional = 'TRUE')[given]}}."),
                   class = c("recurrent_error_unsupported", "recurrent_error_argument", "recurrent_error"), call = call)
  }
  layer <- make_input_layer(shape = shape, batch_size = batch_size, dtype = dtype, batch_shape = batch_shape,
                            name = name, call = call)
  layer$output
}

#' @rdname keras_input
#' @export
layer_input <- keras_input

make_input_layer <- function(shape = NULL, batch_size = NULL, dtype = NULL, batch_shape = NULL, name = NULL,
                             call = rlang::caller_env()) {
  if (!is.null(shape) && !is.null(batch_shape))
    cli::cli_abort("Give either {.arg shape} or {.arg batch_shape}, not both.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (is.null(shape) && is.null(batch_shape))
    cli::cli_abort("An input needs a {.arg shape} (or a {.arg batch_shape}).",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (is.null(batch_shape)) {
    batch_size <- check_count(batch_size, "batch_size", call, min = 1, null_ok = TRUE)
    batch_shape <- c(list(batch_size), rlang::try_fetch(as_shape_list(shape), error = function(cnd)
      cli::cli_abort("{.arg shape} is not a valid shape.", parent = cnd,
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)))
  } else {
    batch_shape <- as_shape_list(batch_shape)
  }
  # "string" inputs feed preprocessing layers (text vectorization, string lookup)
  dtype <- if (is.null(dtype)) config_floatx() else if (identical(dtype, "string")) dtype else normalize_dtype(dtype, call = call)
  layer <- InputLayer$new(batch_shape = batch_shape, dtype = dtype, name = name)
  wrap_layer(layer)
  layer
}

InputLayer <- R6::R6Class("InputLayer",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    batch_shape = NULL,
    initialize = function(batch_shape, dtype, name = NULL) {
      super$initialize(name = name, dtype = if (identical(dtype, "string")) NULL else dtype)
      self$dtype <- dtype
      self$batch_shape <- batch_shape
      self$built <- TRUE
      node <- new_node(self, inputs = list(), extras = list())
      kt <- new_symbolic_tensor(batch_shape, dtype, node = node, index = 1L, name = name)
      node$outputs <- list(kt)
      node$result <- kt
      node$single_output <- TRUE
      private$.inbound_nodes <- list(node)
    },
    call = function(inputs) inputs,
    compute_output_shape = function(input_shape) self$batch_shape,
    get_config = function() list(batch_shape = self$batch_shape, dtype = self$dtype, name = self$name)
  ),
  private = list(.s3_class = "keras.src.layers.core.input_layer.InputLayer")
)

new_node <- function(layer, inputs, extras, training = NULL, mask = NULL) {
  node <- new.env(parent = emptyenv())
  node$layer <- layer
  node$inputs <- inputs
  node$extras <- extras
  node$training <- training
  node$mask <- mask
  node$outputs <- list()
  node$single_output <- TRUE
  node
}

# Symbolic tensors directly feeding a node (in its inputs, extra arguments and mask).
node_parents <- function(node) {
  out <- list()
  walk <- function(x) {
    if (inherits(x, "recurrent_symbolic_tensor")) out[[length(out) + 1L]] <<- x
    else if (is.list(x) && !is.object(x)) for (el in x) walk(el)
  }
  walk(node$inputs); walk(node$extras); walk(node$mask)
  out
}

# Calling a layer on symbolic tensors: build with the symbolic shapes, work out the
# output shapes, and record the node.
symbolic_call <- function(layer, inputs, ..., training = NULL, mask = NULL) {
  extras <- list(...)
  rlang::try_fetch({
    maybe_build(layer, inputs, extras)
    check_layer_input(layer, inputs)
    specs <- output_specs(layer, inputs, extras, training, mask)
  }, error = function(cnd) {
    if (names_its_cause(cnd)) return(rlang::zap())
    cli::cli_abort("Calling layer {.val {layer$name}} ({.cls {class(layer)[1]}}) on a symbolic input failed.",
                   parent = cnd, class = c("recurrent_error_call", "recurrent_error"), call = NULL)
  })
  node <- new_node(layer, inputs, extras, training, mask)
  outs <- lapply(seq_along(specs$specs), function(i) {
    s <- specs$specs[[i]]
    kt <- new_symbolic_tensor(s$shape, s$dtype, node = node, index = i)
    kt$has_mask <- specs$has_mask
    kt
  })
  node$outputs <- outs
  node$single_output <- specs$single
  result <- if (specs$single) outs[[1]] else rebuild_structure(specs$template, outs)
  node$result <- result
  priv <- layer_private(layer)
  priv$.inbound_nodes[[length(priv$.inbound_nodes) + 1L]] <- node
  result
}

# Tensors (eager or symbolic) in a nested list, depth first; and the reverse.
flatten_tensors <- function(x) {
  if (inherits(x, c("recurrent_tensor", "recurrent_symbolic_tensor"))) return(list(x))
  if (is.list(x) && !is.object(x)) return(do.call(c, c(list(list()), lapply(unname(x), flatten_tensors))))
  list()
}

rebuild_structure <- function(template, leaves) {
  i <- 0L
  walk <- function(x) {
    if (inherits(x, c("recurrent_tensor", "recurrent_symbolic_tensor"))) {
      i <<- i + 1L
      return(leaves[[i]])
    }
    if (is.list(x) && !is.object(x)) {
      nm <- names(x)
      x <- lapply(x, walk)
      names(x) <- nm
    }
    x
  }
  walk(template)
}

symbolic_has_mask <- function(x) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(isTRUE(x$has_mask))
  if (is.list(x) && !is.object(x)) return(any(vapply(x, symbolic_has_mask, TRUE)))
  FALSE
}

# Output shapes and dtypes of a layer called on symbolic inputs: from its
# compute_output_shape() when it defines one, otherwise by running call() on zeros.
output_specs <- function(layer, inputs, extras, training, mask) {
  in_mask <- !is.null(mask) || symbolic_has_mask(inputs)
  overrides_mask <- !is_default_method(layer$compute_mask, ".default_compute_mask")
  has_mask <- isTRUE(layer$supports_masking) &&
    (if (overrides_mask) computes_mask(layer, inputs, mask, in_mask) else in_mask)
  if (!is_default_method(layer$compute_output_shape, ".default_compute_output_shape")) {
    shp <- do.call(layer$compute_output_shape, output_shape_args(layer, inputs, extras))
    dtype <- layer$dtype
    if (is_shape_like(shp)) {
      return(list(specs = list(list(shape = as_shape_list(shp), dtype = dtype)), single = TRUE, has_mask = has_mask))
    }
    specs <- lapply(shp, function(s) list(shape = as_shape_list(s), dtype = dtype))
    template <- lapply(shp, function(s) new_symbolic_tensor(list(), dtype, name = "template"))
    names(template) <- names(shp)
    return(list(specs = specs, single = FALSE, has_mask = has_mask, template = template))
  }
  run <- run_on_dummies(layer, inputs, extras, training, mask)
  run$has_mask <- has_mask
  run
}

# Whether the layer's compute_mask() gives a mask for these symbolic inputs (and the
# masks they carry or the one passed), tried on placeholders: an RNN without
# return_sequences, for one, drops its input's mask. A compute_mask() that cannot
# run on placeholders is assumed to give one.
computes_mask <- function(layer, inputs, mask, in_mask) {
  d <- dummy_values(list(inputs = inputs, mask = mask), 2L)
  mask_in <- if (!in_mask) NULL else if (!is.null(mask)) d$mask else input_masks(d$inputs)
  m <- tryCatch(without_gradient_recording(layer$compute_mask(d$inputs, mask_in)), error = function(e) TRUE)
  if (is.list(m) && !is.object(m)) return(any(!vapply(m, is.null, TRUE)))
  !is.null(m)
}

# `x$`_keras_mask`` of a symbolic tensor: NULL when the layer that made it attaches
# no mask, else a symbolic bool tensor (batch, time) recorded as an operation on `x`,
# so that a model can use it (as Keras's KerasTensor carries a KerasTensor mask).
symbolic_keras_mask <- function(kt) {
  if (!isTRUE(kt$has_mask)) return(NULL)
  if (is.null(kt$keras_mask_tensor))
    kt$keras_mask_tensor <- symbolic_op("keras_mask", keras_mask_of, list(x = kt), r_function = "$_keras_mask")
  kt$keras_mask_tensor
}

# The function of a `_keras_mask` node: the mask attached to the tensor when the model
# runs. A tensor without one is masked nowhere, so its mask is all TRUE (this is also
# what gives the node its shape on the placeholders of a symbolic call).
keras_mask_of <- function(x) {
  m <- get_keras_mask(x)
  if (!is.null(m)) return(m)
  d <- cpp_shape(x)
  cpp_full(d[seq_len(min(2L, length(d)))], 1, "bool")
}

# Arguments for compute_output_shape(): the first input's shape, plus, for each
# further argument it declares, the shape of call argument `<name>` (for
# `<name>_shape`) or the call argument `<name>` itself (flags such as
# `return_attention_scores`).
output_shape_args <- function(layer, inputs, extras) {
  args <- list(arg_shape(inputs))
  fmls <- setdiff(names(formals(layer$compute_output_shape))[-1], "...")
  if (!length(fmls) || !length(extras)) return(args)
  extras <- name_call_extras(layer, extras)
  for (nm in fmls) {
    src <- sub("_shape$", "", nm)
    if (grepl("_shape$", nm) && !is.null(extras[[src]])) args[[nm]] <- arg_shape(extras[[src]])
    else if (!grepl("_shape$", nm) && !is.null(extras[[nm]])) args[[nm]] <- extras[[nm]]
  }
  args
}

is_shape_like <- function(x) {
  if (inherits(x, "keras_shape")) return(TRUE)
  if (is.numeric(x) || is.logical(x)) return(TRUE)
  if (is.list(x)) return(all(vapply(x, function(d) is.null(d) || (is.atomic(d) && length(d) == 1), TRUE)))
  FALSE
}

# Run the layer eagerly on zero tensors standing in for the symbolic ones. Unknown
# dims get size 2, then 3; output dims that change between the runs are unknown.
run_on_dummies <- function(layer, inputs, extras, training, mask) {
  sym <- list(inputs = inputs, extras = extras, mask = mask)
  unknown <- any_unknown_dim(sym)
  run <- function(fill) {
    d <- dummy_values(sym, fill)
    without_gradient_recording(do.call(eager_call, c(list(layer, d$inputs), d$extras,
                                                    list(training = training, mask = d$mask))))
  }
  out1 <- run(2L)
  single <- inherits(out1, "recurrent_tensor")
  outs1 <- flatten_tensors(out1)
  if (!length(outs1))
    cli::cli_abort("Layer {.val {layer$name}} returned no tensor from {.fn call}.",
                   class = c("recurrent_error_call", "recurrent_error"), call = NULL)
  shapes <- lapply(outs1, function(o) as.list(cpp_shape(o)))
  if (unknown) {
    outs2 <- flatten_tensors(run(3L))
    for (i in seq_along(shapes)) {
      if (i > length(outs2)) break
      s2 <- as.list(cpp_shape(outs2[[i]]))
      if (length(s2) != length(shapes[[i]])) next
      for (j in seq_along(s2)) if (!identical(s2[[j]], shapes[[i]][[j]])) shapes[[i]][j] <- list(NULL)
    }
  }
  specs <- lapply(seq_along(outs1), function(i) list(shape = shapes[[i]], dtype = cpp_dtype(outs1[[i]])))
  list(specs = specs, single = single, template = if (!single) out1)
}

any_unknown_dim <- function(x) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(any(vapply(x$shape, is.null, TRUE)))
  if (is.list(x) && !is.object(x)) return(any(vapply(x, any_unknown_dim, TRUE)))
  FALSE
}

dummy_values <- function(x, fill) {
  if (inherits(x, "recurrent_symbolic_tensor")) {
    dims <- vapply(x$shape, function(d) if (is.null(d)) fill else d, 1L)
    t <- cpp_zeros(dims, x$dtype)
    if (isTRUE(x$has_mask) && length(dims) >= 2) attr(t, "keras_mask") <- cpp_full(dims[1:2], 1, "bool")
    return(t)
  }
  if (is.list(x) && !is.object(x)) {
    out <- lapply(x, dummy_values, fill = fill)
    return(out)
  }
  x
}

# Shape of the output(s) a layer would give for `input_shape`, found by running it
# on zeros; the default compute_output_shape().
infer_output_shape <- function(layer, input_shape, ...) {
  syms <- shape_to_symbolic(input_shape)
  specs <- run_on_dummies(layer, syms, list(), NULL, NULL)
  shapes <- lapply(specs$specs, function(s) structure(s$shape, class = "keras_shape"))
  if (specs$single) shapes[[1]] else rebuild_structure(specs$template, shapes)
}

shape_to_symbolic <- function(s) {
  if (is_shape_like(s)) return(new_symbolic_tensor(as_shape_list(s), config_floatx(), name = "shape_probe"))
  lapply(s, shape_to_symbolic)
}
