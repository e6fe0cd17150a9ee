test_that("random tensors have the asked shape, dtype and distribution", {
  x <- random_normal(c(200, 50), mean = 2, stddev = 3)
  expect_equal(dim(x), c(200L, 50L))
  expect_equal(op_dtype(x), "float32")
  v <- as.vector(as_r(x))
  expect_equal(mean(v), 2, tolerance = 0.05)
  expect_equal(sd(v), 3, tolerance = 0.05)
  u <- as.vector(as_r(random_uniform(c(1000), minval = -1, maxval = 3)))
  expect_true(all(u >= -1 & u < 3))
  expect_equal(mean(u), 1, tolerance = 0.1)
  t <- as.vector(as_r(random_truncated_normal(c(5000), mean = 1, stddev = 0.5)))
  expect_true(all(abs(t - 1) <= 1 + 1e-6))
  expect_equal(sd(t), 0.5 * 0.8796, tolerance = 0.05)  # sd of N(0,1) cut at +-2
  i <- random_integer(c(3, 400), 0, 9)
  expect_equal(op_dtype(i), "int32")
  iv <- as.vector(as_r(i))
  expect_true(all(iv >= 0 & iv <= 8))
  expect_setequal(unique(iv), 0:8)
  expect_equal(op_dtype(random_normal(c(2), dtype = "float64")), "float64")
  expect_equal(dim(random_uniform(shape(2, 3))), c(2L, 3L))
  expect_equal(dim(random_normal(integer())), integer())
  expect_equal(as.vector(as_r(random_integer(c(4), 2, 2.5))), rep(2L, 4))
})

test_that("set.seed() reproduces draws; an explicit seed repeats without touching the stream", {
  set.seed(11)
  a <- as_r(random_normal(c(3, 3)))
  set.seed(11)
  b <- as_r(random_normal(c(3, 3)))
  expect_equal(a, b)

  set.seed(5)
  before <- stats::runif(3)
  set.seed(5)
  s1 <- as_r(random_uniform(c(4), seed = 123))
  after <- stats::runif(3)
  expect_equal(after, before)  # the global stream did not move
  s2 <- as_r(random_uniform(c(4), seed = 123))
  expect_equal(s1, s2)
  expect_false(isTRUE(all.equal(s1, as_r(random_uniform(c(4), seed = 124)))))
  expect_equal(as_r(random_integer(c(5), 0, 100, seed = 1)), as_r(random_integer(c(5), 0, 100, seed = 1)))
  expect_equal(as_r(random_truncated_normal(c(5), seed = 9)), as_r(random_truncated_normal(c(5), seed = 9)))
})

test_that("random functions explain bad arguments", {
  expect_error(random_normal(c(2, -3)), class = "recurrent_error_argument")
  expect_error(random_normal(c(2), seed = "a"), class = "recurrent_error_argument")
  expect_error(random_normal(c(2), stddev = "x"), class = "recurrent_error_argument")
  expect_error(random_uniform(c(2), minval = 2, maxval = 1), class = "recurrent_error_argument")
  expect_error(random_integer(c(2), 3, 3), class = "recurrent_error_argument")
  expect_error(random_integer(c(2), 0.5, 3), class = "recurrent_error_argument")
})

f64 <- function(x) op_convert_to_tensor(x, dtype = "float64")

test_that("a seed generator is a stream of its own that moves on", {
  set.seed(3)
  before <- stats::runif(2)
  set.seed(3)
  gen <- random_seed_generator(seed = 42)
  first <- as_r(random_uniform(c(3), seed = gen))
  second <- as_r(random_uniform(c(2, 2), seed = gen))
  expect_equal(stats::runif(2), before)  # R's own stream did not move
  # the generator's stream is the one set.seed(42) starts
  ref <- withr::with_seed(42, stats::runif(7))
  expect_equal(first, ref[1:3], tolerance = 1e-6)
  expect_equal(second, c_array(ref[4:7], c(2, 2)), tolerance = 1e-6)
  # its first draw is the draw with seed = 42, as in Keras
  expect_equal(first, as_r(random_uniform(c(3), seed = 42)))
  # two generators with the same seed give the same sequence, whatever is drawn
  g1 <- random_seed_generator(7)
  g2 <- random_seed_generator(7)
  expect_equal(as_r(random_normal(c(4), seed = g1)), as_r(random_normal(c(4), seed = g2)))
  expect_equal(as_r(random_integer(c(5), 0, 100, seed = g1)), as_r(random_integer(c(5), 0, 100, seed = g2)))
  expect_equal(as_r(random_truncated_normal(c(3), seed = g1)), as_r(random_truncated_normal(c(3), seed = g2)))
  g3 <- random_seed_generator(8)
  random_normal(c(4), seed = g3)
  expect_equal(as_r(random_normal(c(4), seed = g3)), withr::with_seed(8, stats::rnorm(8))[5:8], tolerance = 1e-6)
})

