# The cell protocol's state bookkeeping: sizes, flattening for the C++ loop, and the
# nested structure cells and users see (a stack hands each cell its own states).

is_stacked_cell <- function(cell) inherits(cell, "StackedRNNCells")

# state_size as a flat integer vector: an integer, a list of integers, or (stacks)
# a list of those.
flat_state_sizes <- function(state_size) {
  if (is.null(state_size)) return(integer())
  as.integer(unlist(state_size, recursive = TRUE, use.names = FALSE))
}

check_state_size <- function(cell, call = rlang::caller_env()) {
  ss <- cell$state_size
  ok <- !is.null(ss) && all(vapply(unlist(list(ss), recursive = TRUE), function(s) {
    is.numeric(s) && length(s) == 1 && !is.na(s) && s == trunc(s) && s >= 1
  }, TRUE))
  if (!ok)
    cli::cli_abort(c("The cell's {.field state_size} must be a positive whole number or a list of them.",
                     x = "Cell {.val {cell$name}} has {.field state_size} {.obj_type_friendly {ss}}."),
                   class = c("recurrent_error_cell", "recurrent_error"), call = call)
  invisible(ss)
}

cell_output_size <- function(cell) {
  os <- cell$output_size
  if (!is.null(os)) return(as.integer(os[[1]]))
  flat_state_sizes(cell$state_size)[1]
}

# A list of tensors (possibly nested, possibly a bare tensor) as a flat list.
flatten_states <- function(x) {
  if (is.null(x)) return(list())
  if (op_is_tensor(x)) return(list(if (inherits(x, "recurrent_variable")) x$handle else x))
  if (is.list(x) && !is.object(x)) return(do.call(c, c(list(list()), lapply(x, flatten_states))))
  if (is.numeric(x) || is.logical(x)) return(list(x))
  cli::cli_abort(c("States must be tensors or lists of tensors.", x = "Got {.obj_type_friendly {x}}."),
                 class = c("recurrent_error_cell", "recurrent_error"), call = NULL)
}

# Flat states -> what a cell's call() receives: a list per state for a single cell;
# for a stack, one entry per cell: a tensor for a cell whose state_size is a single
# number, a list for a cell with several states (as Keras's StackedRNNCells does).
nest_states <- function(cell, flat) {
  if (!is_stacked_cell(cell)) return(flat)
  out <- vector("list", length(cell$cells))
  pos <- 0L
  for (i in seq_along(cell$cells)) {
    ss <- cell$cells[[i]]$state_size
    n <- length(flat_state_sizes(ss))
    part <- flat[pos + seq_len(n)]
    pos <- pos + n
    out[[i]] <- if (is_single_state(ss)) part[[1]] else part
  }
  out
}

is_single_state <- function(state_size) !is.list(state_size) && length(state_size) == 1

# States at the start of a sequence: the cell's get_initial_state() when it has one,
# else zeros of (batch, size) for each state.
cell_initial_states <- function(cell, batch_size, dtype) {
  if (is_stacked_cell(cell)) {
    return(do.call(c, lapply(cell$cells, cell_initial_states, batch_size = batch_size, dtype = dtype)))
  }
  if (is.function(cell$get_initial_state)) {
    st <- cell$get_initial_state(batch_size = batch_size)
    return(lapply(flatten_states(st), function(s) as_tensor(s, dtype)))
  }
  lapply(flat_state_sizes(cell$state_size), function(n) cpp_zeros(c(batch_size, n), dtype))
}

# The states a user or reset_state() supplies, checked against the cell.
check_given_states <- function(states, sizes, batch_size, dtype, arg = "initial_state", call = rlang::caller_env()) {
  flat <- flatten_states(states)
  if (length(flat) != length(sizes))
    cli::cli_abort(c("{.arg {arg}} must have one tensor per state of the cell: {length(sizes)}.",
                     x = "Got {length(flat)}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  lapply(seq_along(flat), function(i) {
    s <- flat[[i]]
    t <- if (inherits(s, "recurrent_tensor")) s else as_tensor(s, dtype)
    if (cpp_dtype(t) != dtype) t <- cpp_tensor(t, dtype)
    d <- cpp_shape(t)
    want <- c(batch_size, sizes[i])
    if (length(d) != 2 || (!is.na(batch_size) && d[1] != batch_size) || d[2] != sizes[i])
      cli::cli_abort(c("State {i} of {.arg {arg}} must have shape ({if (is.na(batch_size)) 'batch' else batch_size}, {sizes[i]}).",
                       x = "Got shape ({paste(d, collapse = ', ')})."),
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    t
  })
}

# Final states as return_state hands them out: flat for a single cell; for a stack,
# one entry per cell (a tensor or a list), as Keras returns them.
returned_states <- function(cell, flat) {
  if (!is_stacked_cell(cell)) return(flat)
  nest_states(cell, flat)
}
