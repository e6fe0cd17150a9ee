f64 <- function(x) op_convert_to_tensor(x, dtype = "float64")

x3 <- array(seq(0.5, by = 0.75, length.out = 24), c(2, 3, 4))

test_that("op_reshape reads and writes in row-major order", {
  x <- op_convert_to_tensor(1:9, dtype = "float32")
  r <- op_reshape(x, c(1, 3, 3, 1))
  expect_equal(dim(r), c(1L, 3L, 3L, 1L))
  expect_equal(as_r(r)[1, , , 1], matrix(1:9, 3, 3, byrow = TRUE))
  expect_equal(as_r(op_reshape(f64(x3), c(4, 6))), c_array(c_order(x3), c(4, 6)))
  expect_equal(as_r(op_reshape(f64(x3), c(6, -1))), c_array(c_order(x3), c(6, 4)))
  expect_equal(dim(op_reshape(f64(x3), c(NA, 2))), c(12L, 2L))
  expect_equal(dim(op_reshape(f64(x3), list(NULL, 8))), c(3L, 8L))
  expect_equal(dim(op_reshape(f64(x3), shape(NA, 4, 2))), c(3L, 4L, 2L))
  expect_equal(dim(op_reshape(f64(x3), 24)), 24L)
  expect_equal(dim(op_reshape(f64(5), c(1, 1))), c(1L, 1L))
  expect_error(op_reshape(f64(x3), c(5, 5)), "op_reshape.*\\(2, 3, 4\\).*\\(5, 5\\)")
  expect_error(op_reshape(f64(x3), c(-1, -1)), "op_reshape.*more than one")
  expect_error(op_reshape(f64(x3), c(5, -1)), "op_reshape")
  expect_error(op_reshape(f64(x3), c(2.5, 4)), class = "recurrent_error_argument")
})

test_that("op_transpose, t() and aperm() permute like base aperm()", {
  x <- f64(x3)
  expect_equal(as_r(op_transpose(x)), aperm(x3))
  expect_equal(as_r(op_transpose(x, c(2, 1, 3))), aperm(x3, c(2, 1, 3)))
  expect_equal(as_r(op_transpose(x, c(3, 1, 2))), aperm(x3, c(3, 1, 2)))
  expect_equal(as_r(op_transpose(x, c(-1, 1, 2))), aperm(x3, c(3, 1, 2)))
  expect_equal(as_r(op_transpose(x, c(1, 2, 3))), x3)
  big <- matrix(seq_len(70 * 45) / 7, 70, 45)
  expect_equal(as_r(op_transpose(f64(big))), t(big))
  b4 <- array(seq_len(2 * 3 * 4 * 5), c(2, 3, 4, 5))
  expect_equal(as_r(op_transpose(f64(b4), c(1, 3, 2, 4))), aperm(b4, c(1, 3, 2, 4)))
  expect_equal(as_r(op_transpose(f64(b4), c(4, 3, 1, 2))), aperm(b4, c(4, 3, 1, 2)))
  expect_error(op_transpose(x, c(1, 1, 2)), "op_transpose.*permutation")
  expect_error(op_transpose(x, c(1, 2)), "op_transpose")
  expect_error(op_transpose(x, c(0, 1, 2)), class = "recurrent_error_argument")
})

test_that("op_concatenate and op_stack", {
  a <- matrix(1:6, 2, 3) + 0.5
  b <- matrix(7:9, 1, 3) + 0.5
  expect_equal(as_r(op_concatenate(list(f64(a), f64(b)))), rbind(a, b), ignore_attr = TRUE)
  expect_equal(as_r(op_concatenate(list(f64(a), f64(a * 2)), axis = 2)), cbind(a, a * 2))
  expect_equal(as_r(op_concatenate(list(f64(a), a * 2), axis = -1)), cbind(a, a * 2))
  y <- array(1:12, c(2, 3, 2))
  z <- array(0, c(2, 3, 6))
  z[, , 1:4] <- x3[, , 1:4]
  z[, , 5:6] <- y
  expect_equal(as_r(op_concatenate(list(f64(x3), f64(y)), axis = 3)), z)
  expect_equal(op_dtype(op_concatenate(list(op_convert_to_tensor(1:2), f64(array(0.5))))), "float64")
  expect_error(op_concatenate(list(f64(a), f64(b)), axis = 2), "op_concatenate.*\\(2, 3\\).*\\(1, 3\\)")
  expect_error(op_concatenate(f64(a)), class = "recurrent_error_argument")
  expect_error(op_concatenate(list()), class = "recurrent_error_argument")

  s <- op_stack(list(f64(a), f64(a * 10)))
  expect_equal(dim(s), c(2L, 2L, 3L))
  expect_equal(as_r(s)[2, , ], a * 10)
  s2 <- as_r(op_stack(list(f64(a), f64(a * 10)), axis = 2))
  expect_equal(s2[, 1, ], a)
  expect_equal(s2[, 2, ], a * 10)
  s3 <- as_r(op_stack(list(f64(a), f64(a * 10)), axis = -1))
  expect_equal(s3[, , 2], a * 10)
  expect_error(op_stack(list(f64(a), f64(b))), "op_stack.*\\(2, 3\\).*\\(1, 3\\)")
})

