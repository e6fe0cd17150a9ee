# Expected values are Keras 3's own test values, from keras-team/keras
# keras/src/optimizers/<name>_test.py (test_single_step and
# test_correctness_with_golden), which use rtol = atol = 1e-4 (single step) and
# 5e-4 (golden).

single_step <- function(opt, w = c(1, 2, 3, 4), g = c(1, 6, 7, 2)) {
  run_optimizer(opt, list(w), list(list(g)))[[1]]
}

# x starts at ones(10); one step with gradient 0.01 everywhere, then steps with
# gradient (0.1, 0.2, ..., 1.0); `golden` rows are x after step 1, 2, ...
expect_golden <- function(opt, golden) {
  grads <- seq(0.1, 1, by = 0.1)
  steps <- c(list(list(rep(0.01, 10))), rep(list(list(grads)), nrow(golden) - 1))
  for (i in seq_len(nrow(golden))) {
    got <- run_optimizer(opt, list(rep(1, 10)), steps[seq_len(i)])[[1]]
    expect_allclose(got, golden[i, ], rtol = 5e-4, atol = 5e-4)
    opt <- opt$clone_fresh()
  }
}

fresh <- function(make) {
  opt <- make()
  opt$clone_fresh <- function() fresh(make)
  opt
}

test_that("Nadam: Keras's single step and golden values (nadam_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_nadam(learning_rate = 0.5))),
               c(0.4686, 1.4686, 2.4686, 3.4686), rtol = 1e-4, atol = 1e-4)
  golden <- rbind(
    rep(0.4281, 10),
    c(-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717),
    c(-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084),
    c(-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299),
    c(-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454))
  expect_golden(fresh(function() optimizer_nadam(learning_rate = 0.5, beta_1 = 0.5, beta_2 = 0.67, epsilon = 1e-5)),
                golden)
})

test_that("Adamax: Keras's single step and golden values (adamax_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_adamax(learning_rate = 0.5))), c(0.5, 1.5, 2.5, 3.5),
               rtol = 1e-4, atol = 1e-4)
  golden <- rbind(
    rep(0.8, 10),
    c(0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691),
    c(0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466),
    c(0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848),
    c(0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126))
  expect_golden(fresh(function() optimizer_adamax(learning_rate = 0.2, beta_1 = 0.85, beta_2 = 0.95, epsilon = 1e-6)),
                golden)
})

test_that("Adadelta: Keras's single step and golden values (adadelta_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_adadelta(learning_rate = 0.5))),
               c(0.9993, 1.9993, 2.9993, 3.9993), rtol = 1e-4, atol = 1e-4)
  golden <- matrix(rep(c(0.9978, 0.9947, 0.9915, 0.9882, 0.9849), 10), 5)
  expect_golden(fresh(function() optimizer_adadelta(learning_rate = 1, rho = 0.8, epsilon = 1e-6)), golden)
})

test_that("Ftrl: Keras's single step and golden values (ftrl_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_ftrl(learning_rate = 0.5))),
               c(0.2218, 1.3954, 2.3651, 2.8814), rtol = 1e-4, atol = 1e-4)
  golden <- rbind(
    rep(0, 10),
    c(-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354),
    c(-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685),
    c(-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999),
    c(-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299))
  expect_golden(fresh(function() optimizer_ftrl(learning_rate = 0.05, learning_rate_power = -0.2,
                                                initial_accumulator_value = 0.4, l1_regularization_strength = 0.05,
                                                l2_regularization_strength = 0.15,
                                                l2_shrinkage_regularization_strength = 0.01, beta = 0.3)),
                golden)
})

test_that("Lion: Keras's single step and golden values (lion_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_lion(learning_rate = 0.5))), c(0.5, 1.5, 2.5, 3.5),
               rtol = 1e-4, atol = 1e-4)
  golden <- matrix(rep(c(0.999, 0.998, 0.997, 0.996, 0.995), 10), 5)
  expect_golden(fresh(function() optimizer_lion()), golden)
  expect_error(optimizer_lion(beta_1 = 0), class = "recurrent_error")
})

