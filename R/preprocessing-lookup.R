# Vocabulary lookups (Keras's IndexLookup): StringLookup, IntegerLookup, and the
# lookup inside TextVectorization. They compute in R on host values (strings have
# no tensor type here) and return tensors. Keras's index conventions: in "int"
# mode the mask token (if any) is 0, the OOV indices follow, then the vocabulary
# by descending frequency (ties: the larger token first, as Keras's lexsort).

# Shared by every preprocessing layer: inputs reach call() as R values (character
# arrays stay character), and the layer has no weights to train.
PreprocessingBase <- R6::R6Class("PreprocessingBase",
  inherit = LayerBase,
  lock_objects = FALSE,
  public = list(
    initialize = function(..., output_dtype = NULL) {
      super$initialize(...)
      private$convert_inputs <- function(x) host_value(x)
      if (!is.null(output_dtype)) self$dtype <- output_dtype
      invisible(self)
    },
    adapt = function(data, batch_size = NULL, steps = NULL) {
      recurrent_abort("Layer {.val {self$name}} has nothing to adapt.", call = NULL)
    }
  ),
  private = list(convert_inputs = NULL)
)

# A layer input as an R array: tensors are read back, lists of strings unlisted.
host_value <- function(x) {
  if (op_is_tensor(x)) return(as.array(x))
  if (is.factor(x)) return(as.character(x))
  if (is.data.frame(x)) return(as.matrix(x))
  if (is.list(x) && !is.object(x) && all(vapply(x, is.atomic, TRUE)) && all(lengths(x) == 1)) return(unlist(x))
  x
}

