# layer_text_vectorization(): standardize, split, n-grams, then a string lookup
# (Keras's TextVectorization), computed in R on character vectors.

TextVectorization <- R6::R6Class("TextVectorization",
  inherit = PreprocessingBase,
  lock_objects = FALSE,
  public = list(
    standardize = NULL, split = NULL, ngrams = NULL, output_mode = "int", output_sequence_length = NULL,
    ragged = FALSE, encoding = "utf-8",
    initialize = function(max_tokens = NULL, standardize = "lower_and_strip_punctuation", split = "whitespace",
                          ngrams = NULL, output_mode = "int", output_sequence_length = NULL,
                          pad_to_max_tokens = FALSE, vocabulary = NULL, idf_weights = NULL, sparse = FALSE,
                          ragged = FALSE, encoding = "utf-8", vocabulary_size = NULL, ...) {
      # vocabulary_size is in Keras's config for information; the vocabulary decides it
      if (!is.function(standardize) && !is.null(standardize))
        check_choice(standardize, c("lower_and_strip_punctuation", "lower", "strip_punctuation"), "standardize")
      if (!is.function(split) && !is.null(split)) check_choice(split, c("whitespace", "character"), "split")
      if (!is.null(ngrams)) {
        if (!is.numeric(ngrams) || anyNA(ngrams) || any(ngrams < 1) || any(ngrams != trunc(ngrams)))
          recurrent_abort(c("{.arg ngrams} must be {.code NULL}, a positive whole number or a vector of them.",
                            x = "Got {describe_value(ngrams)}."), call = NULL)
        if (is.null(split)) recurrent_abort("{.arg ngrams} needs a {.arg split}.", call = NULL)
      }
      check_choice(output_mode, c("int", "multi_hot", "count", "tf_idf"), "output_mode")
      output_sequence_length <- check_count(output_sequence_length, call = NULL, min = 1, null_ok = TRUE)
      if (!is.null(output_sequence_length) && output_mode != "int")
        recurrent_abort("{.arg output_sequence_length} is only used with {.code output_mode = \"int\"}.", call = NULL)
      if (!isFALSE(ragged)) recurrent_abort("{.code ragged = TRUE} is not supported: outputs are padded arrays.", call = NULL)
      self$standardize <- standardize
      self$split <- split
      self$ngrams <- ngrams
      self$output_mode <- output_mode
      self$output_sequence_length <- output_sequence_length
      self$encoding <- encoding
      private$lookup_layer <- StringLookup$new(max_tokens = max_tokens, mask_token = "", vocabulary = vocabulary,
                                               idf_weights = idf_weights, output_mode = output_mode,
                                               pad_to_max_tokens = pad_to_max_tokens, sparse = sparse)
      super$initialize(..., output_dtype = if (output_mode == "int") "int32" else config_floatx())
    },
    get_vocabulary = function(include_special_tokens = TRUE) private$lookup_layer$get_vocabulary(include_special_tokens),
    set_vocabulary = function(vocabulary, idf_weights = NULL) {
      private$lookup_layer$set_vocabulary(vocabulary, idf_weights)
      invisible(self)
    },
    vocabulary_size = function() private$lookup_layer$vocabulary_size(),
    adapt = function(data, batch_size = NULL, steps = NULL) {
      if (isTRUE(private$lookup_layer$.__enclos_env__$private$input_vocabulary))
        recurrent_abort("Layer {.val {self$name}} was given a {.arg vocabulary}; it cannot also be adapted.", call = NULL)
      docs <- adapt_batches(data, steps, function(x) private$tokenize(private$as_strings(x, "data")))
      private$lookup_layer$.__enclos_env__$private$learn(docs)
      invisible(self)
    },
    call = function(inputs) {
      docs <- private$tokenize(private$as_strings(inputs, "inputs"))
      lk <- private$lookup_layer
      lp <- lk$.__enclos_env__$private
      if (self$output_mode == "int") {
        ids <- lapply(docs, lp$lookup)
        len <- self$output_sequence_length %||% max(c(0L, lengths(ids)))
        return(as_tensor(pad_sequences(ids, maxlen = len, padding = "post", truncating = "post"), "int32"))
      }
      depth <- lp$depth()
      out <- matrix(0, length(docs), depth)
      for (i in seq_along(docs)) {
        counts <- tabulate(lp$lookup(docs[[i]]) + 1L, depth)
        out[i, ] <- if (self$output_mode == "multi_hot") as.numeric(counts > 0) else counts
      }
      if (self$output_mode == "tf_idf") {
        w <- c(lp$idf, rep(0, max(0, depth - length(lp$idf))))[seq_len(depth)]
        out <- sweep(out, 2, w, `*`)
      }
      as_tensor(out, self$dtype)
    },
    compute_output_shape = function(input_shape) {
      s <- as_shape_list(input_shape)
      batch <- if (length(s)) s[1] else list(NULL)
      if (self$output_mode == "int") return(c(batch, list(self$output_sequence_length)))
      c(batch, list(private$lookup_layer$.__enclos_env__$private$depth(strict = FALSE)))
    },
    get_config = function() {
      lk <- private$lookup_layer
      has_vocab <- length(lk$get_vocabulary(FALSE)) > 0
      c(super$get_config()[c("name", "trainable", "dtype")],
        list(max_tokens = lk$max_tokens,
             standardize = if (is.function(self$standardize)) "<R function>" else self$standardize,
             split = if (is.function(self$split)) "<R function>" else self$split,
             ngrams = self$ngrams, output_mode = self$output_mode,
             output_sequence_length = self$output_sequence_length, pad_to_max_tokens = lk$pad_to_max_tokens,
             sparse = FALSE, ragged = FALSE,
             vocabulary = if (has_vocab) lk$get_vocabulary(FALSE),
             idf_weights = if (has_vocab && self$output_mode == "tf_idf") lk$.__enclos_env__$private$idf[-1],
             encoding = self$encoding, vocabulary_size = lk$vocabulary_size()))
    }
  ),
  private = list(
    lookup_layer = NULL,
    .s3_class = "keras.src.layers.preprocessing.text_vectorization.TextVectorization",
    # documents: a character vector, or a (n, 1) array of them
    as_strings = function(x, arg) {
      x <- host_value(x)
      if (is.list(x) && !is.object(x)) x <- unlist(x)
      if (!is.character(x))
        recurrent_abort(c("{.arg {arg}} of layer {.val {self$name}} must be strings.", x = "Got {describe_value(x)}."), call = NULL)
      d <- dim(x)
      if (length(d) > 1 && (length(d) > 2 || d[2] != 1))
        recurrent_abort(c("Text inputs must be a character vector or a one-column array.",
                          x = "Got dimensions ({toString(d)})."), call = NULL)
      as.vector(x)
    },
    # standardized documents split into tokens (with n-grams): a list of character vectors
    tokenize = function(x) {
      std <- self$standardize
      if (identical(std, "lower") || identical(std, "lower_and_strip_punctuation")) x <- tolower(x)
      if (identical(std, "strip_punctuation") || identical(std, "lower_and_strip_punctuation"))
        x <- gsub(KERAS_PUNCTUATION, "", x, perl = TRUE)
      if (is.function(std)) x <- std(x)
      sp <- self$split
      tokens <- if (is.null(sp)) {
        as.list(x)
      } else if (is.function(sp)) {
        res <- sp(x)
        if (!is.list(res) || length(res) != length(x))
          recurrent_abort("The {.arg split} function must return a list with one character vector per document.", call = NULL)
        res
      } else if (sp == "whitespace") {
        lapply(strsplit(x, "[[:space:]]+", perl = TRUE), function(t) t[nzchar(t)])
      } else {
        strsplit(x, "")
      }
      if (!is.null(self$ngrams)) {
        widths <- if (length(self$ngrams) == 1) seq_len(self$ngrams) else self$ngrams
        tokens <- lapply(tokens, make_ngrams, widths = widths)
      }
      tokens
    }
  )
)

