# Einstein summation, built from transposes, reshapes, sums and (batched) matrix
# products, so gradients flow through the ops it is made of.

#' Einstein summation
#'
#' `op_einsum()` evaluates the contraction written in `subscripts`, as NumPy's
#' `einsum()` does: each operand gets one letter per axis, letters shared by
#' operands are multiplied together, letters missing from the output (after
#' `->`) are summed over. Without `->`, the output holds the letters that appear
#' once, in alphabetical order. `...` stands for the leading axes not named by
#' letters (broadcast between operands, right-aligned as in NumPy).
#'
#' Supported: any number of operands (contracted left to right), transposes,
#' sums over axes, outer products, batched matrix products, and size-1 axes
#' broadcast against a larger size. Not supported (an error says so): a letter
#' repeated within one operand (diagonals and traces, such as `"ii->i"`).
#'
#' The result is assembled from [op_transpose()], [op_reshape()], [op_sum()]
#' and [op_matmul()], so it has gradients with respect to every operand.
#'
#' @param subscripts A string such as `"bij,bjk->bik"`.
#' @param ... The operands: tensors or R arrays, one per comma-separated term.
#' @returns A tensor.
#' @examples
#' a <- op_reshape(op_arange(1, 6), c(2, 3))
#' b <- op_reshape(op_arange(1, 12), c(3, 4))
#' op_einsum("ij,jk->ik", a, b)            # same as op_matmul(a, b)
#' op_einsum("ij->ji", a)                  # transpose
#' op_einsum("ij->", a)                    # sum of all entries
#' x <- op_ones(c(2, 5, 8))
#' kernel <- op_ones(c(8, 2, 4))
#' dim(op_einsum("abc,cde->abde", x, kernel))   # a projection as in multi-head attention
#' @export
op_einsum <- function(subscripts, ...) {
  call <- rlang::current_env()
  operands <- list(...)
  check_string(subscripts)
  if (!length(operands)) recurrent_abort("{.fn op_einsum} needs at least one operand in {.arg ...}.")
  operands <- einsum_tensors(operands, call)
  spec <- einsum_parse(subscripts, lapply(operands, function(t) length(cpp_shape(t))), call)
  if (length(spec$inputs) != length(operands))
    recurrent_abort(c("{.arg subscripts} names {length(spec$inputs)} operand{?s}, but {length(operands)} {?was/were} given.",
                      x = "Got {.val {subscripts}}."))
  terms <- lapply(seq_along(operands), function(i) {
    labels <- spec$inputs[[i]]
    dims <- as.integer(cpp_shape(operands[[i]]))
    if (length(labels) != length(dims))
      recurrent_abort(c("Operand {i} has {length(dims)} dimension{?s}, but its subscripts name {length(labels)}.",
                        x = "Got {.val {subscripts}} for shape ({paste(dims, collapse = ', ')})."), call = call)
    if (anyDuplicated(labels))
      recurrent_abort(c("A letter repeated within one operand (a diagonal or trace) is not supported by {.fn op_einsum}.",
                        x = "Operand {i} has subscripts {.val {paste(labels, collapse = '')}}."), call = call)
    list(t = operands[[i]], labels = labels)
  })
  out <- spec$output
  known <- unique(unlist(lapply(terms, `[[`, "labels")))
  if (any(!out %in% known))
    recurrent_abort(c("The output of {.arg subscripts} names letters that no operand has.",
                      x = "Unknown: {.val {setdiff(out, known)}} in {.val {subscripts}}."))
  if (anyDuplicated(out))
    recurrent_abort(c("The output of {.arg subscripts} repeats a letter.", x = "Got {.val {subscripts}}."))
  einsum_check_sizes(terms, subscripts, call)
  acc <- terms[[1]]
  if (length(terms) == 1L) {
    acc <- einsum_sum_out(acc, out)
  } else {
    for (i in 2:length(terms)) {
      later <- unlist(lapply(terms[-seq_len(i)], `[[`, "labels"))
      acc <- einsum_pair(acc, terms[[i]], keep = union(out, later))
    }
    acc <- einsum_sum_out(acc, out)
  }
  perm <- match(out, acc$labels)
  if (!identical(perm, seq_along(perm))) acc$t <- .Call(`_recurrent_cpp_transpose`, acc$t, perm - 1L)
  acc$t
}

