fake_history <- function(epochs = 3, stopped = epochs) {
  m <- list(loss = c(0.9, 0.5, 0.3)[seq_len(stopped)], mae = c(0.8, 0.6, 0.41234)[seq_len(stopped)],
            val_loss = c(1, 0.7, 0.55)[seq_len(stopped)], val_mae = c(0.9, 0.7, 0.6)[seq_len(stopped)])
  new_training_history(list(verbose = 0L, epochs = epochs, steps = 2L), m)
}

test_that("print() shows the final epoch as keras3 does", {
  expect_snapshot(print(fake_history()))
  expect_output(print(fake_history(epochs = 5, stopped = 2)), "loss: 0.5")
})

test_that("as.data.frame() is long, with epoch, value, metric and data, padded with NA", {
  df <- as.data.frame(fake_history())
  expect_named(df, c("epoch", "value", "metric", "data"))
  expect_equal(nrow(df), 12)
  expect_equal(levels(df$metric), c("loss", "mae"))
  expect_equal(levels(df$data), c("training", "validation"))
  expect_equal(df$value[df$metric == "mae" & df$data == "validation"], c(0.9, 0.7, 0.6))
  expect_equal(df$epoch[1:3], 1:3)
  short <- as.data.frame(fake_history(epochs = 5, stopped = 2))
  expect_equal(nrow(short), 20)
  expect_equal(short$value[short$metric == "loss" & short$data == "training"], c(0.9, 0.5, NA, NA, NA))
})

test_that("plot() draws with base graphics, and with ggplot2 when installed", {
  h <- fake_history()
  path <- withr::local_tempfile(fileext = ".pdf")
  grDevices::pdf(path)
  expect_null(plot(h, method = "base"))
  expect_null(plot(h, metrics = "loss", method = "base"))
  grDevices::dev.off()
  expect_gt(file.size(path), 0)
  skip_if_not_installed("ggplot2")
  p <- plot(h)
  expect_s3_class(p, "ggplot")
  expect_setequal(as.character(unique(p$data$metric)), c("loss", "mae"))
})

test_that("a fit() history prints, converts and plots", {
  model <- keras_model_sequential(input_shape = 1) |> layer_dense(1)
  compile(model, optimizer = "sgd", loss = "mse", metrics = "mae")
  h <- fit(model, matrix(1:8), matrix(1:8), epochs = 2, verbose = 0)
  expect_output(print(h), "Final epoch \\(plot to see history\\):")
  expect_equal(nrow(as.data.frame(h)), 4)
  path <- withr::local_tempfile(fileext = ".png")
  grDevices::png(path)
  plot(h, method = "base")
  grDevices::dev.off()
  expect_true(file.exists(path))
})
