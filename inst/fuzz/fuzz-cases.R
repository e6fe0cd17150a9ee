# The fuzz generator shared by tests/testthat/test-fuzz.R (a few hundred cases on
# every test run) and inst/fuzz/fuzz.R (thousands, before a release).
#
# A case is a random layer (recurrent layers with built-in and R cells, stacks,
# bidirectional, time_distributed, dense, embedding, masking, normalization), random
# arguments, input shape, dtype, mask and initial states. At most one ingredient is
# deliberately wrong, and the case knows which argument or input that is. Running a
# case must give either
# * (nothing wrong) a value equal, in shape and numbers, to a plain-R reference
#   computed from the layer's weights, with finite gradients of the right shapes, or
# * (something wrong) an error of class "recurrent_error" whose message names the
#   argument or input at fault,
# and never a warning, a NaN from finite input, another error class, a success on a
# wrong input, or an error on a right one.
#
# Every case is reproducible from (seed, index): fuzz_case(seed, i) seeds R's RNG
# with both. The references (ref_rnn(), ref_step_*(), ...) are plain R, from
# tests/testthat/helper-reference.R, passed in as `refs`.

if (!exists("%||%")) `%||%` <- function(x, y) if (is.null(x)) y else x

# The plain-R references a run needs, looked up from `env` (where
# tests/testthat/helper-reference.R was sourced).
fuzz_ref_names <- c("ref_rnn", "ref_step_simple", "ref_step_gru", "ref_step_lstm", "ref_step_stack",
                    "ref_concat_last", "ref_dense", "ref_layer_norm", "ref_batch_norm", "ref_masking")
fuzz_refs <- function(env) mget(fuzz_ref_names, envir = env, inherits = TRUE)

fuzz_rcell <- NULL

# A cell written in R: h = tanh(x W + h U), no bias.
fuzz_make_rcell <- function() {
  recurrent::Layer("FuzzRCell",
    initialize = function(units, ...) {
      super$initialize(...)
      self$units <- units
      self$state_size <- units
    },
    build = function(input_shape) {
      self$kernel <- self$add_weight(shape = c(input_shape[[length(input_shape)]], self$units),
                                     initializer = "glorot_uniform", name = "kernel")
      self$recurrent_kernel <- self$add_weight(shape = c(self$units, self$units),
                                               initializer = "orthogonal", name = "recurrent_kernel")
    },
    call = function(inputs, states) {
      h <- recurrent::op_tanh(recurrent::op_matmul(inputs, self$kernel) +
                                recurrent::op_matmul(states[[1]], self$recurrent_kernel))
      list(h, list(h))
    }
  )
}

fuzz_kinds <- c("simple", "gru", "lstm", "rnn_builtin", "rnn_rcell", "stack", "bidirectional",
                "time_distributed", "dense", "embedding", "masking", "layer_norm", "batch_norm")
rnn_kinds <- c("simple", "gru", "lstm", "rnn_builtin", "rnn_rcell", "stack", "bidirectional")

pick <- function(x) x[[sample.int(length(x), 1L)]]

# The faults a case may carry, by layer kind, with the argument or input to name.
fuzz_faults <- function(kind) {
  common <- c("bad_dtype", "features_change")
  rnn <- c("bad_units", "bad_activation", "na_mask", "mask_shape", "state_shape", "zero_steps",
           "bad_dropout", "rank2")
  switch(kind,
    simple = , gru = , lstm = , rnn_builtin = , stack = c(common, rnn),
    rnn_rcell = c(common, setdiff(rnn, c("bad_units", "bad_activation", "bad_dropout"))),
    bidirectional = c(common, "bad_units", "na_mask", "mask_shape", "zero_steps", "bad_merge_mode"),
    time_distributed = c(common, "mask_shape", "na_mask", "bad_units"),
    dense = c(common, "bad_units", "bad_activation", "mask_shape"),
    embedding = c("id_range", "id_nan", "bad_input_dim"),
    masking = c("bad_mask_value"),
    layer_norm = c("features_change", "bad_epsilon"),
    batch_norm = c("features_change", "bad_momentum")
  )
}

fuzz_bad_count <- function() pick(list(0, -1, 2.5, "3", NA, 1e10, 2^29, 2147483647, c(2, 3), Inf))

