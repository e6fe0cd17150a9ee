# Control flow: op_cond(), op_while_loop(), op_fori_loop() and op_scan(). Eagerly
# they run the R functions they are given, so gradients flow through whatever ops
# those functions use. Inside a recorded timestep of an R cell (R/layer-rnn.R,
# src/core/trace.h), a loop whose trip count is known in R (op_fori_loop() with
# numbers, op_scan() over a tensor's first axis) records as a straight line of ops
# and replays; a branch or a loop condition that reads a tensor's value copies it
# into R, which spoils the recording, so that step (and every later one) calls R
# again: the cell stays correct, only slower.

# TRUE/FALSE from a scalar predicate (an R value or a one-element tensor).
as_flag_value <- function(x, arg, call = rlang::caller_env()) {
  if (op_is_tensor(x) || inherits(x, "recurrent_variable")) x <- as.array(x)
  if ((!is.logical(x) && !is.numeric(x)) || length(x) != 1 || is.na(x))
    recurrent_abort(c("{.arg {arg}} must give a single TRUE or FALSE (a scalar).",
                      x = "Got {describe_value(x)}."), call = call)
  as.logical(x)
}

#' Conditional, loops and scan
#'
#' `op_cond()` calls `true_fn()` or `false_fn()` according to `pred`.
#' `op_while_loop()` calls `body()` on the loop variables while `cond()` holds;
#' with a list of loop variables, each is passed as its own argument.
#' `op_fori_loop()` runs `body_fun(i, state)` for `i` from `lower` to `upper - 1`.
#' `op_scan()` runs `f(carry, x)` over the slices of `xs` along its first axis,
#' `f` returning `list(new_carry, y)`, and stacks the `y`s.
#'
#' Gradients flow through the ops the functions use. In a recurrent cell written
#' in R, `op_fori_loop()` and `op_scan()` with a fixed number of steps are
#' recorded and replayed like any other ops; `op_cond()` and `op_while_loop()`
#' decide from tensor values, so a timestep that uses them on tensors is run in R
#' (correct, but not replayed).
#'
#' @param pred A scalar: logical, number or one-element tensor.
#' @param true_fn,false_fn Functions of no arguments.
#' @param cond A function of the loop variables returning a scalar.
#' @param body A function of the loop variables returning them updated (a list of
#'   the same length, or a single value for a single loop variable).
#' @param loop_vars A list of loop variables (or a single one).
#' @param maximum_iterations `NULL` or the most iterations to run.
#' @param lower,upper Whole numbers: the loop runs for `i` in `lower..upper - 1`.
#' @param body_fun A function `(i, state)` returning the new state.
#' @param init_val The initial state.
#' @param f A function `(carry, x)` returning `list(carry, y)`.
#' @param init The initial carry.
#' @param xs `NULL`, or a tensor / R array (or list of them) scanned along the
#'   first axis.
#' @param length Number of steps when `xs` is `NULL`.
#' @param reverse Logical. Scan from the last slice. Default `FALSE`.
#' @param unroll Accepted for compatibility (the loop runs step by step).
#' @returns `op_cond()`: what the chosen function returns. `op_while_loop()`: the
#'   final loop variables (a list when `loop_vars` is a list). `op_fori_loop()`: the
#'   final state. `op_scan()`: `list(final_carry, stacked_ys)`.
#' @examples
#' op_cond(TRUE, function() "yes", function() "no")
#' op_while_loop(function(i) i < 10, function(i) list(i + 1), list(0))
#' op_while_loop(\(x, y) x < 10, \(x, y) list(x + 1, y * 2), list(0, 1))
#' op_fori_loop(0, 10, function(i, state) state + i, 0)
#' op_scan(function(carry, x) list(carry + x, carry * x), 0, c(1, 2, 3))
#' @export
op_cond <- function(pred, true_fn, false_fn) {
  if (!is.function(true_fn) || !is.function(false_fn))
    recurrent_abort("{.arg true_fn} and {.arg false_fn} must be functions of no arguments.")
  if (as_flag_value(pred, "pred")) true_fn() else false_fn()
}

