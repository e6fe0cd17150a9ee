# The fused SimpleRNN / GRU / LSTM kernels (R/rnn-fused.R, src/core/rnn/) against
# Keras's published values, against the plain-R references of helper-reference.R with
# random weights, and their hand-written backward against central differences.

# ---- helpers ------------------------------------------------------------------------

# max |actual - expected| within tol, relative to the expected values' scale (at least 1)
expect_close <- function(actual, expected, tol, label = NULL) {
  act <- quasi_label(rlang::enquo(actual), label)
  a <- as.array(actual)
  e <- as.array(expected)
  shape <- function(v) as.integer(if (is.null(dim(v))) length(v) else dim(v))
  same_shape <- identical(shape(a), shape(e))
  err <- if (same_shape) max(abs(a - e)) / max(1, max(abs(e))) else Inf
  expect(same_shape && is.finite(err) && err <= tol,
         if (!same_shape) sprintf("%s has shape (%s), expected (%s)", act$lab, toString(dim(a)), toString(dim(e)))
         else sprintf("%s differs from the reference by %.3g (relative), more than %.3g", act$lab, err, tol))
  invisible(actual)
}

gate_count <- function(kind) c(simple = 1L, gru = 3L, lstm = 4L)[[kind]]

rand_array <- function(dims, sd = 0.5) array(stats::rnorm(prod(dims), sd = sd), dims)

# Masks with a row masked at the start, one in the middle and one masked everywhere, so
# "zeros before the first unmasked step" and "repeat the previous output" both show.
test_mask <- function(B, T) {
  m <- matrix(TRUE, B, T)
  m[1, c(2, T)] <- FALSE
  if (B >= 2) m[2, 1:2] <- FALSE
  if (B >= 3) m[3, ] <- FALSE
  m
}

# A random problem in Keras's layout. dropout: "none", "shared" (one mask for every
# gate) or "per_gate" (k masks), with values 0 or 1 / (1 - 0.5) as Keras samples them.
make_case <- function(kind, B = 3, T = 5, I = 4, H = 3, reset_after = TRUE, bias = TRUE, state = FALSE,
                      mask = FALSE, dropout = "none") {
  k <- gate_count(kind)
  drop <- function(dims) array(sample(c(0, 2), prod(dims), replace = TRUE), dims)
  list(
    kind = kind, reset_after = reset_after,
    x = rand_array(c(B, T, I), 1),
    kernel = rand_array(c(I, k * H)),
    recurrent_kernel = rand_array(c(H, k * H)),
    bias = if (!bias) NULL else if (kind == "gru" && reset_after) rand_array(c(2, k * H)) else rand_array(k * H),
    states = if (!state) NULL else lapply(seq_len(if (kind == "lstm") 2 else 1), function(i) rand_array(c(B, H))),
    mask = if (mask) test_mask(B, T) else NULL,
    din = switch(dropout, none = NULL, shared = drop(c(B, I)), per_gate = drop(c(k, B, I))),
    drec = switch(dropout, none = NULL, shared = drop(c(B, H)), per_gate = drop(c(k, B, H)))
  )
}

tensor_or_null <- function(a, dtype) if (is.null(a)) NULL else as_tensor(a, dtype)

case_options <- function(case, opts) {
  if (case$kind == "gru") opts$reset_after <- case$reset_after
  opts
}

# The fused kernel's outputs as R arrays.
run_fused <- function(case, opts = list(), dtype = "float64") {
  t <- function(a) tensor_or_null(a, dtype)
  out <- fused_rnn(case$kind, t(case$x), states = if (!is.null(case$states)) lapply(case$states, t),
                   kernel = t(case$kernel), recurrent_kernel = t(case$recurrent_kernel), bias = t(case$bias),
                   mask = case$mask, input_dropout = t(case$din), recurrent_dropout = t(case$drec),
                   options = case_options(case, opts))
  lapply(out, as.array)
}

run_ref <- function(case, opts = list()) {
  fn <- switch(case$kind, simple = ref_simple_rnn, gru = ref_gru, lstm = ref_lstm)
  args <- list(case$x, case$kernel, case$recurrent_kernel, bias = case$bias, initial_state = case$states,
               mask = case$mask, dropout_mask = case$din, recurrent_dropout_mask = case$drec)
  args <- c(args, case_options(case, opts))
  if (case$kind == "simple") args$recurrent_activation <- NULL
  do.call(fn, args)
}

