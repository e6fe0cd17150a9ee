// Elementwise ops with NumPy broadcasting, their gradients, and sum_to / broadcast_to.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "kernels/dispatch.h"
#include "ops.h"

namespace recurrent {
namespace core {

namespace ops {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    const int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                  " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int normalize_axis(int axis, int ndim, const char* op) {
  const int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim)
    throw Error(std::string(op) + ": axis " + std::to_string(axis >= 0 ? axis + 1 : axis) +
                " is out of range for a tensor with " + std::to_string(ndim) + " dimensions");
  return a;
}

DType promote(DType a, DType b) {
  if (a == DType::Float64 || b == DType::Float64) return DType::Float64;
  if (a == DType::Float32 || b == DType::Float32) return DType::Float32;
  return DType::Int32;
}

Tensor as_dtype(const Tensor& x, DType d) { return x.dtype() == d ? x : cast(x, d); }

// ---------------------------------------------------------------- binary

namespace {

template <typename T>
T apply_binary(Binary op, T x, T y) {
  switch (op) {
    case Binary::Add: return x + y;
    case Binary::Sub: return x - y;
    case Binary::Mul: return x * y;
    case Binary::Div: return x / y;
    case Binary::Max: return x >= y ? x : y;
    case Binary::Min: return x <= y ? x : y;
    case Binary::Pow: return std::pow(x, y);
  }
  return T(0);
}

// + - * / on operands of the same shape, or a tensor and a one-element operand (the
// arithmetic of cells written in R), float32 and float64, on the dispatched vector
// kernels: bitwise the same as the scalar loop. Returns false for the other cases.
template <typename T>
bool arith_kernel(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  if constexpr (!std::is_floating_point<T>::value) {
    return false;  // int32: the scalar loop
  } else {
    kernels::ArithOp k;
    switch (op) {
      case Binary::Add: k = kernels::kAdd; break;
      case Binary::Sub: k = kernels::kSub; break;
      case Binary::Mul: k = kernels::kMul; break;
      case Binary::Div: k = kernels::kDiv; break;
      default: return false;
    }
    const kernels::ArithMode mode = a.shape() == b.shape() ? kernels::kBothArrays
                                    : b.size() == 1        ? kernels::kScalarRight
                                    : a.size() == 1        ? kernels::kScalarLeft
                                                           : kernels::ArithMode(-1);
    if (mode < 0) return false;
    kernels::arith(k, mode, a.data<T>(), b.data<T>(), out.data<T>(), out.size());
    return true;
  }
}

template <typename T, typename F>
void binary_kernel(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const int64_t n = out.size();
  if (a.shape() == b.shape()) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
  } else if (b.size() == 1) {
    const T y = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], y);
  } else if (a.size() == 1) {
    const T x = pa[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(x, pb[i]);
  } else {
    kernels::broadcast_binary(out.shape(), pa, a.shape(), pb, b.shape(), po, f);
  }
}

const char* binary_name(Binary op) {
  switch (op) {
    case Binary::Add: return "op_add";
    case Binary::Sub: return "op_subtract";
    case Binary::Mul: return "op_multiply";
    case Binary::Div: return "op_divide";
    case Binary::Max: return "op_maximum";
    case Binary::Min: return "op_minimum";
    case Binary::Pow: return "op_power";
  }
  return "op";
}

Tensor binary_raw(Binary op, const Tensor& a0, const Tensor& b0) {
  const DType dt = promote(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), binary_name(op)), dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if (arith_kernel<T>(op, a, b, out)) return 0;
    switch (op) {
      case Binary::Add: binary_kernel<T>(a, b, out, [](T x, T y) { return x + y; }); break;
      case Binary::Sub: binary_kernel<T>(a, b, out, [](T x, T y) { return x - y; }); break;
      case Binary::Mul: binary_kernel<T>(a, b, out, [](T x, T y) { return x * y; }); break;
      case Binary::Div: binary_kernel<T>(a, b, out, [](T x, T y) { return x / y; }); break;
      default: binary_kernel<T>(a, b, out, [op](T x, T y) { return apply_binary(op, x, y); });
    }
    return 0;
  });
  if (dt == DType::Int32) {  // integer division truncates toward zero, as int32 does
    if (op == Binary::Div) out = cast(out, DType::Float32);
  }
  return out;
}

}  // namespace

