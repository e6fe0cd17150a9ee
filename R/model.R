# Models are layers: the Model base adds what keras3 users call on models
# (layers, get_layer, summary, predict). Functional and Sequential models live in
# model-functional.R and model-sequential.R.

ModelBase <- R6::R6Class("Model",
  inherit = LayerBase,
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    get_layer = function(name = NULL, index = NULL) model_get_layer(self, name, index),
    summary = function(...) {
      txt <- format_model_summary(self, ...)
      writeLines(txt)
      invisible(txt)
    },
    predict = function(x, batch_size = NULL, verbose = "auto", steps = NULL, callbacks = NULL) {
      model_predict(self, x, batch_size = batch_size, steps = steps, verbose = resolve_verbose(verbose))
    },
    print = function(...) {
      writeLines(format_model_summary(self))
      invisible(self)
    }
  ),
  active = list(
    layers = function() lapply(model_layers(self), wrap_layer)
  ),
  private = list(
    .supports_masking = TRUE,
    .s3_class = c("recurrent_model", "keras.src.models.model.Model")
  )
)

# The layers a model lists in `$layers` (R6 objects).
model_layers <- function(model) {
  f <- model$list_layers
  if (is.function(f)) return(f())
  layer_children(model)
}

model_get_layer <- function(model, name = NULL, index = NULL, call = NULL) {
  layers <- model_layers(model)
  if (!is.null(name) && !is.null(index))
    cli::cli_abort("Give either {.arg name} or {.arg index}, not both.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (!is.null(index)) {
    check_count(index, "index", call, min = -Inf)
    n <- length(layers)
    if (index == 0)
      cli::cli_abort(c("{.arg index} is 1-based; 0 is not a layer index.", i = "The first layer is {.code index = 1}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    pos <- if (index > 0) index else n + 1 + index
    if (pos < 1 || pos > n)
      cli::cli_abort(c("{.arg index} is out of range.", x = "Got {index}; the model has {n} layer{?s}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    return(wrap_layer(layers[[pos]]))
  }
  if (!is.null(name)) {
    check_string(name, "name", call)
    for (l in layers) if (identical(l$name, name)) return(wrap_layer(l))
    nms <- vapply(layers, function(l) l$name, "")
    cli::cli_abort(c("No layer named {.val {name}}.", i = "Layers: {.val {nms}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  cli::cli_abort("Give a layer {.arg name} or {.arg index}.",
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

#' Retrieve a layer of a model
#'
#' @param object A model.
#' @param name A layer name, or `NULL`.
#' @param index A 1-based position in `object$layers`, or `NULL`. Negative
#'   values count from the end (`-1` is the last layer). A functional model's
#'   first layer is its input layer.
#' @returns The layer.
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |>
#'   layer_dense(4, name = "hidden") |>
#'   layer_dense(1)
#' get_layer(model, "hidden")
#' get_layer(model, index = -1)
#' @export
get_layer <- function(object, name = NULL, index = NULL) {
  model_get_layer(unwrap_model(object), name, index, call = rlang::current_env())
}

#' Remove the last layer of a sequential model
#'
#' @param object A sequential model.
#' @param rebuild Logical, default `TRUE`: recompute the model's output.
#' @returns `object`, invisibly (it is modified in place).
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |>
#'   layer_dense(4) |>
#'   layer_dense(1)
#' pop_layer(model)
#' length(model$layers)
#' @export
pop_layer <- function(object, rebuild = TRUE) {
  model <- unwrap_model(object)
  if (!inherits(model, "Sequential"))
    cli::cli_abort("{.fn pop_layer} needs a sequential model.", class = c("recurrent_error_argument", "recurrent_error"))
  model$pop(rebuild = rebuild)
  invisible(object)
}

unwrap_model <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (inherits(x, "recurrent_model")) return(attr(x, "layer", exact = TRUE))
  if (inherits(x, "Model") && inherits(x, "R6")) return(x)
  cli::cli_abort(c("{.arg {arg}} must be a model.", x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_argument", "recurrent_error"), call = call)
}

#' Define a new model class
#'
#' `Model()` (alias `new_model_class()`) works like [Layer()] but makes a model
#' class: its instances also have `summary()`, `predict()` and the training
#' methods. Sub-layers stored in fields (`self$dense <- layer_dense(units =
#' 4)`) are tracked, so their weights are the model's weights.
#'
#' Instances save with [save_model()] and [save_model_weights()] in Keras's
#' layout for subclassed models, and load with [load_model()] given the class
#' in `custom_objects` (or registered with [register_keras_serializable()]).
#' The config is what `get_config()` returns or, without one, the
#' constructor's arguments when they are plain values (as in Keras); a
#' `from_config()` member rebuilds an instance from a config its own way.
#'
#' @inheritParams Layer
#' @returns A model constructor.
#' @examples
#' two_layers <- Model("TwoLayers",
#'   initialize = function(units = 4, ...) {
#'     super$initialize(...)
#'     self$hidden <- layer_dense(units = units, activation = "relu")
#'     self$out <- layer_dense(units = 1)
#'   },
#'   call = function(inputs) self$out(self$hidden(inputs))
#' )
#' m <- two_layers()
#' m(matrix(1, 2, 3))
#' length(m$weights)
#' path <- tempfile(fileext = ".keras")
#' save_model(m, path)
#' m2 <- load_model(path, custom_objects = list(TwoLayers = two_layers))
#' x <- matrix(1, 2, 3)
#' all.equal(predict(m, x, verbose = 0), predict(m2, x, verbose = 0))
#' @export
Model <- function(classname, initialize = NULL, call = NULL, build = NULL, get_config = NULL, ...,
                  public = list(), private = list(), active = list(), inherit = NULL,
                  parent_env = parent.frame()) {
  members <- c(list(initialize = initialize, call = call, build = build, get_config = get_config), rlang::list2(...))
  members <- members[!vapply(members, is.null, TRUE)]
  for (nm in names(public)) members[[nm]] <- public[[nm]]
  as_model_constructor(new_r6_layer_class(classname, members, private, active, inherit, parent_env, base = ModelBase))
}

#' @rdname Model
#' @export
new_model_class <- Model

# ---- predict -------------------------------------------------------------------------

#' Predictions of a model
#'
#' Runs the model in inference mode (dropout off, no gradients recorded) on `x`
#' in batches and returns R arrays.
#'
#' @param object A model.
#' @param x Inputs: an R array (batch first), a tensor, or a list of them for
#'   a model with several inputs.
#' @param batch_size `NULL` (default, 32) or a positive whole number: samples
#'   per batch.
#' @param verbose `"auto"` (default: 1, or 0 under testthat and 2 while
#'   knitting), 0 (silent), 1 (progress bar) or 2 (one line at the end).
#' @param steps `NULL` (default: all of `x`) or the number of batches to run.
#' @param callbacks Accepted for compatibility; unused.
#' @param ... Unused.
#' @returns An R array with the batch dimension first, or a list of arrays for
#'   a model with several outputs.
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |> layer_dense(2)
#' predict(model, matrix(runif(30), 10, 3))
#' @export
predict.recurrent_model <- function(object, x, batch_size = NULL, verbose = "auto", steps = NULL,
                                    callbacks = NULL, ...) {
  model_predict(unwrap_model(object), x, batch_size = batch_size, steps = steps,
                verbose = resolve_verbose(verbose), call = rlang::current_env())
}

#' @rdname predict.recurrent_model
#' @export
predict_on_batch <- function(object, x) {
  model <- unwrap_model(object)
  out <- without_gradient_recording(eager_call(model, prepare_predict_input(x), training = FALSE))
  outputs_to_arrays(out)
}

prepare_predict_input <- function(x) {
  if (is.data.frame(x)) return(as.matrix(x))
  if (is.list(x) && !is.object(x)) return(lapply(x, prepare_predict_input))
  x
}

model_predict <- function(model, x, batch_size = NULL, steps = NULL, verbose = 0L, call = rlang::caller_env()) {
  if (is_lazy_data(x)) return(predict_lazy(model, x, steps, verbose, call))
  x <- prepare_predict_input(x)
  check_model_data(model, x, "x", call)
  if (is.null(batch_size)) batch_size <- 32L
  check_count(batch_size, "batch_size", call, min = 1)
  leaves <- if (is.list(x) && !is.object(x)) x else list(x)
  ns <- vapply(leaves, function(l) {
    d <- if (op_is_tensor(l)) dim(l) else (dim(l) %||% length(l))
    as.numeric(d[1])
  }, 0)
  if (length(ns) == 0 || any(is.na(ns)))
    cli::cli_abort("{.arg x} must be an array, a tensor, or a list of them.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  if (length(unique(ns)) != 1)
    cli::cli_abort(c("All inputs must have the same number of samples.", x = "Got {ns}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  n <- ns[1]
  starts <- seq(1, max(n, 1), by = batch_size)
  steps <- capped_steps(steps)
  if (!is.null(steps)) starts <- utils::head(starts, steps)
  results <- vector("list", length(starts))
  bar <- if (verbose > 0L) new_progbar(length(starts), verbose)
  for (b in seq_along(starts)) {
    idx <- starts[b]:min(n, starts[b] + batch_size - 1)
    xb <- slice_batch(x, idx)
    out <- without_gradient_recording(eager_call(model, xb, training = FALSE))
    results[[b]] <- outputs_to_arrays(out)
    if (!is.null(bar)) progress_update(bar, b, finalize = b == length(starts))
  }
  combine_batches(results)
}

slice_batch <- function(x, idx) {
  if (is.list(x) && !is.object(x)) return(lapply(x, slice_batch, idx = idx))
  if (op_is_tensor(x)) x <- as.array(x)
  d <- dim(x)
  if (is.null(d)) return(x[idx])
  args <- c(list(x, idx), rep(list(TRUE), length(d) - 1), list(drop = FALSE))
  do.call(`[`, args)
}

outputs_to_arrays <- function(out) {
  if (is.list(out) && !is.object(out)) return(lapply(out, outputs_to_arrays))
  if (op_is_tensor(out)) return(as.array(out))
  out
}

combine_batches <- function(results) {
  first <- results[[1]]
  if (is.list(first)) {
    out <- lapply(seq_along(first), function(i) bind_batch_arrays(lapply(results, `[[`, i)))
    names(out) <- names(first)
    return(out)
  }
  bind_batch_arrays(results)
}

# Join arrays along their first dimension.
bind_batch_arrays <- function(arrs) {
  if (length(arrs) == 1) return(arrs[[1]])
  d <- dim(arrs[[1]])
  if (is.null(d)) return(unlist(arrs))
  rest <- d[-1]
  n <- sum(vapply(arrs, function(a) dim(a)[1], 1L))
  k <- length(d)
  if (k == 1) return(array(unlist(arrs), n))
  perm <- c(2:k, 1L)
  moved <- unlist(lapply(arrs, function(a) aperm(a, perm)))
  aperm(array(moved, c(rest, n)), c(k, seq_len(k - 1)))
}

# ---- freezing --------------------------------------------------------------------------

#' Freeze and unfreeze weights
#'
#' `freeze_weights()` makes layers non-trainable (their weights stop changing
#' in `fit()`); `unfreeze_weights()` makes them trainable again. Without
#' `from`, `to` or `which`, the whole model (or layer) is affected; otherwise
#' only the layers of `object$layers` in the range `from`..`to` (names or
#' 1-based positions, both ends included) or listed in `which`.
#'
#' @param object A model or layer.
#' @param from,to `NULL`, a layer name or a 1-based position (negative
#'   positions count from the end: -1 is the last layer).
#' @param which `NULL`, or layer names or positions.
#' @returns `object`, invisibly (modified in place).
#' @examples
#' model <- keras_model_sequential(input_shape = 3) |>
#'   layer_dense(4, name = "a") |>
#'   layer_dense(1, name = "b")
#' freeze_weights(model, to = "a")
#' length(model$trainable_weights)   # only b's kernel and bias
#' unfreeze_weights(model)
#' @export
freeze_weights <- function(object, from = NULL, to = NULL, which = NULL) {
  set_trainable_range(object, FALSE, from, to, which, call = rlang::current_env())
}

#' @rdname freeze_weights
#' @export
unfreeze_weights <- function(object, from = NULL, to = NULL, which = NULL) {
  set_trainable_range(object, TRUE, from, to, which, call = rlang::current_env())
}

set_trainable_range <- function(object, value, from, to, which, call) {
  layer <- unwrap_layer(object, arg = "object", call = call)
  if (is.null(from) && is.null(to) && is.null(which)) {
    layer$trainable <- value
    return(invisible(object))
  }
  if (!inherits(layer, "Model"))
    cli::cli_abort("{.arg from}, {.arg to} and {.arg which} need a model.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  layers <- model_layers(layer)
  nms <- vapply(layers, function(l) l$name, "")
  pos <- function(x, arg) {
    if (is.character(x)) {
      p <- match(x, nms)
      if (anyNA(p))
        cli::cli_abort(c("{.arg {arg}} names no layer of the model.", x = "Got {.val {x[is.na(p)]}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = call)
      return(p)
    }
    n <- length(layers)
    if (!is.numeric(x) || anyNA(x) || any(x == 0 | abs(x) > n | x != trunc(x)))
      cli::cli_abort(c("{.arg {arg}} must be layer names or positions: 1 to {n}, or -1 to -{n} counting from the end.",
                       x = "Got {if (is.numeric(x)) x else describe_value(x)}."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    as.integer(ifelse(x < 0, n + 1 + x, x))
  }
  if (!is.null(which)) {
    idx <- pos(which, "which")
  } else {
    first <- if (is.null(from)) 1L else pos(from, "from")
    last <- if (is.null(to)) length(layers) else pos(to, "to")
    idx <- seq(first, last)
  }
  # a model stays "trainable" as a whole; its layers carry the flags
  if (value) layer$.__enclos_env__$private$.trainable <- TRUE
  for (i in idx) layers[[i]]$trainable <- value
  invisible(object)
}