test_that("op_split and op_unstack return R lists", {
  x <- op_convert_to_tensor(1:12)
  p <- op_split(x, array(c(3, 8)))
  expect_type(p, "list")
  expect_equal(lapply(p, as_r), list(1:2, 3:7, 8:12))
  expect_equal(lapply(op_split(x, 3), as_r), list(1:4, 5:8, 9:12))
  expect_equal(lapply(op_split(x, c(5, 6)), as_r), list(1:4, 5L, 6:12))
  q <- op_split(f64(x3), 2, axis = 3)
  expect_equal(as_r(q[[1]]), x3[, , 1:2])
  expect_equal(as_r(q[[2]]), x3[, , 3:4])
  expect_equal(as_r(op_split(f64(x3), c(2, 3), axis = 2)[[2]]), x3[, 2, , drop = FALSE])
  expect_error(op_split(x, 5), class = "recurrent_error_argument")
  expect_error(op_split(x, c(8, 3)), class = "recurrent_error_argument")
  expect_error(op_split(x, 2, axis = 2), class = "recurrent_error_argument")

  u <- op_unstack(f64(x3), axis = 2)
  expect_length(u, 3)
  expect_equal(as_r(u[[3]]), x3[, 3, ])
  expect_equal(as_r(op_unstack(f64(x3))[[2]]), x3[2, , ])
  expect_equal(as_r(op_unstack(f64(x3), axis = -1)[[4]]), x3[, , 4])
  expect_error(op_unstack(f64(x3), num = 5), class = "recurrent_error_argument")
})

test_that("op_expand_dims and op_squeeze", {
  x <- f64(x3)
  expect_equal(dim(op_expand_dims(x, 1)), c(1L, 2L, 3L, 4L))
  expect_equal(dim(op_expand_dims(x, 2)), c(2L, 1L, 3L, 4L))
  expect_equal(dim(op_expand_dims(x, -1)), c(2L, 3L, 4L, 1L))
  expect_equal(dim(op_expand_dims(x, c(1, -1))), c(1L, 2L, 3L, 4L, 1L))
  expect_equal(dim(op_expand_dims(x, c(2, 4))), c(2L, 1L, 3L, 1L, 4L))
  expect_equal(as_r(op_expand_dims(x, 2))[, 1, , ], x3)
  expect_error(op_expand_dims(x, 0), class = "recurrent_error_argument")
  expect_error(op_expand_dims(x, 6), "op_expand_dims")
  y <- f64(array(1:6, c(1, 2, 1, 3)))
  expect_equal(dim(op_squeeze(y)), c(2L, 3L))
  expect_equal(dim(op_squeeze(y, 1)), c(2L, 1L, 3L))
  expect_equal(dim(op_squeeze(y, c(1, 3))), c(2L, 3L))
  expect_equal(as_r(op_squeeze(y)), matrix(1:6, 2, 3))
  expect_error(op_squeeze(y, 2), "op_squeeze.*axis 2.*\\(1, 2, 1, 3\\)")
})

test_that("op_slice takes a box from 1-based starts", {
  m <- matrix(1:12, 3, 4) + 0.25
  expect_equal(as_r(op_slice(f64(m), c(2, 2), c(2, 3))), m[2:3, 2:4])
  expect_equal(as_r(op_slice(f64(x3), c(1, 2, 3), c(2, 2, 2))), x3[1:2, 2:3, 3:4])
  expect_equal(as_r(op_slice(f64(x3), c(2, 1, 1), c(1, NA, -1))), x3[2, , , drop = FALSE])
  expect_error(op_slice(f64(m), c(3, 1), c(2, 2)), "op_slice.*\\(3, 1\\).*\\(3, 4\\)")
  expect_error(op_slice(f64(m), c(0, 1), c(1, 1)), class = "recurrent_error_argument")
  expect_error(op_slice(f64(m), c(1, 1, 1), c(1, 1, 1)), "op_slice")
})

