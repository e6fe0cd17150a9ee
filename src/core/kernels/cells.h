// The pointwise passes of the fused recurrent cells (rnn/lstm.cpp, gru.cpp), at the
// instruction-set level in use (dispatch.h). Arrays are n values; outputs may be inputs.
// Each value is the formula's IEEE operations in the order written, every one rounded,
// with no fused multiply-add: float64 results are the same at every level and the same as
// plain C++ loops.
#pragma once

#include <cstdint>

namespace recurrent {
namespace core {
namespace kernels {

template <typename T>
void mul_add(const T* x, const T* y, T* o, int64_t n);  // o = o + x y

template <typename T>  // LSTM carry: c = f c_prev + i g
void lstm_state(const T* i, const T* f, const T* g, const T* c_prev, T* c, int64_t n);

template <typename T>  // GRU state: h = z h_prev + (1 - z) hh
void gru_state(const T* z, const T* h_prev, const T* hh, T* h, int64_t n);

// LSTM backward from dt = d(loss)/d(c) through h (times tanh'), dc that through c_{t+1}:
// with t = dt + dc, di = t g, df = t c_prev, dg = t i, and dc becomes t f.
template <typename T>
void lstm_back_gates(const T* dt, T* dc, const T* i, const T* f, const T* g, const T* c_prev, T* di, T* df, T* dg,
                     int64_t n);

// GRU backward of h = z h_prev + (1 - z) hh: dz = dh (h_prev - hh), dhh = dh (1 - z), and
// dh becomes dh z (the direct path to h_prev).
template <typename T>
void gru_back_state(const T* z, const T* hh, const T* h_prev, T* dh, T* dz, T* dhh, int64_t n);

// float32 rows of the cells with sigmoid gates and tanh activations (Keras's defaults) in
// one pass each: the same values as the passes above with tanh_floats() and
// sigmoid_floats() (maths.h) and the derivatives y (1 - y) and 1 - y^2.
//
// LSTM step: `gates` (i f g o, n each) pre-activations in, activations out; c, h written.
void lstm_step_f32(float* gates, const float* c_prev, float* c, float* h, int64_t n);
// LSTM step backward: `gates` activations in, gate pre-activation gradients out; dh is
// d(loss)/d(h), dc that of c in and that of c_prev out.
void lstm_back_f32(float* gates, const float* c_prev, const float* c, const float* dh, float* dc, int64_t n);
// GRU step, reset gate after the recurrent product: `gates` (z r hh, n each) pre-activations
// (hh: input part only) in, activations out; rec = h_prev U_h + b_h; h written.
void gru_step_f32(float* gates, const float* rec, const float* h_prev, float* h, int64_t n);

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
