test_that("summary() of a sequential model", {
  clear_session()
  model <- keras_model_sequential(input_shape = c(10, 8)) |>
    layer_dense(32, activation = "relu") |>
    layer_dropout(0.5) |>
    layer_dense(1)
  withr::local_options(width = 80)
  expect_snapshot(summary(model))
  expect_snapshot(print(model))
  expect_identical(format(model), paste(capture.output(summary(model)), collapse = "\n"))
  capture.output(res <- withVisible(print(model)))
  expect_false(res$visible)
})

test_that("summary() of an unbuilt model shows ? and 0 (unbuilt)", {
  clear_session()
  model <- keras_model_sequential() |> layer_dense(3) |> layer_dense(1)
  withr::local_options(width = 80)
  expect_snapshot(model)
  expect_match(format(model), "unbuilt")
})

test_that("summary() of functional models, with branches and non-trainable weights", {
  clear_session()
  withr::local_options(width = 100)
  inp <- keras_input(shape = c(NA, 4))
  model <- keras_model(inp, inp |> layer_dense(8) |> layer_dense(2))
  expect_snapshot(summary(model))
  a <- keras_input(shape = 3)
  b <- keras_input(shape = 3)
  c <- layer_concatenate(list(layer_dense(a, 2), layer_dense(b, 2)))
  branched <- keras_model(list(a, b), layer_dense(c, 1, name = "out"))
  out_layer <- get_layer(branched, "out")
  out_layer$trainable <- FALSE
  expect_snapshot(summary(branched))
})

test_that("summary helpers format sizes and wrap long cells", {
  expect_identical(recurrent:::readable_size(0), "0.00 B")
  expect_identical(recurrent:::readable_size(21124), "20.63 KB")
  expect_identical(recurrent:::readable_size(5 * 1024^2), "5.00 MB")
  # rich's divide_line() (rich/_wrap.py): a word fits when it ends at the column's
  # last cell, so lines fill greedily
  expect_identical(recurrent:::wrap_cell("abc def ghi", 7), c("abc def", "ghi"))
})

test_that("long cells wrap at spaces and truncate long words as Keras's rich table does", {
  # the "toy_resnet" summary printed in keras3's vignettes/functional_api.Rmd
  # (19-cell name column, 17-cell shape and connection columns)
  expect_identical(recurrent:::wrap_cell("global_average_pooling2d (GlobalAveragePooling2D)", 19),
                   c("global_average_poo\u2026", "(GlobalAveragePool\u2026"))
  expect_identical(recurrent:::wrap_cell("conv2d_11[0][0], max_pooling2d_2[0][0]", 17),
                   c("conv2d_11[0][0],", "max_pooling2d_2[\u2026"))
  expect_identical(recurrent:::wrap_cell("max_pooling2d_2[0][0]", 17), "max_pooling2d_2[\u2026")
  expect_identical(recurrent:::wrap_cell("(None, 30, 30, 32)", 17), c("(None, 30, 30,", "32)"))
  expect_identical(recurrent:::wrap_cell("conv2d_8 (Conv2D)", 19), "conv2d_8 (Conv2D)")
})