Tensor binary(Binary op, const Tensor& a, const Tensor& b) {
  Tensor out;
  {
    GradModeGuard g(false);
    out = binary_raw(op, a, b);
  }
  if (!recording(a, b)) return out;
  Tensor ad = a.detach(), bd = b.detach(), od = out.detach();
  const Shape sa = a.shape(), sb = b.shape();
  record(binary_name(op), {a, b}, out, [op, ad, bd, od, sa, sb](const std::vector<Tensor>& go) {
    const Tensor& g = go[0];
    Tensor ga, gb;
    switch (op) {
      case Binary::Add: ga = g; gb = g; break;
      case Binary::Sub: ga = g; gb = unary(Unary::Neg, g); break;
      case Binary::Mul: ga = mul(g, bd); gb = mul(g, ad); break;
      case Binary::Div:
        ga = div(g, bd);
        gb = unary(Unary::Neg, div(mul(g, od), bd));
        break;
      case Binary::Max:
      case Binary::Min: {
        Tensor pick_a = compare(op == Binary::Max ? Compare::Ge : Compare::Le, ad, bd);
        Tensor zero = Tensor::scalar(0.0, g.dtype());
        ga = where(pick_a, g, zero);
        gb = where(pick_a, zero, g);
        break;
      }
      case Binary::Pow: {
        // d/da a^b = b a^(b-1); d/db a^b = a^b log(a)
        ga = mul(g, mul(bd, binary(Binary::Pow, ad, sub(bd, Tensor::scalar(1.0, bd.dtype())))));
        gb = mul(g, mul(od, unary(Unary::Log, ad)));
        break;
      }
    }
    return std::vector<Tensor>{sum_to(ga, sa), sum_to(gb, sb)};
  });
  return out;
}

Tensor compare(Compare op, const Tensor& a0, const Tensor& b0) {
  const DType dt = promote(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt).detach(), b = as_dtype(b0, dt).detach();
  Tensor out(broadcast_shapes(a.shape(), b.shape(), "comparison"), DType::Bool);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    Tensor tmp(out.shape(), dt);
    auto f = [op](T x, T y) -> T {
      switch (op) {
        case Compare::Eq: return x == y;
        case Compare::Ne: return x != y;
        case Compare::Gt: return x > y;
        case Compare::Ge: return x >= y;
        case Compare::Lt: return x < y;
        case Compare::Le: return x <= y;
        case Compare::And: return x != 0 && y != 0;
        case Compare::Or: return x != 0 || y != 0;
      }
      return 0;
    };
    binary_kernel<T>(a, b, tmp, f);
    double* po = out.data<double>();
    const T* pt = tmp.data<T>();
    for (int64_t i = 0; i < out.size(); ++i) po[i] = static_cast<double>(pt[i]);
    return 0;
  });
  return out;
}

Tensor logical_not(const Tensor& a) {
  Tensor out(a.shape(), DType::Bool);
  double* po = out.data<double>();
  for (int64_t i = 0; i < a.size(); ++i) po[i] = a.at(i) == 0 ? 1.0 : 0.0;
  return out;
}

// ---------------------------------------------------------------- unary

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

template <typename T>
T apply_unary(Unary op, T x) {
  switch (op) {
    case Unary::Neg: return -x;
    case Unary::Square: return x * x;
    case Unary::Sqrt: return std::sqrt(x);
    case Unary::Exp: return std::exp(x);
    case Unary::Log: return std::log(x);
    case Unary::Abs: return std::abs(x);
    case Unary::Tanh: return std::tanh(x);
    case Unary::Sigmoid: return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    case Unary::Relu: return x > 0 ? x : T(0);
    case Unary::Sign: return static_cast<T>((x > 0) - (x < 0));
    case Unary::Softplus: return x > 20 ? x : std::log1p(std::exp(x));
    case Unary::Silu: return x / (T(1) + std::exp(-x));
    case Unary::Selu:
      return static_cast<T>(kSeluScale * (x > 0 ? x : kSeluAlpha * (std::exp(x) - T(1))));
    case Unary::HardSigmoid: return std::min(T(1), std::max(T(0), (x + T(3)) / T(6)));
    case Unary::Gelu: return static_cast<T>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    case Unary::GeluTanh: {
      const double k = std::sqrt(2.0 / M_PI);
      return static_cast<T>(0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x))));
    }
    case Unary::Log1p: return std::log1p(x);
    case Unary::Expm1: return std::expm1(x);
    case Unary::Sin: return std::sin(x);
    case Unary::Cos: return std::cos(x);
    case Unary::Floor: return std::floor(x);
    case Unary::Ceil: return std::ceil(x);
    case Unary::Round: return std::nearbyint(x);  // half to even, as NumPy
    case Unary::Reciprocal: return T(1) / x;
  }
  return x;
}

