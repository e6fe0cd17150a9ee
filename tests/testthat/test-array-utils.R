# Expected values: Keras's sequence_utils_test.py / numerical_utils_test.py, NumPy's
# documented reshape order, and base R computations written out by hand.

test_that("array_reshape() fills in row-major order by default, like NumPy", {
  # np.arange(6).reshape(2, 3) == [[0, 1, 2], [3, 4, 5]]
  expect_equal(array_reshape(0:5, c(2, 3)), matrix(c(0, 1, 2, 3, 4, 5), 2, 3, byrow = TRUE))
  expect_equal(array_reshape(0:5, c(2, 3), order = "F"), matrix(0:5, 2, 3))
  # np.arange(24).reshape(2, 3, 4)[1, 2, 3] == 23 and [0, 1, 2] == 6
  a <- array_reshape(0:23, c(2, 3, 4))
  expect_equal(a[2, 3, 4], 23L)
  expect_equal(a[1, 2, 3], 6L)
  # reshaping a matrix reads it row by row: [[0, 1, 2], [3, 4, 5]] -> (3, 2) is [[0, 1], [2, 3], [4, 5]]
  m <- matrix(c(0, 1, 2, 3, 4, 5), 2, 3, byrow = TRUE)
  expect_equal(array_reshape(m, c(3, -1)), matrix(c(0, 1, 2, 3, 4, 5), 3, 2, byrow = TRUE))
  expect_equal(as.vector(array_reshape(m, c(-1))), c(0, 1, 2, 3, 4, 5))
  expect_equal(dim(array_reshape(m, c(NA, 1, 2))), c(3L, 1L, 2L))
  expect_error(array_reshape(1:6, c(4, 2)), class = "recurrent_error")
  expect_error(array_reshape(1:6, c(-1, -1)), class = "recurrent_error")
  expect_error(array_reshape(1:7, c(-1, 2)), "multiple", class = "recurrent_error")
  expect_error(array_reshape(list(1), 1), class = "recurrent_error")
})

test_that("to_categorical() makes one-hot rows with the class axis last", {
  expect_equal(to_categorical(c(0, 2, 1, 2)),
               rbind(c(1, 0, 0), c(0, 0, 1), c(0, 1, 0), c(0, 0, 1)))
  expect_equal(to_categorical(c(0, 1), num_classes = 4), rbind(c(1, 0, 0, 0), c(0, 1, 0, 0)))
  # a trailing axis of size 1 is dropped (Keras: (n, 1) -> (n, num_classes))
  expect_equal(dim(to_categorical(matrix(c(0, 1, 2), 3, 1))), c(3L, 3L))
  # a matrix of labels: (2, 2) -> (2, 2, 3); entry [i, j, ] is the one-hot of x[i, j]
  x <- matrix(c(0, 1, 2, 1), 2, 2)
  oh <- to_categorical(x)
  expect_equal(dim(oh), c(2L, 2L, 3L))
  expect_equal(oh[2, 1, ], c(0, 1, 0))
  expect_equal(oh[1, 2, ], c(0, 0, 1))
  # factors: levels in order are classes 0, 1, 2
  expect_equal(to_categorical(factor(c("b", "a", "c"))), rbind(c(0, 1, 0), c(1, 0, 0), c(0, 0, 1)))
  expect_error(to_categorical(c(0, 3), num_classes = 3), "less than", class = "recurrent_error")
  expect_error(to_categorical(c(-1, 1)), class = "recurrent_error")
  expect_error(to_categorical(c(0.5, 1)), class = "recurrent_error")
})

