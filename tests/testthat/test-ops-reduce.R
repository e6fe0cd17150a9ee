f64 <- function(x) op_convert_to_tensor(x, dtype = "float64")

x3 <- array(c(0.3, -1.2, 2.5, 0.8, -0.4, 1.9, 3.1, -2.2, 0.6, 1.4, -0.9, 2.7,
              0.1, 1.1, -1.6, 0.25, 2.05, -0.35, 1.3, -2.8, 0.45, 0.95, -1.05, 1.75), c(2, 3, 4))

test_that("op_sum, op_mean, op_max, op_min, op_prod match apply() over any axes", {
  x <- f64(x3)
  expect_equal(as.numeric(as_r(op_sum(x))), sum(x3))
  expect_equal(as_r(op_sum(x, axis = 1)), apply(x3, c(2, 3), sum))
  expect_equal(as_r(op_sum(x, axis = 2)), apply(x3, c(1, 3), sum))
  expect_equal(as_r(op_sum(x, axis = 3)), apply(x3, c(1, 2), sum))
  expect_equal(as_r(op_sum(x, axis = -1)), apply(x3, c(1, 2), sum))
  expect_equal(as_r(op_sum(x, axis = c(1, 3))), apply(x3, 2, sum))
  expect_equal(as_r(op_sum(x, axis = c(3, 1))), apply(x3, 2, sum))
  expect_equal(as_r(op_mean(x, axis = c(1, 2))), apply(x3, 3, mean))
  expect_equal(as_r(op_max(x, axis = 2)), apply(x3, c(1, 3), max))
  expect_equal(as_r(op_min(x, axis = c(2, 3))), apply(x3, 1, min))
  expect_equal(as_r(op_prod(x, axis = 3)), apply(x3, c(1, 2), prod))
  expect_equal(as.numeric(as_r(op_max(x))), max(x3))
  expect_equal(as.numeric(as_r(op_prod(x, axis = NULL))), prod(x3))
  expect_equal(dim(op_sum(x, axis = 2, keepdims = TRUE)), c(2L, 1L, 4L))
  expect_equal(as.vector(as_r(op_mean(x, axis = -1, keepdims = TRUE))), as.vector(apply(x3, c(1, 2), mean)))
  expect_equal(dim(op_sum(x, keepdims = TRUE)), c(1L, 1L, 1L))
  expect_equal(dim(op_sum(x)), integer())
  # float32 sums accumulate in double
  big <- op_convert_to_tensor(rep(0.1, 1e5), dtype = "float32")
  expect_equal(as.numeric(as_r(op_sum(big))), 1e4, tolerance = 1e-6)
})

test_that("reductions handle dtypes, initial and size-1 axes", {
  i <- op_convert_to_tensor(matrix(1:6, 2, 3))
  expect_equal(op_dtype(op_sum(i)), "int32")
  expect_equal(as.numeric(as_r(op_sum(i))), 21)
  expect_equal(op_dtype(op_mean(i)), "float32")
  expect_equal(as_r(op_mean(i, axis = 1)), c(1.5, 3.5, 5.5))
  expect_equal(op_dtype(op_sum(op_convert_to_tensor(c(TRUE, TRUE, FALSE)))), "int32")
  expect_equal(as.numeric(as_r(op_max(f64(c(1, 5, 2)), initial = 7))), 7)
  expect_equal(as.numeric(as_r(op_min(f64(c(1, 5, 2)), initial = 7))), 1)
  expect_equal(as_r(op_prod(i, axis = 2, dtype = "float64")), c(15, 48))
  ones <- f64(array(c(1, 2, 3), c(1, 3, 1)))
  expect_equal(as_r(op_sum(ones, axis = c(1, 3))), c(1, 2, 3))
  expect_equal(as.numeric(as_r(op_sum(f64(numeric(0))))), 0)
  expect_error(op_max(f64(numeric(0))), "op_max.*empty")
})