# Operands as tensors: R values take the dtype of the first tensor operand (or floatx).
einsum_tensors <- function(operands, call) {
  is_t <- vapply(operands, function(x) inherits(x, c("recurrent_tensor", "recurrent_variable")), TRUE)
  first <- if (any(is_t)) as_tensor_arg(operands[[which(is_t)[1]]]) else NULL
  dt <- if (is.null(first)) config_floatx() else cpp_dtype(first)
  if (!dt %in% c("float32", "float64")) dt <- config_floatx()
  lapply(operands, function(x) {
    if (inherits(x, c("recurrent_tensor", "recurrent_variable"))) return(as_tensor_arg(x))
    if (!is.numeric(x) && !is.logical(x))
      recurrent_abort(c("The operands of {.fn op_einsum} must be tensors or numeric arrays.",
                        x = "Got {.obj_type_friendly {x}}."), call = call)
    as_tensor(x, dt)
  })
}

# Subscripts as one character vector of labels per operand and one for the output;
# "..." becomes placeholder labels (right-aligned, shared across operands).
einsum_parse <- function(subscripts, ranks, call) {
  s <- gsub("[[:space:]]", "", subscripts)
  if (!grepl("^[a-zA-Z,.]*(->[a-zA-Z.]*)?$", s))
    recurrent_abort(c("{.arg subscripts} must be letters, commas, {.code ...} and at most one {.code ->}.",
                      x = "Got {.val {subscripts}}."), call = call)
  parts <- strsplit(s, "->", fixed = TRUE)[[1]]
  has_arrow <- grepl("->", s, fixed = TRUE)
  lhs <- strsplit(parts[1], ",", fixed = TRUE)[[1]]
  if (grepl(",$", parts[1])) lhs <- c(lhs, "")
  used <- unique(strsplit(gsub("[^a-zA-Z]", "", s), "")[[1]])
  spare <- setdiff(c(LETTERS, letters), used)
  n_ell <- 0L
  for (i in seq_along(lhs)) {
    if (grepl("...", lhs[i], fixed = TRUE)) {
      named <- nchar(gsub(".", "", lhs[i], fixed = TRUE))
      rank <- if (i <= length(ranks)) ranks[[i]] else named
      n_ell <- max(n_ell, rank - named)
    }
  }
  ell <- if (n_ell > 0L) paste0("...", seq_len(n_ell)) else character()
  split_term <- function(term, rank) {
    n_dots <- lengths(regmatches(term, gregexpr("...", term, fixed = TRUE)))
    if (n_dots > 1L || grepl(".", gsub("...", "", term, fixed = TRUE), fixed = TRUE))
      recurrent_abort(c("Each term of {.arg subscripts} may hold {.code ...} once, and no other dots.",
                        x = "Got {.val {subscripts}}."), call = call)
    if (n_dots == 0L) return(strsplit(term, "")[[1]])
    halves <- strsplit(paste0(term, " "), "...", fixed = TRUE)[[1]]
    before <- strsplit(halves[1], "")[[1]]
    after <- strsplit(trimws(halves[2]), "")[[1]]
    k <- rank - length(before) - length(after)
    c(before, if (k > 0L) utils::tail(ell, k), after)
  }
  inputs <- lapply(seq_along(lhs), function(i) split_term(lhs[i], if (i <= length(ranks)) ranks[[i]] else 0L))
  if (has_arrow) {
    rhs <- if (length(parts) > 1) parts[2] else ""
    output <- split_term(rhs, n_ell + nchar(gsub(".", "", rhs, fixed = TRUE)))
  } else {
    all_labels <- unlist(lapply(inputs, function(l) l[!l %in% ell]))
    counts <- table(all_labels)
    once <- names(counts)[counts == 1L]
    output <- c(ell, once[order(match(once, c(letters, LETTERS)))])
    output <- output[!is.na(output)]
  }
  list(inputs = inputs, output = output)
}

