# config_set_num_threads(): the fused kernels split their large products and gate
# passes between threads (src/core/parallel.cpp) without changing any summation order,
# so 2 threads must give exactly the 1-thread values.

threads_case <- function(kind, B = 64, T = 4, I = 64, H = 256, reset_after = TRUE, mask = FALSE,
                         dropout = FALSE) {
  k <- c(simple = 1L, gru = 3L, lstm = 4L)[[kind]]
  r <- function(dims, sd = 0.3) array(stats::rnorm(prod(dims), sd = sd), dims)
  drop <- function(dims) array(sample(c(0, 2), prod(dims), replace = TRUE), dims)
  m <- NULL
  if (mask) {
    m <- matrix(TRUE, B, T)
    m[1, 2] <- FALSE
    m[2, ] <- FALSE
  }
  list(kind = kind, reset_after = reset_after, x = r(c(B, T, I), 1), kernel = r(c(I, k * H), 0.1),
       recurrent_kernel = r(c(H, k * H), 0.1),
       bias = if (kind == "gru" && reset_after) r(c(2, k * H)) else r(k * H),
       mask = m, din = if (dropout) drop(c(k, B, I)), drec = if (dropout) drop(c(k, B, H)),
       out_dims = c(list(c(B, T, H)), rep(list(c(B, H)), if (kind == "lstm") 2 else 1)))
}

# Outputs, final states, and the gradients of a weighted sum of them (a training step's
# backward pass) for x, kernel, recurrent_kernel and bias, in float32.
threads_run <- function(case) {
  opts <- list(return_sequences = TRUE)
  if (case$kind == "gru") opts$reset_after <- case$reset_after
  t32 <- function(a) if (is.null(a)) NULL else as_tensor(a, "float32")
  wrt <- list(x = case$x, kernel = case$kernel, recurrent_kernel = case$recurrent_kernel, bias = case$bias)
  w <- lapply(case$out_dims, function(d) array(seq_len(prod(d)) %% 7 - 3, d))
  outs <- NULL
  f <- function(v) {
    out <- fused_rnn(case$kind, v$x, kernel = v$kernel, recurrent_kernel = v$recurrent_kernel, bias = v$bias,
                     mask = case$mask, input_dropout = t32(case$din), recurrent_dropout = t32(case$drec),
                     options = opts)
    outs <<- lapply(out, as.array)
    weighted_sum(out, w, "float32")
  }
  g <- value_and_gradients(f, wrt, dtype = "float32")
  list(outs = outs, loss = as.array(g$value), grads = g$gradients)
}

with_threads <- function(n, code) {
  old <- config_set_num_threads(n)
  on.exit(config_set_num_threads(old))
  code
}

test_that("the thread setting round-trips, rejects bad values and goes back to 1", {
  expect_equal(config_num_threads(), 1L)
  old <- config_set_num_threads(2)
  expect_equal(old, 1L)
  expect_equal(config_num_threads(), 2L)
  expect_equal(config_set_num_threads(2.0), 2L)
  expect_equal(config_set_num_threads(1), 2L)
  expect_equal(config_num_threads(), 1L)
  expect_error(config_set_num_threads(0), "positive whole number", class = "recurrent_error")
  expect_error(config_set_num_threads(1.5), "positive whole number")
  expect_error(config_set_num_threads(NA), "positive whole number")
  expect_error(config_set_num_threads("2"), "positive whole number")
  expect_error(config_set_num_threads(c(1, 2)), "positive whole number")
  expect_equal(config_num_threads(), 1L)
})

cases <- list(
  lstm = list("lstm"),
  gru = list("gru"),
  gru_reset_before = list("gru", reset_after = FALSE),
  simple = list("simple"),
  lstm_mask_dropout = list("lstm", mask = TRUE, dropout = TRUE),
  gru_mask_dropout = list("gru", mask = TRUE, dropout = TRUE),
  gru_before_mask_dropout = list("gru", reset_after = FALSE, mask = TRUE, dropout = TRUE),
  simple_mask = list("simple", mask = TRUE)
)

for (nm in names(cases)) {
  test_that(paste("2 threads give the 1-thread outputs and gradients exactly:", nm), {
    set.seed(42)
    case <- do.call(threads_case, cases[[nm]])
    one <- with_threads(1, threads_run(case))
    two <- with_threads(2, threads_run(case))
    expect_identical(two$outs, one$outs)
    expect_identical(two$loss, one$loss)
    expect_identical(two$grads, one$grads)
    # and once more with the pool already running
    again <- with_threads(2, threads_run(case))
    expect_identical(again$grads, one$grads)
  })
}

test_that("with 2 threads the kernels agree with the plain-R references", {
  set.seed(7)
  for (kind in c("lstm", "gru", "simple")) {
    case <- threads_case(kind, B = 64, T = 3, I = 32, H = 256)
    fn <- switch(kind, simple = ref_simple_rnn, gru = ref_gru, lstm = ref_lstm)
    want <- fn(case$x, case$kernel, case$recurrent_kernel, bias = case$bias, return_sequences = TRUE)
    got <- with_threads(2, threads_run(case))
    want1 <- if (is.list(want)) want[[1]] else want
    expect_lt(max(abs(got$outs[[1]] - want1)), 1e-4, label = kind)
  }
})

test_that("a layer_lstm() model trains the same with 1 and 2 threads", {
  fit_once <- function(n) {
    with_threads(n, {
      set_random_seed(3)
      model <- keras_model_sequential(input_shape = c(5, 32)) |>
        layer_lstm(128) |>
        layer_dense(1)
      model |> compile(optimizer = "sgd", loss = "mse")
      set.seed(3)
      x <- array(stats::rnorm(64 * 5 * 32), c(64, 5, 32))
      y <- matrix(stats::rnorm(64), 64, 1)
      model |> fit(x, y, epochs = 1, batch_size = 64, verbose = 0)
      lapply(get_weights(model), as.array)
    })
  }
  expect_identical(fit_once(2), fit_once(1))
})
