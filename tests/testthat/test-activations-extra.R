# Expected values from the formulas of Keras's numpy backend (keras/src/backend/numpy/nn.py)
# written out in base R, and sparsemax from its definition (projection onto the simplex).

x <- c(-2.5, -1, -0.7, -0.2, 0, 0.3, 0.5, 1, 1.8)

test_that("the extra activations match their base-R formulas", {
  hs <- pmin(pmax(x + 3, 0), 6) / 6
  expect_allclose(activation_hard_silu(x), x * hs, rtol = 1e-6, atol = 1e-7)
  expect_identical(activation_hard_swish, activation_hard_silu)
  expect_allclose(activation_celu(x, alpha = 0.5), pmax(x, 0) + 0.5 * expm1(pmin(x, 0) / 0.5), rtol = 1e-6, atol = 1e-7)
  expect_allclose(activation_hard_tanh(x), pmin(pmax(x, -1), 1))
  expect_allclose(activation_log_sigmoid(x), log(plogis(x)), rtol = 1e-6)
  expect_allclose(activation_hard_shrink(x), ifelse(abs(x) > 0.5, x, 0))
  expect_allclose(activation_soft_shrink(x), ifelse(x > 0.5, x - 0.5, ifelse(x < -0.5, x + 0.5, 0)), atol = 1e-7)
  expect_allclose(activation_tanh_shrink(x), x - tanh(x), rtol = 1e-6, atol = 1e-7)
  expect_allclose(activation_squareplus(x), (x + sqrt(x^2 + 4)) / 2, rtol = 1e-6)
  expect_allclose(activation_sparse_plus(x), ifelse(x <= -1, 0, ifelse(x < 1, (x + 1)^2 / 4, x)), rtol = 1e-6)
  expect_allclose(activation_sparse_sigmoid(x), ifelse(x <= -1, 0, ifelse(x >= 1, 1, (x + 1) / 2)), rtol = 1e-6)
  expect_allclose(activation_threshold(x, 0.2, -9), ifelse(x > 0.2, x, -9))
  expect_allclose(activation_glu(rbind(c(1, 2, 0, 1))), c(1, 2) * plogis(c(0, 1)), rtol = 1e-6)
  expect_error(activation_glu(c(1, 2, 3)), class = "recurrent_error")
})

test_that("sparsemax is the projection onto the simplex", {
  # by hand: for z = (1, 2, 3.5), the support is {3.5}: tau = 2.5, p = (0, 0, 1);
  # for z = (0.5, 0.6, 0.1) all three are supported: tau = (1.2 - 1) / 3, p = z - tau;
  # for z = (0.5, 0.9, 0.1): support {0.9, 0.5}, tau = 0.2, p = (0.3, 0.7, 0)
  expect_allclose(activation_sparsemax(c(1, 2, 3.5)), c(0, 0, 1), atol = 1e-6)
  expect_allclose(activation_sparsemax(rbind(c(0.5, 0.6, 0.1))), c(0.5, 0.6, 0.1) - 0.2 / 3, atol = 1e-6)
  expect_allclose(activation_sparsemax(rbind(c(0.5, 0.9, 0.1))), c(0.3, 0.7, 0), atol = 1e-6)
  # Keras's test (activations_test.py test_sparsemax): linspace(1, 12) -> one-hot on the largest
  x2 <- matrix(1:12, ncol = 2, byrow = TRUE)
  expect_allclose(activation_sparsemax(x2), cbind(0, rep(1, 6)), atol = 1e-6)
  expect_allclose(activation_sparsemax(x2, axis = 1), rbind(matrix(0, 5, 2), c(1, 1)), atol = 1e-6)
  p <- as.array(activation_sparsemax(rbind(c(0.2, -0.1, 0.4, 0.35), c(2, 0, 0, 1))))
  expect_allclose(rowSums(p), c(1, 1), atol = 1e-6)
  # Keras's tests added with its fix of the threshold (keras-team/keras PR #23469,
  # activations_test.py): closely spaced logits keep four values in the support,
  # and every slice sums to one
  expect_allclose(activation_sparsemax(c(0.1, 0.2, 0.3, 0.4, 0.5)), c(0, 0.1, 0.2, 0.3, 0.4), atol = 1e-6)
  expect_allclose(rowSums(as.array(activation_sparsemax(rbind(c(0.1, 0.2, 0.3), c(-1, 0.5, 0.4))))), c(1, 1),
                  atol = 1e-6)
  # keras-team/keras issue #23425: (0, 0.5, 1) -> (0, 0.25, 0.75)
  expect_allclose(activation_sparsemax(c(0, 0.5, 1)), c(0, 0.25, 0.75), atol = 1e-6)
})

test_that("the extra activations resolve by name and have gradients", {
  for (nm in c("hard_silu", "hard_swish", "celu", "hard_tanh", "log_sigmoid", "hard_shrink", "soft_shrink",
               "tanh_shrink", "squareplus", "sparse_plus", "sparse_sigmoid", "sparsemax", "glu"))
    expect_true(is.function(get_activation(nm)))
  layer <- layer_dense(units = 2, activation = "celu")
  expect_identical(dim(layer(matrix(1, 3, 4))), c(3L, 2L))
  xs <- c(-2.5, -0.7, -0.2, 0.3, 0.8, 1.8)
  for (f in list(activation_hard_silu, activation_celu, activation_log_sigmoid, activation_soft_shrink,
                 activation_tanh_shrink, activation_squareplus, activation_sparse_plus))
    expect_grad(f, xs)
  expect_grad(function(x) activation_glu(x), matrix(xs, 1))
})

test_that("cosine decay restarts gives Keras's reference values (learning_rate_schedule_test.py)", {
  # the test's own numpy reference, as an R loop
  ref <- function(step, decay_steps, t_mul = 2, m_mul = 1, alpha = 0) {
    fac <- 1
    while (step >= decay_steps) {
      step <- step - decay_steps
      decay_steps <- decay_steps * t_mul
      fac <- fac * m_mul
    }
    (1 - alpha) * fac * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha
  }
  for (step in seq(0, 1250, by = 250)) {
    expect_equal(learning_rate_schedule_cosine_decay_restarts(1, 1000)(step), ref(step, 1000), tolerance = 1e-6)
    expect_equal(learning_rate_schedule_cosine_decay_restarts(1, 1000, alpha = 0.1)(step),
                 ref(step, 1000, alpha = 0.1), tolerance = 1e-6)
    expect_equal(learning_rate_schedule_cosine_decay_restarts(1, 1000, m_mul = 0.9)(step),
                 ref(step, 1000, m_mul = 0.9), tolerance = 1e-6)
    expect_equal(learning_rate_schedule_cosine_decay_restarts(1, 1000, t_mul = 1)(step),
                 ref(step, 1000, t_mul = 1), tolerance = 1e-6)
  }
  s <- learning_rate_schedule_cosine_decay_restarts(0.05, 10, t_mul = 3, m_mul = 4, alpha = 0.1, name = "my_cdr")
  expect_identical(s$get_config()$t_mul, 3)
  expect_s3_class(s, "keras.src.optimizers.schedules.learning_rate_schedule.CosineDecayRestarts")
})
