# Functional models: a graph of layer calls recorded on symbolic tensors, replayed
# eagerly in dependency order. Masks ride along on the eager tensors (layer-call.R)
# and each node passes its recorded `training`, so the model's own flag reaches
# every layer through the call context.

Functional <- R6::R6Class("Functional",
  inherit = ModelBase,
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    inputs = NULL,
    outputs = NULL,
    initialize = function(inputs, outputs, name = NULL, trainable = TRUE, ...) {
      super$initialize(name = name, trainable = trainable, ...)
      private$.in_struct <- flatten_symbolic_arg(inputs, "inputs")
      private$.out_struct <- flatten_symbolic_arg(outputs, "outputs")
      self$inputs <- private$.in_struct$flat
      self$outputs <- private$.out_struct$flat
      graph <- trace_graph(self$inputs, self$outputs)
      private$.nodes <- graph$nodes
      private$.layers <- graph$layers
      self$built <- TRUE
    },
    call = function(inputs, training = NULL, mask = NULL) {
      run_functional(self, private, inputs, mask)
    },
    tracked_layers = function() private$.layers,
    list_layers = function() private$.layers,
    get_config = function() list(name = self$name, trainable = self$trainable)
  ),
  active = list(
    input = function() {
      ins <- private$.in_struct
      if (ins$single) ins$flat[[1]] else ins$flat
    },
    output = function() {
      outs <- private$.out_struct
      if (outs$single) outs$flat[[1]] else outs$flat
    }
  ),
  private = list(
    .in_struct = NULL,
    .out_struct = NULL,
    .nodes = NULL,
    .layers = NULL,
    .s3_class = c("recurrent_functional", "keras.src.models.functional.Functional", "recurrent_model",
                  "keras.src.models.model.Model"),
    convert_inputs = function(x) x
  )
)

#' Make a model from symbolic inputs and outputs
#'
#' `keras_model()` turns the graph of layer calls between `inputs` (from
#' [keras_input()]) and `outputs` into a model. The model is a layer: call it
#' on arrays or tensors (`model(x)`, `model(x, training = TRUE)`), use it
#' inside another model, [predict()] with it, or train it.
#'
#' Masks produced inside the graph (by [layer_embedding()] with `mask_zero =
#' TRUE` or [layer_masking()]) reach the layers that use them when the model
#' runs, and `training` reaches every layer.
#'
#' @param inputs A symbolic tensor, or a list (possibly named) of them.
#' @param outputs A symbolic tensor computed from `inputs`, or a list (possibly
#'   named) of them.
#' @param ... `name` (a string) and `trainable` (logical).
#' @returns A model (class `recurrent_functional`, `recurrent_model`).
#' @examples
#' inp <- keras_input(shape = c(NA, 3))
#' out <- inp |> layer_dense(4, activation = "relu") |> layer_dense(1)
#' model <- keras_model(inp, out)
#' model
#' predict(model, array(runif(24), c(2, 4, 3)))
#' @export
keras_model <- function(inputs = NULL, outputs = NULL, ...) {
  if (is.null(inputs) || is.null(outputs))
    cli::cli_abort("{.fn keras_model} needs both {.arg inputs} and {.arg outputs}.",
                   class = c("recurrent_error_argument", "recurrent_error"))
  model <- Functional$new(inputs = inputs, outputs = outputs, ...)
  layer_private(model)$.generator <- Functional
  wrap_layer(model)
}

