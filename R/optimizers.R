# Optimizers: R6 objects that keep the hyperparameters, the step count and one
# set of slot tensors per variable; each step is one C++ call over all variables
# (src/core/optim.cpp), followed by the variables' constraints.

Optimizer <- R6::R6Class("recurrent_optimizer",
  lock_objects = FALSE,
  public = list(
    name = NULL,
    kind = NULL,
    hyper = NULL,
    weight_decay = NULL,
    clipnorm = NULL,
    clipvalue = NULL,
    global_clipnorm = NULL,
    use_ema = FALSE,
    ema_momentum = 0.99,
    ema_overwrite_frequency = NULL,
    loss_scale_factor = NULL,
    gradient_accumulation_steps = NULL,
    iterations = 0,
    built = FALSE,

    initialize = function(kind, name, learning_rate, hyper, weight_decay, clipnorm, clipvalue,
                          global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                          loss_scale_factor, gradient_accumulation_steps, call) {
      self$kind <- kind
      self$name <- check_string(name, "name", call = call)
      self$hyper <- hyper
      self$weight_decay <- check_number(weight_decay, "weight_decay", call = call, min = 0, null_ok = TRUE)
      self$clipnorm <- check_number(clipnorm, "clipnorm", call = call, min = 0, null_ok = TRUE)
      self$clipvalue <- check_number(clipvalue, "clipvalue", call = call, min = 0, null_ok = TRUE)
      self$global_clipnorm <- check_number(global_clipnorm, "global_clipnorm", call = call, min = 0, null_ok = TRUE)
      n_clip <- sum(!vapply(list(clipnorm, clipvalue, global_clipnorm), is.null, TRUE))
      if (n_clip > 1)
        recurrent_abort(c("Only one of {.arg clipnorm}, {.arg clipvalue} and {.arg global_clipnorm} can be set.",
                          x = "Got {n_clip} of them."), call = call)
      self$use_ema <- check_flag(use_ema, "use_ema", call = call)
      self$ema_momentum <- check_number(ema_momentum, "ema_momentum", call = call, min = 0, max = 1)
      self$ema_overwrite_frequency <- check_count(ema_overwrite_frequency, "ema_overwrite_frequency",
                                                  call = call, min = 1, null_ok = TRUE)
      self$loss_scale_factor <- check_number(loss_scale_factor, "loss_scale_factor", call = call,
                                             min = 0, min_open = TRUE, null_ok = TRUE)
      self$gradient_accumulation_steps <- check_count(gradient_accumulation_steps, "gradient_accumulation_steps",
                                                      call = call, min = 2, null_ok = TRUE)
      private$set_learning_rate(learning_rate, call = call)
      private$exclude_vars <- list()
      private$exclude_names <- character()
    },

    # Create the slot tensors for `variables` (a list of variables); done once, on
    # the first step, as Keras does.
    build = function(variables) {
      if (self$built) return(invisible(self))
      variables <- unname(as.list(variables))
      cfg <- private$config()
      private$vars <- variables
      private$slots <- lapply(variables, function(v) private$new_slots(v, cfg))
      self$built <- TRUE
      invisible(self)
    },

    # One step: `grads` is a list of gradient tensors (NULL where a variable got no
    # gradient), `trainable_variables` the matching variables.
    apply = function(grads, trainable_variables = NULL) {
      if (is.null(trainable_variables)) {
        if (!self$built)
          recurrent_abort("The optimizer must be built (or given {.arg trainable_variables}) before {.fn apply}.")
        trainable_variables <- private$vars
      }
      trainable_variables <- unname(as.list(trainable_variables))
      grads <- unname(as.list(grads))
      if (length(grads) != length(trainable_variables))
        recurrent_abort(c("{.arg grads} and {.arg trainable_variables} must have the same length.",
                          x = "Got {length(grads)} gradient{?s} and {length(trainable_variables)} variable{?s}."))
      if (!length(grads)) return(invisible(self))
      if (!self$built) self$build(trainable_variables)
      idx <- private$index_of(trainable_variables)
      if (all(vapply(grads, is.null, TRUE)))
        recurrent_abort("No gradients provided for any variable.")
      cfg <- private$config()
      slots <- private$slots[idx]
      decay <- vapply(trainable_variables, private$use_weight_decay, TRUE)
      handles <- lapply(trainable_variables, function(v) v$handle)
      # The update, the constraints and the step count change together or not at all:
      # an interrupt (Ctrl+C) waits until the step is complete.
      suspendInterrupts({
        cpp_optim_apply(cfg, handles, grads, slots, decay)
        for (v in trainable_variables) {
          if (!is.null(v$constraint)) v$assign(call_constraint(v$constraint, v))
        }
        self$iterations <- self$iterations + 1
      })
      invisible(self)
    },

    # keras3's optimizer$apply_gradients(zip_lists(grads, vars)).
    apply_gradients = function(grads_and_vars) {
      grads <- lapply(grads_and_vars, `[[`, 1)
      vars <- lapply(grads_and_vars, `[[`, 2)
      self$apply(grads, vars)
    },

    # With use_ema, the model's variables take their moving averages (called by fit()
    # at the end of training, as Keras does).
    finalize_variable_values = function(var_list) {
      if (!self$use_ema || !self$built) return(invisible(self))
      slot <- private$ema_slot()
      idx <- private$index_of(var_list)
      for (k in seq_along(var_list)) var_list[[k]]$assign(private$slots[[idx[k]]][[slot]])
      invisible(self)
    },

    exclude_from_weight_decay = function(var_list = NULL, var_names = NULL) {
      if (self$built)
        recurrent_abort("{.fn exclude_from_weight_decay} can only be configured before the optimizer is built.")
      private$exclude_vars <- as.list(var_list)
      private$exclude_names <- as.character(unlist(var_names))
      invisible(self)
    },

    get_config = function() {
      lr <- private$lr
      c(list(name = self$name,
             learning_rate = if (is.numeric(lr)) lr else get_config_of_schedule(lr),
             weight_decay = self$weight_decay, clipnorm = self$clipnorm,
             global_clipnorm = self$global_clipnorm, clipvalue = self$clipvalue,
             use_ema = self$use_ema, ema_momentum = self$ema_momentum,
             ema_overwrite_frequency = self$ema_overwrite_frequency,
             loss_scale_factor = self$loss_scale_factor,
             gradient_accumulation_steps = self$gradient_accumulation_steps),
        self$hyper)
    },

    scale_loss = function(loss) {
      if (is.null(self$loss_scale_factor)) loss else loss * self$loss_scale_factor
    },

    format = function(...) {
      lr <- private$lr
      lr_txt <- if (is.numeric(lr)) format(lr) else "<schedule>"
      sprintf("<Optimizer %s: learning_rate=%s, iterations=%d>", self$name, lr_txt, as.integer(self$iterations))
    },
    print = function(...) {
      cat(self$format(), "\n", sep = "")
      invisible(self)
    }
  ),
  active = list(
    # The learning rate of the next step (a schedule is evaluated at `iterations`).
    # Setting it to a number works unless the optimizer was made with a schedule.
    learning_rate = function(value) {
      if (missing(value)) return(private$current_learning_rate())
      if (!is.numeric(private$lr))
        recurrent_abort(c("This optimizer was created with a learning rate schedule; its learning rate cannot be set.",
                          i = "Create the optimizer with a number as {.arg learning_rate} to change it during training."),
                        class = "recurrent_error_type")
      private$set_learning_rate(value, call = rlang::caller_env())
    },
    # Every slot tensor (the optimizer's state), in variable order.
    variables = function() unlist(private$slots, recursive = FALSE)
  ),
  private = list(
    lr = NULL,
    vars = list(),
    slots = list(),
    exclude_vars = NULL,
    exclude_names = NULL,

    set_learning_rate = function(value, call) {
      if (inherits(value, "recurrent_learning_rate_schedule") || is.function(value)) {
        private$lr <- value
        return(invisible())
      }
      if (op_is_tensor(value)) value <- as.numeric(as.array(value))
      private$lr <- check_number(value, "learning_rate", call = call, min = 0)
    },

    current_learning_rate = function() {
      lr <- private$lr
      if (is.numeric(lr)) return(lr)
      out <- if (inherits(lr, "recurrent_learning_rate_schedule") || length(formals(lr)))
        lr(self$iterations) else lr()
      if (op_is_tensor(out)) out <- as.array(out)
      as.numeric(out)
    },

    config = function() {
      c(list(kind = self$kind,
             learning_rate = private$current_learning_rate(),
             weight_decay = self$weight_decay,
             clipnorm = self$clipnorm, clipvalue = self$clipvalue,
             global_clipnorm = self$global_clipnorm,
             gradient_scale = if (is.null(self$loss_scale_factor)) 1 else 1 / self$loss_scale_factor,
             gradient_accumulation_steps = self$gradient_accumulation_steps,
             use_ema = self$use_ema, ema_momentum = self$ema_momentum,
             ema_overwrite_frequency = self$ema_overwrite_frequency,
             iterations = self$iterations),
        self$hyper)
    },

    # Slot tensors of one variable, in the order optim.h lists them.
    new_slots = function(v, cfg) {
      h <- v$handle
      zeros <- function() cpp_optim_slot(h, 0)
      s <- switch(self$kind,
        sgd = if (self$hyper$momentum != 0) list(zeros()) else list(),
        adam = c(list(zeros(), zeros()), if (isTRUE(self$hyper$amsgrad)) list(zeros())),
        rmsprop = c(list(zeros()), if (self$hyper$momentum > 0) list(zeros()), if (isTRUE(self$hyper$centered)) list(zeros())),
        adagrad = list(cpp_optim_slot(h, self$hyper$initial_accumulator_value))
      )
      if (!is.null(self$gradient_accumulation_steps)) s <- c(s, list(zeros()))
      if (self$use_ema) s <- c(s, list(zeros()))
      s
    },

    ema_slot = function() {
      cfg <- private$config()
      cpp_optim_slot_count(cfg)
    },

    # Positions of `variables` among the ones the optimizer was built with.
    index_of = function(variables) {
      known <- private$vars
      if (length(variables) == length(known) &&
          all(vapply(seq_along(variables), function(i) identical(variables[[i]], known[[i]]), TRUE)))
        return(seq_along(variables))
      vapply(variables, function(v) {
        hit <- which(vapply(known, function(k) identical(k, v), TRUE))
        if (!length(hit))
          recurrent_abort(c("Unknown variable {.val {v$path %||% v$name}}.",
                            i = "The optimizer was built with a different list of variables; use a new optimizer for another model."),
                          call = NULL)
        hit[1]
      }, 1L)
    },

    use_weight_decay = function(v) {
      if (is.null(self$weight_decay)) return(FALSE)
      if (any(vapply(private$exclude_vars, function(x) identical(x, v), TRUE))) return(FALSE)
      nm <- v$name %||% ""
      !any(vapply(private$exclude_names, function(p) grepl(p, nm), TRUE))
    }
  )
)

