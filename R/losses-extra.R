# Hinge, squared hinge, categorical hinge, cosine similarity and the focal
# crossentropies: Keras 3's per-sample functions (keras/src/losses/losses.py) with
# the Loss objects of losses.R.

# Keras's convert_binary_labels_to_hinge(): 0/1 labels become -1/1; other labels
# are used as they are.
hinge_labels <- function(y_true) {
  v <- as.array(y_true)
  if (all(v == 0 | v == 1)) op_subtract(op_multiply(y_true, 2), 1) else y_true
}

# y_true and y_pred as tensors of one dtype and rank (Keras's LossFunctionWrapper
# squeezes or expands them to the same rank first).
loss_pair <- function(y_true, y_pred) {
  p <- loss_prepare(y_true, y_pred)
  squeeze_or_expand(p[[1]], p[[2]])
}

fn_hinge <- function(y_true, y_pred) {
  p <- loss_pair(y_true, y_pred); y_true <- hinge_labels(p[[1]]); y_pred <- p[[2]]
  op_mean(op_maximum(op_subtract(1, op_multiply(y_true, y_pred)), 0), axis = -1)
}

fn_squared_hinge <- function(y_true, y_pred) {
  p <- loss_pair(y_true, y_pred); y_true <- hinge_labels(p[[1]]); y_pred <- p[[2]]
  op_mean(op_square(op_maximum(op_subtract(1, op_multiply(y_true, y_pred)), 0)), axis = -1)
}

fn_categorical_hinge <- function(y_true, y_pred) {
  p <- loss_pair(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  pos <- op_sum(op_multiply(y_true, y_pred), axis = -1)
  neg <- op_max(op_multiply(op_subtract(1, y_true), y_pred), axis = -1)
  op_maximum(op_add(op_subtract(neg, pos), 1), 0)
}

fn_cosine_similarity <- function(y_true, y_pred, axis = -1L) {
  p <- loss_pair(y_true, y_pred)
  # Keras clamps the squared norm at 1e-12 here (numerical_utils.normalize)
  op_negative(op_sum(op_multiply(op_normalize(p[[1]], axis = axis, epsilon = 1e-6),
                                 op_normalize(p[[2]], axis = axis, epsilon = 1e-6)), axis = axis))
}

fn_binary_focal_crossentropy <- function(y_true, y_pred, apply_class_balancing = FALSE, alpha = 0.25, gamma = 2,
                                         from_logits = FALSE, label_smoothing = 0, axis = -1L) {
  p <- loss_pair(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  if (label_smoothing) y_true <- op_add(op_multiply(y_true, 1 - label_smoothing), 0.5 * label_smoothing)
  if (from_logits) y_pred <- op_sigmoid(y_pred)
  bce <- op_binary_crossentropy(y_true, y_pred)
  p_t <- op_add(op_multiply(y_true, y_pred), op_multiply(op_subtract(1, y_true), op_subtract(1, y_pred)))
  focal <- op_multiply(op_power(op_subtract(1, p_t), gamma), bce)
  if (apply_class_balancing)
    focal <- op_multiply(op_add(op_multiply(y_true, alpha), op_multiply(op_subtract(1, y_true), 1 - alpha)), focal)
  op_mean(focal, axis = axis)
}

fn_categorical_focal_crossentropy <- function(y_true, y_pred, alpha = 0.25, gamma = 2, from_logits = FALSE,
                                              label_smoothing = 0, axis = -1L) {
  p <- loss_pair(y_true, y_pred); y_true <- p[[1]]; y_pred <- p[[2]]
  if (label_smoothing) {
    k <- dim(y_pred)[axis_positions(axis, length(dim(y_pred)), single = TRUE) + 1L]
    y_true <- op_add(op_multiply(y_true, 1 - label_smoothing), label_smoothing / k)
  }
  if (from_logits) y_pred <- op_softmax(y_pred, axis = axis)
  eps <- config_epsilon()
  out <- op_clip(op_divide(y_pred, op_sum(y_pred, axis = axis, keepdims = TRUE)), eps, 1 - eps)
  cce <- op_multiply(op_negative(y_true), op_log(out))
  weight <- op_multiply(op_power(op_subtract(1, out), gamma), alpha)
  op_sum(op_multiply(weight, cce), axis = axis)
}

#' More losses: hinge family, cosine similarity, focal crossentropies
#'
#' Keras 3's formulas, with the dual use of [losses]: with `y_true` and `y_pred`
#' the per-sample values, without them a loss object for [compile()] (also by
#' name: `"hinge"`, `"squared_hinge"`, `"categorical_hinge"`,
#' `"cosine_similarity"`, `"binary_focal_crossentropy"`,
#' `"categorical_focal_crossentropy"`, `"ctc"`).
#'
#' * hinge `mean(max(1 - y_true * y_pred, 0))` and squared hinge (its square),
#'   with 0/1 labels turned into -1/1;
#' * categorical hinge `max(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`,
#'   `neg = max((1 - y_true) * y_pred)`;
#' * cosine similarity `-sum(l2_normalize(y_true) * l2_normalize(y_pred))` (from
#'   -1, same direction, to 1);
#' * binary focal crossentropy: crossentropy times `(1 - p_t)^gamma`, optionally
#'   weighted by `alpha` / `1 - alpha` for the two classes;
#' * categorical focal crossentropy: `-alpha * (1 - p)^gamma * y_true * log(p)`,
#'   summed over classes.
#'
#' @inheritParams losses
#' @param axis The axis along which the similarity (or class) is computed.
#' @param apply_class_balancing Logical. Weight the classes by `alpha`.
#' @param alpha Weight of the focal term (class 1 for binary focal).
#' @param gamma Focusing parameter >= 0.
#' @returns Per-sample losses, or a loss object.
#' @examples
#' y_true <- rbind(c(0, 1), c(0, 0))
#' y_pred <- rbind(c(0.6, 0.4), c(0.4, 0.6))
#' loss_hinge(y_true, y_pred)
#' loss_squared_hinge()(y_true, y_pred)
#' loss_categorical_hinge(y_true, y_pred)
#' loss_cosine_similarity(rbind(c(0, 1), c(1, 1)), rbind(c(1, 0), c(1, 1)))
#' loss_binary_focal_crossentropy(rbind(c(1, 0)), rbind(c(0.9, 0.2)), gamma = 2)
#' loss_categorical_focal_crossentropy(rbind(c(0, 1, 0)), rbind(c(0.05, 0.9, 0.05)))
#' @name losses_extra
NULL

#' @rdname losses_extra
#' @export
loss_hinge <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "hinge", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_hinge, y_true, y_pred, list(), name, reduction, dtype, "Hinge", rlang::current_env())
}

