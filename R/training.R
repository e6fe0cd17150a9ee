# compile(), the training and test steps, and the metric bookkeeping they share.
# fit() and evaluate() (training-loop.R) run these steps over batches. What
# compile() sets up lives in the model's private `.train_state` environment.

#' @importFrom generics compile
#' @export
generics::compile

#' @importFrom generics fit
#' @export
generics::fit

training_state <- function(model) layer_private(model)$.train_state

model_r6 <- function(object, arg = rlang::caller_arg(object), call = rlang::caller_env()) {
  layer <- unwrap_layer(object, arg = arg, call = call)
  if (!inherits(layer, "Model"))
    recurrent_abort(c("{.arg {arg}} must be a model.", x = "Got a layer ({.cls {class(layer)[1]}})."), call = call)
  layer
}

require_compiled <- function(model, what, call) {
  st <- training_state(model)
  if (is.null(st))
    recurrent_abort(c("You must call {.fn compile} on the model before {.fn {what}}.",
                      i = "For example: {.code compile(model, optimizer = \"adam\", loss = \"mse\")}."),
                    class = "recurrent_error_not_compiled", call = call)
  st
}

#' Configure a model for training
#'
#' Sets the optimizer, the loss and the metrics that [fit()], [evaluate()],
#' [train_on_batch()] and [test_on_batch()] use. The model is modified in place
#' and returned invisibly, so `model |> compile(...)` works. Compiling again
#' starts a fresh optimizer state.
#'
#' @param object A model.
#' @param optimizer An optimizer object (see [optimizers]) or name: `"rmsprop"`
#'   (the default), `"adam"`, `"adamw"`, `"sgd"`, `"adagrad"`.
#' @param loss A loss object (see [losses]), a loss name such as `"mse"` or
#'   `"sparse_categorical_crossentropy"`, a function of `(y_true, y_pred)`
#'   returning per-sample losses, or (for a model with several outputs) a list
#'   of these, one per output (named by output or in order). `NULL` trains on the
#'   losses added by layers only.
#' @param metrics A character vector or list of metrics (names such as `"mae"`
#'   or `"accuracy"`, metric objects, or functions); for several outputs, a list
#'   with one such entry per output. Metrics ignore sample weights.
#' @param ... Must be empty.
#' @param loss_weights `NULL` or numbers weighting each output's loss.
#' @param weighted_metrics Like `metrics`, but weighted by `sample_weight` /
#'   `class_weight`.
#' @param run_eagerly,steps_per_execution,jit_compile,auto_scale_loss Accepted
#'   for keras3 compatibility; recurrent always runs eagerly, one step at a time.
#' @returns `object`, invisibly.
#' @examples
#' model <- keras_model_sequential(input_shape = 4) |> layer_dense(1)
#' compile(model, optimizer = optimizer_adam(0.01), loss = "mse", metrics = c("mae", "rmse"))
#' model$optimizer
#' @method compile recurrent_model
#' @export
compile.recurrent_model <- function(object, optimizer = "rmsprop", loss = NULL, metrics = NULL, ...,
                                    loss_weights = NULL, weighted_metrics = NULL, run_eagerly = FALSE,
                                    steps_per_execution = 1L, jit_compile = "auto", auto_scale_loss = TRUE) {
  call <- rlang::current_env()
  check_dots_empty(rlang::list2(...), call = call)
  model <- model_r6(object)
  opt <- resolve_optimizer(optimizer, call = call)
  check_loss_spec(loss, call)
  check_metrics_spec(metrics, "metrics", call)
  check_metrics_spec(weighted_metrics, "weighted_metrics", call)
  if (!is.null(loss_weights) && (!is.numeric(unlist(loss_weights)) || anyNA(unlist(loss_weights))))
    recurrent_abort(c("{.arg loss_weights} must be numbers, one per output.", x = "Got {describe_value(loss_weights)}."),
                    call = call)
  st <- new.env(parent = emptyenv())
  st$optimizer <- opt
  st$loss_spec <- loss
  st$loss_weights <- loss_weights
  st$metrics_spec <- metrics
  st$weighted_metrics_spec <- weighted_metrics
  st$built <- FALSE
  st$loss_tracker <- MeanMetric$new(name = "loss", direction = "down")
  layer_private(model)$.train_state <- st
  model$optimizer <- opt
  model$loss <- loss
  model$compiled <- TRUE
  model$stop_training <- FALSE
  model$reset_metrics <- function() reset_compiled_metrics(st)
  invisible(object)
}