# A constraint is a function (or callable object) of the variable's value.
call_constraint <- function(constraint, v) {
  out <- constraint(v$value)
  out
}

# An optimizer object of class `generator` (Optimizer, or OptimizerExtra for the kinds
# of optimizers-extra.R), classed like Keras's `keras_class`.
new_optimizer <- function(kind, name, learning_rate, hyper, weight_decay = NULL, clipnorm = NULL,
                          clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                          ema_overwrite_frequency = NULL, loss_scale_factor = NULL,
                          gradient_accumulation_steps = NULL, dots = list(), keras_class,
                          generator = Optimizer, call = rlang::caller_env()) {
  check_dots_empty(dots, call = call)
  opt <- generator$new(kind, name, learning_rate, hyper, weight_decay, clipnorm, clipvalue,
                       global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                       loss_scale_factor, gradient_accumulation_steps, call = call)
  class(opt) <- c("recurrent_optimizer", paste0("keras.src.optimizers.", keras_class),
                  "keras.src.optimizers.optimizer.Optimizer", "R6")
  opt
}

#' Optimizers
#'
#' Optimizers update a model's weights from the gradients of the loss. Pass one
#' to [compile()], either as an object made by these functions or by name
#' (`"sgd"`, `"adam"`, `"adamw"`, `"rmsprop"`, `"adagrad"`, which use the
#' defaults below). The arithmetic is Keras 3's, step for step; it runs in C++
#' over all of a model's weights at once.
#'
#' * `optimizer_sgd()`: `v <- momentum * v - learning_rate * g; w <- w + v`
#'   (Nesterov: `w <- w + momentum * v - learning_rate * g`); without momentum
#'   `w <- w - learning_rate * g`.
#' * `optimizer_adam()`: `m` and `v` are moving averages of `g` and `g^2`;
#'   `w <- w - alpha * m / (sqrt(v) + epsilon)` with the bias-corrected step
#'   `alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)`. With
#'   `amsgrad = TRUE` the running maximum of `v` is used.
#' * `optimizer_adam_w()` (alias `optimizer_adamw()`): Adam with decoupled
#'   weight decay (`w <- w - w * weight_decay * learning_rate` before each step).
#' * `optimizer_rmsprop()`: `v <- rho * v + (1 - rho) * g^2`;
#'   `w <- w - learning_rate * g / sqrt(v + epsilon)`; `centered` subtracts the
#'   square of the moving average of `g` inside the square root; `momentum`
#'   accumulates the increments.
#' * `optimizer_adagrad()`: `a <- a + g^2; w <- w - learning_rate * g / sqrt(a + epsilon)`.
#'
#' @param learning_rate A number, or a schedule such as
#'   [learning_rate_schedule_exponential_decay()] (evaluated at the optimizer's
#'   step count before every step), or an R function of the step count.
#' @param momentum Number >= 0. Accelerates SGD (and RMSprop) in the relevant
#'   direction. Default `0`.
#' @param nesterov Logical. Use Nesterov momentum. Default `FALSE`.
#' @param beta_1,beta_2 Exponential decay rates of Adam's first and second
#'   moment estimates. Defaults `0.9` and `0.999`.
#' @param epsilon Small constant for numerical stability. Default `1e-07`.
#' @param amsgrad Logical. Use the AMSGrad variant of Adam. Default `FALSE`.
#' @param rho Discounting factor of RMSprop's moving average of squared
#'   gradients. Default `0.9`.
#' @param centered Logical. Normalise RMSprop's gradients by their estimated
#'   variance rather than the uncentered second moment. Default `FALSE`.
#' @param initial_accumulator_value Starting value of Adagrad's accumulators.
#'   Default `0.1`.
#' @param weight_decay `NULL` (no decay) or a number: each step first shrinks
#'   every weight by `weight * weight_decay * learning_rate`.
#' @param clipnorm `NULL` or a number: each weight's gradient is rescaled so its
#'   norm is at most this value.
#' @param clipvalue `NULL` or a number: gradients are clipped elementwise to
#'   `[-clipvalue, clipvalue]`.
#' @param global_clipnorm `NULL` or a number: all gradients are rescaled together
#'   so their global norm is at most this value. Only one of `clipnorm`,
#'   `clipvalue` and `global_clipnorm` may be set.
#' @param use_ema Logical. Keep an exponential moving average of the weights;
#'   at the end of `fit()` the weights take their averages. Default `FALSE`.
#' @param ema_momentum Momentum of the moving average. Default `0.99`.
#' @param ema_overwrite_frequency `NULL` or a whole number: copy the averages
#'   into the weights every this many steps.
#' @param name String, the optimizer's name.
#' @param ... Must be empty (present for keras3 compatibility).
#' @param loss_scale_factor `NULL` or a number: the loss is multiplied by it
#'   before gradients are taken and the gradients divided by it before the step.
#' @param gradient_accumulation_steps `NULL` or a whole number >= 2: gradients
#'   are summed over this many batches and the weights are updated with their
#'   mean once every this many batches.
#' @returns An optimizer object (class `recurrent_optimizer`). Its
#'   `$learning_rate` can be read and (unless it is a schedule) assigned;
#'   `$iterations` counts the steps taken.
#' @examples
#' opt <- optimizer_adam(learning_rate = 0.01)
#' opt$learning_rate
#' opt$learning_rate <- 0.005
#' opt
#'
#' optimizer_sgd(learning_rate = 0.1, momentum = 0.9, nesterov = TRUE)
#' optimizer_rmsprop(centered = TRUE, clipnorm = 1)
#' @name optimizers
NULL

