# Attention layers: dot-product (Luong-style) attention, additive (Bahdanau-style)
# attention and multi-head attention, with Keras's weights, masks and formulas
# (keras/src/layers/attention/).

# ---- Attention and AdditiveAttention ------------------------------------------------------

Attention <- R6::R6Class("Attention",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    use_scale = FALSE, score_mode = "dot", dropout = 0, seed = NULL, scale = NULL, concat_score_weight = NULL,
    initialize = function(use_scale = FALSE, score_mode = "dot", dropout = 0, seed = NULL, ...) {
      super$initialize(...)
      self$use_scale <- use_scale
      self$score_mode <- score_mode
      self$dropout <- dropout
      self$seed <- seed
    },
    build = function(input_shape) {
      attention_check_inputs(input_shape, class(self)[1])
      if (self$use_scale)
        self$scale <- self$add_weight(name = "scale", shape = integer(), initializer = "ones")
      if (self$score_mode == "concat")
        self$concat_score_weight <- self$add_weight(name = "concat_score_weight", shape = integer(),
                                                    initializer = "ones")
    },
    calculate_scores = function(query, key) {
      if (self$score_mode == "dot") {
        scores <- op_matmul(query, op_swapaxes(key, -2L, -1L))
        if (!is.null(self$scale)) scores <- op_multiply(scores, self$scale)
        return(scores)
      }
      total <- op_add(op_expand_dims(query, -2L), op_expand_dims(key, -3L))
      if (!is.null(self$scale)) total <- op_multiply(total, self$scale)
      op_multiply(op_sum(op_tanh(total), axis = -1L), self$concat_score_weight)
    },
    call = function(inputs, mask = NULL, training = FALSE, return_attention_scores = FALSE, use_causal_mask = FALSE) {
      attention_check_inputs(inputs, class(self)[1], mask)
      inputs <- lapply(inputs, set_keras_mask, mask = NULL)
      q <- inputs[[1]]
      v <- inputs[[2]]
      k <- if (length(inputs) > 2) inputs[[3]] else v
      q_mask <- if (length(mask)) mask[[1]]
      v_mask <- if (length(mask) > 1) mask[[2]]
      scores <- self$calculate_scores(q, k)
      keep <- NULL
      if (!is.null(v_mask)) keep <- op_expand_dims(as_bool_arg(v_mask, "mask"), -2L)
      if (isTRUE(use_causal_mask)) {
        d <- as.integer(cpp_shape(scores))
        n <- length(d)
        causal <- as_tensor(array(outer(seq_len(d[n - 1L]), seq_len(d[n]), `>=`), c(1L, d[n - 1L], d[n])), "bool")
        keep <- if (is.null(keep)) causal else op_logical_and(keep, causal)
      }
      if (!is.null(keep)) scores <- op_where(keep, scores, op_subtract(scores, 1e9))
      weights <- op_softmax(scores, axis = -1L)
      used <- weights
      if (isTRUE(training) && self$dropout > 0) used <- layer_draw(self, private, random_dropout(weights, self$dropout))
      out <- op_matmul(used, v)
      if (!is.null(q_mask)) out <- op_where(op_expand_dims(as_bool_arg(q_mask, "mask"), -1L), out, 0)
      # Keras returns the weights after dropout
      if (isTRUE(return_attention_scores)) list(out, used) else out
    },
    compute_mask = function(inputs, mask = NULL) {
      if (is.null(mask) || !length(mask) || is.null(mask[[1]])) return(NULL)
      mask[[1]]
    },
    compute_output_shape = function(input_shape, return_attention_scores = FALSE) {
      attention_check_inputs(input_shape, class(self)[1])
      q <- as_shape_list(input_shape[[1]])
      v <- as_shape_list(input_shape[[2]])
      k <- if (length(input_shape) > 2) as_shape_list(input_shape[[3]]) else v
      out <- c(q[-length(q)], v[length(v)])
      if (!isTRUE(return_attention_scores)) return(out)
      list(out, c(q[-length(q)], k[length(k) - 1L]))
    },
    get_config = function() c(super$get_config()[c("name", "trainable", "dtype")],
                              list(use_scale = self$use_scale, score_mode = self$score_mode,
                                   dropout = self$dropout, seed = self$seed))
  ),
  private = list(draws = 0L, .supports_masking = TRUE,
                 .s3_class = "keras.src.layers.attention.attention.Attention")
)

