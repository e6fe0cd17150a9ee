// Optimizer updates in place over all variables: the arithmetic of Keras 3's
// keras/src/optimizers/{sgd,adam,rmsprop,adagrad}.py and base_optimizer.py.
#include "optim.h"
#include "optim_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace recurrent {
namespace core {
namespace optim {

namespace {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::SGD: return "SGD";
    case Kind::Adam: return "Adam";
    case Kind::RMSprop: return "RMSprop";
    case Kind::Adagrad: return "Adagrad";
    default: return rules::kind_name(k);
  }
}

int rule_slots(const Config& c) {
  switch (c.kind) {
    case Kind::SGD: return c.momentum != 0.0 ? 1 : 0;
    case Kind::Adam: return c.amsgrad ? 3 : 2;
    case Kind::RMSprop: return 1 + (c.momentum > 0.0 ? 1 : 0) + (c.centered ? 1 : 0);
    case Kind::Adagrad: return 1;
    default: return rules::slot_count(c);
  }
}

// Gradient values of one entry as T, times `scale` (copied, so the autograd
// result is never modified).
template <typename T>
std::vector<T> gradient_values(const Tensor& g, double scale) {
  const int64_t n = g.size();
  std::vector<T> out(static_cast<size_t>(n));
  if (g.dtype() == DType::Float32) {
    const float* p = g.data<float>();
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<T>(static_cast<double>(p[i]) * scale);
  } else {
    const double* p = g.data<double>();
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<T>(p[i] * scale);
  }
  return out;
}

template <typename T>
double sum_squares(const std::vector<T>& g) {
  double s = 0.0;
  for (T v : g) s += static_cast<double>(v) * static_cast<double>(v);
  return s;
}

// The update rule for one variable (Keras's update_step), on raw buffers.
template <typename T>
void update_step(const Config& c, T* var, const T* g, std::vector<Tensor>& slots, int64_t n, int64_t step) {
  const T lr = static_cast<T>(c.learning_rate);
  switch (c.kind) {
    case Kind::SGD: {
      if (c.momentum != 0.0) {
        // m <- momentum * m - lr * g; var += m (nesterov: var += momentum * m - lr * g)
        T* m = slots[0].data<T>();
        const T mu = static_cast<T>(c.momentum);
        for (int64_t i = 0; i < n; ++i) {
          m[i] = m[i] * mu - g[i] * lr;
          var[i] += c.nesterov ? m[i] * mu - g[i] * lr : m[i];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) var[i] -= g[i] * lr;
      }
      break;
    }
    case Kind::Adam: {
      // Bias correction folded into the step size; epsilon added after the sqrt.
      const T t = static_cast<T>(step + 1);
      const T b1p = std::pow(static_cast<T>(c.beta_1), t);
      const T b2p = std::pow(static_cast<T>(c.beta_2), t);
      const T alpha = lr * std::sqrt(T(1) - b2p) / (T(1) - b1p);
      const T one_m_b1 = static_cast<T>(1.0 - c.beta_1), one_m_b2 = static_cast<T>(1.0 - c.beta_2);
      const T eps = static_cast<T>(c.epsilon);
      T* m = slots[0].data<T>();
      T* v = slots[1].data<T>();
      T* vhat = c.amsgrad ? slots[2].data<T>() : nullptr;
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * one_m_b1;
        v[i] += (g[i] * g[i] - v[i]) * one_m_b2;
        T denom_v = v[i];
        if (vhat) {
          vhat[i] = std::max(vhat[i], v[i]);
          denom_v = vhat[i];
        }
        var[i] -= (m[i] * alpha) / (std::sqrt(denom_v) + eps);
      }
      break;
    }
    case Kind::RMSprop: {
      // epsilon inside the sqrt; the centered form subtracts the squared mean gradient
      const T rho = static_cast<T>(c.rho), one_m_rho = static_cast<T>(1.0 - c.rho);
      const T eps = static_cast<T>(c.epsilon), mu = static_cast<T>(c.momentum);
      T* vel = slots[0].data<T>();
      int k = 1;
      T* mom = c.momentum > 0.0 ? slots[static_cast<size_t>(k++)].data<T>() : nullptr;
      T* avg = c.centered ? slots[static_cast<size_t>(k++)].data<T>() : nullptr;
      for (int64_t i = 0; i < n; ++i) {
        vel[i] = rho * vel[i] + one_m_rho * (g[i] * g[i]);
        T denom;
        if (avg) {
          avg[i] = rho * avg[i] + one_m_rho * g[i];
          denom = vel[i] - avg[i] * avg[i] + eps;
        } else {
          denom = vel[i] + eps;
        }
        const T inc = lr * g[i] / std::sqrt(denom);
        if (mom) {
          mom[i] = mu * mom[i] + inc;
          var[i] -= mom[i];
        } else {
          var[i] -= inc;
        }
      }
      break;
    }
    case Kind::Adagrad: {
      const T eps = static_cast<T>(c.epsilon);
      T* acc = slots[0].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        acc[i] += g[i] * g[i];
        var[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
      }
      break;
    }
    default:
      break;
  }
}

