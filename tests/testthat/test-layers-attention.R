# Keras's test inputs (keras/src/layers/attention/attention_test.py)
kq <- array(c(1, 0, 0, 1), c(1, 2, 2))   # [[1, 0], [0, 1]]
kk <- array(c(0, 1, 1, 0), c(1, 2, 2))   # [[0, 1], [1, 0]]
kv <- array(c(1, 3, 2, 4), c(1, 2, 2))   # [[1, 2], [3, 4]]

test_that("the attention reference reproduces Keras's published values", {
  dot <- ref_attention(kq, kv, kk, "dot")
  expect_close(dot$output[1, , ], rbind(c(2.462, 3.462), c(1.538, 2.538)))
  expect_close(dot$weights[1, , ], rbind(c(0.269, 0.731), c(0.731, 0.269)))
  cc <- ref_attention(kq, kv, kk, "concat")
  expect_close(cc$output[1, , ], rbind(c(1.727, 2.727), c(2.272, 3.272)))
  expect_close(cc$weights[1, , ], rbind(c(0.636, 0.363), c(0.363, 0.636)))
})

test_that("layer_attention() gives Keras's numbers for score_mode dot and concat", {
  res <- layer_attention()(list(kq, kv, kk), return_attention_scores = TRUE)
  expect_close(as.array(res[[1]])[1, , ], rbind(c(2.462, 3.462), c(1.538, 2.538)))
  expect_close(as.array(res[[2]])[1, , ], rbind(c(0.269, 0.731), c(0.731, 0.269)))
  expect_tensor_equal(res[[1]], ref_attention(kq, kv, kk, "dot")$output)
  res <- layer_attention(score_mode = "concat")(list(kq, kv, kk), return_attention_scores = TRUE)
  expect_close(as.array(res[[1]])[1, , ], rbind(c(1.727, 2.727), c(2.272, 3.272)))
  expect_close(as.array(res[[2]])[1, , ], rbind(c(0.636, 0.363), c(0.363, 0.636)))
})

test_that("layer_additive_attention() gives Keras's numbers", {
  res <- layer_additive_attention(use_scale = FALSE)(list(kq, kv, kk), return_attention_scores = TRUE)
  expect_close(as.array(res[[1]])[1, , ], rbind(c(1.727, 2.727), c(2.272, 3.272)))
  expect_close(as.array(res[[2]])[1, , ], rbind(c(0.636, 0.363), c(0.363, 0.636)))
})

test_that("attention masks: Keras's masked example, and the query mask travels on", {
  v1 <- array(1, c(1, 2, 2))
  qm <- matrix(c(TRUE, FALSE), 1); vm <- matrix(c(TRUE, FALSE), 1)
  for (layer in list(layer_attention(), layer_additive_attention(use_scale = FALSE))) {
    res <- layer(list(kq, v1), mask = list(qm, vm), return_attention_scores = TRUE)
    expect_equal(as.array(res[[1]])[1, , ], rbind(c(1, 1), c(0, 0)), tolerance = 1e-6)
    expect_equal(as.array(res[[2]])[1, , ], rbind(c(1, 0), c(1, 0)), tolerance = 1e-6)
    expect_equal(tensor_mask(res[[1]]), qm)
  }
  # masks carried by the inputs (embedding with mask_zero) are used the same way
  set.seed(3)
  ids_q <- matrix(c(1L, 2L, 0L, 3L, 1L, 2L), 2, byrow = TRUE)
  ids_v <- matrix(c(2L, 0L, 0L, 1L, 3L, 1L, 2L, 0L), 2, byrow = TRUE)
  emb <- layer_embedding(input_dim = 4, output_dim = 3, mask_zero = TRUE)
  eq <- emb(ids_q); ev <- emb(ids_v)
  out <- layer_attention()(list(eq, ev))
  ref <- ref_attention(as.array(eq), as.array(ev), q_mask = ids_q != 0, v_mask = ids_v != 0)
  expect_tensor_equal(out, ref$output)
  expect_equal(tensor_mask(out), ids_q != 0)
})

