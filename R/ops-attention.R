# Scaled dot-product attention as an op, and the masked softmax the attention
# layers share.

#' Scaled dot-product attention
#'
#' Computes `softmax(query . key^T * scale + bias) . value` for every batch
#' element and head, as Keras's `ops.dot_product_attention()` does. Inputs are
#' 4-D, `(batch, target_length, num_heads, head_dim)` for `query` and
#' `(batch, source_length, num_kv_heads, head_dim)` for `key` and `value`; when
#' `num_kv_heads` divides `num_heads` but is smaller (grouped-query attention),
#' each key/value head serves `num_heads / num_kv_heads` consecutive query heads.
#'
#' Scores where `mask` is `FALSE` (and, with `is_causal = TRUE`, those of source
#' positions after the target position) are replaced by a large negative number
#' (`-0.7 * 3.38953e38`, Keras's value) before the softmax, so they get no
#' weight.
#'
#' @param query,key,value Tensors or R arrays, see Details.
#' @param bias `NULL` (default) or a tensor broadcastable to the scores'
#'   shape `(batch, num_heads, target_length, source_length)`, added to the
#'   scaled scores.
#' @param mask `NULL` (default) or a logical array / bool tensor broadcastable
#'   to the scores' shape; `TRUE` means attend.
#' @param scale `NULL` (default: `1 / sqrt(head_dim)`) or a number multiplying
#'   the scores.
#' @param is_causal Logical, default `FALSE`: whether target position `t` may
#'   only attend to source positions up to `t`.
#' @param flash_attention `NULL` or `FALSE`; flash attention is not
#'   available in recurrent.
#' @param attn_logits_soft_cap Must be `NULL` (not supported).
#' @returns A tensor of shape `(batch, target_length, num_heads, head_dim)`.
#' @examples
#' q <- random_normal(c(1, 3, 2, 4), seed = 1)
#' k <- random_normal(c(1, 5, 2, 4), seed = 2)
#' v <- random_normal(c(1, 5, 2, 4), seed = 3)
#' out <- op_dot_product_attention(q, k, v)
#' dim(out)
#' causal <- op_dot_product_attention(q, q, q, is_causal = TRUE)
#' @export
op_dot_product_attention <- function(query, key, value, bias = NULL, mask = NULL, scale = NULL, is_causal = FALSE,
                                     flash_attention = NULL, attn_logits_soft_cap = NULL) {
  check_flag(is_causal)
  if (isTRUE(flash_attention))
    recurrent_abort(c("{.arg flash_attention} is not available in recurrent.", i = "Use {.code NULL} or {.code FALSE}."))
  if (!is.null(flash_attention) && !isFALSE(flash_attention)) check_flag(flash_attention)
  if (!is.null(attn_logits_soft_cap))
    recurrent_abort("{.arg attn_logits_soft_cap} is not supported; it must be {.code NULL}.")
  scale <- check_number(scale, null_ok = TRUE)
  query <- as_float_arg(query)
  dt <- cpp_dtype(query)
  key <- as_float_arg(key, dt)
  value <- as_float_arg(value, dt)
  dq <- as.integer(cpp_shape(query)); dk <- as.integer(cpp_shape(key)); dv <- as.integer(cpp_shape(value))
  if (length(dq) != 4L || length(dk) != 4L || length(dv) != 4L)
    recurrent_abort(c("{.fn op_dot_product_attention} needs 4-D {.arg query}, {.arg key} and {.arg value}: (batch, length, heads, head_dim).",
                      x = "Got shapes {fmt_dims(dq)}, {fmt_dims(dk)} and {fmt_dims(dv)}."))
  if (dk[1] != dq[1] || dv[1] != dq[1] || !identical(dk[2:3], dv[2:3]) || dk[4] != dq[4] || dk[3] > dq[3] ||
      dq[3] %% dk[3] != 0L)
    recurrent_abort(c("The shapes of {.arg query}, {.arg key} and {.arg value} do not fit together.",
                      i = "Need query (B, T, N, H), key (B, S, K, H) and value (B, S, K, Hv) with K dividing N.",
                      x = "Got {fmt_dims(dq)}, {fmt_dims(dk)} and {fmt_dims(dv)}."))
  if (dk[3] < dq[3]) {
    key <- repeat_heads(key, dq[3] %/% dk[3])
    value <- repeat_heads(value, dq[3] %/% dk[3])
  }
  scale <- scale %||% (1 / sqrt(dk[4]))
  logits <- op_multiply(op_einsum("btnh,bsnh->bnts", query, key), scale)
  if (!is.null(bias)) logits <- op_add(logits, as_float_arg(bias, dt))
  keep <- NULL
  if (!is.null(mask)) keep <- as_bool_arg(mask, "mask")
  if (is_causal) {
    causal <- as_tensor(array(outer(seq_len(dq[2]), seq_len(dk[2]), `>=`), c(1, 1, dq[2], dk[2])), "bool")
    keep <- if (is.null(keep)) causal else op_logical_and(keep, causal)
  }
  if (!is.null(keep)) logits <- op_where(keep, logits, as_tensor(-0.7 * 3.38953e38, dt))
  probs <- op_softmax(logits, axis = -1L)
  op_einsum("bnts,bsnh->btnh", probs, value)
}

