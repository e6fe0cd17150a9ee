test_that("op_einsum() computes matrix products, transposes, sums, outer and batched products", {
  set.seed(1)
  a <- matrix(rnorm(6), 2, 3); b <- matrix(rnorm(12), 3, 4)
  expect_tensor_equal(op_einsum("ij,jk->ik", a, b), a %*% b)
  expect_tensor_equal(op_einsum("ij,jk", a, b), a %*% b)              # implicit output: i, k
  expect_tensor_equal(op_einsum("ij->ji", a), t(a))
  expect_tensor_equal(op_einsum("ij->", a), sum(a))
  expect_tensor_equal(op_einsum("ij->j", a), colSums(a))
  expect_tensor_equal(op_einsum("i,i", 1:3 + 0, c(4, 5, 6)), 32)
  expect_tensor_equal(op_einsum("i,j->ij", c(1, 2, 3), c(4, 5)), outer(c(1, 2, 3), c(4, 5)))
  expect_tensor_equal(op_einsum("ik,jk->ij", a, a), a %*% t(a))
  x <- array(rnorm(2 * 3 * 4), c(2, 3, 4)); y <- array(rnorm(2 * 4 * 5), c(2, 4, 5))
  ref <- array(0, c(2, 3, 5))
  for (i in 1:2) ref[i, , ] <- x[i, , ] %*% y[i, , ]
  expect_tensor_equal(op_einsum("bij,bjk->bik", x, y), ref)
  expect_tensor_equal(op_einsum("...ij,...jk->...ik", x, y), ref)
  # "..." on one operand only: the 2-D operand broadcasts over the batch axis
  m4 <- matrix(rnorm(16), 4, 4)
  ref2 <- array(0, c(2, 3, 4))
  for (i in 1:2) ref2[i, , ] <- x[i, , ] %*% m4
  expect_tensor_equal(op_einsum("...ij,jk->...ik", x, m4), ref2)
  # three operands, contracted left to right
  v <- rnorm(5)
  m <- matrix(rnorm(15), 3, 5)
  expect_tensor_equal(op_einsum("ij,jk,k->i", a, m, v), a %*% m %*% v)
})

test_that("op_einsum() computes the equations multi-head attention uses", {
  set.seed(2)
  x <- array(rnorm(2 * 5 * 6), c(2, 5, 6)); k <- array(rnorm(6 * 3 * 4), c(6, 3, 4))
  ref <- array(0, c(2, 5, 3, 4))
  for (b in 1:2) for (t in 1:5) for (n in 1:3) ref[b, t, n, ] <- x[b, t, ] %*% k[, n, ]
  expect_tensor_equal(op_einsum("abc,cde->abde", x, k), ref)
  key <- array(rnorm(2 * 7 * 3 * 4), c(2, 7, 3, 4)); query <- ref
  scores <- array(0, c(2, 3, 5, 7))
  for (b in 1:2) for (n in 1:3) scores[b, n, , ] <- query[b, , n, ] %*% t(key[b, , n, ])
  expect_tensor_equal(op_einsum("aecd,abcd->acbe", key, query), scores)
  value <- array(rnorm(2 * 7 * 3 * 2), c(2, 7, 3, 2))
  out <- array(0, c(2, 5, 3, 2))
  for (b in 1:2) for (n in 1:3) out[b, , n, ] <- scores[b, n, , ] %*% value[b, , n, ]
  expect_tensor_equal(op_einsum("acbe,aecd->abcd", scores, value), out, tolerance = 1e-4)
  wo <- array(rnorm(3 * 2 * 6), c(3, 2, 6))
  proj <- array(0, c(2, 5, 6))
  for (b in 1:2) for (t in 1:5) proj[b, t, ] <- as.vector(out[b, t, , ]) %*% matrix(wo, 6, 6)
  expect_tensor_equal(op_einsum("abcd,cde->abe", out, wo), proj, tolerance = 1e-4)
})

test_that("op_einsum() gradients match finite differences", {
  set.seed(3)
  x <- array(rnorm(2 * 3 * 2), c(2, 3, 2)); k <- array(rnorm(2 * 2 * 3), c(2, 2, 3))
  expect_grad(function(a, b) op_einsum("abc,cde->abde", a, b), x, k)
  expect_grad(function(a, b) op_einsum("bij,bkj->bik", a, b), x, array(rnorm(2 * 4 * 2), c(2, 4, 2)))
  expect_grad(function(a) op_einsum("ijk->kj", a), x)
  expect_grad(function(a, b, c) op_einsum("ij,jk,k->i", a, b, c), matrix(rnorm(6), 2), matrix(rnorm(6), 3), rnorm(2))
  expect_grad(function(a, b) op_einsum("ij,kj->ikj", a, b), matrix(rnorm(4), 2), matrix(rnorm(6), 3))
})

test_that("op_einsum() explains what it cannot do", {
  a <- matrix(1, 2, 2)
  expect_error(op_einsum("ii->i", a), class = "recurrent_error_argument")
  expect_snapshot(op_einsum("ii->i", a), error = TRUE)
  expect_error(op_einsum("ij,jk->ik", a), class = "recurrent_error_argument")
  expect_error(op_einsum("ijk->i", a), class = "recurrent_error_argument")
  expect_error(op_einsum("ij->iz", a), class = "recurrent_error_argument")
  expect_error(op_einsum("ij,jk->ik", a, matrix(1, 3, 2)), class = "recurrent_error_argument")
  expect_error(op_einsum("i.j->ij", a), class = "recurrent_error_argument")
  expect_error(op_einsum(3, a), class = "recurrent_error_argument")
  expect_error(op_einsum("ij->ij", "a"), class = "recurrent_error_argument")
})