test_that("layer_attention() causal mask and use_scale match the reference", {
  set.seed(1)
  q <- array(rnorm(2 * 4 * 3), c(2, 4, 3)); v <- array(rnorm(2 * 4 * 3), c(2, 4, 3))
  att <- layer_attention(use_scale = TRUE)
  att(list(q, v))
  set_weights(att, list(0.5))
  res <- att(list(q, v), use_causal_mask = TRUE, return_attention_scores = TRUE)
  ref <- ref_attention(q, v, mode = "dot", scale = 0.5, causal = TRUE)
  expect_tensor_equal(res[[1]], ref$output)
  expect_tensor_equal(res[[2]], ref$weights)
  expect_equal(as.array(res[[2]])[1, 1, 2:4], c(0, 0, 0))
  cc <- layer_attention(use_scale = TRUE, score_mode = "concat")
  cc(list(q, v))
  expect_equal(vapply(cc$weights, function(w) w$name, ""), c("scale", "concat_score_weight"))
  set_weights(cc, list(0.7, 1.3))
  expect_tensor_equal(cc(list(q, v)), ref_attention(q, v, mode = "concat", scale = 0.7, concat_weight = 1.3)$output)
  add <- layer_additive_attention()
  add(list(q, v))
  expect_equal(dim(get_weights(add)[[1]]), 3L)
  set_weights(add, list(c(0.5, -1, 2)))
  expect_tensor_equal(add(list(q, v, q)), ref_attention(q, v, q, mode = "additive", add_scale = c(0.5, -1, 2))$output)
})

test_that("attention dropout drops weights only in training", {
  set.seed(2)
  q <- array(rnorm(1 * 3 * 2), c(1, 3, 2)); v <- array(rnorm(1 * 3 * 2), c(1, 3, 2))
  att <- layer_attention(dropout = 0.5, seed = 4)
  ref <- ref_attention(q, v)
  expect_tensor_equal(att(list(q, v)), ref$output)
  res <- att(list(q, v), training = TRUE, return_attention_scores = TRUE)
  w <- as.array(res[[2]])
  kept <- w != 0
  expect_true(any(!kept) && any(kept))
  expect_equal(w[kept], ref$weights[kept] / 0.5, tolerance = 1e-5)
  expect_equal(as.array(res[[1]])[1, , ], w[1, , ] %*% v[1, , ], tolerance = 1e-5)
})

test_that("attention layers: gradients of inputs and weights match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(5)
  q <- array(rnorm(1 * 2 * 3), c(1, 2, 3)); v <- array(rnorm(1 * 3 * 3), c(1, 3, 3))
  w <- array(rnorm(6), c(1, 2, 3))
  check <- function(layer, wts, ref_fn) {
    layer(list(q, v))
    set_weights(layer, wts)
    qv <- recurrent:::cpp_variable(op_convert_to_tensor(q), NULL)
    vv <- recurrent:::cpp_variable(op_convert_to_tensor(v), NULL)
    loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(layer(list(qv, vv), use_causal_mask = TRUE), w)))
    ref_loss <- function(qq, vvv, ww) sum(ref_fn(qq, vvv, ww)$output * w)
    expect_equal(as.numeric(as.array(loss)), ref_loss(q, v, wts), tolerance = 1e-10)
    g <- lapply(recurrent:::gradients(loss, c(list(qv, vv), lapply(layer$weights, function(x) x$handle))), as_r)
    expect_equal(g[[1]], finite_diff(function(a) ref_loss(a, v, wts), q), tolerance = 1e-6)
    expect_equal(g[[2]], finite_diff(function(a) ref_loss(q, a, wts), v), tolerance = 1e-6)
    for (i in seq_along(wts)) {
      expect_equal(as.vector(g[[2 + i]]), as.vector(finite_diff(function(a) { ww <- wts; ww[[i]] <- a; ref_loss(q, v, ww) },
                                                                 wts[[i]])), tolerance = 1e-6)
    }
  }
  check(layer_attention(use_scale = TRUE, score_mode = "concat"), list(0.8, 1.4),
        function(qq, vv, ww) ref_attention(qq, vv, mode = "concat", scale = ww[[1]], concat_weight = ww[[2]], causal = TRUE))
  check(layer_attention(use_scale = TRUE), list(0.6),
        function(qq, vv, ww) ref_attention(qq, vv, mode = "dot", scale = ww[[1]], causal = TRUE))
  check(layer_additive_attention(), list(c(0.3, -0.7, 1.1)),
        function(qq, vv, ww) ref_attention(qq, vv, mode = "additive", add_scale = ww[[1]], causal = TRUE))
})

