# keras3's own examples and vignette code, run as written (sources noted above each;
# MNIST is replaced by small synthetic data so the tests stay fast and offline).
# Expected values come from base R computations or by hand.

test_that("rnn_cells_stack() example feeds an integer array (keras3 R/layers-recurrent.R)", {
  # --- from keras3's rnn_cells_stack() documentation example ---
  batch_size <- 3
  sentence_length <- 5
  num_features <- 2
  new_shape <- c(batch_size, sentence_length, num_features)
  x <- array(1:30, dim = new_shape)

  rnn_cells <- lapply(1:2, function(x) rnn_cell_lstm(units = 128))
  stacked_lstm <- rnn_cells_stack(rnn_cells)
  lstm_layer <- layer_rnn(cell = stacked_lstm)

  result <- lstm_layer(x)
  # --- end of example ---
  expect_identical(dim(result), c(3L, 128L))
  # the integer array computes as its double values
  expect_equal(as.array(result), as.array(lstm_layer(x * 1.0)))
})

test_that("functional_api vignette: a custom RNN layer indexing inputs[, t, ] around a functional model", {
  # --- from vignettes/functional_api.Rmd ("Mixing and matching API styles"); the
  # classifier's layer_global_average_pooling_1d() is written as op_mean() over the
  # time axis, which is what that layer computes ---
  units <- 32
  timesteps <- 10
  input_dim <- 5

  inputs <- keras_input(shape(NA, units))
  outputs <- inputs |>
    op_mean(axis = 2) |>
    layer_dense(units = 1)

  model <- keras_model(inputs, outputs)

  layer_custom_rnn <- Layer(
    classname = "CustomRNN",
    initialize = function(...) {
      super$initialize(...)
      self$units <- units
      self$projection_1 <- layer_dense(units = units, activation = "tanh")
      self$projection_2 <- layer_dense(units = units, activation = "tanh")
      self$classifier <- model
    },
    call = function(inputs, ...) {
      outputs <- list()
      state <- op_zeros(c(shape(inputs)[[1]], self$units))
      for (t in 1:(shape(inputs)[[2]])) {
        x <- inputs[, t, ]
        h <- self$projection_1(x)
        y <- h + self$projection_2(state)
        state <- y
        outputs[[t]] <- y
      }
      features <- op_stack(outputs, axis = 2)
      self$classifier(features)
    }
  )

  rnn <- layer_custom_rnn()
  out <- rnn(op_zeros(c(1, timesteps, input_dim)))
  # --- end of snippet ---
  # zero inputs and zero biases: every projection is tanh(0) = 0, so the output is
  # the classifier's bias, 0
  expect_equal(as.array(out), matrix(0, 1, 1))
  # on other inputs: the same recurrence in base R from the layers' weights
  set.seed(1)
  a <- array(rnorm(2 * 3 * 5), c(2, 3, 5))
  w1 <- get_weights(rnn$projection_1); w2 <- get_weights(rnn$projection_2); wc <- get_weights(model)
  st <- matrix(0, 2, units); feats <- array(0, c(2, 3, units))
  for (t in 1:3) {
    h <- tanh(a[, t, ] %*% w1[[1]] + matrix(w1[[2]], 2, units, byrow = TRUE))
    y <- h + tanh(st %*% w2[[1]] + matrix(w2[[2]], 2, units, byrow = TRUE))
    st <- y; feats[, t, ] <- y
  }
  expected <- apply(feats, c(1, 3), mean) %*% wc[[1]] + c(wc[[2]])
  expect_equal(as.array(rnn(a)), expected, tolerance = 1e-5)
})