kinds <- list(simple = list("simple", TRUE), gru = list("gru", TRUE), gru_before = list("gru", FALSE),
              lstm = list("lstm", TRUE))
mask_modes <- list(none = list(mask = FALSE, zero = FALSE), mask = list(mask = TRUE, zero = FALSE),
                   zero_output = list(mask = TRUE, zero = TRUE))

# ---- Keras's published values ----------------------------------------------------------
# keras/src/layers/rnn/{lstm,gru,simple_rnn}_test.py: constant initializers 0.01
# (kernel), 0.02 (recurrent), 0.03 (bias), inputs np.arange(...).reshape(...).

keras_cases <- function() {
  x36 <- ref_arange(c(3, 6, 4))
  x24 <- ref_arange(c(2, 4, 3))
  x234 <- ref_arange(c(2, 3, 4))
  K <- function(i, u, k) matrix(0.01, i, k * u)
  R <- function(u, k) matrix(0.02, u, k * u)
  fb <- function(u) c(rep(0.03, u), rep(1, u), rep(0.03, 2 * u))  # unit_forget_bias
  lstm_mask <- rbind(c(TRUE, TRUE, TRUE, FALSE), c(TRUE, TRUE, FALSE, FALSE))
  gm <- rbind(c(TRUE, TRUE, FALSE, TRUE), c(TRUE, FALSE, FALSE, TRUE))
  c3 <- function(v) cbind(v, v, v)
  c2 <- function(v) cbind(v, v)
  c4 <- function(v) cbind(v, v, v, v)
  list(
    list("lstm", x36, K(4, 3, 4), R(3, 4), fb(3), want = c3(c(0.6288687, 0.86899155, 0.9460773))),
    list("lstm", x36, K(4, 3, 4), R(3, 4), fb(3), go_backwards = TRUE,
         want = c3(c(0.35622165, 0.74789524, 0.8872726))),
    list("lstm", x36, K(4, 3, 4), R(3, 4), rep(0.03, 12), want = c3(c(0.57019705, 0.8661914, 0.9459622))),
    list("lstm", x36, K(4, 3, 4), R(3, 4), NULL, want = c3(c(0.54986924, 0.86226785, 0.9443936))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), initial_state = list(ref_arange(c(2, 2)), ref_arange(c(2, 2))),
         want = rbind(c(0.20574439, 0.3558822), c(0.64930826, 0.66276))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), initial_state = list(ref_arange(c(2, 2)), ref_arange(c(2, 2))),
         go_backwards = TRUE, want = rbind(c(0.13281618, 0.2790356), c(0.5839337, 0.5992567))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), mask = lstm_mask, want = c2(c(0.11755939, 0.28556206))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), mask = lstm_mask, return_sequences = TRUE,
         want = aperm(array(c(c2(c(0.01588910, 0.05552048, 0.11755939, 0.11755939)),
                              c2(c(0.14185596, 0.28556206, 0.28556206, 0.28556206))), c(4, 2, 2)), c(3, 1, 2))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), mask = lstm_mask, return_sequences = TRUE,
         zero_output_for_mask = TRUE,
         want = aperm(array(c(c2(c(0.01588910, 0.05552048, 0.11755939, 0)),
                              c2(c(0.14185596, 0.28556206, 0, 0))), c(4, 2, 2)), c(3, 1, 2))),
    list("lstm", x24, K(3, 2, 4), R(2, 4), fb(2), mask = rbind(c(FALSE, TRUE, TRUE, TRUE), c(FALSE, FALSE, TRUE, TRUE)),
         go_backwards = TRUE, want = c2(c(0.15341201, 0.3844719))),
    list("gru", x36, K(4, 3, 3), R(3, 3), matrix(0.03, 2, 9), want = c3(c(0.5217289, 0.6371659, 0.39384964))),
    list("gru", x36, K(4, 3, 3), R(3, 3), matrix(0.03, 2, 9), go_backwards = TRUE,
         want = c3(c(0.24406259, 0.611516, 0.3928808))),
    list("gru", x36, K(4, 3, 3), R(3, 3), rep(0.03, 9), reset_after = FALSE,
         want = c3(c(0.51447755, 0.6426879, 0.40208298))),
    list("gru", x36, K(4, 3, 3), R(3, 3), NULL, want = c3(c(0.49988455, 0.64701194, 0.4103359))),
    list("gru", x24, K(3, 2, 3), R(2, 3), matrix(0.03, 2, 6), initial_state = list(ref_arange(c(2, 2))),
         want = rbind(c(0.23774096, 0.33508456), c(0.83659905, 1.0227708))),
    list("gru", x24, K(3, 2, 3), R(2, 3), matrix(0.03, 2, 6), initial_state = list(ref_arange(c(2, 2))),
         go_backwards = TRUE, want = rbind(c(0.13486053, 0.23261218), c(0.78257304, 0.9691353))),
    list("gru", x24, K(3, 2, 3), R(2, 3), matrix(0.03, 2, 6), mask = gm, want = c2(c(0.19393763, 0.30818558))),
    list("gru", x24, K(3, 2, 3), R(2, 3), matrix(0.03, 2, 6), mask = gm, return_sequences = TRUE,
         zero_output_for_mask = TRUE,
         want = aperm(array(c(c2(c(0.03606692, 0.09497581, 0, 0.19393763)),
                              c2(c(0.16051409, 0, 0, 0.30818558))), c(4, 2, 2)), c(3, 1, 2))),
    list("gru", x24, K(3, 2, 3), R(2, 3), matrix(0.03, 2, 6), mask = gm, go_backwards = TRUE,
         want = c2(c(0.11669192, 0.28380975))),
    list("simple", x234, K(4, 4, 1), R(4, 1), rep(0.03, 4), want = c4(c(0.405432, 0.73605347))),
    list("simple", x234, K(4, 4, 1), R(4, 1), rep(0.03, 4), go_backwards = TRUE,
         want = c4(c(0.11144729, 0.5528889))),
    list("simple", x24, K(3, 4, 1), R(4, 1), rep(0.03, 4), initial_state = list(ref_arange(c(2, 4))),
         want = c4(c(0.33621645, 0.6262637))),
    list("simple", x24, K(3, 4, 1), R(4, 1), rep(0.03, 4), mask = gm, want = c4(c(0.32951632, 0.61799484))),
    list("simple", x24, K(3, 2, 1), R(2, 1), rep(0.03, 2), mask = gm, return_sequences = TRUE,
         want = aperm(array(c(c2(c(0.0599281, 0.15122814, 0.15122814, 0.32394567)),
                              c2(c(0.3969304, 0.3969304, 0.3969304, 0.608085))), c(4, 2, 2)), c(3, 1, 2))),
    list("simple", x24, K(3, 4, 1), R(4, 1), rep(0.03, 4), mask = gm, go_backwards = TRUE,
         want = c4(c(0.07376196, 0.43645123)))
  )
}

