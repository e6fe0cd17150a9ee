// fused_rnn(): argument checks, input layout, output assembly and the one autograd node of a fused call.
#include "fused.h"

#include <algorithm>
#include <memory>

#include "../autograd.h"
#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {

using detail::Act;
using detail::Back;
using detail::Dropout;
using detail::Run;

FusedSpec::Kind fused_kind_from_name(const std::string& name) {
  if (name == "lstm") return FusedSpec::Kind::Lstm;
  if (name == "gru") return FusedSpec::Kind::Gru;
  if (name == "simple" || name == "simple_rnn") return FusedSpec::Kind::Simple;
  throw Error("fused_rnn: kind must be one of \"simple\", \"gru\", \"lstm\", got \"" + name + "\"");
}

int fused_gate_count(FusedSpec::Kind kind) {
  switch (kind) {
    case FusedSpec::Kind::Lstm: return 4;
    case FusedSpec::Kind::Gru: return 3;
    case FusedSpec::Kind::Simple: return 1;
  }
  return 1;
}

int fused_state_count(FusedSpec::Kind kind) { return kind == FusedSpec::Kind::Lstm ? 2 : 1; }

namespace detail {

Act act_from_name(const std::string& name, const char* arg) {
  if (name == "tanh") return Act::Tanh;
  if (name == "sigmoid") return Act::Sigmoid;
  if (name == "linear" || name.empty()) return Act::Linear;
  if (name == "relu") return Act::Relu;
  if (name == "relu6") return Act::Relu6;
  if (name == "hard_sigmoid") return Act::HardSigmoid;
  if (name == "hard_sigmoid_keras2") return Act::HardSigmoidKeras2;
  if (name == "elu") return Act::Elu;
  if (name == "selu") return Act::Selu;
  if (name == "softplus") return Act::Softplus;
  if (name == "softsign") return Act::Softsign;
  if (name == "swish" || name == "silu") return Act::Swish;
  if (name == "exponential") return Act::Exponential;
  throw Error(std::string("fused_rnn: ") + arg + " \"" + name +
              "\" has no fused kernel; expected one of tanh, sigmoid, linear, relu, relu6, hard_sigmoid, hard_sigmoid_keras2, "
              "elu, selu, softplus, softsign, swish, silu, exponential");
}

}  // namespace detail

bool fused_activation_supported(const std::string& name) {
  try {
    detail::act_from_name(name, "activation");
    return true;
  } catch (const Error&) {
    return false;
  }
}

namespace {

// Any dtype's values as T (masks arrive as bool or float tensors).
template <typename T>
std::vector<T> values_as(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DType::Float32) {
    const float* p = t.data<float>();
    std::copy(p, p + t.size(), v.begin());
  } else {
    const double* p = t.data<double>();
    std::copy(p, p + t.size(), v.begin());
  }
  return v;
}

std::string what_got(const Tensor& t) { return shape_str(t.shape()) + " " + dtype_name(t.dtype()); }

void check_float_like(const Tensor& t, const char* name, DType dtype, const Shape& want) {
  if (t.dtype() != dtype || t.shape() != want)
    throw Error(std::string("fused_rnn: ") + name + " must be a " + dtype_name(dtype) + " tensor of shape " +
                shape_str(want) + ", got " + what_got(t));
}

template <typename T>
Dropout<T> dropout_mask(const Tensor& m, const char* name, int64_t B, int64_t D, int k) {
  Dropout<T> d;
  if (!m.defined()) return d;
  if (!is_float(m.dtype()))
    throw Error(std::string("fused_rnn: ") + name + " must be a float tensor, got " + what_got(m));
  const Shape& s = m.shape();
  d.B = B;
  d.D = D;
  if (s == Shape{B, D} || s == Shape{1, B, D}) {
    d.mode = Dropout<T>::Mode::Shared;
  } else if (s == Shape{k, B, D}) {
    d.mode = k == 1 ? Dropout<T>::Mode::Shared : Dropout<T>::Mode::PerGate;
  } else {
    throw Error(std::string("fused_rnn: ") + name + " must have shape " + shape_str({B, D}) + " or, one per gate, " +
                shape_str({k, B, D}) + ", got " + shape_str(s));
  }
  d.data = values_as<T>(m);
  return d;
}