test_that("training_with_built_in_methods vignette: Loss() CustomMSE and Metric() CategoricalTruePositives", {
  set.seed(3)
  x_train <- matrix(runif(40 * 6), 40, 6)
  y_train <- sample(0:3, 40, replace = TRUE)
  get_uncompiled_model <- function() {
    inputs <- keras_input(shape = 6, name = "digits")
    outputs <- inputs |>
      layer_dense(8, activation = "relu") |>
      layer_dense(4, activation = "softmax", name = "predictions")
    keras_model(inputs = inputs, outputs = outputs)
  }

  # --- from vignettes/training_with_built_in_methods.Rmd ("Custom losses") ---
  loss_custom_mse <- Loss(
    classname = "CustomMSE",
    initialize = function(regularization_factor = 0.1, name = "custom_mse") {
      super$initialize(name = name)
      self$regularization_factor <- regularization_factor
    },
    call = function(y_true, y_pred) {
      mse <- op_mean(op_square(y_true - y_pred), axis = -1)
      reg <- op_mean(op_square(0.5 - y_pred), axis = -1)
      mse + reg * self$regularization_factor
    }
  )

  model <- get_uncompiled_model()
  model |> compile(optimizer="adam", loss = loss_custom_mse())

  y_train_one_hot <- op_one_hot(y_train, num_classes=10)
  # --- end of snippet (fit() follows below on 4 classes) ---
  y1 <- as.array(op_one_hot(y_train, num_classes = 4, zero_indexed = TRUE))
  p <- predict(model, x_train, verbose = 0)
  expected <- mean(rowMeans((y1 - p)^2) + rowMeans((0.5 - p)^2) * 0.1)
  expect_equal(evaluate(model, x_train, y1, verbose = 0, batch_size = 40)$loss, expected, tolerance = 1e-5)
  expect_identical(dim(as.array(y_train_one_hot)), c(40L, 10L))
  h <- model |> fit(x_train, y1, batch_size = 8, epochs = 1, verbose = 0)
  expect_true(is.finite(h$metrics$loss))

  # --- from vignettes/training_with_built_in_methods.Rmd ("Custom metrics") ---
  metric_categorical_true_positives <- Metric(
    "CategoricalTruePositives",

    initialize = function(name = "categorical_true_positives", ...) {
      super$initialize(name = name, ...)
      self$true_positives <- self$add_variable(shape = shape(),
                                               name = "ctp",
                                               initializer = "zeros")
    },

    update_state = function(y_true, y_pred, sample_weight = NULL) {
      y_pred <- op_argmax(y_pred, axis = 2) |> op_reshape(c(-1, 1))
      values <- op_cast(y_true, "int32") == op_cast(y_pred, "int32")
      values <- op_cast(values, "float32")
      if (!is.null(sample_weight)) {
        sample_weight <- op_cast(sample_weight, "float32")
        values <- op_multiply(values, sample_weight)
      }
      self$true_positives$assign_add(op_sum(values))
    },

    result = function() {
      self$true_positives$value
    },

    reset_state = function() {
      self$true_positives$assign(0.0)
    }
  )

  model <- get_uncompiled_model()
  model |> compile(
    optimizer = optimizer_rmsprop(learning_rate = 1e-3),
    loss = loss_sparse_categorical_crossentropy(),
    metrics = c(metric_categorical_true_positives())
  )
  history <- model |> fit(x_train, y_train, batch_size = 64, epochs = 3, verbose = 0)
  # --- end of snippet ---
  expect_length(history$metrics$categorical_true_positives, 3)
  # with fixed weights (evaluate, one batch): y_true (40) against argmax (40, 1)
  # broadcasts to 40 x 40 pairs, as in the vignette; argmax is 1-based in keras3
  p <- predict(model, x_train, verbose = 0)
  am <- apply(p, 1, which.max)
  expected_tp <- sum(outer(am, y_train, "=="))
  expect_equal(evaluate(model, x_train, y_train, batch_size = 40, verbose = 0)$categorical_true_positives,
               expected_tp)
})

test_that("writing_your_own_callbacks vignette: a Callback() reading logs", {
  # --- from vignettes/writing_your_own_callbacks.Rmd ("Usage of logs list") ---
  callback_print_loss_and_mae <- Callback(
    "LossAndErrorPrintingCallback",

    on_train_batch_end = function(batch, logs = NULL)
      cat(sprintf("Up to batch %i, the average loss is %7.2f.\n",
                  batch,  logs$loss)),

    on_test_batch_end = function(batch, logs = NULL)
      cat(sprintf("Up to batch %i, the average loss is %7.2f.\n",
                  batch, logs$loss)),

    on_epoch_end = function(epoch, logs = NULL)
      cat(sprintf(
        "The average loss for epoch %2i is %9.2f and mean absolute error is %7.2f.\n",
        epoch, logs$loss, logs$mean_absolute_error
      ))
  )
  # --- end of snippet ---
  model <- keras_model_sequential(input_shape = 1) |> layer_dense(1, kernel_initializer = "zeros")
  compile(model, loss = "mse", optimizer = optimizer_sgd(0), metrics = "mean_absolute_error")
  x <- matrix(1:4); y <- matrix(c(2, 4, 6, 8))
  out <- capture.output(fit(model, x, y, epochs = 1, verbose = 0, batch_size = 2, shuffle = FALSE,
                            callbacks = list(callback_print_loss_and_mae())))
  # zero predictions: batch 1 loss mean(c(4, 16)) = 10; epoch loss mean(y^2) = 30, mae 5
  expect_identical(out[1], "Up to batch 1, the average loss is   10.00.")
  expect_identical(out[3], "The average loss for epoch  1 is     30.00 and mean absolute error is    5.00.")
})