#' @export
compile.recurrent_layer <- function(object, ...) {
  model_r6(object)
}

check_loss_spec <- function(loss, call) {
  if (is.null(loss)) return(invisible())
  entries <- if (is.list(loss) && !is.object(loss)) loss else list(loss)
  for (l in entries) {
    if (is.character(l) && length(l) == 1 && tolower(l) %in% c("crossentropy", "ce")) next
    resolve_loss(l, call = call)
  }
  invisible()
}

check_metrics_spec <- function(metrics, arg, call) {
  if (is.null(metrics)) return(invisible())
  flat <- unlist(if (is.list(metrics) && !is.object(metrics)) metrics else list(metrics), recursive = TRUE)
  for (m in flat) {
    if (is.character(m) && tolower(m) %in% c("accuracy", "acc")) next
    if (is.character(m) && !tolower(m) %in% names(metric_registry()))
      recurrent_abort(c("Unknown metric {.val {m}} in {.arg {arg}}.",
                        i = "Known names: {.val {c('accuracy', names(metric_registry()))}}."), call = call)
    if (!is.character(m) && !is.function(m))
      recurrent_abort(c("Each entry of {.arg {arg}} must be a metric name, object or function.", x = "Got {describe_value(m)}."),
                      call = call)
  }
  invisible()
}

# ---- building losses and metrics on the first batch (shapes resolve "accuracy") ----

as_output_list <- function(y) if (is.list(y) && !is.object(y)) y else list(y)

# Keras names a model's outputs after the layers that produce them.
output_names_of <- function(model, y_pred) {
  outs <- as_output_list(y_pred)
  if (length(outs) == 1) return("")
  nm <- names(outs)
  if (is.null(nm) || any(!nzchar(nm))) {
    sym <- tryCatch(model$outputs, error = function(e) NULL)
    nm <- if (is.list(sym) && length(sym) == length(outs))
      vapply(sym, function(o) tryCatch(o$node$layer$name, error = function(e) NULL) %||% "", "") else character()
    if (length(nm) != length(outs) || any(!nzchar(nm)) || anyDuplicated(nm)) nm <- paste0("output_", seq_along(outs))
  }
  nm
}

# Targets in output order: a list named by output is matched by name.
align_targets <- function(y, out_names) {
  if (!is.list(y) || is.object(y) || is.null(names(y)) || length(out_names) < 2) return(y)
  if (!all(out_names %in% names(y))) return(unname(y))
  unname(y[out_names])
}

# Spread a compile() argument over the outputs: one entry for all, a list in order,
# or a list named by output.
per_output <- function(spec, out_names, arg, call, flat_ok = TRUE) {
  n <- length(out_names)
  if (is.null(spec)) return(rep(list(NULL), n))
  if (n == 1) return(list(spec))
  if (is.list(spec) && !is.object(spec) && !is.null(names(spec)) && all(names(spec) %in% out_names))
    return(lapply(out_names, function(o) spec[[o]]))
  if (is.list(spec) && !is.object(spec) && length(spec) == n) return(spec)
  if (flat_ok) return(rep(list(spec), n))
  recurrent_abort(c("{.arg {arg}} must have one entry per output ({n}).", x = "Got {length(spec)}."), call = call)
}

build_compiled <- function(model, st, y, y_pred, call) {
  outs <- as_output_list(y_pred)
  ys <- as_output_list(y)
  out_names <- st$output_names %||% output_names_of(model, y_pred)
  st$output_names <- out_names
  losses <- per_output(st$loss_spec, out_names, "loss", call)
  st$losses <- lapply(seq_along(outs), function(i) {
    if (is.null(losses[[i]])) NULL else resolve_loss(losses[[i]], ys[[i]], outs[[i]], call = call)
  })
  w <- st$loss_weights
  st$loss_weight_values <- if (is.null(w)) rep(1, length(outs)) else {
    if (is.numeric(w)) w <- as.list(w)
    w <- unlist(per_output(w, out_names, "loss_weights", call, flat_ok = length(w) == 1))
    if (length(w) != length(outs))
      recurrent_abort("{.arg loss_weights} must have one number per output ({length(outs)}).", call = call)
    as.numeric(w)
  }
  st$output_loss_trackers <- if (length(outs) > 1)
    lapply(out_names, function(o) MeanMetric$new(name = paste0(o, "_loss"), direction = "down")) else list()
  make <- function(spec, arg) {
    specs <- per_output(spec, out_names, arg, call)
    objs <- list()
    for (i in seq_along(outs)) {
      entries <- specs[[i]]
      if (is.null(entries)) next
      if (!is.list(entries) || is.object(entries)) entries <- as.list(entries)
      for (m in entries) {
        obj <- resolve_metric(m, ys[[i]], outs[[i]], call = call)
        if (length(outs) > 1) obj$name <- paste0(out_names[i], "_", obj$name)
        obj$output_index <- i
        objs[[length(objs) + 1]] <- obj
      }
    }
    objs
  }
  st$metric_objects <- make(st$metrics_spec, "metrics")
  st$weighted_metric_objects <- make(st$weighted_metrics_spec, "weighted_metrics")
  st$built <- TRUE
  invisible(st)
}