AdditiveAttention <- R6::R6Class("AdditiveAttention",
  inherit = Attention,
  lock_objects = FALSE,
  public = list(
    initialize = function(use_scale = TRUE, dropout = 0, seed = NULL, ...) {
      super$initialize(use_scale = use_scale, score_mode = "dot", dropout = dropout, seed = seed, ...)
    },
    build = function(input_shape) {
      attention_check_inputs(input_shape, class(self)[1])
      q <- as_shape_list(input_shape[[1]])
      dim <- q[[length(q)]]
      if (self$use_scale) {
        if (is.null(dim))
          cli::cli_abort("The last dimension of the query of layer {.val {self$name}} must be known.",
                         class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
        self$scale <- self$add_weight(name = "scale", shape = dim, initializer = "glorot_uniform")
      }
    },
    calculate_scores = function(query, key) {
      total <- op_tanh(op_add(op_expand_dims(query, -2L), op_expand_dims(key, -3L)))
      if (self$use_scale) total <- op_multiply(total, self$scale)
      op_sum(total, axis = -1L)
    },
    get_config = function() {
      cfg <- super$get_config()
      cfg$score_mode <- NULL
      cfg
    }
  ),
  private = list(.s3_class = "keras.src.layers.attention.additive_attention.AdditiveAttention")
)

# Keras's checks on the inputs (and masks) of Attention layers: a list of 2 or 3.
attention_check_inputs <- function(inputs, cls, mask = NULL) {
  ok <- is.list(inputs) && !is.object(inputs) && length(inputs) %in% 2:3 &&
    !is_shape_like(inputs)
  if (!ok)
    cli::cli_abort(c("A {.cls {cls}} layer must be called on a list of 2 or 3 inputs: {.code list(query, value)} or {.code list(query, value, key)}.",
                     x = if (is.list(inputs) && !is.object(inputs)) "Got a list of length {length(inputs)}." else "Got {.obj_type_friendly {inputs}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  if (!is.null(mask) && (!is.list(mask) || is.object(mask) || !length(mask) %in% 2:3))
    cli::cli_abort(c("The mask of a {.cls {cls}} layer must be a list of 2 or 3 masks: {.code list(query_mask, value_mask)}.",
                     x = "Got {.obj_type_friendly {mask}}."),
                   class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
  invisible()
}

check_score_mode <- function(score_mode, call = rlang::caller_env()) {
  check_string(score_mode, call = call)
  if (!score_mode %in% c("dot", "concat"))
    recurrent_abort(c("{.arg score_mode} must be {.val dot} or {.val concat}.", x = "Got {.val {score_mode}}."),
                    call = call)
  score_mode
}

#' Dot-product attention
#'
#' Luong-style attention, Keras's `Attention` layer. Called on
#' `list(query, value)` or `list(query, value, key)` (the key defaults to the
#' value), with `query` of shape `(batch, Tq, dim)` and `value`/`key` of shape
#' `(batch, Tv, dim)`:
#'
#' 1. scores `(batch, Tq, Tv)`: `query %*% t(key)` (times the learned scalar
#'    `scale` if `use_scale`); with `score_mode = "concat"`,
#'    `concat_score_weight * sum(tanh(query[t] + key[s]))` (the sum inside
#'    multiplied by `scale` if `use_scale`);
#' 2. weights: a softmax over `Tv`, after subtracting `1e9` from the scores of
#'    masked value positions (and of future positions with
#'    `use_causal_mask = TRUE`);
#' 3. output `(batch, Tq, dim)`: weights `%*%` value, zero where the query is
#'    masked.
#'
#' Masks come from the inputs (for example a [layer_embedding()] with
#' `mask_zero = TRUE`) or from the call's `mask = list(query_mask,
#' value_mask)`; the output carries the query's mask.
#'
#' @inheritParams layer_dense
#' @param use_scale Logical, default `FALSE`: learn a scalar `scale` for the
#'   scores (initialised to 1).
#' @param score_mode `"dot"` (default) or `"concat"` (see Details); `"concat"`
#'   adds a learned scalar `concat_score_weight` (initialised to 1).
#' @param dropout Number in `[0, 1]`, default 0: dropout rate on the attention
#'   weights during training.
#' @param seed `NULL` (default) or a whole number for the dropout draws.
#' @returns See `object`.
#' @section Call arguments:
#' * `inputs`: `list(query, value)` or `list(query, value, key)`.
#' * `mask`: `NULL` or `list(query_mask, value_mask)`, logical `(batch, Tq)`
#'   and `(batch, Tv)` (`TRUE` = keep).
#' * `training`: logical; dropout only happens when `TRUE`.
#' * `return_attention_scores`: logical, default `FALSE`; if `TRUE`, the
#'   result is `list(output, weights)` with weights `(batch, Tq, Tv)`.
#' * `use_causal_mask`: logical, default `FALSE`; if `TRUE`, query position
#'   `i` attends only to value positions `<= i` (for decoders).
#' @examples
#' query <- array(c(1, 0, 0, 1), c(1, 2, 2))
#' value <- array(c(1, 3, 2, 4), c(1, 2, 2))
#' att <- layer_attention()
#' res <- att(list(query, value), return_attention_scores = TRUE)
#' res[[2]]   # attention weights
#'
#' # an LSTM whose outputs attend over themselves
#' inp <- keras_input(shape = c(10, 3))
#' h <- inp |> layer_lstm(8, return_sequences = TRUE)
#' ctx <- layer_attention(list(h, h))
#' out <- ctx |> layer_flatten() |> layer_dense(1)
#' model <- keras_model(inp, out)
#' @export
layer_attention <- function(object, use_scale = FALSE, score_mode = "dot", dropout = 0, seed = NULL, ...) {
  object <- if (missing(object)) NULL else object
  check_flag(use_scale)
  check_score_mode(score_mode)
  check_rate(dropout)
  seed <- check_seed(seed)
  create_layer(Attention, object, list(use_scale = use_scale, score_mode = score_mode, dropout = dropout,
                                       seed = seed, ...))
}
attr(layer_attention, "r6_class") <- Attention

#' Additive attention
#'
#' Bahdanau-style attention, Keras's `AdditiveAttention` layer: like
#' [layer_attention()], but the scores are
#' `sum(scale * tanh(query[t] + key[s]))` over the feature axis, where `scale`
#' is a learned vector of length `dim` (glorot-uniform initialised) when
#' `use_scale = TRUE` and 1 otherwise. Masks, the causal mask, dropout and
#' `return_attention_scores` work as in [layer_attention()].
#'
#' @inheritParams layer_attention
#' @param use_scale Logical, default `TRUE`: learn the `scale` vector.
#' @returns See `object`.
#' @inheritSection layer_attention Call arguments
#' @examples
#' query <- array(c(1, 0, 0, 1), c(1, 2, 2))
#' value <- array(c(1, 3, 2, 4), c(1, 2, 2))
#' layer_additive_attention(list(query, value), use_scale = FALSE)
#' @export
layer_additive_attention <- function(object, use_scale = TRUE, dropout = 0, ...) {
  object <- if (missing(object)) NULL else object
  check_flag(use_scale)
  check_rate(dropout)
  dots <- list(...)
  if (!is.null(dots$seed)) dots$seed <- check_seed(dots$seed, "seed")
  create_layer(AdditiveAttention, object, c(list(use_scale = use_scale, dropout = dropout), dots))
}
attr(layer_additive_attention, "r6_class") <- AdditiveAttention

# ---- MultiHeadAttention -------------------------------------------------------------------

MultiHeadAttention <- R6::R6Class("MultiHeadAttention",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    num_heads = NULL, key_dim = NULL, value_dim = NULL, dropout = 0, use_bias = TRUE, output_shape = NULL,
    attention_axes = NULL, kernel_initializer = NULL, bias_initializer = NULL, kernel_regularizer = NULL,
    bias_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL, seed = NULL,
    query_dense = NULL, key_dense = NULL, value_dense = NULL, output_dense = NULL,
    initialize = function(num_heads, key_dim, value_dim = NULL, dropout = 0, use_bias = TRUE, output_shape = NULL,
                          attention_axes = NULL, flash_attention = NULL, kernel_initializer = "glorot_uniform",
                          bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                          activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                          use_gate = FALSE, sliding_window = NULL, seed = NULL, ...) {
      super$initialize(activity_regularizer = activity_regularizer, ...)
      if (isTRUE(flash_attention) || isTRUE(use_gate) || !is.null(sliding_window))
        cli::cli_abort("{.arg flash_attention}, {.arg use_gate} and {.arg sliding_window} are not supported.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      self$num_heads <- num_heads
      self$key_dim <- key_dim
      self$value_dim <- value_dim %||% key_dim
      self$dropout <- dropout
      self$use_bias <- use_bias
      self$output_shape <- output_shape
      self$attention_axes <- attention_axes
      set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
      set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
      self$seed <- seed
    },
    build = function(query_shape, value_shape = NULL, key_shape = NULL) {
      # an R array as `value` has no shape until call() converts it: build there
      if (is.null(value_shape)) return(invisible())
      query_shape <- as_shape_list(query_shape)
      value_shape <- as_shape_list(value_shape)
      key_shape <- if (is.null(key_shape)) value_shape else as_shape_list(key_shape)
      mha_check_value_key(value_shape, key_shape)
      sub <- function(equation, out_shape, bias_axes, name, shape) {
        l <- create_layer(EinsumDense, NULL, list(equation = equation, output_shape = out_shape,
          bias_axes = if (self$use_bias) bias_axes, name = name, dtype = self$dtype,
          kernel_initializer = self$kernel_initializer, bias_initializer = self$bias_initializer,
          kernel_regularizer = self$kernel_regularizer, bias_regularizer = self$bias_regularizer,
          activity_regularizer = self$activity_regularizer, kernel_constraint = self$kernel_constraint,
          bias_constraint = self$bias_constraint))
        inner <- attr(l, "layer", exact = TRUE)
        inner$build(shape)
        inner$built <- TRUE
        l
      }
      proj <- function(rank, last) {
        eq <- mha_proj_equation(rank - 1L, 1L, 2L)
        list(eq = eq, out = c(rep(list(NULL), eq$rank - 1L - 2L), list(self$num_heads, last)))
      }
      pq <- proj(length(query_shape), self$key_dim)
      self$query_dense <- sub(pq$eq$equation, pq$out, pq$eq$bias_axes, "query", query_shape)
      pk <- proj(length(key_shape), self$key_dim)
      self$key_dense <- sub(pk$eq$equation, pk$out, pk$eq$bias_axes, "key", key_shape)
      pv <- proj(length(value_shape), self$value_dim)
      self$value_dense <- sub(pv$eq$equation, pv$out, pv$eq$bias_axes, "value", value_shape)
      private$build_attention(pv$eq$rank)
      final <- if (length(self$output_shape)) as.list(self$output_shape) else query_shape[length(query_shape)]
      eo <- mha_proj_equation(length(query_shape) - 1L, 2L, length(final))
      out_in <- c(query_shape[-length(query_shape)], list(self$num_heads, self$value_dim))
      self$output_dense <- sub(eo$equation, c(rep(list(NULL), eo$rank - 1L - length(final)), final), eo$bias_axes,
                               "attention_output", out_in)
    },
    call = function(query, value, key = NULL, query_mask = NULL, value_mask = NULL, key_mask = NULL,
                    attention_mask = NULL, return_attention_scores = FALSE, training = NULL, use_causal_mask = FALSE) {
      if (missing(value) || is.null(value))
        cli::cli_abort(c("Layer {.val {self$name}} ({.cls MultiHeadAttention}) needs a {.arg value} input.",
                         i = "Call it as {.code layer(query, value)} or {.code layer(query, value, key)}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      value <- convert_call_input(value, self$dtype, self$autocast)
      key <- convert_call_input(key, self$dtype, self$autocast)
      if (is.null(self$query_dense)) self$build(arg_shape(query), arg_shape(value), arg_shape(key))
      query_mask <- as_mask_tensor(query_mask) %||% get_keras_mask(query)
      value_mask <- as_mask_tensor(value_mask) %||% get_keras_mask(value)
      key_mask <- as_mask_tensor(key_mask) %||% (if (!is.null(key)) get_keras_mask(key))
      if (is.null(key)) key <- value
      attention_mask <- private$compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                       attention_mask, isTRUE(use_causal_mask))
      q <- self$query_dense(set_keras_mask(query, NULL))
      k <- self$key_dense(set_keras_mask(key, NULL))
      v <- self$value_dense(set_keras_mask(value, NULL))
      res <- private$compute_attention(q, k, v, attention_mask, isTRUE(training), isTRUE(return_attention_scores))
      out <- self$output_dense(res$output)
      if (isTRUE(return_attention_scores)) list(out, res$scores) else out
    },
    compute_output_shape = function(query_shape, value_shape = NULL, key_shape = NULL,
                                    return_attention_scores = FALSE) {
      q <- as_shape_list(query_shape)
      if (!is.null(value_shape)) {
        v <- as_shape_list(value_shape)
        mha_check_value_key(v, if (is.null(key_shape)) v else as_shape_list(key_shape))
      }
      out <- if (length(self$output_shape)) c(q[-length(q)], as.list(self$output_shape)) else q
      if (!isTRUE(return_attention_scores)) return(out)
      v <- if (is.null(value_shape)) q else as_shape_list(value_shape)
      list(out, private$scores_shape(q, v))
    },
    get_config = function() {
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(num_heads = self$num_heads, key_dim = self$key_dim, value_dim = self$value_dim, dropout = self$dropout,
             use_bias = self$use_bias, use_gate = FALSE, output_shape = self$output_shape,
             attention_axes = self$attention_axes, sliding_window = NULL,
             kernel_initializer = self$kernel_initializer, bias_initializer = self$bias_initializer,
             kernel_regularizer = self$kernel_regularizer, bias_regularizer = self$bias_regularizer,
             activity_regularizer = self$activity_regularizer, kernel_constraint = self$kernel_constraint,
             bias_constraint = self$bias_constraint, seed = self$seed))
    }
  ),
  private = list(
    draws = 0L, dot_product_equation = NULL, combine_equation = NULL, norm_axes = NULL, axes0 = NULL,
    .attention_axes_arg = NULL,
    .supports_masking = TRUE,
    .s3_class = "keras.src.layers.attention.multi_head_attention.MultiHeadAttention",
    # Keras numbers attention axes from 0 (batch) in the projected (batch, ..., heads,
    # head_dim) tensor; the default is every axis between batch and heads.
    build_attention = function(rank) {
      private$.attention_axes_arg <- self$attention_axes
      axes <- if (is.null(self$attention_axes)) seq_len(rank - 3L) else {
        a <- as.integer(self$attention_axes)
        ifelse(a < 0L, (rank - 1L) + a, a)
      }
      if (any(axes < 1L | axes > rank - 3L) || anyDuplicated(axes))
        cli::cli_abort(c("{.arg attention_axes} must name axes between the batch axis (0) and the heads axis ({rank - 2L}), counted from 0 as in Keras.",
                         x = "Got {.val {self$attention_axes}} for projected inputs with {rank} axes."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      private$axes0 <- axes
      eq <- mha_attention_equation(rank, axes)
      private$dot_product_equation <- eq$dot
      private$combine_equation <- eq$combine
      private$norm_axes <- seq(eq$scores_rank - length(axes) + 1L, eq$scores_rank)
    },
    compute_attention_mask = function(query, value, query_mask, value_mask, key_mask, attention_mask, causal) {
      auto <- NULL
      and <- function(a, b) if (is.null(a)) b else op_logical_and(a, b)
      if (!is.null(query_mask)) auto <- op_expand_dims(as_bool_arg(query_mask, "query_mask"), -1L)
      if (!is.null(value_mask)) auto <- and(auto, op_expand_dims(as_bool_arg(value_mask, "value_mask"), -2L))
      if (!is.null(key_mask)) auto <- and(auto, op_expand_dims(as_bool_arg(key_mask, "key_mask"), -2L))
      if (causal) {
        tq <- cpp_shape(query)[2]; tv <- cpp_shape(value)[2]
        auto <- and(auto, as_tensor(array(outer(seq_len(tq), seq_len(tv), `>=`), c(1L, tq, tv)), "bool"))
      }
      if (!is.null(attention_mask)) attention_mask <- as_bool_arg(attention_mask, "attention_mask")
      if (is.null(auto)) return(attention_mask)
      if (is.null(attention_mask)) auto else op_logical_and(attention_mask, auto)
    },
    compute_attention = function(query, key, value, attention_mask, training, return_scores) {
      scale <- 1 / sqrt(self$key_dim)
      expand_mask <- function(m, target_rank) {
        at <- -length(private$axes0) * 2L - 1L
        while (length(cpp_shape(m)) < target_rank) m <- op_expand_dims(m, at)
        m
      }
      # Keras takes the fused dot_product_attention path here; it differs from the
      # softmax path below only for rows that are masked everywhere
      if (!(self$dropout > 0) && !return_scores && length(cpp_shape(query)) == 4L) {
        m <- if (!is.null(attention_mask)) expand_mask(attention_mask, 4L)
        return(list(output = op_dot_product_attention(query, key, value, mask = m, scale = scale), scores = NULL))
      }
      query <- op_multiply(query, scale)
      scores <- op_einsum(private$dot_product_equation, key, query)
      m <- if (!is.null(attention_mask)) expand_mask(attention_mask, length(cpp_shape(scores)))
      scores <- masked_softmax(scores, m, private$norm_axes)
      used <- scores
      if (training && self$dropout > 0) used <- layer_draw(self, private, random_dropout(scores, self$dropout))
      list(output = op_einsum(private$combine_equation, used, value), scores = scores)
    },
    scores_shape = function(q, v) {
      if (is.null(private$dot_product_equation)) private$build_attention(length(q) + 1L)
      target <- c(q[-length(q)], list(self$num_heads, self$key_dim))
      source <- c(v[-length(v)], list(self$num_heads, self$key_dim))
      parts <- strsplit(private$dot_product_equation, "->|,")[[1]]
      sizes <- list()
      for (i in seq_along(target)) sizes[substr(parts[2], i, i)] <- list(target[[i]])
      for (i in seq_along(source)) sizes[substr(parts[1], i, i)] <- list(source[[i]])
      lapply(strsplit(parts[3], "")[[1]], function(ch) sizes[[ch]])
    }
  )
)

mha_check_value_key <- function(value_shape, key_shape) {
  n <- length(value_shape)
  if (length(key_shape) != n || !identical(value_shape[-c(1L, n)], key_shape[-c(1L, n)]))
    cli::cli_abort(c("All dimensions of {.arg value} and {.arg key}, except the last one, must be equal.",
                     x = "Got value shape {format(shape(value_shape))} and key shape {format(shape(key_shape))}."),
                   class = c("recurrent_error_shape", "recurrent_error"), call = NULL)
}

# "abc,cde->abde"-style projection equations: `free` axes pass through, `bound` axes
# are contracted with the kernel, `out` axes are new (and carry the bias).
mha_proj_equation <- function(free, bound, out) {
  chars <- letters
  f <- chars[seq_len(free)]
  b <- chars[free + seq_len(bound)]
  o <- chars[free + bound + seq_len(out)]
  list(equation = sprintf("%s,%s->%s", paste(c(f, b), collapse = ""), paste(c(b, o), collapse = ""),
                          paste(c(f, o), collapse = "")),
       bias_axes = paste(o, collapse = ""), rank = free + out)
}

# The einsum equations of multi-head attention over `axes` (0-based, as Keras) of
# projected tensors of rank `rank`: key . query -> scores, scores . value -> output.
mha_attention_equation <- function(rank, axes) {
  target <- letters[seq_len(rank)]
  batch <- setdiff(seq_len(rank) - 1L, c(axes, rank - 1L))
  source <- target
  nxt <- rank
  for (i in seq_len(rank) - 1L) {
    if (!(i %in% batch || i == rank - 1L)) {
      source[i + 1L] <- letters[nxt + 1L]
      nxt <- nxt + 1L
    }
  }
  product <- c(target[batch + 1L], target[axes + 1L], source[axes + 1L])
  t <- paste(target, collapse = ""); s <- paste(source, collapse = ""); p <- paste(product, collapse = "")
  list(dot = sprintf("%s,%s->%s", s, t, p), combine = sprintf("%s,%s->%s", p, s, t), scores_rank = length(product))
}

#' Multi-head attention
#'
#' Keras's `MultiHeadAttention` layer, the attention of Transformers. The query,
#' key and value are each projected to `num_heads` heads (query and key to
#' `key_dim` features per head, value to `value_dim`), each head attends with
#' scaled dot products (`softmax(q . k / sqrt(key_dim))`), and the heads'
#' outputs are projected back to the query's feature size (or to
#' `output_shape`).
#'
#' The weights are Keras's: four [layer_einsum_dense()] sub-layers named
#' `query`, `key`, `value` and `attention_output`, with kernels of shape
#' `(query_dim, num_heads, key_dim)`, `(key_dim_in, num_heads, key_dim)`,
#' `(value_dim_in, num_heads, value_dim)` and `(num_heads, value_dim,
#' output_dim)`, and biases `(num_heads, key_dim)`, ..., `(output_dim)`.
#'
#' Masks: the masks carried by `query`, `value` and `key` (for example from a
#' [layer_embedding()] with `mask_zero = TRUE`) are combined into the attention
#' mask as Keras does, with `attention_mask` and the causal mask; the output
#' carries the query's mask.
#'
#' @param inputs `NULL`/missing (the layer is returned) or a list of inputs
#'   for the call: `list(query, value)` or `list(query, value, key)` (a single
#'   tensor attends to itself).
#' @param num_heads Positive whole number: the number of heads.
#' @param key_dim Positive whole number: features per head for query and key.
#' @param value_dim `NULL` (default: `key_dim`) or features per head for the
#'   value.
#' @param dropout Number in `[0, 1]`, default 0: dropout on the attention
#'   weights during training.
#' @param use_bias Logical, default `TRUE`: biases in the projections.
#' @param output_shape `NULL` (default: the query's last dimension) or the
#'   output's feature shape (a whole number or vector).
#' @param attention_axes `NULL` (default: the time axes) or the axes attention
#'   runs over, counted from 0 as in Keras (so `1` is the time axis of
#'   `(batch, time, features)` inputs).
#' @param flash_attention `NULL` or `FALSE` (flash attention is not available).
#' @param kernel_initializer,bias_initializer Initializers of the projections
#'   (defaults `"glorot_uniform"`, `"zeros"`).
#' @param kernel_regularizer,bias_regularizer,activity_regularizer
#'   Regularizers (default `NULL`).
#' @param kernel_constraint,bias_constraint Constraints (default `NULL`).
#' @param seed `NULL` or a whole number for the dropout draws.
#' @param ... Base layer arguments such as `name`.
#' @returns The layer, or its output for `inputs`.
#' @section Call arguments:
#' * `query`: `(batch, Tq, query_dim)`.
#' * `value`: `(batch, Tv, value_dim_in)`.
#' * `key`: `NULL` (the value) or `(batch, Tv, key_dim_in)`.
#' * `query_mask`, `value_mask`, `key_mask`: `NULL` (the inputs' own masks) or
#'   logical `(batch, Tq)` / `(batch, Tv)` masks.
#' * `attention_mask`: `NULL` or a logical `(batch, Tq, Tv)` array; `TRUE`
#'   means attend.
#' * `return_attention_scores`: logical, default `FALSE`; if `TRUE` the
#'   result is `list(output, scores)` with scores `(batch, num_heads, Tq, Tv)`.
#' * `training`: logical; dropout only happens when `TRUE`.
#' * `use_causal_mask`: logical, default `FALSE`: each query position attends
#'   only to earlier and equal positions.
#' @examples
#' mha <- layer_multi_head_attention(num_heads = 2, key_dim = 4)
#' x <- array(runif(2 * 5 * 8), c(2, 5, 8))
#' y <- mha(x, x)
#' dim(y)                                   # 2 5 8
#' res <- mha(x, x, return_attention_scores = TRUE)
#' dim(res[[2]])                            # 2 2 5 5
#' lengths(lapply(get_weights(mha), dim))
#'
#' inp <- keras_input(shape = c(10, 8))
#' out <- layer_multi_head_attention(list(inp, inp), num_heads = 2, key_dim = 4)
#' model <- keras_model(inp, out)
#' @export
layer_multi_head_attention <- function(inputs, num_heads, key_dim, value_dim = NULL, dropout = 0, use_bias = TRUE,
                                       output_shape = NULL, attention_axes = NULL, flash_attention = NULL,
                                       kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                                       kernel_regularizer = NULL, bias_regularizer = NULL,
                                       activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                                       seed = NULL, ...) {
  inputs <- if (missing(inputs)) NULL else inputs
  if (missing(num_heads)) recurrent_abort("{.arg num_heads} is missing.")
  if (missing(key_dim)) recurrent_abort("{.arg key_dim} is missing.")
  num_heads <- check_count(num_heads, min = 1)
  key_dim <- check_count(key_dim, min = 1)
  value_dim <- check_count(value_dim, min = 1, null_ok = TRUE)
  check_rate(dropout)
  check_flag(use_bias)
  if (!is.null(output_shape)) output_shape <- vapply(unlist(output_shape), function(d) check_count(d, "output_shape", min = 1), 1L)
  if (!is.null(attention_axes)) {
    if (!is_whole(attention_axes) || !length(attention_axes))
      recurrent_abort(c("{.arg attention_axes} must be {.code NULL} or whole numbers (axes counted from 0, as in Keras).",
                        x = "Got {describe_value(attention_axes)}."))
    attention_axes <- as.integer(attention_axes)
  }
  if (isTRUE(flash_attention))
    recurrent_abort("{.arg flash_attention} is not available in recurrent; use {.code NULL} or {.code FALSE}.")
  seed <- check_seed(seed)
  layer <- create_layer(MultiHeadAttention, NULL, list(num_heads = num_heads, key_dim = key_dim,
    value_dim = value_dim, dropout = dropout, use_bias = use_bias, output_shape = output_shape,
    attention_axes = attention_axes, kernel_initializer = kernel_initializer, bias_initializer = bias_initializer,
    kernel_regularizer = kernel_regularizer, bias_regularizer = bias_regularizer,
    activity_regularizer = activity_regularizer, kernel_constraint = kernel_constraint,
    bias_constraint = bias_constraint, seed = seed, ...))
  if (is.null(inputs)) return(layer)
  if (!is.list(inputs) || is.object(inputs)) inputs <- list(inputs, inputs)
  if (length(inputs) == 1L) inputs <- c(inputs, inputs)
  do.call(layer, unname(inputs))
}
attr(layer_multi_head_attention, "r6_class") <- MultiHeadAttention
