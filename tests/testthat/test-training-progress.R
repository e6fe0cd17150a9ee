test_that("values print with 4 decimals, or %.4e when small", {
  expect_equal(progress_format_values(list(loss = 0.341023, mae = 0.0001234)), " - loss: 0.3410 - mae: 1.2340e-04")
  expect_equal(progress_format_values(list(loss = -0.5), abs_test = FALSE), " - loss: -5.0000e-01")
  expect_equal(progress_format_values(list(loss = NaN)), " - loss: nan")
})

test_that("time per step and ETA use Keras's units", {
  expect_equal(progress_format_time(0.0031, "step"), " 3ms/step")
  expect_equal(progress_format_time(2.4, "step"), " 2s/step")
  expect_equal(progress_format_time(0.00004, "step"), " 40us/step")
  expect_equal(progress_format_eta(12.3), "12s")
  expect_equal(progress_format_eta(65), "1:05")
  expect_equal(progress_format_eta(3725), "1:02:05")
})

test_that("the bar has 20 cells and a right-aligned count", {
  withr::local_options(cli.num_colors = 1)
  b <- progress_bar_text(3, 12)
  expect_match(b$plain, "^ 3/12 ")
  expect_equal(nchar(b$plain), 26)
  withr::local_options(cli.unicode = FALSE)
  expect_equal(progress_bar_text(3, 12)$plain, " 3/12 =====...............")
})

test_that("verbose resolves 'auto' as keras3 does", {
  withr::local_envvar(TESTTHAT = "true")
  expect_equal(resolve_verbose("auto"), 0L)
  withr::local_options(knitr.in.progress = TRUE)
  expect_equal(resolve_verbose("auto"), 2L)
  expect_equal(resolve_verbose(1), 1L)
  expect_error(resolve_verbose("loud"), class = "recurrent_error_argument")
})

test_that("fit(verbose = 1) prints an epoch header and a finished bar per epoch", {
  withr::local_options(cli.num_colors = 1, recurrent.progress.dynamic = FALSE, cli.unicode = TRUE)
  model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse", metrics = "mae")
  expect_snapshot(
    fit(model, matrix(1:8), matrix(1:8), epochs = 2, batch_size = 4, verbose = 1, validation_split = 0.5),
    transform = function(lines) gsub("\\d+(ms|us|s)/step", "<t>/step", gsub(" \\d+s ", " <s> ", gsub("-?\\d+\\.\\d{4}(e[-+]\\d+)?", "<v>", lines)))
  )
})
