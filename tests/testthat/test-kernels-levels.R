# The kernels of every instruction-set level this CPU supports (src/core/kernels/): each
# against base R's products and functions, and the levels against each other.

levels_here <- function() config_cpu_features()$available

# Runs f() at each supported level (restoring the level in use) and returns the results.
at_each_level <- function(f) {
  old <- config_cpu_features()$level
  on.exit(config_set_cpu_level(old), add = TRUE)
  out <- lapply(levels_here(), function(level) {
    config_set_cpu_level(level)
    f()
  })
  names(out) <- levels_here()
  out
}

rel_err <- function(a, b) max(abs(as.array(a) - as.array(b))) / max(1, max(abs(as.array(b))))

test_that("config_cpu_features() reports a level in use among those available", {
  f <- config_cpu_features()
  expect_true(f$level %in% f$available)
  expect_identical(f$level, f$available[length(f$available)])  # the best one, unless capped
  expect_true(f$vector_bits %in% c(128L, 256L, 512L))
  if (R.version$arch %in% c("x86_64", "amd64")) {
    expect_identical(f$available[1], "sse2")
    expect_true("sse2" %in% f$cpu)
    expect_identical("avx2" %in% f$available, all(c("avx2", "fma") %in% f$cpu))
    expect_identical("avx512" %in% f$available, "avx512f" %in% f$cpu)
  }
})

test_that("config_set_cpu_level() switches levels and rejects unsupported ones", {
  old <- config_cpu_features()$level
  expect_identical(config_set_cpu_level("baseline"), old)
  expect_identical(config_cpu_features()$level, levels_here()[1])
  expect_identical(config_cpu_features()$vector_bits, 128L)
  config_set_cpu_level(old)
  expect_identical(config_cpu_features()$level, old)
  expect_error(config_set_cpu_level("sse5"), class = "recurrent_error")
  expect_error(config_set_cpu_level("sse5"), "level")
  expect_error(config_set_cpu_level(2), class = "recurrent_error")
})

test_that("RECURRENT_CPU_LEVEL caps the level of a new session", {
  skip_on_cran()
  rscript <- file.path(R.home("bin"), "Rscript")
  lib <- dirname(system.file(package = "recurrent"))
  run <- function(value) {
    env <- c(paste0("RECURRENT_CPU_LEVEL=", value), paste0("R_LIBS=", paste(.libPaths(), collapse = ":")))
    system2(rscript, c("-e", shQuote(paste0(".libPaths(c('", lib, "', .libPaths())); ",
                                           "cat(recurrent::config_cpu_features()$level)"))),
            env = env, stdout = TRUE, stderr = TRUE)
  }
  expect_identical(run("baseline"), levels_here()[1])
  expect_identical(run("avx512"), levels_here()[length(levels_here())])  # a cap above the CPU is no change
})

test_that("every level's matrix products match base R, in float64 and float32", {
  skip_on_cran()
  set.seed(42)
  # small products (no packing), packed ones (> 2^18 multiply-adds), ragged edges,
  # transposed operands (through the gradients) and batched products
  shapes <- list(c(1, 7, 3), c(5, 17, 33), c(37, 29, 41), c(70, 90, 65), c(130, 64, 257), c(3, 300, 520))
  for (s in shapes) {
    a <- matrix(rnorm(s[1] * s[2]), s[1], s[2])
    b <- matrix(rnorm(s[2] * s[3]), s[2], s[3])
    want <- a %*% b
    for (dtype in c("float64", "float32")) {
      got <- at_each_level(function() as.array(op_matmul(op_convert_to_tensor(a, dtype = dtype),
                                                         op_convert_to_tensor(b, dtype = dtype))))
      tol <- if (dtype == "float64") 1e-12 else 1e-5
      for (level in names(got))
        expect_lt(rel_err(got[[level]], want), tol * sqrt(s[2]))
    }
  }
  x <- array(rnorm(2 * 70 * 90), c(2, 70, 90))
  w <- array(rnorm(2 * 90 * 65), c(2, 90, 65))
  got <- at_each_level(function() as.array(op_matmul(op_convert_to_tensor(x, dtype = "float64"),
                                                     op_convert_to_tensor(w, dtype = "float64"))))
  for (level in names(got)) {
    expect_lt(rel_err(got[[level]][1, , ], x[1, , ] %*% w[1, , ]), 1e-12)
    expect_lt(rel_err(got[[level]][2, , ], x[2, , ] %*% w[2, , ]), 1e-12)
  }
  # gradients of sum(a %*% b): rowSums(b) and colSums(a) spread over the other operand
  a <- matrix(rnorm(80 * 70), 80, 70)
  b <- matrix(rnorm(70 * 90), 70, 90)
  grads <- at_each_level(function() {
    lapply(recurrent:::value_and_gradients(function(ts) op_sum(op_matmul(ts[[1]], ts[[2]])), list(a, b),
                                           dtype = "float64")$gradients, as.array)
  })
  for (level in names(grads)) {
    expect_lt(rel_err(grads[[level]][[1]], matrix(rowSums(b), 80, 70, byrow = TRUE)), 1e-12)
    expect_lt(rel_err(grads[[level]][[2]], matrix(colSums(a), 70, 90)), 1e-12)
  }
})

