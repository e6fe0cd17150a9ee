# The README's main job: forecast next month's sunspot number with an LSTM.
#
# Data: datasets::sunspot.month (monthly mean sunspot numbers, 1749-2013, ships with R).
# Each sample is 24 consecutive months; the target is the month after. The last 20% of
# the series (in time order) is held out; the model never sees it while training.
# It prints the held-out error next to a naive persistence forecast ("next month equals
# this month") and writes a PNG of forecast against actual.
#
#   Rscript inst/examples/demo.R [output.png]
suppressPackageStartupMessages(library(recurrent))

png_file <- commandArgs(TRUE)[1]
if (is.na(png_file)) png_file <- "sunspots-forecast.png"

set.seed(42)
series <- as.numeric(datasets::sunspot.month)
months <- as.numeric(time(datasets::sunspot.month))
window <- 24L

# scale with statistics of the training part only
n_train_points <- floor(0.8 * length(series))
center <- mean(series[seq_len(n_train_points)])
spread <- sd(series[seq_len(n_train_points)])
scaled <- (series - center) / spread

# samples (n, window, 1) and targets (n, 1): month t + window predicted from the window before it
n <- length(series) - window
x <- array(0, c(n, window, 1))
for (i in seq_len(n)) x[i, , 1] <- scaled[i:(i + window - 1)]
y <- matrix(scaled[(window + 1):length(series)], ncol = 1)
target_month <- months[(window + 1):length(series)]

split <- n_train_points - window
train <- seq_len(split)
test <- (split + 1):n

model <- keras_model_sequential(input_shape = c(window, 1)) |>
  layer_lstm(units = 32) |>
  layer_dense(units = 1)
model |> compile(optimizer = optimizer_adam(learning_rate = 0.005), loss = "mse", metrics = "mae")
print(model)

started <- proc.time()[["elapsed"]]
history <- model |> fit(
  x[train, , , drop = FALSE], y[train, , drop = FALSE],
  epochs = 30, batch_size = 64, validation_split = 0.1, verbose = 1,
  callbacks = list(callback_early_stopping(monitor = "val_loss", patience = 4, restore_best_weights = TRUE))
)
seconds <- proc.time()[["elapsed"]] - started
epochs_run <- length(history$metrics$loss)

forecast <- predict(model, x[test, , , drop = FALSE], verbose = 0) * spread + center
actual <- y[test, 1] * spread + center
persistence <- x[test, window, 1] * spread + center

report <- function(pred) c(MAE = mean(abs(pred - actual)), RMSE = sqrt(mean((pred - actual)^2)))
errors <- rbind(LSTM = report(forecast[, 1]), persistence = report(persistence))

cat(sprintf("\nTrained %d epochs in %.1f s on %d windows; held out %d months (%.0f-%.0f).\n",
            epochs_run, seconds, length(train), length(test), floor(min(target_month[test])), floor(max(target_month[test]))))
print(round(errors, 2))

png(png_file, width = 1000, height = 450)
plot(target_month[test], actual, type = "l", col = "grey40", xlab = "year", ylab = "monthly mean sunspot number",
     main = "Held-out sunspot numbers: LSTM one-month-ahead forecast")
lines(target_month[test], forecast[, 1], col = "firebrick", lwd = 1.5)
legend("topright", c("actual", sprintf("LSTM (MAE %.1f)", errors["LSTM", "MAE"])),
       col = c("grey40", "firebrick"), lwd = c(1, 1.5), bty = "n")
invisible(dev.off())
cat("Wrote", png_file, "\n")