test_that("random_seed_generator() names itself and draws its seed from R's stream", {
  clear_session()
  a <- random_seed_generator(1)
  b <- random_seed_generator(2)
  expect_equal(a$name, "seed_generator")
  expect_equal(b$name, "seed_generator_1")
  expect_equal(random_seed_generator(1, name = "noise")$name, "noise")
  expect_s3_class(a, "recurrent_seed_generator")
  expect_s3_class(a, "keras.src.random.seed_generator.SeedGenerator")
  expect_output(print(a), "<SeedGenerator name=seed_generator, seed=1>", fixed = TRUE)
  set.seed(10)
  s1 <- random_seed_generator()$seed
  set.seed(10)
  s2 <- random_seed_generator()$seed
  expect_equal(s1, s2)
  expect_equal(s1, withr::with_seed(10, sample.int(1e9, 1L)))
  expect_error(random_seed_generator("a"), "`seed` must be `NULL` or a whole number", class = "recurrent_error_argument")
  expect_error(random_seed_generator(1.5), "`seed`", class = "recurrent_error_argument")
  expect_error(random_seed_generator(3e9), "`seed`", class = "recurrent_error_argument")
  expect_error(random_seed_generator(1, name = 2), "`name` must be `NULL` or a single string", class = "recurrent_error_argument")
  expect_error(random_seed_generator(1, backend = "jax"), "Unknown argument.*backend", class = "recurrent_error_argument")
  expect_error(random_normal(c(2), seed = list(1)), "`seed` must be `NULL`, a whole number or a `random_seed_generator\\(\\)`",
               class = "recurrent_error_argument")
  expect_error(random_normal(c(2), seed = 2.5), "`seed`", class = "recurrent_error_argument")
})

test_that("set_random_seed() makes later draws repeat", {
  set_random_seed(42)
  a <- as_r(random_normal(c(3)))
  expect_equal(a, withr::with_seed(42, stats::rnorm(3)), tolerance = 1e-6)
  set_random_seed(42)
  expect_equal(as_r(random_normal(c(3))), a)
  set_random_seed(5)
  d1 <- as_r(random_dropout(op_ones(c(20)), 0.5))
  w1 <- layer_dense(units = 2)
  w1(op_ones(c(1, 3)))
  set_random_seed(5)
  d2 <- as_r(random_dropout(op_ones(c(20)), 0.5))
  w2 <- layer_dense(units = 2)
  w2(op_ones(c(1, 3)))
  expect_equal(d1, d2)
  expect_equal(get_weights(w1), get_weights(w2))
  expect_null(set_random_seed(1))
  expect_error(set_random_seed(-1), "`seed` must be a whole number from 0 to 2147483647.*Got -1", class = "recurrent_error_argument")
  expect_error(set_random_seed(1.5), "`seed`", class = "recurrent_error_argument")
  expect_error(set_random_seed("1"), "`seed`", class = "recurrent_error_argument")
  expect_error(set_random_seed(3e9), "`seed`", class = "recurrent_error_argument")
  expect_error(set_random_seed(NULL), "`seed`", class = "recurrent_error_argument")
})

test_that("random_dropout drops with probability rate and scales the rest by 1 / (1 - rate)", {
  x <- matrix(seq(0.5, 6, by = 0.5), 3, 4)
  got <- as_r(random_dropout(f64(x), rate = 0.4, seed = 7))
  keep <- c_array(withr::with_seed(7, stats::runif(12)) >= 0.4, c(3, 4))
  expect_equal(got, x * keep / 0.6)
  expect_true(any(keep) && !all(keep))
  # noise_shape: one draw per row, broadcast over the columns
  got <- as_r(random_dropout(f64(x), rate = 0.5, noise_shape = c(NA, 1), seed = 3))
  rows <- withr::with_seed(3, stats::runif(3)) >= 0.5
  expect_equal(got, x * rows / 0.5)
  got <- as_r(random_dropout(f64(x), rate = 0.5, noise_shape = list(1, NULL), seed = 3))
  cols <- withr::with_seed(3, stats::runif(4)) >= 0.5
  expect_equal(got, sweep(x, 2, cols / 0.5, `*`))
  expect_equal(as_r(random_dropout(f64(x), rate = 0.5, noise_shape = shape(3, 4), seed = 7)),
               as_r(random_dropout(f64(x), rate = 0.5, seed = 7)))
  # rate 0 keeps everything; integers become floatx; the fraction dropped is about rate
  expect_equal(as_r(random_dropout(f64(x), rate = 0)), x)
  i <- random_dropout(matrix(1:4, 2), rate = 0.5, seed = 1)
  expect_equal(op_dtype(i), "float32")
  expect_true(all(as_r(i) %in% c(0, 2, 4, 6, 8)))
  expect_equal(mean(as_r(random_dropout(op_ones(c(20000)), 0.3)) == 0), 0.3, tolerance = 0.05)
  # a seed generator moves on; a fixed seed repeats
  gen <- random_seed_generator(11)
  d1 <- as_r(random_dropout(f64(x), 0.5, seed = gen))
  d2 <- as_r(random_dropout(f64(x), 0.5, seed = gen))
  expect_false(isTRUE(all.equal(d1, d2)))
  expect_equal(d1, as_r(random_dropout(f64(x), 0.5, seed = 11)))
})

