# Expected values: the examples in Keras's docstrings for StringLookup,
# IntegerLookup, TextVectorization, CategoryEncoding, Discretization and
# Normalization, and counts / logs worked out by hand or with base R.

arr <- function(t) as.array(t)

test_that("layer_string_lookup(): Keras's docstring examples", {
  vocab <- c("a", "b", "c", "d")
  data <- rbind(c("a", "c", "d"), c("d", "z", "b"))
  expect_equal(arr(layer_string_lookup(vocabulary = vocab)(data)), rbind(c(1L, 3L, 4L), c(4L, 0L, 2L)))
  # adapt: by descending frequency, ties with the larger string first
  layer <- layer_string_lookup()
  adapt(layer, data)
  expect_equal(get_vocabulary(layer), c("[UNK]", "d", "z", "c", "b", "a"))
  expect_equal(arr(layer(data)), rbind(c(5L, 3L, 1L), c(1L, 2L, 4L)))
  # mask token: index 0; OOV 1
  layer <- layer_string_lookup(vocabulary = vocab, mask_token = "")
  expect_equal(arr(layer(rbind(c("a", "c", ""), c("", "z", "b")))), rbind(c(2L, 4L, 0L), c(0L, 1L, 3L)))
  expect_equal(get_vocabulary(layer), c("", "[UNK]", vocab))
  expect_equal(get_vocabulary(layer, include_special_tokens = FALSE), vocab)
  # one_hot, multi_hot, count, tf_idf
  oh <- arr(layer_string_lookup(vocabulary = vocab, output_mode = "one_hot")(c("a", "b", "c", "d", "z")))
  expect_equal(oh, rbind(c(0, 1, 0, 0, 0), c(0, 0, 1, 0, 0), c(0, 0, 0, 1, 0), c(0, 0, 0, 0, 1), c(1, 0, 0, 0, 0)))
  mh <- arr(layer_string_lookup(vocabulary = vocab, output_mode = "multi_hot")(rbind(c("a", "c", "d", "d"), c("d", "z", "b", "z"))))
  expect_equal(mh, rbind(c(0, 1, 0, 1, 1), c(1, 0, 1, 0, 1)))
  ct <- arr(layer_string_lookup(vocabulary = vocab, output_mode = "count")(rbind(c("a", "c", "d", "d"), c("d", "z", "b", "z"))))
  expect_equal(ct, rbind(c(0, 1, 0, 1, 2), c(2, 0, 1, 0, 1)))
  tf <- layer_string_lookup(vocabulary = vocab, idf_weights = c(0.25, 0.75, 0.6, 0.4), output_mode = "tf_idf")
  expect_equal(arr(tf(rbind(c("a", "c", "d", "d"), c("d", "z", "b", "z")))),
               rbind(c(0, 0.25, 0, 0.6, 0.8), c(1.0, 0, 0.75, 0, 0.4)), tolerance = 1e-6)
  # inverse lookup
  inv <- layer_string_lookup(vocabulary = vocab, invert = TRUE)
  expect_equal(arr(inv(rbind(c(1, 3, 4), c(4, 0, 2)))), rbind(c("a", "c", "d"), c("d", "[UNK]", "b")))
  expect_error(layer_string_lookup(vocabulary = c("a", "a")), "repeated", class = "recurrent_error")
  expect_error(layer_string_lookup(vocabulary = vocab)(1:3), "strings", class = "recurrent_error")
  expect_error(layer_string_lookup(output_mode = "multi_hot")("a"), "vocabulary", class = "recurrent_error")
  expect_error(layer_string_lookup(num_oov_indices = 2), "not supported", class = "recurrent_error")
})

test_that("adapt() with tf_idf: log(1 + documents / (1 + document count)), OOV gets the mean", {
  layer <- layer_string_lookup(output_mode = "tf_idf")
  docs <- rbind(c("a", "a"), c("a", "b"), c("c", "c"))
  adapt(layer, docs)
  expect_equal(get_vocabulary(layer), c("[UNK]", "a", "c", "b"))
  idf <- log(1 + 3 / (1 + c(2, 1, 1)))
  out <- arr(layer(rbind(c("a", "a"), c("b", "z"))))
  expect_equal(out, rbind(c(0, 2 * idf[1], 0, 0), c(mean(idf), 0, 0, idf[3])), tolerance = 1e-6)
})