test_that("op_take is 1-based, along an axis or over the flattened tensor", {
  m <- matrix(1:6, 2, 3) + 0.5
  expect_equal(as_r(op_take(f64(m), c(3, 1), axis = 2)), m[, c(3, 1)])
  expect_equal(as_r(op_take(f64(m), c(2, 2, 1), axis = 1)), m[c(2, 2, 1), ])
  expect_equal(as_r(op_take(f64(m), 1:4)), c_order(m)[1:4])
  expect_equal(as_r(op_take(f64(m), -1, axis = 2)), m[, 3])
  expect_equal(as_r(op_take(f64(m), c(0, 2), axis = 2, zero_indexed = TRUE)), m[, c(1, 3)])
  idx <- matrix(c(1, 3, 2, 1), 2, 2)
  got <- as_r(op_take(f64(x3), idx, axis = 2))
  expect_equal(dim(got), c(2L, 2L, 2L, 4L))
  expect_equal(got[, 2, 1, ], x3[, 3, ])
  expect_equal(as_r(op_take(f64(m), op_convert_to_tensor(c(2L, 1L)), axis = 1)), m[2:1, ])
  expect_error(op_take(f64(m), 4, axis = 2), "op_take.*4.*axis 2.*size 3")
  expect_error(op_take(f64(m), 0, axis = 2), "op_take.*1-based")
  expect_error(op_take(f64(m), 1.5), "op_take")
})

test_that("op_flip, op_tile and op_broadcast_to", {
  expect_equal(as_r(op_flip(f64(x3), axis = 2)), x3[, 3:1, ])
  expect_equal(as_r(op_flip(f64(x3), axis = c(1, 3))), x3[2:1, , 4:1])
  expect_equal(as_r(op_flip(f64(x3))), x3[2:1, 3:1, 4:1])
  m <- matrix(1:4, 2, 2) + 0.5
  expect_equal(as_r(op_tile(f64(m), c(1, 2))), cbind(m, m))
  expect_equal(as_r(op_tile(f64(m), c(2, 3))), rbind(cbind(m, m, m), cbind(m, m, m)))
  expect_equal(as_r(op_tile(f64(m), 2)), cbind(m, m))
  t3 <- as_r(op_tile(f64(m), c(2, 1, 1)))
  expect_equal(dim(t3), c(2L, 2L, 2L))
  expect_equal(t3[2, , ], m)
  expect_equal(dim(op_tile(f64(m), c(0, 1))), c(0L, 2L))
  expect_error(op_tile(f64(m), c(-1, 1)), class = "recurrent_error_argument")
  v <- c(1, 2, 3)
  expect_equal(as_r(op_broadcast_to(f64(v), c(2, 3))), rbind(v, v), ignore_attr = TRUE)
  expect_equal(as_r(op_broadcast_to(f64(matrix(v, 3, 1)), c(3, 2))), cbind(v, v), ignore_attr = TRUE)
  expect_error(op_broadcast_to(f64(v), c(2, 4)), "op_broadcast_to.*\\(3\\).*\\(2, 4\\)")
})

test_that("op_one_hot uses 1-based classes", {
  expect_equal(as_r(op_one_hot(c(1, 3, 2), 3)), diag(3)[c(1, 3, 2), ])
  expect_equal(as_r(op_one_hot(c(0, 2), 3, zero_indexed = TRUE)), diag(3)[c(1, 3), ])
  expect_equal(as_r(op_one_hot(c(4, 0), 3)), matrix(0, 2, 3))
  expect_equal(as_r(op_one_hot(c(1, 3), 3, axis = 1)), t(diag(3)[c(1, 3), ]))
  expect_equal(as_r(op_one_hot(factor(c("b", "a", "c")))), diag(3)[c(2, 1, 3), ])
  expect_equal(op_dtype(op_one_hot(1:2, 2)), "float32")
  expect_equal(op_dtype(op_one_hot(1:2, 2, dtype = "int32")), "int32")
  ids <- matrix(c(1, 2, 2, 1), 2, 2)
  expect_equal(dim(op_one_hot(ids, 2)), c(2L, 2L, 2L))
  expect_equal(as_r(op_one_hot(ids, 2))[1, 2, ], c(0, 1))
  expect_error(op_one_hot(1:2, -1), class = "recurrent_error_argument")
  expect_error(op_one_hot(1:2, 2, sparse = TRUE), class = "recurrent_error_argument")
})