#' @rdname optimizers
#' @export
optimizer_sgd <- function(learning_rate = 0.01, momentum = 0, nesterov = FALSE, weight_decay = NULL,
                          clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                          ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "SGD", ...,
                          loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(momentum = check_number(momentum, min = 0, max = 1), nesterov = check_flag(nesterov))
  new_optimizer("sgd", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                gradient_accumulation_steps, list(...), keras_class = "sgd.SGD")
}

#' @rdname optimizers
#' @export
optimizer_adam <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                           amsgrad = FALSE, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL,
                           global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                           ema_overwrite_frequency = NULL, name = "adam", ..., loss_scale_factor = NULL,
                           gradient_accumulation_steps = NULL) {
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1), beta_2 = check_number(beta_2, min = 0, max = 1),
                epsilon = check_number(epsilon, min = 0), amsgrad = check_flag(amsgrad))
  new_optimizer("adam", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                gradient_accumulation_steps, list(...), keras_class = "adam.Adam")
}

#' @rdname optimizers
#' @export
optimizer_adam_w <- function(learning_rate = 0.001, weight_decay = 0.004, beta_1 = 0.9, beta_2 = 0.999,
                             epsilon = 1e-07, amsgrad = FALSE, clipnorm = NULL, clipvalue = NULL,
                             global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                             ema_overwrite_frequency = NULL, name = "adamw", ..., loss_scale_factor = NULL,
                             gradient_accumulation_steps = NULL) {
  if (is.null(weight_decay))
    recurrent_abort(c("{.arg weight_decay} must be a number for AdamW.", x = "Got NULL."))
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1), beta_2 = check_number(beta_2, min = 0, max = 1),
                epsilon = check_number(epsilon, min = 0), amsgrad = check_flag(amsgrad))
  new_optimizer("adam", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                gradient_accumulation_steps, list(...), keras_class = "adamw.AdamW")
}