IndexLookup <- R6::R6Class("IndexLookup",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    max_tokens = NULL, num_oov_indices = 1L, mask_token = NULL, oov_token = NULL, output_mode = "int",
    pad_to_max_tokens = FALSE, invert = FALSE, vocabulary_dtype = "string",
    initialize = function(max_tokens = NULL, num_oov_indices = 1L, mask_token = NULL, oov_token = "[UNK]",
                          vocabulary = NULL, idf_weights = NULL, invert = FALSE, output_mode = "int",
                          pad_to_max_tokens = FALSE, sparse = FALSE, vocabulary_dtype = "string",
                          vocabulary_size = NULL, ...) {
      # vocabulary_size is in Keras's config for information; the vocabulary decides it
      call <- NULL
      self$max_tokens <- check_count(max_tokens, call = call, min = 1, null_ok = TRUE)
      self$num_oov_indices <- check_count(num_oov_indices, call = call)
      self$invert <- check_flag(invert, call = call)
      self$output_mode <- check_choice(output_mode, c("int", "one_hot", "multi_hot", "count", "tf_idf"), "output_mode")
      self$pad_to_max_tokens <- check_flag(pad_to_max_tokens, call = call)
      if (!isFALSE(sparse)) recurrent_abort("{.code sparse = TRUE} is not supported: outputs are dense.", call = call)
      self$vocabulary_dtype <- vocabulary_dtype
      self$mask_token <- mask_token
      self$oov_token <- oov_token
      if (self$invert && self$output_mode != "int")
        recurrent_abort("{.code invert = TRUE} needs {.code output_mode = \"int\"}.", call = call)
      if (self$pad_to_max_tokens && is.null(self$max_tokens))
        recurrent_abort("{.code pad_to_max_tokens = TRUE} needs {.arg max_tokens}.", call = call)
      if (!is.null(self$max_tokens) && self$max_tokens <= private$token_start())
        recurrent_abort(c("{.arg max_tokens} must be greater than the number of special tokens ({private$token_start()}).",
                          x = "Got {self$max_tokens}."), call = call)
      if (self$num_oov_indices > 1 && vocabulary_dtype == "string")
        recurrent_abort(c("{.arg num_oov_indices} greater than 1 is not supported for strings.",
                          i = "Keras hashes OOV strings with FarmHash, which is not available here."), call = call)
      out_dtype <- if (self$invert) "string" else if (self$output_mode == "int") "int32" else config_floatx()
      super$initialize(..., output_dtype = out_dtype)
      if (!is.null(vocabulary)) {
        private$input_vocabulary <- TRUE
        self$set_vocabulary(vocabulary, idf_weights)
      } else if (!is.null(idf_weights)) {
        recurrent_abort("{.arg idf_weights} needs a {.arg vocabulary}.", call = call)
      }
    },
    vocabulary_size = function() private$token_start() + length(private$vocab),
    get_vocabulary = function(include_special_tokens = TRUE) {
      special <- c(if (private$oov_start() == 1) private$mask_value(),
                   rep(self$oov_token, self$num_oov_indices))
      if (!include_special_tokens) return(private$vocab)
      c(special, private$vocab)
    },
    set_vocabulary = function(vocabulary, idf_weights = NULL) {
      call <- NULL
      if (is.list(vocabulary)) vocabulary <- unlist(vocabulary)
      if (!length(vocabulary))
        recurrent_abort("Cannot set an empty {.arg vocabulary}.", call = call)
      vocabulary <- private$as_tokens(vocabulary, "vocabulary")
      if (!is.null(idf_weights) && self$output_mode != "tf_idf")
        recurrent_abort("{.arg idf_weights} can only be set with {.code output_mode = \"tf_idf\"}.", call = call)
      ts <- private$token_start()
      special <- c(if (private$oov_start() == 1) private$mask_value(), rep(self$oov_token, self$num_oov_indices))
      found_special <- length(vocabulary) >= ts && ts > 0 && identical(as.character(vocabulary[seq_len(ts)]), as.character(special))
      tokens <- if (found_special) vocabulary[-seq_len(ts)] else vocabulary
      if (anyDuplicated(tokens))
        recurrent_abort(c("The vocabulary has repeated terms.", x = "Repeated: {.val {unique(tokens[duplicated(tokens)])}}."),
                        call = call)
      if (!is.null(self$mask_token) && self$mask_token %in% tokens)
        recurrent_abort(c("Found the mask token {.val {self$mask_token}} inside {.arg vocabulary}.",
                          i = "Leave the mask and OOV tokens out, or put them first in this order: {.val {special}}."), call = call)
      if (!is.null(self$max_tokens) && ts + length(tokens) > self$max_tokens)
        recurrent_abort(c("The vocabulary is larger than {.arg max_tokens}.",
                          x = "It has {ts + length(tokens)} entries with the special tokens; {.arg max_tokens} is {self$max_tokens}."),
                        call = call)
      private$vocab <- tokens
      if (self$output_mode == "tf_idf") {
        if (is.null(idf_weights)) {
          if (isTRUE(private$input_vocabulary) && is.null(private$idf))
            recurrent_abort("{.code output_mode = \"tf_idf\"} with a {.arg vocabulary} needs {.arg idf_weights}.", call = call)
        } else {
          idf_weights <- as.numeric(unlist(idf_weights))
          if (length(idf_weights) != length(vocabulary))
            recurrent_abort(c("{.arg idf_weights} must have one weight per vocabulary entry.",
                              x = "Got {length(idf_weights)} weights for {length(vocabulary)} entries."), call = call)
          private$idf <- if (found_special) idf_weights else c(rep(mean(idf_weights), ts), idf_weights)
        }
      }
      invisible(self)
    },
    adapt = function(data, batch_size = NULL, steps = NULL) {
      if (isTRUE(private$input_vocabulary))
        recurrent_abort("Layer {.val {self$name}} was given a {.arg vocabulary}; it cannot also be adapted.", call = NULL)
      docs <- adapt_batches(data, steps, function(x) private$as_documents(x))
      private$learn(docs)
      invisible(self)
    },
    call = function(inputs) {
      if (self$invert) {
        x <- host_value(inputs)
        if (!is.numeric(x) || anyNA(x) || any(x != trunc(x)))
          recurrent_abort(c("With {.code invert = TRUE}, inputs of layer {.val {self$name}} must be whole-number indices.",
                            x = "Got {describe_value(x)}."), call = NULL)
        return(private$invert_lookup(x))
      }
      x <- private$as_tokens(inputs, "inputs")
      private$encode(private$lookup(x), dim(inputs) %||% length(inputs))
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      if (self$output_mode == "int") return(s)
      depth <- private$depth(strict = FALSE)
      if (self$output_mode == "one_hot" && (length(s) == 1 || !identical(s[[length(s)]], 1L))) return(c(s, list(depth)))
      if (!length(s)) return(list(depth))
      c(s[-length(s)], list(depth))
    },
    get_config = function() {
      base <- super$get_config()[c("name", "trainable", "dtype")]
      c(base, list(invert = self$invert, max_tokens = self$max_tokens, num_oov_indices = self$num_oov_indices,
                   oov_token = self$oov_token, mask_token = self$mask_token, output_mode = self$output_mode,
                   sparse = FALSE, pad_to_max_tokens = self$pad_to_max_tokens,
                   vocabulary_dtype = self$vocabulary_dtype,
                   idf_weights = if (self$output_mode == "tf_idf" && length(private$vocab)) private$idf,
                   vocabulary = if (length(private$vocab)) self$get_vocabulary(),
                   vocabulary_size = if (length(private$vocab)) self$vocabulary_size()))
    }
  ),
  private = list(
    vocab = NULL, idf = NULL, input_vocabulary = FALSE,
    oov_start = function() if (!is.null(self$mask_token) && self$output_mode == "int") 1L else 0L,
    token_start = function() private$oov_start() + self$num_oov_indices,
    mask_value = function() self$mask_token,
    as_tokens = function(x, arg) {
      x <- host_value(x)
      if (self$vocabulary_dtype == "string") {
        if (!is.character(x))
          recurrent_abort(c("{.arg {arg}} of layer {.val {self$name}} must be strings.", x = "Got {describe_value(x)}."), call = NULL)
        return(x)
      }
      if (!is.numeric(x) || any(x != trunc(x), na.rm = TRUE))
        recurrent_abort(c("{.arg {arg}} of layer {.val {self$name}} must be whole numbers.", x = "Got {describe_value(x)}."), call = NULL)
      out <- as.integer(x)
      dim(out) <- dim(x)
      out
    },
    # documents for adapt(): a list of token vectors (a row of a matrix is a document)
    as_documents = function(x) {
      x <- private$as_tokens(x, "data")
      d <- dim(x)
      if (is.null(d) || length(d) == 1) return(as.list(as.vector(x)))
      m <- matrix(x, d[1])
      lapply(seq_len(d[1]), function(i) m[i, ])
    },
    learn = function(docs) {
      tokens <- unlist(docs, use.names = FALSE)
      drop <- c(self$mask_token, self$oov_token)
      tokens <- tokens[!tokens %in% drop]
      vocab <- rank_tokens(tokens)
      if (!is.null(self$max_tokens)) vocab <- utils::head(vocab, self$max_tokens - private$token_start())
      private$vocab <- vocab
      if (self$output_mode == "tf_idf") {
        doc_counts <- tabulate(match(unlist(lapply(docs, unique), use.names = FALSE), vocab), length(vocab))
        idf <- log(1 + length(docs) / (1 + doc_counts))
        private$idf <- c(rep(if (length(idf)) mean(idf) else 0, private$token_start()), idf)
      }
    },
    lookup = function(x) {
      pos <- match(x, private$vocab)
      idx <- private$token_start() + pos - 1L
      oov <- is.na(pos)
      if (!is.null(self$mask_token)) {
        is_mask <- !is.na(x) & x == self$mask_token
        oov <- oov & !is_mask
        idx[is_mask] <- if (self$output_mode == "int") 0L else -1L
      }
      if (any(oov)) {
        n_oov <- self$num_oov_indices
        if (n_oov == 0)
          recurrent_abort(c("With {.code num_oov_indices = 0} every input must be in the vocabulary.",
                            x = "Found {.val {utils::head(unique(x[oov]), 5)}}.", i = "Set {.code num_oov_indices = 1}."), call = NULL)
        idx[oov] <- if (n_oov == 1) private$oov_start() else private$oov_start() + as.integer(x[oov]) %% n_oov
      }
      idx
    },
    invert_lookup = function(x) {
      vocab <- self$get_vocabulary()
      out <- vocab[x + 1L]
      out[is.na(out) | x < 0] <- self$oov_token
      array(out, dim(x) %||% length(x))
    },
    depth = function(strict = TRUE) {
      if (self$pad_to_max_tokens) return(self$max_tokens)
      if (!length(private$vocab)) {
        if (!strict) return(NULL)
        recurrent_abort(c("Layer {.val {self$name}} has no vocabulary yet.",
                          i = "Pass a {.arg vocabulary}, or call {.fn adapt} on some data first."), call = NULL)
      }
      self$vocabulary_size()
    },
    encode = function(idx, d) {
      if (self$output_mode == "int") return(as_tensor(array(idx, d), "int32"))
      depth <- private$depth()
      out <- encode_categorical(array(idx, d), self$output_mode, depth)
      if (self$output_mode == "tf_idf") {
        w <- c(private$idf, rep(0, max(0, depth - length(private$idf))))[seq_len(depth)]
        out <- if (is.null(dim(out))) out * w else sweep(out, length(dim(out)), w, `*`)
      }
      as_tensor(out, self$dtype)
    }
  )
)