test_that("shape op gradients match finite differences", {
  x <- x3
  expect_grad(function(t) op_reshape(t, c(4, 6)), x)
  expect_grad(function(t) op_reshape(t, c(-1, 2)), x)
  expect_grad(function(t) op_transpose(t), x)
  expect_grad(function(t) op_transpose(t, c(2, 3, 1)), x)
  expect_grad(function(a, b) op_concatenate(list(a, b), axis = 2), x, x[, 1:2, ] * 2)
  expect_grad(function(a, b) op_concatenate(list(a, b, a), axis = 1), x, x)
  expect_grad(function(a, b) op_stack(list(a, b), axis = 2), x, x + 1)
  expect_grad(function(t) op_split(t, c(2, 3), axis = 2), x)
  expect_grad(function(t) op_split(t, 2, axis = -1), x)
  expect_grad(function(t) op_unstack(t, axis = 3), x)
  expect_grad(function(t) op_expand_dims(t, 2), x)
  expect_grad(function(t) op_squeeze(t), array(1:6, c(1, 6, 1)) / 3)
  expect_grad(function(t) op_slice(t, c(1, 2, 2), c(2, 2, 3)), x)
  expect_grad(function(t) op_take(t, c(3, 1, 3), axis = 2), x)   # repeats add up
  expect_grad(function(t) op_take(t, c(5, 24, 5)), x)
  expect_grad(function(t) op_flip(t, axis = c(1, 3)), x)
  expect_grad(function(t) op_tile(t, c(2, 1, 3)), x)
  expect_grad(function(t) op_tile(t, c(2, 1, 1, 1)), x)
  expect_grad(function(t) op_broadcast_to(t, c(3, 2, 4)), matrix(1:8, 2, 4) / 5)
})

test_that("views of a variable are snapshots that still pass gradients to it", {
  m <- matrix(c(1.5, 2.5, 3.5, 4.5, 5.5, 6.5), 2, 3)
  v <- recurrent:::new_variable(m, dtype = "float64")
  r <- op_reshape(v, c(3, 2))
  e <- op_expand_dims(v, 1)
  s <- op_stop_gradient(v)
  same <- op_transpose(v, c(1, 2))
  c64 <- op_cast(v, "float64")
  v$assign(matrix(0, 2, 3))
  expect_equal(as_r(r), c_array(c_order(m), c(3, 2)))
  expect_equal(as_r(e)[1, , ], m)
  expect_equal(as_r(s), m)
  expect_equal(as_r(same), m)
  expect_equal(as_r(c64), m)
  v$assign(m)
  w <- matrix(1:6, 3, 2)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(op_reshape(v, c(3, 2)), w)))
  g <- as.array(recurrent:::gradients(loss, list(v))[[1]])
  expect_equal(g, c_array(c_order(w), c(2, 3)))
})

test_that("op_swapaxes and op_moveaxis permute like aperm()", {
  x <- f64(x3)
  expect_equal(as_r(op_swapaxes(x, 1, 3)), aperm(x3, c(3, 2, 1)))
  expect_equal(as_r(op_swapaxes(x, 2, -1)), aperm(x3, c(1, 3, 2)))
  expect_equal(as_r(op_swapaxes(x, -3, 2)), aperm(x3, c(2, 1, 3)))
  expect_equal(as_r(op_swapaxes(x, 2, 2)), x3)
  m <- matrix(1:6, 2, 3)
  expect_equal(as_r(op_swapaxes(m, 1, 2)), t(m))
  expect_equal(as_r(op_moveaxis(x, 1, -1)), aperm(x3, c(2, 3, 1)))
  expect_equal(as_r(op_moveaxis(x, -1, 1)), aperm(x3, c(3, 1, 2)))
  expect_equal(as_r(op_moveaxis(x, 2, 2)), x3)
  expect_equal(as_r(op_moveaxis(x, c(1, 2), c(3, 1))), aperm(x3, c(2, 3, 1)))
  expect_equal(as_r(op_moveaxis(x, list(3, 1), list(1, 2))), aperm(x3, c(3, 1, 2)))
  # NumPy's documented shapes for an array of shape (3, 4, 5)
  z <- op_zeros(c(3, 4, 5))
  expect_equal(dim(op_moveaxis(z, 1, -1)), c(4L, 5L, 3L))
  expect_equal(dim(op_moveaxis(z, -1, 1)), c(5L, 3L, 4L))
  expect_equal(dim(op_moveaxis(z, c(1, 2), c(-1, -2))), c(5L, 4L, 3L))
  expect_equal(dim(op_swapaxes(z, 1, 3)), c(5L, 4L, 3L))
})

