# Gradients for training and for checks. Recording is off unless a forward pass
# runs inside with_gradient_recording(), so predict() and plain op calls build no graph.

with_gradient_recording <- function(expr) {
  prev <- cpp_set_grad_enabled(TRUE)
  on.exit(cpp_set_grad_enabled(prev), add = TRUE)
  expr
}

without_gradient_recording <- function(expr) {
  prev <- cpp_set_grad_enabled(FALSE)
  on.exit(cpp_set_grad_enabled(prev), add = TRUE)
  expr
}

# d(loss)/d(wrt) as tensors; `wrt` is a list of variables or tensors taking part in the
# recorded computation of `loss`.
gradients <- function(loss, wrt) cpp_gradients(loss, unname(wrt))

# Evaluate f on fresh leaf tensors made from `wrt` (R arrays or tensors) and return the
# value and the gradients as R arrays: the entry point of the gradient checks.
value_and_gradients <- function(f, wrt, dtype = NULL) {
  leaves <- lapply(wrt, function(w) cpp_variable(if (op_is_tensor(w)) w else as_tensor(w, dtype), dtype))
  value <- with_gradient_recording(f(leaves))
  grads <- gradients(value, leaves)
  list(value = value, gradients = lapply(grads, as.array))
}