test_that("op_var, op_std, op_any and op_all", {
  x <- f64(x3)
  pvar <- function(v) mean((v - mean(v))^2)
  expect_equal(as.numeric(as_r(op_var(x))), pvar(x3))
  expect_equal(as_r(op_var(x, axis = 3)), apply(x3, c(1, 2), pvar))
  expect_equal(as_r(op_std(x, axis = c(1, 2))), apply(x3, 3, function(v) sqrt(pvar(v))))
  expect_equal(op_dtype(op_var(op_convert_to_tensor(1:4))), "float32")
  expect_equal(as.numeric(as_r(op_var(op_convert_to_tensor(1:4)))), 1.25)
  m <- matrix(c(0, 1, 0, 0, 2, 3), 2, 3)
  expect_identical(as_r(op_any(f64(m), axis = 1)), apply(m != 0, 2, any))
  expect_identical(as_r(op_all(f64(m), axis = 2)), apply(m != 0, 1, all))
  expect_identical(as.logical(as_r(op_any(f64(m)))), TRUE)
  expect_identical(as.logical(as_r(op_all(f64(m)))), FALSE)
  expect_equal(dim(op_all(f64(m), axis = 1, keepdims = TRUE)), c(1L, 3L))
  expect_identical(as.logical(as_r(op_any(f64(numeric(0))))), FALSE)
  expect_identical(as.logical(as_r(op_all(f64(numeric(0))))), TRUE)
})

test_that("axes are 1-based and checked", {
  x <- f64(x3)
  expect_error(op_sum(x, axis = 0), class = "recurrent_error_argument")
  expect_error(op_sum(x, axis = 0), "1-based")
  expect_error(op_mean(x, axis = 1.5), class = "recurrent_error_argument")
  expect_error(op_sum(x, axis = "a"), class = "recurrent_error_argument")
  expect_error(op_sum(x, axis = 4), "op_sum.*axis 4.*3 dimensions")
  expect_error(op_max(x, axis = c(2, 2)), "op_max.*more than once")
  expect_error(op_sum(x, axis = -4), "op_sum")
})

test_that("op_softmax and op_log_softmax", {
  m <- matrix(c(1, 2, 3, -1, 0, 4, 1000, 1001, 1002), 3, 3, byrow = TRUE)
  softmax_rows <- t(apply(m, 1, function(v) exp(v - max(v)) / sum(exp(v - max(v)))))
  expect_equal(as_r(op_softmax(f64(m))), softmax_rows)
  expect_equal(as_r(op_log_softmax(f64(m))), log(softmax_rows))
  softmax_cols <- apply(m[1:2, ], 2, function(v) exp(v) / sum(exp(v)))
  expect_equal(as_r(op_softmax(f64(m[1:2, ]), axis = 1)), softmax_cols)
  expect_equal(as_r(op_log_softmax(f64(m[1:2, ]), axis = 1)), log(softmax_cols))
  s <- as_r(op_softmax(f64(x3), axis = 2))
  expect_equal(s, aperm(apply(x3, c(1, 3), function(v) exp(v) / sum(exp(v))), c(2, 1, 3)))
  expect_equal(op_dtype(op_softmax(op_convert_to_tensor(1:3))), "float32")
  expect_error(op_softmax(f64(m), axis = 3), "op_softmax")
  expect_error(op_softmax(f64(m), axis = c(1, 2)), class = "recurrent_error_argument")
})