# One case: a description plus everything needed to run and check it.
fuzz_case <- function(seed, i) {
  set.seed((as.numeric(seed) * 100003 + i) %% .Machine$integer.max)
  kind <- pick(fuzz_kinds)
  fault <- if (stats::runif(1) < 0.3) pick(fuzz_faults(kind)) else "none"
  dtype_where <- pick(c("none", "none", "layer", "wrapper"))
  dtype <- if (dtype_where == "none") NULL else pick(c("float32", "float64"))
  if (fault == "bad_dtype") dtype <- pick(c("float16", "int32", "bool", "complex"))
  b <- sample.int(3, 1)
  t <- sample.int(4, 1)
  f <- sample.int(3, 1)
  units <- sample.int(3, 1)
  case <- list(seed = seed, index = i, kind = kind, fault = fault, dtype = dtype, dtype_where = dtype_where,
               batch = b, steps = t, features = f, units = units)
  case$opts <- list(
    cell_kind = pick(c("simple", "gru", "lstm")),
    cell_kind2 = pick(c("simple", "gru", "lstm")),
    activation = pick(list("tanh", "sigmoid", "relu", NULL)),
    recurrent_activation = pick(c("sigmoid", "hard_sigmoid", "tanh")),
    use_bias = stats::runif(1) < 0.8,
    reset_after = stats::runif(1) < 0.5,
    go_backwards = stats::runif(1) < 0.3,
    return_sequences = stats::runif(1) < 0.5,
    return_state = stats::runif(1) < 0.3,
    zero_output_for_mask = stats::runif(1) < 0.3,
    merge_mode = pick(list("concat", "sum", "mul", "ave", NULL)),
    mask = pick(c("none", "none", "logical", "numeric")),
    initial_state = stats::runif(1) < 0.25,
    mask_zero = stats::runif(1) < 0.5,
    mask_value = pick(c(0, 0.5)),
    td_dense = stats::runif(1) < 0.7,
    training = stats::runif(1) < 0.5,
    epsilon = pick(c(0.001, 0.1)),
    input_kind = pick(c("double", "double", "double", "integer", "tensor"))
  )
  case$x <- fuzz_input(case)
  # faults about masks and states need sequences to put them on
  if (case$fault %in% c("na_mask", "mask_shape", "state_shape") && length(dim(case$x)) != 3) case$fault <- "none"
  case
}

fuzz_input <- function(case) {
  b <- case$batch; t <- case$steps; f <- case$features
  if (case$kind == "embedding") {
    ids <- array(sample(0:3, b * t, replace = TRUE), c(b, t))
    if (case$fault == "id_range") ids[sample.int(length(ids), 1)] <- pick(c(-1, 4, 100))
    if (case$fault == "id_nan") { ids <- ids + 0; ids[sample.int(length(ids), 1)] <- NA }
    return(ids)
  }
  if (case$fault == "zero_steps") t <- 0L
  dims <- if (case$kind %in% c("dense", "layer_norm", "batch_norm") && stats::runif(1) < 0.5) c(b, f) else c(b, t, f)
  if (case$fault == "rank2") dims <- c(b, f)
  x <- array(round(stats::runif(prod(dims), -1, 1), 3), dims)
  if (case$kind == "masking" && length(dims) == 3) {
    # some timesteps all equal to the mask value
    for (k in seq_len(b)) if (stats::runif(1) < 0.4) x[k, sample.int(t, 1), ] <- case$opts$mask_value
  }
  if (case$opts$input_kind == "integer" && case$kind %in% c(rnn_kinds, "dense", "time_distributed"))
    x <- array(as.integer(sign(x)), dims)
  x
}

# ---- making the layer -------------------------------------------------------------

fuzz_builtin_cell <- function(kind, units, o, dtype = NULL) {
  args <- list(units = units, activation = o$activation, use_bias = o$use_bias)
  if (kind != "simple") args$recurrent_activation <- o$recurrent_activation
  if (kind == "gru") args$reset_after <- o$reset_after
  if (!is.null(dtype)) args$dtype <- dtype
  do.call(switch(kind, simple = recurrent::rnn_cell_simple, gru = recurrent::rnn_cell_gru,
                 lstm = recurrent::rnn_cell_lstm), args)
}

