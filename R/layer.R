# The Layer base class (R6) and the callable wrappers users hold. An R6 object
# owns the state (weights, config, build status); the wrapper is an R function
# `function(object, ...)` that follows keras3's composition rule and forwards `$`
# to the R6 object. Calling machinery lives in layer-call.R, symbolic calls in
# symbolic.R, the Layer() class constructor in layer-class.R.

layer_serial <- new.env(parent = emptyenv())
layer_serial$n <- 0L

LayerBase <- R6::R6Class("Layer",
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    name = NULL,
    built = FALSE,
    dtype = NULL,
    autocast = TRUE,
    activity_regularizer = NULL,

    initialize = function(name = NULL, dtype = NULL, trainable = TRUE, autocast = TRUE,
                          activity_regularizer = NULL, input_shape = NULL, input_dim = NULL,
                          batch_input_shape = NULL, batch_size = NULL, input_length = NULL, ...) {
      extra <- list(...)
      if (length(extra)) {
        nms <- names(extra) %||% rep("", length(extra))
        nms[nms == ""] <- "<unnamed>"
        cli::cli_abort(c("Unrecognized arguments passed to {.cls {class(self)[1]}}: {.arg {nms}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      }
      private$.base_initialized <- TRUE
      layer_serial$n <- layer_serial$n + 1L
      private$.serial <- layer_serial$n
      if (!is.null(name) && (!is.character(name) || length(name) != 1 || !nzchar(name)))
        cli::cli_abort(c("{.arg name} must be a single non-empty string.", x = "Got {.obj_type_friendly {name}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      self$name <- name %||% unique_name(to_snake_case(class(self)[1]))
      self$dtype <- if (is.null(dtype)) config_floatx() else normalize_dtype(dtype, call = NULL)
      private$.dtype_given <- !is.null(dtype)
      self$autocast <- isTRUE(autocast)
      check_flag(trainable, call = NULL)
      if (is.null(private$.trainable)) private$.trainable <- trainable else if (!trainable) private$.trainable <- FALSE
      self$activity_regularizer <- get_regularizer(activity_regularizer, arg = "activity_regularizer", call = NULL)
      # legacy arguments: only meaningful on the first layer of a sequential model
      if (!is.null(input_dim)) input_shape <- list(input_dim)
      if (!is.null(batch_input_shape)) {
        bis <- as_shape_list(batch_input_shape)
        private$.input_shape_arg <- bis[-1]
        private$.batch_size_arg <- bis[[1]]
      } else if (!is.null(input_shape)) {
        private$.input_shape_arg <- as_shape_list(input_shape)
      }
      if (!is.null(batch_size)) private$.batch_size_arg <- as.integer(batch_size)
      invisible(self)
    },

    build = function(input_shape) {
      self$built <- TRUE
      invisible()
    },

    call = function(inputs, ...) {
      cli::cli_abort("Layer {.val {self$name}} ({.cls {class(self)[1]}}) has no {.fn call} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },

    compute_output_shape = function(input_shape, ...) {
      .default_compute_output_shape(self, input_shape, ...)
    },

    compute_mask = function(inputs, mask = NULL) {
      .default_compute_mask(mask)
    },

    add_weight = function(shape = NULL, initializer = NULL, dtype = NULL, trainable = TRUE, autocast = TRUE,
                          regularizer = NULL, constraint = NULL, aggregation = "none",
                          overwrite_with_gradient = FALSE, name = NULL) {
      layer_add_weight(self, private, shape, initializer, dtype, trainable, regularizer, constraint, name)
    },

    add_variable = function(shape = NULL, initializer = NULL, dtype = NULL, trainable = TRUE, autocast = TRUE,
                            regularizer = NULL, constraint = NULL, aggregation = "none",
                            overwrite_with_gradient = FALSE, name = NULL) {
      layer_add_weight(self, private, shape, initializer, dtype, trainable, regularizer, constraint, name)
    },

    add_loss = function(loss) {
      losses <- if (is.list(loss)) loss else list(loss)
      # losses belong to the current outermost call: the first one added in a new
      # call replaces those of earlier calls
      if (!identical(private$.loss_epoch, callctx$epoch)) {
        private$.losses <- list()
        private$.loss_epoch <- callctx$epoch
      }
      for (l in losses) {
        if (!op_is_tensor(l))
          cli::cli_abort(c("{.fn add_loss} needs a tensor.", x = "Got {.obj_type_friendly {l}}."),
                         class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        private$.losses[[length(private$.losses) + 1L]] <- l
      }
      invisible()
    },

    get_weights = function() lapply(self$weights, function(v) v$numpy()),

    set_weights = function(weights) {
      layer_set_weights(self, weights)
      invisible(self)
    },

    count_params = function() {
      if (!isTRUE(self$built))
        cli::cli_abort(c("Layer {.val {self$name}} is not built yet, so it has no weights to count.",
                         i = "Call it on an input (or build it with {.code layer$build(input_shape)}) first."),
                       class = c("recurrent_error_unbuilt", "recurrent_error"), call = NULL)
      as.integer(sum(vapply(self$weights, function(v) as.numeric(prod(cpp_shape(v$handle))), 0)))
    },

    get_config = function() {
      cfg <- list(name = self$name, trainable = self$trainable, dtype = self$dtype)
      init_args <- private$.init_args
      if (length(init_args)) {
        keep <- setdiff(names(init_args), c("", names(cfg)))
        cfg <- c(cfg, init_args[keep])
      }
      cfg
    },

    print = function(...) {
      cat(format_layer_line(self), "\n", sep = "")
      invisible(self)
    }
  ),

  active = list(
    trainable = function(value) {
      if (missing(value)) return(!isFALSE(private$.trainable))
      private$.trainable <- check_flag(value, "trainable", call = NULL)
      for (i in seq_along(private$.variables)) {
        if (isTRUE(private$.created_trainable[i])) private$.variables[[i]]$trainable <- value
      }
      for (l in layer_children(self)) l$trainable <- value
    },
    supports_masking = function(value) {
      if (missing(value)) {
        if (!is.null(private$.supports_masking)) return(private$.supports_masking)
        if (is.null(private$.mask_default))
          private$.mask_default <- !is_default_method(self$compute_mask, ".default_compute_mask")
        return(private$.mask_default)
      }
      private$.supports_masking <- isTRUE(value)
    },
    variables = function() collect_variables(self, "all"),
    weights = function() collect_variables(self, "all"),
    trainable_weights = function() collect_variables(self, "trainable"),
    non_trainable_weights = function() collect_variables(self, "non_trainable"),
    trainable_variables = function() collect_variables(self, "trainable"),
    non_trainable_variables = function() collect_variables(self, "non_trainable"),
    losses = function() layer_losses(self),
    compute_dtype = function() self$dtype,
    variable_dtype = function() self$dtype,
    input = function() {
      node <- private$.inbound_nodes[[1]]
      if (is.null(node)) layer_no_node_error(self, "input")
      node$inputs
    },
    output = function() {
      node <- private$.inbound_nodes[[1]]
      if (is.null(node)) layer_no_node_error(self, "output")
      node$result
    },
    path = function() self$name
  ),

  private = list(
    .base_initialized = FALSE,
    .dtype_given = FALSE,
    .serial = 0L,
    .trainable = NULL,
    .supports_masking = NULL,
    .variables = NULL,
    .created_trainable = NULL,
    .losses = NULL,
    .loss_epoch = NULL,
    .last_epoch = NULL,
    .mask_default = NULL,
    .init_args = NULL,
    .wrapper = NULL,
    .call_info = NULL,
    .inbound_nodes = NULL,
    .mask_warned = FALSE,
    .input_shape_arg = NULL,
    .batch_size_arg = NULL,
    .build_shape = NULL,
    .s3_class = NULL,
    .generator = NULL,
    # a deep clone gets its own copies of the weights (R6 would share the C++ buffers)
    deep_clone = function(name, value) {
      if (name == ".variables") return(lapply(value, function(v) v$clone(deep = TRUE)))
      if (name == ".wrapper") return(NULL)
      value
    }
  )
)

# Sentinels marking the base class's default methods, so the machinery can tell
# whether a subclass overrides compute_output_shape() or compute_mask().
.default_compute_output_shape <- function(self, input_shape, ...) infer_output_shape(self, input_shape, ...)
.default_compute_mask <- function(mask) mask

is_default_method <- function(fn, sentinel) {
  b <- body(fn)
  is.call(b) && length(b) >= 2 && identical(b[[1]], as.name("{")) && length(b) == 2 &&
    is.call(b[[2]]) && identical(b[[2]][[1]], as.name(sentinel))
}

layer_private <- function(layer) layer$.__enclos_env__$private

# `layer_private(layer)$field <- value` works: the private environment is changed in
# place, so the replacement only has to hand the layer back.
`layer_private<-` <- function(layer, value) layer

layer_no_node_error <- function(layer, what) {
  cli::cli_abort("Layer {.val {layer$name}} has never been called on a symbolic input, so it has no {what}.",
                 class = c("recurrent_error_unbuilt", "recurrent_error"), call = NULL)
}

layer_add_weight <- function(self, private, shape, initializer, dtype, trainable, regularizer, constraint, name) {
  call <- NULL
  dims <- unclass(shape(shape))
  if (any(vapply(dims, is.null, TRUE)))
    cli::cli_abort(c("{.fn add_weight} needs a fully known shape.", x = "Got {format(shape(dims))} in layer {.val {self$name}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  check_alloc_size(unlist(dims), paste0("Weight ", encodeString(name %||% "variable", quote = '"'), " of layer ", encodeString(self$name, quote = '"')), call = call)
  dims <- as.integer(unlist(dims))
  dtype <- if (is.null(dtype)) self$dtype else normalize_dtype(dtype, call = call)
  is_float <- dtype %in% c("float32", "float64")
  if (is.null(initializer)) initializer <- if (is_float) "glorot_uniform" else "zeros"
  init <- get_initializer(initializer, arg = "initializer", call = call)
  value <- init(dims, dtype)
  if (!op_is_tensor(value)) value <- as_tensor(value, dtype)
  if (!identical(as.integer(cpp_shape(value)), dims))
    cli::cli_abort("The initializer returned shape {format(shape(cpp_shape(value)))} for a weight of shape {format(shape(dims))}.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (is.null(name)) {
    taken <- vapply(private$.variables, function(v) v$name, "")
    name <- "variable"; i <- 0L
    while (name %in% taken) { i <- i + 1L; name <- paste0("variable_", i) }
  }
  trainable <- isTRUE(trainable) && is_float
  v <- new_variable(value, name = name, trainable = trainable && !isFALSE(private$.trainable), dtype = dtype,
                    regularizer = get_regularizer(regularizer, arg = "regularizer", call = call),
                    constraint = get_constraint(constraint, arg = "constraint", call = call),
                    path = paste0(self$name, "/", name))
  private$.variables[[length(private$.variables) + 1L]] <- v
  private$.created_trainable[length(private$.variables)] <- trainable
  v
}

# Sub-layers of a layer: models list theirs (tracked_layers()); other layers hold them
# in fields, alone or in (possibly nested) lists. Ordered by creation, which is the
# order they are assigned in initialize() in practice, as Keras tracks them.
layer_children <- function(layer) {
  if (is.function(layer$tracked_layers)) return(layer$tracked_layers())
  found <- list()
  add <- function(x, depth = 0L) {
    if (inherits(x, "recurrent_layer")) x <- attr(x, "layer", exact = TRUE)
    if (inherits(x, "Layer") && inherits(x, "R6")) {
      found[[length(found) + 1L]] <<- x
    } else if (is.list(x) && depth < 3L && !inherits(x, "recurrent_symbolic_tensor")) {
      for (el in x) add(el, depth + 1L)
    }
  }
  for (nm in ls(layer, sorted = FALSE)) {
    if (bindingIsActive(nm, layer)) next
    val <- get(nm, envir = layer, inherits = FALSE)
    if (is.function(val) && !inherits(val, "recurrent_layer")) next
    if (is.environment(val) && !inherits(val, "Layer")) next
    add(val)
  }
  if (length(found) < 2) return(found)
  ids <- vapply(found, rlang::obj_address, "")
  found <- found[!duplicated(ids)]
  serials <- vapply(found, function(l) layer_private(l)$.serial, 1L)
  found[order(serials)]
}

# Own variables (trainable first, then non-trainable, as Keras lists them), then
# each sub-layer's, without duplicates (a shared sub-layer counts once).
collect_variables <- function(layer, which = c("all", "trainable", "non_trainable")) {
  seen <- new.env(parent = emptyenv())
  out <- list()
  visit <- function(l, parent_trainable) {
    lid <- rlang::obj_address(l)
    if (!is.null(seen[[lid]])) return()
    seen[[lid]] <- TRUE
    priv <- layer_private(l)
    vars <- priv$.variables
    l_trainable <- parent_trainable && !isFALSE(priv$.trainable)
    if (length(vars)) {
      tr <- vapply(vars, function(v) isTRUE(v$trainable), TRUE)
      ordered <- c(vars[tr], vars[!tr])
      tr <- c(tr[tr], tr[!tr])
      for (i in seq_along(ordered)) {
        v <- ordered[[i]]
        vid <- rlang::obj_address(v)
        if (!is.null(seen[[vid]])) next
        seen[[vid]] <- TRUE
        is_tr <- tr[i] && l_trainable
        keep <- switch(which, all = TRUE, trainable = is_tr, non_trainable = !is_tr)
        if (keep) out[[length(out) + 1L]] <<- v
      }
    }
    for (child in layer_children(l)) visit(child, l_trainable)
  }
  visit(layer, TRUE)
  out
}

layer_set_weights <- function(layer, weights) {
  vars <- layer$weights
  if (!is.list(weights))
    cli::cli_abort(c("{.arg weights} must be a list of arrays, one per weight.", x = "Got {.obj_type_friendly {weights}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  if (length(vars) != length(weights))
    cli::cli_abort(c("Layer {.val {layer$name}} has {length(vars)} weight{?s}, but {.arg weights} has {length(weights)} element{?s}.",
                     i = if (!isTRUE(layer$built)) "The layer is not built yet: call it on an input first."),
                   class = c("recurrent_error_weights", "recurrent_error"), call = NULL)
  values <- lapply(weights, function(w) {
    if (op_is_tensor(w)) w <- as.array(w)
    if (is.data.frame(w)) w <- as.matrix(w)
    w
  })
  for (i in seq_along(vars)) {
    want <- as.integer(cpp_shape(vars[[i]]$handle))
    w <- values[[i]]
    if (!is.numeric(w) && !is.logical(w))
      cli::cli_abort("Weight {i} of layer {.val {layer$name}} must be numeric; got {.obj_type_friendly {w}}.",
                     class = c("recurrent_error_weights", "recurrent_error"), call = NULL)
    got <- if (is.null(dim(w))) (if (length(w) == 1 && length(want) == 0) integer() else length(w)) else as.integer(dim(w))
    if (!identical(got, want))
      cli::cli_abort(c("Weight {i} ({.val {vars[[i]]$name}}) of layer {.val {layer$name}} has shape {format(shape(want), prefix = FALSE)}.",
                       x = "The value given has shape {format(shape(got), prefix = FALSE)}."),
                     class = c("recurrent_error_weights", "recurrent_error"), call = NULL)
  }
  for (i in seq_along(vars)) vars[[i]]$assign(values[[i]])
  invisible(layer)
}

# Losses from add_loss() (including activity regularization) recorded during the
# layer's last outermost call, then the weight regularization terms.
layer_losses <- function(layer) {
  out <- list()
  epoch <- layer_private(layer)$.last_epoch
  seen <- new.env(parent = emptyenv())
  visit <- function(l) {
    lid <- rlang::obj_address(l)
    if (!is.null(seen[[lid]])) return()
    seen[[lid]] <- TRUE
    priv <- layer_private(l)
    if (length(priv$.losses) && (is.null(epoch) || identical(priv$.loss_epoch, epoch))) out <<- c(out, priv$.losses)
    for (child in layer_children(l)) visit(child)
  }
  visit(layer)
  for (v in layer$trainable_weights) if (!is.null(v$regularizer)) out[[length(out) + 1L]] <- v$regularizer(v$handle)
  out
}

format_layer_line <- function(layer) {
  sprintf("<%s name=%s, built=%s>", class(layer)[1], layer$name, if (isTRUE(layer$built)) "TRUE" else "FALSE")
}

# ---- wrappers -----------------------------------------------------------------

#' @noRd
wrap_layer <- function(layer) {
  priv <- layer_private(layer)
  if (!is.null(priv$.wrapper)) return(priv$.wrapper)
  w <- function(object, ...) compose_layer(object, layer, ...)
  attr(w, "layer") <- layer
  class(w) <- c(priv$.s3_class, "recurrent_layer", "keras.src.layers.layer.Layer")
  priv$.wrapper <- w
  w
}

#' @noRd
unwrap_layer <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (inherits(x, "recurrent_layer")) return(attr(x, "layer", exact = TRUE))
  if (inherits(x, "Layer") && inherits(x, "R6")) return(x)
  cli::cli_abort(c("{.arg {arg}} must be a layer.", x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

is_layer <- function(x) inherits(x, "recurrent_layer") || (inherits(x, "Layer") && inherits(x, "R6"))

#' @export
`$.recurrent_layer` <- function(x, name) {
  layer <- attr(x, "layer", exact = TRUE)
  layer[[name]]
}

#' @export
`[[.recurrent_layer` <- function(x, i, ...) {
  layer <- attr(x, "layer", exact = TRUE)
  layer[[i]]
}

#' @export
`$<-.recurrent_layer` <- function(x, name, value) {
  layer <- attr(x, "layer", exact = TRUE)
  layer[[name]] <- value
  x
}

#' @export
`[[<-.recurrent_layer` <- function(x, i, value) {
  layer <- attr(x, "layer", exact = TRUE)
  layer[[i]] <- value
  x
}

#' @export
names.recurrent_layer <- function(x) {
  layer <- attr(x, "layer", exact = TRUE)
  sort(setdiff(ls(layer), c(".__enclos_env__", "clone")))
}

#' @rawNamespace S3method(utils::.DollarNames, recurrent_layer)
.DollarNames.recurrent_layer <- function(x, pattern = "") {
  nms <- names.recurrent_layer(x)
  nms[grepl(pattern, nms)]
}

#' @export
print.recurrent_layer <- function(x, ...) {
  cat(format_layer_line(attr(x, "layer", exact = TRUE)), "\n", sep = "")
  invisible(x)
}

#' @export
format.recurrent_layer <- function(x, ...) format_layer_line(attr(x, "layer", exact = TRUE))

#' @export
str.recurrent_layer <- function(object, ...) cat(format_layer_line(attr(object, "layer", exact = TRUE)), "\n", sep = "")

# ---- the object rule -----------------------------------------------------------

# Instantiate a layer class and apply keras3's composition rule to `object`.
create_layer <- function(generator, object = NULL, args = list(), call = rlang::caller_env()) {
  layer <- do.call(generator$new, args)
  priv <- layer_private(layer)
  if (!isTRUE(priv$.base_initialized)) {
    # the user's initialize() did not call super$initialize(): give the base defaults
    init <- LayerBase$public_methods$initialize
    environment(init) <- layer$.__enclos_env__
    init()
  }
  priv$.init_args <- args
  priv$.generator <- generator
  mark_built_after_build(layer)
  w <- wrap_layer(layer)
  if (is.null(object)) return(w)
  compose_layer(object, layer)
}

# Keras marks a layer built when its build() returns, whoever calls it: a model's
# build() often builds its sub-layers itself (`self$dense$build(input_shape)`), and
# their first call must not build them again (keras/src/layers/layer.py wraps build()
# the same way). The instance's build() becomes a wrapper with the same formals
# (maybe_build() reads them) that runs the class's method, then sets `built`; it lives
# in the object's environment, so clone() re-points it to the copy.
mark_built_after_build <- function(layer) {
  priv <- layer_private(layer)
  if (is.null(priv) || is.function(priv$.class_build)) return(invisible())
  fmls <- formals(layer$build)
  args <- lapply(names(fmls), as.name)
  names(args) <- ifelse(names(fmls) == "...", "", names(fmls))
  run <- as.call(c(list(quote(private$.class_build)), args))
  wrapper <- function() NULL
  formals(wrapper) <- fmls
  body(wrapper) <- bquote({
    value <- .(run)
    self$built <- TRUE
    invisible(value)
  })
  environment(wrapper) <- layer$.__enclos_env__
  priv$.class_build <- layer$build
  rlang::env_binding_unlock(layer, "build")
  assign("build", wrapper, envir = layer)
  rlang::env_binding_lock(layer, "build")
  invisible()
}

compose_layer <- function(object, layer, ...) {
  if (missing(object) || is.null(object))
    cli::cli_abort(c("A layer needs an input to be called on.",
                     i = "Pass a tensor, an R array, a symbolic input from {.fn keras_input}, or a sequential model."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  if (inherits(object, "recurrent_sequential")) {
    if (...length())
      cli::cli_warn("Arguments passed via {.arg ...} are ignored when a layer is added to a sequential model.")
    attr(object, "layer", exact = TRUE)$add(layer)
    return(invisible(object))
  }
  layer_call(layer, object, ...)
}

# ---- generics ---------------------------------------------------------------------

#' Weights of a layer or model
#'
#' `get_weights()` returns the current values of the weights as a list of R
#' arrays, in the order of `object$weights`: each layer's own weights in the
#' order they were created (trainable ones before non-trainable ones), then
#' those of its sub-layers. `set_weights()` assigns new values from such a
#' list; the number of arrays and each array's shape must match.
#'
#' @param object A layer or model.
#' @param trainable `NA` (default) for all weights, `TRUE` for the trainable
#'   ones only, `FALSE` for the non-trainable ones only.
#' @param weights A list of R arrays (or tensors), one per weight.
#' @param ... Unused.
#' @returns `get_weights()`: a list of R arrays. `set_weights()`: `object`,
#'   invisibly.
#' @examples
#' layer <- layer_dense(units = 2)
#' y <- layer(matrix(1, 3, 4))
#' w <- get_weights(layer)
#' str(w)
#' w[[1]][] <- 0
#' set_weights(layer, w)
#' get_weights(layer)[[1]]
#' @export
get_weights <- function(object, trainable = NA) {
  layer <- unwrap_layer(object)
  vars <- if (is.na(trainable)) layer$weights else if (isTRUE(trainable)) layer$trainable_weights else layer$non_trainable_weights
  lapply(vars, function(v) v$numpy())
}

#' @rdname get_weights
#' @export
set_weights <- function(object, weights, ...) {
  layer_set_weights(unwrap_layer(object), weights)
  invisible(object)
}

#' Number of weights in a layer or model
#'
#' The total number of scalar values in all weights (trainable or not). The
#' layer or model must be built.
#'
#' @param object A layer or model.
#' @returns An integer.
#' @examples
#' model <- keras_model_sequential(input_shape = 4) |> layer_dense(3)
#' count_params(model)   # 4 * 3 + 3
#' @export
count_params <- function(object) unwrap_layer(object)$count_params()

#' Layer and model configuration
#'
#' `get_config()` returns the arguments that recreate a layer (or model,
#' initializer, regularizer, constraint, metric) as a named list, with the
#' class attached as attribute `"__class__"`; `from_config()` makes a new,
#' unbuilt object from such a list (with fresh weights, or a metric with a
#' fresh state). A metric's config has Keras's keys (`name`, `dtype` and its
#' own arguments such as `threshold`, `thresholds`, `from_logits`, `axis`,
#' `num_thresholds`, `curve`, `k`, `class_id`).
#'
#' @param object A layer, model, initializer, regularizer, constraint or
#'   metric.
#' @param config A list from `get_config()`.
#' @param custom_objects A named list of custom classes (see
#'   [register_keras_serializable()]); used for models and metrics.
#' @returns `get_config()`: a named list. `from_config()`: a new object.
#' @examples
#' layer <- layer_dense(units = 4, activation = "relu")
#' cfg <- get_config(layer)
#' str(cfg)
#' layer2 <- from_config(cfg)
#' m <- metric_binary_accuracy(threshold = 0.7)
#' str(get_config(m))
#' m2 <- from_config(get_config(m))
#' @export
get_config <- function(object) {
  if (inherits(object, c("recurrent_initializer", "recurrent_regularizer", "recurrent_constraint"))) {
    cfg <- attr(object, "config") %||% list()
    attr(cfg, "__class__") <- attr(object, "class_name")
    return(cfg)
  }
  if (inherits(object, "recurrent_metric")) {
    cfg <- metric_object(object)$get_config()
    attr(cfg, "__class__") <- metric_class_name(object)
    attr(cfg, "__module__") <- "keras.metrics"
    return(cfg)
  }
  layer <- unwrap_layer(object)
  if (inherits(layer, c("Sequential", "Functional"))) {
    # models: Keras's config (saving-config.R), rebuilt by from_config() through the registry
    cfg <- layer_keras_config(layer)
    attr(cfg, "__class__") <- class(layer)[1]
    return(cfg)
  }
  cfg <- layer$get_config()
  attr(cfg, "__class__") <- layer_private(layer)$.generator
  cfg
}

#' @rdname get_config
#' @export
from_config <- function(config, custom_objects = NULL) {
  cls <- attr(config, "__class__")
  args <- config
  attr(args, "__class__") <- NULL
  if (identical(attr(config, "__module__"), "keras.metrics")) {
    attr(args, "__module__") <- NULL
    return(with_load_context(custom_objects, TRUE, FALSE, metric_from_config(cls, args)))
  }
  if (is.character(cls) && cls %in% c("Sequential", "Functional")) {
    return(wrap_layer(with_load_context(custom_objects, TRUE, FALSE,
                                        layer_from_envelope(list(class_name = cls, config = args)))))
  }
  if (is.character(cls)) {
    maker <- initializer_table()[[cls]]
    if (!is.null(maker)) return(do.call(maker, args))
    maker <- switch(cls, L1 = regularizer_l1, L2 = regularizer_l2, L1L2 = regularizer_l1_l2,
                    MaxNorm = constraint_maxnorm, NonNeg = constraint_nonneg, UnitNorm = constraint_unitnorm,
                    MinMaxNorm = constraint_minmaxnorm, NULL)
    if (!is.null(maker)) return(do.call(maker, args))
  }
  if (inherits(cls, "R6ClassGenerator")) {
    custom <- cls$recurrent_from_config
    if (is.function(custom)) return(custom(args))
    return(create_layer(cls, NULL, args))
  }
  cli::cli_abort("{.arg config} does not say which class to create (no {.code __class__} attribute).",
                 class = c("recurrent_error_argument", "recurrent_error"))
}