flatten_symbolic_arg <- function(x, arg) {
  single <- inherits(x, "recurrent_symbolic_tensor")
  if (!single && is.list(x) && length(x) == 1 && is.null(names(x))) {
    x <- x[[1]]
    single <- TRUE
  }
  flat <- if (single) list(x) else x
  ok <- is.list(flat) && length(flat) > 0 && all(vapply(flat, inherits, TRUE, "recurrent_symbolic_tensor"))
  if (!ok)
    cli::cli_abort(c("{.arg {arg}} must be a symbolic tensor (from {.fn keras_input} or a layer called on one), or a list of them.",
                     x = "Got {.obj_type_friendly {x}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = rlang::caller_env(2))
  list(flat = flat, single = single, names = names(flat))
}

# Nodes between inputs and outputs in dependency order (an explicit stack: graphs can
# be deep), and the model's layers: inputs' InputLayers first, then in call order.
trace_graph <- function(inputs, outputs) {
  input_names <- vapply(inputs, function(t) t$name, "")
  order <- list()
  state <- new.env(parent = emptyenv())   # node address -> "open" / "done"
  key <- function(node) rlang::obj_address(node)
  for (out in outputs) {
    if (out$name %in% input_names) next
    stack <- list(list(node = out$node, expanded = FALSE))
    while (length(stack)) {
      top <- stack[[length(stack)]]
      k <- key(top$node)
      if (top$expanded) {
        stack[[length(stack)]] <- NULL
        if (!identical(state[[k]], "done")) {
          state[[k]] <- "done"
          order[[length(order) + 1L]] <- top$node
        }
        next
      }
      if (identical(state[[k]], "done")) { stack[[length(stack)]] <- NULL; next }
      stack[[length(stack)]]$expanded <- TRUE
      state[[k]] <- "open"
      if (inherits(top$node$layer, "InputLayer")) {
        name <- top$node$outputs[[1]]$name
        cli::cli_abort(c("The outputs do not depend only on {.arg inputs}.",
                         x = "Symbolic input {.val {name}} is used but is not among the model's inputs."),
                       class = c("recurrent_error_graph", "recurrent_error"), call = rlang::caller_env(3))
      }
      for (p in rev(node_parents(top$node))) {  # first parent on top: call order
        if (p$name %in% input_names) next
        pk <- key(p$node)
        if (identical(state[[pk]], "done")) next
        if (identical(state[[pk]], "open"))
          cli::cli_abort("The layer graph has a cycle.", class = c("recurrent_error_graph", "recurrent_error"))
        stack[[length(stack) + 1L]] <- list(node = p$node, expanded = FALSE)
      }
    }
  }
  list(nodes = order, layers = keras_layer_order(inputs, outputs))
}

# The model's layers in Keras's order (keras/src/ops/function.py, map_graph): deepest
# first, a layer's depth being its longest path to an output over all its calls; ties
# in the order a depth-first walk back from the outputs (each node's inputs in turn)
# first meets them. Inputs no output depends on come last, at depth 0. This order is
# model$layers, the rows of summary(), get_weights() and the saved config's list.
keras_layer_order <- function(inputs, outputs) {
  input_names <- vapply(inputs, function(t) t$name, "")
  key <- function(x) rlang::obj_address(x)
  first_seen <- list()   # layer address -> index of the first visit
  layers <- list()       # layer address -> layer
  post_order <- list()   # nodes, inputs before the nodes that use them
  finished <- new.env(parent = emptyenv())
  visit <- function(tensor) {
    node <- tensor$node
    k <- key(node)
    if (!is.null(finished[[k]])) return()
    a <- key(node$layer)
    if (is.null(first_seen[[a]])) {
      first_seen[[a]] <<- length(first_seen)
      layers[[a]] <<- node$layer
    }
    if (!inherits(node$layer, "InputLayer") && !tensor$name %in% input_names)
      for (p in node_parents(node)) visit(p)
    finished[[k]] <- TRUE
    post_order[[length(post_order) + 1L]] <<- node
  }
  for (out in outputs) visit(out)

  node_depth <- list()
  layer_depth <- list()
  for (node in rev(post_order)) {
    k <- key(node)
    a <- key(node$layer)
    depth <- max(node_depth[[k]] %||% 0L, layer_depth[[a]] %||% 0L)
    layer_depth[[a]] <- depth
    node_depth[[k]] <- depth
    if (!inherits(node$layer, "InputLayer"))
      for (p in node_parents(node)) {
        pk <- key(p$node)
        node_depth[[pk]] <- max(depth + 1L, node_depth[[pk]] %||% 0L)
      }
  }
  for (t in inputs) {
    a <- key(t$node$layer)
    if (is.null(layer_depth[[a]])) {
      layer_depth[[a]] <- 0L
      first_seen[[a]] <- -1L
      layers[[a]] <- t$node$layer
    }
  }
  ids <- names(layers)
  depth <- vapply(ids, function(a) layer_depth[[a]], 0)
  seen <- vapply(ids, function(a) first_seen[[a]], 0)
  unname(layers[order(-depth, seen)])
}

# Replace symbolic tensors in a call argument structure by their computed values.
resolve_symbolic <- function(x, values) {
  if (inherits(x, "recurrent_symbolic_tensor")) return(values[[x$name]])
  if (is.list(x) && !is.object(x)) {
    nm <- names(x)
    x <- lapply(x, resolve_symbolic, values = values)
    names(x) <- nm
  }
  x
}

convert_model_input <- function(x, dtype) {
  if (is.data.frame(x)) x <- as.matrix(x)
  if (identical(dtype, "string")) return(host_value(x))
  if (!op_is_tensor(x) && (is.numeric(x) || is.logical(x)) && !dtype %in% c("float32", "float64"))
    return(as_tensor(x, dtype))
  if (inherits(x, "recurrent_tensor") && !dtype %in% c("float32", "float64") && cpp_dtype(x) != dtype) {
    m <- get_keras_mask(x)
    x <- cpp_tensor(x, dtype)
    if (!is.null(m)) attr(x, "keras_mask") <- m
    return(x)
  }
  convert_call_input(x, dtype)
}

run_functional <- function(self, private, inputs, mask) {
  ins <- private$.in_struct
  n <- length(ins$flat)
  given <- if (n == 1 && !(is.list(inputs) && !is.object(inputs) && length(inputs) == 1)) list(inputs) else inputs
  if (!is.list(given) || is.object(given) || length(given) != n)
    cli::cli_abort(c("Model {.val {self$name}} expects {n} input{?s}.",
                     x = "Got {if (is.list(given) && !is.object(given)) length(given) else 1}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  if (!is.null(ins$names) && !is.null(names(given)) && all(ins$names %in% names(given))) given <- given[ins$names]
  values <- new.env(parent = emptyenv())
  for (i in seq_len(n)) {
    kt <- ins$flat[[i]]
    x <- convert_model_input(conform_model_input(given[[i]], kt$shape, self$name), kt$dtype)
    if (n == 1 && !is.null(mask)) x <- set_keras_mask(x, as_mask_tensor(mask))
    values[[kt$name]] <- x
  }
  for (node in private$.nodes) {
    args <- c(list(node$layer, resolve_symbolic(node$inputs, values)), resolve_symbolic(node$extras, values))
    if (!is.null(node$training)) args$training <- node$training
    if (!is.null(node$mask)) args$mask <- resolve_symbolic(node$mask, values)
    out <- do.call(eager_call, args)
    outs <- flatten_tensors(out)
    for (i in seq_along(node$outputs)) values[[node$outputs[[i]]$name]] <- outs[[i]]
  }
  outs <- private$.out_struct
  result <- lapply(outs$flat, function(kt) values[[kt$name]])
  if (outs$single) return(result[[1]])
  names(result) <- outs$names
  result
}