fuzz_make_layer <- function(case) {
  o <- case$opts
  fault <- case$fault
  units <- if (fault == "bad_units") fuzz_bad_count() else case$units
  act <- if (fault == "bad_activation") "no_such_activation" else o$activation
  layer_dtype <- if (case$dtype_where == "layer" || fault == "bad_dtype") case$dtype
  wrapper_dtype <- if (case$dtype_where == "wrapper" && fault != "bad_dtype") case$dtype
  dropout <- if (fault == "bad_dropout") pick(list(1.5, -0.1, NA, "a")) else 0
  rnn_flags <- list(go_backwards = o$go_backwards, return_sequences = o$return_sequences,
                    return_state = o$return_state)
  with_dtype <- function(args, dt) { if (!is.null(dt)) args$dtype <- dt; args }
  kind <- case$kind
  if (kind %in% c("simple", "gru", "lstm")) {
    args <- c(list(units = units, activation = act, use_bias = o$use_bias, dropout = dropout), rnn_flags)
    if (kind != "simple") args$recurrent_activation <- o$recurrent_activation
    if (kind == "gru") args$reset_after <- o$reset_after
    fn <- switch(kind, simple = recurrent::layer_simple_rnn, gru = recurrent::layer_gru, lstm = recurrent::layer_lstm)
    return(do.call(fn, with_dtype(args, layer_dtype %||% wrapper_dtype)))
  }
  if (kind == "rnn_builtin") {
    oo <- o; oo$activation <- act
    cell <- if (fault == "bad_units" || fault == "bad_dropout") {
      args <- list(units = units, dropout = dropout)
      do.call(switch(o$cell_kind, simple = recurrent::rnn_cell_simple, gru = recurrent::rnn_cell_gru,
                     lstm = recurrent::rnn_cell_lstm), with_dtype(args, layer_dtype))
    } else fuzz_builtin_cell(o$cell_kind, units, oo, layer_dtype)
    return(do.call(recurrent::layer_rnn, with_dtype(c(list(cell = cell, zero_output_for_mask = o$zero_output_for_mask),
                                                     rnn_flags), wrapper_dtype)))
  }
  if (kind == "rnn_rcell") {
    if (is.null(fuzz_rcell)) fuzz_rcell <<- fuzz_make_rcell()
    cell <- do.call(fuzz_rcell, with_dtype(list(units = units), layer_dtype))
    return(do.call(recurrent::layer_rnn, with_dtype(c(list(cell = cell, zero_output_for_mask = o$zero_output_for_mask),
                                                     rnn_flags), wrapper_dtype)))
  }
  if (kind == "stack") {
    oo <- o; oo$activation <- act
    c1 <- if (fault %in% c("bad_units", "bad_dropout")) {
      do.call(recurrent::rnn_cell_gru, with_dtype(list(units = units, dropout = dropout), layer_dtype))
    } else fuzz_builtin_cell(o$cell_kind, units, oo, layer_dtype)
    c2 <- fuzz_builtin_cell(o$cell_kind2, case$units, o, layer_dtype)
    return(do.call(recurrent::layer_rnn, with_dtype(c(list(cell = list(c1, c2), zero_output_for_mask = o$zero_output_for_mask),
                                                     rnn_flags), wrapper_dtype)))
  }
  if (kind == "bidirectional") {
    inner_args <- c(list(units = units, activation = o$activation, use_bias = o$use_bias), rnn_flags)
    fn <- switch(o$cell_kind, simple = recurrent::layer_simple_rnn, gru = recurrent::layer_gru, lstm = recurrent::layer_lstm)
    if (o$cell_kind == "gru") inner_args$reset_after <- o$reset_after
    if (o$cell_kind != "simple") inner_args$recurrent_activation <- o$recurrent_activation
    inner <- do.call(fn, with_dtype(inner_args, layer_dtype))
    merge <- if (fault == "bad_merge_mode") pick(list("max", 1, NA)) else o$merge_mode
    return(do.call(recurrent::layer_bidirectional, with_dtype(list(layer = inner, merge_mode = merge), wrapper_dtype)))
  }
  if (kind == "time_distributed") {
    inner <- if (o$td_dense || fault == "bad_units") {
      do.call(recurrent::layer_dense, with_dtype(list(units = units, activation = o$activation, use_bias = o$use_bias),
                                                 layer_dtype))
    } else {
      do.call(recurrent::layer_layer_normalization, with_dtype(list(epsilon = o$epsilon), layer_dtype))
    }
    return(do.call(recurrent::layer_time_distributed, with_dtype(list(layer = inner), wrapper_dtype)))
  }
  if (kind == "dense")
    return(do.call(recurrent::layer_dense, with_dtype(list(units = units, activation = act, use_bias = o$use_bias),
                                                      layer_dtype %||% wrapper_dtype)))
  if (kind == "embedding") {
    input_dim <- if (fault == "bad_input_dim") fuzz_bad_count() else 4
    return(do.call(recurrent::layer_embedding, with_dtype(list(input_dim = input_dim, output_dim = units,
                                                               mask_zero = o$mask_zero),
                                                          layer_dtype %||% wrapper_dtype)))
  }
  if (kind == "masking") {
    mv <- if (fault == "bad_mask_value") pick(list("a", NA, c(1, 2), NULL)) else o$mask_value
    return(do.call(recurrent::layer_masking, with_dtype(list(mask_value = mv), layer_dtype %||% wrapper_dtype)))
  }
  if (kind == "layer_norm") {
    eps <- if (fault == "bad_epsilon") pick(list(-1, "a", NA)) else o$epsilon
    return(do.call(recurrent::layer_layer_normalization, with_dtype(list(epsilon = eps), layer_dtype %||% wrapper_dtype)))
  }
  if (kind == "batch_norm") {
    mom <- if (fault == "bad_momentum") pick(list(-1, 2, "a", NA)) else 0.9
    return(do.call(recurrent::layer_batch_normalization, with_dtype(list(momentum = mom, epsilon = o$epsilon),
                                                                    layer_dtype %||% wrapper_dtype)))
  }
  stop("unknown kind ", kind)
}