void check(const Config& cfg, const std::vector<Entry>& entries) {
  const int want = slot_count(cfg);
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string which = "variable " + std::to_string(i + 1);
    if (!e.variable.defined()) throw Error(which + " is missing");
    if (!is_float(e.variable.dtype()))
      throw Error(which + " has dtype " + dtype_name(e.variable.dtype()) + "; optimizers update float variables only");
    if (e.gradient.defined()) {
      if (e.gradient.shape() != e.variable.shape())
        throw Error("the gradient of " + which + " has shape " + shape_str(e.gradient.shape()) +
                    " but the variable has shape " + shape_str(e.variable.shape()));
      if (!is_float(e.gradient.dtype()))
        throw Error("the gradient of " + which + " has dtype " + dtype_name(e.gradient.dtype()));
    }
    if (static_cast<int>(e.slots.size()) != want)
      throw Error(std::string(kind_name(cfg.kind)) + " needs " + std::to_string(want) + " slot tensors for " + which +
                  ", got " + std::to_string(e.slots.size()));
    for (size_t k = 0; k < e.slots.size(); ++k) {
      const Tensor& s = e.slots[k];
      const int index = static_cast<int>(k);
      const Shape want_shape = index < rule_slots(cfg) && rules::free_slot_shape(cfg, index)
                                   ? rules::slot_shape(cfg, index, e.variable.shape())
                                   : e.variable.shape();
      if (!s.defined() || s.shape() != want_shape || s.dtype() != e.variable.dtype())
        throw Error("a slot tensor of " + which + " does not match the variable's shape " +
                    shape_str(e.variable.shape()) + " and dtype " + dtype_name(e.variable.dtype()));
      if (s.same(e.variable)) throw Error("a slot tensor of " + which + " is the variable itself");
    }
  }
  if (cfg.accumulation_steps < 0) throw Error("gradient_accumulation_steps must be positive");
  if (cfg.ema_overwrite_frequency < 0) throw Error("ema_overwrite_frequency must be positive");
}

template <typename T>
void apply_typed_entry(const Config& c, Entry& e, std::vector<T>& g, double scale, T clip, int64_t step) {
  const int64_t n = e.variable.size();
  for (auto& v : g) {
    v = static_cast<T>(static_cast<double>(v) * scale);
    if (clip > T(0)) v = std::min(std::max(v, -clip), clip);
  }
  T* var = e.variable.data<T>();
  if (c.use_weight_decay && e.decay) {
    // decoupled weight decay before the update: var <- var - var * wd * lr
    const T wd = static_cast<T>(c.weight_decay), lr = static_cast<T>(c.learning_rate);
    for (int64_t i = 0; i < n; ++i) var[i] = var[i] - var[i] * wd * lr;
  }
  if (rules::handles(c.kind)) {
    rules::update(c, var, g.data(), e.slots, e.variable.shape(), step);
  } else {
    update_step<T>(c, var, g.data(), e.slots, n, step);
  }
}

}  // namespace

int slot_count(const Config& cfg) {
  return rule_slots(cfg) + (cfg.accumulation_steps > 0 ? 1 : 0) + (cfg.use_ema ? 1 : 0);
}