#' @rdname optimizers
#' @export
optimizer_adamw <- optimizer_adam_w

#' @rdname optimizers
#' @export
optimizer_rmsprop <- function(learning_rate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-07,
                              centered = FALSE, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL,
                              global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                              ema_overwrite_frequency = NULL, name = "rmsprop", ...,
                              loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(rho = check_number(rho, min = 0, max = 1), momentum = check_number(momentum, min = 0),
                epsilon = check_number(epsilon, min = 0), centered = check_flag(centered))
  new_optimizer("rmsprop", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                gradient_accumulation_steps, list(...), keras_class = "rmsprop.RMSprop")
}

#' @rdname optimizers
#' @export
optimizer_adagrad <- function(learning_rate = 0.001, initial_accumulator_value = 0.1, epsilon = 1e-07,
                              weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL,
                              use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL,
                              name = "adagrad", ..., loss_scale_factor = NULL,
                              gradient_accumulation_steps = NULL) {
  hyper <- list(initial_accumulator_value = check_number(initial_accumulator_value, min = 0),
                epsilon = check_number(epsilon, min = 0))
  new_optimizer("adagrad", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                gradient_accumulation_steps, list(...), keras_class = "adagrad.Adagrad")
}

# compile(optimizer = "adam") and friends: Keras's names, case-insensitive as in
# keras.optimizers.get().
resolve_optimizer <- function(x, call = rlang::caller_env()) {
  if (inherits(x, "recurrent_optimizer")) return(x)
  if (is.function(x) && identical(names(formals(x))[1], "learning_rate")) return(x())
  if (is.character(x) && length(x) == 1) {
    make <- switch(tolower(x),
      sgd = optimizer_sgd, adam = optimizer_adam, adamw = optimizer_adam_w,
      rmsprop = optimizer_rmsprop, adagrad = optimizer_adagrad,
      optimizer_extra_registry()[[tolower(x)]])
    if (!is.null(make)) return(make())
  }
  got <- describe_value(x)
  known <- c("sgd", "adam", "adamw", "rmsprop", "adagrad", names(optimizer_extra_registry()))
  recurrent_abort(c("{.arg optimizer} must be an optimizer object or one of {.val {known}}.",
                    x = "Got {got}."), call = call)
}

#' @export
format.recurrent_optimizer <- function(x, ...) x$format()

#' @export
print.recurrent_optimizer <- function(x, ...) x$print()