keras_label <- function(kc) {
  flags <- setdiff(names(kc), c("", "want"))
  paste(kc[[1]], paste(flags, collapse = "+"))
}

test_that("the plain-R references reproduce Keras's published values", {
  for (kc in keras_cases()) {
    fn <- switch(kc[[1]], simple = ref_simple_rnn, gru = ref_gru, lstm = ref_lstm)
    args <- kc[-1]
    args$want <- NULL
    names(args)[1:4] <- c("x", "kernel", "recurrent_kernel", "bias")
    got <- do.call(fn, args)[[1]]
    expect_close(got, kc$want, 1e-6, label = keras_label(kc))
  }
})

test_that("the fused kernels reproduce Keras's published values in float32", {
  for (kc in keras_cases()) {
    opts <- kc[intersect(names(kc), c("go_backwards", "reset_after", "return_sequences", "zero_output_for_mask"))]
    dt <- "float32"
    out <- fused_rnn(kc[[1]], as_tensor(kc[[2]], dt),
                     states = if (!is.null(kc$initial_state)) lapply(kc$initial_state, as_tensor, dtype = dt),
                     kernel = as_tensor(kc[[3]], dt), recurrent_kernel = as_tensor(kc[[4]], dt),
                     bias = tensor_or_null(kc[[5]], dt), mask = kc$mask, options = opts)
    expect_equal(cpp_dtype(out[[1]]), "float32")
    expect_close(out[[1]], kc$want, 1e-5, label = keras_label(kc))
  }
})

# ---- random weights against the references ----------------------------------------------

