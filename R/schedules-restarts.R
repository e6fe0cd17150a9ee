#' Cosine decay with warm restarts
#'
#' SGDR (Loshchilov & Hutter): a cosine decay from `initial_learning_rate` over
#' `first_decay_steps` steps, then restarts, each period `t_mul` times longer than
#' the last and starting `m_mul` times lower; `alpha` is the floor as a fraction
#' of the initial rate. Keras 3's `CosineDecayRestarts`.
#'
#' @param initial_learning_rate Number.
#' @param first_decay_steps Whole number > 0: the first period's length.
#' @param t_mul Number: how much longer each period is. Default `2`.
#' @param m_mul Number: how much lower each restart starts. Default `1`.
#' @param alpha Number: the floor, a fraction of `initial_learning_rate`.
#' @param name String. Default `"SGDRDecay"`.
#' @returns A schedule (class `recurrent_learning_rate_schedule`).
#' @examples
#' sched <- learning_rate_schedule_cosine_decay_restarts(1, first_decay_steps = 10)
#' sched(c(0, 5, 10, 20, 29, 30))
#' optimizer_sgd(learning_rate = sched)
#' @export
learning_rate_schedule_cosine_decay_restarts <- function(initial_learning_rate, first_decay_steps, t_mul = 2,
                                                         m_mul = 1, alpha = 0, name = "SGDRDecay") {
  initial_learning_rate <- check_number(initial_learning_rate)
  first_decay_steps <- check_count(first_decay_steps, min = 1)
  t_mul <- check_number(t_mul, min = 0, min_open = TRUE)
  m_mul <- check_number(m_mul, min = 0)
  alpha <- check_number(alpha)
  new_schedule(function(step) {
    fraction <- schedule_step(step) / first_decay_steps
    if (t_mul == 1) {
      i_restart <- floor(fraction)
      fraction <- fraction - i_restart
    } else {
      # the restart index from the geometric series of period lengths
      i_restart <- floor(log(1 - fraction * (1 - t_mul)) / log(t_mul))
      sum_r <- (1 - t_mul^i_restart) / (1 - t_mul)
      fraction <- (fraction - sum_r) / t_mul^i_restart
    }
    cosine <- 0.5 * m_mul^i_restart * (1 + cos(pi * fraction))
    initial_learning_rate * ((1 - alpha) * cosine + alpha)
  }, list(initial_learning_rate = initial_learning_rate, first_decay_steps = first_decay_steps, t_mul = t_mul,
          m_mul = m_mul, alpha = alpha, name = check_string(name)), "CosineDecayRestarts")
}