test_that("random_dropout explains bad arguments", {
  x <- f64(matrix(1, 2, 3))
  expect_error(random_dropout(x), "`rate` is missing", class = "recurrent_error_argument")
  expect_error(random_dropout(x, 1), "`rate` must be a single number.*< 1", class = "recurrent_error_argument")
  expect_error(random_dropout(x, -0.1), "`rate`", class = "recurrent_error_argument")
  expect_error(random_dropout(x, "a"), "`rate`", class = "recurrent_error_argument")
  expect_error(random_dropout(x, 0.5, noise_shape = c(2, 3, 1)), "`noise_shape` must have one entry per axis.*\\(2\\)",
               class = "recurrent_error_argument")
  expect_error(random_dropout(x, 0.5, noise_shape = c(2, 2)), "1 or the size of its axis.*\\(2, 3\\).*Got \\(2, 2\\)",
               class = "recurrent_error_argument")
  expect_error(random_dropout(x, 0.5, seed = "a"), "`seed`", class = "recurrent_error_argument")
})

test_that("random_dropout gradients: the kept entries, scaled", {
  x <- matrix(c(0.5, -1.2, 2, 0.3, 1.1, -0.7), 2, 3)
  expect_grad(function(t) random_dropout(t, 0.5, seed = 4), x)
  expect_grad(function(t) random_dropout(t, 0.25, noise_shape = c(1, NA), seed = 2), x)
  g <- grads_of(function(t) op_sum(random_dropout(t, 0.5, seed = 4)), x)[[1]]
  keep <- c_array(withr::with_seed(4, stats::runif(6)) >= 0.5, c(2, 3))
  expect_equal(g, keep * 2, ignore_attr = TRUE)
})

test_that("initializers, layer_dropout and cells take a seed generator, which moves on at every draw", {
  # a generator's stream is R's stream seeded with the generator's seed
  set.seed(5)
  first <- runif(6, -0.05, 0.05)
  second <- runif(6, -0.05, 0.05)
  init <- initializer_random_uniform(seed = random_seed_generator(seed = 5))
  expect_equal(as.numeric(as.array(init(6))), first, tolerance = 1e-7)
  expect_equal(as.numeric(as.array(init(6))), second, tolerance = 1e-7)
  # an integer seed gives the same values at every call
  fixed <- initializer_random_uniform(seed = 5)
  expect_equal(as.numeric(as.array(fixed(6))), first, tolerance = 1e-7)
  expect_equal(as.numeric(as.array(fixed(6))), first, tolerance = 1e-7)

  set.seed(7)
  keep1 <- runif(8) >= 0.5
  keep2 <- runif(8) >= 0.5
  drop <- layer_dropout(rate = 0.5, seed = random_seed_generator(seed = 7))
  x <- matrix(1, 1, 8)
  expect_equal(as.numeric(as.array(drop(x, training = TRUE))), 2 * keep1)
  expect_equal(as.numeric(as.array(drop(x, training = TRUE))), 2 * keep2)

  # a cell's integer seed s draws its first mask with seed s + 1, a generator from its
  # own start: the same mask for a generator seeded with s + 1
  xs <- array(seq_len(2 * 3 * 4) / 10, c(2, 3, 4))
  run <- function(seed) {
    set.seed(1)
    layer <- layer_simple_rnn(units = 3, dropout = 0.5, seed = seed)
    as.array(layer(xs, training = TRUE))
  }
  expect_equal(run(random_seed_generator(seed = 12)), run(11))
  expect_false(isTRUE(all.equal(run(11), run(12))))  # the masks matter
  expect_error(layer_dropout(rate = 0.5, seed = "a"), "random_seed_generator")
})