test_that("making_new_layers_and_models_via_subclassing vignette: the VAE Model()", {
  # --- from vignettes/making_new_layers_and_models_via_subclassing.Rmd ---
  layer_sampling <- Layer(
    "Sampling",
    initialize = function(...) {
      super$initialize(...)
      self$seed_generator <- random_seed_generator(1337)
    },
    call = function(inputs) {
      c(z_mean, z_log_var) %<-% inputs
      batch <- op_shape(z_mean)[[1]]
      dim <- op_shape(z_mean)[[2]]
      epsilon <- random_normal(shape = c(batch, dim),
                               seed=self$seed_generator)
      z_mean + op_exp(0.5 * z_log_var) * epsilon
    }
  )

  # Maps MNIST digits to a triplet (z_mean, z_log_var, z).
  layer_encoder <- Layer(
    "Encoder",
    initialize = function(latent_dim = 32, intermediate_dim = 64, ...) {
      super$initialize(...)
      self$dense_proj <-
        layer_dense(units = intermediate_dim,  activation = "relu")
      self$dense_mean <- layer_dense(units = latent_dim)
      self$dense_log_var <- layer_dense(units = latent_dim)
      self$sampling <- layer_sampling()
    },
    call = function(inputs) {
      x <- self$dense_proj(inputs)
      z_mean <- self$dense_mean(x)
      z_log_var <- self$dense_log_var(x)
      z <- self$sampling(list(z_mean, z_log_var))
      list(z_mean, z_log_var, z)
    }
  )

  # Converts z, the encoded digit vector, back into a readable digit.
  layer_decoder <- Layer(
    "Decoder",
    initialize = function(original_dim, intermediate_dim = 64, ...) {
      super$initialize(...)
      self$dense_proj <-
        layer_dense(units = intermediate_dim, activation = "relu")
      self$dense_output <-
        layer_dense(units = original_dim, activation = "sigmoid")
    },
    call = function(inputs) {
      x <- self$dense_proj(inputs)
      self$dense_output(x)
    }
  )

  # Combines the encoder and decoder into an end-to-end model for training.
  VariationalAutoEncoder <- Model(
    "VariationalAutoEncoder",

    initialize = function(original_dim, intermediate_dim = 64, latent_dim = 32,
                          name = "autoencoder", ...) {
      super$initialize(name = name, ...)
      self$original_dim <- original_dim
      self$encoder <- layer_encoder(latent_dim = latent_dim,
                              intermediate_dim = intermediate_dim)
      self$decoder <- layer_decoder(original_dim = original_dim,
                              intermediate_dim = intermediate_dim)
    },

    call = function(inputs) {
      c(z_mean, z_log_var, z) %<-% self$encoder(inputs)
      reconstructed <- self$decoder(z)
      # Add KL divergence regularization loss.
      kl_loss <- -0.5 * op_mean(z_log_var - op_square(z_mean) - op_exp(z_log_var) + 1)
      self$add_loss(kl_loss)
      reconstructed
    }
  )
  # --- end of vignette code (training on 20 random "images" of 16 pixels) ---
  set.seed(4)
  x_train <- matrix(runif(20 * 16), 20, 16)
  vae <- VariationalAutoEncoder(original_dim = 16, intermediate_dim = 8, latent_dim = 4)
  optimizer <- optimizer_adam(learning_rate = 1e-3)
  vae |> compile(optimizer, loss = loss_mean_squared_error())
  h <- vae |> fit(x_train, x_train, epochs = 2, batch_size = 5, verbose = 0)
  expect_length(h$metrics$loss, 2)
  # the KL loss the model adds, recomputed in base R from the encoder's outputs
  rec <- vae(x_train)
  enc <- vae$encoder$dense_proj(x_train)
  zm <- as.array(vae$encoder$dense_mean(enc)); zlv <- as.array(vae$encoder$dense_log_var(enc))
  expect_equal(as.numeric(as.array(vae$losses[[1]])), -0.5 * mean(zlv - zm^2 - exp(zlv) + 1), tolerance = 1e-5)
  expect_identical(dim(as.array(rec)), c(20L, 16L))
})

test_that("keras3 Constraint() documentation example", {
  # --- from keras3 R/Constraint.R ---
  constraint_nonnegative <- Constraint("NonNegative",
    call = function(w) {
      w * op_cast(w >= 0, dtype = w$dtype)
    }
  )
  weight <- op_convert_to_tensor(c(-1, 1))
  res <- constraint_nonnegative()(weight)
  layer <- layer_dense(units = 4, kernel_constraint = constraint_nonnegative())
  # --- end of example ---
  expect_equal(as.numeric(as.array(res)), c(0, 1))
  expect_s3_class(layer, "recurrent_layer")
})

# ---- recurrent-model scripts ---------------------------------------------------------
# Param counts asserted below are the ones Keras printed when these scripts were
# rendered (cited per test); each also follows by hand from the layer formulas:
# LSTM 4 * (in * u + u * u + u), GRU (reset_after) 3 * (in * u + u * u + 2 * u),
# SimpleRNN in * u + u * u + u, Embedding vocab * dim, Dense in * u + u.

test_that("working_with_rnns guide: the models' param counts and outputs", {
  # --- from rstudio/keras3 vignettes-old/new-guides/working_with_rnns.Rmd (commit
  # b61b0c0be; its rendered output, website/articles/new-guides/working_with_rnns.html,
  # prints the counts asserted here). k_random_uniform() is random_uniform() in
  # keras3, and layer_lstm_cell() is rnn_cell_lstm(). ---
  model <- keras_model_sequential() %>%
    layer_embedding(input_dim = 1000, output_dim = 64) %>%
    layer_lstm(128) %>%
    layer_dense(10)
  out <- model(matrix(c(1, 5, 999, 0), 2, 2))
  expect_identical(dim(out), c(2L, 10L))
  expect_equal(vapply(model$layers, count_params, 1), c(64000, 98816, 1290))

  model <- keras_model_sequential() %>%
    layer_embedding(input_dim = 1000, output_dim = 64) %>%
    layer_gru(256, return_sequences = TRUE) %>%
    layer_simple_rnn(128) %>%
    layer_dense(10)
  model(matrix(1:6, 2, 3))
  expect_equal(vapply(model$layers, count_params, 1), c(64000, 247296, 49280, 1290))
  expect_equal(count_params(model), 361866)

  encoder_vocab <- 1000
  decoder_vocab <- 2000
  encoder_input <- layer_input(shape(NULL))
  encoder_embedded <- encoder_input %>%
    layer_embedding(input_dim = encoder_vocab, output_dim = 64)
  c(output, state_h, state_c) %<-%
    layer_lstm(encoder_embedded, units = 64, return_state = TRUE, name = "encoder")
  encoder_state <- list(state_h, state_c)
  decoder_input <- layer_input(shape(NULL))
  decoder_embedded <- decoder_input %>%
    layer_embedding(input_dim = decoder_vocab, output_dim = 64)
  decoder_lstm_layer <- layer_lstm(units = 64, name = "decoder")
  decoder_output <- decoder_lstm_layer(decoder_embedded, initial_state = encoder_state)
  output <- decoder_output %>% layer_dense(10)
  model <- keras_model(inputs = list(encoder_input, decoder_input), outputs = output)
  expect_equal(count_params(model), 258698)
  expect_equal(count_params(get_layer(model, "encoder")), 33024)
  expect_equal(count_params(get_layer(model, "decoder")), 33024)

  paragraph1 <- random_uniform(c(20, 10, 50), dtype = "float32")
  paragraph2 <- random_uniform(c(20, 10, 50), dtype = "float32")
  paragraph3 <- random_uniform(c(20, 10, 50), dtype = "float32")
  lstm_layer <- layer_lstm(units = 64, stateful = TRUE)
  output <- lstm_layer(paragraph1)
  output <- lstm_layer(paragraph2)
  existing_state <- lstm_layer$states
  new_lstm_layer <- layer_lstm(units = 64)
  new_output <- new_lstm_layer(paragraph3, initial_state = existing_state)

  model <- keras_model_sequential(input_shape = shape(5, 10)) %>%
    bidirectional(layer_lstm(units = 64, return_sequences = TRUE)) %>%
    bidirectional(layer_lstm(units = 32)) %>%
    layer_dense(10)
  # --- end of snippets ---
  expect_equal(vapply(model$layers, count_params, 1), c(38400, 41216, 650))
  # the states handed over are the stateful layer's: with its weights, the new layer
  # computes what a third stateful call would, which is the LSTM recurrence (plain R)
  # run over paragraph 3 from those states
  new_lstm_layer$set_weights(lstm_layer$get_weights())
  w <- get_weights(lstm_layer)
  expected <- ref_lstm(as.array(paragraph3), w[[1]], w[[2]], w[[3]],
                       initial_state = lapply(existing_state, as.array))[[1]]
  expect_equal(as.array(new_lstm_layer(paragraph3, initial_state = existing_state)), expected, tolerance = 1e-5)
  expect_equal(as.array(lstm_layer(paragraph3)), expected, tolerance = 1e-5)
})