test_that("attention layers: symbolic shapes, config, composition and errors", {
  q <- keras_input(shape = c(4, 3)); v <- keras_input(shape = c(6, 5)); k <- keras_input(shape = c(6, 3))
  expect_tensor_shape(layer_attention(list(q, v, k)), c(NA, 4, 5))
  res <- layer_attention()(list(q, v, k), return_attention_scores = TRUE)
  expect_tensor_shape(res[[1]], c(NA, 4, 5))
  expect_tensor_shape(res[[2]], c(NA, 4, 6))
  expect_s3_class(layer_attention(), "keras.src.layers.attention.attention.Attention")
  cfg <- get_config(layer_attention(use_scale = TRUE, score_mode = "concat", dropout = 0.1, seed = 3, name = "att"))
  expect_equal(cfg[c("name", "use_scale", "score_mode", "dropout", "seed")],
               list(name = "att", use_scale = TRUE, score_mode = "concat", dropout = 0.1, seed = 3L))
  cfg2 <- get_config(layer_additive_attention(use_scale = FALSE, dropout = 0.2))
  expect_false("score_mode" %in% names(cfg2))
  expect_equal(cfg2$use_scale, FALSE)
  expect_equal(class(from_config(cfg))[1], "keras.src.layers.attention.attention.Attention")
  expect_equal(class(attr(from_config(cfg2), "layer"))[1], "AdditiveAttention")
  expect_error(layer_attention(score_mode = "bahdanau"), class = "recurrent_error_argument")
  expect_snapshot(layer_attention(score_mode = "bahdanau"), error = TRUE)
  expect_error(layer_attention(dropout = 2), class = "recurrent_error_argument")
  expect_error(layer_attention()(kq), class = "recurrent_error")
  expect_error(layer_attention()(list(kq, kq, kq, kq)), class = "recurrent_error")
})

# ---- multi-head attention ------------------------------------------------------------------

random_mha_weights <- function(d, N, H, Hv = H, dout = d, dk = d, dv = d) {
  list(array(rnorm(d * N * H), c(d, N, H)), array(rnorm(N * H), c(N, H)),
       array(rnorm(dk * N * H), c(dk, N, H)), array(rnorm(N * H), c(N, H)),
       array(rnorm(dv * N * Hv), c(dv, N, Hv)), array(rnorm(N * Hv), c(N, Hv)),
       array(rnorm(N * Hv * dout), c(N, Hv, dout)), rnorm(dout))
}

test_that("layer_multi_head_attention() has Keras's weights and reproduces Keras's test values", {
  mha <- layer_multi_head_attention(num_heads = 2, key_dim = 4, value_dim = 3, output_shape = 5)
  x <- array(runif(2 * 3 * 6), c(2, 3, 6)); y <- array(runif(2 * 4 * 7), c(2, 4, 7))
  out <- mha(x, y)
  expect_tensor_shape(out, c(2, 3, 5))
  expect_equal(lapply(get_weights(mha), dim),
               list(c(6L, 2L, 4L), c(2L, 4L), c(7L, 2L, 4L), c(2L, 4L), c(7L, 2L, 3L), c(2L, 3L), c(2L, 3L, 5L), 5L))
  expect_equal(vapply(mha$weights, function(w) w$path, ""),
               c("query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
                 "attention_output/kernel", "attention_output/bias"))
  expect_equal(count_params(mha), 6 * 8 + 8 + 7 * 8 + 8 + 7 * 6 + 6 + 6 * 5 + 5)

  # keras/src/layers/attention/multi_head_attention_test.py::test_correctness
  query <- array(diag(8), c(1, 8, 8))
  value <- array(aperm(array(0:63, c(8, 8)), c(2, 1)) / 100, c(1, 8, 8))
  layer <- layer_multi_head_attention(num_heads = 8, key_dim = 8)
  layer(query, value, query)
  kernel <- array(0, c(8, 8, 8))
  for (n in 1:8) kernel[, n, ] <- diag(8)
  set_weights(layer, c(rep(list(kernel, matrix(0, 8, 8)), 3), list(kernel, rep(0, 8))))
  res <- layer(query, value, query, return_attention_scores = TRUE)
  expected <- c(2.406, 2.440, 2.473, 2.504, 2.535, 2.568, 2.602, 2.633)
  expect_close(as.array(res[[1]])[1, , ], matrix(expected, 8, 8), atol = 1e-2)
  scores <- matrix(0.1187, 8, 8); diag(scores) <- 0.1691
  for (n in 1:8) expect_close(as.array(res[[2]])[1, n, , ], scores, atol = 1e-2)
  ref <- ref_mha(query, value, query, get_weights(layer))
  expect_equal(as.array(res[[1]]), ref$output, tolerance = 1e-5)
  # the fused path (no scores returned) gives the same output
  expect_tensor_equal(layer(query, value, query), ref$output)
})

