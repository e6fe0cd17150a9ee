# Plain-R references for convolution and pooling, written from the definitions (loops
# over output positions and kernel taps), independent of the C++ core. Arrays are in
# Keras's index order: x[b, spatial..., c], kernel[k..., c_in / groups, c_out].

ref_out_len <- function(n, k, s, d, padding) {
  ke <- (k - 1) * d + 1
  switch(padding,
    valid = list(out = (n - ke) %/% s + 1, pad = 0),
    same = { o <- ceiling(n / s); list(out = o, pad = max((o - 1) * s + ke - n, 0) %/% 2) },
    causal = list(out = (n - 1) %/% s + 1, pad = ke - 1))
}

ref_conv <- function(x, w, strides = 1, padding = "valid", dilation = 1) {
  dx <- dim(x)
  rank <- length(dx) - 2
  dw <- dim(w)
  strides <- rep_len(strides, rank)
  dilation <- rep_len(dilation, rank)
  cin <- dx[rank + 2]
  cg <- dw[rank + 1]
  cout <- dw[rank + 2]
  groups <- cin / cg
  og <- cout / groups
  geo <- lapply(seq_len(rank), function(d) ref_out_len(dx[d + 1], dw[d], strides[d], dilation[d], padding))
  outs <- vapply(geo, `[[`, 1, "out")
  y <- array(0, c(dx[1], outs, cout))
  taps <- as.matrix(expand.grid(lapply(dw[seq_len(rank)], seq_len)))
  positions <- as.matrix(expand.grid(lapply(outs, seq_len)))
  for (b in seq_len(dx[1])) for (pi in seq_len(nrow(positions))) {
    o <- positions[pi, ]
    for (co in seq_len(cout)) {
      grp <- (co - 1) %/% og
      acc <- 0
      for (ti in seq_len(nrow(taps))) {
        k <- taps[ti, ]
        i <- (o - 1) * strides - vapply(geo, `[[`, 1, "pad") + (k - 1) * dilation + 1
        if (any(i < 1) || any(i > dx[2:(rank + 1)])) next
        for (ci in seq_len(cg)) {
          xv <- do.call(`[`, c(list(x, b), as.list(i), list(grp * cg + ci)))
          wv <- do.call(`[`, c(list(w), as.list(k), list(ci, co)))
          acc <- acc + xv * wv
        }
      }
      y <- do.call(`[<-`, c(list(y, b), as.list(o), list(co, value = acc)))
    }
  }
  y
}

# The convolution y (as ref_conv(), vectorised over channels, for larger shapes) and the
# gradients of sum(y * g) with respect to x and w (g has y's shape), from the
# definition: each term x[b, i, ci] * w[k, ci, co] of y[b, o, co] sends g[b, o, co] * w
# back to x and g[b, o, co] * x back to w. Arrays are viewed as 3 spatial dims with
# leading 1s, so one loop nest serves every rank.
ref_conv_grads <- function(x, w, g, strides = 1, padding = "valid", dilation = 1) {
  dx <- dim(x)
  dw <- dim(w)
  rank <- length(dx) - 2
  lead <- rep(1, 3 - rank)
  geo <- lapply(seq_len(rank), function(d) {
    ref_out_len(dx[d + 1], dw[d], rep_len(strides, rank)[d], rep_len(dilation, rank)[d], padding)
  })
  s3 <- c(lead, rep_len(strides, rank))
  d3 <- c(lead, rep_len(dilation, rank))
  p3 <- c(0 * lead, vapply(geo, `[[`, 1, "pad"))
  X <- array(x, c(dx[1], lead, dx[-1]))
  W <- array(w, c(lead, dw))
  G <- array(g, c(dx[1], lead, dim(g)[-1]))
  cg <- dw[rank + 1]
  og <- dw[rank + 2] / (dx[rank + 2] / cg)
  Y <- array(0, dim(G))
  GX <- array(0, dim(X))
  GW <- array(0, dim(W))
  for (b in seq_len(dx[1])) for (o0 in seq_len(dim(G)[2])) for (o1 in seq_len(dim(G)[3])) for (o2 in seq_len(dim(G)[4]))
    for (k0 in seq_len(dim(W)[1])) for (k1 in seq_len(dim(W)[2])) for (k2 in seq_len(dim(W)[3])) {
      i <- (c(o0, o1, o2) - 1) * s3 - p3 + (c(k0, k1, k2) - 1) * d3 + 1
      if (any(i < 1 | i > dim(X)[2:4])) next
      for (grp in seq_len(dx[rank + 2] / cg)) {
        ci <- (grp - 1) * cg + seq_len(cg)
        co <- (grp - 1) * og + seq_len(og)
        gy <- G[b, o0, o1, o2, co]
        wk <- matrix(W[k0, k1, k2, , co], cg, og)
        Y[b, o0, o1, o2, co] <- Y[b, o0, o1, o2, co] + as.vector(X[b, i[1], i[2], i[3], ci] %*% wk)
        GX[b, i[1], i[2], i[3], ci] <- GX[b, i[1], i[2], i[3], ci] + as.vector(wk %*% gy)
        GW[k0, k1, k2, , co] <- GW[k0, k1, k2, , co] + outer(X[b, i[1], i[2], i[3], ci], gy)
      }
    }
  list(y = array(Y, dim(g)), x = array(GX, dx), w = array(GW, dw))
}

