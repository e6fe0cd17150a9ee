# Expected windows: Keras's timeseries_dataset_utils_test.py and its documented
# examples, and windows worked out by hand from the index rule.

all_batches <- function(ds) iterate(ds, simplify = FALSE)

test_that("windows, targets and the last partial batch match Keras's test_basics", {
  data <- 0:99
  ds <- timeseries_dataset_from_array(data, data * 2, sequence_length = 9, batch_size = 5)
  b <- all_batches(ds)
  expect_length(ds, 19)
  expect_length(b, 19)
  expect_equal(dim(b[[1]][[1]]), c(5L, 9L))
  expect_equal(dim(b[[19]][[1]]), c(2L, 9L))       # 92 windows: 18 * 5 + 2
  for (i in seq_along(b)) {
    .[x, y] <- b[[i]]
    expect_equal(x[, 1] * 2, y)
    for (j in seq_len(nrow(x))) expect_equal(x[j, ], (i - 1) * 5 + (j - 1) + 0:8)
  }
})

test_that("regression windows: targets offset by the window length (Keras's test)", {
  data <- 0:9
  ds <- timeseries_dataset_from_array(data, data[4:10], sequence_length = 3, batch_size = 1)
  b <- all_batches(ds)
  expect_length(b, 7)
  for (i in 1:7) {
    expect_equal(b[[i]][[1]], matrix(data[i:(i + 2)], 1))
    expect_equal(b[[i]][[2]], data[3 + i])
  }
})

test_that("no targets, sampling_rate, sequence_stride, start and end (Keras's tests)", {
  ds <- timeseries_dataset_from_array(0:49, NULL, sequence_length = 10, batch_size = 5)
  b <- all_batches(ds)
  expect_length(b, 9)
  expect_equal(dim(b[[9]]), c(1L, 10L))
  expect_equal(b[[9]][1, ], 40:49)
  # sampling_rate = 2: 100 - 8 * 2 = 84 windows -> 16 full batches + 4
  ds <- timeseries_dataset_from_array(0:99, (0:99) * 2, sequence_length = 9, batch_size = 5, sampling_rate = 2)
  b <- all_batches(ds)
  expect_length(b, 17)
  expect_equal(nrow(b[[17]][[1]]), 4L)
  expect_equal(b[[3]][[1]][2, ], seq(11, 11 + 16, by = 2))
  expect_equal(b[[3]][[2]][2], 22)
  # sequence_stride = 3: starts 0, 3, ..., 90 (31 windows) -> 6 batches of 5 + 1
  ds <- timeseries_dataset_from_array(0:99, (0:99) * 2, sequence_length = 9, batch_size = 5, sequence_stride = 3)
  b <- all_batches(ds)
  expect_length(b, 7)
  expect_equal(nrow(b[[7]][[1]]), 1L)
  expect_equal(b[[2]][[1]][3, ], (5 * 3 + 2 * 3) + 0:8)
  # start_index = 10, end_index = 90 (0-based, end excluded): all values in 10..89
  ds <- timeseries_dataset_from_array(0:99, NULL, sequence_length = 9, batch_size = 5, sequence_stride = 3,
                                      sampling_rate = 2, start_index = 10, end_index = 90)
  v <- unlist(all_batches(ds))
  expect_gt(min(v), 9)
  expect_lt(max(v), 90)
  # by hand: 80 steps, 80 - 16 = 64 starts -> offsets 0, 3, ..., 63 (22 windows); the first is 10, 12, ..., 26
  expect_equal(sum(vapply(all_batches(ds), nrow, 1L)), 22L)
  expect_equal(all_batches(ds)[[1]][1, ], seq(10, 26, by = 2))
  expect_equal(all_batches(ds)[[5]][2, 1], 10 + 21 * 3)
})

test_that("Keras's documented example: 10 timesteps to predict the 11th", {
  data <- 0:99
  ds <- timeseries_dataset_from_array(data[1:90], targets = data[11:100], sequence_length = 10)
  .[x, y] <- iter_next(as_iterator(ds))
  expect_equal(x[1, ], 0:9)
  expect_equal(y[1], 10L)
  expect_equal(nrow(x), 81L)   # 90 - 9 windows, one batch of 128
  # second example: windows of 5 with targets starting at step 5 of each window... sampling every 2
  # (Keras docs: data[t, t+2, ..., t+8] -> data[t+10])
  ds <- timeseries_dataset_from_array(data, targets = data[11:100], sequence_length = 5, sampling_rate = 2)
  .[x, y] <- iter_next(as_iterator(ds))
  expect_equal(x[1, ], c(0, 2, 4, 6, 8))
  expect_equal(y[1], 10L)
})

