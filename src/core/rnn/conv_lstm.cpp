// The fused ConvLSTM: the LSTM cell of lstm.cpp run over rows that are (batch, position)
// pairs, with the recurrent product replaced by a "same" convolution per step, and its
// hand-written BPTT; the kernel's gradient is one convolution gradient over all steps.
// The input convolution of all timesteps arrives precomputed. inst/bench/bench-conv-lstm.R
// times it against the per-step path.
#include "conv_lstm.h"

#include <algorithm>
#include <array>
#include <memory>

#include "../autograd.h"
#include "../conv.h"
#include "fused_common.h"

namespace recurrent {
namespace core {
namespace rnn {

using detail::ArrMap;
using detail::CArrMap;
using detail::Dropout;
using detail::Run;

namespace {

// dst[r, 0:w) = or += src[r, c0:c0+w) for r in [0, rows); row strides ld_src, ld_dst.
template <typename T>
void copy_cols(const T* src, int64_t ld_src, int64_t rows, int64_t w, T* dst, int64_t ld_dst, bool add) {
  for (int64_t i = 0; i < rows; ++i) {
    if (add)
      ArrMap<T>(dst + i * ld_dst, w) += CArrMap<T>(src + i * ld_src, w);
    else
      std::copy(src + i * ld_src, src + i * ld_src + w, dst + i * ld_dst);
  }
}

// The recurrent convolution of one step over all batch frames (rows = batch * positions),
// its transpose for backward, and the kernel gradient over all steps at once. Per-gate
// recurrent dropout convolves each gate's masked h with that gate's kernel columns, as
// Keras's ConvLSTMCell does.
template <typename T>
class RecurrentConv final : public detail::RecurrentMap<T> {
 public:
  // all: the geometry of h (B, out..., F) with recurrent_kernel U (k..., F, 4F).
  RecurrentConv(const conv::Geometry& all, const T* U, Dropout<T> drec)
      : all_(all), gate_(all), U_(U), drec_(std::move(drec)) {
    F_ = all.cin;
    rows_ = all.batch * all.out_positions();
    gate_.cout = F_;
    if (!drec_.per_gate()) return;
    const int64_t taps = all.kernel_positions() * F_;  // rows of U
    for (int g = 0; g < 4; ++g) {
      Ug_[g].resize(static_cast<size_t>(taps * F_));
      copy_cols(U + g * F_, 4 * F_, taps, F_, Ug_[g].data(), F_, false);
    }
  }

  void forward(const T* h, T* dst) override {
    const int64_t n = rows_ * F_;
    if (!drec_.per_gate()) {
      y_.resize(4 * n);
      conv::forward(all_, masked(h, 0, 1), U_, y_.data());
      ArrMap<T>(dst, 4 * n) += CArrMap<T>(y_.data(), 4 * n);
      return;
    }
    y_.resize(n);
    for (int g = 0; g < 4; ++g) {
      conv::forward(gate_, masked(h, g, 1), Ug_[g].data(), y_.data());
      copy_cols(y_.data(), F_, rows_, F_, dst + g * F_, 4 * F_, true);
    }
  }

  void backward(const T* dR, T* dh) override {
    const int64_t n = rows_ * F_;
    dx_.resize(n);
    if (!drec_.per_gate()) {
      conv::backward_input(all_, dR, U_, dx_.data());
      add_masked(dx_.data(), 0, dh);
      return;
    }
    dRg_.resize(n);
    for (int g = 0; g < 4; ++g) {
      copy_cols(dR + g * F_, 4 * F_, rows_, F_, dRg_.data(), F_, false);
      conv::backward_input(gate_, dRg_.data(), Ug_[g].data(), dx_.data());
      add_masked(dx_.data(), g, dh);
    }
  }

  // dU (k..., F, 4F) = the kernel gradient summed over S steps: h before each step,
  // hprev (S * rows, F), against the gradient of that step's gates, dR (S * rows, 4F).
  void kernel_grad(int64_t S, const T* hprev, const T* dR, T* dU) {
    conv::Geometry all = all_, gate = gate_;
    all.batch *= S;
    gate.batch *= S;
    if (!drec_.per_gate()) {
      conv::backward_kernel(all, masked(hprev, 0, S), dR, dU);
      return;
    }
    const int64_t n = S * rows_ * F_, taps = all_.kernel_positions() * F_;
    detail::AlignedBuf<T> dRg, dUg;
    dRg.resize(n);
    dUg.resize(taps * F_);
    for (int g = 0; g < 4; ++g) {
      copy_cols(dR + g * F_, 4 * F_, S * rows_, F_, dRg.data(), F_, false);
      conv::backward_kernel(gate, masked(hprev, g, S), dRg.data(), dUg.data());
      copy_cols(dUg.data(), F_, taps, F_, dU + g * F_, 4 * F_, false);
    }
  }

