# LearningRateSchedule() and Constraint(): user classes whose instances are the
# callable objects optimizers and weights already take (a schedule maps the step
# count to a learning rate; a constraint maps a weight to its projection).

UserScheduleBase <- R6::R6Class("LearningRateSchedule",
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    initialize = function() invisible(self),
    call = function(step) {
      cli::cli_abort("Schedule class {.cls {class(self)[1]}} has no {.fn call} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },
    get_config = function() list()
  )
)

UserConstraintBase <- R6::R6Class("Constraint",
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    initialize = function() invisible(self),
    call = function(w) {
      cli::cli_abort("Constraint class {.cls {class(self)[1]}} has no {.fn call} method.",
                     class = c("recurrent_error_not_implemented", "recurrent_error"), call = NULL)
    },
    get_config = function() list()
  )
)

#' Define a new learning-rate schedule or constraint class
#'
#' `LearningRateSchedule()` and `Constraint()` create classes the way keras3
#' does. A schedule's `call(step)` returns the learning rate for the
#' optimizer's step count (0 before the first step); pass an instance as an
#' optimizer's `learning_rate`. A constraint's `call(w)` returns the projected
#' weight (a tensor); pass an instance as a layer's `kernel_constraint` (or
#' another `*_constraint` argument). Both may define `initialize()` (whose
#' arguments the constructor takes, positionally or by name) and
#' `get_config()`; `self`, `super` and `super()` work as in [Layer()].
#'
#' @param classname The class name (CamelCase).
#' @param call The method computing the value.
#' @param initialize,get_config Methods, or `NULL`.
#' @param ... Further members (methods or fields).
#' @inheritParams Loss
#' @param inherit `NULL` or a constructor made by the same function.
#' @returns A constructor function.
#' @examples
#' halve_every <- LearningRateSchedule("HalveEvery",
#'   initialize = function(initial, every) {
#'     self$initial <- initial
#'     self$every <- every
#'   },
#'   call = function(step) self$initial * 0.5^floor(as.numeric(step) / self$every)
#' )
#' sched <- halve_every(0.1, 10)
#' sched(25)   # 0.025
#' optimizer_sgd(learning_rate = sched)
#'
#' non_negative <- Constraint("NonNegative",
#'   call = function(w) w * op_cast(w >= 0, "float32")
#' )
#' con <- non_negative()
#' con(op_convert_to_tensor(c(-1, 2)))
#' layer_dense(units = 2, kernel_constraint = con)
#' @export
LearningRateSchedule <- function(classname, call = NULL, initialize = NULL, get_config = NULL, ...,
                                 public = list(), private = list(), active = list(), inherit = NULL,
                                 parent_env = parent.frame()) {
  members <- c(list(call = call, initialize = initialize, get_config = get_config), rlang::list2(...), public)
  gen <- new_user_r6_class(classname, members, private, active, inherit, parent_env, base = UserScheduleBase)
  make_user_constructor(gen, wrap_user_schedule, "recurrent_schedule_class")
}

#' @rdname LearningRateSchedule
#' @export
Constraint <- function(classname, call = NULL, get_config = NULL, ...,
                       public = list(), private = list(), active = list(), inherit = NULL,
                       parent_env = parent.frame()) {
  members <- c(list(call = call, get_config = get_config), rlang::list2(...), public)
  gen <- new_user_r6_class(classname, members, private, active, inherit, parent_env, base = UserConstraintBase)
  make_user_constructor(gen, wrap_user_constraint, "recurrent_constraint_class")
}

wrap_user_schedule <- function(obj) {
  s <- new_schedule(function(step) as_result_value(obj$call(step)),
                    config = c(list(name = class(obj)[1]), obj$get_config()), keras_class = class(obj)[1])
  attr(s, "user_object") <- obj
  class(s) <- c("recurrent_user_object", class(s))
  s
}

wrap_user_constraint <- function(obj) {
  con <- new_constraint(class(obj)[1], function(w) obj$call(w), obj$get_config())
  attr(con, "user_object") <- obj
  class(con) <- c("recurrent_user_object", class(con))
  con
}

#' @export
`$.recurrent_user_object` <- function(x, name) attr(x, "user_object", exact = TRUE)[[name]]

#' @export
`$<-.recurrent_user_object` <- function(x, name, value) {
  obj <- attr(x, "user_object", exact = TRUE)
  obj[[name]] <- value
  x
}

#' @rdname LearningRateSchedule
#' @export
new_learning_rate_schedule_class <- LearningRateSchedule