# The argument or input a faulty case must name (any of them).
fuzz_fault_args <- function(fault) {
  switch(fault,
    bad_dtype = "dtype", bad_units = "units", bad_activation = "activation",
    na_mask = "mask", mask_shape = "mask", state_shape = "initial_state",
    zero_steps = , rank2 = , features_change = c("sequences", "inputs"),
    bad_dropout = "dropout", bad_merge_mode = "merge_mode", id_range = "inputs", id_nan = "inputs",
    bad_input_dim = "input_dim", bad_mask_value = "mask_value", bad_epsilon = "epsilon",
    bad_momentum = "momentum", character())
}

# ---- the call ------------------------------------------------------------------------

fuzz_state_sizes <- function(case) {
  u <- case$units
  one <- function(k) if (k == "lstm") c(u, u) else u
  switch(case$kind,
    simple = u, gru = u, lstm = c(u, u), rnn_builtin = one(case$opts$cell_kind), rnn_rcell = u,
    stack = c(one(case$opts$cell_kind), one(case$opts$cell_kind2)),
    bidirectional = rep(one(case$opts$cell_kind), 2), integer())
}

fuzz_call_args <- function(case) {
  o <- case$opts
  args <- list()
  d <- dim(case$x)
  takes_mask <- case$kind %in% c(rnn_kinds, "time_distributed", "dense")
  if (takes_mask && length(d) == 3) {
    if (o$mask != "none" || case$fault %in% c("na_mask", "mask_shape")) {
      m <- matrix(stats::runif(d[1] * d[2]) < 0.7, d[1], d[2])
      if (o$mask == "numeric") m <- m + 0
      if (case$fault == "na_mask") m[sample.int(length(m), 1)] <- NA
      if (case$fault == "mask_shape") m <- matrix(TRUE, d[1] + 1, d[2] + pick(c(0, 1)))
      args$mask <- m
    }
  }
  if (case$kind %in% rnn_kinds && (o$initial_state || case$fault == "state_shape") && length(d) == 3) {
    sizes <- fuzz_state_sizes(case)
    st <- lapply(sizes, function(n) matrix(round(stats::runif(d[1] * n, -1, 1), 3), d[1], n))
    if (case$fault == "state_shape") st[[1]] <- matrix(0, d[1], sizes[1] + 1)
    args$initial_state <- st
  }
  if (case$kind %in% c("batch_norm", "time_distributed")) args$training <- o$training
  args
}