test_that("every level's float32 exp, tanh and sigmoid match base R", {
  skip_on_cran()
  x <- c(seq(-20, 20, length.out = 1001), -0.3, 0.1, 1e-4, 0, 37)  # an odd length: the tail too
  for (f in list(list(op_exp, exp), list(op_tanh, tanh), list(op_sigmoid, stats::plogis))) {
    got <- at_each_level(function() as.array(f[[1]](op_convert_to_tensor(x, dtype = "float32"))))
    for (level in names(got)) {
      expect_lt(max(abs(got[[level]] - f[[2]](x)) / pmax(abs(f[[2]](x)), 1e-30)), 1e-6)
    }
  }
  got <- at_each_level(function() as.vector(as.array(op_exp(op_convert_to_tensor(c(-200, 100, NaN), dtype = "float32")))))
  for (level in names(got)) expect_identical(got[[level]], c(0, Inf, NaN))
})

test_that("every level's fused LSTM and GRU give the plain-R reference's outputs and agree", {
  skip_on_cran()
  set.seed(7)
  B <- 5; Tn <- 6; I <- 9; H <- 37  # H not a multiple of any vector width
  x <- array(rnorm(B * Tn * I), c(B, Tn, I))
  for (kind in c("lstm", "gru")) {
    k <- if (kind == "lstm") 4 else 3
    kernel <- matrix(rnorm(I * k * H, sd = 0.3), I, k * H)
    rec <- matrix(rnorm(H * k * H, sd = 0.3), H, k * H)
    bias <- if (kind == "lstm") rnorm(k * H) else matrix(rnorm(2 * k * H), 2, k * H)
    ref <- if (kind == "lstm") ref_lstm(x, kernel, rec, bias = bias, return_sequences = TRUE)
           else ref_gru(x, kernel, rec, bias = bias, return_sequences = TRUE, reset_after = TRUE)
    for (dtype in c("float64", "float32")) {
      got <- at_each_level(function() {
        t <- function(a) op_convert_to_tensor(a, dtype = dtype)
        out <- fused_rnn(kind, t(x), kernel = t(kernel), recurrent_kernel = t(rec), bias = t(bias),
                         options = c(list(return_sequences = TRUE), if (kind == "gru") list(reset_after = TRUE)))
        as.array(out[[1]])
      })
      tol <- if (dtype == "float64") 1e-10 else 1e-5
      ref_out <- if (is.list(ref)) ref[[1]] else ref
      for (level in names(got)) {
        expect_lt(rel_err(got[[level]], ref_out), tol)
        expect_lt(rel_err(got[[level]], got[[1]]), tol)
      }
    }
  }
})

test_that("every level's + - * / give base R's float64 results exactly", {
  skip_on_cran()
  set.seed(3)
  x <- matrix(rnorm(37 * 5), 37, 5)  # 185 values: whole vectors and a tail at every width
  y <- matrix(rnorm(37 * 5), 37, 5)
  s <- 0.37
  t64 <- function(a) op_convert_to_tensor(a, dtype = "float64")
  ops <- list(list(op_add, `+`), list(op_subtract, `-`), list(op_multiply, `*`), list(op_divide, `/`))
  for (o in ops) {
    got <- at_each_level(function() list(as.array(o[[1]](t64(x), t64(y))), as.array(o[[1]](t64(x), t64(s))),
                                          as.array(o[[1]](t64(s), t64(y)))))
    for (level in names(got)) {
      expect_identical(got[[level]][[1]], o[[2]](x, y))
      expect_identical(got[[level]][[2]], o[[2]](x, s))
      expect_identical(got[[level]][[3]], o[[2]](s, y))
    }
  }
})

