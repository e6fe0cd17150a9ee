# Plain-R references for the attention layers and ops, in Keras's weight layout. They
# use nothing from the package; the tests check them against Keras's published values
# (keras/src/layers/attention/*_test.py) before trusting them.

ref_softmax <- function(s) {
  e <- exp(s - max(s))
  e / sum(e)
}

# Keras's Attention / AdditiveAttention on (batch, Tq, dim) query and (batch, Tv, dim)
# value / key. mode "dot": q.k (times `scale`); "concat": concat_weight *
# sum(tanh(scale * (q + k))); "additive": sum(add_scale * tanh(q + k)).
ref_attention <- function(q, v, k = v, mode = "dot", scale = NULL, concat_weight = 1, add_scale = NULL,
                          q_mask = NULL, v_mask = NULL, causal = FALSE) {
  B <- dim(q)[1]; Tq <- dim(q)[2]; Tv <- dim(v)[2]; dv <- dim(v)[3]
  out <- array(0, c(B, Tq, dv))
  w_all <- array(0, c(B, Tq, Tv))
  for (b in seq_len(B)) for (i in seq_len(Tq)) {
    s <- vapply(seq_len(Tv), function(j) {
      qi <- q[b, i, ]; kj <- k[b, j, ]
      switch(mode,
             dot = sum(qi * kj) * (if (is.null(scale)) 1 else scale),
             concat = concat_weight * sum(tanh((if (is.null(scale)) 1 else scale) * (qi + kj))),
             additive = sum((if (is.null(add_scale)) 1 else add_scale) * tanh(qi + kj)))
    }, 0)
    keep <- if (is.null(v_mask)) rep(TRUE, Tv) else v_mask[b, ]
    if (causal) keep <- keep & seq_len(Tv) <= i
    s[!keep] <- s[!keep] - 1e9
    w <- ref_softmax(s)
    w_all[b, i, ] <- w
    o <- colSums(w * matrix(v[b, , ], Tv, dv))
    if (!is.null(q_mask) && !q_mask[b, i]) o[] <- 0
    out[b, i, ] <- o
  }
  list(output = out, weights = w_all)
}

# (batch, T, d) x kernel (d, N, H) + bias (N, H) -> (batch, T, N, H)
ref_project <- function(x, kernel, bias = NULL) {
  B <- dim(x)[1]; Tn <- dim(x)[2]; N <- dim(kernel)[2]; H <- dim(kernel)[3]
  out <- array(0, c(B, Tn, N, H))
  for (b in seq_len(B)) for (t in seq_len(Tn)) for (n in seq_len(N)) {
    out[b, t, n, ] <- drop(x[b, t, ] %*% matrix(kernel[, n, ], dim(kernel)[1], H)) + (if (is.null(bias)) 0 else bias[n, ])
  }
  out
}

# Keras's MultiHeadAttention on 3-D inputs with weights
# list(wq, bq, wk, bk, wv, bv, wo, bo); `mask` (batch, Tq, Tv) logical, TRUE = attend.
# Masked scores get -1e9 added and zero weight after the softmax (Keras's Softmax).
ref_mha <- function(query, value, key = value, weights, mask = NULL) {
  Q <- ref_project(query, weights[[1]], weights[[2]])
  K <- ref_project(key, weights[[3]], weights[[4]])
  V <- ref_project(value, weights[[5]], weights[[6]])
  wo <- weights[[7]]; bo <- weights[[8]]
  B <- dim(query)[1]; Tq <- dim(query)[2]; Tv <- dim(value)[2]; N <- dim(Q)[3]; H <- dim(Q)[4]; Hv <- dim(V)[4]
  scores <- array(0, c(B, N, Tq, Tv))
  out <- array(0, c(B, Tq, dim(wo)[3]))
  for (b in seq_len(B)) for (i in seq_len(Tq)) {
    acc <- bo
    for (n in seq_len(N)) {
      s <- vapply(seq_len(Tv), function(j) sum(Q[b, i, n, ] * K[b, j, n, ]) / sqrt(H), 0)
      keep <- if (is.null(mask)) rep(TRUE, Tv) else mask[b, i, ]
      p <- ref_softmax(s - 1e9 * !keep) * keep
      scores[b, n, i, ] <- p
      o <- colSums(p * matrix(V[b, , n, ], Tv, Hv))
      acc <- acc + drop(o %*% matrix(wo[n, , ], Hv, dim(wo)[3]))
    }
    out[b, i, ] <- acc
  }
  list(output = out, scores = scores)
}

# ops.dot_product_attention on (B, T, N, H) / (B, S, N, H) arrays; `keep` (B, N, T, S).
ref_dot_product_attention <- function(q, k, v, scale = 1 / sqrt(dim(q)[4]), keep = NULL, bias = NULL) {
  B <- dim(q)[1]; Tq <- dim(q)[2]; N <- dim(q)[3]; S <- dim(k)[2]
  out <- array(0, c(B, Tq, N, dim(v)[4]))
  for (b in seq_len(B)) for (n in seq_len(N)) for (i in seq_len(Tq)) {
    s <- vapply(seq_len(S), function(j) sum(q[b, i, n, ] * k[b, j, n, ]) * scale, 0)
    if (!is.null(bias)) s <- s + bias[b, n, i, ]
    if (!is.null(keep)) s[!keep[b, n, i, ]] <- -0.7 * 3.38953e38
    p <- ref_softmax(s)
    out[b, i, n, ] <- colSums(p * matrix(v[b, , n, ], S, dim(v)[4]))
  }
  out
}

# Keras's assertAllClose(atol = ...): every entry within an absolute tolerance.
expect_close <- function(actual, expected, atol = 1e-3) {
  actual <- unname(drop(if (inherits(actual, "recurrent_tensor")) as.array(actual) else actual))
  expected <- unname(drop(expected))
  testthat::expect_equal(dim(as.array(actual)), dim(as.array(expected)))
  testthat::expect_lte(max(abs(actual - expected)), atol)
}