 private:
  // h (steps * rows, F) times gate g's dropout mask at every step, or h itself without one.
  const T* masked(const T* h, int g, int64_t steps) {
    if (drec_.none()) return h;
    const int64_t n = rows_ * F_;
    hm_.resize(steps * n);
    for (int64_t s = 0; s < steps; ++s) detail::mul_rows(h + s * n, drec_.gate(g), hm_.data() + s * n, n);
    return hm_.data();
  }

  // dh += dx times gate g's dropout mask (the mask scaled h on the way in).
  void add_masked(const T* dx, int g, T* dh) const {
    const int64_t n = rows_ * F_;
    if (drec_.none())
      ArrMap<T>(dh, n) += CArrMap<T>(dx, n);
    else
      ArrMap<T>(dh, n) += CArrMap<T>(dx, n) * CArrMap<T>(drec_.gate(g), n);
  }

  conv::Geometry all_, gate_;  // cout 4F (all gates) and F (one gate)
  const T* U_;
  Dropout<T> drec_;
  int64_t F_ = 0, rows_ = 0;
  std::array<std::vector<T>, 4> Ug_;          // per-gate kernels (k..., F, F), with per-gate dropout
  detail::AlignedBuf<T> y_, dx_, dRg_, hm_;  // scratch
};

// Blocks of n values from the time-major (S, B, n) layout in processing order to the
// caller's (B, T, n) one.
template <typename T>
void to_batch_major(int64_t B, int64_t S, int64_t n, bool go_backwards, const T* src, T* dst) {
  for (int64_t s = 0; s < S; ++s) {
    const int64_t t = go_backwards ? S - 1 - s : s;
    for (int64_t b = 0; b < B; ++b) std::copy(src + (s * B + b) * n, src + (s * B + b + 1) * n, dst + (b * S + t) * n);
  }
}

// t's values as T (gradients may arrive in another float dtype).
template <typename T>
void values_into(const Tensor& t, T* dst) {
  if (t.dtype() == DType::Float32) {
    std::copy(t.data<float>(), t.data<float>() + t.size(), dst);
  } else if (t.dtype() == DType::Float64) {
    std::copy(t.data<double>(), t.data<double>() + t.size(), dst);
  } else {
    for (int64_t i = 0; i < t.size(); ++i) dst[i] = static_cast<T>(t.at(i));
  }
}

// What one call keeps for its backward pass.
template <typename T>
struct ConvLstmCall {
  Run<T> r;  // rows are (batch, position) pairs: r.B = batch * positions, r.H = filters
  std::unique_ptr<RecurrentConv<T>> rec;
  Tensor z, U, bias;  // kept alive: z and bias refill the gates for a second backward pass
  int64_t batch = 0, positions = 0, steps = 0;

  // The time loop from z and the bias. With a backward pass to feed, r.G keeps the gates
  // of every step; without one, it holds one step at a time (a sequence's gates take four
  // times the memory of its states): r is pointed at step s's states and mask.
  void forward() {
    if (r.keep) {
      for (int64_t s = 0; s < r.S; ++s) load_gates(s, r.g(s));
      detail::lstm_forward(r);
      return;
    }
    const int64_t n = r.B * r.H;
    T* h = r.Hall.p;
    T* c = r.Call.p;
    std::vector<unsigned char> valid = std::move(r.valid);
    r.S = 1;
    for (int64_t s = 0; s < steps; ++s) {
      load_gates(s, r.G.data());
      if (!valid.empty()) r.valid.assign(valid.begin() + s * r.B, valid.begin() + (s + 1) * r.B);
      r.Hall.p = h + s * n;
      r.Call.p = c + s * n;
      detail::lstm_forward(r);
    }
    r.S = steps;
    r.Hall.p = h;
    r.Call.p = c;
    r.valid = std::move(valid);
  }