test_that("op_swapaxes and op_moveaxis explain bad axes", {
  x <- f64(x3)
  expect_error(op_swapaxes(x, 0, 1), "`axis1` is 1-based", class = "recurrent_error_argument")
  expect_error(op_swapaxes(x, 1, 4), "`axis2` is out of range.*3 dimensions", class = "recurrent_error_argument")
  expect_error(op_swapaxes(x, c(1, 2), 3), "`axis1` must be a whole number", class = "recurrent_error_argument")
  expect_error(op_swapaxes(x, 1.5, 3), "axis1", class = "recurrent_error_argument")
  expect_error(op_moveaxis(x, 0, 1), "`source` is 1-based", class = "recurrent_error_argument")
  expect_error(op_moveaxis(x, 1, -4), "`destination` is out of range", class = "recurrent_error_argument")
  expect_error(op_moveaxis(x, c(1, 1), c(2, 3)), "`source` must name distinct axes", class = "recurrent_error_argument")
  expect_error(op_moveaxis(x, c(1, 2), c(3, -1)), "`destination` must name distinct axes", class = "recurrent_error_argument")
  expect_error(op_moveaxis(x, c(1, 2), 3), "same number of axes.*Got 2 and 1", class = "recurrent_error_argument")
})

test_that("op_swapaxes and op_moveaxis gradients match finite differences", {
  expect_grad(function(x) op_swapaxes(x, 1, 3), x3)
  expect_grad(function(x) op_moveaxis(x, c(1, 2), c(3, 1)), x3)
})

test_that("op_pad pads with a constant as NumPy does", {
  m <- matrix(c(1.5, 2, 3, 4, 5, 6), 2, 3, byrow = TRUE)
  expect_equal(as_r(op_pad(f64(m), list(c(1, 0), c(0, 2)))),
               rbind(0, cbind(m, 0, 0)))
  expect_equal(as_r(op_pad(f64(m), rbind(c(0, 1), c(2, 0)))),
               rbind(cbind(0, 0, m), 0))
  expect_equal(as_r(op_pad(f64(m), 1, constant_values = 9)),
               rbind(9, cbind(9, m, 9), 9))
  # one (before, after) pair applies to every axis
  want <- matrix(-1, 5, 6)
  want[2:3, 2:4] <- m
  expect_equal(as_r(op_pad(f64(m), c(1, 2), constant_values = -1)), want)
  expect_equal(as_r(op_pad(f64(m), list(c(1, 2)), constant_values = -1)), want)
  expect_equal(as_r(op_pad(f64(m), matrix(c(1, 2), 1), constant_values = -1)), want)
  expect_equal(as_r(op_pad(f64(m), op_convert_to_tensor(matrix(c(1, 1, 2, 2), 2)), constant_values = -1)),
               as_r(op_pad(f64(m), list(c(1, 2), c(1, 2)), constant_values = -1)))
  # a list of single numbers: that many on both sides of each axis
  expect_equal(dim(op_pad(f64(m), list(0, 2))), c(2L, 7L))
  # the dtype stays; zero widths leave the tensor as it was
  p <- op_pad(op_convert_to_tensor(matrix(1:4, 2)), list(c(0, 1), c(0, 0)), constant_values = 7)
  expect_equal(op_dtype(p), "int32")
  expect_equal(as_r(p), rbind(matrix(1:4, 2), 7L))
  expect_equal(as_r(op_pad(f64(m), 0)), m)
  a <- array(1:24, c(2, 3, 4))
  got <- as_r(op_pad(a, list(c(0, 0), c(1, 1), c(0, 0))))
  expect_equal(dim(got), c(2L, 5L, 4L))
  expect_equal(got[, 2:4, ], a)
  expect_true(all(got[, c(1, 5), ] == 0))
})

