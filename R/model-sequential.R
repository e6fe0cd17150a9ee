# Sequential models: a list of layers modified in place. With a known input (from
# input_shape or a first layer's legacy input_shape), each added layer is called on
# the previous layer's symbolic output, so it is built at once and summary() knows
# every output shape; otherwise the model builds on its first call.

Sequential <- R6::R6Class("Sequential",
  inherit = ModelBase,
  lock_objects = FALSE,
  lock_class = FALSE,
  public = list(
    initialize = function(layers = list(), name = NULL, trainable = TRUE, input_layer = NULL,
                          input_batch_shape = NULL, input_dtype = NULL, ...) {
      super$initialize(name = name, trainable = trainable, ...)
      private$.layers <- list()
      private$.sym_outputs <- list()
      if (is.null(input_layer) && !is.null(input_batch_shape))
        input_layer <- make_input_layer(batch_shape = input_batch_shape, dtype = input_dtype, call = NULL)
      if (!is.null(input_layer)) private$set_input_layer(input_layer)
      for (l in layers) {
        # entries of a get_config() list are rebuilt from their own config
        if (is.list(l) && !is.object(l) && !is.null(l$config)) l <- from_config(l$config)
        self$add(l)
      }
    },

    add = function(layer, rebuild = TRUE) {
      if (inherits(layer, "recurrent_symbolic_tensor") && inherits(layer$node$layer, "InputLayer")) {
        layer <- layer$node$layer
      }
      if (!is_layer(layer))
        cli::cli_abort(c("Only layers can be added to a sequential model.", x = "Got {.obj_type_friendly {layer}}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      layer <- unwrap_layer(layer)
      if (inherits(layer, "InputLayer")) {
        if (length(private$.layers) || !is.null(private$.input_layer))
          cli::cli_abort("An input can only be added to an empty sequential model.",
                         class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
        private$set_input_layer(layer)
        return(invisible(self))
      }
      taken <- vapply(private$.layers, function(l) l$name, "")
      if (layer$name %in% taken)
        cli::cli_abort(c("All layers of a sequential model need distinct names.",
                         x = "{.val {layer$name}} is already the name of a layer in model {.val {self$name}}.",
                         i = "Give the layer another {.arg name}."),
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      lp <- layer_private(layer)
      if (!length(private$.layers) && is.null(private$.input_layer) && !is.null(lp$.input_shape_arg)) {
        private$set_input_layer(make_input_layer(batch_shape = c(list(lp$.batch_size_arg), lp$.input_shape_arg),
                                                 call = NULL))
      }
      private$.layers[[length(private$.layers) + 1L]] <- layer
      if (!is.null(private$.input_layer) && isTRUE(rebuild)) {
        rlang::try_fetch(private$extend_graph(), error = function(cnd) {
          private$.layers[[length(private$.layers)]] <- NULL
          rlang::cnd_signal(cnd)
        })
      }
      invisible(self)
    },

    pop = function(rebuild = TRUE) {
      n <- length(private$.layers)
      if (n == 0)
        cli::cli_abort("Model {.val {self$name}} has no layers to remove.",
                       class = c("recurrent_error_argument", "recurrent_error"), call = NULL)
      layer <- private$.layers[[n]]
      private$.layers[[n]] <- NULL
      if (length(private$.sym_outputs) >= n) private$.sym_outputs[[n]] <- NULL
      invisible(wrap_layer(layer))
    },

    call = function(inputs, training = NULL, mask = NULL) {
      x <- inputs
      if (!is.null(mask)) x <- set_keras_mask(x, as_mask_tensor(mask))
      for (l in private$.layers) x <- eager_call(l, x)
      x
    },

    build = function(input_shape = NULL) {
      if (is.null(private$.input_layer) && !is.null(input_shape)) {
        # the batch size of the first call is not a property of the model
        s <- as_shape_list(input_shape)
        s[1] <- list(NULL)
        private$set_input_layer(make_input_layer(batch_shape = s, call = NULL))
      }
      invisible()
    },

    tracked_layers = function() private$.layers,
    list_layers = function() private$.layers,
    output_shape_of = function(i) {
      if (i > length(private$.sym_outputs)) return(NULL)
      private$.sym_outputs[[i]]
    },
    get_config = function() {
      il <- private$.input_layer
      list(name = self$name, trainable = self$trainable,
           layers = lapply(private$.layers, function(l) {
             list(class_name = class(l)[1], config = get_config(wrap_layer(l)))
           }),
           input_batch_shape = if (!is.null(il)) il$batch_shape,
           input_dtype = if (!is.null(il)) il$dtype)
    }
  ),

  active = list(
    inputs = function() if (!is.null(private$.input_layer)) list(private$.input_layer$output),
    outputs = function() {
      n <- length(private$.layers)
      if (is.null(private$.input_layer)) return(NULL)
      if (n == 0) return(list(private$.input_layer$output))
      out <- private$.sym_outputs[[n]]
      if (inherits(out, "recurrent_symbolic_tensor")) list(out) else out
    },
    input = function() {
      if (is.null(private$.input_layer)) layer_no_node_error(self, "input")
      private$.input_layer$output
    },
    output = function() {
      outs <- self$outputs
      if (is.null(outs)) layer_no_node_error(self, "output")
      if (length(outs) == 1) outs[[1]] else outs
    },
    input_layer = function() private$.input_layer
  ),

  private = list(
    .layers = NULL,
    .input_layer = NULL,
    .sym_outputs = NULL,
    .s3_class = c("recurrent_sequential", "keras.src.models.sequential.Sequential", "recurrent_model",
                  "keras.src.models.model.Model"),
    set_input_layer = function(input_layer) {
      private$.input_layer <- input_layer
      private$.sym_outputs <- list()
      self$built <- TRUE
      private$extend_graph()
    },
    # call each layer without a symbolic output yet on the previous one's output
    extend_graph = function() {
      x <- private$.input_layer$output
      n <- length(private$.layers)
      if (n == 0) return(invisible())
      for (i in seq_len(n)) {
        if (i <= length(private$.sym_outputs) && !is.null(private$.sym_outputs[[i]])) {
          x <- private$.sym_outputs[[i]]
          next
        }
        x <- symbolic_call(private$.layers[[i]], x)
        private$.sym_outputs[[i]] <- x
      }
      invisible()
    },
    convert_inputs = function(x) {
      il <- private$.input_layer
      if (is.null(il)) return(convert_call_input(x, self$dtype))
      convert_model_input(conform_model_input(x, il$batch_shape, self$name), il$dtype)
    }
  )
)

#' Make a sequential model
#'
#' A sequential model is a stack of layers, each called on the previous one's
#' output. Add layers by piping the model into `layer_*()` functions (`|>` or
#' `%>%`): the model is modified in place and returned invisibly, so
#' `model |> layer_dense(4)` changes `model` even without reassignment.
#'
#' With `input_shape` (or another `input_*` argument) the model is built at
#' once and every layer's output shape is known; without it the model is
#' built on its first call.
#'
#' @param input_shape The shape of one sample, without the batch dimension
#'   (`NA` for unknown dimensions), or `NULL`.
#' @param name `NULL` (automatic: `sequential`, `sequential_1`, ...) or a
#'   string.
#' @param ... Legacy input arguments: `batch_size`, `batch_shape`,
#'   `batch_input_shape`, `dtype`, `shape` (renamed to their `input_*`
#'   forms).
#' @param input_dtype `NULL` (default [config_floatx()]) or the dtype of the
#'   input, such as `"int32"` for token ids.
#' @param input_batch_size `NULL` or a fixed batch size (needed by stateful
#'   recurrent layers).
#' @param input_sparse,input_ragged,input_tensor,input_optional Not supported
#'   (`NULL`/`FALSE`).
#' @param input_batch_shape The full input shape including the batch
#'   dimension, instead of `input_shape` and `input_batch_size`.
#' @param input_name `NULL` or a name for the input.
#' @param trainable Logical, default `TRUE`.
#' @param layers A list of layers to add.
#' @returns A sequential model (class `recurrent_sequential`,
#'   `recurrent_model`).
#' @examples
#' model <- keras_model_sequential(input_shape = c(10, 8))
#' model |> layer_dense(16, activation = "relu") |> layer_dense(1)
#' model
#' length(model$layers)
#' @export
keras_model_sequential <- function(input_shape = NULL, name = NULL, ..., input_dtype = NULL,
                                   input_batch_size = NULL, input_sparse = NULL, input_ragged = NULL,
                                   input_batch_shape = NULL, input_name = NULL, input_tensor = NULL,
                                   input_optional = FALSE, trainable = TRUE, layers = list()) {
  call <- rlang::current_env()
  if (is_layer(input_shape) || (is.list(input_shape) && length(input_shape) && all(vapply(input_shape, is_layer, TRUE))))
    cli::cli_abort("{.arg layers} must be passed in as a named argument.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  dots <- list(...)
  if (length(dots)) {
    nms <- names(dots)
    if (is.null(nms) || any(nms == ""))
      cli::cli_abort("All arguments provided to {.arg ...} must be named.",
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    legacy <- c(batch_size = "input_batch_size", batch_shape = "input_batch_shape",
                batch_input_shape = "input_batch_shape", dtype = "input_dtype", shape = "input_shape",
                input_dim = "input_shape")
    unknown <- setdiff(nms, names(legacy))
    if (length(unknown))
      cli::cli_abort("Unrecognized arguments passed to {.fn keras_model_sequential}: {.arg {unknown}}.",
                     class = c("recurrent_error_argument", "recurrent_error"), call = call)
    for (nm in nms) assign(legacy[[nm]], dots[[nm]])
  }
  if (isTRUE(input_sparse) || isTRUE(input_ragged) || !is.null(input_tensor) || isTRUE(input_optional))
    cli::cli_abort("Sparse, ragged, optional and tensor-backed inputs are not supported.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  input_layer <- NULL
  if (!is.null(input_shape) || !is.null(input_batch_shape)) {
    input_layer <- make_input_layer(shape = input_shape, batch_size = input_batch_size, dtype = input_dtype,
                                    batch_shape = input_batch_shape, name = input_name, call = call)
  } else if (!is.null(input_batch_size) || !is.null(input_dtype)) {
    cli::cli_abort("{.arg input_batch_size} and {.arg input_dtype} need {.arg input_shape} too.",
                   class = c("recurrent_error_argument", "recurrent_error"), call = call)
  }
  if (!is.list(layers)) layers <- list(layers)
  model <- Sequential$new(layers = layers, name = name, trainable = trainable, input_layer = input_layer)
  layer_private(model)$.generator <- Sequential
  wrap_layer(model)
}
