# The initializer, regularizer and constraint a layer keeps for each of its weights.

# Resolves the arguments `<weight>_initializer`, `<weight>_regularizer` and
# `<weight>_constraint` of a layer's initialize() onto its fields of the same names,
# with errors naming those arguments. `weight` is the prefix the layer's arguments
# use: "kernel" and "bias" (Dense, EinsumDense, MultiHeadAttention), also
# "recurrent" (RNN cells), "embeddings" (Embedding), "alpha" (PReLU), "depthwise" and
# "pointwise" (separable convolutions).
set_weight_options <- function(self, weight, initializer, regularizer, constraint) {
  arg <- function(option) paste0(weight, "_", option)
  self[[arg("initializer")]] <- get_initializer(initializer, arg("initializer"), call = NULL)
  self[[arg("regularizer")]] <- get_regularizer(regularizer, arg("regularizer"), call = NULL)
  self[[arg("constraint")]] <- get_constraint(constraint, arg("constraint"), call = NULL)
  invisible(self)
}