#' @rdname losses_extra
#' @export
loss_squared_hinge <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size", name = "squared_hinge",
                               dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_squared_hinge, y_true, y_pred, list(), name, reduction, dtype, "SquaredHinge",
                rlang::current_env())
}

#' @rdname losses_extra
#' @export
loss_categorical_hinge <- function(y_true, y_pred, ..., reduction = "sum_over_batch_size",
                                   name = "categorical_hinge", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_categorical_hinge, y_true, y_pred, list(), name, reduction, dtype, "CategoricalHinge",
                rlang::current_env())
}

#' @rdname losses_extra
#' @export
loss_cosine_similarity <- function(y_true, y_pred, axis = -1L, ..., reduction = "sum_over_batch_size",
                                   name = "cosine_similarity", dtype = NULL) {
  check_dots_empty(list(...))
  loss_dispatch(fn_cosine_similarity, y_true, y_pred, list(axis = loss_axis(axis)), name, reduction, dtype,
                "CosineSimilarity", rlang::current_env())
}

#' @rdname losses_extra
#' @export
loss_binary_focal_crossentropy <- function(y_true, y_pred, apply_class_balancing = FALSE, alpha = 0.25, gamma = 2,
                                           from_logits = FALSE, label_smoothing = 0, axis = -1L, ...,
                                           reduction = "sum_over_batch_size", name = "binary_focal_crossentropy",
                                           dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(apply_class_balancing = check_flag(apply_class_balancing), alpha = check_number(alpha, min = 0, max = 1),
               gamma = check_number(gamma, min = 0), from_logits = check_flag(from_logits),
               label_smoothing = check_number(label_smoothing, min = 0, max = 1), axis = loss_axis(axis))
  loss_dispatch(fn_binary_focal_crossentropy, y_true, y_pred, args, name, reduction, dtype,
                "BinaryFocalCrossentropy", rlang::current_env())
}

#' @rdname losses_extra
#' @export
loss_categorical_focal_crossentropy <- function(y_true, y_pred, alpha = 0.25, gamma = 2, from_logits = FALSE,
                                                label_smoothing = 0, axis = -1L, ...,
                                                reduction = "sum_over_batch_size",
                                                name = "categorical_focal_crossentropy", dtype = NULL) {
  check_dots_empty(list(...))
  args <- list(alpha = check_number(alpha, min = 0), gamma = check_number(gamma, min = 0),
               from_logits = check_flag(from_logits), label_smoothing = check_number(label_smoothing, min = 0, max = 1),
               axis = loss_axis(axis))
  loss_dispatch(fn_categorical_focal_crossentropy, y_true, y_pred, args, name, reduction, dtype,
                "CategoricalFocalCrossentropy", rlang::current_env())
}

# Names compile() resolves to these losses (merged into loss_registry()).
loss_registry_extra <- function() list(
  hinge = fn_hinge, squared_hinge = fn_squared_hinge, categorical_hinge = fn_categorical_hinge,
  cosine_similarity = fn_cosine_similarity, binary_focal_crossentropy = fn_binary_focal_crossentropy,
  categorical_focal_crossentropy = fn_categorical_focal_crossentropy, ctc = fn_ctc
)