test_that("working_with_rnns guide: layer_lstm() and layer_rnn(rnn_cell_lstm()) are the same model", {
  # --- from the same guide ("Using CuDNN kernels when available"); MNIST replaced
  # by 40 random 28 x 28 "images" ---
  batch_size <- 64
  input_dim <- 28
  units <- 64
  output_size <- 10
  build_model <- function(allow_cudnn_kernel = TRUE) {
    if (allow_cudnn_kernel)
      lstm_layer <- layer_lstm(units = units)
    else
      lstm_layer <- layer_rnn(cell = rnn_cell_lstm(units = units))
    model <-
      keras_model_sequential(input_shape = shape(NULL, input_dim)) %>%
      lstm_layer() %>%
      layer_batch_normalization() %>%
      layer_dense(output_size)
    model
  }
  set.seed(42)
  x <- array(runif(40 * 28 * 28), c(40, 28, 28))
  y <- sample(0:9, 40, replace = TRUE)
  model <- build_model(allow_cudnn_kernel = TRUE) %>%
    compile(loss = loss_sparse_categorical_crossentropy(from_logits = TRUE),
            optimizer = "sgd", metrics = "accuracy")
  model %>% fit(x, y, batch_size = batch_size, epochs = 1, verbose = 0)
  noncudnn_model <- build_model(allow_cudnn_kernel = FALSE)
  noncudnn_model$set_weights(model$get_weights())
  sample <- x[1, , ]
  result <- model %>%
    predict_on_batch(op_expand_dims(sample, 1)) %>%
    op_argmax(axis = 2)
  # --- end of snippet ---
  expect_equal(vapply(model$layers, count_params, 1), c(23808, 256, 650))
  logits <- predict(model, x, verbose = 0)
  expect_equal(predict(noncudnn_model, x, verbose = 0), logits, tolerance = 1e-5)
  # op_argmax() is 1-based in keras3 (zero_indexed = FALSE)
  expect_identical(as.numeric(result), as.numeric(which.max(logits[1, ])))
})