# (B, S, K, H) -> (B, S, K * g, H), each head repeated g times in a row (as np.repeat).
repeat_heads <- function(x, g) {
  d <- as.integer(cpp_shape(x))
  x <- op_broadcast_to(op_expand_dims(x, 4L), c(d[1:3], g, d[4]))
  op_reshape(x, c(d[1:2], d[3] * g, d[4]))
}

fmt_dims <- function(d) paste0("(", paste(d, collapse = ", "), ")")

# A float tensor (R values become `dtype`, default floatx; integer tensors are cast).
as_float_arg <- function(x, dtype = NULL) {
  t <- if (inherits(x, c("recurrent_tensor", "recurrent_variable"))) as_tensor_arg(x) else as_tensor(x, dtype %||% config_floatx())
  want <- dtype %||% (if (cpp_dtype(t) %in% c("float32", "float64")) cpp_dtype(t) else config_floatx())
  if (cpp_dtype(t) != want) t <- op_cast(t, want)
  t
}

as_bool_arg <- function(x, arg, call = rlang::caller_env()) {
  if (inherits(x, c("recurrent_tensor", "recurrent_variable"))) {
    t <- as_tensor_arg(x)
    return(if (cpp_dtype(t) == "bool") t else op_not_equal(t, 0))
  }
  if (!is.logical(x) && !is.numeric(x))
    recurrent_abort(c("{.arg {arg}} must be a logical array or a bool tensor.", x = "Got {.obj_type_friendly {x}}."),
                    call = call)
  as_tensor(array(as.logical(x), dim(x) %||% length(x)), "bool")
}

# Keras's masked softmax (keras/src/layers/activations/softmax.py): masked entries get
# -1e9 added before the softmax and are zeroed after it, so a fully masked slice
# gives zeros. `axis` may name several axes (softmax over their joint extent).
masked_softmax <- function(x, mask = NULL, axis = -1L) {
  dt <- cpp_dtype(x)
  if (!is.null(mask)) {
    m <- op_cast(as_bool_arg(mask, "mask"), dt)
    x <- op_add(x, op_multiply(op_subtract(1, m), -1e9))
  }
  out <- if (length(axis) > 1L) {
    lse <- op_max(x, axis = axis, keepdims = TRUE)
    shifted <- op_subtract(x, op_stop_gradient(lse))
    e <- op_exp(shifted)
    op_divide(e, op_sum(e, axis = axis, keepdims = TRUE))
  } else {
    op_softmax(x, axis = axis)
  }
  if (!is.null(mask)) out <- op_multiply(out, m)
  out
}