reset_compiled_metrics <- function(st) {
  st$loss_tracker$reset_state()
  for (m in c(st$output_loss_trackers, st$metric_objects, st$weighted_metric_objects)) m$reset_state()
  invisible()
}

# Keras's logs: loss, per-output losses, metrics, then weighted metrics (a name
# already taken gets a "weighted_" prefix, then a counter).
compiled_results <- function(st) {
  out <- list(loss = st$loss_tracker$result())
  for (t in st$output_loss_trackers) out[[t$name]] <- t$result()
  taken <- names(out)
  for (m in st$metric_objects) {
    nm <- m$name
    k <- 1L
    while (nm %in% taken) { nm <- paste0(m$name, "_", k); k <- k + 1L }
    out[[nm]] <- m$result(); taken <- c(taken, nm)
  }
  for (m in st$weighted_metric_objects) {
    nm <- m$name
    if (nm %in% taken) nm <- paste0("weighted_", m$name)
    base <- nm; k <- 1L
    while (nm %in% taken) { nm <- paste0(base, "_", k); k <- k + 1L }
    out[[nm]] <- m$result(); taken <- c(taken, nm)
  }
  out
}

# ---- one batch -----------------------------------------------------------------------

# The total loss of a forward pass (a scalar tensor): each output's compiled loss
# times its weight, plus every loss the layers added (regularization).
compute_total_loss <- function(model, st, y, y_pred, sample_weight, call) {
  outs <- as_output_list(y_pred)
  ys <- as_output_list(y)
  total <- NULL
  per_output_values <- numeric()
  for (i in seq_along(outs)) {
    lf <- st$losses[[i]]
    if (is.null(lf)) next
    if (is.null(ys[[i]]))
      recurrent_abort("The model's output {i} has a loss but {.arg y} has no target for it.", call = call)
    l <- lf(ys[[i]], outs[[i]], sample_weight)
    if (st$loss_weight_values[i] != 1) l <- op_multiply(l, st$loss_weight_values[i])
    per_output_values[i] <- as.numeric(as.array(l))
    total <- if (is.null(total)) l else op_add(total, l)
  }
  for (extra in model$losses) {
    extra <- op_sum(extra)
    if (op_dtype(extra) != config_floatx() && !is.null(total) && op_dtype(extra) != op_dtype(total))
      extra <- op_cast(extra, op_dtype(total))
    total <- if (is.null(total)) extra else op_add(total, extra)
  }
  if (is.null(total))
    recurrent_abort(c("No loss to compute.", i = "Provide a {.arg loss} argument in {.fn compile}."),
                    class = "recurrent_error_no_loss", call = call)
  list(loss = total, per_output = per_output_values)
}

update_compiled_metrics <- function(st, y, y_pred, sample_weight, batch_n, loss_value, per_output) {
  # Keras weights each batch's loss by its number of samples
  st$loss_tracker$total <- st$loss_tracker$total + loss_value * batch_n
  st$loss_tracker$count <- st$loss_tracker$count + batch_n
  for (i in seq_along(st$output_loss_trackers)) {
    t <- st$output_loss_trackers[[i]]
    t$total <- t$total + per_output[i] * batch_n
    t$count <- t$count + batch_n
  }
  if (!length(st$metric_objects) && !length(st$weighted_metric_objects)) return(invisible())
  outs <- as_output_list(y_pred)
  ys <- as_output_list(y)
  without_gradient_recording({
    for (m in st$metric_objects) m$update_state(ys[[m$output_index]], outs[[m$output_index]])
    for (m in st$weighted_metric_objects)
      m$update_state(ys[[m$output_index]], outs[[m$output_index]], sample_weight)
  })
  invisible()
}