test_that("layer_multi_head_attention() masks: embeddings, attention_mask, causal (as Keras's test_masking)", {
  set.seed(8)
  query <- matrix(c(1L, 2L, 3L, 0L, 0L, 3L, 3L, 1L, 1L, 2L, 1L, 0L, 0L, 0L, 0L), 3, byrow = TRUE)
  value <- matrix(c(5L, 4L, 0L, 3L, 0L, 0L, 2L, 1L, 1L), 3, byrow = TRUE)
  eq <- layer_embedding(input_dim = 4, output_dim = 8, mask_zero = TRUE)(query)
  ev <- layer_embedding(input_dim = 6, output_dim = 8, mask_zero = TRUE)(value)
  for (causal in c(FALSE, TRUE)) {
    layer <- layer_multi_head_attention(num_heads = 2, key_dim = 2)
    out <- layer(eq, ev, use_causal_mask = causal)
    expect_equal(tensor_mask(out), query != 0)
    mask <- array(FALSE, c(3, 5, 3))
    for (b in 1:3) mask[b, , ] <- outer(query[b, ] != 0, value[b, ] != 0, `&`)
    if (causal) for (b in 1:3) mask[b, , ] <- mask[b, , ] & outer(1:5, 1:3, `>=`)
    manual <- layer(as.array(eq), as.array(ev), attention_mask = mask)
    expect_tensor_equal(out, as.array(manual))
    # rows with something to attend to match the reference
    ref <- ref_mha(as.array(eq), as.array(ev), weights = get_weights(layer), mask = mask)$output
    rows <- apply(mask, c(1, 2), any)
    got <- as.array(out)
    for (b in 1:3) for (i in 1:5) if (rows[b, i]) expect_equal(got[b, i, ], ref[b, i, ], tolerance = 1e-5)
  }
})

test_that("layer_multi_head_attention() attention over two axes equals attention over them flattened", {
  set.seed(9)
  x <- array(rnorm(2 * 2 * 3 * 4), c(2, 2, 3, 4))
  a <- layer_multi_head_attention(num_heads = 2, key_dim = 3, attention_axes = c(1, 2))
  out <- a(x, x, return_attention_scores = TRUE)
  expect_tensor_shape(out[[2]], c(2, 2, 2, 3, 2, 3))
  flat <- array(aperm(x, c(1, 3, 2, 4)), c(2, 6, 4))   # row-major (a, c) -> a * 3 + c
  ref <- ref_mha(flat, flat, weights = get_weights(a))$output
  got <- as.array(out[[1]])
  for (i in 1:2) for (j in 1:3) expect_equal(got[, i, j, ], ref[, (i - 1) * 3 + j, ], tolerance = 1e-5)
  # attention along the first axis only: each column j attends within itself
  b <- layer_multi_head_attention(num_heads = 1, key_dim = 2, attention_axes = 1)
  outb <- as.array(b(x, x))
  for (j in 1:3) expect_equal(outb[, , j, ], ref_mha(x[, , j, ], x[, , j, ], weights = get_weights(b))$output,
                              tolerance = 1e-5)
})

test_that("layer_multi_head_attention() dropout acts on the weights only in training", {
  set.seed(14)
  x <- array(rnorm(1 * 4 * 3), c(1, 4, 3))
  mha <- layer_multi_head_attention(num_heads = 1, key_dim = 2, dropout = 0.5, seed = 3)
  plain <- mha(x, x, return_attention_scores = TRUE)
  ref <- ref_mha(x, x, weights = get_weights(mha))
  expect_tensor_equal(plain[[1]], ref$output)
  trained <- mha(x, x, return_attention_scores = TRUE, training = TRUE)
  # Keras returns the scores before dropout; the output uses the dropped ones
  expect_tensor_equal(trained[[2]], ref$scores)
  expect_false(isTRUE(all.equal(as.array(trained[[1]]), ref$output, tolerance = 1e-4)))
})

