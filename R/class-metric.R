# Metric(): user metric classes, keras3 style. State lives in variables made with
# self$add_variable() (or add_weight()); update_state() runs without recording
# gradients; result() may return a tensor or a variable, reported as an R number.

UserMetricBase <- R6::R6Class("Metric",
  inherit = MetricBase,
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    initialize = function(name = NULL, dtype = NULL, ...) {
      extra <- list(...)
      if (length(extra))
        cli::cli_abort(c("Unrecognized arguments passed to {.cls {class(self)[1]}}: {.arg {names(extra) %||% '<unnamed>'}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      name <- if (is.null(name)) to_snake_case(class(self)[1]) else check_string(name, "name", call = NULL)
      super$initialize(name, if (is.null(dtype)) config_floatx() else normalize_dtype(dtype, call = NULL))
    },
    add_variable = function(shape = NULL, initializer = "zeros", dtype = NULL, aggregation = "sum", name = NULL) {
      dims <- unclass(shape(shape))
      if (any(vapply(dims, is.null, TRUE)))
        cli::cli_abort(c("A metric variable needs a fully known shape.", x = "Got {format(shape(dims))}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      dims <- as.integer(unlist(dims))
      dtype <- if (is.null(dtype)) self$dtype else normalize_dtype(dtype, call = NULL)
      init <- get_initializer(initializer, arg = "initializer", call = NULL)
      value <- init(dims, dtype)
      if (!op_is_tensor(value)) value <- as_tensor(value, dtype)
      name <- name %||% paste0("variable", if (length(private$.vars)) paste0("_", length(private$.vars)))
      v <- new_variable(value, name = name, trainable = FALSE, dtype = dtype, path = paste0(self$name, "/", name))
      private$.vars[[length(private$.vars) + 1L]] <- v
      private$.inits[[length(private$.inits) + 1L]] <- init
      v
    },
    add_weight = function(shape = NULL, initializer = "zeros", dtype = NULL, aggregation = "sum", name = NULL) {
      self$add_variable(shape = shape, initializer = initializer, dtype = dtype, aggregation = aggregation, name = name)
    },
    update_state = function(...) {
      without_gradient_recording(private$.user_update_state(...))
      invisible(self)
    },
    result = function() as_result_value(private$.user_result()),
    # Keras's default: every variable back to zeros
    reset_state = function() {
      for (v in private$.vars) v$assign(cpp_zeros(cpp_shape(v$handle), cpp_dtype(v$handle)))
      invisible(self)
    },
    get_config = function() list(name = self$name, dtype = self$dtype)
  ),
  active = list(
    variables = function() private$.vars
  ),
  private = list(
    .vars = list(),
    .inits = list(),
    .user_update_state = function(...) {
      cli::cli_abort("Metric class {.cls {class(self)[1]}} has no {.fn update_state} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },
    .user_result = function() {
      cli::cli_abort("Metric class {.cls {class(self)[1]}} has no {.fn result} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    }
  )
)

#' Define a new metric class
#'
#' `Metric()` creates a metric type the way keras3 does. Write
#' `initialize()` to make the state variables with `self$add_variable()` (or
#' `self$add_weight()`; shape `shape()` for a scalar, initializer `"zeros"` by
#' default), `update_state(y_true, y_pred, sample_weight = NULL)` to update
#' them from a batch (with `op_*()` functions and `variable$assign()` /
#' `$assign_add()`), and `result()` to compute the value; `reset_state()`
#' defaults to setting every variable back to zero. In methods, `self`,
#' `super` and `super()` work as in [Layer()]. The constructor's arguments go
#' to `initialize()`; instances can be passed to `compile(metrics = )` or
#' used directly (`m$update_state(...)`, `m$result()`).
#'
#' @param classname The class name (CamelCase); the default metric name is its
#'   snake_case form.
#' @param initialize,update_state,result Methods.
#' @param ... Further members: methods (such as `reset_state` and
#'   `get_config`) or fields.
#' @inheritParams Loss
#' @param inherit `NULL` or a constructor made by `Metric()`.
#' @returns A constructor function.
#' @examples
#' metric_count_positive <- Metric("CountPositive",
#'   initialize = function(name = "count_positive", ...) {
#'     super$initialize(name = name, ...)
#'     self$count <- self$add_variable(shape = shape(), name = "count")
#'   },
#'   update_state = function(y_true, y_pred, sample_weight = NULL) {
#'     self$count$assign_add(op_sum(op_cast(y_pred > 0, "float32")))
#'   },
#'   result = function() self$count$value
#' )
#' m <- metric_count_positive()
#' m$update_state(NULL, c(-1, 2, 3))
#' m$result()   # 2
#' @export
Metric <- function(classname, initialize = NULL, update_state = NULL, result = NULL, ...,
                   public = list(), private = list(), active = list(), inherit = NULL,
                   parent_env = parent.frame()) {
  members <- c(list(initialize = initialize, update_state = update_state, result = result), rlang::list2(...), public)
  # the user's update_state() and result() run behind the base class's, which turn
  # off gradient recording and make the result an R value
  for (nm in c("update_state", "result")) {
    if (is.function(members[[nm]])) {
      private[[paste0(".user_", nm)]] <- members[[nm]]
      members[[nm]] <- NULL
    }
  }
  gen <- new_user_r6_class(classname, members, private, active, inherit, parent_env, base = UserMetricBase)
  make_user_constructor(gen, wrap_user_metric, "recurrent_metric_class")
}

wrap_user_metric <- function(obj) {
  f <- function(y_true, y_pred, sample_weight = NULL) {
    obj$update_state(y_true, y_pred, sample_weight)
    obj$result()
  }
  structure(f, metric = obj, class = c("recurrent_metric", paste0("custom.", class(obj)[1]),
                                       "keras.src.metrics.metric.Metric", "function"))
}

#' @rdname Metric
#' @export
new_metric_class <- Metric