# Tokens by descending count; equal counts put the larger token first (Keras sorts
# with np.lexsort((tokens, counts))[::-1], comparing strings by their bytes).
rank_tokens <- function(tokens) {
  if (!length(tokens)) return(tokens[0])
  tab <- table(tokens)
  keys <- names(tab)
  if (is.numeric(tokens)) keys <- as.integer(keys)
  ord <- order(-as.integer(tab), keys, decreasing = c(FALSE, TRUE), method = "radix")
  keys[ord]
}

# Keras's encode_categorical_inputs: rank-1 input is one sample (its tokens), rank-2
# is (samples, tokens); one_hot adds a class axis (replacing a trailing 1). Indices
# below 0 (dropped mask tokens) count for nothing.
encode_categorical <- function(idx, mode, depth) {
  d <- dim(idx) %||% length(idx)
  if (mode == "one_hot") {
    if (length(d) > 1 && d[length(d)] == 1) d <- d[-length(d)]
    v <- as.vector(idx)
    out <- matrix(0, length(v), depth)
    ok <- v >= 0 & v < depth
    out[cbind(which(ok), v[ok] + 1L)] <- 1
    if (length(d) > 1) dim(out) <- c(d, depth)
    return(out)
  }
  if (length(d) > 2)
    recurrent_abort(c("Inputs of rank at most 2 can be encoded as {.val {mode}}.", x = "Got rank {length(d)}."), call = NULL)
  m <- if (length(d) == 1) matrix(idx, 1) else matrix(idx, d[1])
  out <- matrix(0, nrow(m), depth)
  for (i in seq_len(nrow(m))) {
    v <- m[i, ]
    v <- v[v >= 0 & v < depth]
    counts <- tabulate(v + 1L, depth)
    out[i, ] <- if (mode == "multi_hot") as.numeric(counts > 0) else counts
  }
  if (length(d) == 1) out[1, ] else out
}