  // dst (rows, 4F) <- z at processing step s, plus the bias
  void load_gates(int64_t s, T* dst) const {
    const int64_t kH = r.kH(), n = positions * kH, t = r.go_backwards ? steps - 1 - s : s;
    for (int64_t b = 0; b < batch; ++b) {
      const T* from = z.data<T>() + (b * steps + t) * n;
      std::copy(from, from + n, dst + b * n);
    }
    if (!bias.defined()) return;
    CArrMap<T> bv(bias.data<T>(), kH);
    for (int64_t i = 0; i < r.B; ++i) ArrMap<T>(dst + i * kH, kH) += bv;
  }
};

template <typename T>
std::vector<Tensor> run_conv_lstm(const ConvLstmSpec& spec, const Tensor& z, const std::vector<Tensor>& states,
                                  const Tensor& recurrent_kernel, const Tensor& bias, const Tensor& mask,
                                  const Tensor& recurrent_dropout) {
  auto call = std::make_shared<ConvLstmCall<T>>();
  ConvLstmCall<T>& cl = *call;
  Run<T>& r = cl.r;
  const int rank = recurrent_kernel.ndim() - 2;
  const int64_t B = z.dim(0), S = z.dim(1), F = recurrent_kernel.dim(rank);
  Shape frame{B};  // (B, out..., F)
  for (int d = 0; d < rank; ++d) frame.push_back(z.dim(2 + d));
  frame.push_back(F);
  int64_t P = 1;  // positions of a frame
  for (int d = 0; d < rank; ++d) P *= z.dim(2 + d);
  const int64_t rows = B * P;
  cl.z = z;
  cl.U = recurrent_kernel;
  cl.bias = bias;
  cl.batch = B;
  cl.positions = P;
  cl.steps = S;

  r.kind = FusedSpec::Kind::Lstm;
  r.dtype = z.dtype();
  r.k = 4;
  r.B = rows;
  r.S = S;
  r.H = F;
  r.act = detail::act_from_name(spec.activation, "activation");
  r.rec = detail::act_from_name(spec.recurrent_activation, "recurrent_activation");
  r.go_backwards = spec.go_backwards;
  r.return_sequences = spec.return_sequences;

  // one node for all outputs; inputs: z, the given states, recurrent_kernel, bias
  std::vector<Tensor> inputs{z};
  for (const auto& st : states) inputs.push_back(st);
  inputs.push_back(recurrent_kernel);
  if (bias.defined()) inputs.push_back(bias);
  r.keep = needs_record(inputs);

  // valid / emit per row in processing order (as fused.cpp, with zero_output_for_mask
  // false): a batch item's positions share its mask
  if (mask.defined()) {
    r.valid.resize(static_cast<size_t>(S * rows));
    r.emit.resize(static_cast<size_t>(S * rows));
    std::vector<unsigned char> seen(static_cast<size_t>(B), 0);
    for (int64_t s = 0; s < S; ++s) {
      const int64_t t = r.go_backwards ? S - 1 - s : s;
      for (int64_t b = 0; b < B; ++b) {
        const bool v = mask.at(b * S + t) != 0;
        if (v) seen[static_cast<size_t>(b)] = 1;
        const auto first = r.valid.begin() + (s * B + b) * P;
        std::fill(first, first + P, static_cast<unsigned char>(v));
        const auto efirst = r.emit.begin() + (s * B + b) * P;
        std::fill(efirst, efirst + P, static_cast<unsigned char>(v || seen[static_cast<size_t>(b)]));
      }
    }
  }

  Dropout<T> drec;
  if (recurrent_dropout.defined()) {
    drec.mode = recurrent_dropout.ndim() == static_cast<int>(frame.size()) ? Dropout<T>::Mode::Shared
                                                                             : Dropout<T>::Mode::PerGate;
    drec.B = B;
    drec.D = P * F;
    const T* m = recurrent_dropout.data<T>();
    drec.data.assign(m, m + recurrent_dropout.size());
  }
  const conv::Geometry geometry = conv::forward_geometry(frame, recurrent_kernel.shape(),
                                                         std::vector<int64_t>(static_cast<size_t>(rank), 1), "same",
                                                         std::vector<int64_t>(static_cast<size_t>(rank), 1),
                                                         "conv_lstm");
  cl.rec.reset(new RecurrentConv<T>(geometry, recurrent_kernel.data<T>(), std::move(drec)));
  r.rec_map = cl.rec.get();

  r.G.alloc((r.keep ? S : 1) * rows * 4 * F, r.keep, r.dtype);  // see ConvLstmCall::forward()
  r.store_pre = r.keep && (detail::act_needs_input(r.act) || detail::act_needs_input(r.rec));
  if (r.store_pre) r.Z.alloc(S * rows * 4 * F, r.keep, r.dtype);
  r.Hall.alloc((S + 1) * rows * F, r.keep, r.dtype);
  r.Call.alloc((S + 1) * rows * F, r.keep, r.dtype);
  for (int j = 0; j < 2; ++j) {
    T* dst = j == 0 ? r.h(0) : r.c(0);
    if (states.empty())
      std::fill(dst, dst + rows * F, T(0));
    else
      std::copy(states[static_cast<size_t>(j)].data<T>(), states[static_cast<size_t>(j)].data<T>() + rows * F, dst);
  }

  cl.forward();

  // outputs: the sequence in processing order, or the last output; then h and c
  const int64_t n = P * F;  // one frame of one batch item
  Shape out_shape = frame;
  if (r.return_sequences) out_shape.insert(out_shape.begin() + 1, S);
  std::vector<Tensor> outs{Tensor::empty(out_shape, r.dtype)};
  T* o = outs[0].data<T>();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t s = r.return_sequences ? 0 : S - 1; s < S; ++s) {
      T* to = r.return_sequences ? o + (b * S + s) * n : o + b * n;
      if (r.emit.empty() || r.emit[static_cast<size_t>((s * B + b) * P)])
        std::copy(r.h(s + 1) + b * n, r.h(s + 1) + (b + 1) * n, to);
      else
        std::fill(to, to + n, T(0));
    }
  }
  for (int j = 0; j < 2; ++j) {
    Tensor st = Tensor::empty(frame, r.dtype);
    const T* src = j == 0 ? r.h(S) : r.c(S);
    std::copy(src, src + rows * F, st.data<T>());
    outs.push_back(st);
  }
  if (!r.keep) return outs;