test_that("lstm_seq2seq example: the sampling models reproduce the teacher-forced decoder", {
  # --- from rstudio/keras3 vignettes/examples/lstm_seq2seq.R; the English-French
  # pairs are replaced by 3-5 letter words and their reversals ---
  set.seed(7)
  latent_dim <- 8
  words <- replicate(12, paste(sample(letters[1:5], sample(3:5, 1), TRUE), collapse = ""))
  input_texts <- lapply(words, function(s) strsplit(s, split = "")[[1]])
  target_texts <- lapply(paste0("\t", vapply(input_texts, function(s) paste(rev(s), collapse = ""), ""), "\n"),
                         function(s) strsplit(s, split = "")[[1]])
  input_characters <- sort(unique(unlist(input_texts)))
  target_characters <- sort(unique(unlist(target_texts)))
  num_encoder_tokens <- length(input_characters)
  num_decoder_tokens <- length(target_characters)
  max_encoder_seq_length <- max(sapply(input_texts, length))
  max_decoder_seq_length <- max(sapply(target_texts, length))
  encoder_input_data <- array(0, dim = c(length(input_texts), max_encoder_seq_length, num_encoder_tokens))
  decoder_input_data <- array(0, dim = c(length(input_texts), max_decoder_seq_length, num_decoder_tokens))
  decoder_target_data <- array(0, dim = c(length(input_texts), max_decoder_seq_length, num_decoder_tokens))
  for (i in 1:length(input_texts)) {
    d1 <- sapply(input_characters, function(x) { as.integer(x == input_texts[[i]]) })
    encoder_input_data[i, 1:nrow(d1), ] <- d1
    d2 <- sapply(target_characters, function(x) { as.integer(x == target_texts[[i]]) })
    decoder_input_data[i, 1:nrow(d2), ] <- d2
    d3 <- sapply(target_characters, function(x) { as.integer(x == target_texts[[i]][-1]) })
    decoder_target_data[i, 1:nrow(d3), ] <- d3
  }
  encoder_inputs <- layer_input(shape = list(NULL, num_encoder_tokens))
  encoder <- layer_lstm(units = latent_dim, return_state = TRUE)
  encoder_results <- encoder_inputs %>% encoder
  encoder_states <- encoder_results[2:3]
  decoder_inputs <- layer_input(shape = list(NULL, num_decoder_tokens))
  decoder_lstm <- layer_lstm(units = latent_dim, return_sequences = TRUE,
                             return_state = TRUE, stateful = FALSE)
  decoder_results <- decoder_lstm(decoder_inputs, initial_state = encoder_states)
  decoder_dense <- layer_dense(units = num_decoder_tokens, activation = "softmax")
  decoder_outputs <- decoder_dense(decoder_results[[1]])
  model <- keras_model(inputs = list(encoder_inputs, decoder_inputs), outputs = decoder_outputs)
  model %>% compile(optimizer = "rmsprop", loss = "categorical_crossentropy")
  history <- model %>% fit(list(encoder_input_data, decoder_input_data), decoder_target_data,
                           batch_size = 4, epochs = 3, validation_split = 0.2, verbose = 0)
  encoder_model <- keras_model(encoder_inputs, encoder_states)
  decoder_state_input_h <- layer_input(shape = latent_dim)
  decoder_state_input_c <- layer_input(shape = latent_dim)
  decoder_states_inputs <- c(decoder_state_input_h, decoder_state_input_c)
  decoder_results <- decoder_lstm(decoder_inputs, initial_state = decoder_states_inputs)
  decoder_states <- decoder_results[2:3]
  decoder_outputs <- decoder_dense(decoder_results[[1]])
  decoder_model <- keras_model(inputs = c(decoder_inputs, decoder_states_inputs),
                               outputs = c(decoder_outputs, decoder_states))
  # --- end of script's model code (its decode_sequence() loop follows, fed the
  # true previous character instead of the sampled one) ---
  expect_length(history$metrics$val_loss, 3)
  input_seq <- encoder_input_data[1, , , drop = FALSE]
  states_value <- predict(encoder_model, input_seq, verbose = 0)
  steps <- matrix(0, max_decoder_seq_length, num_decoder_tokens)
  for (t in seq_len(max_decoder_seq_length)) {
    target_seq <- decoder_input_data[1, t, , drop = FALSE]
    decoder_predict <- predict(decoder_model, c(list(target_seq), states_value), verbose = 0)
    steps[t, ] <- decoder_predict[[1]][1, 1, ]
    states_value <- list(decoder_predict[[2]], decoder_predict[[3]])
  }
  full <- predict(model, list(input_seq, decoder_input_data[1, , , drop = FALSE]), verbose = 0)
  expect_equal(steps, full[1, , ], tolerance = 1e-5)
  expect_equal(rowSums(steps), rep(1, max_decoder_seq_length), tolerance = 1e-5)
})

