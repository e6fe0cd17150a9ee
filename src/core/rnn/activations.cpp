// The activations of the fused kernels, forward and backward, on contiguous rows. One
// translation unit for all cells: these switch over every activation for float and
// double, which costs seconds of compile time in each file that instantiates them.
#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

// p[0..n) <- act(p[0..n)), in place. Eigen's array functions vectorise exp and
// (for float) tanh, which keeps the pointwise pass cheap next to the GEMMs.
template <typename T>
void act_forward(Act a, T* p, int64_t n) {
  if (std::is_same<T, float>::value && (a == Act::Tanh || a == Act::Sigmoid)) {
    // kernels/maths.h: Eigen 3.3 has no vectorised tanh for AVX-512 and its sigmoid needs
    // two passes; these run at the level the CPU supports
    float* f = reinterpret_cast<float*>(p);
    if (a == Act::Tanh)
      kernels::tanh_floats(f, n);
    else
      kernels::sigmoid_floats(f, n);
    return;
  }
  ArrMap<T> v(p, n);
  switch (a) {
    case Act::Linear: return;
    case Act::Tanh: v = v.tanh(); return;
    case Act::Sigmoid: v = (T(1) + (-v).exp()).inverse(); return;
    case Act::HardSigmoid: v = (v * T(1.0 / 6.0) + T(0.5)).max(T(0)).min(T(1)); return;  // relu6(x + 3) / 6
    case Act::HardSigmoidKeras2: v = (v * T(0.2) + T(0.5)).max(T(0)).min(T(1)); return;
    case Act::Relu: v = v.max(T(0)); return;
    case Act::Relu6: v = v.max(T(0)).min(T(6)); return;
    case Act::Softsign: v = v / (T(1) + v.abs()); return;
    case Act::Swish: v = v * (T(1) + (-v).exp()).inverse(); return;
    case Act::Exponential: v = v.exp(); return;
    case Act::Elu:
      for (int64_t j = 0; j < n; ++j) p[j] = p[j] > T(0) ? p[j] : std::expm1(p[j]);
      return;
    case Act::Selu:
      for (int64_t j = 0; j < n; ++j)
        p[j] = p[j] > T(0) ? T(kSeluScale) * p[j] : T(kSeluScale * kSeluAlpha) * std::expm1(p[j]);
      return;
    case Act::Softplus:  // log(1 + exp(x)) without overflow
      for (int64_t j = 0; j < n; ++j) p[j] = std::max(p[j], T(0)) + std::log1p(std::exp(-std::abs(p[j])));
      return;
  }
}

// g[0..n) *= act'(x), given y = act(x) (and x itself when act_needs_input(a)).
template <typename T>
void act_backward(Act a, const T* x, const T* y, T* g, int64_t n) {
  ArrMap<T> gv(g, n);
  CArrMap<T> yv(y, n);
  switch (a) {
    case Act::Linear: return;
    case Act::Tanh: gv *= T(1) - yv.square(); return;
    case Act::Sigmoid: gv *= yv * (T(1) - yv); return;
    case Act::HardSigmoid: gv *= ((yv > T(0)) && (yv < T(1))).template cast<T>() * T(1.0 / 6.0); return;
    case Act::HardSigmoidKeras2: gv *= ((yv > T(0)) && (yv < T(1))).template cast<T>() * T(0.2); return;
    case Act::Relu: gv *= (yv > T(0)).template cast<T>(); return;
    case Act::Relu6: gv *= ((yv > T(0)) && (yv < T(6))).template cast<T>(); return;
    case Act::Softsign: gv *= (T(1) - yv.abs()).square(); return;  // 1 / (1 + |x|)^2
    case Act::Exponential: gv *= yv; return;
    case Act::Elu:  // exp(x) = y + 1 below zero
      for (int64_t j = 0; j < n; ++j) g[j] *= y[j] > T(0) ? T(1) : y[j] + T(1);
      return;
    case Act::Selu:
      for (int64_t j = 0; j < n; ++j) g[j] *= y[j] > T(0) ? T(kSeluScale) : y[j] + T(kSeluScale * kSeluAlpha);
      return;
    case Act::Softplus:  // sigmoid(x) = 1 - exp(-y)
      for (int64_t j = 0; j < n; ++j) g[j] *= -std::expm1(-y[j]);
      return;
    case Act::Swish: {  // s + y (1 - s), s = sigmoid(x)
      CArrMap<T> xv(x, n);
      gv *= (T(1) + (-xv).exp()).inverse() * (T(1) - yv) + yv;
      return;
    }
  }
}

template void act_forward<float>(Act, float*, int64_t);
template void act_forward<double>(Act, double*, int64_t);
template void act_backward<float>(Act, const float*, const float*, float*, int64_t);
template void act_backward<double>(Act, const double*, const double*, double*, int64_t);

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