// derivative of op at x, where y = op(x)
template <typename T>
T unary_grad(Unary op, T x, T y) {
  switch (op) {
    case Unary::Neg: return T(-1);
    case Unary::Square: return T(2) * x;
    case Unary::Sqrt: return T(0.5) / y;
    case Unary::Exp: return y;
    case Unary::Log: return T(1) / x;
    case Unary::Abs: return static_cast<T>((x > 0) - (x < 0));
    case Unary::Tanh: return T(1) - y * y;
    case Unary::Sigmoid: return y * (T(1) - y);
    case Unary::Relu: return x > 0 ? T(1) : T(0);
    case Unary::Softplus: return apply_unary(Unary::Sigmoid, x);
    case Unary::Silu: {
      const T s = apply_unary(Unary::Sigmoid, x);
      return s * (T(1) + x * (T(1) - s));
    }
    case Unary::Selu: return static_cast<T>(kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x)));
    case Unary::HardSigmoid: return (x > T(-3) && x < T(3)) ? T(1) / T(6) : T(0);
    case Unary::Gelu: {
      const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
      return static_cast<T>(0.5 * (1.0 + std::erf(x / std::sqrt(2.0))) + x * pdf);
    }
    case Unary::GeluTanh: {
      const double k = std::sqrt(2.0 / M_PI);
      const double u = k * (x + 0.044715 * x * x * x);
      const double t = std::tanh(u);
      return static_cast<T>(0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x));
    }
    case Unary::Log1p: return T(1) / (T(1) + x);
    case Unary::Expm1: return y + T(1);
    case Unary::Sin: return std::cos(x);
    case Unary::Cos: return -std::sin(x);
    case Unary::Reciprocal: return -y * y;
    case Unary::Sign:
    case Unary::Floor:
    case Unary::Ceil:
    case Unary::Round: return T(0);
  }
  return T(0);
}

const char* unary_name(Unary op) {
  switch (op) {
    case Unary::Neg: return "op_negative";
    case Unary::Square: return "op_square";
    case Unary::Sqrt: return "op_sqrt";
    case Unary::Exp: return "op_exp";
    case Unary::Log: return "op_log";
    case Unary::Abs: return "op_abs";
    case Unary::Tanh: return "op_tanh";
    case Unary::Sigmoid: return "op_sigmoid";
    case Unary::Relu: return "op_relu";
    case Unary::Sign: return "op_sign";
    case Unary::Softplus: return "op_softplus";
    case Unary::Silu: return "op_silu";
    case Unary::Selu: return "op_selu";
    case Unary::HardSigmoid: return "op_hard_sigmoid";
    case Unary::Gelu: return "op_gelu";
    case Unary::GeluTanh: return "op_gelu";
    case Unary::Log1p: return "op_log1p";
    case Unary::Expm1: return "op_expm1";
    case Unary::Sin: return "op_sin";
    case Unary::Cos: return "op_cos";
    case Unary::Floor: return "op_floor";
    case Unary::Ceil: return "op_ceil";
    case Unary::Round: return "op_round";
    case Unary::Reciprocal: return "op_reciprocal";
  }
  return "op";
}

// float32 exp, tanh and sigmoid through the dispatched vector kernels (kernels/maths.h,
// about 2e-7 relative, against ~50 ns per element for std::); float64 keeps std::.
bool float_activation(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::Exp: kernels::exp_floats(x, y, n); return true;
    case Unary::Tanh:
      std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
      kernels::tanh_floats(y, n);
      return true;
    case Unary::Sigmoid:
      std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
      kernels::sigmoid_floats(y, n);
      return true;
    default: return false;
  }
}

}  // namespace

