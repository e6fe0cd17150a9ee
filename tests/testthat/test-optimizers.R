expect_weights <- function(got, want, tolerance = 1e-10) {
  expect_equal(lapply(got, as.numeric), lapply(want, as.numeric), tolerance = tolerance)
}

test_that("SGD matches the hand computation, with and without (Nesterov) momentum", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_sgd(learning_rate = 0.1), w, s), ref_sgd(w, s, lr = 0.1))
  expect_weights(run_optimizer(optimizer_sgd(0.05, momentum = 0.9), w, s),
                 ref_sgd(w, s, lr = 0.05, momentum = 0.9))
  expect_weights(run_optimizer(optimizer_sgd(0.05, momentum = 0.9, nesterov = TRUE), w, s),
                 ref_sgd(w, s, lr = 0.05, momentum = 0.9, nesterov = TRUE))
})

test_that("SGD's momentum form is v = m * v - lr * g, w = w + v (two steps by hand)", {
  opt <- optimizer_sgd(learning_rate = 0.1, momentum = 0.5)
  got <- run_optimizer(opt, list(1), list(list(2), list(2)))
  # step 1: v = -0.2, w = 0.8; step 2: v = 0.5 * -0.2 - 0.2 = -0.3, w = 0.5
  expect_equal(as.numeric(got[[1]]), 0.5)
  expect_equal(opt$iterations, 2)
})

test_that("Adam matches the hand computation (bias correction in the step, epsilon after sqrt)", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_adam(), w, s), ref_adam(w, s))
  expect_weights(run_optimizer(optimizer_adam(learning_rate = 0.1, beta_1 = 0.5, epsilon = 0.1), w, s),
                 ref_adam(w, s, lr = 0.1, beta_1 = 0.5, epsilon = 0.1))
  expect_weights(run_optimizer(optimizer_adam(learning_rate = 0.01, amsgrad = TRUE), w, s),
                 ref_adam(w, s, lr = 0.01, amsgrad = TRUE))
})

test_that("Adam's first step moves every weight by about the learning rate", {
  got <- run_optimizer(optimizer_adam(learning_rate = 0.1), list(c(1, 1)), list(list(c(3, -0.5))))
  expect_equal(as.numeric(got[[1]]), c(0.9, 1.1), tolerance = 1e-6)
})

test_that("AdamW decays the weights by weight * weight_decay * lr before the Adam step", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_adam_w(learning_rate = 0.01, weight_decay = 0.1), w, s),
                 ref_adam(w, s, lr = 0.01, weight_decay = 0.1))
  expect_identical(optimizer_adamw, optimizer_adam_w)
  expect_error(optimizer_adam_w(weight_decay = NULL), class = "recurrent_error_argument")
})

test_that("RMSprop matches the hand computation (plain, momentum, centered)", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_rmsprop(), w, s), ref_rmsprop(w, s))
  expect_weights(run_optimizer(optimizer_rmsprop(0.01, rho = 0.8, momentum = 0.9), w, s),
                 ref_rmsprop(w, s, lr = 0.01, rho = 0.8, momentum = 0.9))
  expect_weights(run_optimizer(optimizer_rmsprop(0.01, centered = TRUE), w, s),
                 ref_rmsprop(w, s, lr = 0.01, centered = TRUE))
  expect_weights(run_optimizer(optimizer_rmsprop(0.01, centered = TRUE, momentum = 0.5), w, s),
                 ref_rmsprop(w, s, lr = 0.01, centered = TRUE, momentum = 0.5))
})

test_that("RMSprop's defaults are Keras's (lr 0.001, rho 0.9, epsilon inside the sqrt)", {
  opt <- optimizer_rmsprop()
  expect_equal(opt$learning_rate, 0.001)
  expect_equal(opt$hyper$rho, 0.9)
  # one step: v = 0.1 * g^2; w -= 0.001 * g / sqrt(v + 1e-7)
  got <- run_optimizer(opt, list(0), list(list(2)))
  expect_equal(as.numeric(got[[1]]), -0.001 * 2 / sqrt(0.4 + 1e-7))
})

test_that("Adagrad matches the hand computation", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_adagrad(), w, s), ref_adagrad(w, s))
  expect_weights(run_optimizer(optimizer_adagrad(0.5, initial_accumulator_value = 1, epsilon = 0.01), w, s),
                 ref_adagrad(w, s, lr = 0.5, initial_accumulator_value = 1, epsilon = 0.01))
})