#' @rdname op_cond
#' @export
op_while_loop <- function(cond, body, loop_vars, maximum_iterations = NULL) {
  if (!is.function(cond) || !is.function(body))
    recurrent_abort("{.arg cond} and {.arg body} must be functions of the loop variables.")
  maximum_iterations <- check_count(maximum_iterations, "maximum_iterations", null_ok = TRUE)
  is_list <- is.list(loop_vars) && !inherits(loop_vars, "recurrent_variable")
  vars <- if (is_list) loop_vars else list(loop_vars)
  call_with <- function(fn, v) if (is_list && is.null(names(v))) do.call(fn, unname(v)) else
    if (is_list) fn(v) else fn(v[[1]])
  n <- 0
  while ((is.null(maximum_iterations) || n < maximum_iterations) && as_flag_value(call_with(cond, vars), "cond()")) {
    out <- call_with(body, vars)
    if (!is_list || (!is.list(out) && length(vars) == 1)) out <- if (is.list(out) && length(out) == 1) out else list(out)
    if (length(out) != length(vars))
      recurrent_abort(c("{.arg body} must return as many loop variables as it was given ({length(vars)}).",
                        x = "Got {length(out)}."))
    if (!is.null(names(vars))) names(out) <- names(vars)
    vars <- out
    n <- n + 1
  }
  if (is_list) vars else vars[[1]]
}

#' @rdname op_cond
#' @export
op_fori_loop <- function(lower, upper, body_fun, init_val) {
  if (!is.function(body_fun)) recurrent_abort("{.arg body_fun} must be a function of {.code (i, state)}.")
  int_loop <- is.integer(lower)
  lower <- check_count(if (op_is_tensor(lower)) as.array(lower) else lower, "lower", min = -Inf)
  upper <- check_count(if (op_is_tensor(upper)) as.array(upper) else upper, "upper", min = -Inf)
  val <- init_val
  if (upper <= lower) return(val)
  steps <- seq(lower, upper - 1)
  if (int_loop) steps <- as.integer(steps)
  for (i in steps) val <- body_fun(i, val)
  val
}

#' @rdname op_cond
#' @export
op_scan <- function(f, init, xs = NULL, length = NULL, reverse = FALSE, unroll = 1L) {
  if (!is.function(f)) recurrent_abort("{.arg f} must be a function of {.code (carry, x)}.")
  reverse <- check_flag(reverse)
  xs_list <- if (is.null(xs)) NULL else if (is.list(xs) && !inherits(xs, "recurrent_variable")) xs else list(xs)
  if (!is.null(xs_list)) xs_list <- lapply(xs_list, as_tensor_arg)
  n <- if (!is.null(xs_list)) dim(xs_list[[1]])[1] else check_count(length, "length")
  if (!is.null(xs_list) && !is.null(length) && length != n)
    recurrent_abort(c("{.arg length} must equal the first axis of {.arg xs} ({n}).", x = "Got {length}."))
  if (!is.null(xs_list) && any(vapply(xs_list, function(x) dim(x)[1], 1) != n))
    recurrent_abort("Every tensor in {.arg xs} must have the same first axis.")
  slice_at <- function(x, i) {
    d <- dim(x)
    op_squeeze(op_slice(x, c(i, rep(1, base::length(d) - 1)), c(1, d[-1])), axis = 1)
  }
  carry <- init
  ys <- vector("list", n)
  steps <- if (reverse) rev(seq_len(n)) else seq_len(n)
  for (i in steps) {
    x <- if (is.null(xs_list)) NULL else {
      s <- lapply(xs_list, slice_at, i)
      if (is.list(xs) && !inherits(xs, "recurrent_variable")) s else s[[1]]
    }
    out <- f(carry, x)
    if (!is.list(out) || base::length(out) != 2)
      recurrent_abort(c("{.arg f} must return {.code list(carry, y)}.", x = "Got {describe_value(out)}."))
    carry <- out[[1]]
    ys[i] <- list(out[[2]])
  }
  stacked <- if (n == 0 || is.null(ys[[1]])) NULL else op_stack(lapply(ys, as_tensor_arg), axis = 1)
  list(carry, stacked)
}
