# Dtypes between a layer and the layers or cells it owns (an RNN's cell, a stack's
# cells, a wrapper's layer). Keras gives every sub-layer its owner's dtype policy
# unless the sub-layer was made with its own; a layer's weights, states and inputs
# then all share one dtype, which the fused kernels require.

# Whether `dtype =` was given when the layer was made (otherwise it took
# config_floatx()).
dtype_given <- function(layer) isTRUE(layer_private(layer)$.dtype_given)

# The owner's dtype goes to `child` (and on to the child's own sub-layers) unless the
# child was given one; a built child keeps the dtype its weights were made in.
share_dtype <- function(owner, child) {
  if (dtype_given(child) || isTRUE(child$built) || identical(child$dtype, owner$dtype)) return(invisible())
  child$dtype <- owner$dtype
  for (grandchild in layer_children(child)) share_dtype(child, grandchild)
  invisible()
}

# A wrapper made without a dtype around a layer made with one computes in the layer's
# dtype, so that what it reports (symbolic outputs, states) is what it returns.
adopt_dtype <- function(owner, child) {
  if (!dtype_given(owner) && dtype_given(child)) {
    owner$dtype <- child$dtype
    # the choice was explicit, one level down: the owner's own owner adopts it too
    layer_private(owner)$.dtype_given <- TRUE
  }
  invisible()
}