test_that("Deep Learning with R (2e) chapter 10: timeseries datasets and recurrent forecasters", {
  # --- from t-kalinowski/deep-learning-with-R-2nd-edition-code ch10.R; the Jena
  # climate CSV is replaced by 14 synthetic columns of the same layout, the
  # sequences shortened to 20 steps; tfdatasets' iterators are recurrent's ---
  int_sequence <- seq(10)
  dummy_dataset <- timeseries_dataset_from_array(
    data = head(int_sequence, -3),
    targets = tail(int_sequence, -3),
    sequence_length = 3,
    batch_size = 2
  )
  dummy_dataset_iterator <- as_array_iterator(dummy_dataset)
  printed <- capture.output(repeat {
    batch <- iter_next(dummy_dataset_iterator)
    if (is.null(batch))
      break
    c(inputs, targets) %<-% batch
    for (r in 1:nrow(inputs))
      cat(sprintf("input: [ %s ]  target: %s\n",
                  paste(inputs[r, ], collapse = " "), targets[r]))
    cat(strrep("-", 27), "\n")
  })
  # windows of 3 over 1..7, each followed by the value after it (by hand)
  dashes <- paste(strrep("-", 27), "")
  expect_identical(printed, c("input: [ 1 2 3 ]  target: 4", "input: [ 2 3 4 ]  target: 5", dashes,
                              "input: [ 3 4 5 ]  target: 6", "input: [ 4 5 6 ]  target: 7", dashes,
                              "input: [ 5 6 7 ]  target: 8", dashes))

  set_random_seed(10)
  n <- 900
  full_df <- as.data.frame(sapply(1:14, function(j) sin(seq_len(n) / 7 + j)))
  names(full_df) <- c("T (degC)", paste0("v", 2:14))
  train_df <- full_df[1:600, ]
  val_df <- full_df[601:900, ]
  input_data_colnames <- names(full_df)
  sampling_rate <- 2
  sequence_length <- 20
  delay <- sampling_rate * (sequence_length + 4 - 1)
  batch_size <- 32
  df_to_inputs_and_targets <- function(df) {
    inputs <- as.matrix(df[input_data_colnames])
    targets <- as.array(df$`T (degC)`)
    list(head(inputs, -delay), tail(targets, -delay))
  }
  make_dataset <- function(df) {
    c(inputs, targets) %<-% df_to_inputs_and_targets(df)
    timeseries_dataset_from_array(
      inputs, targets,
      sampling_rate = sampling_rate,
      sequence_length = sequence_length,
      shuffle = TRUE,
      batch_size = batch_size
    )
  }
  train_dataset <- make_dataset(train_df)
  val_dataset <- make_dataset(val_df)
  c(samples, targets) %<-% iter_next(as_iterator(train_dataset))
  ncol_input_data <- length(input_data_colnames)
  inputs <- layer_input(shape = c(sequence_length, ncol_input_data))
  outputs <- inputs %>%
    layer_lstm(16) %>%
    layer_dense(1)
  model <- keras_model(inputs, outputs)
  model %>% compile(optimizer = "rmsprop", loss = "mse", metrics = "mae")
  history <- model %>% fit(train_dataset, epochs = 6, validation_data = val_dataset, verbose = 0)

  num_features <- 14
  steps <- 120
  inputs <- layer_input(shape = c(steps, num_features))
  seq_out <- inputs %>% layer_simple_rnn(16, return_sequences = TRUE)
  last_out <- inputs %>% layer_simple_rnn(16, return_sequences = FALSE)
  inputs <- layer_input(shape = c(sequence_length, ncol_input_data))
  gru_outputs <- inputs %>%
    layer_gru(32, recurrent_dropout = 0.5, return_sequences = TRUE) %>%
    layer_gru(32, recurrent_dropout = 0.5) %>%
    layer_dropout(0.5) %>%
    layer_dense(1)
  gru_model <- keras_model(inputs, gru_outputs)
  inputs <- layer_input(shape = c(sequence_length, ncol_input_data))
  bidi_outputs <- inputs %>%
    bidirectional(layer_lstm(units = 16)) %>%
    layer_dense(1)
  bidi_model <- keras_model(inputs, bidi_outputs)
  # --- end of snippets ---
  expect_identical(dim(samples), c(32L, 20L, 14L))
  expect_length(targets, 32)
  expect_identical(seq_out$shape, list(NULL, 120L, 16L))
  expect_identical(last_out$shape, list(NULL, 16L))
  # the forecaster learns: validation MAE after training is well below the MAE of
  # predicting the mean training target (a constant), computed in base R
  val_targets <- unlist(iterate(val_dataset, function(b) list(b[[2]]), simplify = FALSE))
  constant_mae <- mean(abs(val_targets - mean(df_to_inputs_and_targets(train_df)[[2]])))
  expect_lt(utils::tail(history$metrics$val_mae, 1), constant_mae / 4)
  expect_lt(utils::tail(history$metrics$loss, 1), history$metrics$loss[1])
  expect_equal(vapply(gru_model$layers, count_params, 1), c(0, 4608, 6336, 0, 33))
  expect_equal(vapply(bidi_model$layers, count_params, 1), c(0, 3968, 33))
})

test_that("Deep Learning with R (2e) chapter 11: embeddings, masking and bidirectional LSTMs on text", {
  # --- from t-kalinowski/deep-learning-with-R-2nd-edition-code ch11.R; the IMDB
  # reviews are replaced by short synthetic ones, tf$one_hot() by op_one_hot(),
  # and dataset_map(text_vectorization) by vectorizing the texts directly ---
  set_random_seed(11)
  pos_w <- c("great", "excellent", "loved", "superb")
  neg_w <- c("awful", "boring", "dull", "terrible")
  filler <- c("the", "movie", "was", "a", "film", "plot", "it", "and")
  y_train <- rep(0:1, 40)
  texts <- vapply(y_train, function(l) paste(sample(c(sample(filler, sample(3:8, 1), TRUE),
                                                       sample(if (l) pos_w else neg_w, 2))), collapse = " "), "")
  max_length <- 12
  max_tokens <- 30
  text_vectorization <- layer_text_vectorization(
    max_tokens = max_tokens,
    output_mode = "int",
    output_sequence_length = max_length
  )
  adapt(text_vectorization, texts)
  x_train <- as.array(text_vectorization(texts))

  inputs <- layer_input(shape(NULL), dtype = "int64")
  embedded <- op_one_hot(inputs, max_tokens)
  outputs <- embedded %>%
    bidirectional(layer_lstm(units = 4)) %>%
    layer_dropout(.5) %>%
    layer_dense(1, activation = "sigmoid")
  one_hot_model <- keras_model(inputs, outputs)

  embedding_layer <- layer_embedding(input_dim = 10, output_dim = 256, mask_zero = TRUE)
  some_input <- rbind(c(4, 3, 2, 1, 0, 0, 0),
                      c(5, 4, 3, 2, 1, 0, 0),
                      c(2, 1, 0, 0, 0, 0, 0))
  mask <- embedding_layer$compute_mask(some_input)

  inputs <- layer_input(c(NA), dtype = "int64")
  embedded <- inputs %>%
    layer_embedding(input_dim = max_tokens, output_dim = 8, mask_zero = TRUE)
  outputs <- embedded %>%
    bidirectional(layer_lstm(units = 4)) %>%
    layer_dropout(0.5) %>%
    layer_dense(1, activation = "sigmoid")
  model <- keras_model(inputs, outputs)
  model %>% compile(optimizer = "rmsprop", loss = "binary_crossentropy", metrics = "accuracy")
  history <- model %>% fit(x_train, y_train, epochs = 20, batch_size = 16, verbose = 0)

  inputs <- layer_input(shape = c(1), dtype = "string")
  outputs <- inputs %>%
    text_vectorization() %>%
    model()
  inference_model <- keras_model(inputs, outputs)
  raw_text_data <- "That was an excellent movie, I loved it." %>%
    as_tensor(shape = c(-1, 1))
  predictions <- inference_model(raw_text_data)
  # --- end of snippets ---
  # one-hot input: each LSTM direction sees max_tokens features
  expect_equal(vapply(one_hot_model$layers, count_params, 1), c(0, 0, 2 * 4 * (30 * 4 + 4 * 4 + 4), 0, 9))
  # the mask the book prints: TRUE where the id is not 0
  expect_identical(as.array(mask), some_input != 0)
  # the masked model learns the word lists (0.5 by chance)
  expect_gt(evaluate(model, x_train, y_train, verbose = 0)$accuracy, 0.9)
  expect_lt(utils::tail(history$metrics$loss, 1), history$metrics$loss[1])
  # the string-input inference model is the vectorizer followed by the model
  expect_identical(dim(as.array(predictions)), c(1L, 1L))
  expect_equal(as.array(predictions),
               as.array(model(text_vectorization("That was an excellent movie, I loved it."))), tolerance = 1e-6)
  expect_gt(as.numeric(predictions), 0.5)
})

