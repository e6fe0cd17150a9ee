# Keras 2's hard_sigmoid (clip(0.2 x + 0.5, 0, 1)), used for models loaded from files
# Keras < 3 wrote: its values by hand, and the fused GRU/LSTM kernels' forward and
# backward passes against the same cell run op by op (autograd of clip/multiply/add).

test_that("hard_sigmoid_keras2 is clip(0.2 x + 0.5, 0, 1)", {
  layer <- layer_activation(activation = "hard_sigmoid_keras2")
  x <- matrix(c(-3, -1, 0, 1, 3, 2.4), 1)
  expect_equal(as.array(layer(x)), matrix(c(0, 0.3, 0.5, 0.7, 1, 0.98), 1), tolerance = 1e-6)
})

test_that("the fused kernels' hard_sigmoid_keras2 matches the op-by-op cell, values and gradients", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  for (make in list(layer_gru, layer_lstm)) {
    set.seed(11)
    x <- array(rnorm(3 * 4 * 2), c(3, 4, 2))
    fused <- make(units = 3, recurrent_activation = "hard_sigmoid_keras2", return_sequences = TRUE)
    slow <- make(units = 3, recurrent_activation = function(v) op_clip(op_add(op_multiply(v, 0.2), 0.5), 0, 1),
                 return_sequences = TRUE)
    fused(x)
    slow(x)
    set_weights(slow, get_weights(fused))
    expect_false(is.null(attr(fused, "layer")$cell$fused_sequence))
    expect_null(attr(slow, "layer")$cell$fused_sequence)
    expect_equal(as.array(fused(x)), as.array(slow(x)), tolerance = 1e-12)
    grad_of <- function(layer) {
      vars <- layer$trainable_weights
      g <- recurrent:::with_gradient_recording(recurrent:::gradients(op_sum(op_square(layer(x))), vars))
      lapply(g, as.array)
    }
    expect_equal(grad_of(fused), grad_of(slow), tolerance = 1e-10)
  }
})