test_that("layer_integer_lookup(): Keras's docstring examples", {
  vocab <- c(12, 36, 1138, 42)
  data <- rbind(c(12, 1138, 42), c(42, 1000, 36))
  expect_equal(arr(layer_integer_lookup(vocabulary = vocab)(data)), rbind(c(1L, 3L, 4L), c(4L, 0L, 2L)))
  layer <- layer_integer_lookup()
  adapt(layer, rbind(c(12, 1138, 42), c(42, 1000, 36)))
  expect_equal(get_vocabulary(layer), c(-1L, 42L, 1138L, 1000L, 36L, 12L))
  # two OOV indices: value modulo 2 (Keras's floormod)
  layer <- layer_integer_lookup(vocabulary = vocab, num_oov_indices = 2)
  expect_equal(arr(layer(rbind(c(12, 1138, 42), c(37, 1000, 36)))), rbind(c(2L, 4L, 5L), c(1L, 0L, 3L)))
  inv <- layer_integer_lookup(vocabulary = vocab, invert = TRUE)
  expect_equal(arr(inv(rbind(c(1, 3, 4), c(4, 0, 2)))), rbind(c(12L, 1138L, 42L), c(42L, -1L, 36L)))
  layer <- layer_integer_lookup(vocabulary = vocab, mask_token = 0)
  expect_equal(arr(layer(rbind(c(12, 0, 42)))), rbind(c(2L, 0L, 5L)))
  expect_error(layer_integer_lookup(vocabulary = vocab, num_oov_indices = 0)(7), "vocabulary", class = "recurrent_error")
})

test_that("layer_text_vectorization(): standardize, split, vocabulary and Keras's ids", {
  texts <- c("The cat sat on the mat.", "The dog ate my homework!")
  v <- layer_text_vectorization(max_tokens = 20, output_sequence_length = 6)
  adapt(v, texts)
  # "the" 3 times; the rest once, larger strings first
  expect_equal(get_vocabulary(v),
               c("", "[UNK]", "the", "sat", "on", "my", "mat", "homework", "dog", "cat", "ate"))
  expect_equal(arr(v(c("The CAT, ate.", "an unseen word"))), rbind(c(2L, 9L, 10L, 0L, 0L, 0L), c(1L, 1L, 1L, 0L, 0L, 0L)))
  # truncation keeps the first ids; without output_sequence_length, pad to the longest
  expect_equal(arr(layer_text_vectorization(vocabulary = c("a", "b"), output_sequence_length = 2)("a b a b")),
               rbind(c(2L, 3L)))
  expect_equal(arr(layer_text_vectorization(vocabulary = c("a", "b"))(c("a", "b a a"))), rbind(c(2L, 0L, 0L), c(3L, 2L, 2L)))
  # max_tokens counts the special tokens
  v3 <- layer_text_vectorization(max_tokens = 4)
  adapt(v3, texts)
  expect_equal(get_vocabulary(v3), c("", "[UNK]", "the", "sat"))
  # Keras's docstring: a given vocabulary, int output
  v4 <- layer_text_vectorization(vocabulary = c("earth", "wind", "and", "fire"), output_sequence_length = 4)
  expect_equal(arr(v4(c("earth wind and fire", "fire and earth michigan"))), rbind(c(2L, 3L, 4L, 5L), c(5L, 4L, 2L, 1L)))
  # multi_hot / count: vocabulary starts with "[UNK]"
  v5 <- layer_text_vectorization(output_mode = "count")
  adapt(v5, c("b a", "a"))
  expect_equal(get_vocabulary(v5), c("[UNK]", "a", "b"))
  expect_equal(arr(v5(c("a a c", "b"))), rbind(c(1, 2, 0), c(0, 0, 1)))
  v6 <- layer_text_vectorization(output_mode = "multi_hot", max_tokens = 6, pad_to_max_tokens = TRUE)
  adapt(v6, c("b a", "a"))
  expect_equal(arr(v6("a a c")), rbind(c(1, 1, 0, 0, 0, 0)))
  # punctuation is Keras's ASCII set; "lower" keeps it; a custom split
  expect_equal(get_vocabulary(adapt(layer_text_vectorization(standardize = "lower"), "Hi, hi"), FALSE), c("hi,", "hi"))
  sp <- layer_text_vectorization(split = function(x) strsplit(x, "-"), standardize = NULL)
  adapt(sp, "x-y-x")
  expect_equal(get_vocabulary(sp, FALSE), c("x", "y"))
  ch <- layer_text_vectorization(split = "character")
  adapt(ch, "abca")
  expect_equal(get_vocabulary(ch, FALSE), c("a", "c", "b"))
  # ngrams = 2: unigrams then bigrams of each document
  ng <- layer_text_vectorization(ngrams = 2, output_mode = "count")
  adapt(ng, "a b c")
  expect_setequal(get_vocabulary(ng, FALSE), c("a", "b", "c", "a b", "b c"))
  expect_error(layer_text_vectorization(output_mode = "one_hot"), "output_mode", class = "recurrent_error")
  expect_error(layer_text_vectorization(vocabulary = "a")(1), "strings", class = "recurrent_error")
})

