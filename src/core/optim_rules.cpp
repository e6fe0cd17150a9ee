// Nadam, Adamax, Adadelta, Ftrl, Lion, Lamb and Adafactor, step for step as in
// Keras 3 (keras/src/optimizers/{nadam,adamax,adadelta,ftrl,lion,lamb,adafactor}.py).
// Arithmetic is in the variable's dtype, as Keras casts everything to it.
#include "optim_rules.h"

#include <algorithm>
#include <cmath>

namespace recurrent {
namespace core {
namespace optim {
namespace rules {

bool handles(Kind k) {
  switch (k) {
    case Kind::Nadam: case Kind::Adamax: case Kind::Adadelta: case Kind::Ftrl:
    case Kind::Lion: case Kind::Lamb: case Kind::Adafactor:
      return true;
    default:
      return false;
  }
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Nadam: return "Nadam";
    case Kind::Adamax: return "Adamax";
    case Kind::Adadelta: return "Adadelta";
    case Kind::Ftrl: return "Ftrl";
    case Kind::Lion: return "Lion";
    case Kind::Lamb: return "Lamb";
    case Kind::Adafactor: return "Adafactor";
    default: return "?";
  }
}

int slot_count(const Config& c) {
  switch (c.kind) {
    case Kind::Lion: return 1;
    case Kind::Adafactor: return 3;
    default: return 2;
  }
}

bool free_slot_shape(const Config& c, int index) { return c.kind == Kind::Adafactor && index < 2; }

Shape slot_shape(const Config& c, int index, const Shape& var) {
  (void)c;
  if (var.size() < 2) return Shape{};
  Shape s = var;
  if (index == 0) {
    s.pop_back();  // r: the last axis averaged away
  } else {
    s.erase(s.end() - 2);  // c: the second-to-last axis averaged away
  }
  return s;
}

namespace {

template <typename T>
void update_typed(const Config& c, T* var, const T* g, std::vector<Tensor>& slots, const Shape& shape,
                  int64_t step) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const T lr = static_cast<T>(c.learning_rate);
  const T t = static_cast<T>(step + 1);  // Keras's local_step = iterations + 1
  const T one(1);
  switch (c.kind) {
    case Kind::Nadam: {
      // u_product is the product of u_1..u_t, u_k = beta_1 (1 - 0.5 * 0.96^k); Keras
      // keeps it in a variable updated before each step, which is the same number.
      const T b1 = static_cast<T>(c.beta_1), b2 = static_cast<T>(c.beta_2), decay = static_cast<T>(0.96);
      T u_product = one;
      for (int64_t k = 1; k <= step + 1; ++k)
        u_product = u_product * b1 * (one - T(0.5) * std::pow(decay, static_cast<T>(k)));
      const T u_t = b1 * (one - T(0.5) * std::pow(decay, t));
      const T u_t_1 = b1 * (one - T(0.5) * std::pow(decay, t + one));
      const T u_product_t_1 = u_product * u_t_1;
      const T b2_power = std::pow(b2, t);
      const T eps = static_cast<T>(c.epsilon);
      T* m = slots[0].data<T>();
      T* v = slots[1].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * (one - b1);
        v[i] += (g[i] * g[i] - v[i]) * (one - b2);
        const T m_hat = u_t_1 * m[i] / (one - u_product_t_1) + (one - u_t) * g[i] / (one - u_product);
        const T v_hat = v[i] / (one - b2_power);
        var[i] -= m_hat * lr / (std::sqrt(v_hat) + eps);
      }
      break;
    }
    case Kind::Adamax: {
      const T b1 = static_cast<T>(c.beta_1), b2 = static_cast<T>(c.beta_2), eps = static_cast<T>(c.epsilon);
      const T b1_power = std::pow(b1, t);
      T* m = slots[0].data<T>();
      T* u = slots[1].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * (one - b1);
        u[i] = std::max(b2 * u[i], std::abs(g[i]));
        var[i] -= lr * m[i] / ((one - b1_power) * (u[i] + eps));
      }
      break;
    }
    case Kind::Adadelta: {
      const T rho = static_cast<T>(c.rho), eps = static_cast<T>(c.epsilon);
      T* acc_g = slots[0].data<T>();
      T* acc_d = slots[1].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        acc_g[i] = rho * acc_g[i] + (one - rho) * g[i] * g[i];
        const T delta = -(std::sqrt(acc_d[i] + eps) * g[i]) / std::sqrt(acc_g[i] + eps);
        acc_d[i] = rho * acc_d[i] + (one - rho) * delta * delta;
        var[i] += lr * delta;
      }
      break;
    }
    case Kind::Ftrl: {
      const T lr_power = static_cast<T>(c.learning_rate_power);
      const T l1 = static_cast<T>(c.l1);
      const T l2 = static_cast<T>(c.l2) + static_cast<T>(c.beta) / (T(2) * lr);
      const T shrink = static_cast<T>(c.l2_shrinkage);
      T* accum = slots[0].data<T>();
      T* linear = slots[1].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const T grad_to_use = g[i] + T(2) * shrink * var[i];
        const T new_accum = accum[i] + g[i] * g[i];
        linear[i] += grad_to_use - (std::pow(new_accum, -lr_power) - std::pow(accum[i], -lr_power)) / lr * var[i];
        const T quadratic = std::pow(new_accum, -lr_power) / lr + T(2) * l2;
        const T clipped = std::min(std::max(linear[i], -l1), l1);
        var[i] = (clipped - linear[i]) / quadratic;
        accum[i] = new_accum;
      }
      break;
    }
    case Kind::Lion: {
      const T b1 = static_cast<T>(c.beta_1), b2 = static_cast<T>(c.beta_2);
      T* m = slots[0].data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const T dir = m[i] * b1 + g[i] * (one - b1);
        const T sign = dir > T(0) ? one : (dir < T(0) ? -one : T(0));
        var[i] -= lr * sign;
        m[i] = m[i] * b2 + g[i] * (one - b2);
      }
      break;
    }
    case Kind::Lamb: {
      const T b1 = static_cast<T>(c.beta_1), b2 = static_cast<T>(c.beta_2), eps = static_cast<T>(c.epsilon);
      const T b1_power = std::pow(b1, t), b2_power = std::pow(b2, t);
      T* m = slots[0].data<T>();
      T* v = slots[1].data<T>();
      std::vector<T> update(static_cast<size_t>(n));
      double w_sq = 0.0, u_sq = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * (one - b1);
        v[i] += (g[i] * g[i] - v[i]) * (one - b2);
        const T u = (m[i] / (one - b1_power)) / (std::sqrt(v[i] / (one - b2_power)) + eps);
        update[static_cast<size_t>(i)] = u;
        w_sq += static_cast<double>(var[i]) * static_cast<double>(var[i]);
        u_sq += static_cast<double>(u) * static_cast<double>(u);
      }
      // the trust ratio ||w|| / ||update||, or 1 when either norm is zero
      const T w_norm = static_cast<T>(std::sqrt(w_sq)), u_norm = static_cast<T>(std::sqrt(u_sq));
      const T ratio = (w_norm > T(0) && u_norm > T(0)) ? w_norm / u_norm : one;
      for (int64_t i = 0; i < n; ++i) var[i] -= ratio * lr * update[static_cast<size_t>(i)];
      break;
    }
    case Kind::Adafactor: {
      T step_lr = lr;
      if (c.lr_clamp) step_lr = std::min(step_lr, one / std::sqrt(t));
      const T rho_t = std::min(step_lr, one / std::sqrt(t));
      double var_sq = 0.0;
      for (int64_t i = 0; i < n; ++i) var_sq += static_cast<double>(var[i]) * static_cast<double>(var[i]);
      const T var_rms = static_cast<T>(std::sqrt(var_sq / static_cast<double>(std::max<int64_t>(n, 1))));
      const T alpha_t = std::max(static_cast<T>(c.epsilon_2), var_rms) * rho_t;
      const T eps1 = static_cast<T>(c.epsilon_1);
      const T beta_2_t = one - std::pow(t, static_cast<T>(c.beta_2_decay));
      T* v = slots[2].data<T>();
      if (shape.size() >= 2) {
        // factored second moment over the last two axes: rows r, columns c
        const int64_t cols = shape.back(), rows = shape[shape.size() - 2];
        const int64_t mats = n / std::max<int64_t>(rows * cols, 1);
        T* r = slots[0].data<T>();
        T* col = slots[1].data<T>();
        for (int64_t b = 0; b < mats; ++b) {
          const T* gb = g + b * rows * cols;
          T* rb = r + b * rows;
          T* cb = col + b * cols;
          for (int64_t i = 0; i < rows; ++i) {
            T s = 0;
            for (int64_t j = 0; j < cols; ++j) s += gb[i * cols + j] * gb[i * cols + j] + eps1;
            rb[i] = beta_2_t * rb[i] + (one - beta_2_t) * (s / static_cast<T>(cols));
          }
          for (int64_t j = 0; j < cols; ++j) {
            T s = 0;
            for (int64_t i = 0; i < rows; ++i) s += gb[i * cols + j] * gb[i * cols + j] + eps1;
            cb[j] = beta_2_t * cb[j] + (one - beta_2_t) * (s / static_cast<T>(rows));
          }
          T r_mean = 0;
          for (int64_t i = 0; i < rows; ++i) r_mean += rb[i];
          r_mean /= static_cast<T>(rows);
          T* vb = v + b * rows * cols;
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) vb[i * cols + j] = (rb[i] / r_mean) * cb[j];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) v[i] = beta_2_t * v[i] + (one - beta_2_t) * (g[i] * g[i] + eps1);
      }
      std::vector<T> u(static_cast<size_t>(n));
      double u_sq = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        u[static_cast<size_t>(i)] = g[i] / std::sqrt(v[i]);
        u_sq += static_cast<double>(u[static_cast<size_t>(i)]) * static_cast<double>(u[static_cast<size_t>(i)]);
      }
      const T u_rms = static_cast<T>(std::sqrt(u_sq / static_cast<double>(std::max<int64_t>(n, 1))));
      const T denom = std::max(one, u_rms / static_cast<T>(c.clip_threshold));
      for (int64_t i = 0; i < n; ++i) var[i] -= alpha_t * (u[static_cast<size_t>(i)] / denom);
      break;
    }
    default:
      break;
  }
}

}  // namespace

void update(const Config& c, float* var, const float* g, std::vector<Tensor>& slots, const Shape& shape,
            int64_t step) {
  update_typed<float>(c, var, g, slots, shape, step);
}
void update(const Config& c, double* var, const double* g, std::vector<Tensor>& slots, const Shape& shape,
            int64_t step) {
  update_typed<double>(c, var, g, slots, shape, step);
}

}  // namespace rules
}  // namespace optim
}  // namespace core
}  // namespace recurrent
