# Control flow ops, eager and inside a recurrent cell written in R. Expected values
# are computed by hand or with plain R loops.

test_that("op_cond picks a branch from an R or tensor predicate", {
  expect_identical(op_cond(TRUE, function() "yes", function() "no"), "yes")
  expect_identical(op_cond(op_convert_to_tensor(0) > 1, function() "yes", function() "no"), "no")
  expect_error(op_cond(c(TRUE, FALSE), function() 1, function() 2), class = "recurrent_error")
})

test_that("op_while_loop follows keras3's examples and maximum_iterations", {
  expect_identical(op_while_loop(function(i) i < 10L, function(i) list(i + 1L), list(0L)), list(10L))
  expect_identical(op_while_loop(\(x, y) x < 10, \(x, y) list(x + 1, y + 1), list(0, 1)), list(10, 11))
  expect_identical(op_while_loop(function(i) i < 10, function(i) i + 1, 0, maximum_iterations = 3), 3)
  got <- op_while_loop(function(x) op_sum(x) < 100, function(x) x * 2, op_convert_to_tensor(c(1, 2)))
  expect_identical(as.numeric(as.array(got)), c(64, 128))  # sums 3, 6, ..., 96, then 192
  expect_error(op_while_loop(function(i) i < 3, function(i) list(i, i), list(0)), class = "recurrent_error")
})

test_that("op_fori_loop sums like a for loop and carries gradients", {
  expect_identical(op_fori_loop(0L, 10L, function(i, state) state + i, 0L), sum(0:9))
  expect_identical(op_fori_loop(5, 5, function(i, state) state + 1, 0), 0)
  # x -> x^(2^3) by three squarings: d/dx = 8 x^7
  expect_grad(function(x) op_fori_loop(0, 3, function(i, s) op_square(s), x), c(0.9, 1.1))
})

test_that("op_scan carries state and stacks outputs, forwards and in reverse", {
  res <- op_scan(function(carry, x) list(carry + x, carry * x), 0, c(1, 2, 3))
  expect_identical(as.numeric(as.array(res[[1]])), 6)
  expect_identical(as.numeric(as.array(res[[2]])), c(0, 2, 9))
  res <- op_scan(function(carry, x) list(carry + x, carry), 0, c(1, 2, 3), reverse = TRUE)
  expect_identical(as.numeric(as.array(res[[2]])), c(5, 3, 0))  # y[i] is the carry before slice i
  m <- rbind(c(1, 2), c(3, 4), c(5, 6))
  res <- op_scan(function(carry, x) list(carry + x, op_sum(x)), c(0, 0), m)
  expect_identical(as.numeric(as.array(res[[1]])), colSums(m))
  expect_identical(as.numeric(as.array(res[[2]])), rowSums(m))
  res <- op_scan(function(carry, x) list(carry * 2, NULL), 1, length = 4)
  expect_identical(res[[1]], 16)
  expect_null(res[[2]])
  # a cumulative product as a scan: gradient against finite differences
  expect_grad(function(x) op_scan(function(c, v) list(c * v, c * v), 1, x)[[2]], c(0.5, 2, -1.5))
})

# the R calls of a counting_cell() (helper-counting-cell.R) running `step`
run_counting <- function(step, x, W, U) {
  calls <- new_call_counter()
  layer <- counting_layer(step, calls, W, U, return_sequences = TRUE)
  list(out = as.array(layer(x)), calls = calls$n)
}

test_that("inside an R cell, op_fori_loop and op_scan replay; op_cond and op_while_loop on tensors stay correct", {
  set.seed(21)
  x <- array(runif(2 * 6 * 3, -1, 1), c(2, 6, 3))
  W <- matrix(runif(3 * 4, -1, 1), 3, 4); U <- matrix(runif(16, -0.5, 0.5), 4, 4)
  # plain-R reference: h_t = tanh(x W + h U) applied twice per step (the loops' work)
  ref <- function(twice = TRUE, flip_negative = FALSE) {
    h <- matrix(0, 2, 4); out <- array(0, c(2, 6, 4))
    for (t in 1:6) {
      a <- tanh(x[, t, ] %*% W + h %*% U)
      if (twice) a <- tanh(a %*% U)
      if (flip_negative && sum(a) < 0) a <- -a
      h <- a
      out[, t, ] <- h
    }
    out
  }
  fori_step <- function(self, x, h) {
    a <- op_tanh(op_matmul(x, self$kernel) + op_matmul(h, self$recurrent_kernel))
    op_fori_loop(0, 1, function(i, s) op_tanh(op_matmul(s, self$recurrent_kernel)), a)
  }
  got <- run_counting(fori_step, x, W, U)
  expect_equal(got$out, ref(), tolerance = 1e-5)
  expect_identical(got$calls, 3L)  # recorded at steps 2 and 3, replayed after

  scan_step <- function(self, x, h) {
    a <- op_tanh(op_matmul(x, self$kernel) + op_matmul(h, self$recurrent_kernel))
    op_scan(function(c, k) list(op_tanh(op_matmul(c, k)), NULL), a, op_expand_dims(self$recurrent_kernel, 1))[[1]]
  }
  got <- run_counting(scan_step, x, W, U)
  expect_equal(got$out, ref(), tolerance = 1e-5)
  expect_identical(got$calls, 3L)

  cond_step <- function(self, x, h) {
    a <- op_tanh(op_matmul(op_tanh(op_matmul(x, self$kernel) + op_matmul(h, self$recurrent_kernel)),
                           self$recurrent_kernel))
    op_cond(op_sum(a) < 0, function() op_negative(a), function() a)
  }
  got <- run_counting(cond_step, x, W, U)
  expect_equal(got$out, ref(flip_negative = TRUE), tolerance = 1e-5)
  expect_identical(got$calls, 6L)  # the branch reads a value: every step runs in R

  while_step <- function(self, x, h) {
    a <- op_tanh(op_matmul(x, self$kernel) + op_matmul(h, self$recurrent_kernel))
    op_while_loop(function(s, i) i < 1, function(s, i) list(op_tanh(op_matmul(s, self$recurrent_kernel)), i + 1),
                  list(a, op_convert_to_tensor(0)))[[1]]
  }
  got <- run_counting(while_step, x, W, U)
  expect_equal(got$out, ref(), tolerance = 1e-5)
  expect_identical(got$calls, 6L)
})
