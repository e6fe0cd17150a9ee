# Model() constructors take initialize()'s arguments directly, as keras3's do
# (`SubclassedModel(10)` passes 10 to initialize()); unlike Layer() constructors
# there is no `object` to compose with.

as_model_constructor <- function(layer_ctor) {
  gen <- attr(layer_ctor, "r6_class")
  fmls <- formals(layer_ctor)
  ctor <- function() {
    args <- capture_supplied_args(environment(), sys.function())
    create_layer(gen, NULL, args)
  }
  formals(ctor) <- fmls[names(fmls) != "object"]
  environment(ctor) <- list2env(list(gen = gen), parent = asNamespace("recurrent"))
  attr(ctor, "r6_class") <- gen
  class(ctor) <- c("recurrent_model_constructor", "recurrent_layer_constructor", "function")
  ctor
}