test_that("fused kernels match the references for every cell and option (float64)", {
  set.seed(1)
  i <- 0
  for (kn in names(kinds)) for (gb in c(FALSE, TRUE)) for (rs in c(FALSE, TRUE)) for (mm in names(mask_modes)) {
    for (drop in c("none", "shared", "per_gate")) {
      i <- i + 1
      case <- make_case(kinds[[kn]][[1]], reset_after = kinds[[kn]][[2]], bias = i %% 3 != 0,
                        state = i %% 2 == 0, mask = mask_modes[[mm]]$mask, dropout = drop)
      opts <- list(go_backwards = gb, return_sequences = rs, zero_output_for_mask = mask_modes[[mm]]$zero)
      got <- run_fused(case, opts, "float64")
      want <- run_ref(case, opts)
      expect_equal(length(got), length(want))
      for (j in seq_along(want))
        expect_close(got[[j]], want[[j]], 1e-12,
                     label = sprintf("%s %s output %d (go_backwards %s, return_sequences %s, dropout %s)",
                                     kn, mm, j, gb, rs, drop))
    }
  }
})

test_that("fused kernels match the references in float32 at about 1e-5", {
  set.seed(2)
  for (kn in names(kinds)) for (mm in names(mask_modes)) for (gb in c(FALSE, TRUE)) {
    case <- make_case(kinds[[kn]][[1]], B = 4, T = 12, I = 6, H = 5, reset_after = kinds[[kn]][[2]],
                      state = gb, mask = mask_modes[[mm]]$mask, dropout = if (gb) "per_gate" else "shared")
    opts <- list(go_backwards = gb, return_sequences = TRUE, zero_output_for_mask = mask_modes[[mm]]$zero)
    got <- run_fused(case, opts, "float32")
    want <- run_ref(case, opts)
    for (j in seq_along(want)) expect_close(got[[j]], want[[j]], 1e-5, label = paste(kn, mm, gb, "output", j))
  }
})

fused_activations <- c("tanh", "sigmoid", "linear", "relu", "relu6", "hard_sigmoid", "elu", "selu", "softplus",
                       "softsign", "swish", "silu", "exponential")

test_that("every fused activation matches the reference, as activation and recurrent_activation", {
  set.seed(3)
  for (a in fused_activations) for (kn in names(kinds)) {
    case <- make_case(kinds[[kn]][[1]], reset_after = kinds[[kn]][[2]], mask = TRUE)
    case$x <- case$x / 2  # keeps exponential activations in a moderate range
    for (opts in list(list(activation = a), list(recurrent_activation = a))) {
      if (kn == "simple" && !is.null(opts$recurrent_activation)) next
      opts$return_sequences <- TRUE
      got <- run_fused(case, opts)
      want <- run_ref(case, opts)
      for (j in seq_along(want)) expect_close(got[[j]], want[[j]], 1e-12, label = paste(kn, names(opts)[1], a))
    }
  }
  expect_true(all(vapply(fused_activations, fused_activation_supported, logical(1))))
  expect_true(fused_activation_supported(NULL))
  expect_false(fused_activation_supported("gelu"))
})

test_that("outputs have Keras's shapes, the state order h then c, and last output = h", {
  set.seed(4)
  case <- make_case("lstm", B = 2, T = 3, I = 4, H = 5)
  out <- run_fused(case, list(return_sequences = TRUE))
  expect_equal(lapply(out, dim), list(c(2L, 3L, 5L), c(2L, 5L), c(2L, 5L)))
  expect_equal(out[[1]][, 3, ], out[[2]])
  last <- run_fused(case)
  expect_equal(last[[1]], last[[2]])
  for (kind in c("simple", "gru")) {
    out <- run_fused(make_case(kind, B = 2, T = 3, I = 4, H = 5))
    expect_equal(lapply(out, dim), list(c(2L, 5L), c(2L, 5L)))
  }
})

test_that("batch 1 and a single timestep work", {
  set.seed(5)
  for (kn in names(kinds)) {
    for (dims in list(c(1, 7), c(4, 1))) {
      case <- make_case(kinds[[kn]][[1]], B = dims[1], T = dims[2], reset_after = kinds[[kn]][[2]], state = TRUE)
      opts <- list(return_sequences = TRUE)
      want <- run_ref(case, opts)
      got <- run_fused(case, opts)
      for (j in seq_along(want)) expect_close(got[[j]], want[[j]], 1e-12, label = paste(kn, toString(dims)))
    }
  }
})

