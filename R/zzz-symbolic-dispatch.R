# Runs last (files are collated alphabetically): every op_*() and activation_*()
# function of the package gets a first line that sends calls with symbolic arguments to
# symbolic_op_call() (symbolic-ops.R). Only supplied arguments are looked at, so
# defaults are not forced early; for tensor and number arguments the check is two
# primitive calls per argument.

# Internal helpers must not be named op_*: every op_* function gets the check.
# Internal helpers named activation_* (they take functions and names, never tensors).
symbolic_internal <- c("activation_name", "activation_table")

# Ops that describe a tensor rather than compute one.
symbolic_passthrough_ops <- c("op_shape", "op_ndim", "op_size", "op_dtype", "op_is_tensor",
                              "op_convert_to_numpy", "op_convert_to_array")

add_symbolic_dispatch <- function(fn, name) {
  fmls <- names(formals(fn))
  checks <- lapply(fmls, function(nm) {
    if (nm == "...") return(quote((...length() > 0L && is_symbolic_arg(rlang::list2(...)))))
    # primitives first: tensors (external pointers) and numbers are ruled out
    # without a function call
    a <- as.name(nm)
    bquote((!missing(.(a)) && (is.environment(.(a)) || is.list(.(a))) && is_symbolic_arg(.(a))))
  })
  if (!length(checks)) return(fn)
  cond <- Reduce(function(a, b) call("||", a, b), checks)
  attrs <- attributes(fn)
  body(fn) <- bquote({
    if (.(cond)) return(symbolic_op_call(.(name), sys.function(), environment()))
    .(body(fn))
  })
  for (a in setdiff(names(attrs), "srcref")) attr(fn, a) <- attrs[[a]]
  fn
}

local({
  ns <- topenv()
  originals <- list(); wrapped <- list()
  for (nm in setdiff(grep("^(op|activation)_", ls(ns), value = TRUE), c(symbolic_passthrough_ops, symbolic_internal))) {
    fn <- get(nm, envir = ns)
    if (!is.function(fn) || is.primitive(fn)) next
    # aliases (op_pmax <- op_maximum) stay one and the same function
    same <- Position(function(o) identical(o, fn), originals)
    if (is.na(same)) {
      originals[[length(originals) + 1L]] <- fn
      wrapped[[length(wrapped) + 1L]] <- add_symbolic_dispatch(fn, nm)
      same <- length(wrapped)
    }
    assign(nm, wrapped[[same]], envir = ns)
  }
})

#' @rdname symbolic-operators
#' @export
Ops.recurrent_symbolic_tensor <- Ops.recurrent_tensor
