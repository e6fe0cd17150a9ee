# Loss(): user loss classes, keras3 style. An instance is a loss object like the
# built-in ones (usable in compile(), callable as loss(y_true, y_pred,
# sample_weight)), whose per-sample values come from the class's call().

UserLossBase <- R6::R6Class("Loss",
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    name = NULL,
    reduction = NULL,
    dtype = NULL,
    initialize = function(name = NULL, reduction = "sum_over_batch_size", dtype = NULL) {
      self$name <- if (is.null(name)) to_snake_case(class(self)[1]) else check_string(name, "name", call = NULL)
      self$reduction <- check_reduction(reduction, call = NULL)
      self$dtype <- if (is.null(dtype)) config_floatx() else normalize_dtype(dtype, call = NULL)
    },
    call = function(y_true, y_pred) {
      cli::cli_abort("Loss class {.cls {class(self)[1]}} has no {.fn call} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },
    get_config = function() list(name = self$name, reduction = self$reduction, dtype = self$dtype)
  )
)

#' Define a new loss class
#'
#' `Loss()` creates a loss type the way keras3 does: write `call(y_true,
#' y_pred)` returning the per-sample loss values (with `op_*()` functions, so
#' gradients flow), and optionally `initialize()` (call
#' `super$initialize(name = , reduction = , dtype = )`, or
#' `super()$initialize(...)`) and `get_config()`. The result is a constructor
#' whose arguments, positional or named, go to `initialize()`. Its instances
#' weight and reduce the values like the built-in losses (`reduction`
#' `"sum_over_batch_size"` by default) and can be given to [compile()].
#'
#' @param classname The class name (CamelCase); the default loss name is its
#'   snake_case form.
#' @param call A function `(y_true, y_pred)` returning per-sample values.
#' @param ... Further members: methods (such as `initialize` and
#'   `get_config`) or fields.
#' @param public,private,active Lists of extra public members, private members
#'   and active bindings.
#' @param inherit `NULL` or a constructor made by `Loss()`.
#' @param parent_env The environment in which methods are evaluated.
#' @returns A constructor function.
#' @examples
#' loss_custom_mse <- Loss("CustomMSE",
#'   call = function(y_true, y_pred) op_mean(op_square(y_pred - y_true), axis = -1)
#' )
#' mse <- loss_custom_mse()
#' mse(matrix(c(0, 1), 1), matrix(c(1, 1), 1))   # 0.5
#'
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' compile(model, loss = loss_custom_mse(), optimizer = "sgd")
#' @export
Loss <- function(classname, call = NULL, ..., public = list(), private = list(), active = list(),
                 inherit = NULL, parent_env = parent.frame()) {
  members <- c(list(call = call), rlang::list2(...), public)
  gen <- new_user_r6_class(classname, members, private, active, inherit, parent_env, base = UserLossBase)
  make_user_constructor(gen, wrap_user_loss, "recurrent_loss_class")
}

wrap_user_loss <- function(obj) {
  fn <- function(y_true, y_pred) {
    p <- loss_prepare(y_true, y_pred)
    obj$call(p[[1]], p[[2]])
  }
  loss <- new_loss(fn, list(), obj$name, obj$reduction, dtype = obj$dtype, keras_class = class(obj)[1])
  attr(loss, "user_object") <- obj
  class(loss) <- c("recurrent_user_loss", class(loss))
  loss
}

#' @export
`$.recurrent_user_loss` <- function(x, name) attr(x, "user_object", exact = TRUE)[[name]]

#' @export
`$<-.recurrent_user_loss` <- function(x, name, value) {
  obj <- attr(x, "user_object", exact = TRUE)
  obj[[name]] <- value
  x
}

#' @rdname Loss
#' @export
new_loss_class <- Loss