test_that("normalize() divides by the norm along an axis (Keras's test values)", {
  # numerical_utils_test.py, test_normalize_numpy_axis_zero
  x <- rbind(c(3, 0, 12), c(4, 5, 0))
  expect_equal(normalize(x, axis = 1), rbind(c(0.6, 0, 1), c(0.8, 1, 0)))
  set.seed(3)
  m <- matrix(runif(9), 3, 3)
  for (p in c(1, 2, 3)) {
    norms <- apply(abs(m)^p, 1, sum)^(1 / p)
    expect_equal(normalize(m, order = p), m / norms)
  }
  expect_equal(normalize(m, order = Inf), m / apply(abs(m), 1, max))
  # a zero row stays zero
  expect_equal(normalize(rbind(c(0, 0), c(3, 4))), rbind(c(0, 0), c(0.6, 0.8)))
  a <- array(1:24, c(2, 3, 4))
  expected <- a
  for (i in 1:2) for (k in 1:4) expected[i, , k] <- a[i, , k] / sqrt(sum(a[i, , k]^2))
  expect_equal(normalize(a, axis = 2), expected)
  expect_equal(normalize(c(3, 4)), c(0.6, 0.8))
  t <- normalize(op_convert_to_tensor(matrix(c(3, 4), 1)))
  expect_true(op_is_tensor(t))
  expect_equal(as.array(t), matrix(c(0.6, 0.8), 1), tolerance = 1e-6)
  expect_error(normalize(x, axis = 3), "out of range", class = "recurrent_error")
  expect_error(normalize(x, order = 0), class = "recurrent_error")
})

test_that("pad_sequences() pads and truncates as Keras's tests expect", {
  a <- list(1, 1:2, 1:3)
  m <- function(...) rbind(...)
  expect_identical(pad_sequences(a, maxlen = 3, padding = "pre"), m(c(0L, 0L, 1L), c(0L, 1L, 2L), c(1L, 2L, 3L)))
  expect_identical(pad_sequences(a, maxlen = 3, padding = "post"), m(c(1L, 0L, 0L), c(1L, 2L, 0L), c(1L, 2L, 3L)))
  expect_identical(pad_sequences(a, maxlen = 2, truncating = "pre"), m(c(0L, 1L), c(1L, 2L), c(2L, 3L)))
  expect_identical(pad_sequences(a, maxlen = 2, truncating = "post"), m(c(0L, 1L), c(1L, 2L), c(1L, 2L)))
  expect_identical(pad_sequences(a, maxlen = 3, value = 1), m(c(1L, 1L, 1L), c(1L, 1L, 2L), c(1L, 2L, 3L)))
  # default maxlen: the longest sequence
  expect_identical(dim(pad_sequences(a)), c(3L, 3L))
  f <- list(1.2, c(1.2, 2.3), c(1.2, 2.3, 3.4))
  expect_equal(pad_sequences(f, maxlen = 2, truncating = "post", dtype = "float32"),
               m(c(0, 1.2), c(1.2, 2.3), c(1.2, 2.3)))
  expect_equal(pad_sequences(f, maxlen = 3, value = 1, dtype = "float32"),
               m(c(1, 1, 1.2), c(1, 1.2, 2.3), c(1.2, 2.3, 3.4)))
  # int32 truncates floats toward zero, as NumPy's cast does
  expect_identical(pad_sequences(list(c(1.7, -2.5)))[1, ], c(1L, -2L))
  s <- list("1", c("1", "2"), c("1", "2", "3"))
  expect_identical(pad_sequences(s, maxlen = 3, padding = "post", value = "pad", dtype = "object"),
                   m(c("1", "pad", "pad"), c("1", "2", "pad"), c("1", "2", "3")))
  expect_identical(pad_sequences(s, maxlen = 2, truncating = "pre", value = "pad", dtype = "object"),
                   m(c("pad", "1"), c("1", "2"), c("2", "3")))
  expect_error(pad_sequences(s), "numbers", class = "recurrent_error")
  # empty sequences give rows of padding; an empty list gives a 0-row matrix
  expect_identical(pad_sequences(list(integer(), 5L), maxlen = 2), m(c(0L, 0L), c(0L, 5L)))
  expect_identical(dim(pad_sequences(list())), c(0L, 0L))
  # a plain-R reference on random sequences, every padding/truncating combination
  set.seed(42)
  seqs <- lapply(sample(0:15, 50, replace = TRUE), function(n) sample.int(100, n, replace = TRUE))
  ref <- function(seqs, maxlen, padding, truncating) {
    t(vapply(seqs, function(s) {
      if (length(s) > maxlen) s <- if (truncating == "pre") utils::tail(s, maxlen) else utils::head(s, maxlen)
      pad <- rep(0L, maxlen - length(s))
      if (padding == "pre") c(pad, s) else c(s, pad)
    }, integer(maxlen)))
  }
  for (p in c("pre", "post")) for (tr in c("pre", "post"))
    expect_identical(pad_sequences(seqs, maxlen = 8, padding = p, truncating = tr), ref(seqs, 8, p, tr))
  expect_error(pad_sequences(a, padding = "middle"), "padding", class = "recurrent_error")
  expect_error(pad_sequences(a, truncating = "both"), "truncating", class = "recurrent_error")
  expect_error(pad_sequences(a, maxlen = -1), class = "recurrent_error")
  expect_error(pad_sequences(a, dtype = "complex"), "dtype", class = "recurrent_error")
  expect_error(pad_sequences(1:3), class = "recurrent_error")
})