test_that("a text vectorizer adapts from a dataset and runs inside a model on strings", {
  dir <- withr::local_tempdir()
  dir.create(file.path(dir, "neg"))
  dir.create(file.path(dir, "pos"))
  writeLines("bad awful film", file.path(dir, "neg", "1.txt"))
  writeLines("awful", file.path(dir, "neg", "2.txt"))
  writeLines("good great film", file.path(dir, "pos", "1.txt"))
  ds <- text_dataset_from_directory(dir, batch_size = 2, shuffle = FALSE, verbose = FALSE)
  v <- layer_text_vectorization(output_sequence_length = 3)
  adapt(v, ds)
  expect_equal(get_vocabulary(v), c("", "[UNK]", "film", "awful", "great", "good", "bad"))
  inp <- keras_input(shape = 1, dtype = "string")
  out <- inp |> v() |> layer_embedding(7, 2) |> layer_flatten() |> layer_dense(1)
  model <- keras_model(inp, out)
  expect_equal(model$output$shape, list(NULL, 1L))
  ids <- arr(v(c("good film", "bad")))
  emb <- get_weights(model)[[1]]
  w <- get_weights(model)
  # flatten is row-major: timestep t, embedding unit e -> feature (t - 1) * 2 + e
  expected <- vapply(1:2, function(i) {
    e <- as.vector(t(emb[ids[i, ] + 1, , drop = FALSE]))
    sum(e * w[[2]]) + w[[3]]
  }, 0)
  expect_equal(as.vector(predict(model, c("good film", "bad"), verbose = 0)), expected, tolerance = 1e-5)
  compile(model, loss = "mse", optimizer = "sgd")
  h <- fit(model, c("good film", "bad"), c(1, 0), epochs = 2, verbose = 0)
  expect_length(h$metrics$loss, 2)
  expect_true(all(is.finite(h$metrics$loss)))
})

test_that("get_config() gives Keras's keys and recreates the layer with from_config()", {
  v <- layer_text_vectorization(max_tokens = 10, output_sequence_length = 4)
  adapt(v, c("a b b", "c"))
  cfg <- get_config(v)
  expect_true(all(c("max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
                    "pad_to_max_tokens", "sparse", "ragged", "vocabulary", "idf_weights", "encoding",
                    "vocabulary_size", "name") %in% names(cfg)))
  expect_equal(cfg$vocabulary, c("b", "c", "a"))
  expect_equal(cfg$vocabulary_size, 5L)
  v2 <- from_config(cfg)
  expect_equal(arr(v2(c("a c z"))), arr(v(c("a c z"))))
  s <- layer_string_lookup(vocabulary = c("x", "y"))
  expect_true(all(c("invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode",
                    "pad_to_max_tokens", "vocabulary", "encoding") %in% names(get_config(s))))
})

test_that("layer_category_encoding(): Keras's docstring examples", {
  oh <- layer_category_encoding(num_tokens = 4, output_mode = "one_hot")
  expect_equal(arr(oh(c(3, 2, 0, 1))), rbind(c(0, 0, 0, 1), c(0, 0, 1, 0), c(1, 0, 0, 0), c(0, 1, 0, 0)))
  mh <- layer_category_encoding(num_tokens = 4, output_mode = "multi_hot")
  expect_equal(arr(mh(rbind(c(0, 1), c(0, 0), c(1, 2), c(3, 1)))),
               rbind(c(1, 1, 0, 0), c(1, 0, 0, 0), c(0, 1, 1, 0), c(0, 1, 0, 1)))
  ct <- layer_category_encoding(num_tokens = 4, output_mode = "count")
  w <- rbind(c(0.1, 0.2), c(0.1, 0.1), c(0.2, 0.3), c(0.4, 0.2))
  expect_equal(arr(ct(rbind(c(0, 1), c(0, 0), c(1, 2), c(3, 1)), count_weights = w)),
               rbind(c(0.1, 0.2, 0, 0), c(0.2, 0, 0, 0), c(0, 0.2, 0.3, 0), c(0, 0.2, 0, 0.4)), tolerance = 1e-6)
  expect_error(mh(c(0, 4)), "range", class = "recurrent_error")
})

