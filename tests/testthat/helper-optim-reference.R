# Plain-R optimizer updates written from the formulas in Keras 3's
# keras/src/optimizers/*.py, for several steps on a list of weights. Each takes the
# weights (list of numeric arrays) and a list of steps, each step a list of
# gradients, and returns the weights after all steps. Nothing from the package.

ref_clip <- function(grads, clipnorm = NULL, clipvalue = NULL, global_clipnorm = NULL) {
  if (!is.null(clipnorm)) {
    return(lapply(grads, function(g) g * clipnorm / max(sqrt(sum(g^2)), clipnorm)))
  }
  if (!is.null(global_clipnorm)) {
    norm <- sqrt(sum(vapply(grads, function(g) sum(g^2), 0)))
    scale <- global_clipnorm * min(1 / norm, 1 / global_clipnorm)
    return(lapply(grads, function(g) g * scale))
  }
  if (!is.null(clipvalue)) return(lapply(grads, function(g) pmin(pmax(g, -clipvalue), clipvalue)))
  grads
}

ref_optimize <- function(weights, steps, update, init_slots, lr = 0.01, weight_decay = NULL, ...) {
  slots <- lapply(weights, init_slots)
  for (t in seq_along(steps)) {
    grads <- ref_clip(steps[[t]], ...)
    lr_t <- if (is.function(lr)) lr(t - 1) else lr
    for (i in seq_along(weights)) {
      if (!is.null(weight_decay)) weights[[i]] <- weights[[i]] - weights[[i]] * weight_decay * lr_t
      res <- update(weights[[i]], grads[[i]], slots[[i]], lr_t, t)
      weights[[i]] <- res$w
      slots[[i]] <- res$s
    }
  }
  weights
}

ref_sgd <- function(weights, steps, lr = 0.01, momentum = 0, nesterov = FALSE, ...) {
  ref_optimize(weights, steps, lr = lr, ..., init_slots = function(w) list(v = 0 * w),
    update = function(w, g, s, lr, t) {
      if (momentum == 0) return(list(w = w - lr * g, s = s))
      v <- momentum * s$v - lr * g
      w <- if (nesterov) w + momentum * v - lr * g else w + v
      list(w = w, s = list(v = v))
    })
}

ref_adam <- function(weights, steps, lr = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7,
                     amsgrad = FALSE, ...) {
  ref_optimize(weights, steps, lr = lr, ..., init_slots = function(w) list(m = 0 * w, v = 0 * w, vhat = 0 * w),
    update = function(w, g, s, lr, t) {
      m <- s$m + (g - s$m) * (1 - beta_1)
      v <- s$v + (g^2 - s$v) * (1 - beta_2)
      vhat <- pmax(s$vhat, v)
      alpha <- lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
      denom <- if (amsgrad) vhat else v
      list(w = w - m * alpha / (sqrt(denom) + epsilon), s = list(m = m, v = v, vhat = vhat))
    })
}

ref_rmsprop <- function(weights, steps, lr = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-7,
                        centered = FALSE, ...) {
  ref_optimize(weights, steps, lr = lr, ..., init_slots = function(w) list(vel = 0 * w, mom = 0 * w, avg = 0 * w),
    update = function(w, g, s, lr, t) {
      vel <- rho * s$vel + (1 - rho) * g^2
      avg <- rho * s$avg + (1 - rho) * g
      denom <- if (centered) vel - avg^2 + epsilon else vel + epsilon
      inc <- lr * g / sqrt(denom)
      mom <- momentum * s$mom + inc
      list(w = w - if (momentum > 0) mom else inc, s = list(vel = vel, mom = mom, avg = avg))
    })
}

ref_adagrad <- function(weights, steps, lr = 0.001, initial_accumulator_value = 0.1, epsilon = 1e-7, ...) {
  ref_optimize(weights, steps, lr = lr, ..., init_slots = function(w) list(acc = 0 * w + initial_accumulator_value),
    update = function(w, g, s, lr, t) {
      acc <- s$acc + g^2
      list(w = w - lr * g / sqrt(acc + epsilon), s = list(acc = acc))
    })
}

# Run a package optimizer on float64 variables made from `weights` with the given
# gradient steps; returns the variables' values.
run_optimizer <- function(opt, weights, steps) {
  vars <- lapply(seq_along(weights), function(i) {
    new_variable(op_convert_to_tensor(weights[[i]], dtype = "float64"), name = paste0("w", i), dtype = "float64")
  })
  for (grads in steps) {
    opt$apply(lapply(grads, function(g) op_convert_to_tensor(g, dtype = "float64")), vars)
  }
  lapply(vars, function(v) as.array(v$value))
}

optim_test_weights <- function() list(array(c(1, -2, 0.5, 3, -1, 2), c(2, 3)), c(0.1, -0.4))

optim_test_steps <- function(n = 4) {
  withr::with_seed(42, lapply(seq_len(n), function(i) {
    list(array(stats::rnorm(6, sd = 2), c(2, 3)), stats::rnorm(2))
  }))
}