# ---- layer_einsum_dense() ------------------------------------------------------------------

test_that("layer_einsum_dense() builds Keras's kernel and bias shapes and computes the product", {
  set.seed(4)
  x <- array(rnorm(2 * 5 * 4), c(2, 5, 4))
  proj <- layer_einsum_dense(equation = "abc,cde->abde", output_shape = c(NA, 2, 3), bias_axes = "de")
  y <- proj(x)
  expect_equal(lapply(get_weights(proj), dim), list(c(4L, 2L, 3L), c(2L, 3L)))
  w <- get_weights(proj)
  w[[2]] <- matrix(rnorm(6), 2, 3)
  set_weights(proj, w)
  ref <- array(0, c(2, 5, 2, 3))
  for (b in 1:2) for (t in 1:5) for (n in 1:2) ref[b, t, n, ] <- x[b, t, ] %*% w[[1]][, n, ] + w[[2]][n, ]
  expect_tensor_equal(proj(x), ref)
  # Keras's docstring examples: shapes of kernels and outputs
  d <- layer_einsum_dense(equation = "ab,bc->ac", output_shape = 64, bias_axes = "c")
  expect_tensor_shape(d(keras_input(shape = 32)), c(NA, 64))
  expect_equal(dim(d$kernel), c(32L, 64L))
  s <- layer_einsum_dense(equation = "abc,cd->abd", output_shape = c(NA, 64), bias_axes = "d")
  expect_tensor_shape(s(keras_input(shape = c(32, 128))), c(NA, 32, 64))
  e <- layer_einsum_dense(equation = "...b,bc->...c", output_shape = 64, bias_axes = "c")
  expect_tensor_shape(e(keras_input(shape = c(32, 128))), c(NA, 32, 64))
  expect_equal(dim(e$kernel), c(128L, 64L))
  r <- layer_einsum_dense(equation = "ab...,bc->ac...", output_shape = 7, bias_axes = "c")
  expect_tensor_shape(r(keras_input(shape = c(4, 3))), c(NA, 7, 3))
  expect_equal(dim(r$bias), c(7L, 1L))
})

test_that("layer_einsum_dense() gradients match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(5)
  x <- array(rnorm(2 * 2 * 3), c(2, 2, 3))
  k <- array(rnorm(3 * 2 * 2), c(3, 2, 2)); bias <- matrix(rnorm(4), 2, 2)
  w <- array(rnorm(16), c(2, 2, 2, 2))
  ref_out <- function(xx, kk, bb) {
    out <- array(0, c(2, 2, 2, 2))
    for (b in 1:2) for (t in 1:2) for (n in 1:2) out[b, t, n, ] <- xx[b, t, ] %*% kk[, n, ] + bb[n, ]
    tanh(out)
  }
  l <- layer_einsum_dense(equation = "abc,cde->abde", output_shape = c(NA, 2, 2), bias_axes = "de", activation = "tanh")
  l(x)
  set_weights(l, list(k, bias))
  xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(l(xv), w)))
  ref_loss <- function(xx, kk, bb) sum(ref_out(xx, kk, bb) * w)
  expect_reference_gradients(loss, list(xv, l$kernel, l$bias), ref_loss, list(x, k, bias))
})

test_that("layer_einsum_dense(): config, summary and errors", {
  l <- layer_einsum_dense(equation = "abc,cd->abd", output_shape = c(NA, 8), bias_axes = "d", name = "proj")
  cfg <- get_config(l)
  expect_equal(cfg[c("name", "equation", "bias_axes")], list(name = "proj", equation = "abc,cd->abd", bias_axes = "d"))
  expect_equal(cfg$output_shape, list(NULL, 8L))
  expect_s3_class(l, "keras.src.layers.core.einsum_dense.EinsumDense")
  expect_s3_class(from_config(cfg), "keras.src.layers.core.einsum_dense.EinsumDense")
  model <- keras_model_sequential(input_shape = c(5, 3)) |> layer_einsum_dense("abc,cd->abd", c(NA, 8), bias_axes = "d")
  expect_equal(count_params(model), 3 * 8 + 8)
  expect_error(layer_einsum_dense(equation = "ab,bc", output_shape = 3), class = "recurrent_error_argument")
  expect_snapshot(layer_einsum_dense(equation = "ab,bc->ac", output_shape = 3, bias_axes = "z"), error = TRUE)
  expect_error(layer_einsum_dense(equation = "ab,bc->acd", output_shape = c(3, 4)), class = "recurrent_error_argument")
  expect_error(layer_einsum_dense(equation = "ab,bc->ac", output_shape = "x"), class = "recurrent_error_argument")
  expect_error(layer_einsum_dense(equation = "ab,bc->ac"), class = "recurrent_error_argument")
  expect_error(layer_einsum_dense(equation = "abc,cd->abd", output_shape = c(NA, 8))(array(1, c(2, 3))),
               class = "recurrent_error")
})
