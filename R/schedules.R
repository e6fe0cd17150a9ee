# Learning-rate schedules: callable objects mapping the optimizer's step count (0
# before the first step) to a learning rate, with Keras 3's formulas from
# keras/src/optimizers/schedules/learning_rate_schedule.py.

new_schedule <- function(fn, config, keras_class) {
  structure(fn, config = config,
            class = c("recurrent_learning_rate_schedule",
                      paste0("keras.src.optimizers.schedules.learning_rate_schedule.", keras_class),
                      "keras.src.optimizers.schedules.learning_rate_schedule.LearningRateSchedule",
                      "function"))
}

get_config_of_schedule <- function(x) {
  if (inherits(x, "recurrent_learning_rate_schedule")) attr(x, "config") else list(fn = x)
}

#' @export
`$.recurrent_learning_rate_schedule` <- function(x, name) {
  if (name == "get_config") return(function() attr(x, "config"))
  attr(x, "config")[[name]]
}

#' @export
print.recurrent_learning_rate_schedule <- function(x, ...) {
  cfg <- attr(x, "config")
  vals <- vapply(cfg[names(cfg) != "name"], function(v) if (is.null(v)) "NULL" else paste(format(v), collapse = ", "), "")
  cat(sprintf("<LearningRateSchedule %s: %s>\n", cfg$name, paste(names(vals), vals, sep = "=", collapse = ", ")))
  invisible(x)
}

schedule_step <- function(step) {
  if (op_is_tensor(step)) step <- as.array(step)
  as.numeric(step)
}

#' Learning-rate schedules
#'
#' A schedule gives the learning rate as a function of the optimizer's step count
#' (the number of batches trained so far, starting at 0). Pass it as
#' `learning_rate` to an optimizer; it can also be called directly,
#' `schedule(step)`.
#'
#' * `learning_rate_schedule_exponential_decay()`:
#'   `initial_learning_rate * decay_rate ^ (step / decay_steps)`; with
#'   `staircase = TRUE` the exponent is rounded down.
#' * `learning_rate_schedule_inverse_time_decay()`:
#'   `initial_learning_rate / (1 + decay_rate * step / decay_steps)`.
#' * `learning_rate_schedule_piecewise_constant_decay()`: `values[1]` while
#'   `step <= boundaries[1]`, `values[i + 1]` while `boundaries[i] < step <= boundaries[i + 1]`,
#'   and the last value after the last boundary.
#' * `learning_rate_schedule_polynomial_decay()`: from `initial_learning_rate` to
#'   `end_learning_rate` over `decay_steps` steps along `(1 - step / decay_steps) ^ power`.
#' * `learning_rate_schedule_cosine_decay()`: half a cosine from
#'   `initial_learning_rate` down to `alpha * initial_learning_rate` over
#'   `decay_steps` steps, after an optional linear warm-up to `warmup_target`.
#'
#' @param initial_learning_rate Number, the learning rate at step 0.
#' @param decay_steps Positive whole number of steps per decay period.
#' @param decay_rate Number, the decay factor.
#' @param staircase Logical. Decay in discrete intervals. Default `FALSE`.
#' @param boundaries Increasing numbers: the step boundaries.
#' @param values Numbers, one more than `boundaries`: the learning rate in each
#'   interval.
#' @param end_learning_rate Number, the final learning rate. Default `1e-04`.
#' @param power Number, the polynomial's power. Default `1`.
#' @param cycle Logical. Restart the decay after `decay_steps`. Default `FALSE`.
#' @param alpha Number, the final learning rate as a fraction of the initial one.
#'   Default `0`.
#' @param warmup_target `NULL` (no warm-up) or the learning rate reached at the
#'   end of the warm-up.
#' @param warmup_steps Whole number of warm-up steps. Default `0`.
#' @param name String, the schedule's name.
#' @returns A schedule: a function of the step count, with class
#'   `recurrent_learning_rate_schedule`.
#' @examples
#' sched <- learning_rate_schedule_exponential_decay(0.1, decay_steps = 100, decay_rate = 0.5)
#' sched(c(0, 100, 200))
#' opt <- optimizer_sgd(learning_rate = sched)
#' opt$learning_rate
#'
#' pw <- learning_rate_schedule_piecewise_constant_decay(c(10, 20), c(1, 0.5, 0.1))
#' pw(c(0, 10, 11, 21))
#' cosine <- learning_rate_schedule_cosine_decay(1, decay_steps = 10)
#' cosine(0:10)
#' @name learning_rate_schedules
NULL