test_that("clipnorm, clipvalue and global_clipnorm clip as Keras does", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_sgd(0.1, clipnorm = 1), w, s), ref_sgd(w, s, lr = 0.1, clipnorm = 1))
  expect_weights(run_optimizer(optimizer_sgd(0.1, clipvalue = 0.5), w, s), ref_sgd(w, s, lr = 0.1, clipvalue = 0.5))
  expect_weights(run_optimizer(optimizer_sgd(0.1, global_clipnorm = 1), w, s),
                 ref_sgd(w, s, lr = 0.1, global_clipnorm = 1))
  expect_weights(run_optimizer(optimizer_adam(0.01, clipnorm = 0.3), w, s), ref_adam(w, s, lr = 0.01, clipnorm = 0.3))
  expect_weights(run_optimizer(optimizer_rmsprop(0.01, momentum = 0.9, global_clipnorm = 2), w, s),
                 ref_rmsprop(w, s, lr = 0.01, momentum = 0.9, global_clipnorm = 2))
  # a small gradient is left alone
  got <- run_optimizer(optimizer_sgd(1, clipnorm = 10), list(c(0, 0)), list(list(c(3, 4))))
  expect_equal(as.numeric(got[[1]]), c(-3, -4))
  expect_error(optimizer_sgd(clipnorm = 1, clipvalue = 1), class = "recurrent_error_argument")
})

test_that("weight_decay works for every optimizer and honours exclude_from_weight_decay()", {
  w <- optim_test_weights(); s <- optim_test_steps()
  expect_weights(run_optimizer(optimizer_sgd(0.1, weight_decay = 0.01), w, s),
                 ref_sgd(w, s, lr = 0.1, weight_decay = 0.01))
  expect_weights(run_optimizer(optimizer_adagrad(0.1, weight_decay = 0.05), w, s),
                 ref_adagrad(w, s, lr = 0.1, weight_decay = 0.05))
  opt <- optimizer_sgd(0.1, weight_decay = 0.5)
  opt$exclude_from_weight_decay(var_names = "w2")
  got <- run_optimizer(opt, list(1, 1), list(list(0, 0)))
  expect_equal(as.numeric(unlist(got)), c(0.95, 1))
})

test_that("a learning-rate schedule is evaluated at the step count before each step", {
  sched <- learning_rate_schedule_exponential_decay(0.1, decay_steps = 1, decay_rate = 0.5)
  w <- optim_test_weights(); s <- optim_test_steps()
  opt <- optimizer_sgd(learning_rate = sched)
  expect_weights(run_optimizer(opt, w, s), ref_sgd(w, s, lr = function(t) 0.1 * 0.5^t))
  expect_equal(opt$learning_rate, 0.1 * 0.5^4)
  expect_error(opt$learning_rate <- 0.1, class = "recurrent_error")
  f <- optimizer_adam(learning_rate = function(step) 0.01 / (step + 1))
  expect_weights(run_optimizer(f, w, s), ref_adam(w, s, lr = function(t) 0.01 / (t + 1)))
})

test_that("the learning rate can be read and assigned", {
  opt <- optimizer_adam()
  expect_equal(opt$learning_rate, 0.001)
  opt$learning_rate <- 0.5
  expect_equal(opt$learning_rate, 0.5)
  expect_error(opt$learning_rate <- "fast", class = "recurrent_error_argument")
  expect_error(opt$learning_rate <- -1, class = "recurrent_error_argument")
})

test_that("float32 variables update in float32 within float tolerance", {
  v <- new_variable(c(1, 2), name = "w", dtype = "float32")
  opt <- optimizer_adam(0.1)
  for (i in 1:3) opt$apply(list(op_convert_to_tensor(c(0.5, -1), dtype = "float32")), list(v))
  want <- ref_adam(list(c(1, 2)), rep(list(list(c(0.5, -1))), 3), lr = 0.1)[[1]]
  expect_equal(cpp_dtype(v$handle), "float32")
  expect_equal(as.numeric(as.array(v$value)), want, tolerance = 1e-5)
})

test_that("a variable without a gradient (NULL) is skipped", {
  a <- new_variable(1, name = "a", dtype = "float64"); b <- new_variable(1, name = "b", dtype = "float64")
  opt <- optimizer_sgd(1)
  opt$apply(list(op_convert_to_tensor(0.5, dtype = "float64"), NULL), list(a, b))
  expect_equal(as.numeric(as.array(a$value)), 0.5)
  expect_equal(as.numeric(as.array(b$value)), 1)
  expect_error(opt$apply(list(NULL, NULL), list(a, b)), class = "recurrent_error_argument")
})