test_that("op_argmax and op_argmin are 1-based and take the first extreme", {
  m <- matrix(c(3, 9, 4, 9, 1, 5, 2, 1), 2, 4, byrow = TRUE)
  expect_equal(as_r(op_argmax(f64(m), axis = 2)), apply(m, 1, which.max))
  expect_equal(as_r(op_argmin(f64(m), axis = 2)), apply(m, 1, which.min))
  expect_equal(as_r(op_argmax(f64(m), axis = 1)), apply(m, 2, which.max))
  expect_equal(as_r(op_argmax(f64(m), axis = 2, zero_indexed = TRUE)), apply(m, 1, which.max) - 1L)
  expect_equal(op_dtype(op_argmax(f64(m), axis = 1)), "int32")
  # axis = NULL searches the row-major flattening
  expect_equal(as.numeric(as_r(op_argmax(f64(m)))), which.max(c_order(m)))
  expect_equal(as.numeric(as_r(op_argmin(f64(m)))), which.min(c_order(m)))
  expect_equal(dim(op_argmax(f64(m), axis = -1, keepdims = TRUE)), c(2L, 1L))
  expect_equal(as_r(op_argmax(f64(x3), axis = 3)), apply(x3, c(1, 2), which.max))
  expect_equal(as.numeric(as_r(op_argmax(f64(c(1, NaN, 3))))), 2)
  expect_error(op_argmax(f64(m), axis = 0), class = "recurrent_error_argument")
})

test_that("op_cumsum", {
  m <- matrix(c(1, 2, 3, 4, 5, 6), 2, 3, byrow = TRUE)
  expect_equal(as_r(op_cumsum(f64(m), axis = 2)), t(apply(m, 1, cumsum)))
  expect_equal(as_r(op_cumsum(f64(m), axis = 1)), apply(m, 2, cumsum))
  expect_equal(as_r(op_cumsum(f64(m))), cumsum(c_order(m)))
  expect_equal(as_r(op_cumsum(f64(x3), axis = 2)), aperm(apply(x3, c(1, 3), cumsum), c(2, 1, 3)))
  expect_equal(op_dtype(op_cumsum(op_convert_to_tensor(c(TRUE, FALSE, TRUE)))), "int32")
  expect_equal(op_dtype(op_cumsum(op_convert_to_tensor(1:3), dtype = "float64")), "float64")
})

test_that("reduction gradients match finite differences", {
  x <- x3
  for (ax in list(NULL, 1, 2, 3, -1, c(1, 3), c(2, 3))) {
    expect_grad(function(t) op_sum(t, axis = ax), x)
    expect_grad(function(t) op_mean(t, axis = ax), x)
    expect_grad(function(t) op_max(t, axis = ax), x)
    expect_grad(function(t) op_min(t, axis = ax), x)
    expect_grad(function(t) op_prod(t, axis = ax), x)
  }
  expect_grad(function(t) op_sum(t, axis = 2, keepdims = TRUE), x)
  expect_grad(function(t) op_var(t, axis = 2), x)
  expect_grad(function(t) op_std(t, axis = c(1, 3)), x)
  expect_grad(function(t) op_std(t), x)
})

test_that("max/min gradients split ties evenly; prod handles zeros", {
  g <- grads_of(function(t) op_max(t), c(1, 3, 3, 2))[[1]]
  expect_equal(as.vector(g), c(0, 0.5, 0.5, 0))
  g <- grads_of(function(t) op_sum(op_min(t, axis = 2)), matrix(c(1, 1, 1, 2, 0, 2), 2, 3, byrow = TRUE))[[1]]
  expect_equal(g, matrix(c(1 / 3, 1 / 3, 1 / 3, 0, 1, 0), 2, 3, byrow = TRUE))
  g <- grads_of(function(t) op_prod(t), c(2, 0, 3))[[1]]
  expect_equal(as.vector(g), c(0, 6, 0))
  g <- grads_of(function(t) op_prod(t), c(2, 0, 3, 0))[[1]]
  expect_equal(as.vector(g), c(0, 0, 0, 0))
  expect_grad(function(t) op_prod(t, axis = 2), matrix(c(1.5, 0, 2, -1, 0.5, 3), 2, 3))
})

test_that("softmax, log_softmax and cumsum gradients match finite differences", {
  for (ax in list(-1, 1, 2, 3)) {
    expect_grad(function(t) op_softmax(t, axis = ax), x3)
    expect_grad(function(t) op_log_softmax(t, axis = ax), x3)
  }
  expect_grad(function(t) op_cumsum(t, axis = 2), x3)
  expect_grad(function(t) op_cumsum(t, axis = 1), x3)
  expect_grad(function(t) op_cumsum(t), x3)
})