# The fused cells' pointwise passes (src/core/kernels/cells.h) round every operation once
# and never fuse a multiply-add, so in float64 each level gives the same bits. To see them
# apart from the matrix products (whose sums legitimately differ between levels), the
# recurrent kernel is zero and x, kernel and bias are multiples of 1/8: every product is
# then exact, and what remains is the cells' own arithmetic: outputs, final states, the
# bias gradient (column sums of the gate gradients) and the initial states' gradients.
test_that("every level's fused cells give identical float64 values where the products are exact", {
  skip_on_cran()
  set.seed(11)
  B <- 4; Tn <- 5; I <- 3; H <- 37  # H not a multiple of any vector width: the tails too
  dyadic <- function(...) array(sample(-8:8, prod(c(...)), replace = TRUE) / 8, c(...))
  mask <- matrix(TRUE, B, Tn)
  mask[1, c(2, Tn)] <- FALSE
  mask[2, 1:2] <- FALSE
  x <- dyadic(B, Tn, I)
  cases <- list(list(kind = "lstm", k = 4, opts = list()),
                list(kind = "gru", k = 3, opts = list(reset_after = TRUE)),
                list(kind = "gru", k = 3, opts = list(reset_after = FALSE)),
                list(kind = "lstm", k = 4, opts = list(activation = "relu", recurrent_activation = "hard_sigmoid")))
  for (cs in cases) {
    kernel <- dyadic(I, cs$k * H)
    rec <- matrix(0, H, cs$k * H)
    bias <- if (isTRUE(cs$opts$reset_after)) dyadic(2, cs$k * H) else dyadic(cs$k * H)
    states <- lapply(seq_len(if (cs$kind == "lstm") 2 else 1), function(i) dyadic(B, H))
    ref <- if (cs$kind == "lstm") {
      ref_lstm(x, kernel, rec, bias = bias, initial_state = states, mask = mask, return_sequences = TRUE,
               activation = cs$opts$activation %||% "tanh",
               recurrent_activation = cs$opts$recurrent_activation %||% "sigmoid")
    } else {
      ref_gru(x, kernel, rec, bias = bias, initial_state = states, mask = mask, return_sequences = TRUE,
              reset_after = cs$opts$reset_after)
    }
    got <- at_each_level(function() {
      outputs <- NULL
      vg <- recurrent:::value_and_gradients(function(v) {
        out <- fused_rnn(cs$kind, op_convert_to_tensor(x, dtype = "float64"), states = v[-1],
                         kernel = op_convert_to_tensor(kernel, dtype = "float64"),
                         recurrent_kernel = op_convert_to_tensor(rec, dtype = "float64"), bias = v[[1]], mask = mask,
                         options = c(list(return_sequences = TRUE), cs$opts))
        outputs <<- lapply(out, as.array)
        op_sum(out[[1]] * out[[1]]) + op_sum(out[[length(out)]])
      }, c(list(bias), states), dtype = "float64")
      c(outputs, vg$gradients)
    })
    label <- paste(cs$kind, toString(unlist(cs$opts)))
    ref_out <- if (is.list(ref)) ref[[1]] else ref
    expect_lt(rel_err(got[[1]][[1]], ref_out), 1e-12)
    for (level in names(got)) expect_identical(got[[level]], got[[1]], label = paste(label, level))
  }
})

test_that("every level's float32 fused gradients match float64 (LSTM and GRU row kernels)", {
  skip_on_cran()
  set.seed(12)
  B <- 5; Tn <- 6; I <- 4; H <- 37
  x <- array(rnorm(B * Tn * I), c(B, Tn, I))
  mask <- matrix(TRUE, B, Tn)
  mask[2, 1:3] <- FALSE
  for (cs in list(list(kind = "lstm", k = 4, ra = NULL), list(kind = "gru", k = 3, ra = TRUE),
                  list(kind = "gru", k = 3, ra = FALSE))) {
    kernel <- matrix(rnorm(I * cs$k * H, sd = 0.3), I, cs$k * H)
    rec <- matrix(rnorm(H * cs$k * H, sd = 0.3), H, cs$k * H)
    bias <- if (isTRUE(cs$ra)) matrix(rnorm(2 * cs$k * H), 2, cs$k * H) else rnorm(cs$k * H)
    w <- array(rnorm(B * Tn * H), c(B, Tn, H))
    grads <- function(dtype) {
      recurrent:::value_and_gradients(function(v) {
        out <- fused_rnn(cs$kind, v[[1]], kernel = v[[2]], recurrent_kernel = v[[3]], bias = v[[4]], mask = mask,
                         options = c(list(return_sequences = TRUE), if (!is.null(cs$ra)) list(reset_after = cs$ra)))
        op_sum(out[[1]] * op_convert_to_tensor(w, dtype = dtype))
      }, list(x, kernel, rec, bias), dtype = dtype)$gradients
    }
    want <- grads("float64")
    got <- at_each_level(function() grads("float32"))
    for (level in names(got)) for (j in seq_along(want))
      expect_lt(rel_err(got[[level]][[j]], want[[j]]), 1e-5, label = paste(cs$kind, level, "gradient", j))
  }
})
