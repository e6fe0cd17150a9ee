num <- function(x) as.numeric(as.array(x))

yt <- rbind(c(0, 1, 0.5), c(1, 0, 2))
yp <- rbind(c(0.2, 0.7, 0.1), c(1.5, -0.3, 2.5))

test_that("mean squared and absolute errors match base R, per sample and reduced", {
  expect_equal(num(loss_mean_squared_error(yt, yp)), rowMeans((yt - yp)^2), tolerance = 1e-6)
  expect_equal(num(loss_mean_absolute_error(yt, yp)), rowMeans(abs(yt - yp)), tolerance = 1e-6)
  mse <- loss_mean_squared_error()
  expect_s3_class(mse, "recurrent_loss")
  expect_s3_class(mse, "keras.src.losses.loss.Loss")
  expect_equal(mse$name, "mean_squared_error")
  expect_equal(num(mse(yt, yp)), mean((yt - yp)^2), tolerance = 1e-6)
  expect_equal(num(loss_mean_absolute_error()(yt, yp)), mean(abs(yt - yp)), tolerance = 1e-6)
})

test_that("sample weights weight each sample; the divisor is the number of values", {
  sw <- c(0.25, 2)
  per <- rowMeans((yt - yp)^2)
  expect_equal(num(loss_mean_squared_error()(yt, yp, sample_weight = sw)), sum(per * sw) / 2, tolerance = 1e-6)
  expect_equal(num(loss_mean_squared_error(reduction = "sum")(yt, yp, sample_weight = sw)), sum(per * sw),
               tolerance = 1e-6)
  expect_equal(num(loss_mean_squared_error(reduction = "mean_with_sample_weight")(yt, yp, sample_weight = sw)),
               sum(per * sw) / sum(sw), tolerance = 1e-6)
  expect_equal(num(loss_mean_squared_error(reduction = "none")(yt, yp)), per, tolerance = 1e-6)
  expect_equal(num(loss_mean_squared_error(reduction = NULL)(yt, yp)), per, tolerance = 1e-6)
})

test_that("targets of shape (n) and predictions of shape (n, 1) line up", {
  expect_equal(num(loss_mean_squared_error()(c(1, 2, 3), matrix(c(1, 1, 1)))), mean(c(0, 1, 4)), tolerance = 1e-6)
})

test_that("Huber loss matches base R", {
  e <- yp - yt
  ref <- function(delta) rowMeans(ifelse(abs(e) <= delta, 0.5 * e^2, delta * abs(e) - 0.5 * delta^2))
  expect_equal(num(loss_huber(yt, yp)), ref(1), tolerance = 1e-6)
  expect_equal(num(loss_huber(yt, yp, delta = 0.3)), ref(0.3), tolerance = 1e-6)
  h <- loss_huber()
  expect_equal(h$name, "huber_loss")
  expect_equal(num(h(yt, yp)), mean(ref(1)), tolerance = 1e-6)
})

test_that("binary crossentropy matches base R (probabilities, logits, label smoothing)", {
  y <- rbind(c(0, 1), c(1, 1), c(0, 0))
  p <- rbind(c(0.1, 0.8), c(0.6, 0.99), c(0.3, 0.2))
  eps <- 1e-7
  pc <- pmin(pmax(p, eps), 1 - eps)
  ref <- rowMeans(-(y * log(pc) + (1 - y) * log(1 - pc)))
  expect_equal(num(loss_binary_crossentropy(y, p)), ref, tolerance = 1e-5)
  logits <- rbind(c(-2, 3), c(0.5, 40), c(-30, 1))
  ref_logits <- rowMeans(pmax(logits, 0) - logits * y + log1p(exp(-abs(logits))))
  expect_equal(num(loss_binary_crossentropy(y, logits, from_logits = TRUE)), ref_logits, tolerance = 1e-5)
  ys <- y * 0.8 + 0.5 * 0.2
  ref_ls <- rowMeans(-(ys * log(pc) + (1 - ys) * log(1 - pc)))
  expect_equal(num(loss_binary_crossentropy(y, p, label_smoothing = 0.2)), ref_ls, tolerance = 1e-5)
  expect_equal(num(loss_binary_crossentropy()(y, p)), mean(ref), tolerance = 1e-5)
})

test_that("categorical crossentropy matches base R", {
  y <- rbind(c(0, 1, 0), c(0, 0, 1))
  p <- rbind(c(0.05, 0.95, 0), c(0.1, 0.8, 0.1))
  pc <- pmin(pmax(p / rowSums(p), 1e-7), 1 - 1e-7)
  ref <- -rowSums(y * log(pc))
  expect_equal(num(loss_categorical_crossentropy(y, p)), ref, tolerance = 1e-5)
  logits <- rbind(c(1, 2, 3), c(-1, 0, 4))
  lsm <- logits - log(rowSums(exp(logits)))
  expect_equal(num(loss_categorical_crossentropy(y, logits, from_logits = TRUE)), -rowSums(y * lsm),
               tolerance = 1e-5)
  ys <- y * 0.9 + 0.1 / 3
  expect_equal(num(loss_categorical_crossentropy(y, p, label_smoothing = 0.1)), -rowSums(ys * log(pc)),
               tolerance = 1e-5)
  expect_error(loss_categorical_crossentropy(c(1, 2), p), class = "recurrent_error_argument")
})

