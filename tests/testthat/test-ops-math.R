# Expected values come from base R (log(sum(exp())), pnorm, sort, order, cumprod,
# lower.tri, diag, rep, seq, rowsum, ...) and from Keras's tests where noted; every
# differentiable op has a finite-difference gradient check.

# An op result as an R value: 1-d results as plain vectors.
v <- function(x) {
  a <- as.array(x)
  if (length(dim(a)) == 1) as.vector(a) else a
}

test_that("op_logsumexp equals log(sum(exp(x))) and stays finite for large values", {
  x <- rbind(c(1, 2, 3), c(-1, 0.5, 4))
  expect_allclose(op_logsumexp(x), log(sum(exp(x))), rtol = 1e-6)
  expect_allclose(op_logsumexp(x, axis = 2), log(rowSums(exp(x))), rtol = 1e-6)
  expect_identical(dim(op_logsumexp(x, axis = 1, keepdims = TRUE)), c(1L, 3L))
  expect_allclose(op_logsumexp(c(1000, 1000)), 1000 + log(2), rtol = 1e-6)
  expect_identical(as.numeric(op_logsumexp(c(-Inf, -Inf))), -Inf)
  expect_grad(function(x) op_logsumexp(x, axis = 2), x)
})

test_that("op_erf matches 2 * pnorm(x * sqrt(2)) - 1 and has the right gradient", {
  x <- c(-2, -0.5, 0, 0.3, 1.7)
  expect_allclose(op_erf(x), 2 * pnorm(x * sqrt(2)) - 1, rtol = 1e-6, atol = 1e-7)
  expect_grad(op_erf, x)
})

test_that("op_sort, op_argsort and op_top_k agree with sort() and order()", {
  set.seed(1)
  x <- matrix(as.numeric(sample(20)), 4, 5)
  expect_identical(v(op_sort(x)), t(apply(x, 1, sort)) * 1)
  expect_identical(v(op_sort(x, axis = 1)), apply(x, 2, sort) * 1)
  expect_identical(v(op_argsort(x)), t(apply(x, 1, order)))
  expect_identical(v(op_argsort(c(2, 1, 2, 1), zero_indexed = TRUE)), c(1L, 3L, 0L, 2L))  # stable
  tk <- op_top_k(x, k = 2)
  expect_identical(v(tk$values), t(apply(x, 1, function(r) sort(r, decreasing = TRUE)[1:2])) * 1)
  expect_identical(v(tk$indices), t(apply(x, 1, function(r) order(-r)[1:2])))
  expect_error(op_top_k(x, 6), class = "recurrent_error")
  # sorted = FALSE: Keras's NumPy/JAX/PyTorch backends return the stable sorted top k
  # (keras/src/backend/numpy/math.py); ties keep their order: 3s at 2, 3, 5 -> 2, 3
  unsorted <- op_top_k(c(1, 3, 3, 2, 3), 2, sorted = FALSE)
  expect_identical(v(unsorted$indices), c(2L, 3L))
  expect_identical(v(unsorted$values), c(3, 3))
  # Keras's docstring example (keras/src/ops/math.py, top_k): [5 2 7 1 9 3] -> 9 7 5 at 4 2 0
  ex <- op_top_k(c(5, 2, 7, 1, 9, 3), 3, sorted = FALSE, zero_indexed = TRUE)
  expect_identical(v(ex$values), c(9, 7, 5))
  expect_identical(v(ex$indices), c(4L, 2L, 0L))
  expect_error(op_top_k(x, 2, sorted = NA), class = "recurrent_error")
  xs <- matrix(c(0.3, -1.2, 2.5, 0.7, 1.1, -0.4), 2, 3)
  expect_grad(function(x) op_sort(x), xs)
  expect_grad(function(x) op_top_k(x, 2)$values, xs)
})

test_that("op_take_along_axis picks along an axis with broadcasting (NumPy's example values)", {
  x <- rbind(c(10, 30, 20), c(60, 40, 50))
  expect_identical(v(op_take_along_axis(x, rbind(c(2, 3), c(1, 1)), axis = 2)), rbind(c(30, 20), c(60, 60)))
  expect_identical(v(op_take_along_axis(x, matrix(c(2, 1, 2), 1), axis = 1)), matrix(c(60, 30, 50), 1))
  # indices broadcast along the other axis: one row of positions for both rows
  expect_identical(v(op_take_along_axis(x, matrix(c(3, 1), 1), axis = 2)), rbind(c(20, 10), c(50, 60)))
  expect_identical(v(op_take_along_axis(x, c(6, 1))), c(50, 10))
  expect_error(op_take_along_axis(x, rbind(c(4, 1), c(1, 1)), axis = 2), class = "recurrent_error")
  expect_grad(function(x) op_take_along_axis(x, rbind(c(2, 2), c(3, 1)), axis = 2), matrix(c(0.5, 1, -1, 2, 3, 4), 2))
})