test_that("layer_multi_head_attention() gradients match finite differences (float64)", {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old))
  set.seed(10)
  q <- array(rnorm(1 * 2 * 3), c(1, 2, 3)); v <- array(rnorm(1 * 3 * 2), c(1, 3, 2))
  wts <- random_mha_weights(3, 2, 2, Hv = 1, dout = 3, dk = 2, dv = 2)
  w <- array(rnorm(6), c(1, 2, 3))
  mha <- layer_multi_head_attention(num_heads = 2, key_dim = 2, value_dim = 1, dropout = 0.3)
  mha(q, v)
  set_weights(mha, wts)
  qv <- recurrent:::cpp_variable(op_convert_to_tensor(q), NULL)
  vv <- recurrent:::cpp_variable(op_convert_to_tensor(v), NULL)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(mha(qv, vv), w)))
  ref_loss <- function(qq, vvv, ww) sum(ref_mha(qq, vvv, weights = ww)$output * w)
  expect_equal(as.numeric(as.array(loss)), ref_loss(q, v, wts), tolerance = 1e-10)
  g <- lapply(recurrent:::gradients(loss, c(list(qv, vv), lapply(mha$weights, function(x) x$handle))), as_r)
  expect_equal(g[[1]], finite_diff(function(a) ref_loss(a, v, wts), q), tolerance = 1e-6)
  expect_equal(g[[2]], finite_diff(function(a) ref_loss(q, a, wts), v), tolerance = 1e-6)
  for (i in seq_along(wts))
    expect_equal(as.vector(g[[2 + i]]), as.vector(finite_diff(function(a) { ww <- wts; ww[[i]] <- a; ref_loss(q, v, ww) },
                                                               wts[[i]])), tolerance = 1e-6)
})

test_that("layer_multi_head_attention(): functional models, summary, config and errors", {
  inp <- keras_input(shape = c(10, 8), name = "query")
  ctx <- keras_input(shape = c(6, 5), name = "context")
  out <- layer_multi_head_attention(list(inp, ctx), num_heads = 2, key_dim = 4, name = "mha")
  expect_tensor_shape(out, c(NA, 10, 8))
  res <- layer_multi_head_attention(num_heads = 2, key_dim = 4)(inp, ctx, return_attention_scores = TRUE)
  expect_tensor_shape(res[[2]], c(NA, 2, 10, 6))
  model <- keras_model(list(inp, ctx), out, name = "cross_attention")
  expect_equal(count_params(model), (8 * 8 + 8) + 2 * (5 * 8 + 8) + (8 * 8 + 8))
  y <- predict(model, list(array(1, c(2, 10, 8)), array(1, c(2, 6, 5))), verbose = 0)
  expect_equal(dim(y), c(2L, 10L, 8L))
  expect_snapshot(summary(model))
  cfg <- get_config(layer_multi_head_attention(num_heads = 3, key_dim = 2, output_shape = 7, attention_axes = 1,
                                               name = "mha"))
  expect_equal(cfg[c("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes")],
               list(num_heads = 3L, key_dim = 2L, value_dim = 2L, dropout = 0, use_bias = TRUE,
                    output_shape = 7L, attention_axes = 1L))
  expect_s3_class(from_config(cfg), "keras.src.layers.attention.multi_head_attention.MultiHeadAttention")
  expect_error(layer_multi_head_attention(num_heads = 0, key_dim = 2), class = "recurrent_error_argument")
  expect_snapshot(layer_multi_head_attention(num_heads = 2), error = TRUE)
  expect_error(layer_multi_head_attention(num_heads = 2, key_dim = 2, flash_attention = TRUE),
               class = "recurrent_error_argument")
  no_bias <- layer_multi_head_attention(num_heads = 2, key_dim = 2, use_bias = FALSE)
  no_bias(array(1, c(1, 2, 3)), array(1, c(1, 2, 3)))
  expect_equal(length(no_bias$weights), 4L)
  expect_error(layer_multi_head_attention(num_heads = 2, key_dim = 2)(array(1, c(1, 2, 3))), class = "recurrent_error")
  expect_error(layer_multi_head_attention(num_heads = 2, key_dim = 2)(array(1, c(1, 2, 3)), array(1, c(1, 4, 3)),
                                                                     array(1, c(1, 5, 3))), class = "recurrent_error")
})