test_that("op_pad's reflect, symmetric, edge and wrap modes follow NumPy", {
  # numpy.pad's documented examples: a = [1, 2, 3, 4, 5], pad_width (2, 3)
  a <- f64(c(1, 2, 3, 4, 5))
  expect_equal(as_r(op_pad(a, c(2, 3), mode = "reflect")), c(3, 2, 1, 2, 3, 4, 5, 4, 3, 2))
  expect_equal(as_r(op_pad(a, c(2, 3), mode = "symmetric")), c(2, 1, 1, 2, 3, 4, 5, 5, 4, 3))
  expect_equal(as_r(op_pad(a, c(2, 3), mode = "edge")), c(1, 1, 1, 2, 3, 4, 5, 5, 5, 5))
  expect_equal(as_r(op_pad(a, c(2, 3), mode = "wrap")), c(4, 5, 1, 2, 3, 4, 5, 1, 2, 3))
  # wrap may go round more than once
  expect_equal(as_r(op_pad(f64(c(1, 2, 3)), 5, mode = "wrap")), c(2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2))
  # 2-D: each axis in turn, checked against base R indexing
  m <- matrix(seq(0.5, 6, by = 0.5)[1:9], 3, 3)
  expect_equal(as_r(op_pad(f64(m), list(c(1, 1), c(2, 2)), mode = "reflect")),
               m[c(2, 1, 2, 3, 2), c(3, 2, 1, 2, 3, 2, 1)])
  expect_equal(as_r(op_pad(f64(m), list(c(2, 0), c(1, 3)), mode = "symmetric")),
               m[c(2, 1, 1, 2, 3), c(1, 1, 2, 3, 3, 2, 1)])
  expect_equal(as_r(op_pad(f64(m), list(c(0, 1), c(1, 0)), mode = "edge")),
               m[c(1, 2, 3, 3), c(1, 1, 2, 3)])
  expect_equal(as_r(op_pad(f64(m), list(c(1, 1), c(0, 2)), mode = "wrap")),
               m[c(3, 1, 2, 3, 1), c(1, 2, 3, 1, 2)])
})

test_that("op_pad explains bad arguments", {
  m <- f64(matrix(1:6, 2, 3))
  expect_error(op_pad(m, 1, mode = "mean"), "\"mean\" is not supported", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1, mode = "linear_ramp"), "not supported", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1, mode = "mirror"), "`mode` must be one of.*Got \"mirror\"", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1, mode = NA_character_), "`mode` must be a single string", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1, mode = "reflect", constant_values = 0), "`constant_values` only applies", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1, constant_values = "a"), "`constant_values` must be a single number", class = "recurrent_error_argument")
  expect_error(op_pad(m, c(1, 2, 3)), "`pad_width` must be a number.*Got c\\(1, 2, 3\\)", class = "recurrent_error_argument")
  expect_error(op_pad(m, -1), "non-negative whole numbers", class = "recurrent_error_argument")
  expect_error(op_pad(m, 1.5), "non-negative whole numbers", class = "recurrent_error_argument")
  expect_error(op_pad(m, "a"), "`pad_width`", class = "recurrent_error_argument")
  expect_error(op_pad(m, list(c(1, 1), "a")), "`pad_width`", class = "recurrent_error_argument")
  expect_error(op_pad(m, list(c(1, 1), c(1, 1), c(1, 1))), "one \\(before, after\\) pair per axis: 2 pairs.*Got 3 pairs",
               class = "recurrent_error_argument")
  expect_error(op_pad(m, matrix(1, 2, 3)), "`pad_width`", class = "recurrent_error_argument")
  expect_error(op_pad(m, list(c(2, 0), c(0, 0)), mode = "reflect"), "at most 1 entry on each side of axis 1.*Got 2 before",
               class = "recurrent_error_argument")
  expect_error(op_pad(m, list(c(0, 0), c(0, 4)), mode = "symmetric"), "at most 3 entries.*axis 2", class = "recurrent_error_argument")
  expect_error(op_pad(op_zeros(c(0, 2)), list(c(1, 0), c(0, 0)), mode = "edge"), "axis 1: it is empty",
               class = "recurrent_error_argument")
})

test_that("op_pad gradients match finite differences", {
  m <- matrix(c(0.5, -1.2, 2, 0.3, 1.1, -0.7, 0.9, -0.4, 1.6), 3, 3)
  expect_grad(function(x) op_pad(x, list(c(1, 2), c(0, 1)), constant_values = 3), m)
  for (mode in c("reflect", "symmetric", "edge", "wrap"))
    expect_grad(function(x) op_pad(x, list(c(2, 1), c(1, 2)), mode = mode), m)
  # by hand: reflect-padding [a b c] by 1 gives [b a b c b]: b's gradient collects 3 terms
  g <- grads_of(function(x) op_sum(op_pad(x, 1, mode = "reflect")), c(0.1, 0.2, 0.3))[[1]]
  expect_equal(as.vector(g), c(1, 3, 1))
})