ref_pool <- function(x, size, strides = size, padding = "valid", fn = max) {
  dx <- dim(x)
  rank <- length(dx) - 2
  size <- rep_len(size, rank)
  strides <- rep_len(strides, rank)
  geo <- lapply(seq_len(rank), function(d) ref_out_len(dx[d + 1], size[d], strides[d], 1, padding))
  outs <- vapply(geo, `[[`, 1, "out")
  pads <- vapply(geo, `[[`, 1, "pad")
  y <- array(0, c(dx[1], outs, dx[rank + 2]))
  positions <- as.matrix(expand.grid(lapply(outs, seq_len)))
  for (b in seq_len(dx[1])) for (pi in seq_len(nrow(positions))) for (c in seq_len(dx[rank + 2])) {
    o <- positions[pi, ]
    idx <- lapply(seq_len(rank), function(d) {
      r <- (o[d] - 1) * strides[d] - pads[d] + seq_len(size[d])
      r[r >= 1 & r <= dx[d + 1]]
    })
    vals <- do.call(`[`, c(list(x, b), idx, list(c)))
    y <- do.call(`[<-`, c(list(y, b), as.list(o), list(c, value = fn(vals))))
  }
  y
}

# Transposed convolution from its definition: input position i of x spreads
# x[b, i, ci] * w[k, co, ci] to output position (i - 1) * s + (k - 1) * d + 1 - pad.
ref_conv_transpose_1d <- function(x, w, s = 1, padding = "valid", output_padding = NULL, d = 1) {
  n <- dim(x)[2]; k <- dim(w)[1]; ke <- (k - 1) * d + 1
  len <- if (is.null(output_padding)) {
    if (padding == "valid") n * s + max(ke - s, 0) else n * s
  } else (n - 1) * s + ke - 2 * (if (padding == "same") ke %/% 2 else 0) + output_padding
  pad <- if (padding == "same") max((n - 1) * s + ke - len, 0) %/% 2 else 0
  y <- array(0, c(dim(x)[1], len, dim(w)[2]))
  for (b in seq_len(dim(x)[1])) for (i in seq_len(n)) for (kk in seq_len(k)) {
    j <- (i - 1) * s + (kk - 1) * d + 1 - pad
    if (j < 1 || j > len) next
    y[b, j, ] <- y[b, j, ] + as.vector(matrix(w[kk, , ], dim(w)[2], dim(w)[3]) %*% x[b, i, ])
  }
  y
}