Tensor unary(Unary op, const Tensor& x0) {
  const bool keeps_int = op == Unary::Neg || op == Unary::Abs || op == Unary::Square || op == Unary::Sign ||
                         op == Unary::Relu;
  const DType dt = is_float(x0.dtype()) ? x0.dtype() : (keeps_int ? DType::Int32 : DType::Float32);
  Tensor x = as_dtype(x0, dt).detach();
  Tensor out = Tensor::empty(x.shape(), dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const int64_t n = x.size();
    if constexpr (std::is_same<T, float>::value) {
      if (float_activation(op, px, po, n)) return 0;
    }
    switch (op) {  // the common activations get their own loops
      case Unary::Tanh: for (int64_t i = 0; i < n; ++i) po[i] = std::tanh(px[i]); break;
      case Unary::Exp: for (int64_t i = 0; i < n; ++i) po[i] = std::exp(px[i]); break;
      default: for (int64_t i = 0; i < n; ++i) po[i] = apply_unary(op, px[i]);
    }
    return 0;
  });
  if (!recording(x0)) return out;
  Tensor od = out.detach();
  record(unary_name(op), {x0}, out, [op, x, od](const std::vector<Tensor>& go) {
    const Tensor& g = go[0];
    Tensor gx = Tensor::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      const T* py = od.data<T>();
      Tensor gc = as_dtype(g, x.dtype());
      const T* pg = gc.data<T>();
      T* pr = gx.data<T>();
      const int64_t n = x.size();
      switch (op) {  // the common activations get loops the compiler vectorises
        case Unary::Tanh: for (int64_t i = 0; i < n; ++i) pr[i] = pg[i] * (T(1) - py[i] * py[i]); break;
        case Unary::Sigmoid: for (int64_t i = 0; i < n; ++i) pr[i] = pg[i] * py[i] * (T(1) - py[i]); break;
        case Unary::Exp: for (int64_t i = 0; i < n; ++i) pr[i] = pg[i] * py[i]; break;
        default: for (int64_t i = 0; i < n; ++i) pr[i] = pg[i] * unary_grad(op, px[i], py[i]);
      }
      return 0;
    });
    return std::vector<Tensor>{gx};
  });
  return out;
}

Tensor unary_from_name(const std::string& name, const Tensor& x) {
  static const std::vector<std::pair<std::string, Unary>> table = {
      {"negative", Unary::Neg}, {"square", Unary::Square}, {"sqrt", Unary::Sqrt}, {"exp", Unary::Exp},
      {"log", Unary::Log}, {"abs", Unary::Abs}, {"tanh", Unary::Tanh}, {"sigmoid", Unary::Sigmoid},
      {"relu", Unary::Relu}, {"sign", Unary::Sign}, {"softplus", Unary::Softplus}, {"silu", Unary::Silu},
      {"swish", Unary::Silu}, {"selu", Unary::Selu}, {"hard_sigmoid", Unary::HardSigmoid},
      {"gelu", Unary::Gelu}, {"gelu_tanh", Unary::GeluTanh}, {"log1p", Unary::Log1p}, {"expm1", Unary::Expm1},
      {"sin", Unary::Sin}, {"cos", Unary::Cos}, {"floor", Unary::Floor}, {"ceil", Unary::Ceil},
      {"round", Unary::Round}, {"reciprocal", Unary::Reciprocal}};
  for (const auto& kv : table)
    if (kv.first == name) return unary(kv.second, x);
  if (name == "linear") return x;
  throw Error("unknown elementwise function \"" + name + "\"");
}

// Piecewise ops with a parameter: built from where() so their gradients come free.
Tensor elu(const Tensor& x, double alpha) {
  Tensor zero = Tensor::scalar(0.0, x.dtype());
  Tensor neg = mul(Tensor::scalar(alpha, x.dtype()), unary(Unary::Expm1, binary(Binary::Min, x, zero)));
  return where(compare(Compare::Gt, x, zero), x, neg);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  Tensor zero = Tensor::scalar(0.0, x.dtype());
  return where(compare(Compare::Ge, x, zero), x, mul(x, Tensor::scalar(negative_slope, x.dtype())));
}

