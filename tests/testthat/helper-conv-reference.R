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