check_choice <- function(x, choices, arg, call = NULL) {
  if (!is.character(x) || length(x) != 1 || !x %in% choices)
    recurrent_abort(c("{.arg {arg}} must be one of {.val {choices}}.", x = "Got {describe_value(x)}."), call = call)
  x
}

# The batches adapt() learns from: an array or vector is one batch; a dataset's
# elements (their inputs, for list(x, y) elements) are taken in turn.
adapt_batches <- function(data, steps, to_docs) {
  steps <- check_count(steps, arg = "steps", call = NULL, min = 1, null_ok = TRUE)
  if (is_dataset(data)) {
    it <- as_iterator(data)
    n <- min(it$n, steps %||% it$n)
    out <- list()
    for (i in seq_len(n)) {
      el <- iter_next(it)
      if (is.list(el) && !is.object(el) && length(el) %in% 2:3) el <- el[[1]]
      out <- c(out, to_docs(el))
    }
    return(out)
  }
  to_docs(data)
}

#' Look up strings or integers in a vocabulary
#'
#' `layer_string_lookup()` maps strings, and `layer_integer_lookup()` whole
#' numbers, to indices in a vocabulary (or, with `output_mode` other than
#' `"int"`, to one-hot, multi-hot, count or TF-IDF vectors), with Keras's
#' conventions: in `"int"` mode the mask token (if any) has index 0, then come
#' `num_oov_indices` out-of-vocabulary indices, then the vocabulary. A
#' vocabulary is given (`vocabulary`, [set_vocabulary()]) or learned with
#' [adapt()], which orders the tokens by descending frequency (ties: the
#' larger token first, as Keras) and keeps at most `max_tokens` entries
#' including the special tokens. With `invert = TRUE` the layer maps indices
#' back to tokens.
#'
#' The layers compute in R and work on R vectors and arrays outside a model,
#' or inside one on a `keras_input(dtype = "string")` (strings) or integer
#' input; they have no trainable weights.
#'
#' @inheritParams layer_dense
#' @param max_tokens `NULL` or the largest vocabulary size, special tokens
#'   included.
#' @param num_oov_indices Whole number of out-of-vocabulary indices (default
#'   1; 0 makes unknown inputs an error; more than 1 hashes integers with
#'   their value modulo `num_oov_indices`, and is not supported for strings).
#' @param mask_token `NULL` (default) or the token that marks padding (index
#'   0 in `"int"` mode, ignored in the other modes).
#' @param oov_token The token [get_vocabulary()] shows for OOV indices:
#'   `"[UNK]"` (strings) or `-1` (integers).
#' @param vocabulary `NULL`, or a character (integer) vector of tokens, with
#'   or without the special tokens first.
#' @param idf_weights With `output_mode = "tf_idf"` and a `vocabulary`: one
#'   inverse document frequency per vocabulary entry.
#' @param invert Logical: map indices to tokens instead.
#' @param output_mode `"int"` (indices, the default), `"one_hot"`,
#'   `"multi_hot"`, `"count"` or `"tf_idf"`.
#' @param pad_to_max_tokens Logical: in the vector modes, make the output
#'   `max_tokens` wide even when the vocabulary is smaller.
#' @param sparse Must be `FALSE` (outputs are dense).
#' @param encoding Accepted for compatibility: R strings are UTF-8.
#' @param name `NULL` or the layer's name.
#' @param vocabulary_dtype For `layer_integer_lookup()`: `"int64"` (or
#'   `"int32"`).
#' @param ... Standard layer arguments (`name`, ...).
#' @returns See `object`.
#' @examples
#' vocab <- c("a", "b", "c", "d")
#' lookup <- layer_string_lookup(vocabulary = vocab)
#' lookup(rbind(c("a", "c", "d"), c("d", "z", "b")))   # 1 3 4 / 4 0 2 (z is OOV)
#'
#' lookup <- layer_string_lookup()
#' adapt(lookup, c("c", "a", "c", "b", "c", "b"))
#' get_vocabulary(lookup)   # "[UNK]" "c" "b" "a"
#'
#' ids <- layer_integer_lookup(vocabulary = c(12, 36, 1138, 42))
#' ids(c(12, 1138, 42, 7))     # 1 3 4 0
#' @export
layer_string_lookup <- function(object, max_tokens = NULL, num_oov_indices = 1L, mask_token = NULL,
                                oov_token = "[UNK]", vocabulary = NULL, idf_weights = NULL, invert = FALSE,
                                output_mode = "int", pad_to_max_tokens = FALSE, sparse = FALSE,
                                encoding = "utf-8", name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(StringLookup, object, list(max_tokens = max_tokens, num_oov_indices = num_oov_indices,
                                          mask_token = mask_token, oov_token = oov_token, vocabulary = vocabulary,
                                          idf_weights = idf_weights, invert = invert, output_mode = output_mode,
                                          pad_to_max_tokens = pad_to_max_tokens, sparse = sparse, encoding = encoding,
                                          name = name, ...))
}