#' @rdname learning_rate_schedules
#' @export
learning_rate_schedule_exponential_decay <- function(initial_learning_rate, decay_steps, decay_rate,
                                                     staircase = FALSE, name = "ExponentialDecay") {
  initial_learning_rate <- check_number(initial_learning_rate)
  decay_steps <- check_count(decay_steps, min = 1)
  decay_rate <- check_number(decay_rate)
  staircase <- check_flag(staircase)
  new_schedule(function(step) {
    p <- schedule_step(step) / decay_steps
    if (staircase) p <- floor(p)
    initial_learning_rate * decay_rate^p
  }, list(initial_learning_rate = initial_learning_rate, decay_steps = decay_steps,
          decay_rate = decay_rate, staircase = staircase, name = check_string(name)), "ExponentialDecay")
}

#' @rdname learning_rate_schedules
#' @export
learning_rate_schedule_inverse_time_decay <- function(initial_learning_rate, decay_steps, decay_rate,
                                                      staircase = FALSE, name = "InverseTimeDecay") {
  initial_learning_rate <- check_number(initial_learning_rate)
  decay_steps <- check_number(decay_steps, min = 0, min_open = TRUE)
  decay_rate <- check_number(decay_rate)
  staircase <- check_flag(staircase)
  new_schedule(function(step) {
    p <- schedule_step(step) / decay_steps
    if (staircase) p <- floor(p)
    initial_learning_rate / (1 + decay_rate * p)
  }, list(initial_learning_rate = initial_learning_rate, decay_steps = decay_steps,
          decay_rate = decay_rate, staircase = staircase, name = check_string(name)), "InverseTimeDecay")
}

#' @rdname learning_rate_schedules
#' @export
learning_rate_schedule_piecewise_constant_decay <- function(boundaries, values, name = "PiecewiseConstant") {
  if (!is.numeric(boundaries) || anyNA(boundaries) || !length(boundaries))
    recurrent_abort(c("{.arg boundaries} must be a vector of numbers.", x = "Got {describe_value(boundaries)}."))
  if (!is.numeric(values) || anyNA(values) || length(values) != length(boundaries) + 1)
    recurrent_abort(c("{.arg values} must have one more element than {.arg boundaries}.",
                      x = "Got {length(values)} value{?s} for {length(boundaries)} boundar{?y/ies}."))
  boundaries <- as.double(unlist(boundaries))
  values <- as.double(unlist(values))
  new_schedule(function(step) {
    step <- schedule_step(step)
    values[findInterval(step, boundaries, left.open = TRUE) + 1L]
  }, list(boundaries = boundaries, values = values, name = check_string(name)), "PiecewiseConstantDecay")
}

#' @rdname learning_rate_schedules
#' @export
learning_rate_schedule_polynomial_decay <- function(initial_learning_rate, decay_steps, end_learning_rate = 1e-04,
                                                    power = 1, cycle = FALSE, name = "PolynomialDecay") {
  initial_learning_rate <- check_number(initial_learning_rate)
  decay_steps <- check_count(decay_steps, min = 1)
  end_learning_rate <- check_number(end_learning_rate)
  power <- check_number(power)
  cycle <- check_flag(cycle)
  new_schedule(function(step) {
    step <- schedule_step(step)
    steps <- rep(decay_steps, length(step))
    if (cycle) {
      mult <- ifelse(step == 0, 1, ceiling(step / decay_steps))
      steps <- decay_steps * mult
    } else {
      step <- pmin(step, decay_steps)
    }
    (initial_learning_rate - end_learning_rate) * (1 - step / steps)^power + end_learning_rate
  }, list(initial_learning_rate = initial_learning_rate, decay_steps = decay_steps,
          end_learning_rate = end_learning_rate, power = power, cycle = cycle, name = check_string(name)),
  "PolynomialDecay")
}

#' @rdname learning_rate_schedules
#' @export
learning_rate_schedule_cosine_decay <- function(initial_learning_rate, decay_steps, alpha = 0,
                                                name = "CosineDecay", warmup_target = NULL, warmup_steps = 0L) {
  initial_learning_rate <- check_number(initial_learning_rate)
  decay_steps <- check_count(decay_steps, min = 1)
  alpha <- check_number(alpha)
  warmup_target <- check_number(warmup_target, null_ok = TRUE)
  warmup_steps <- check_count(warmup_steps)
  decay <- function(step, from) {
    cosine <- 0.5 * (1 + cos(pi * step / decay_steps))
    from * ((1 - alpha) * cosine + alpha)
  }
  new_schedule(function(step) {
    step <- schedule_step(step)
    if (is.null(warmup_target)) return(decay(pmin(step, decay_steps), initial_learning_rate))
    step <- pmin(step, decay_steps + warmup_steps)
    ifelse(step < warmup_steps,
           (warmup_target - initial_learning_rate) * step / max(warmup_steps, 1) + initial_learning_rate,
           decay(step - warmup_steps, warmup_target))
  }, list(initial_learning_rate = initial_learning_rate, decay_steps = decay_steps, alpha = alpha,
          name = check_string(name), warmup_target = warmup_target, warmup_steps = warmup_steps), "CosineDecay")
}