// Moves rows of I values between the caller's (B, T, I) layout and the time-major
// (S*B, I) one in processing order, times the input dropout mask when one mask serves
// every gate: the mask scales x on the way in, so it scales dx on the way out.
template <typename T>
void reorder_input_rows(const Run<T>& r, const T* src, T* dst, bool to_time_major) {
  const int64_t B = r.B, S = r.S, I = r.I;
  const bool shared = r.din.mode == Dropout<T>::Mode::Shared;
  for (int64_t s = 0; s < S; ++s) {
    const int64_t t = r.go_backwards ? S - 1 - s : s;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t time_major = (s * B + b) * I, batch_major = (b * S + t) * I;
      const T* from = src + (to_time_major ? batch_major : time_major);
      T* to = dst + (to_time_major ? time_major : batch_major);
      if (shared)
        detail::mul_rows(from, r.din.gate(0) + b * I, to, I);
      else
        std::copy(from, from + I, to);
    }
  }
}

// (S*B, I) copy of xs times gate g's input dropout mask.
template <typename T>
std::vector<T> masked_inputs(const Run<T>& r, int g) {
  const int64_t B = r.B, I = r.I;
  std::vector<T> out(static_cast<size_t>(r.S * B * I));
  const T* xs = r.xs.data();
  for (int64_t s = 0; s < r.S; ++s) detail::mul_rows(xs + s * B * I, r.din.gate(g), out.data() + s * B * I, B * I);
  return out;
}

// G (S*B, kH) = xs W + b_in: one GEMM for all timesteps (k GEMMs with per-gate masks).
template <typename T>
void input_projection(Run<T>& r) {
  const int64_t n = r.S * r.B, I = r.I, H = r.H, kH = r.kH();
  const std::vector<T>& bias_in = r.bias_in;
  T* G = r.G.data();
  const T* b = bias_in.empty() ? nullptr : bias_in.data();
  if (!r.din.per_gate()) {
    detail::gemm_strided(false, n, kH, I, r.xs.data(), I, 1, r.W, kH, 1, G, kH, b);
  } else {
    for (int g = 0; g < r.k; ++g) {
      std::vector<T> xm = masked_inputs(r, g);
      detail::gemm_strided(false, n, H, I, xm.data(), I, 1, r.W + g * H, kH, 1, G + g * H, kH, b ? b + g * H : nullptr);
    }
  }
}

// The input projection and the time loop; h(0) and c(0) already hold the initial states.
template <typename T>
void forward_pass(Run<T>& r) {
  input_projection(r);
  switch (r.kind) {
    case FusedSpec::Kind::Lstm: detail::lstm_forward(r); break;
    case FusedSpec::Kind::Gru: detail::gru_forward(r); break;
    case FusedSpec::Kind::Simple: detail::simple_forward(r); break;
  }
}

// The input side of backward, shared by every cell: dW, d(input bias) and dx from
// dXW = d(loss)/d(input projection).
// dU, when given, is h_prev^T dXW (LSTM and SimpleRNN without recurrent dropout) and
// shares the packing of dXW with dW.
template <typename T>
void input_backward(Run<T>& r, const T* dXW, T* dx, T* dW, T* db, T* dU) {
  const int64_t B = r.B, S = r.S, n = S * B, I = r.I, H = r.H, kH = r.kH();
  if (db) {
    std::fill(db, db + kH, T(0));
    detail::add_colsums(dXW, n, kH, kH, db);
  }
  if (dW || dU) {
    std::vector<detail::RowGroup<T>> groups;
    if (dW && !r.din.per_gate()) groups.push_back({I, r.xs.data(), 1, I, dW, kH});  // x^T dXW
    if (dU) groups.push_back({H, r.h(0), 1, H, dU, kH});                           // h_prev^T dXW
    if (!groups.empty())
      detail::gemm_strided_multi(false, kH, n, groups.data(), static_cast<int>(groups.size()), dXW, kH, 1);
  }
  if (dW && r.din.per_gate()) {
    for (int g = 0; g < r.k; ++g) {
      std::vector<T> xm = masked_inputs(r, g);
      detail::gemm_tn(false, I, H, n, xm.data(), I, dXW + g * H, kH, dW + g * H, kH);
    }
  }
  if (!dx) return;
  // time-major d(xs), then back to (B, T, I) in the caller's time order
  detail::AlignedBuf<T> dxs_buf;
  dxs_buf.resize(std::max<int64_t>(n * I, 1));
  T* dxs = dxs_buf.data();
  if (!r.din.per_gate()) {
    detail::gemm_nt(false, n, I, kH, dXW, kH, r.W, kH, dxs, I);
  } else {
    std::fill(dxs, dxs + n * I, T(0));
    std::vector<T> tmp(static_cast<size_t>(n * I));
    for (int g = 0; g < r.k; ++g) {
      detail::gemm_nt(false, n, I, H, dXW + g * H, kH, r.W + g * H, kH, tmp.data(), I);
      const T* m = r.din.gate(g);
      for (int64_t s = 0; s < S; ++s)
        detail::ArrMap<T>(dxs + s * B * I, B * I) +=
            detail::CArrMap<T>(tmp.data() + s * B * I, B * I) * detail::CArrMap<T>(m, B * I);
    }
  }
  reorder_input_rows(r, dxs, dx, /*to_time_major=*/false);
}