# Keras's punctuation class r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']' (its `,-\.` is the range , - .)
KERAS_PUNCTUATION <- "[!\"#$%&()\\*\\+,\\-\\./:;<=>?@\\[\\\\\\]^_`{|}~']"

# All n-grams of each width in turn, tokens joined by a space (tf.strings.ngrams).
make_ngrams <- function(tokens, widths) {
  n <- length(tokens)
  unlist(lapply(widths, function(w) {
    if (n < w) return(character())
    if (w == 1) return(tokens)
    starts <- seq_len(n - w + 1L)
    do.call(paste, lapply(seq_len(w) - 1L, function(k) tokens[starts + k]))
  }), use.names = FALSE)
}

#' Turn text into sequences of token ids or into vectors
#'
#' `layer_text_vectorization()` maps documents (strings) to what a model
#' reads, as Keras's TextVectorization: each document is standardized
#' (lower-cased and stripped of ASCII punctuation by default), split into
#' tokens (on whitespace by default), optionally joined into n-grams, and
#' looked up in a vocabulary learned with [adapt()] (by descending
#' frequency) or given with `vocabulary`. In `"int"` mode index 0 is padding
#' (the empty-string mask token) and 1 is out-of-vocabulary (`"[UNK]"`), so
#' `get_vocabulary()` starts with `""` and `"[UNK]"`; in the vector modes the
#' vocabulary starts with `"[UNK]"`.
#'
#' The layer computes in R: call it on a character vector outside a model,
#' or use it in a model on `keras_input(shape = 1, dtype = "string")`.
#'
#' @inheritParams layer_string_lookup
#' @param max_tokens `NULL` or the largest vocabulary size, the special tokens
#'   included.
#' @param standardize `"lower_and_strip_punctuation"` (default), `"lower"`,
#'   `"strip_punctuation"`, `NULL`, or a function from a character vector to
#'   a character vector.
#' @param split `"whitespace"` (default), `"character"`, `NULL` (each
#'   document is one token), or a function from a character vector to a list
#'   of character vectors of tokens.
#' @param ngrams `NULL`, a whole number `n` (all n-grams up to `n`), or a
#'   vector of n-gram widths.
#' @param output_mode `"int"` (token ids), `"multi_hot"`, `"count"` or
#'   `"tf_idf"` (one vector per document).
#' @param output_sequence_length With `"int"`: `NULL` (pad to the longest
#'   document of the call) or the number of ids per document (padded with 0
#'   or truncated at the end).
#' @param pad_to_max_tokens In the vector modes: make the vectors
#'   `max_tokens` wide.
#' @param vocabulary `NULL` or a character vector of tokens.
#' @param idf_weights With `"tf_idf"` and a `vocabulary`: one weight per token.
#' @param ragged Must be `FALSE`.
#' @returns See `object`.
#' @examples
#' texts <- c("The cat sat on the mat.", "The dog ate my homework!")
#' vectorizer <- layer_text_vectorization(max_tokens = 20, output_sequence_length = 6)
#' adapt(vectorizer, texts)
#' get_vocabulary(vectorizer)
#' vectorizer(c("the cat ate", "an unseen word"))
#'
#' # Keras's documented example: a given vocabulary, multi-hot vectors
#' vectorizer <- layer_text_vectorization(vocabulary = c("earth", "wind", "and", "fire"),
#'                                        output_mode = "multi_hot")
#' vectorizer(c("earth wind and fire", "wind and ice"))
#' @export
layer_text_vectorization <- function(object, max_tokens = NULL, standardize = "lower_and_strip_punctuation",
                                     split = "whitespace", ngrams = NULL, output_mode = "int",
                                     output_sequence_length = NULL, pad_to_max_tokens = FALSE, vocabulary = NULL,
                                     idf_weights = NULL, sparse = FALSE, ragged = FALSE, encoding = "utf-8",
                                     name = NULL, ...) {
  object <- if (missing(object)) NULL else object
  create_layer(TextVectorization, object,
               list(max_tokens = max_tokens, standardize = standardize, split = split, ngrams = ngrams,
                    output_mode = output_mode, output_sequence_length = output_sequence_length,
                    pad_to_max_tokens = pad_to_max_tokens, vocabulary = vocabulary, idf_weights = idf_weights,
                    sparse = sparse, ragged = ragged, encoding = encoding, name = name, ...))
}
attr(layer_text_vectorization, "r6_class") <- TextVectorization