test_that("keras examples addition_rnn, mnist_hierarchical_rnn and mnist_irnn", {
  # --- from rstudio/keras3 vignettes/examples/addition_rnn.R (removed in commit
  # 2766b5398; its parent holds it): encoder LSTM, repeat_vector, decoder LSTM and a
  # time-distributed softmax; data shrunk to 200 questions, stringi swapped for
  # formatC() ---
  set_random_seed(5)
  DIGITS <- 2
  MAXLEN <- DIGITS + 1 + DIGITS
  char_table <- sort(c(0:9, "+", " "))
  encode <- function(char, char_table) t(sapply(strsplit(char, "")[[1]], function(x) as.numeric(x == char_table)))
  a <- sample(1:99, 200, TRUE); b <- sample(1:99, 200, TRUE)
  questions <- formatC(paste0(pmin(a, b), "+", pmax(a, b)), width = -MAXLEN)
  results <- formatC(a + b, width = DIGITS + 1)
  x <- aperm(sapply(questions, encode, char_table = char_table, simplify = "array"), c(3, 1, 2))
  y <- aperm(sapply(results, encode, char_table = char_table, simplify = "array"), c(3, 1, 2))
  HIDDEN_SIZE <- 16
  model <- keras_model_sequential()
  model %>%
    layer_lstm(HIDDEN_SIZE, input_shape = c(MAXLEN, length(char_table))) %>%
    layer_repeat_vector(DIGITS + 1)
  for (i in 1:1)
    model %>% layer_lstm(HIDDEN_SIZE, return_sequences = TRUE)
  model %>%
    time_distributed(layer_dense(units = length(char_table))) %>%
    layer_activation("softmax")
  model %>% compile(loss = "categorical_crossentropy", optimizer = "adam", metrics = "accuracy")
  history <- model %>% fit(x = x, y = y, batch_size = 32, epochs = 3, verbose = 0)
  result <- predict(model, encode("55+22", char_table) %>% array(dim = c(1, 5, 12)), verbose = 0)
  # --- end of example ---
  expect_equal(vapply(model$layers, count_params, 1),
               c(4 * (12 * 16 + 16 * 16 + 16), 0, 4 * (16 * 16 + 16 * 16 + 16), 16 * 12 + 12, 0))
  expect_identical(dim(result), c(1L, 3L, 12L))
  expect_equal(apply(result, 2, sum), rep(1, 3), tolerance = 1e-5)
  expect_lt(utils::tail(history$metrics$loss, 1), history$metrics$loss[1])

  # --- from vignettes/examples/mnist_hierarchical_rnn.R (same commit): an LSTM over
  # each image row via time_distributed(), then one over the row encodings; MNIST
  # replaced by 6 random 5 x 4 images ---
  x_train <- array_reshape(array(runif(6 * 5 * 4), c(6, 5, 4)), c(6, 5, 4, 1))
  dim_x_train <- dim(x_train)
  row <- dim_x_train[[2]]
  col <- dim_x_train[[3]]
  pixel <- dim_x_train[[4]]
  input <- layer_input(shape = c(row, col, pixel))
  row_lstm <- layer_lstm(units = 3)
  encoded_rows <- input %>% time_distributed(row_lstm)
  encoded_columns <- encoded_rows %>% layer_lstm(units = 2)
  prediction <- encoded_columns %>% layer_dense(units = 10, activation = "softmax")
  model <- keras_model(input, prediction)
  # --- end of model code ---
  rows_model <- keras_model(input, encoded_rows)
  w <- get_weights(row_lstm)
  for (r in 1:row)
    expect_equal(as.array(rows_model(x_train))[, r, ],
                 ref_lstm(x_train[, r, , , drop = TRUE] %>% array(c(6, col, pixel)), w[[1]], w[[2]], w[[3]])[[1]],
                 tolerance = 1e-5)

  # --- from vignettes/examples/mnist_irnn.R (same commit): an identity-initialized
  # relu SimpleRNN; optimizer_rmsprop(lr = ) is learning_rate = in keras3 ---
  model <- keras_model_sequential()
  model %>%
    layer_simple_rnn(units = 5,
                     kernel_initializer = initializer_random_normal(stddev = 0.01),
                     recurrent_initializer = initializer_identity(gain = 1.0),
                     activation = "relu",
                     input_shape = c(20, 1)) %>%
    layer_dense(units = 10) %>%
    layer_activation(activation = "softmax")
  model %>% compile(loss = "categorical_crossentropy", optimizer = optimizer_rmsprop(learning_rate = 1e-6),
                    metrics = c("accuracy"))
  # --- end of model code ---
  w <- get_weights(model)
  expect_identical(w[[2]], diag(5))
  expect_true(all(abs(w[[1]]) < 0.1))
  expect_error(optimizer_rmsprop(lr = 1e-6), "lr", class = "recurrent_error")
})

