// Optimizer updates: one call updates every variable of a model in place, with
// Keras 3's clipping, weight decay, update rules, gradient accumulation and EMA.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {
namespace optim {

enum class Kind { SGD, Adam, RMSprop, Adagrad, Nadam, Adamax, Adadelta, Ftrl, Lion, Lamb, Adafactor };

// Hyperparameters of one step. The learning rate is the value for this step (a
// schedule has already been evaluated by the caller).
struct Config {
  Kind kind = Kind::SGD;
  double learning_rate = 0.01;
  // SGD: momentum, nesterov. RMSprop: momentum too.
  double momentum = 0.0;
  bool nesterov = false;
  // Adam / AdamW
  double beta_1 = 0.9, beta_2 = 0.999;
  bool amsgrad = false;
  // RMSprop
  double rho = 0.9;
  bool centered = false;
  // Adam, RMSprop, Adagrad
  double epsilon = 1e-7;
  // Ftrl
  double learning_rate_power = -0.5, l1 = 0.0, l2 = 0.0, l2_shrinkage = 0.0, beta = 0.0;
  // Adafactor (lr_clamp: relative_step with a constant learning rate)
  double beta_2_decay = -0.8, epsilon_1 = 1e-30, epsilon_2 = 1e-3, clip_threshold = 1.0;
  bool lr_clamp = false;
  // shared (0 / false = off)
  bool use_weight_decay = false;
  double weight_decay = 0.0;
  double clipnorm = 0.0, clipvalue = 0.0, global_clipnorm = 0.0;
  double gradient_scale = 1.0;        // 1 / loss_scale_factor
  int64_t accumulation_steps = 0;     // gradient_accumulation_steps; 0 = off
  bool use_ema = false;
  double ema_momentum = 0.99;
  int64_t ema_overwrite_frequency = 0;  // 0 = never during training
  // Steps already taken (Keras's optimizer._iterations before this step).
  int64_t iterations = 0;
};

// The slot tensors one variable needs, in order (all shaped like the variable):
//   SGD      momentum (only when momentum != 0)
//   Adam     momentum, velocity, velocity_hat (amsgrad only)
//   RMSprop  velocity, momentum (momentum > 0), average_gradient (centered)
//   Adagrad  accumulator (starts at initial_accumulator_value)
//   Nadam    momentum, velocity (Keras's u_product follows from the step count)
//   Adamax   momentum, norm
//   Adadelta accumulated_grad, accumulated_delta_var
//   Ftrl     accumulator (starts at initial_accumulator_value), linear
//   Lion     momentum
//   Lamb     momentum, velocity
//   Adafactor r (shape[:-1]), c (shape[:-2] + shape[-1]), velocity; for variables of
//            rank < 2, r and c are unused scalars (as in Keras)
// The update rules of the kinds after Adagrad live in optim_rules.cpp.
// then accumulated_gradient when accumulation_steps > 0, then average when use_ema.
int slot_count(const Config& cfg);

struct Entry {
  Tensor variable;           // updated in place
  Tensor gradient;           // undefined: no gradient this step (the variable is skipped)
  std::vector<Tensor> slots;  // slot_count(cfg) tensors, updated in place
  bool decay = true;         // take part in weight decay
};

// Checks everything first (shapes, dtypes, slot counts) and throws Error before
// touching any buffer, so a failed call leaves all variables and slots unchanged.
void apply(const Config& cfg, std::vector<Entry>& entries);

// Keras's global norm of the gradients that exist (for tests and logging).
double global_norm(const std::vector<Entry>& entries);

}  // namespace optim
}  // namespace core
}  // namespace recurrent