template <typename T>
std::vector<Tensor> run_fused(const FusedSpec& spec, const Tensor& x, const std::vector<Tensor>& states,
                              const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
                              const Tensor& mask, const Tensor& input_dropout, const Tensor& recurrent_dropout) {
  using Kind = FusedSpec::Kind;
  auto run = std::make_shared<Run<T>>();
  Run<T>& r = *run;
  r.kind = spec.kind;
  r.dtype = x.dtype();
  r.k = fused_gate_count(spec.kind);
  r.B = x.dim(0);
  r.S = x.dim(1);
  r.I = x.dim(2);
  r.H = recurrent_kernel.dim(0);
  r.act = detail::act_from_name(spec.activation, "activation");
  r.rec = spec.kind == Kind::Simple ? Act::Linear : detail::act_from_name(spec.recurrent_activation, "recurrent_activation");
  r.reset_after = spec.kind == Kind::Gru && spec.reset_after;
  r.go_backwards = spec.go_backwards;
  r.return_sequences = spec.return_sequences;
  r.zero_output_for_mask = spec.zero_output_for_mask;
  const int64_t B = r.B, S = r.S, I = r.I, H = r.H, kH = r.kH();
  const int n_states = fused_state_count(spec.kind);

  // one node for all outputs; inputs: x, the given states, kernel, recurrent_kernel, bias
  std::vector<Tensor> inputs{x};
  for (const auto& st : states) inputs.push_back(st);
  inputs.push_back(kernel);
  inputs.push_back(recurrent_kernel);
  if (bias.defined()) inputs.push_back(bias);
  r.keep = needs_record(inputs);

  r.kernel = kernel;
  r.recurrent_kernel = recurrent_kernel;
  r.bias = bias;
  r.W = kernel.data<T>();
  r.U = recurrent_kernel.data<T>();

  r.din = dropout_mask<T>(input_dropout, "input_dropout", B, I, static_cast<int>(r.k));
  r.drec = dropout_mask<T>(recurrent_dropout, "recurrent_dropout", B, H, static_cast<int>(r.k));

  // valid: mask in processing order; emit: whether the output at (s, b) is the state
  // (an unmasked step, or a masked one after some unmasked step, when masked steps
  // repeat the previous output) or zeros (keras/src/backend/tensorflow/rnn.py).
  if (mask.defined()) {
    std::vector<double> m = values_as<double>(mask);
    r.valid.resize(static_cast<size_t>(S * B));
    r.emit.resize(static_cast<size_t>(S * B));
    std::vector<unsigned char> seen(static_cast<size_t>(B), 0);
    for (int64_t s = 0; s < S; ++s) {
      const int64_t t = r.go_backwards ? S - 1 - s : s;
      for (int64_t b = 0; b < B; ++b) {
        const bool v = m[static_cast<size_t>(b * S + t)] != 0;
        const size_t i = static_cast<size_t>(s * B + b);
        r.valid[i] = v;
        if (v) seen[static_cast<size_t>(b)] = 1;
        r.emit[i] = v || (!r.zero_output_for_mask && seen[static_cast<size_t>(b)]);
      }
    }
  }

  std::vector<T>& bias_in = r.bias_in;
  if (bias.defined()) {
    std::vector<T> bv = values_as<T>(bias);
    if (r.reset_after) {  // row 1 input bias; the recurrent z and r biases add to it
      bias_in.assign(bv.begin(), bv.begin() + kH);
      for (int64_t j = 0; j < 2 * H; ++j) bias_in[static_cast<size_t>(j)] += bv[static_cast<size_t>(kH + j)];
      r.b_rec = r.bias.template data<T>() + kH;
    } else {
      bias_in = bv;
    }
  }

  r.xs.alloc(S * B * I, r.keep, r.dtype);
  reorder_input_rows(r, x.data<T>(), r.xs.data(), /*to_time_major=*/true);
  r.G.alloc(S * B * kH, r.keep, r.dtype);

  r.store_pre = detail::act_needs_input(r.act) || detail::act_needs_input(r.rec);
  if (r.store_pre) r.Z.alloc(S * B * kH, r.keep, r.dtype);
  r.Hall.alloc((S + 1) * B * H, r.keep, r.dtype);
  if (states.empty()) {
    std::fill(r.h(0), r.h(0) + B * H, T(0));
  } else {
    std::copy(states[0].data<T>(), states[0].data<T>() + B * H, r.h(0));
  }
  if (spec.kind == Kind::Lstm) {
    r.Call.alloc((S + 1) * B * H, r.keep, r.dtype);
    if (states.empty())
      std::fill(r.c(0), r.c(0) + B * H, T(0));
    else
      std::copy(states[1].data<T>(), states[1].data<T>() + B * H, r.c(0));
  }
  if (spec.kind == Kind::Gru) r.Aux.alloc(S * B * H, r.keep, r.dtype);

  forward_pass(r);

  // outputs: the sequence in processing order, or the last output; then the final states
  std::vector<Tensor> outs;
  Tensor out = r.return_sequences ? Tensor(Shape{B, S, H}, r.dtype) : Tensor(Shape{B, H}, r.dtype);
  T* o = out.data<T>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t s0 = r.return_sequences ? 0 : S - 1;
    for (int64_t s = s0; s < S; ++s) {
      T* to = r.return_sequences ? o + (b * S + s) * H : o + b * H;
      const bool e = r.emit.empty() || r.emit[static_cast<size_t>(s * B + b)];
      if (e)
        std::copy(r.h(s + 1) + b * H, r.h(s + 1) + (b + 1) * H, to);
      else
        std::fill(to, to + H, T(0));
    }
  }
  outs.push_back(out);
  Tensor h_final(Shape{B, H}, r.dtype);
  std::copy(r.h(S), r.h(S) + B * H, h_final.data<T>());
  outs.push_back(h_final);
  if (spec.kind == Kind::Lstm) {
    Tensor c_final(Shape{B, H}, r.dtype);
    std::copy(r.c(S), r.c(S) + B * H, c_final.data<T>());
    outs.push_back(c_final);
  }

  if (!r.keep) return outs;

  std::vector<bool> need(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) need[i] = inputs[i].requires_grad() && is_float(inputs[i].dtype());
  const bool given_states = !states.empty();
  BackwardFn backward = [run, need, given_states, n_states](const std::vector<Tensor>& gout) {
    Run<T>& r = *run;
    const int64_t B = r.B, S = r.S, I = r.I, H = r.H, kH = r.kH();
    auto grad_values = [&](size_t i, int64_t count) {
      if (i < gout.size() && gout[i].defined()) return values_as<T>(gout[i]);
      return std::vector<T>(static_cast<size_t>(count), T(0));
    };
    Back<T> bk;
    bk.dh = grad_values(1, B * H);
    bk.dc = r.kind == FusedSpec::Kind::Lstm ? grad_values(2, B * H) : std::vector<T>(static_cast<size_t>(B * H), T(0));
    std::vector<T> dout;
    if (!gout.empty() && gout[0].defined()) {
      if (gout[0].dtype() == r.dtype) {
        bk.dout = gout[0].template data<T>();
      } else {
        dout = values_as<T>(gout[0]);
        bk.dout = dout.data();
      }
    }
    // backward writes its gradients over the saved gates: a second pass over this call
    // (gradients() asked twice) first recomputes them
    if (r.consumed) forward_pass(r);
    r.consumed = true;
    bk.dXW = r.G.data();

    size_t at = 0;
    const size_t i_x = at++;
    const size_t i_states = at;
    if (given_states) at += static_cast<size_t>(n_states);
    const size_t i_W = at++, i_U = at++;
    const bool has_bias = r.bias.defined();
    const size_t i_b = has_bias ? at++ : 0;

    std::vector<Tensor> grads(need.size());
    Tensor dU;
    if (need[i_U]) {
      dU = Tensor(Shape{H, kH}, r.dtype);
      bk.dU = dU.template data<T>();
    }
    Tensor db;
    if (has_bias && need[i_b]) {
      db = Tensor(r.bias.shape(), r.dtype);
      if (r.reset_after) {
        std::fill(db.template data<T>() + kH, db.template data<T>() + 2 * kH, T(0));
        bk.db_rec = db.template data<T>() + kH;
      }
    }

    switch (r.kind) {
      case FusedSpec::Kind::Lstm: detail::lstm_backward(r, bk); break;
      case FusedSpec::Kind::Gru: detail::gru_backward(r, bk); break;
      case FusedSpec::Kind::Simple: detail::simple_backward(r, bk); break;
    }

    Tensor dx, dW;
    if (need[i_x]) dx = Tensor(Shape{B, S, I}, r.dtype);
    if (need[i_W]) dW = Tensor(Shape{I, kH}, r.dtype);
    input_backward(r, bk.dXW, dx.defined() ? dx.template data<T>() : nullptr,
                   dW.defined() ? dW.template data<T>() : nullptr, db.defined() ? db.template data<T>() : nullptr,
                   bk.dU_from_dXW ? bk.dU : nullptr);
    grads[i_x] = dx;
    grads[i_W] = dW;
    grads[i_U] = dU;
    if (has_bias) grads[i_b] = db;
    if (given_states) {
      const std::vector<T>* src[2] = {&bk.dh, &bk.dc};
      for (int j = 0; j < n_states; ++j) {
        if (!need[i_states + static_cast<size_t>(j)]) continue;
        Tensor g(Shape{B, H}, r.dtype);
        std::copy(src[j]->begin(), src[j]->end(), g.template data<T>());
        grads[i_states + static_cast<size_t>(j)] = g;
      }
    }
    return grads;
  };
  static const char* names[] = {"fused_simple_rnn", "fused_gru", "fused_lstm"};
  std::vector<Tensor*> out_ptrs;
  for (auto& t : outs) out_ptrs.push_back(&t);
  record(names[static_cast<int>(spec.kind)], inputs, out_ptrs, std::move(backward));
  return outs;
}

}  // namespace