StringLookup <- R6::R6Class("StringLookup",
  inherit = IndexLookup,
  lock_objects = FALSE,
  public = list(
    encoding = "utf-8",
    initialize = function(..., encoding = "utf-8") {
      self$encoding <- encoding
      super$initialize(..., vocabulary_dtype = "string")
    },
    get_config = function() {
      cfg <- super$get_config()
      cfg$vocabulary_dtype <- NULL
      c(cfg, list(encoding = self$encoding))
    }
  ),
  private = list(.s3_class = "keras.src.layers.preprocessing.string_lookup.StringLookup")
)
attr(layer_string_lookup, "r6_class") <- StringLookup

#' @rdname layer_string_lookup
#' @export
layer_integer_lookup <- function(object, max_tokens = NULL, num_oov_indices = 1L, mask_token = NULL,
                                 oov_token = -1L, vocabulary = NULL, vocabulary_dtype = "int64", idf_weights = NULL,
                                 invert = FALSE, output_mode = "int", sparse = FALSE, pad_to_max_tokens = FALSE,
                                 name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  check_choice(vocabulary_dtype, c("int64", "int32"), "vocabulary_dtype")
  create_layer(IntegerLookup, object, list(max_tokens = max_tokens, num_oov_indices = num_oov_indices,
                                           mask_token = mask_token, oov_token = oov_token, vocabulary = vocabulary,
                                           vocabulary_dtype = vocabulary_dtype, idf_weights = idf_weights,
                                           invert = invert, output_mode = output_mode, sparse = sparse,
                                           pad_to_max_tokens = pad_to_max_tokens, name = name, ...))
}