# Each letter has one size across operands (1 broadcasts against n).
einsum_check_sizes <- function(terms, subscripts, call) {
  sizes <- list()
  for (i in seq_along(terms)) {
    d <- as.integer(cpp_shape(terms[[i]]$t))
    for (j in seq_along(d)) {
      l <- terms[[i]]$labels[j]
      prev <- sizes[[l]]
      if (!is.null(prev) && prev != d[j] && prev != 1L && d[j] != 1L)
        recurrent_abort(c("Axis {.val {l}} has different sizes in the operands of {.fn op_einsum}.",
                          x = "Sizes {prev} and {d[j]} for {.val {subscripts}}."), call = call)
      sizes[[l]] <- max(prev %||% 1L, d[j])
    }
  }
  invisible()
}

# Sum over the axes whose labels are not in `keep`.
einsum_sum_out <- function(term, keep) {
  drop <- which(!term$labels %in% keep)
  if (!length(drop)) return(term)
  list(t = op_sum(term$t, axis = drop), labels = term$labels[-drop])
}

# Broadcast the axes of `term` listed in `labels` to `sizes`.
einsum_expand <- function(term, labels, sizes) {
  d <- as.integer(cpp_shape(term$t))
  idx <- match(labels, term$labels)
  target <- d
  target[idx] <- sizes
  if (identical(target, d)) return(term)
  term$t <- op_broadcast_to(term$t, target)
  term
}

# Contract two terms, keeping the labels in `keep` (needed by the output or by
# operands still to come): one batched matrix product.
einsum_pair <- function(a, b, keep) {
  a <- einsum_sum_out(a, union(keep, b$labels))
  b <- einsum_sum_out(b, union(keep, a$labels))
  shared <- intersect(a$labels, b$labels)
  batch <- intersect(shared, keep)
  contr <- setdiff(shared, keep)
  left <- setdiff(a$labels, shared)
  right <- setdiff(b$labels, shared)
  da <- as.integer(cpp_shape(a$t))
  db <- as.integer(cpp_shape(b$t))
  size_of <- function(l) max(da[match(l, a$labels)], db[match(l, b$labels)], na.rm = TRUE)
  if (length(shared)) {
    target <- vapply(shared, size_of, 1L)
    a <- einsum_expand(a, shared, target)
    b <- einsum_expand(b, shared, target)
    da <- as.integer(cpp_shape(a$t))
    db <- as.integer(cpp_shape(b$t))
  }
  sz <- function(d, labels, which) as.integer(d[match(which, labels)])
  nb <- prod(sz(da, a$labels, batch)); nl <- prod(sz(da, a$labels, left))
  nk <- prod(sz(da, a$labels, contr)); nr <- prod(sz(db, b$labels, right))
  permute <- function(t, labels, order) {
    p <- match(order, labels)
    if (identical(p, seq_along(p))) t else .Call(`_recurrent_cpp_transpose`, t, p - 1L)
  }
  ta <- permute(a$t, a$labels, c(batch, left, contr))
  tb <- permute(b$t, b$labels, c(batch, contr, right))
  if (length(batch)) {
    ta <- .Call(`_recurrent_cpp_reshape`, ta, c(nb, nl, nk))
    tb <- .Call(`_recurrent_cpp_reshape`, tb, c(nb, nk, nr))
  } else {
    ta <- .Call(`_recurrent_cpp_reshape`, ta, c(nl, nk))
    tb <- .Call(`_recurrent_cpp_reshape`, tb, c(nk, nr))
  }
  prod_t <- op_matmul(ta, tb)
  dims <- c(sz(da, a$labels, batch), sz(da, a$labels, left), sz(db, b$labels, right))
  list(t = .Call(`_recurrent_cpp_reshape`, prod_t, as.integer(dims)), labels = c(batch, left, right))
}