test_that("multivariate series give (batch, steps, features) with rows of the series", {
  m <- cbind(1:20, 101:120)
  ds <- timeseries_dataset_from_array(m, m[, 1] * 10, sequence_length = 4, batch_size = 3, sampling_rate = 2)
  .[x, y] <- iter_next(as_iterator(ds))
  expect_equal(dim(x), c(3L, 4L, 2L))
  expect_equal(x[2, , ], m[c(2, 4, 6, 8), ])
  expect_equal(y, c(10, 20, 30))
  # unbatched: one window per element, no batch axis
  ds <- timeseries_dataset_from_array(m, m[, 1], sequence_length = 4, batch_size = NULL)
  expect_length(ds, 17)
  .[x, y] <- iter_next(as_iterator(ds))
  expect_equal(x, m[1:4, ])
  expect_equal(y, 1L)
})

test_that("shuffle visits every window once per pass, in a new order, reproducibly with a seed", {
  data <- 0:29
  make <- function() timeseries_dataset_from_array(data, data * 2, sequence_length = 5, batch_size = 4,
                                                   shuffle = TRUE, seed = 123)
  ds <- make()
  p1 <- all_batches(ds)
  p2 <- all_batches(ds)
  first <- function(p) unlist(lapply(p, function(b) b[[1]][, 1]))
  expect_setequal(first(p1), 0:25)
  expect_length(first(p1), 26)
  expect_false(identical(first(p1), first(p2)))
  for (b in p1) {
    expect_equal(b[[1]][, 1] * 2, b[[2]])
    expect_equal(b[[1]][, 5] - b[[1]][, 1], rep(4L, nrow(b[[1]])))
  }
  expect_identical(first(all_batches(make())), first(p1))
  expect_identical(first(all_batches(make())), first(p1))
})

test_that("iterators: iter_next() ends with `completed`, a batch unpacks with %<-% and .[]", {
  ds <- timeseries_dataset_from_array(1:6, 11:16, sequence_length = 2, batch_size = 4)
  it <- as_iterator(ds)
  c(x, y) %<-% iter_next(it)
  expect_equal(y, 11:14)
  .[x2, y2] <- iter_next(it)
  expect_equal(x2, rbind(c(5L, 6L)))
  expect_null(iter_next(it))
  expect_identical(iter_next(it, completed = "done"), "done")
  expect_equal(iterate(ds, function(b) length(b[[2]])), c(4L, 1L))
  expect_identical(iter_next(as_array_iterator(ds))[[2]], 11:14)
  expect_error(iter_next(ds), "iterator", class = "recurrent_error")
  expect_error(as_iterator(1:3), "dataset", class = "recurrent_error")
  expect_output(print(ds), "2 batches")
})

test_that("bad arguments give Keras's errors", {
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, start_index = -1), "start_index", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, start_index = 11), "start_index", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, end_index = -1), "end_index", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, end_index = 11), "end_index", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, start_index = 5, end_index = 4), "end_index", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, sampling_rate = 0), "sampling_rate", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 3, sequence_stride = 0), "sequence_stride", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(0:9, NULL, 0), "sequence_length", class = "recurrent_error")
  expect_error(timeseries_dataset_from_array(letters, NULL, 2), "data", class = "recurrent_error")
  # too short for one window: an empty dataset, as Keras
  expect_length(timeseries_dataset_from_array(0:9, NULL, 20), 0)
})

test_that("split_dataset() on a dataset splits its batches", {
  ds <- timeseries_dataset_from_array(0:19, NULL, sequence_length = 2, batch_size = 4)   # 19 windows, 5 batches
  .[a, b] <- split_dataset(ds, left_size = 3)
  expect_length(a, 3)
  expect_length(b, 2)
  expect_equal(iter_next(as_iterator(b))[1, ], c(12L, 13L))
})