# ---- gradients against central differences ------------------------------------------------

# d(loss)/d(x, states, kernel, recurrent_kernel, bias) of loss = sum_j sum(output_j * w_j)
# with fixed random w_j (so every output's gradient matters), from the recorded fused node,
# against central differences of the fused forward pass in float64.
check_gradients <- function(case, opts, label, eps = 1e-6, tol = 1e-7) {
  wrt <- list(x = case$x)
  if (!is.null(case$states)) wrt <- c(wrt, stats::setNames(case$states, c("h", "c")[seq_along(case$states)]))
  wrt$kernel <- case$kernel
  wrt$recurrent_kernel <- case$recurrent_kernel
  if (!is.null(case$bias)) wrt$bias <- case$bias
  shapes <- lapply(run_fused(case, opts), dim)
  w <- lapply(shapes, function(d) rand_array(d, 1))
  loss_r <- function(outs) sum(mapply(function(o, wj) sum(o * wj), outs, w))
  with_values <- function(vals) {
    cs <- case
    cs$x <- vals$x
    if (!is.null(case$states)) cs$states <- unname(vals[c("h", "c")[seq_along(case$states)]])
    cs$kernel <- vals$kernel
    cs$recurrent_kernel <- vals$recurrent_kernel
    if (!is.null(case$bias)) cs$bias <- vals$bias
    cs
  }
  f <- function(leaves) {
    cs <- with_values(leaves)
    t <- function(a) tensor_or_null(a, "float64")
    out <- fused_rnn(cs$kind, cs$x, states = cs$states, kernel = cs$kernel,
                     recurrent_kernel = cs$recurrent_kernel, bias = cs$bias, mask = cs$mask,
                     input_dropout = t(cs$din), recurrent_dropout = t(cs$drec), options = case_options(cs, opts))
    weighted_sum(out, w, "float64")
  }
  vg <- value_and_gradients(f, wrt, dtype = "float64")
  grads <- stats::setNames(vg$gradients, names(wrt))
  expect_close(as.array(vg$value), loss_r(run_fused(case, opts)), 1e-12, label = paste(label, "loss"))
  for (nm in names(wrt)) {
    fd <- wrt[[nm]]
    for (i in seq_along(fd)) {
      up <- down <- wrt
      up[[nm]][i] <- up[[nm]][i] + eps
      down[[nm]][i] <- down[[nm]][i] - eps
      fd[i] <- (loss_r(run_fused(with_values(up), opts)) - loss_r(run_fused(with_values(down), opts))) / (2 * eps)
    }
    d <- if (is.null(dim(fd))) length(fd) else dim(fd)
    expect_close(array(grads[[nm]], d), array(fd, d), tol, label = paste(label, "d/d", nm))
  }
}

test_that("fused backward matches central differences for every cell and option", {
  set.seed(6)
  i <- 0
  for (kn in names(kinds)) for (gb in c(FALSE, TRUE)) for (rs in c(FALSE, TRUE)) for (mm in names(mask_modes)) {
    i <- i + 1
    case <- make_case(kinds[[kn]][[1]], B = 3, T = 4, I = 3, H = 2, reset_after = kinds[[kn]][[2]],
                      bias = i %% 4 != 0, state = i %% 2 == 1, mask = mask_modes[[mm]]$mask,
                      dropout = c("none", "shared", "per_gate")[i %% 3 + 1])
    opts <- list(go_backwards = gb, return_sequences = rs, zero_output_for_mask = mask_modes[[mm]]$zero)
    check_gradients(case, opts, sprintf("%s %s go_backwards=%s return_sequences=%s", kn, mm, gb, rs))
  }
})