double global_norm(const std::vector<Entry>& entries) {
  double s = 0.0;
  for (const Entry& e : entries) {
    if (!e.gradient.defined()) continue;
    for (int64_t i = 0; i < e.gradient.size(); ++i) s += e.gradient.at(i) * e.gradient.at(i);
  }
  return std::sqrt(s);
}

void apply(const Config& c, std::vector<Entry>& entries) {
  check(c, entries);
  const int rules = rule_slots(c);
  const bool accumulate = c.accumulation_steps > 0;
  // Keras's `iterations` property counts update steps when gradients accumulate.
  const int64_t step = accumulate ? c.iterations / c.accumulation_steps : c.iterations;
  const bool update_now = !accumulate || (c.iterations + 1) % c.accumulation_steps == 0;

  // Gradients as T (unscaled by the loss scale factor), averaged with the
  // accumulated ones on an update step of gradient accumulation.
  struct Work {
    std::vector<float> f;
    std::vector<double> d;
  };
  std::vector<Work> work(entries.size());
  double sq = 0.0;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    if (!e.gradient.defined()) continue;
    dispatch(e.variable.dtype(), [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> g = gradient_values<T>(e.gradient, c.gradient_scale);
      if (accumulate) {
        T* acc = e.slots[static_cast<size_t>(rules)].data<T>();
        const T steps = static_cast<T>(c.accumulation_steps);
        if (update_now) {
          for (size_t k = 0; k < g.size(); ++k) g[k] = (g[k] + acc[k]) / steps;
        } else {
          for (size_t k = 0; k < g.size(); ++k) acc[k] += g[k];
        }
      }
      sq += sum_squares(g);
      if constexpr (std::is_same<T, float>::value) work[i].f = std::move(g); else work[i].d = std::move(g);
      return 0;
    });
  }

  if (update_now) {
    // Clipping: Keras applies the first of clipnorm, global_clipnorm, clipvalue that is set.
    double global_scale = 1.0;
    if (!(c.clipnorm > 0) && c.global_clipnorm > 0) {
      const double norm = std::sqrt(sq);
      global_scale = c.global_clipnorm * std::min(1.0 / norm, 1.0 / c.global_clipnorm);
      if (!std::isfinite(norm)) global_scale = std::numeric_limits<double>::quiet_NaN();
    }
    const bool by_value = !(c.clipnorm > 0) && !(c.global_clipnorm > 0) && c.clipvalue > 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      Entry& e = entries[i];
      if (!e.gradient.defined()) continue;
      dispatch(e.variable.dtype(), [&](auto tag) {
        using T = decltype(tag);
        std::vector<T>& g = [&]() -> std::vector<T>& {
          if constexpr (std::is_same<T, float>::value) return work[i].f; else return work[i].d;
        }();
        double scale = global_scale;
        if (c.clipnorm > 0) {
          // g * clipnorm / max(||g||, clipnorm), per variable
          const double norm = std::sqrt(sum_squares(g));
          scale = c.clipnorm / std::max(norm, c.clipnorm);
        }
        apply_typed_entry<T>(c, e, g, scale, by_value ? static_cast<T>(c.clipvalue) : T(0), step);
        if (accumulate) {
          T* acc = e.slots[static_cast<size_t>(rules)].data<T>();
          std::fill(acc, acc + e.variable.size(), T(0));
        }
        return 0;
      });
    }
  }

  if (c.use_ema) {
    // average <- m * average + (1 - m) * var, with m = 0 on the very first step so the
    // average starts at the variable; optionally copied back every few steps.
    const size_t slot = static_cast<size_t>(rules + (accumulate ? 1 : 0));
    const bool overwrite = c.ema_overwrite_frequency > 0 && (step + 1) % c.ema_overwrite_frequency == 0;
    for (Entry& e : entries) {
      dispatch(e.variable.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T m = step != 0 ? static_cast<T>(c.ema_momentum) : T(0);
        T* avg = e.slots[slot].data<T>();
        T* var = e.variable.data<T>();
        const int64_t n = e.variable.size();
        for (int64_t k = 0; k < n; ++k) avg[k] = m * avg[k] + (T(1) - m) * var[k];
        if (overwrite) std::copy(avg, avg + n, var);
        return 0;
      });
    }
  }
}

}  // namespace optim
}  // namespace core
}  // namespace recurrent
