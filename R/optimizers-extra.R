# The optimizers beyond SGD/Adam/RMSprop/Adagrad: Nadam, Adamax, Adadelta, Ftrl,
# Lion, Lamb and Adafactor. Their update rules run in C++ (src/core/optim_rules.cpp)
# inside the same step as the others (clipping, weight decay, accumulation, EMA).

# The Optimizer class of optimizers.R, with the slots these kinds need.
OptimizerExtra <- R6::R6Class("recurrent_optimizer_extra", inherit = Optimizer, lock_objects = FALSE,
  public = list(
    # Adafactor clamps a constant learning rate to 1/sqrt(step) when relative_step
    # is TRUE; a schedule is used as it is (as Keras does).
    relative_step_clamp = FALSE
  ),
  private = list(
    config = function() c(super$config(), list(relative_step_clamp = self$relative_step_clamp)),
    new_slots = function(v, cfg) {
      h <- v$handle
      zeros <- function() cpp_optim_slot(h, 0)
      s <- switch(self$kind,
        nadam = , adamax = , adadelta = , lamb = list(zeros(), zeros()),
        lion = list(zeros()),
        ftrl = list(cpp_optim_slot(h, self$hyper$initial_accumulator_value), zeros()),
        adafactor = {
          d <- dim(h)
          dt <- op_dtype(h)
          if (length(d) < 2) {
            list(op_zeros(integer(), dtype = dt), op_zeros(integer(), dtype = dt), zeros())
          } else {
            n <- length(d)
            list(op_zeros(d[-n], dtype = dt), op_zeros(d[-(n - 1)], dtype = dt), zeros())
          }
        }
      )
      if (!is.null(self$gradient_accumulation_steps)) s <- c(s, list(zeros()))
      if (self$use_ema) s <- c(s, list(zeros()))
      s
    }
  )
)

#' More optimizers: Nadam, Adamax, Adadelta, Ftrl, Lion, Lamb, Adafactor
#'
#' These follow Keras 3's update rules step for step and take the same shared
#' arguments as [optimizer_adam()] (clipping, weight decay, EMA, gradient
#' accumulation, loss scaling); [compile()] also accepts their names (`"nadam"`,
#' `"adamax"`, `"adadelta"`, `"ftrl"`, `"lion"`, `"lamb"`, `"adafactor"`).
#'
#' * `optimizer_nadam()`: Adam with Nesterov momentum and Keras's momentum
#'   schedule `u_t = beta_1 * (1 - 0.5 * 0.96^t)`.
#' * `optimizer_adamax()`: Adam with the infinity norm,
#'   `u <- max(beta_2 * u, |g|)`, `w <- w - lr * m / ((1 - beta_1^t) * (u + epsilon))`.
#' * `optimizer_adadelta()`: per-weight step sizes from moving averages of squared
#'   gradients and squared updates (`rho`).
#' * `optimizer_ftrl()`: Follow The Regularized Leader with L1, L2 and L2-shrinkage
#'   penalties.
#' * `optimizer_lion()`: the sign of an interpolation of momentum and gradient,
#'   `w <- w - lr * sign(beta_1 * m + (1 - beta_1) * g)`.
#' * `optimizer_lamb()`: Adam's update rescaled per weight tensor by the trust
#'   ratio `||w|| / ||update||`.
#' * `optimizer_adafactor()`: second moments factored into row and column
#'   averages over the last two axes (a full one for weights of rank < 2), steps
#'   scaled by the weights' RMS.
#'
#' @inheritParams optimizers
#' @param beta_1,beta_2 Decay rates of the first and second moment estimates
#'   (Lion: of the interpolation and of the momentum; defaults `0.9` and `0.99`).
#' @param rho Adadelta's decay rate. Default `0.95`.
#' @param learning_rate_power Ftrl's power (<= 0) in the learning-rate decay.
#'   Default `-0.5`.
#' @param initial_accumulator_value Ftrl's starting accumulator value (>= 0).
#' @param l1_regularization_strength,l2_regularization_strength,l2_shrinkage_regularization_strength
#'   Ftrl's penalties (>= 0).
#' @param beta Ftrl's beta (see the FTRL paper). Default `0`.
#' @param beta_2_decay Adafactor's decay of the second-moment rate. Default `-0.8`.
#' @param epsilon_1 Adafactor's regulariser of squared gradients. Default `1e-30`.
#' @param epsilon_2 Adafactor's floor on the weights' RMS. Default `1e-3`.
#' @param clip_threshold Adafactor's threshold on the update's RMS. Default `1`.
#' @param relative_step Logical. Adafactor: with a constant learning rate, use
#'   `min(learning_rate, 1 / sqrt(step))`. Default `TRUE`.
#' @returns An optimizer object (class `recurrent_optimizer`).
#' @examples
#' opt <- optimizer_nadam(learning_rate = 0.01)
#' opt$get_config()$beta_1
#'
#' model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
#' model |> compile(optimizer = optimizer_lion(learning_rate = 1e-3), loss = "mse")
#' x <- matrix(runif(20), 10, 2)
#' model |> fit(x, rowSums(x), epochs = 2, verbose = 0)
#' optimizer_adafactor()
#' @name optimizers_extra
NULL