test_that("layer_discretization(): Keras's docstring examples", {
  x <- rbind(c(-1.5, 1.0, 3.4, 0.5), c(0.0, 3.0, 1.3, 0.0))
  expect_equal(arr(layer_discretization(bin_boundaries = c(0, 1, 2))(x)), rbind(c(0L, 2L, 3L, 1L), c(1L, 3L, 2L, 1L)))
  layer <- layer_discretization(num_bins = 4, epsilon = 0.01)
  adapt(layer, x)
  expect_equal(arr(layer(x)), rbind(c(0L, 2L, 3L, 2L), c(1L, 3L, 3L, 1L)))
  # by hand: 8 sorted values, quartiles interpolated on cumulative weights 1/8 .. 8/8
  expect_equal(layer$bin_boundaries, c(0, 0.5, 1.3), tolerance = 1e-6)
  oh <- layer_discretization(bin_boundaries = c(0, 1), output_mode = "one_hot")
  expect_equal(arr(oh(c(-1, 0.5, 2))), rbind(c(1, 0, 0), c(0, 1, 0), c(0, 0, 1)))
  expect_error(layer_discretization(bin_boundaries = c(2, 1)), "increasing", class = "recurrent_error")
})

test_that("layer_normalization(): Keras's docstring examples", {
  adapt_data <- rbind(c(0, 7, 4), c(2, 9, 6), c(0, 7, 4), c(2, 9, 6))
  layer <- layer_normalization(axis = -1)
  adapt(layer, adapt_data)
  expect_equal(arr(layer(rbind(c(0, 7, 4)))), rbind(c(-1, -1, -1)), tolerance = 1e-6)
  expect_equal(lapply(get_weights(layer)[1:2], as.vector), list(c(1, 8, 5), c(1, 1, 1)))
  layer <- layer_normalization(axis = NULL)
  adapt(layer, c(1, 2, 3, 4, 5))
  expect_equal(as.vector(arr(layer(c(1, 2, 3)))), c(-1.4142135, -0.70710677, 0), tolerance = 1e-6)
  layer <- layer_normalization(mean = 3, variance = 2)
  expect_equal(as.vector(arr(layer(c(1, 2, 3, 4, 5)))), c(-1.4142135, -0.70710677, 0, 0.70710677, 1.4142135),
               tolerance = 1e-6)
  inv <- layer_normalization(mean = 3, variance = 2, invert = TRUE)
  expect_equal(as.vector(arr(inv(c(-1.4142135, 0)))), c(1, 3), tolerance = 1e-6)
  # a per-feature mean on a 3-d input: axis -1 keeps the last axis
  x <- array(runif(24), c(2, 3, 4))
  layer <- layer_normalization()
  adapt(layer, x)
  m <- apply(x, 3, mean)
  s <- apply(x, 3, function(v) sqrt(mean((v - mean(v))^2)))
  expected <- sweep(sweep(x, 3, m), 3, s, `/`)
  expect_equal(arr(layer(x)), expected, tolerance = 1e-5)
  expect_error(layer_normalization(mean = 1), "both", class = "recurrent_error")
})

test_that("the layer_normalization gradient passes through to its inputs", {
  layer <- layer_normalization(mean = c(1, 2), variance = c(4, 9))
  x <- op_convert_to_tensor(rbind(c(1, 1), c(3, 5)))
  g <- recurrent:::value_and_gradients(function(ts) op_sum(layer(ts[[1]])), list(x))$gradients
  expect_equal(as.array(g[[1]]), rbind(c(1 / 2, 1 / 3), c(1 / 2, 1 / 3)), tolerance = 1e-6)
})

test_that("a model with an adapted vectorizer saves and loads with the same predictions", {
  v <- layer_text_vectorization(output_sequence_length = 4)
  adapt(v, c("a b c", "b c", "c"))
  inp <- keras_input(shape = 1, dtype = "string")
  m <- keras_model(inp, inp |> v() |> layer_embedding(5, 2) |> layer_flatten() |> layer_dense(1))
  f <- withr::local_tempfile(fileext = ".keras")
  save_model(m, f)
  m2 <- load_model(f)
  x <- c("a c", "b z")
  expect_equal(predict(m2, x, verbose = 0), predict(m, x, verbose = 0))
  # an adapted discretization's config (boundaries and num_bins) recreates it
  d <- layer_discretization(num_bins = 3)
  adapt(d, c(1, 2, 3, 4, 5, 6))
  d2 <- from_config(get_config(d))
  expect_equal(as.array(d2(c(0, 2.5, 5.5))), as.array(d(c(0, 2.5, 5.5))))
})