test_that("keras example quora_siamese_lstm: one embedding and LSTM shared by two inputs", {
  # --- from rstudio/keras3 vignettes/examples/quora_siamese_lstm.R (removed in
  # commit 2766b5398): the Quora pairs are replaced by random id sequences, FLAGS by
  # a list; layer_dot()'s axes are 1-based in keras3 (the script's axes = 1 was
  # Python's feature axis) ---
  set_random_seed(3)
  FLAGS <- list(vocab_size = 30, max_len_padding = 6, embedding_size = 4,
                regularization = 0.0001, seq_embedding_size = 3)
  q1 <- lapply(1:20, function(i) sample(1:30, sample(2:6, 1), TRUE))
  q2 <- lapply(1:20, function(i) sample(1:30, sample(2:6, 1), TRUE))
  question1 <- pad_sequences(q1, maxlen = FLAGS$max_len_padding, value = FLAGS$vocab_size + 1)
  question2 <- pad_sequences(q2, maxlen = FLAGS$max_len_padding, value = FLAGS$vocab_size + 1)
  input1 <- layer_input(shape = c(FLAGS$max_len_padding))
  input2 <- layer_input(shape = c(FLAGS$max_len_padding))
  embedding <- layer_embedding(
    input_dim = FLAGS$vocab_size + 2,
    output_dim = FLAGS$embedding_size,
    embeddings_regularizer = regularizer_l2(l = FLAGS$regularization)
  )
  seq_emb <- layer_lstm(
    units = FLAGS$seq_embedding_size,
    recurrent_regularizer = regularizer_l2(l = FLAGS$regularization)
  )
  vector1 <- embedding(input1) %>% seq_emb()
  vector2 <- embedding(input2) %>% seq_emb()
  out <- layer_dot(list(vector1, vector2), axes = 2) %>%
    layer_dense(1, activation = "sigmoid")
  model <- keras_model(list(input1, input2), out)
  model %>% compile(optimizer = "adam", loss = "binary_crossentropy", metrics = "accuracy")
  # --- end of model code ---
  # shared layers hold one set of weights: 32 * 4 + 4 * (4 * 3 + 3 * 3 + 3) + 2
  expect_equal(count_params(model), 32 * 4 + 4 * (4 * 3 + 3 * 3 + 3) + 2)
  # the output is sigmoid(w * <v1, v2> + b) with both vectors from the one LSTM,
  # recomputed in base R (plain-R LSTM over the embedded ids)
  emb <- get_weights(embedding)[[1]]
  lw <- get_weights(seq_emb)
  dw <- get_weights(model$layers[[length(model$layers)]])
  encode <- function(ids) {
    e <- array(emb[ids + 1, ], c(nrow(ids), ncol(ids), ncol(emb)))
    ref_lstm(e, lw[[1]], lw[[2]], lw[[3]])[[1]]
  }
  expected <- 1 / (1 + exp(-(rowSums(encode(question1) * encode(question2)) * dw[[1]][1, 1] + dw[[2]][1])))
  expect_equal(as.vector(predict(model, list(question1, question2), verbose = 0)), expected, tolerance = 1e-5)
  # the regularizers of the shared layers are counted once each
  expect_length(model$losses, 2)
})

test_that("layer_bidirectional() documentation example, with a custom backward layer", {
  # --- from keras3 R/layers-rnn.R (layer_bidirectional() examples) ---
  model <- keras_model_sequential(input_shape = c(5, 10)) %>%
    layer_bidirectional(layer_lstm(units = 10, return_sequences = TRUE)) %>%
    layer_bidirectional(layer_lstm(units = 10)) %>%
    layer_dense(5, activation = "softmax")
  model %>% compile(loss = "categorical_crossentropy", optimizer = "rmsprop")
  first <- model
  forward_layer <- layer_lstm(units = 10, return_sequences = TRUE)
  backward_layer <- layer_lstm(units = 10, activation = "relu",
                               return_sequences = TRUE, go_backwards = TRUE)
  model <- keras_model_sequential(input_shape = c(5, 10)) %>%
    bidirectional(forward_layer, backward_layer = backward_layer) %>%
    layer_dense(5, activation = "softmax")
  model %>% compile(loss = "categorical_crossentropy", optimizer = "rmsprop")
  # --- end of example ---
  expect_equal(vapply(first$layers, count_params, 1), c(2 * 4 * (10 * 10 + 10 * 10 + 10), 2 * 4 * (20 * 10 + 10 * 10 + 10), 105))
  expect_equal(vapply(model$layers, count_params, 1), c(1680, 105))
  # concat(forward, backward read back in time order), the backward LSTM with relu,
  # in plain R (the backward pass's outputs come out reversed, Keras flips them back)
  x <- array(runif(2 * 5 * 10, -1, 1), c(2, 5, 10))
  bidi <- model$layers[[1]]
  wf <- get_weights(bidi$forward_layer)
  wb <- get_weights(bidi$backward_layer)
  fwd <- ref_lstm(x, wf[[1]], wf[[2]], wf[[3]], return_sequences = TRUE)[[1]]
  bwd <- ref_lstm(x, wb[[1]], wb[[2]], wb[[3]], go_backwards = TRUE, return_sequences = TRUE, activation = "relu")[[1]]
  expected <- ref_concat_last(fwd, bwd[, 5:1, , drop = FALSE])
  expect_equal(as.array(bidi(x)), expected, tolerance = 1e-5)
})
