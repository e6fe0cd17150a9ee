f32 <- function(x) op_convert_to_tensor(x, dtype = "float32")
f64 <- function(x) op_convert_to_tensor(x, dtype = "float64")

test_that("binary arithmetic matches base R, with broadcasting", {
  a <- matrix(c(1.5, -2, 3, 4, 0.5, 6), 2, 3)
  b <- matrix(c(2, 1, -1, 3, 2, 0.25), 2, 3)
  v <- c(10, 20, 30)
  expect_equal(as_r(op_add(f64(a), f64(b))), a + b)
  expect_equal(as_r(op_subtract(f64(a), f64(b))), a - b)
  expect_equal(as_r(op_multiply(f64(a), f64(b))), a * b)
  expect_equal(as_r(op_divide(f64(a), f64(b))), a / b)
  expect_equal(as_r(op_power(f64(abs(a)), f64(b))), abs(a)^b)
  expect_equal(as_r(op_maximum(f64(a), f64(b))), pmax(a, b))
  expect_equal(as_r(op_minimum(f64(a), f64(b))), pmin(a, b))
  expect_identical(op_pmax, op_maximum)
  expect_identical(op_pmin, op_minimum)
  # a vector runs along the last axis (NumPy), not down the columns (R recycling)
  expect_equal(as_r(op_add(f64(a), f64(v))), a + matrix(v, 2, 3, byrow = TRUE))
  # (2, 1, 3) with (4, 1) -> (2, 4, 3)
  x <- array(1:6, c(2, 1, 3))
  y <- array(c(1, 2, 3, 4), c(4, 1))
  want <- array(0, c(2, 4, 3))
  for (i in 1:2) for (j in 1:4) for (k in 1:3) want[i, j, k] <- x[i, 1, k] * y[j, 1]
  expect_equal(as_r(op_multiply(f64(x), f64(y))), want)
  # a scalar tensor broadcasts everywhere
  expect_equal(as_r(op_subtract(f64(a), f64(2))), a - 2)
})

test_that("R numbers take the tensor's dtype on either side", {
  x <- f32(c(1, 2, 3))
  expect_equal(op_dtype(op_add(x, 1)), "float32")
  expect_equal(op_dtype(op_add(1, x)), "float32")
  expect_equal(op_dtype(op_multiply(2L, x)), "float32")
  expect_equal(op_dtype(op_add(f64(1), 1)), "float64")
  i <- op_convert_to_tensor(1:3)
  expect_equal(op_dtype(op_add(i, 1L)), "int32")
  expect_equal(as_r(op_add(i, 1L)), 2:4)
  expect_equal(op_dtype(op_divide(i, 2L)), "float32")
  expect_equal(as_r(op_divide(i, 2L)), c(0.5, 1, 1.5), tolerance = 1e-6)
  expect_equal(as_r(op_subtract(10, x)), c(9, 8, 7))
})

test_that("binary ops name the op and both shapes when shapes do not fit", {
  expect_error(op_add(op_ones(c(2, 3)), op_ones(c(4))), "op_add.*\\(2, 3\\).*\\(4\\)")
  expect_error(op_multiply(op_ones(c(2, 3)), op_ones(c(3, 2))), "op_multiply.*\\(2, 3\\).*\\(3, 2\\)")
  expect_error(op_maximum(op_ones(c(5)), op_ones(c(2))), "op_maximum")
})

test_that("unary math matches base R", {
  x <- c(-2.5, -0.4, 0.3, 1.7, 3)
  p <- c(0.2, 0.5, 1, 2.5, 9)
  expect_equal(as_r(op_negative(f64(x))), -x)
  expect_equal(as_r(op_square(f64(x))), x^2)
  expect_equal(as_r(op_sqrt(f64(p))), sqrt(p))
  expect_equal(as_r(op_exp(f64(x))), exp(x))
  expect_equal(as_r(op_log(f64(p))), log(p))
  expect_equal(as_r(op_abs(f64(x))), abs(x))
  expect_equal(as_r(op_sign(f64(c(-3, 0, 2)))), c(-1, 0, 1))
  expect_equal(as_r(op_log1p(f64(p))), log1p(p))
  expect_equal(as_r(op_expm1(f64(x))), expm1(x))
  expect_equal(as_r(op_sin(f64(x))), sin(x))
  expect_equal(as_r(op_cos(f64(x))), cos(x))
  expect_equal(as_r(op_floor(f64(x))), floor(x))
  expect_equal(as_r(op_ceil(f64(x))), ceiling(x))
  expect_equal(as_r(op_round(f64(c(0.5, 1.5, 2.5, -0.5, 2.4)))), c(0, 2, 2, 0, 2))  # halves to even
  expect_equal(as_r(op_reciprocal(f64(p))), 1 / p)
  expect_equal(as_r(op_sqrt(f32(p))), sqrt(p), tolerance = 1e-6)
  # integer tensors keep integer where the result is whole
  expect_equal(op_dtype(op_abs(op_convert_to_tensor(-2:2))), "int32")
  expect_equal(op_dtype(op_sqrt(op_convert_to_tensor(1:4))), "float32")
})