test_that("op_tril, op_triu, op_eye and op_diag agree with lower.tri, upper.tri and diag", {
  m <- matrix(as.numeric(1:12), 3, 4)
  expect_identical(v(op_tril(m)), m * (row(m) >= col(m)))
  expect_identical(v(op_triu(m, k = 1)), m * (col(m) - row(m) >= 1))
  expect_identical(v(op_tril(m, k = -1)), m * (col(m) - row(m) <= -1))
  expect_identical(v(op_eye(3)), diag(3))
  expect_identical(v(op_eye(2, 3, k = 1)), rbind(c(0, 1, 0), c(0, 0, 1)))
  expect_identical(v(op_diag(c(1, 2, 3))), diag(c(1, 2, 3)))
  expect_identical(v(op_diag(c(1, 2), k = -1)), rbind(c(0, 0, 0), c(1, 0, 0), c(0, 2, 0)))
  expect_identical(v(op_diag(m)), diag(m))
  expect_identical(v(op_diag(m, k = 1)), c(4, 8, 12))
  b <- array(as.numeric(1:18), c(2, 3, 3))
  expect_identical(v(op_tril(b))[2, , ], b[2, , ] * lower.tri(b[2, , ], diag = TRUE))
  expect_grad(function(x) op_tril(x), matrix(rnorm(6), 2, 3))
  expect_grad(function(x) op_diag(x), c(0.5, -1))
  expect_grad(function(x) op_diag(x), matrix(rnorm(9), 3, 3))
})

test_that("op_outer, op_repeat and op_linspace agree with outer, rep and seq", {
  expect_identical(v(op_outer(c(1, 2), c(1, 10, 100))), outer(c(1, 2), c(1, 10, 100)))
  expect_identical(v(op_repeat(c(1, 2, 3), 2)), rep(c(1, 2, 3), each = 2))
  m <- rbind(c(1, 2), c(3, 4))
  expect_identical(v(op_repeat(m, c(1, 3), axis = 1)), m[c(1, 2, 2, 2), ])
  expect_identical(v(op_repeat(m, 2)), rep(c(1, 2, 3, 4), each = 2))  # row-major flattening
  expect_allclose(op_linspace(0, 1, 5), seq(0, 1, length.out = 5))
  r <- op_linspace(0, 1, 4, endpoint = FALSE, retstep = TRUE)
  expect_allclose(r[[1]], c(0, 0.25, 0.5, 0.75))
  expect_equal(r[[2]], 0.25)
  expect_allclose(op_linspace(c(0, 10), c(1, 20), 3), cbind(c(0, 0.5, 1), c(10, 15, 20)))
  expect_grad(function(x, y) op_outer(x, y), c(1, -2), c(0.5, 3, 1))
  expect_grad(function(x) op_repeat(x, c(2, 0, 1)), c(1, 2, 3))
})

test_that("op_cumprod agrees with cumprod and its gradient is exact at zeros", {
  expect_identical(v(op_cumprod(c(1, 2, 3, 4))), c(1, 2, 6, 24))
  m <- rbind(c(1, 2), c(3, 4))
  expect_identical(v(op_cumprod(m, axis = 1)), apply(m, 2, cumprod))
  expect_identical(v(op_cumprod(m)), cumprod(c(1, 2, 3, 4)))
  expect_grad(function(x) op_cumprod(x, axis = 2), rbind(c(1.5, -2, 0.5), c(0, 3, 2)))
})

test_that("op_moments gives the mean and biased variance", {
  x <- rbind(c(1, 2, 3), c(4, 5, 9))
  mv <- op_moments(x, axes = 2)
  expect_allclose(mv[[1]], rowMeans(x))
  expect_allclose(mv[[2]], apply(x, 1, function(r) mean((r - mean(r))^2)), rtol = 1e-6)
  expect_grad(function(x) op_moments(x, axes = 1), x)
  # synchronized only averages across devices in Keras; on one device it changes nothing
  ms <- op_moments(x, axes = 2, synchronized = TRUE)
  expect_allclose(ms[[1]], rowMeans(x))
  expect_allclose(ms[[2]], apply(x, 1, function(r) mean((r - mean(r))^2)), rtol = 1e-6)
  expect_error(op_moments(x, axes = 2, synchronized = "yes"), class = "recurrent_error")
})