test_that("sparse categorical crossentropy takes 0-based ids (and factors)", {
  p <- rbind(c(0.05, 0.95, 0), c(0.1, 0.8, 0.1))
  pc <- pmin(pmax(p / rowSums(p), 1e-7), 1 - 1e-7)
  ref <- -log(c(pc[1, 2], pc[2, 3]))
  expect_equal(num(loss_sparse_categorical_crossentropy(c(1, 2), p)), ref, tolerance = 1e-5)
  expect_equal(num(loss_sparse_categorical_crossentropy(matrix(c(1L, 2L)), p)), ref, tolerance = 1e-5)
  expect_equal(num(loss_sparse_categorical_crossentropy(factor(c("b", "c"), levels = c("a", "b", "c")), p)), ref,
               tolerance = 1e-5)
  logits <- rbind(c(1, 2, 3), c(-1, 0, 4))
  lsm <- logits - log(rowSums(exp(logits)))
  expect_equal(num(loss_sparse_categorical_crossentropy(c(0, 2), logits, from_logits = TRUE)),
               -c(lsm[1, 1], lsm[2, 3]), tolerance = 1e-5)
  scce <- loss_sparse_categorical_crossentropy(from_logits = TRUE)
  expect_equal(scce$name, "sparse_categorical_crossentropy")
  expect_equal(num(scce(c(0, 2), logits)), mean(-c(lsm[1, 1], lsm[2, 3])), tolerance = 1e-5)
  expect_error(loss_sparse_categorical_crossentropy(c(1, 2, 0), p), class = "recurrent_error_argument")
})

test_that("ignore_class drops those targets from the mean", {
  logits <- rbind(c(1, 2, 3), c(-1, 0, 4), c(0, 0, 0))
  lsm <- logits - log(rowSums(exp(logits)))
  l <- loss_sparse_categorical_crossentropy(from_logits = TRUE, ignore_class = 1)
  expect_equal(num(l(c(0, 1, 2), logits)), mean(-c(lsm[1, 1], lsm[3, 3])), tolerance = 1e-5)
})

test_that("per-timestep losses of sequence outputs reduce over every value", {
  y <- array(c(1, 0, 2, 1, 0, 1), c(2, 3, 1))
  p <- array(c(1.5, 0, 1, 1, 0.5, 0), c(2, 3, 1))
  expect_equal(num(loss_mean_squared_error(y, p)), matrix((y - p)^2, 2), tolerance = 1e-6, ignore_attr = TRUE)
  expect_equal(num(loss_mean_squared_error()(y, p)), mean((y - p)^2), tolerance = 1e-6)
  # a weight per sample weights all its timesteps
  sw <- c(1, 3)
  per <- matrix((y - p)^2, 2)
  expect_equal(num(loss_mean_squared_error()(y, p, sample_weight = sw)), sum(per * sw) / 6, tolerance = 1e-6)
})

test_that("other losses match base R", {
  y <- rbind(c(1, 2), c(0.5, 3)); p <- rbind(c(1.5, 1), c(0.2, 2.5))
  expect_equal(num(loss_mean_absolute_percentage_error(y, p)), 100 * rowMeans(abs((y - p) / y)), tolerance = 1e-5)
  expect_equal(num(loss_mean_squared_logarithmic_error(y, p)), rowMeans((log1p(p) - log1p(y))^2), tolerance = 1e-5)
  expect_equal(num(loss_log_cosh(y, p)), rowMeans(log(cosh(p - y))), tolerance = 1e-5)
  expect_equal(num(loss_poisson(y, p)), rowMeans(p - y * log(p + 1e-7)), tolerance = 1e-5)
  q <- rbind(c(0.2, 0.8), c(0.5, 0.5)); r <- rbind(c(0.4, 0.6), c(0.9, 0.1))
  expect_equal(num(loss_kl_divergence(q, r)), rowSums(q * log(q / r)), tolerance = 1e-5)
})

test_that("losses are differentiable (gradient of MSE w.r.t. predictions)", {
  p <- op_convert_to_tensor(yp, dtype = "float64")
  res <- value_and_gradients(function(v) loss_mean_squared_error()(yt, v[[1]]), list(p), dtype = "float64")
  expect_equal(res$gradients[[1]], 2 * (yp - yt) / length(yt), tolerance = 1e-10, ignore_attr = TRUE)
})

test_that("loss names resolve as keras3 resolves them", {
  expect_equal(resolve_loss("mse")$name, "mse")
  expect_equal(num(resolve_loss("mae")(yt, yp)), mean(abs(yt - yp)), tolerance = 1e-6)
  expect_equal(resolve_loss(loss_huber)$name, "huber_loss")
  ce <- resolve_loss("crossentropy", y_true = c(0, 1), y_pred = matrix(0.5, 2, 3))
  expect_equal(num(ce(c(0, 1), matrix(1 / 3, 2, 3))), log(3), tolerance = 1e-6)
  custom <- resolve_loss(function(y_true, y_pred) op_mean(op_abs(y_true - y_pred), axis = -1))
  expect_equal(custom$name, "custom_loss")
  expect_equal(num(custom(yt, yp)), mean(abs(yt - yp)), tolerance = 1e-6)
  expect_error(resolve_loss("mean_squared_eror"), class = "recurrent_error_argument")
})

test_that("bad loss arguments are argument errors", {
  expect_error(loss_mean_squared_error(reduction = "avg"), class = "recurrent_error_argument")
  expect_error(loss_huber(delta = -1), class = "recurrent_error_argument")
  expect_error(loss_binary_crossentropy(from_logits = "no"), class = "recurrent_error_argument")
  expect_error(loss_binary_crossentropy(label_smoothing = 2), class = "recurrent_error_argument")
  expect_error(loss_categorical_crossentropy(axis = 0), class = "recurrent_error_argument")
  expect_error(loss_mean_squared_error(yt), class = "recurrent_error_argument")
  expect_error(loss_mean_squared_error(yt, yp, foo = 1), class = "recurrent_error_argument")
  expect_output(print(loss_binary_crossentropy(from_logits = TRUE)), "binary_crossentropy")
})