  std::vector<bool> need(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) need[i] = inputs[i].requires_grad() && is_float(inputs[i].dtype());
  const bool given_states = !states.empty();
  BackwardFn backward = [call, need, given_states, frame](const std::vector<Tensor>& gout) {
    ConvLstmCall<T>& cl = *call;
    Run<T>& r = cl.r;
    const int64_t B = cl.batch, P = cl.positions, S = r.S, F = r.H, rows = r.B;
    auto grad_values = [&](size_t i, std::vector<T>& dst) {
      dst.assign(static_cast<size_t>(rows * F), T(0));
      if (i < gout.size() && gout[i].defined()) values_into(gout[i], dst.data());
    };
    detail::Back<T> bk;
    grad_values(1, bk.dh);
    grad_values(2, bk.dc);
    // the output's gradient in the layout the LSTM's backward reads: row-major (rows, S, F)
    // for a sequence ((B, S, P, F) as given), (rows, F) for the last output (as given)
    Tensor given;
    detail::AlignedBuf<T> dout;
    if (!gout.empty() && gout[0].defined()) {
      given = gout[0];
      if (given.dtype() != r.dtype) {
        given = Tensor::empty(gout[0].shape(), r.dtype);
        values_into(gout[0], given.template data<T>());
      }
      bk.dout = given.template data<T>();
      if (r.return_sequences) {
        dout.resize(given.size());
        for (int64_t b = 0; b < B; ++b)
          for (int64_t s = 0; s < S; ++s)
            for (int64_t p = 0; p < P; ++p) {
              const T* from = bk.dout + ((b * S + s) * P + p) * F;
              std::copy(from, from + F, dout.data() + ((b * P + p) * S + s) * F);
            }
        bk.dout = dout.data();
      }
    }
    // backward writes its gradients over the saved gates: a second pass over this call
    // (gradients() asked twice) first recomputes them
    if (r.consumed) cl.forward();
    r.consumed = true;
    bk.dXW = r.G.data();
    detail::lstm_backward(r, bk);  // bk.dU stays null: the recurrent kernel's gradient is a convolution's

    const size_t i_U = 1 + (given_states ? 2 : 0);
    std::vector<Tensor> grads(need.size());
    if (cl.bias.defined() && need[i_U + 1]) {  // the gates' gradient summed over rows
      grads[i_U + 1] = Tensor(cl.bias.shape(), r.dtype);
      detail::add_colsums(r.G.data(), S * rows, r.kH(), r.kH(), grads[i_U + 1].template data<T>());
    }
    if (need[0]) {
      grads[0] = Tensor::empty(cl.z.shape(), r.dtype);
      to_batch_major(B, S, P * r.kH(), r.go_backwards, r.G.data(), grads[0].template data<T>());
    }
    if (need[i_U]) {
      grads[i_U] = Tensor::empty(cl.U.shape(), r.dtype);
      cl.rec->kernel_grad(S, r.h(0), r.G.data(), grads[i_U].template data<T>());
    }
    if (given_states) {
      const std::vector<T>* src[2] = {&bk.dh, &bk.dc};
      for (size_t j = 0; j < 2; ++j) {
        if (!need[1 + j]) continue;
        Tensor g = Tensor::empty(frame, r.dtype);
        std::copy(src[j]->begin(), src[j]->end(), g.template data<T>());
        grads[1 + j] = g;
      }
    }
    return grads;
  };
  std::vector<Tensor*> out_ptrs;
  for (auto& t : outs) out_ptrs.push_back(&t);
  record("fused_conv_lstm", inputs, out_ptrs, std::move(backward));
  return outs;
}

std::string what_got(const Tensor& t) {
  return t.defined() ? shape_str(t.shape()) + " " + dtype_name(t.dtype()) : std::string("nothing");
}

void expect_shape(const Tensor& t, const char* name, DType dtype, const Shape& want) {
  if (!t.defined() || t.dtype() != dtype || t.shape() != want)
    throw Error(std::string("conv_lstm: ") + name + " must be a " + dtype_name(dtype) + " tensor of shape " +
                shape_str(want) + ", got " + what_got(t));
}

}  // namespace

std::vector<Tensor> conv_lstm(const ConvLstmSpec& spec, const Tensor& z, const std::vector<Tensor>& states,
                              const Tensor& recurrent_kernel, const Tensor& bias, const Tensor& mask,
                              const Tensor& recurrent_dropout) {
  const Tensor& U = recurrent_kernel;
  if (!U.defined() || !is_float(U.dtype()) || U.ndim() < 3 || U.ndim() > 5 || U.dim(U.ndim() - 2) < 1 ||
      U.dim(U.ndim() - 1) != 4 * U.dim(U.ndim() - 2))
    throw Error("conv_lstm: recurrent_kernel must be a float tensor of shape (kernel_size..., filters, 4 * filters) "
                "with 1 to 3 kernel dims, got " + what_got(U));
  const int rank = U.ndim() - 2;
  const DType dt = U.dtype();
  const int64_t F = U.dim(rank);
  if (!z.defined() || z.dtype() != dt || z.ndim() != rank + 3 || z.dim(z.ndim() - 1) != 4 * F || z.dim(1) < 1)
    throw Error("conv_lstm: z must be a " + std::string(dtype_name(dt)) + " tensor of shape (batch, time, " +
                std::to_string(rank) + " spatial dims, " + std::to_string(4 * F) +
                ") with at least one timestep, got " + what_got(z));
  Shape frame{z.dim(0)};
  for (int d = 0; d < rank; ++d) frame.push_back(z.dim(2 + d));
  frame.push_back(F);
  if (!states.empty() && states.size() != 2)
    throw Error("conv_lstm: expected 2 initial states (h and c), got " + std::to_string(states.size()));
  for (const auto& st : states) expect_shape(st, "each initial state", dt, frame);
  if (bias.defined()) expect_shape(bias, "bias", dt, {4 * F});
  if (mask.defined() && mask.shape() != Shape{z.dim(0), z.dim(1)})
    throw Error("conv_lstm: mask must have shape " + shape_str({z.dim(0), z.dim(1)}) + ", got " + what_got(mask));
  if (recurrent_dropout.defined()) {
    Shape per_gate = frame;
    per_gate.insert(per_gate.begin(), 4);
    const Shape& s = recurrent_dropout.shape();
    if (recurrent_dropout.dtype() != dt || (s != frame && s != per_gate))
      throw Error("conv_lstm: recurrent_dropout must be a " + std::string(dtype_name(dt)) + " tensor of shape " +
                  shape_str(frame) + " or, one per gate, " + shape_str(per_gate) + ", got " +
                  what_got(recurrent_dropout));
  }
  // parse names before any work so a bad name fails fast
  detail::act_from_name(spec.activation, "activation");
  detail::act_from_name(spec.recurrent_activation, "recurrent_activation");
  if (dt == DType::Float32) return run_conv_lstm<float>(spec, z, states, U, bias, mask, recurrent_dropout);
  return run_conv_lstm<double>(spec, z, states, U, bias, mask, recurrent_dropout);
}

}  // namespace rnn
}  // namespace core
}  // namespace recurrent