test_that("fused backward matches central differences with dropout masks, no bias, and other activations", {
  set.seed(7)
  for (kn in names(kinds)) {
    for (drop in c("shared", "per_gate")) {
      case <- make_case(kinds[[kn]][[1]], B = 2, T = 4, I = 3, H = 2, reset_after = kinds[[kn]][[2]],
                        state = TRUE, mask = TRUE, dropout = drop)
      check_gradients(case, list(return_sequences = TRUE), paste(kn, "dropout", drop))
    }
    case <- make_case(kinds[[kn]][[1]], B = 2, T = 4, I = 3, H = 2, reset_after = kinds[[kn]][[2]], bias = FALSE)
    check_gradients(case, list(return_sequences = TRUE), paste(kn, "no bias"))
    for (a in c("swish", "softplus", "softsign", "selu", "exponential", "linear")) {
      case <- make_case(kinds[[kn]][[1]], B = 2, T = 3, I = 3, H = 2, reset_after = kinds[[kn]][[2]], state = TRUE)
      case$x <- case$x / 2
      check_gradients(case, list(activation = a, return_sequences = TRUE), paste(kn, "activation", a))
      if (kn != "simple")
        check_gradients(case, list(recurrent_activation = a), paste(kn, "recurrent_activation", a))
    }
  }
})

# Shapes past every blocking boundary of the packed GEMM (src/core/rnn/gemm.h: k blocks
# of 256, row blocks of up to 96 and register tiles of 12 rows, column blocks of 1024+): the forward pass against the
# reference, the backward pass by a directional derivative (one central difference along
# a random direction of all inputs at once: two forward passes instead of thousands).
test_that("large shapes match the references and directional derivatives", {
  set.seed(10)
  for (kn in c("lstm", "gru", "gru_before", "simple")) {
    kind <- kinds[[kn]][[1]]
    H <- switch(kind, simple = 1100, lstm = 520, gru = 300)
    case <- make_case(kind, B = 13, T = 10, I = 260, H = H, reset_after = kinds[[kn]][[2]], state = TRUE,
                      mask = TRUE, dropout = if (kn == "gru") "per_gate" else "shared")
    case$kernel <- case$kernel / sqrt(260)
    case$recurrent_kernel <- case$recurrent_kernel / sqrt(H)
    opts <- list(return_sequences = TRUE, go_backwards = kn == "lstm")
    want <- run_ref(case, opts)
    got <- run_fused(case, opts, "float64")
    for (j in seq_along(want)) expect_close(got[[j]], want[[j]], 1e-11, label = paste(kn, "large, output", j))

    w <- lapply(want, function(o) rand_array(dim(o), 1))
    loss_r <- function(outs) sum(mapply(function(o, wj) sum(o * wj), outs, w))
    fields <- c("x", "kernel", "recurrent_kernel", "bias")
    dirs <- lapply(case[fields], function(a) array(stats::rnorm(length(a)), if (is.null(dim(a))) length(a) else dim(a)))
    shifted <- function(sign, eps = 1e-6) {
      cs <- case
      for (f in fields) cs[[f]] <- case[[f]] + sign * eps * dirs[[f]]
      cs
    }
    fd <- (loss_r(run_fused(shifted(1), opts)) - loss_r(run_fused(shifted(-1), opts))) / 2e-6
    f <- function(leaves) {
      t <- function(a) tensor_or_null(a, "float64")
      out <- fused_rnn(kind, leaves$x, states = lapply(case$states, t), kernel = leaves$kernel,
                       recurrent_kernel = leaves$recurrent_kernel, bias = leaves$bias, mask = case$mask,
                       input_dropout = t(case$din), recurrent_dropout = t(case$drec), options = case_options(case, opts))
      weighted_sum(out, w, "float64")
    }
    g <- value_and_gradients(f, case[fields], dtype = "float64")$gradients
    analytic <- sum(mapply(function(gi, d) sum(gi * d), g, dirs))
    expect_close(analytic, fd, 1e-6, label = paste(kn, "large, directional derivative"))

    got32 <- run_fused(case, opts, "float32")
    for (j in seq_along(want)) expect_close(got32[[j]], want[[j]], 2e-5, label = paste(kn, "large float32, output", j))
  }
})