# The gradients of sum(layer(x) * weights) with respect to x and each of the layer's
# weights, autograd against central finite differences, in float64.
expect_layer_grads <- function(layer, x, tolerance = 1e-6, ...) {
  old <- config_set_floatx("float64")
  on.exit(config_set_floatx(old), add = TRUE)
  out <- as.array(layer(x, ...))
  ws <- get_weights(layer)
  wt <- withr::with_seed(7, array(stats::rnorm(length(out)), dim(out)))
  f <- function(xx, wl) {
    set_weights(layer, wl)
    sum(as.array(layer(xx, ...)) * wt)
  }
  xv <- recurrent:::cpp_variable(op_convert_to_tensor(x), NULL)
  loss <- recurrent:::with_gradient_recording(op_sum(op_multiply(layer(xv, ...), wt)))
  grads <- lapply(recurrent:::gradients(loss, c(list(xv), layer$weights)), function(g) as.vector(as.array(g)))
  expect_equal(grads[[1]], as.vector(finite_diff(function(a) f(a, ws), x)), tolerance = tolerance,
               label = "autograd gradient of the input")
  for (i in seq_along(ws)) {
    num <- finite_diff(function(a) { w2 <- ws; w2[[i]] <- a; f(x, w2) }, ws[[i]])
    expect_equal(grads[[i + 1]], as.vector(num), tolerance = tolerance,
                 label = paste("autograd gradient of weight", i))
  }
  set_weights(layer, ws)
  invisible()
}

# NumPy's arange(prod(dims)).reshape(dims) / scale, in Keras's index order.
np_arange <- function(dims, scale = 1) {
  aperm(array(seq_len(prod(dims)) - 1, rev(dims)), rev(seq_along(dims))) / scale
}

# A ConvLSTM in plain R (channels last, x[b, t, spatial..., channels], any rank), from
# the equations in Keras's ConvLSTMCell: the input convolution with the layer's strides,
# padding and dilation, the recurrent one with "same" padding and stride 1; gates i, f,
# c, o. rec_masks: NULL or four recurrent dropout masks shaped like h, one per gate.
ref_conv_lstm <- function(x, kernel, recurrent_kernel, bias, strides = 1, padding = "valid", dilation = 1,
                          h0 = NULL, c0 = NULL, mask = NULL, go_backwards = FALSE, rec_masks = NULL,
                          act = tanh, rec_act = function(v) 1 / (1 + exp(-v))) {
  rank <- length(dim(x)) - 3
  f <- dim(recurrent_kernel)[rank + 1]
  all <- rep(list(TRUE), rank + 1)  # every index but the last
  last <- function(a, j) do.call(`[`, c(list(a), all, list(j, drop = FALSE)))
  set_last <- function(a, j, value) do.call(`[<-`, c(list(a), all, list(j, value = value)))
  gate_cols <- function(k) (k - 1) * f + seq_len(f)
  rec_conv <- function(h) {
    if (is.null(rec_masks)) return(ref_conv(h, recurrent_kernel, 1, "same"))
    out <- array(0, c(dim(h)[-(rank + 2)], 4 * f))
    for (k in 1:4)
      out <- set_last(out, gate_cols(k), ref_conv(h * rec_masks[[k]], last(recurrent_kernel, gate_cols(k)), 1, "same"))
    out
  }
  steps <- dim(x)[2]
  order <- if (go_backwards) rev(seq_len(steps)) else seq_len(steps)
  h <- h0; c <- c0; outs <- list()
  for (t in order) {
    xt <- do.call(`[`, c(list(x, TRUE, t), all, list(drop = FALSE)))
    dim(xt) <- dim(x)[-2]
    z <- ref_conv(xt, kernel, strides, padding, dilation)
    if (is.null(h)) { h <- array(0, c(dim(z)[-(rank + 2)], f)); c <- h }
    z <- sweep(z + rec_conv(h), rank + 2, bias, "+")
    g <- function(k) last(z, gate_cols(k))
    cn <- rec_act(g(2)) * c + rec_act(g(1)) * act(g(3))
    hn <- rec_act(g(4)) * act(cn)
    if (!is.null(mask)) {
      keep <- array(mask[, t], dim(hn))  # a batch item's positions share its mask
      hn <- ifelse(keep, hn, h); cn <- ifelse(keep, cn, c)
    }
    h <- hn; c <- cn
    outs[[length(outs) + 1L]] <- h
  }
  list(h = h, c = c, seq = outs)
}
ref_conv_lstm_1d <- ref_conv_lstm
