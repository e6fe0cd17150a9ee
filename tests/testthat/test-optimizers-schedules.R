test_that("exponential decay follows lr * rate ^ (step / decay_steps)", {
  s <- learning_rate_schedule_exponential_decay(0.1, decay_steps = 10, decay_rate = 0.5)
  expect_equal(s(c(0, 5, 10, 20)), 0.1 * 0.5^(c(0, 5, 10, 20) / 10))
  st <- learning_rate_schedule_exponential_decay(0.1, 10, 0.5, staircase = TRUE)
  expect_equal(st(c(0, 9, 10, 25)), 0.1 * 0.5^c(0, 0, 1, 2))
  expect_s3_class(s, "keras.src.optimizers.schedules.learning_rate_schedule.LearningRateSchedule")
  expect_equal(s$decay_steps, 10L)
  expect_output(print(s), "ExponentialDecay")
})

test_that("piecewise constant, inverse time, polynomial and cosine decay match their formulas", {
  pw <- learning_rate_schedule_piecewise_constant_decay(c(10, 20), c(1, 0.5, 0.1))
  expect_equal(pw(c(0, 10, 11, 20, 21)), c(1, 1, 0.5, 0.5, 0.1))
  it <- learning_rate_schedule_inverse_time_decay(1, decay_steps = 2, decay_rate = 0.5)
  expect_equal(it(c(0, 2, 4)), 1 / (1 + 0.5 * c(0, 1, 2)))
  pd <- learning_rate_schedule_polynomial_decay(1, decay_steps = 10, end_learning_rate = 0.1, power = 2)
  expect_equal(pd(c(0, 5, 10, 15)), (1 - 0.1) * (1 - pmin(c(0, 5, 10, 15), 10) / 10)^2 + 0.1)
  cd <- learning_rate_schedule_cosine_decay(1, decay_steps = 10, alpha = 0.1)
  expect_equal(cd(c(0, 5, 10, 12)), 0.9 * 0.5 * (1 + cos(pi * pmin(c(0, 5, 10, 12), 10) / 10)) + 0.1)
  wu <- learning_rate_schedule_cosine_decay(0, decay_steps = 10, warmup_target = 1, warmup_steps = 4)
  expect_equal(wu(c(0, 2, 4, 9)), c(0, 0.5, 1, 0.5 * (1 + cos(pi * 5 / 10))))
})

test_that("schedules reject bad arguments", {
  expect_error(learning_rate_schedule_exponential_decay(0.1, 0, 0.5), class = "recurrent_error_argument")
  expect_error(learning_rate_schedule_exponential_decay("a", 10, 0.5), class = "recurrent_error_argument")
  expect_error(learning_rate_schedule_piecewise_constant_decay(c(1, 2), c(1, 2)), class = "recurrent_error_argument")
  expect_error(learning_rate_schedule_cosine_decay(1, 10, warmup_steps = -1), class = "recurrent_error_argument")
})