test_that("Lamb: Keras's single step and golden values (lamb_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_lamb(learning_rate = 0.5))),
               c(-0.3693, 0.6306, 1.6306, 2.6306), rtol = 1e-4, atol = 1e-4)
  golden <- matrix(rep(c(0.999, 0.9982, 0.9974, 0.9965, 0.9955), 10), 5)
  expect_golden(fresh(function() optimizer_lamb()), golden)
})

test_that("Adafactor: Keras's 1-d and 2-d single steps and golden values (adafactor_test.py)", {
  expect_allclose(as.numeric(single_step(optimizer_adafactor(learning_rate = 0.5))),
               c(-0.3693, 0.6307, 1.6307, 2.6307), rtol = 1e-4, atol = 1e-4)
  got <- run_optimizer(optimizer_adafactor(learning_rate = 0.5), list(rbind(c(1, 2), c(3, 4))),
                       list(list(rbind(c(1, 6), c(7, 2)))))[[1]]
  expect_allclose(got, rbind(c(0.7007, -0.0081), c(1.2492, 3.4407)), rtol = 1e-4, atol = 1e-4)
  golden <- rbind(
    rep(0.55, 10),
    c(0.3031, 0.3026, 0.3025, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024),
    c(0.1671, 0.1665, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663),
    c(0.0923, 0.0916, 0.0915, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914),
    c(0.0554, 0.0548, 0.0546, 0.0546, 0.0546, 0.0546, 0.0546, 0.0545, 0.0545, 0.0545))
  expect_golden(fresh(function() optimizer_adafactor(learning_rate = 0.5, beta_2_decay = -0.65, epsilon_1 = 1e-15,
                                                     epsilon_2 = 1e-4, clip_threshold = 0.9,
                                                     relative_step = FALSE)),
                golden)
})

test_that("the new optimizers take the shared options, train a model and resolve by name", {
  # clipvalue 0.5 clips (1, 6, 7, 2) to 0.5 each; Lion's step is lr * sign, unchanged
  expect_allclose(as.numeric(single_step(optimizer_lion(learning_rate = 0.5, clipvalue = 0.5))), c(0.5, 1.5, 2.5, 3.5))
  # Adamax's first step is lr * m / ((1 - beta_1) * (|g| + eps)) = lr for any gradient,
  # so a clipped gradient moves the weights by the same amount
  expect_allclose(as.numeric(single_step(optimizer_adamax(learning_rate = 0.5, clipnorm = 1))), c(0.5, 1.5, 2.5, 3.5),
               rtol = 1e-5)
  for (nm in c("nadam", "adamax", "adadelta", "ftrl", "lion", "lamb", "adafactor")) {
    opt <- resolve_optimizer(nm)
    expect_s3_class(opt, "recurrent_optimizer")
    expect_identical(opt$kind, nm)
  }
  expect_s3_class(optimizer_nadam(), "keras.src.optimizers.nadam.Nadam")
  cfg <- optimizer_ftrl(l1_regularization_strength = 0.1)$get_config()
  expect_identical(cfg$l1_regularization_strength, 0.1)
  expect_identical(cfg$name, "ftrl")
  expect_null(optimizer_adafactor()$get_config()$relative_step_clamp)
  expect_error(optimizer_ftrl(learning_rate_power = 0.5), class = "recurrent_error")
  expect_error(optimizer_nadam(foo = 1), class = "recurrent_error")

  set.seed(1)
  x <- array(runif(64 * 5 * 2), c(64, 5, 2))
  y <- apply(x, 1, sum)
  for (opt in list(optimizer_nadam(0.01), optimizer_lamb(0.01), optimizer_adafactor(0.05))) {
    model <- keras_model_sequential(input_shape = c(5, 2)) |> layer_lstm(4) |> layer_dense(1)
    model |> compile(optimizer = opt, loss = "mse")
    h <- model |> fit(x, y, epochs = 8, batch_size = 16, verbose = 0)
    expect_lt(tail(h$metrics$loss, 1), h$metrics$loss[1])
  }
})