test_that("op_convert_to_tensor() takes what the array helpers return", {
  p <- op_convert_to_tensor(pad_sequences(list(1:2, 3L)))
  expect_equal(op_dtype(p), "int32")
  expect_equal(as.array(p), rbind(c(1L, 2L), c(0L, 3L)))
  oh <- op_convert_to_tensor(to_categorical(c(1, 0)))
  expect_equal(as.array(oh), rbind(c(0, 1), c(1, 0)), tolerance = 0)
  r <- op_convert_to_tensor(array_reshape(1:6, c(3, 2)))
  expect_equal(as.array(r), rbind(1:2, 3:4, 5:6))
})

test_that("split_dataset() splits samples with Keras's size rules", {
  x <- matrix(1:20, 10, 2)
  y <- 1:10
  .[left, right] <- split_dataset(list(x, y), left_size = 0.8)
  expect_equal(left[[1]], x[1:8, ])
  expect_equal(right[[2]], 9:10)
  # an integer size and the rest
  parts <- split_dataset(y, right_size = 3)
  expect_equal(parts, list(1:7, 8:10))
  # both NULL: half
  expect_equal(split_dataset(y), list(1:5, 6:10))
  # fractions are rounded half to even (Python's round): 0.25 * 10 = 2.5 -> 2
  expect_equal(lengths(split_dataset(y, left_size = 0.25)), c(2L, 8L))
  # both given may leave samples out
  expect_equal(split_dataset(y, left_size = 2, right_size = 3), list(1:2, 3:5))
  # shuffled: a permutation of the samples, rows kept together
  .[l, r] <- split_dataset(list(a = x, b = y), left_size = 6, shuffle = TRUE, seed = 1)
  expect_named(l, c("a", "b"))
  expect_setequal(c(l$b, r$b), 1:10)
  expect_equal(l$a[, 1], l$b)
  expect_error(split_dataset(y, left_size = 0.7, right_size = 0.5), "at most 1", class = "recurrent_error")
  expect_error(split_dataset(y, left_size = 10), class = "recurrent_error")
  expect_error(split_dataset(list(1:3, 1:4)), "same number", class = "recurrent_error")
})

test_that("zip_lists() zips by position or by name", {
  expect_equal(zip_lists(list("a", "b"), list(1, 2)), list(list("a", 1), list("b", 2)))
  expect_equal(zip_lists(g = list("g1", "g2"), w = list("w1", "w2")),
               list(list(g = "g1", w = "w1"), list(g = "g2", w = "w2")))
  x <- list(first = 1, second = 2)
  z <- zip_lists(x, rev(x))
  expect_equal(z, list(first = list(1, 1), second = list(2, 2)))
  expect_error(zip_lists(x, list(third = 1, fourth = 2)), "names", class = "recurrent_error")
  expect_error(zip_lists(1:2, 1:3), "same length", class = "recurrent_error")
})

test_that(". and %<>% are re-exported", {
  .[a, b] <- list(1, 2)
  expect_equal(c(a, b), c(1, 2))
  v <- c(3, 1, 2)
  v %<>% sort()
  expect_equal(v, c(1, 2, 3))
})