Tensor clip(const Tensor& x, double lo, double hi) {
  const DType dt = x.dtype();
  return binary(Binary::Min, binary(Binary::Max, x, Tensor::scalar(lo, dt)), Tensor::scalar(hi, dt));
}

Tensor where(const Tensor& cond, const Tensor& a0, const Tensor& b0) {
  const DType dt = promote(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "op_where"), b.shape(), "op_where");
  Tensor c = broadcast_to(cond.dtype() == DType::Bool ? cond.detach() : compare(Compare::Ne, cond,
                          Tensor::scalar(0.0, cond.dtype())), s);
  Tensor out(s, dt);
  {
    GradModeGuard off(false);
    Tensor ab = broadcast_to(a.detach(), s), bb = broadcast_to(b.detach(), s);
    dispatch(dt, [&](auto tag) {
      using T = decltype(tag);
      const double* pc = c.data<double>();
      const T* pa = ab.data<T>();
      const T* pb = bb.data<T>();
      T* po = out.data<T>();
      for (int64_t i = 0; i < out.size(); ++i) po[i] = pc[i] != 0 ? pa[i] : pb[i];
      return 0;
    });
  }
  if (!recording(a, b)) return out;
  const Shape sa = a.shape(), sb = b.shape();
  record("op_where", {a, b}, out, [c, sa, sb](const std::vector<Tensor>& go) {
    Tensor zero = Tensor::scalar(0.0, go[0].dtype());
    return std::vector<Tensor>{sum_to(where(c, go[0], zero), sa), sum_to(where(c, zero, go[0]), sb)};
  });
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out(x.shape(), dtype);
  const int64_t n = x.size();
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    if (dtype == DType::Bool) {
      for (int64_t i = 0; i < n; ++i) po[i] = x.at(i) != 0 ? T(1) : T(0);
    } else if (dtype == DType::Int32) {
      for (int64_t i = 0; i < n; ++i) po[i] = static_cast<T>(std::trunc(x.at(i)));
    } else if (x.dtype() == DType::Float32) {
      const float* px = x.data<float>();
      for (int64_t i = 0; i < n; ++i) po[i] = static_cast<T>(px[i]);
    } else {
      const double* px = x.data<double>();
      for (int64_t i = 0; i < n; ++i) po[i] = static_cast<T>(px[i]);
    }
    return 0;
  });
  if (is_float(dtype) && is_float(x.dtype()) && recording(x)) {
    const DType from = x.dtype();
    record("op_cast", {x}, out, [from](const std::vector<Tensor>& go) {
      return std::vector<Tensor>{cast(go[0], from)};
    });
  }
  return out;
}

Tensor stop_gradient(const Tensor& x) { return x.detach(); }

// ---------------------------------------------------------------- broadcasting helpers

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  Shape s = broadcast_shapes(x.shape(), shape, "op_broadcast_to");
  if (s != shape)
    throw Error("op_broadcast_to: cannot broadcast a tensor of shape " + shape_str(x.shape()) + " to " +
                shape_str(shape));
  Tensor out = Tensor::empty(shape, x.dtype());  // every element written below
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (x.size() == 1) {  // a single value (the gradient of a sum): a fill
      std::fill(out.data<T>(), out.data<T>() + out.size(), x.data<T>()[0]);
    } else {
      kernels::broadcast_binary(shape, x.data<T>(), x.shape(), x.data<T>(), Shape{}, out.data<T>(),
                                [](T a, T) { return a; });
    }
    return 0;
  });
  if (recording(x)) {
    const Shape sx = x.shape();
    record("op_broadcast_to", {x}, out, [sx](const std::vector<Tensor>& go) {
      return std::vector<Tensor>{sum_to(go[0], sx)};
    });
  }
  return out;
}

}  // namespace ops

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int lead = grad.ndim() - static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int i = 0; i < grad.ndim(); ++i) {
    if (i < lead || (shape[static_cast<size_t>(i - lead)] == 1 && grad.dim(i) != 1)) axes.push_back(i);
  }
  Tensor r = axes.empty() ? grad : ops::reduce(ops::Reduce::Sum, grad, axes, true);
  return r.view(shape);
}

}  // namespace core
}  // namespace recurrent