test_that("a failed step (wrong gradient shape) leaves every weight and slot unchanged", {
  a <- new_variable(c(1, 1), name = "a", dtype = "float64"); b <- new_variable(c(2, 2), name = "b", dtype = "float64")
  opt <- optimizer_adam(0.1)
  bad <- list(op_convert_to_tensor(c(1, 1), dtype = "float64"), op_convert_to_tensor(c(1, 1, 1), dtype = "float64"))
  expect_error(opt$apply(bad, list(a, b)))
  expect_equal(as.numeric(as.array(a$value)), c(1, 1))
  expect_equal(opt$iterations, 0)
})

test_that("constraints apply after the update", {
  v <- new_variable(c(1, -1), name = "w", dtype = "float64", constraint = constraint_nonneg())
  opt <- optimizer_sgd(1)
  opt$apply(list(op_convert_to_tensor(c(-1, 1), dtype = "float64")), list(v))
  expect_equal(as.numeric(as.array(v$value)), c(2, 0))
})

test_that("use_ema keeps a moving average and finalize_variable_values() swaps it in", {
  v <- new_variable(0, name = "w", dtype = "float64")
  opt <- optimizer_sgd(1, use_ema = TRUE, ema_momentum = 0.5)
  g <- op_convert_to_tensor(-1, dtype = "float64")
  for (i in 1:3) opt$apply(list(g), list(v))
  # weights 1, 2, 3; average: 1 (first step copies), 0.5*1 + 0.5*2 = 1.5, 0.5*1.5 + 0.5*3 = 2.25
  expect_equal(as.numeric(as.array(v$value)), 3)
  opt$finalize_variable_values(list(v))
  expect_equal(as.numeric(as.array(v$value)), 2.25)
  w <- new_variable(0, name = "w", dtype = "float64")
  o2 <- optimizer_sgd(1, use_ema = TRUE, ema_momentum = 0.5, ema_overwrite_frequency = 2)
  for (i in 1:2) o2$apply(list(g), list(w))
  expect_equal(as.numeric(as.array(w$value)), 1.5)
})

test_that("gradient_accumulation_steps updates with the mean gradient every n steps", {
  v <- new_variable(0, name = "w", dtype = "float64")
  opt <- optimizer_sgd(1, gradient_accumulation_steps = 2)
  opt$apply(list(op_convert_to_tensor(1, dtype = "float64")), list(v))
  expect_equal(as.numeric(as.array(v$value)), 0)
  opt$apply(list(op_convert_to_tensor(3, dtype = "float64")), list(v))
  expect_equal(as.numeric(as.array(v$value)), -2)
})

test_that("loss_scale_factor scales the loss and unscales the gradients", {
  opt <- optimizer_sgd(0.1, loss_scale_factor = 4)
  expect_equal(as.numeric(as.array(opt$scale_loss(op_convert_to_tensor(2)))), 8)
  got <- run_optimizer(opt, list(1), list(list(8)))
  expect_equal(as.numeric(got[[1]]), 1 - 0.1 * 2)
})

test_that("optimizers resolve from strings and print", {
  expect_s3_class(resolve_optimizer("adam"), "keras.src.optimizers.adam.Adam")
  expect_equal(resolve_optimizer("RMSprop")$learning_rate, 0.001)
  expect_equal(resolve_optimizer("sgd")$learning_rate, 0.01)
  expect_s3_class(resolve_optimizer("adamw"), "keras.src.optimizers.adamw.AdamW")
  expect_equal(resolve_optimizer("adagrad")$hyper$initial_accumulator_value, 0.1)
  expect_error(resolve_optimizer("adamaxx"), class = "recurrent_error_argument")
  expect_output(print(optimizer_adam()), "Optimizer adam")
  expect_equal(optimizer_sgd()$name, "SGD")
})

test_that("bad optimizer arguments are argument errors", {
  expect_error(optimizer_sgd(learning_rate = "a"), class = "recurrent_error_argument")
  expect_error(optimizer_sgd(momentum = 2), class = "recurrent_error_argument")
  expect_error(optimizer_sgd(nesterov = NA), class = "recurrent_error_argument")
  expect_error(optimizer_adam(beta_1 = -1), class = "recurrent_error_argument")
  expect_error(optimizer_adam(amsgrad = "yes"), class = "recurrent_error_argument")
  expect_error(optimizer_rmsprop(centered = 1), class = "recurrent_error_argument")
  expect_error(optimizer_adagrad(epsilon = -1), class = "recurrent_error_argument")
  expect_error(optimizer_adam(ema_momentum = 2), class = "recurrent_error_argument")
  expect_error(optimizer_adam(gradient_accumulation_steps = 1), class = "recurrent_error_argument")
  expect_error(optimizer_adam(lerning_rate = 0.1), class = "recurrent_error_argument")
  expect_snapshot(optimizer_sgd(clipnorm = 1, global_clipnorm = 1), error = TRUE)
})