# One optimizer step on a batch; returns the running logs.
train_step <- function(object, model, st, x, y, sample_weight, call, vars = NULL) {
  fwd <- with_gradient_recording({
    y_pred <- object(x, training = TRUE)
    if (is.null(st$output_names)) st$output_names <- output_names_of(model, y_pred)
    y <- as_target_tensors(align_targets(y, st$output_names))
    if (!st$built) build_compiled(model, st, y, y_pred, call)
    total <- compute_total_loss(model, st, y, y_pred, sample_weight, call)
    list(y_pred = y_pred, y = y, total = total, scaled = st$optimizer$scale_loss(total$loss))
  })
  loss_value <- as.numeric(as.array(fwd$total$loss))
  # a model without an input shape gets its weights on this first call
  if (!length(vars)) vars <- model$trainable_weights
  if (length(vars)) {
    grads <- gradients(fwd$scaled, vars)
    st$optimizer$apply(grads, vars)
  } else {
    cli::cli_warn("The model does not have any trainable weights.", call = NULL)
  }
  update_compiled_metrics(st, fwd$y, fwd$y_pred, sample_weight, batch_rows(x), loss_value, fwd$total$per_output)
  compiled_results(st)
}

# Loss and metrics on a batch without training (dropout off, nothing recorded).
test_step <- function(object, model, st, x, y, sample_weight, call) {
  res <- without_gradient_recording({
    y_pred <- object(x, training = FALSE)
    if (is.null(st$output_names)) st$output_names <- output_names_of(model, y_pred)
    y <- as_target_tensors(align_targets(y, st$output_names))
    if (!st$built) build_compiled(model, st, y, y_pred, call)
    list(y_pred = y_pred, y = y, total = compute_total_loss(model, st, y, y_pred, sample_weight, call))
  })
  update_compiled_metrics(st, res$y, res$y_pred, sample_weight, batch_rows(x),
                          as.numeric(as.array(res$total$loss)), res$total$per_output)
  compiled_results(st)
}

batch_rows <- function(x) {
  n <- n_samples(x)
  if (is.na(n) || n < 0) 1L else n
}

#' Train or test on a single batch
#'
#' `train_on_batch()` runs one optimizer step on `x` and `y`; `test_on_batch()`
#' computes the loss and metrics without training. Neither resets the metrics,
#' so their results are running means since the last [fit()], [evaluate()] or
#' `model$reset_metrics()`, as in Keras.
#'
#' @param object A compiled model.
#' @param x Inputs: an R array, data frame or tensor (or a list of them).
#' @param y Targets.
#' @param sample_weight `NULL` or a weight per sample.
#' @param class_weight `NULL` or weights keyed by 0-based class id (see [fit()]).
#' @param ... Must be empty.
#' @returns The loss (a number) when no metrics are compiled; otherwise a named
#'   list of the loss and metric values.
#' @examples
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' compile(model, optimizer = "sgd", loss = "mse")
#' x <- matrix(runif(20), 10, 2)
#' train_on_batch(model, x, rowSums(x))
#' test_on_batch(model, x, rowSums(x))
#' @export
train_on_batch <- function(object, x, y = NULL, sample_weight = NULL, class_weight = NULL) {
  call <- rlang::current_env()
  model <- model_r6(object)
  st <- require_compiled(model, "train_on_batch", call)
  data <- prepare_xy(x, y, sample_weight, call)
  check_model_data(model, data$x, "x", call)
  if (!is.null(class_weight)) {
    if (!is.null(data$sample_weight))
      recurrent_abort("You cannot use {.arg class_weight} and {.arg sample_weight} at the same time.", call = call)
    data$sample_weight <- class_weight_to_sample_weight(data$y, class_weight, call)
  }
  logs <- train_step(wrap_layer(model), model, st, data$x, data$y, data$sample_weight, call)
  if (length(logs) == 1) logs[[1]] else logs
}

#' @rdname train_on_batch
#' @export
test_on_batch <- function(object, x, y = NULL, sample_weight = NULL, ...) {
  call <- rlang::current_env()
  check_dots_empty(rlang::list2(...), call = call)
  model <- model_r6(object)
  st <- require_compiled(model, "test_on_batch", call)
  data <- prepare_xy(x, y, sample_weight, call)
  check_model_data(model, data$x, "x", call)
  logs <- test_step(wrap_layer(model), model, st, data$x, data$y, data$sample_weight, call)
  if (length(logs) == 1) logs[[1]] else logs
}