test_that("gradients can be taken twice from one recorded call", {
  # backward writes its gradients over the saved gates; the second pass recomputes them
  set.seed(11)
  for (kn in names(kinds)) {
    case <- make_case(kinds[[kn]][[1]], B = 3, T = 4, I = 3, H = 2, reset_after = kinds[[kn]][[2]], state = TRUE,
                      mask = TRUE)
    v <- function(a) cpp_variable(as_tensor(a, "float64"), "float64")
    leaves <- list(v(case$x), v(case$kernel), v(case$recurrent_kernel), v(case$bias))
    states <- lapply(case$states, v)
    w <- rand_array(c(3, 4, 2), 1)
    with_gradient_recording({
      out <- fused_rnn(case$kind, leaves[[1]], states = states, kernel = leaves[[2]],
                       recurrent_kernel = leaves[[3]], bias = leaves[[4]], mask = case$mask,
                       options = case_options(case, list(return_sequences = TRUE)))
      loss <- op_sum(out[[1]] * as_tensor(w, "float64")) + op_sum(out[[2]])
    })
    first <- lapply(gradients(loss, c(leaves, states)), as.array)
    second <- lapply(gradients(loss, c(leaves, states)), as.array)
    expect_equal(second, first, tolerance = 1e-14, label = paste(kn, "second backward"))
  }
})

test_that("no graph is recorded outside gradient recording", {
  set.seed(8)
  case <- make_case("gru", B = 2, T = 3, I = 3, H = 2)
  k <- cpp_variable(as_tensor(case$kernel, "float64"), "float64")
  out <- fused_rnn("gru", as_tensor(case$x, "float64"), kernel = k,
                   recurrent_kernel = as_tensor(case$recurrent_kernel, "float64"),
                   bias = as_tensor(case$bias, "float64"))
  g <- with_gradient_recording(gradients(op_sum(out[[1]]), list(k)))
  expect_equal(max(abs(as.array(g[[1]]))), 0)
})

# ---- errors ----------------------------------------------------------------------------

test_that("bad arguments give clear errors", {
  set.seed(9)
  case <- make_case("lstm", B = 2, T = 3, I = 4, H = 3)
  call_with <- function(...) {
    args <- utils::modifyList(list(kind = "lstm", x = as_tensor(case$x, "float64"),
                                   kernel = as_tensor(case$kernel, "float64"),
                                   recurrent_kernel = as_tensor(case$recurrent_kernel, "float64"),
                                   bias = as_tensor(case$bias, "float64")), list(...))
    do.call(fused_rnn, args)
  }
  expect_error(call_with(kind = "rnn"), "kind must be one of")
  expect_error(call_with(x = as_tensor(matrix(1, 2, 3), "float64")), "x must be a 3-D float tensor")
  expect_error(call_with(kernel = as_tensor(matrix(1, 4, 10), "float64")), "kernel must be a float64 tensor of shape \\(4, 12\\)")
  expect_error(call_with(kernel = as_tensor(case$kernel, "float32")), "kernel must be a float64 tensor")
  expect_error(call_with(recurrent_kernel = as_tensor(matrix(1, 3, 3), "float64")), "recurrent_kernel must be")
  expect_error(call_with(bias = as_tensor(1:5, "float64")), "bias must be a float64 tensor of shape \\(12\\)")
  expect_error(call_with(states = list(as_tensor(matrix(0, 2, 3), "float64"))), "expected 2 initial state tensors, got 1")
  expect_error(call_with(states = list(as_tensor(matrix(0, 2, 4), "float64"), as_tensor(matrix(0, 2, 4), "float64"))),
               "each initial state must be a float64 tensor of shape \\(2, 3\\)")
  expect_error(call_with(mask = matrix(TRUE, 3, 2)), "mask must have shape \\(2, 3\\)")
  expect_error(call_with(input_dropout = as_tensor(matrix(1, 2, 5), "float64")), "input_dropout must have shape \\(2, 4\\)")
  expect_error(call_with(recurrent_dropout = as_tensor(array(1, c(3, 2, 3)), "float64")),
               "recurrent_dropout must have shape \\(2, 3\\) or, one per gate, \\(4, 2, 3\\)")
  expect_error(call_with(activation = "gelu"), "activation \"gelu\" has no fused kernel")
  expect_error(call_with(recurrent_activation = "mish"), "recurrent_activation \"mish\" has no fused kernel")
  expect_error(call_with(x = as_tensor(array(0, c(2, 0, 4)), "float64")), "at least one timestep")
  gru <- make_case("gru", B = 2, T = 3, I = 4, H = 3)
  expect_error(fused_rnn("gru", as_tensor(gru$x, "float64"), kernel = as_tensor(gru$kernel, "float64"),
                         recurrent_kernel = as_tensor(gru$recurrent_kernel, "float64"),
                         bias = as_tensor(rep(0, 9), "float64")),
               "bias must be a float64 tensor of shape \\(2, 9\\)")
})
