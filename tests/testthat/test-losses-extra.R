# Expected values are Keras 3's own, from keras-team/keras
# keras/src/losses/losses_test.py (HingeTest, SquaredHingeTest, CategoricalHingeTest,
# CosineSimilarityTest, BinaryFocalCrossentropyTest, CategoricalFocalCrossentropyTest),
# which check them to 3 decimals (assertAlmostEqual(..., 3)).

yt <- rbind(c(0, 1), c(0, 0))
yp <- rbind(c(0.6, 0.4), c(0.4, 0.6))

test_that("hinge, squared hinge and categorical hinge give Keras's tested values", {
  expect_allclose(loss_hinge()(yt, yp), 1.3, atol = 1e-3)
  expect_allclose(loss_hinge(reduction = "sum")(yt, yp), 2.6, atol = 1e-3)
  expect_allclose(loss_hinge(reduction = NULL)(yt, yp), c(1.1, 1.5), atol = 1e-6)
  expect_allclose(loss_hinge()(yt, yp, sample_weight = c(1, 0)), 0.55, atol = 1e-3)
  expect_allclose(loss_hinge()(yt, yp, sample_weight = 0), 0, atol = 1e-7)
  expect_allclose(loss_squared_hinge()(yt, yp), 1.86, atol = 1e-3)
  expect_allclose(loss_squared_hinge(reduction = NULL)(yt, yp), c(1.46, 2.26), atol = 1e-6)
  expect_allclose(loss_squared_hinge()(yt, yp, sample_weight = c(1, 0)), 0.73, atol = 1e-3)
  expect_allclose(loss_categorical_hinge()(yt, yp), 1.4, atol = 1e-3)
  expect_allclose(loss_categorical_hinge(reduction = NULL)(yt, yp), c(1.2, 1.6), atol = 1e-6)
  expect_error(loss_hinge(reduction = "abc"), class = "recurrent_error")
  # -1/1 labels are used as they are
  expect_allclose(loss_hinge(rbind(c(-1, 1)), rbind(c(0.6, 0.4))), mean(c(1.6, 0.6)), rtol = 1e-6)
})

test_that("cosine similarity gives Keras's tested value and config", {
  y_true <- rbind(c(1, 9, 2), c(-5, -2, 6))
  y_pred <- rbind(c(4, 8, 12), c(8, 1, 3))
  l2 <- function(m) m / sqrt(rowSums(m^2))
  expected <- rowSums(l2(y_true) * l2(y_pred))   # the test's own numpy formula
  expect_allclose(loss_cosine_similarity()(y_true, y_pred), -mean(expected), atol = 1e-3)
  expect_allclose(loss_cosine_similarity()(y_true, y_pred, sample_weight = 2.3), -mean(expected * 2.3), atol = 1e-3)
  cfg <- loss_cosine_similarity(axis = 2, reduction = "sum", name = "cosine_loss")$get_config()
  expect_identical(cfg, list(name = "cosine_loss", reduction = "sum", axis = 2L))
  expect_grad(function(p) loss_cosine_similarity(y_true, p), y_pred)
})

test_that("binary focal crossentropy gives Keras's tested values", {
  y_true <- rbind(c(1, 0), c(1, 0))
  y_pred <- rbind(c(0.9, 0.8), c(0.7, 0.2))
  expect_allclose(loss_binary_focal_crossentropy(gamma = 2)(y_true, y_pred), 0.268, atol = 1e-3)
  expect_allclose(loss_binary_focal_crossentropy(gamma = 2, reduction = NULL)(y_true, y_pred), c(0.515547, 0.020513),
                  rtol = 1e-5, atol = 1e-6)
  expect_allclose(loss_binary_focal_crossentropy(gamma = 2)(y_true, y_pred, sample_weight = 1.23), 0.3296, atol = 1e-3)
  expect_allclose(loss_binary_focal_crossentropy(gamma = 2)(y_true, y_pred, sample_weight = matrix(c(1.2, 3.4), 2)),
                  0.34415, atol = 1e-3)
  y_true <- rbind(c(1, 1, 0), c(0, 1, 0))
  logits <- rbind(c(1.5, -2.7, 2.9), c(-3.8, 1.2, -4.5))
  expect_allclose(loss_binary_focal_crossentropy(gamma = 3, from_logits = TRUE)(y_true, logits), 0.799, atol = 1e-3)
  expect_allclose(loss_binary_focal_crossentropy(gamma = 3, from_logits = TRUE)(y_true, logits, sample_weight = 3.21),
                  2.565, atol = 1e-3)
  eye <- diag(3)
  expect_allclose(loss_binary_focal_crossentropy(gamma = 1.5)(eye, eye), 0, atol = 1e-3)
  expect_grad(function(z) loss_binary_focal_crossentropy(y_true, z, from_logits = TRUE, apply_class_balancing = TRUE),
              logits)
})

test_that("categorical focal crossentropy gives Keras's tested values", {
  y_true <- diag(3)
  y_pred <- rbind(c(0.9, 0.05, 0.05), c(0.5, 0.89, 0.6), c(0.05, 0.01, 0.94))
  expect_allclose(loss_categorical_focal_crossentropy()(y_true, y_pred), 0.02059, atol = 1e-3)
  logits <- rbind(c(8, 1, 1), c(0, 9, 1), c(2, 3, 5))
  expect_allclose(loss_categorical_focal_crossentropy(from_logits = TRUE)(y_true, logits), 0.000345, atol = 1e-3)
  expect_allclose(loss_categorical_focal_crossentropy(alpha = 0.25, gamma = 2)(y_true, y_true), 0, atol = 1e-3)
  expect_grad(function(z) loss_categorical_focal_crossentropy(y_true, z, from_logits = TRUE), logits)
})

test_that("the new losses resolve by name and train a model", {
  for (nm in c("hinge", "squared_hinge", "categorical_hinge", "cosine_similarity", "binary_focal_crossentropy",
               "categorical_focal_crossentropy", "ctc"))
    expect_s3_class(resolve_loss(nm), "recurrent_loss")
  expect_s3_class(loss_hinge(), "keras.src.losses.losses.Hinge")
  set.seed(2)
  x <- array(runif(64 * 4 * 2), c(64, 4, 2))
  y <- as.numeric(x[, 4, 1] > 0.5)
  model <- keras_model_sequential(input_shape = c(4, 2)) |> layer_simple_rnn(6) |> layer_dense(1, "sigmoid")
  model |> compile(optimizer = optimizer_adam(0.05), loss = loss_binary_focal_crossentropy())
  h <- model |> fit(x, y, epochs = 10, batch_size = 16, verbose = 0)
  expect_lt(tail(h$metrics$loss, 1), h$metrics$loss[1])
})