fuzz_is_dtype <- function(case) case$dtype %||% "float32"

# ---- running and checking ------------------------------------------------------------

# Runs one case; returns list(status, message) with status one of "ok" (matched the
# reference), "rejected" (a faulty case refused with a proper error) or "FAIL".
fuzz_run_case <- function(case, refs) {
  warnings <- character()
  res <- withCallingHandlers(
    tryCatch(fuzz_execute(case, refs), error = function(e) list(error = e)),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  if (length(warnings)) return(list(status = "FAIL", message = paste("warning:", warnings[1])))
  faulty <- case$fault != "none"
  if (!is.null(res$error)) {
    e <- res$error
    msg <- fuzz_full_message(e)
    if (!inherits(e, "recurrent_error"))
      return(list(status = "FAIL", message = paste0("error of class <", class(e)[1], ">: ", msg)))
    if (!faulty)
      return(list(status = "FAIL", message = paste("a valid case failed:", msg)))
    names_ok <- fuzz_fault_args(case$fault)
    if (!any(vapply(names_ok, function(a) grepl(paste0("`", a, "`"), msg, fixed = TRUE), TRUE)))
      return(list(status = "FAIL", message = paste0("the error does not name `", paste(names_ok, collapse = "`/`"), "`: ", msg)))
    return(list(status = "rejected", message = msg))
  }
  if (faulty && !fuzz_fault_tolerated(case))
    return(list(status = "FAIL", message = paste("a faulty case was accepted:", case$fault)))
  if (!is.null(res$problem)) return(list(status = "FAIL", message = res$problem))
  list(status = "ok", message = "")
}

# Faults that are only faults for some arguments: none at present.
fuzz_fault_tolerated <- function(case) FALSE

fuzz_full_message <- function(e) {
  parts <- character()
  while (!is.null(e)) {
    parts <- c(parts, conditionMessage(e))
    e <- e$parent
  }
  cli::ansi_strip(paste(parts, collapse = " | "))
}

as_r_value <- function(x) {
  if (inherits(x, "recurrent_tensor")) return(as.array(x))
  if (is.list(x)) return(lapply(x, as_r_value))
  x
}

flatten_values <- function(x) {
  if (is.list(x) && !is.object(x)) return(do.call(c, c(list(list()), lapply(unname(x), flatten_values))))
  list(x)
}

fuzz_execute <- function(case, refs) {
  layer <- fuzz_make_layer(case)
  args <- fuzz_call_args(case)
  x <- case$x
  if (case$opts$input_kind == "tensor" && is.double(x)) x <- recurrent::as_tensor(x, fuzz_is_dtype(case))
  out <- do.call(layer, c(list(x), args))
  if (case$fault == "features_change") {
    d <- dim(case$x)
    d[length(d)] <- d[length(d)] + 1L
    x2 <- array(stats::runif(prod(d)), d)
    out <- do.call(layer, c(list(x2), args[setdiff(names(args), c("initial_state"))]))
  }
  if (case$fault != "none") return(list())
  got <- flatten_values(as_r_value(out))
  tensors <- Filter(function(t) inherits(t, "recurrent_tensor"), flatten_values(out))
  want_dtype <- fuzz_is_dtype(case)
  for (t in tensors) {
    dt <- recurrent:::cpp_dtype(t)
    if (!identical(dt, want_dtype) && !(case$kind == "embedding" && is.null(case$dtype)))
      return(list(problem = paste0("output dtype ", dt, ", expected ", want_dtype)))
  }
  weights <- recurrent::get_weights(layer)
  want <- flatten_values(fuzz_reference(case, weights, args, refs))
  if (length(got) != length(want))
    return(list(problem = sprintf("%d outputs, the reference has %d", length(got), length(want))))
  tol <- if (want_dtype == "float64") 1e-9 else 2e-4
  for (k in seq_along(got)) {
    g <- got[[k]]; w <- want[[k]]
    dg <- dim(g) %||% length(g); dw <- dim(w) %||% length(w)
    if (!identical(as.integer(dg), as.integer(dw)))
      return(list(problem = sprintf("output %d has shape (%s), the reference (%s)", k,
                                    paste(dg, collapse = ", "), paste(dw, collapse = ", "))))
    if (any(!is.finite(g)) && all(is.finite(case$x)))
      return(list(problem = sprintf("output %d has non-finite values from finite input", k)))
    err <- max(abs(as.numeric(g) - as.numeric(w)) / (1 + abs(as.numeric(w))))
    if (!is.finite(err) || err > tol)
      return(list(problem = sprintf("output %d differs from the reference by %.3g (tolerance %g)", k, err, tol)))
  }
  gp <- fuzz_check_gradients(layer, case, x, args)
  if (!is.null(gp)) return(list(problem = gp))
  list()
}

# Backward: the gradient of the sum of the outputs w.r.t. every trainable weight
# exists, is finite and has the weight's shape and dtype.
fuzz_check_gradients <- function(layer, case, x, args) {
  vars <- layer$trainable_weights
  if (!length(vars) || case$kind == "embedding") return(NULL)
  grads <- recurrent:::with_gradient_recording({
    out <- do.call(layer, c(list(x), args))
    outs <- Filter(function(t) inherits(t, "recurrent_tensor"), flatten_values(out))
    total <- Reduce(recurrent::op_add, lapply(outs, recurrent::op_sum))
    recurrent:::gradients(total, vars)
  })
  for (k in seq_along(vars)) {
    g <- grads[[k]]
    if (is.null(g)) next
    a <- as.array(g)
    w <- vars[[k]]$numpy()
    if (!identical(as.integer(dim(a) %||% length(a)), as.integer(dim(w) %||% length(w))))
      return(sprintf("the gradient of weight %d has the wrong shape", k))
    if (any(!is.finite(a))) return(sprintf("the gradient of weight %d is not finite", k))
    if (!identical(recurrent:::cpp_dtype(g), fuzz_is_dtype(case)))
      return(sprintf("the gradient of weight %d is %s", k, recurrent:::cpp_dtype(g)))
  }
  NULL
}

# ---- references ------------------------------------------------------------------------

# The step function of a built-in cell kind from its weights (Keras layout).
fuzz_ref_step <- function(kind, w, o, refs, units) {
  act <- o$activation
  bias <- if (o$use_bias) w[[3]] else NULL
  switch(kind,
    simple = refs$ref_step_simple(w[[1]], w[[2]], bias, act),
    gru = refs$ref_step_gru(w[[1]], w[[2]], bias, act, o$recurrent_activation, o$reset_after),
    lstm = refs$ref_step_lstm(w[[1]], w[[2]], bias, act, o$recurrent_activation))
}

fuzz_n_weights <- function(o) if (o$use_bias) 3L else 2L

fuzz_reference <- function(case, weights, args, refs) {
  o <- case$opts
  x <- case$x + 0
  mask <- args$mask
  init <- args$initial_state
  b <- dim(x)[1]
  zeros <- function(sizes) lapply(sizes, function(n) matrix(0, b, n))
  run <- function(step, states, go_backwards = o$go_backwards, zero_out = isTRUE(o$zero_output_for_mask)) {
    refs$ref_rnn(step, x, states, mask = mask, go_backwards = go_backwards,
                 return_sequences = o$return_sequences, zero_output_for_mask = zero_out)
  }
  finish <- function(res) if (o$return_state) res else res[[1]]
  kind <- case$kind
  sizes <- fuzz_state_sizes(case)
  if (kind %in% c("simple", "gru", "lstm", "rnn_builtin")) {
    ck <- if (kind == "rnn_builtin") o$cell_kind else kind
    oo <- o
    res <- run(fuzz_ref_step(ck, weights, oo, refs), init %||% zeros(sizes),
               zero_out = kind == "rnn_builtin" && o$zero_output_for_mask)
    return(finish(res))
  }
  if (kind == "rnn_rcell") {
    step <- refs$ref_step_simple(weights[[1]], weights[[2]], NULL, "tanh")
    return(finish(run(step, init %||% zeros(sizes))))
  }
  if (kind == "stack") {
    n1 <- fuzz_n_weights(o)
    s1 <- fuzz_ref_step(o$cell_kind, weights[seq_len(n1)], o, refs)
    s2 <- fuzz_ref_step(o$cell_kind2, weights[n1 + seq_len(fuzz_n_weights(o))], o, refs)
    k1 <- if (o$cell_kind == "lstm") 2L else 1L
    res <- run(refs$ref_step_stack(list(s1, s2), c(k1, length(sizes) - k1)), init %||% zeros(sizes))
    if (!o$return_state) return(res[[1]])
    st <- res[-1]
    nest <- function(part) if (length(part) == 1) part[[1]] else part
    return(list(res[[1]], nest(st[seq_len(k1)]), nest(st[-seq_len(k1)])))
  }
  if (kind == "bidirectional") {
    nw <- fuzz_n_weights(o)
    half <- length(sizes) / 2
    init_f <- if (!is.null(init)) init[seq_len(half)] else zeros(sizes[seq_len(half)])
    init_b <- if (!is.null(init)) init[half + seq_len(half)] else zeros(sizes[seq_len(half)])
    # Keras zeroes masked outputs of both directions when sequences are returned
    zo <- o$return_sequences
    fwd <- run(fuzz_ref_step(o$cell_kind, weights[seq_len(nw)], o, refs), init_f, go_backwards = o$go_backwards, zero_out = zo)
    bwd <- run(fuzz_ref_step(o$cell_kind, weights[nw + seq_len(nw)], o, refs), init_b, go_backwards = !o$go_backwards, zero_out = zo)
    y <- fwd[[1]]; yr <- bwd[[1]]
    if (o$return_sequences) yr <- yr[, rev(seq_len(dim(yr)[2])), , drop = FALSE]
    merged <- switch(o$merge_mode %||% "none",
      concat = if (o$return_sequences) refs$ref_concat_last(y, yr) else cbind(y, yr),
      sum = y + yr, mul = y * yr, ave = (y + yr) / 2, none = list(y, yr))
    if (!o$return_state) return(merged)
    return(c(if (is.null(o$merge_mode)) merged else list(merged), fwd[-1], bwd[-1]))
  }
  if (kind == "time_distributed") {
    if (o$td_dense) return(refs$ref_dense(x, weights[[1]], if (o$use_bias) weights[[2]], o$activation))
    return(refs$ref_layer_norm(x, weights[[1]], weights[[2]], o$epsilon))
  }
  if (kind == "dense") return(refs$ref_dense(x, weights[[1]], if (o$use_bias) weights[[2]], o$activation))
  if (kind == "embedding") {
    e <- weights[[1]]
    out <- array(e[as.integer(x) + 1L, ], c(dim(x), ncol(e)))
    return(out)
  }
  if (kind == "masking") return(refs$ref_masking(x, o$mask_value))
  if (kind == "layer_norm") return(refs$ref_layer_norm(x, weights[[1]], weights[[2]], o$epsilon))
  if (kind == "batch_norm") {
    # weights: gamma, beta, moving_mean, moving_variance
    return(refs$ref_batch_norm(x, weights[[1]], weights[[2]], weights[[3]], weights[[4]], o$epsilon,
                               training = isTRUE(args$training)))
  }
  stop("no reference for ", kind)
}

# ---- a run -----------------------------------------------------------------------------

# Cases `first`..`first + n - 1` of `seed`, stopping early after `max_seconds`. Returns
# a data frame: one row per case with its kind, fault, status and message.
fuzz_run <- function(seed, n, refs, first = 1L, max_seconds = Inf, progress = FALSE) {
  # "absurd" sizes are absurd whatever memory the machine has free at the moment, and
  # no case allocates gigabytes
  old <- options(recurrent.max_array_size = 1e7)
  on.exit(options(old), add = TRUE)
  started <- proc.time()[["elapsed"]]
  rows <- vector("list", n)
  done <- 0L
  for (i in seq(first, length.out = n)) {
    case <- fuzz_case(seed, i)
    r <- fuzz_run_case(case, refs)
    done <- done + 1L
    rows[[done]] <- data.frame(seed = seed, index = i, kind = case$kind, fault = case$fault,
                               dtype = case$dtype %||% "default", status = r$status,
                               message = substr(r$message, 1, 500), stringsAsFactors = FALSE)
    if (progress && done %% 500 == 0) message(sprintf("%d cases, %d failures", done,
                                                    sum(vapply(rows[seq_len(done)], function(d) d$status == "FAIL", TRUE))))
    if (proc.time()[["elapsed"]] - started > max_seconds) break
  }
  do.call(rbind, rows[seq_len(done)])
}