test_that("op_slice_update, op_scatter and op_segment_sum", {
  got <- op_slice_update(matrix(0, 3, 3), c(2, 2), matrix(c(1, 2, 3, 4), 2))
  want <- matrix(0, 3, 3); want[2:3, 2:3] <- c(1, 2, 3, 4)
  expect_identical(v(got), want)
  expect_error(op_slice_update(matrix(0, 3, 3), c(3, 2), matrix(1, 2, 2)), class = "recurrent_error")
  expect_identical(v(op_scatter(rbind(c(1, 1), c(2, 3), c(1, 1)), c(1, 2, 3), c(2, 3))),
                   rbind(c(4, 0, 0), c(0, 0, 2)))
  expect_identical(v(op_scatter(c(2, 1), rbind(c(1, 2), c(3, 4)), c(3, 2))), rbind(c(3, 4), c(1, 2), c(0, 0)))
  data <- rbind(c(1, 2), c(3, 4), c(5, 6), c(7, 8))
  ids <- c(1, 3, 1, 2)
  expect_identical(v(op_segment_sum(data, ids)), unname(rowsum(data, ids, reorder = TRUE)))
  expect_identical(v(op_segment_sum(c(1, 2, 3, 4), c(1, 1, 2, 2), num_segments = 3)), c(3, 7, 0))
  expect_grad(function(u, x) op_slice_update(x, c(1, 2), u), matrix(c(1, 2), 1), matrix(rnorm(6), 2, 3))
  expect_grad(function(v) op_segment_sum(v, ids), data)
  expect_grad(function(v) op_scatter(rbind(c(1, 1), c(2, 3), c(1, 1)), v, c(2, 3)), c(1, 2, 3))
})

test_that("op_normalize, op_layer_normalization and op_rms_normalization give Keras's values", {
  # keras/src/ops/nn_test.py NNOpsCorrectnessTest.test_normalize
  x <- rbind(c(1, 2, 3), c(1, 2, 3))
  expect_allclose(op_normalize(x, axis = -1), matrix(c(0.26726124, 0.53452247, 0.8017837), 2, 3, byrow = TRUE),
                  rtol = 1e-6)
  expect_allclose(op_normalize(x, axis = 1), matrix(0.70710677, 2, 3), rtol = 1e-6)
  expect_allclose(op_normalize(x, order = 3), matrix(c(0.30285344, 0.6057069, 0.9085603), 2, 3, byrow = TRUE),
                  rtol = 1e-6)
  expect_allclose(op_normalize(matrix(c(1e-6, 1e-8), 1), axis = -1, order = 2, epsilon = 1e-5), c(0.1, 1e-3),
                  rtol = 1e-5)
  v <- c(1, 2, 3, 4)
  expect_allclose(op_layer_normalization(v), (v - mean(v)) / sqrt(mean((v - mean(v))^2) + 1e-7), rtol = 1e-5)
  expect_allclose(op_layer_normalization(v, gamma = 2, beta = 1),
                  2 * (v - mean(v)) / sqrt(mean((v - mean(v))^2) + 1e-7) + 1, rtol = 1e-5)
  expect_allclose(op_rms_normalization(v, scale = 0.5), 0.5 * v / sqrt(mean(v^2) + 1e-7), rtol = 1e-6)
  m <- matrix(c(0.5, -1, 2, 0.3, 1.5, -0.7), 2, 3)
  expect_grad(function(x) op_normalize(x), m)
  expect_grad(function(x, g, b) op_layer_normalization(x, g, b), m, c(1, 2, 0.5), c(0.1, 0, -0.1))
  expect_grad(function(x, s) op_rms_normalization(x, s), m, c(1, 2, 0.5))
})

test_that("the crossentropy ops match hand formulas", {
  t <- c(0, 1, 1); p <- c(0.1, 0.8, 0.4)
  expect_allclose(op_binary_crossentropy(t, p), -(t * log(p) + (1 - t) * log(1 - p)), rtol = 1e-6)
  z <- c(-2, 0.5, 3)
  expect_allclose(op_binary_crossentropy(t, z, from_logits = TRUE),
                  -(t * log(plogis(z)) + (1 - t) * log(1 - plogis(z))), rtol = 1e-6)
  tt <- rbind(c(0, 1, 0), c(1, 0, 0)); pp <- rbind(c(0.1, 0.8, 0.1), c(0.3, 0.3, 0.4))
  expect_allclose(op_categorical_crossentropy(tt, pp), -log(c(0.8, 0.3)), rtol = 1e-6)
  expect_allclose(op_sparse_categorical_crossentropy(c(1, 0), pp), -log(c(0.8, 0.3)), rtol = 1e-6)
  expect_allclose(op_sparse_categorical_crossentropy(c(1, 0), log(pp), from_logits = TRUE), -log(c(0.8, 0.3)),
                  rtol = 1e-6)
  expect_grad(function(z) op_binary_crossentropy(t, z, from_logits = TRUE), z)
  expect_grad(function(z) op_sparse_categorical_crossentropy(c(1, 0), z, from_logits = TRUE), log(pp))
})