std::vector<Tensor> fused_rnn(const FusedSpec& spec, const Tensor& x, const std::vector<Tensor>& states,
                              const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
                              const Tensor& mask, const Tensor& input_dropout, const Tensor& recurrent_dropout) {
  using Kind = FusedSpec::Kind;
  if (!x.defined() || !is_float(x.dtype()) || x.ndim() != 3)
    throw Error("fused_rnn: x must be a 3-D float tensor (batch, time, features), got " +
                (x.defined() ? what_got(x) : std::string("nothing")));
  const DType dt = x.dtype();
  const int64_t B = x.dim(0), S = x.dim(1), I = x.dim(2);
  if (S < 1) throw Error("fused_rnn: x must have at least one timestep, got shape " + shape_str(x.shape()));
  const int64_t k = fused_gate_count(spec.kind);
  if (!recurrent_kernel.defined() || recurrent_kernel.ndim() != 2 || recurrent_kernel.dim(0) < 1 ||
      recurrent_kernel.dim(1) != k * recurrent_kernel.dim(0) || recurrent_kernel.dtype() != dt)
    throw Error("fused_rnn: recurrent_kernel must be a " + std::string(dtype_name(dt)) + " tensor of shape (units, " +
                std::to_string(k) + " * units), got " +
                (recurrent_kernel.defined() ? what_got(recurrent_kernel) : std::string("nothing")));
  const int64_t H = recurrent_kernel.dim(0);
  if (!kernel.defined()) throw Error("fused_rnn: kernel is missing");
  check_float_like(kernel, "kernel", dt, {I, k * H});
  if (bias.defined()) {
    const bool two_rows = spec.kind == Kind::Gru && spec.reset_after;
    check_float_like(bias, "bias", dt, two_rows ? Shape{2, k * H} : Shape{k * H});
  }
  const size_t n_states = static_cast<size_t>(fused_state_count(spec.kind));
  if (!states.empty() && states.size() != n_states)
    throw Error("fused_rnn: expected " + std::to_string(n_states) + " initial state tensor" + (n_states > 1 ? "s" : "") +
                ", got " + std::to_string(states.size()));
  for (const auto& st : states) {
    if (!st.defined()) throw Error("fused_rnn: an initial state is missing");
    check_float_like(st, "each initial state", dt, {B, H});
  }
  if (mask.defined() && mask.shape() != Shape{B, S})
    throw Error("fused_rnn: mask must have shape " + shape_str({B, S}) + ", got " + shape_str(mask.shape()));
  // parse names before any work so a bad name fails fast
  detail::act_from_name(spec.activation, "activation");
  if (spec.kind != Kind::Simple) detail::act_from_name(spec.recurrent_activation, "recurrent_activation");

  if (dt == DType::Float32)
    return run_fused<float>(spec, x, states, kernel, recurrent_kernel, bias, mask, input_dropout, recurrent_dropout);
  return run_fused<double>(spec, x, states, kernel, recurrent_kernel, bias, mask, input_dropout, recurrent_dropout);
}

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
