# Variables: named tensors that layers own and optimizers update in place. The C++
# side keeps the values (a leaf tensor that wants gradients when trainable); this R6
# object keeps what R code asks about (name, path, trainable, regularizer, constraint).

Variable <- R6::R6Class("recurrent_variable",
  cloneable = TRUE,
  public = list(
    handle = NULL,
    name = NULL,
    path = NULL,
    regularizer = NULL,
    constraint = NULL,
    initialize = function(value, name = "variable", trainable = TRUE, dtype = NULL,
                          regularizer = NULL, constraint = NULL, path = name) {
      self$handle <- cpp_variable(value, dtype)
      self$name <- name
      self$path <- path
      self$regularizer <- regularizer
      self$constraint <- constraint
      private$.trainable <- isTRUE(trainable)
      cpp_set_trainable(self$handle, private$.trainable)
    },
    assign = function(value) {
      cpp_assign(self$handle, value)
      invisible(self)
    },
    assign_add = function(value) self$assign(op_add(self$handle, value)),
    assign_sub = function(value) self$assign(op_subtract(self$handle, value)),
    numpy = function() cpp_to_r(self$handle),
    print = function(...) {
      cat(format.recurrent_variable(self), "\n", sep = "")
      invisible(self)
    }
  ),
  active = list(
    value = function() cpp_detach(self$handle),
    shape = function() as.list(cpp_shape(self$handle)),
    dtype = function() cpp_dtype(self$handle),
    trainable = function(value) {
      if (missing(value)) return(private$.trainable)
      private$.trainable <- isTRUE(value)
      cpp_set_trainable(self$handle, private$.trainable)
    }
  ),
  private = list(
    .trainable = TRUE,
    # a deep clone owns a copy of the values, not a second handle on the same buffer
    deep_clone = function(name, value) {
      if (name == "handle") cpp_variable(value, NULL) else value
    }
  )
)

new_variable <- function(value, name = "variable", trainable = TRUE, dtype = NULL,
                         regularizer = NULL, constraint = NULL, path = name) {
  v <- Variable$new(value, name = name, trainable = trainable, dtype = dtype,
                    regularizer = regularizer, constraint = constraint, path = path)
  class(v) <- c("recurrent_variable", "keras.src.backend.Variable", "R6")
  v
}

#' @export
format.recurrent_variable <- function(x, ...) {
  shp <- cpp_shape(x$handle)
  sprintf("<Variable path=%s, shape=(%s), dtype=%s, value=%s>", x$path, paste(shp, collapse = ", "),
          cpp_dtype(x$handle), gsub("\n\\s*", " ", format_tensor_values(x$handle)))
}

#' @export
as.array.recurrent_variable <- function(x, ...) cpp_to_r(x$handle)

#' @export
as.numeric.recurrent_variable <- function(x, ...) as.numeric(cpp_to_r(x$handle))

#' @export
as.double.recurrent_variable <- function(x, ...) as.double(cpp_to_r(x$handle))

#' @export
dim.recurrent_variable <- function(x) cpp_shape(x$handle)

#' @export
length.recurrent_variable <- function(x) as.integer(prod(cpp_shape(x$handle)))

#' @export
all.equal.recurrent_variable <- function(target, current, ...) {
  if (op_is_tensor(current)) current <- as.array(current)
  all.equal(cpp_to_r(target$handle), current, ...)
}

# Ops/Math on variables reuse the tensor methods (see tensor-generics.R): R warns about
# incompatible methods unless both operands' classes resolve to the same function.