# ---- ops -----------------------------------------------------------------------------------

test_that("op_dot_product_attention() matches the reference: scale, bias, mask, causal, grouped heads", {
  set.seed(11)
  q <- array(rnorm(2 * 3 * 2 * 4), c(2, 3, 2, 4))
  k <- array(rnorm(2 * 5 * 2 * 4), c(2, 5, 2, 4))
  v <- array(rnorm(2 * 5 * 2 * 3), c(2, 5, 2, 3))
  expect_tensor_equal(op_dot_product_attention(q, k, v), ref_dot_product_attention(q, k, v))
  expect_tensor_equal(op_dot_product_attention(q, k, v, scale = 0.3), ref_dot_product_attention(q, k, v, scale = 0.3))
  bias <- array(rnorm(2 * 2 * 3 * 5), c(2, 2, 3, 5))
  expect_tensor_equal(op_dot_product_attention(q, k, v, bias = bias), ref_dot_product_attention(q, k, v, bias = bias))
  keep <- array(runif(2 * 2 * 3 * 5) > 0.3, c(2, 2, 3, 5)); keep[, , , 1] <- TRUE
  expect_tensor_equal(op_dot_product_attention(q, k, v, mask = keep), ref_dot_product_attention(q, k, v, keep = keep))
  causal <- aperm(array(rep(outer(1:3, 1:5, `>=`), 4), c(3, 5, 2, 2)), c(3, 4, 1, 2))
  expect_tensor_equal(op_dot_product_attention(q, k, v, is_causal = TRUE), ref_dot_product_attention(q, k, v, keep = causal))
  # one key/value head shared by both query heads
  k1 <- k[, , 1, , drop = FALSE]; v1 <- v[, , 1, , drop = FALSE]
  k2 <- k; k2[, , 2, ] <- k[, , 1, ]; v2 <- v; v2[, , 2, ] <- v[, , 1, ]
  expect_tensor_equal(op_dot_product_attention(q, k1, v1), ref_dot_product_attention(q, k2, v2))
  expect_error(op_dot_product_attention(q[, , 1, ], k, v), class = "recurrent_error_argument")
  expect_error(op_dot_product_attention(q, k[, 1:2, , ], v), class = "recurrent_error_argument")
  expect_error(op_dot_product_attention(q, k, v, flash_attention = TRUE), class = "recurrent_error_argument")
})

test_that("op_dot_product_attention() gradients match finite differences", {
  set.seed(12)
  q <- array(rnorm(1 * 2 * 2 * 3), c(1, 2, 2, 3)); k <- array(rnorm(1 * 3 * 2 * 3), c(1, 3, 2, 3))
  v <- array(rnorm(1 * 3 * 2 * 2), c(1, 3, 2, 2))
  expect_grad(function(a, b, c) op_dot_product_attention(a, b, c, is_causal = TRUE), q, k, v)
})

test_that("op_softmax() with a mask gives masked entries no weight (Keras's Softmax rule)", {
  x <- matrix(c(1, 2, 3, 4, 5, 6), 2, byrow = TRUE)
  m <- matrix(c(TRUE, FALSE, TRUE, FALSE, FALSE, FALSE), 2, byrow = TRUE)
  got <- as.array(op_softmax(x, mask = m))
  expect_equal(got[1, ], c(exp(1), 0, exp(3)) / (exp(1) + exp(3)), tolerance = 1e-6)
  expect_equal(got[2, ], c(0, 0, 0))
  expect_equal(as.array(op_softmax(x, axis = 1, mask = matrix(TRUE, 2, 3)))[, 1], exp(c(1, 4)) / sum(exp(c(1, 4))),
               tolerance = 1e-6)
  sm <- layer_activation_softmax()
  emb <- layer_embedding(input_dim = 3, output_dim = 2, mask_zero = TRUE)
  e <- emb(matrix(c(1L, 0L, 2L), 1))
  out <- as.array(sm(e))
  expect_equal(out[1, 2, ], c(0, 0))
  expect_equal(rowSums(out[1, c(1, 3), ]), c(1, 1), tolerance = 1e-6)
})