test_that("activations match their definitions", {
  x <- c(-4, -1.2, -0.3, 0.4, 1.1, 5)
  sig <- 1 / (1 + exp(-x))
  expect_equal(as_r(op_tanh(f64(x))), tanh(x))
  expect_equal(as_r(op_sigmoid(f64(x))), sig)
  expect_equal(as_r(op_relu(f64(x))), pmax(x, 0))
  expect_equal(as_r(op_silu(f64(x))), x * sig)
  expect_equal(as_r(op_softplus(f64(x))), log1p(exp(x)))
  selu <- 1.0507009873554804934 * ifelse(x > 0, x, 1.6732632423543772848 * expm1(x))
  expect_equal(as_r(op_selu(f64(x))), selu)
  expect_equal(as_r(op_hard_sigmoid(f64(x))), pmin(1, pmax(0, x / 6 + 0.5)))
  expect_equal(as_r(op_elu(f64(x))), ifelse(x > 0, x, expm1(x)))
  expect_equal(as_r(op_elu(f64(x), alpha = 0.5)), ifelse(x > 0, x, 0.5 * expm1(x)))
  expect_equal(as_r(op_gelu(f64(x), approximate = FALSE)), x * pnorm(x))
  gelu_tanh <- 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
  expect_equal(as_r(op_gelu(f64(x))), gelu_tanh)
  expect_equal(as_r(op_leaky_relu(f64(x))), ifelse(x >= 0, x, 0.2 * x))
  expect_equal(as_r(op_leaky_relu(f64(x), negative_slope = 0.01)), ifelse(x >= 0, x, 0.01 * x))
  expect_equal(as_r(op_softplus(f64(c(30, 100)))), c(30, 100))
  expect_error(op_gelu(f64(x), approximate = "yes"), class = "recurrent_error_argument")
  expect_error(op_elu(f64(x), alpha = "a"), class = "recurrent_error_argument")
})

test_that("op_clip and op_where", {
  x <- c(-3, -0.5, 0.2, 0.9, 4)
  expect_equal(as_r(op_clip(f64(x), -1, 1)), pmin(pmax(x, -1), 1))
  expect_equal(as_r(op_clip(f64(x), f64(c(0, 0, 0, 0, 0)), 0.5)), pmin(pmax(x, 0), 0.5))
  m <- matrix(c(1, -2, 3, -4, 5, -6), 2, 3)
  expect_equal(as_r(op_where(f64(m) > 0, f64(m), 0)), ifelse(m > 0, m, 0))
  # the condition broadcasts: one flag per column
  expect_equal(as_r(op_where(c(TRUE, FALSE, TRUE), f64(m), f64(-m))),
               m * matrix(c(1, -1, 1), 2, 3, byrow = TRUE))
  expect_equal(as_r(op_where(c(1, 0, 2), 1, 0)), c(1, 0, 1))
  expect_error(op_where(c(TRUE, FALSE)), class = "recurrent_error_argument")
  expect_error(op_where(op_ones(c(2, 3)) > 0, op_ones(c(4)), 0), "op_where")
})

test_that("comparisons and logic give bool tensors", {
  a <- c(1, 2, 3, 4)
  b <- c(4, 2, 1, 4)
  expect_identical(as_r(op_equal(f32(a), b)), a == b)
  expect_identical(as_r(op_not_equal(f32(a), b)), a != b)
  expect_identical(as_r(op_greater(f32(a), b)), a > b)
  expect_identical(as_r(op_greater_equal(f32(a), b)), a >= b)
  expect_identical(as_r(op_less(f32(a), b)), a < b)
  expect_identical(as_r(op_less_equal(f32(a), b)), a <= b)
  expect_equal(op_dtype(op_less(f32(a), b)), "bool")
  p <- c(TRUE, TRUE, FALSE, FALSE)
  q <- c(TRUE, FALSE, TRUE, FALSE)
  expect_identical(as_r(op_logical_and(p, q)), p & q)
  expect_identical(as_r(op_logical_or(p, q)), p | q)
  expect_identical(as_r(op_logical_not(p)), !p)
  expect_identical(as_r(op_logical_and(f32(c(0, 2, 0, -1)), 1)), c(FALSE, TRUE, FALSE, TRUE))
  m <- matrix(1:6, 2, 3)
  expect_identical(as_r(op_greater(op_convert_to_tensor(m), c(1L, 4L, 5L))), m > matrix(c(1, 4, 5), 2, 3, byrow = TRUE))
})