IntegerLookup <- R6::R6Class("IntegerLookup",
  inherit = IndexLookup,
  lock_objects = FALSE,
  public = list(
    initialize = function(..., mask_token = NULL, oov_token = -1L, vocabulary_dtype = "int64") {
      if (!is.null(mask_token)) mask_token <- as.integer(mask_token)
      super$initialize(..., mask_token = mask_token, oov_token = as.integer(oov_token),
                       vocabulary_dtype = vocabulary_dtype)
    }
  ),
  private = list(.s3_class = "keras.src.layers.preprocessing.integer_lookup.IntegerLookup")
)
attr(layer_integer_lookup, "r6_class") <- IntegerLookup

#' Adapt a preprocessing layer to data
#'
#' `adapt()` computes a preprocessing layer's state from data: the
#' vocabulary of [layer_text_vectorization()], [layer_string_lookup()] and
#' [layer_integer_lookup()] (and their inverse document frequencies in
#' `"tf_idf"` mode), the bin boundaries of [layer_discretization()], the mean
#' and variance of [layer_normalization()]. `get_vocabulary()` and
#' `set_vocabulary()` read and set a lookup layer's vocabulary.
#'
#' @param object A preprocessing layer.
#' @param data An R vector, matrix or array (a character vector of documents
#'   for text), or a dataset (its inputs are used).
#' @param batch_size Accepted for compatibility (R arrays are read at once).
#' @param steps `NULL` or the number of dataset batches to read.
#' @param ... Unused.
#' @param include_special_tokens Logical: include the mask and OOV tokens
#'   (then a token's position minus 1 is its index).
#' @param vocabulary A character (integer) vector of tokens.
#' @param idf_weights With `output_mode = "tf_idf"`: a weight per token.
#' @returns `adapt()` and `set_vocabulary()`: `object`, invisibly.
#'   `get_vocabulary()`: a character (or integer) vector.
#' @examples
#' vectorizer <- layer_text_vectorization(output_mode = "int")
#' adapt(vectorizer, c("The cat sat.", "The dog sat on the cat!"))
#' get_vocabulary(vectorizer)
#' vectorizer(c("the dog", "a cat"))
#' @export
adapt <- function(object, data, ..., batch_size = NULL, steps = NULL) {
  check_dots_empty(list(...))
  layer <- unwrap_layer(object)
  if (!inherits(layer, "PreprocessingBase"))
    recurrent_abort(c("{.arg object} must be a preprocessing layer.", x = "Got {.cls {class(layer)[1]}}."))
  layer$adapt(data, batch_size = batch_size, steps = steps)
  invisible(object)
}

#' @rdname adapt
#' @export
get_vocabulary <- function(object, include_special_tokens = TRUE) {
  layer <- unwrap_layer(object)
  if (!is.function(layer$get_vocabulary))
    recurrent_abort(c("{.arg object} must be a lookup or text vectorization layer.", x = "Got {.cls {class(layer)[1]}}."))
  layer$get_vocabulary(include_special_tokens = check_flag(include_special_tokens))
}

#' @rdname adapt
#' @export
set_vocabulary <- function(object, vocabulary, idf_weights = NULL, ...) {
  check_dots_empty(list(...))
  layer <- unwrap_layer(object)
  if (!is.function(layer$set_vocabulary))
    recurrent_abort(c("{.arg object} must be a lookup or text vectorization layer.", x = "Got {.cls {class(layer)[1]}}."))
  layer$set_vocabulary(vocabulary, idf_weights)
  invisible(object)
}