#' @rdname optimizers_extra
#' @export
optimizer_nadam <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                            weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL,
                            use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL,
                            name = "nadam", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1), beta_2 = check_number(beta_2, min = 0, max = 1),
                epsilon = check_number(epsilon, min = 0))
  new_optimizer("nadam", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "nadam.Nadam", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_adamax <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                             weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL,
                             use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL,
                             name = "adamax", ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1), beta_2 = check_number(beta_2, min = 0, max = 1),
                epsilon = check_number(epsilon, min = 0))
  new_optimizer("adamax", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "adamax.Adamax", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_adadelta <- function(learning_rate = 0.001, rho = 0.95, epsilon = 1e-07, weight_decay = NULL,
                               clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                               ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "adadelta", ...,
                               loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(rho = check_number(rho, min = 0, max = 1), epsilon = check_number(epsilon, min = 0))
  new_optimizer("adadelta", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm,
                use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "adadelta.Adadelta", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_ftrl <- function(learning_rate = 0.001, learning_rate_power = -0.5, initial_accumulator_value = 0.1,
                           l1_regularization_strength = 0, l2_regularization_strength = 0,
                           l2_shrinkage_regularization_strength = 0, beta = 0, weight_decay = NULL,
                           clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                           ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "ftrl", ...,
                           loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  # Keras's limits (keras/src/optimizers/ftrl.py)
  hyper <- list(learning_rate_power = check_number(learning_rate_power, max = 0),
                initial_accumulator_value = check_number(initial_accumulator_value, min = 0),
                l1_regularization_strength = check_number(l1_regularization_strength, min = 0),
                l2_regularization_strength = check_number(l2_regularization_strength, min = 0),
                l2_shrinkage_regularization_strength = check_number(l2_shrinkage_regularization_strength, min = 0),
                beta = check_number(beta))
  new_optimizer("ftrl", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "ftrl.Ftrl", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_lion <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.99, weight_decay = NULL,
                           clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                           ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "lion", ...,
                           loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  # beta_1 = 0 would make Lion plain SignSGD; Keras refuses it too
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1, min_open = TRUE),
                beta_2 = check_number(beta_2, min = 0, max = 1))
  new_optimizer("lion", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "lion.Lion", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_lamb <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                           weight_decay = NULL, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL,
                           use_ema = FALSE, ema_momentum = 0.99, ema_overwrite_frequency = NULL, name = "lamb",
                           ..., loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(beta_1 = check_number(beta_1, min = 0, max = 1), beta_2 = check_number(beta_2, min = 0, max = 1),
                epsilon = check_number(epsilon, min = 0))
  new_optimizer("lamb", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
                list(...), keras_class = "lamb.Lamb", generator = OptimizerExtra)
}

#' @rdname optimizers_extra
#' @export
optimizer_adafactor <- function(learning_rate = 0.001, beta_2_decay = -0.8, epsilon_1 = 1e-30, epsilon_2 = 0.001,
                                clip_threshold = 1, relative_step = TRUE, weight_decay = NULL, clipnorm = NULL,
                                clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                                ema_overwrite_frequency = NULL, name = "adafactor", ...,
                                loss_scale_factor = NULL, gradient_accumulation_steps = NULL) {
  hyper <- list(beta_2_decay = check_number(beta_2_decay), epsilon_1 = check_number(epsilon_1, min = 0),
                epsilon_2 = check_number(epsilon_2, min = 0),
                clip_threshold = check_number(clip_threshold, min = 0, min_open = TRUE),
                relative_step = check_flag(relative_step))
  opt <- new_optimizer("adafactor", name, learning_rate, hyper, weight_decay, clipnorm, clipvalue,
                       global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                       gradient_accumulation_steps, list(...), keras_class = "adafactor.Adafactor",
                       generator = OptimizerExtra)
  opt$relative_step_clamp <- hyper$relative_step &&
    !(inherits(learning_rate, "recurrent_learning_rate_schedule") || is.function(learning_rate))
  opt
}

# Names compile() resolves to these optimizers.
optimizer_extra_registry <- function() list(
  nadam = optimizer_nadam, adamax = optimizer_adamax, adadelta = optimizer_adadelta, ftrl = optimizer_ftrl,
  lion = optimizer_lion, lamb = optimizer_lamb, adafactor = optimizer_adafactor
)