test_that("op_cast, op_stop_gradient and op_copy", {
  x <- f32(c(-1.7, 0, 2.9))
  expect_equal(as_r(op_cast(x, "int32")), c(-1L, 0L, 2L))
  expect_equal(as_r(op_cast(x, "bool")), c(TRUE, FALSE, TRUE))
  expect_equal(op_dtype(op_cast(x, "float64")), "float64")
  expect_error(op_cast(x, "complex64"), class = "recurrent_error_argument")
  expect_equal(as_r(op_stop_gradient(x)), as_r(x))
  y <- op_copy(x)
  expect_equal(as_r(y), as_r(x))
  expect_equal(op_dtype(y), "float32")
})

test_that("gradients of the binary ops match finite differences", {
  a <- matrix(c(0.7, -1.3, 2.1, 0.4, -0.6, 1.5), 2, 3)
  b <- matrix(c(1.2, 0.8, -0.5, 2.2, 1.7, -0.9), 2, 3)
  pos <- abs(a) + 0.5
  expect_grad(op_add, a, b)
  expect_grad(op_subtract, a, b)
  expect_grad(op_multiply, a, b)
  expect_grad(op_divide, a, b)
  expect_grad(op_power, pos, b)
  expect_grad(op_maximum, a, b)
  expect_grad(op_minimum, a, b)
  # broadcast operands get their gradients summed back to their shapes
  expect_grad(op_add, a, c(0.3, -0.2, 1))
  expect_grad(op_multiply, a, matrix(c(0.5, -2), 2, 1))
  expect_grad(op_divide, array(c(0.5, 1, 2), c(1, 3)), b)
  expect_grad(op_subtract, 0.7, a)
  expect_grad(function(x) op_add(x, 1), a)  # an R number operand
})

test_that("gradients of the unary ops and activations match finite differences", {
  x <- matrix(c(-1.7, -0.6, 0.35, 0.9, 1.4, 2.3), 2, 3)
  p <- abs(x) + 0.2
  for (f in list(op_negative, op_square, op_exp, op_abs, op_tanh, op_sigmoid, op_relu, op_silu,
                 op_softplus, op_selu, op_elu, op_hard_sigmoid, op_leaky_relu, op_expm1, op_sin,
                 op_cos)) {
    expect_grad(f, x)
  }
  for (f in list(op_sqrt, op_log, op_log1p, op_reciprocal)) expect_grad(f, p)
  expect_grad(function(x) op_gelu(x, approximate = FALSE), x)
  expect_grad(function(x) op_gelu(x, approximate = TRUE), x)
  expect_grad(function(x) op_elu(x, alpha = 0.3), x)
  expect_grad(function(x) op_leaky_relu(x, negative_slope = 0.05), x)
  expect_grad(function(x) op_clip(x, -1, 1), x)
  # rounding and sign have zero gradient
  g <- grads_of(function(x) op_sum(op_add(op_floor(x), op_sign(x))), x)[[1]]
  expect_equal(as.vector(g), rep(0, 6))
})

test_that("gradients of op_where, op_cast, op_copy and op_stop_gradient", {
  x <- c(-1.5, 0.5, 2, -0.2)
  y <- c(0.3, 0.7, -1.1, 2.4)
  expect_grad(function(a, b) op_where(c(TRUE, FALSE, TRUE, FALSE), a, b), x, y)
  expect_grad(function(a) op_where(a > 0, op_square(a), op_multiply(a, 3)), x)
  # through float32 and back: finite differences would drown in rounding, so by hand
  g <- grads_of(function(a) op_sum(op_multiply(op_cast(op_cast(a, "float32"), "float64"), c(1, 2, 3, 4))), x)[[1]]
  expect_equal(as.vector(g), c(1, 2, 3, 4))
  expect_grad(op_copy, x)
  g <- grads_of(function(a) op_sum(op_add(op_multiply(op_stop_gradient(a), a), a)), x)[[1]]
  expect_equal(as.vector(g), x + 1)
})
