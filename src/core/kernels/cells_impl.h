// The fused recurrent cells' pointwise passes (cells.h) for one instruction-set level.
// Included by level_impl.h inside the level's namespace, after simd.h.
//
// Every lane does the IEEE operations of the formula in cells.h in the order written, each
// rounded once, so a value is the same at every level and in the vector body and the tail.
// Two things would break that: FMA contraction (rounded() below) and a scalar tail loop
// compiled differently from the vector body (the tail goes through a zero-padded vector).

// x rounded as computed. GCC fuses a product into the sum that follows (one FMA, one
// rounding instead of two) by default where the level has FMA, so float64 cells would differ
// between levels; an empty asm the optimiser cannot see through keeps the product.
template <typename V>
inline V rounded(V x) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__("" : "+x"(x));
#elif defined(__aarch64__)
  __asm__("" : "+w"(x));
#else
  __asm__("" : "+m"(x));
#endif
  return x;
}

// Calls f(in, out) on NI input and NO output vectors for lanes [0, n): whole vectors in
// place, then the tail through zero-padded copies. An output may be an input (in place):
// each call loads all of its inputs before it stores.
template <typename T, int NI, int NO, typename F>
inline void for_lanes(int64_t n, const T* const (&in)[NI], T* const (&out)[NO], F f) {
  using V = typename VecOf<T>::type;
  constexpr int L = kVecBytes / static_cast<int>(sizeof(T));
  // the operands in registers: pointers copied out of the caller's arrays, loops unrolled
  const T* src[NI];
  T* dst[NO];
#pragma GCC unroll 16
  for (int a = 0; a < NI; ++a) src[a] = in[a];
#pragma GCC unroll 16
  for (int a = 0; a < NO; ++a) dst[a] = out[a];
  V x[NI], y[NO];
  int64_t j = 0;
  for (; j + L <= n; j += L) {
#pragma GCC unroll 16
    for (int a = 0; a < NI; ++a) x[a] = load_unaligned<V>(src[a] + j);
    f(x, y);
#pragma GCC unroll 16
    for (int a = 0; a < NO; ++a) store_unaligned(dst[a] + j, y[a]);
  }
  if (j == n) return;
  const size_t bytes = static_cast<size_t>(n - j) * sizeof(T);
  for (int a = 0; a < NI; ++a) {
    T tmp[L] = {};
    std::memcpy(tmp, in[a] + j, bytes);
    x[a] = load_unaligned<V>(tmp);
  }
  f(x, y);
  for (int a = 0; a < NO; ++a) {
    T tmp[L];
    store_unaligned(tmp, y[a]);
    std::memcpy(out[a] + j, tmp, bytes);
  }
}

// The formulas, as function objects (a lambda's conversion to a function pointer would be
// compiled without the level's target, see maths_impl.h). V is a vector of T.
struct MulAdd {  // o + x y
  template <typename V>
  void operator()(const V (&x)[3], V (&y)[1]) const { y[0] = x[2] + rounded(x[0] * x[1]); }
};
struct LstmState {  // f c_prev + i g
  template <typename V>
  void operator()(const V (&x)[4], V (&y)[1]) const { y[0] = rounded(x[1] * x[3]) + rounded(x[0] * x[2]); }
};
struct GruState {  // z h_prev + (1 - z) hh
  template <typename V>
  void operator()(const V (&x)[3], V (&y)[1]) const {
    y[0] = rounded(x[0] * x[1]) + rounded((1 - x[0]) * x[2]);
  }
};
struct LstmBackGates {  // in: dt, dc, i, f, g, c_prev; out: di, df, dg, dc
  template <typename V>
  void operator()(const V (&x)[6], V (&y)[4]) const {
    const V dt = x[0] + x[1];
    y[0] = dt * x[4];
    y[1] = dt * x[5];
    y[2] = dt * x[2];
    y[3] = dt * x[3];
  }
};
struct GruBackState {  // in: z, hh, h_prev, dh; out: dz, dhh, dh
  template <typename V>
  void operator()(const V (&x)[4], V (&y)[3]) const {
    y[0] = x[3] * (x[2] - x[1]);
    y[1] = x[3] * (1 - x[0]);
    y[2] = x[3] * x[0];
  }
};

template <typename T>
void mul_add(const T* x, const T* y, T* o, int64_t n) {
  for_lanes<T, 3, 1>(n, {x, y, o}, {o}, MulAdd());
}
template <typename T>
void lstm_state(const T* i, const T* f, const T* g, const T* c_prev, T* c, int64_t n) {
  for_lanes<T, 4, 1>(n, {i, f, g, c_prev}, {c}, LstmState());
}
template <typename T>
void gru_state(const T* z, const T* h_prev, const T* hh, T* h, int64_t n) {
  for_lanes<T, 3, 1>(n, {z, h_prev, hh}, {h}, GruState());
}
template <typename T>
void lstm_back_gates(const T* dt, T* dc, const T* i, const T* f, const T* g, const T* c_prev, T* di, T* df, T* dg,
                     int64_t n) {
  for_lanes<T, 6, 4>(n, {dt, dc, i, f, g, c_prev}, {di, df, dg, dc}, LstmBackGates());
}
template <typename T>
void gru_back_state(const T* z, const T* hh, const T* h_prev, T* dh, T* dz, T* dhh, int64_t n) {
  for_lanes<T, 4, 3>(n, {z, hh, h_prev, dh}, {dz, dhh, dh}, GruBackState());
}

// ---- float32 cells with sigmoid gates and tanh: a whole row in one pass ----------------

// One LSTM row: gate pre-activations (i f g o, each H) in, activations out; then c and h.
// Two passes: the four gates are independent, so the first pass overlaps their exp chains;
// one pass for everything would chain two exps per lane (gate, then tanh(c)), too long a
// dependency for the out-of-order window, and measured slower than three separate passes.
struct LstmGatesF32 {  // in and out: i f g o
  void operator()(const vfloat (&x)[4], vfloat (&y)[4]) const {
    y[0] = vsigmoid(x[0]);
    y[1] = vsigmoid(x[1]);
    y[2] = vtanh(x[2]);
    y[3] = vsigmoid(x[3]);
  }
};
struct LstmCarryF32 {  // in: i f g o c_prev; out: c h
  void operator()(const vfloat (&x)[5], vfloat (&y)[2]) const {
    y[0] = rounded(x[1] * x[4]) + rounded(x[0] * x[2]);
    y[1] = x[3] * vtanh(y[0]);
  }
};
void lstm_step_f32(float* gates, const float* c_prev, float* c, float* h, int64_t n) {
  float *i = gates, *f = gates + n, *g = gates + 2 * n, *o = gates + 3 * n;
  for_lanes<float, 4, 4>(n, {i, f, g, o}, {i, f, g, o}, LstmGatesF32());
  for_lanes<float, 5, 2>(n, {i, f, g, o, c_prev}, {c, h}, LstmCarryF32());
}

// One LSTM row backward: gate activations in, gate pre-activation gradients out (in place);
// dh is d(loss)/d(h), dc that of c, replaced by that of c_prev.
struct LstmBackF32 {  // in: i f g o c_prev c dh dc; out: di df dg do dc
  void operator()(const vfloat (&x)[8], vfloat (&y)[5]) const {
    const vfloat i = x[0], f = x[1], g = x[2], o = x[3];
    const vfloat a = vtanh(x[5]);
    const vfloat d_o = x[6] * a;
    const vfloat dt = rounded((x[6] * o) * (1 - rounded(a * a))) + x[7];
    y[0] = (dt * g) * (i * (1 - i));
    y[1] = (dt * x[4]) * (f * (1 - f));
    y[2] = (dt * i) * (1 - rounded(g * g));
    y[3] = d_o * (o * (1 - o));
    y[4] = dt * f;
  }
};
void lstm_back_f32(float* gates, const float* c_prev, const float* c, const float* dh, float* dc, int64_t n) {
  float *i = gates, *f = gates + n, *g = gates + 2 * n, *o = gates + 3 * n;
  for_lanes<float, 8, 5>(n, {i, f, g, o, c_prev, c, dh, dc}, {i, f, g, o, dc}, LstmBackF32());
}

// One GRU row, reset gate after the recurrent product: pre-activations z, r and the input
// part of hh in gates, the recurrent h-part (h_prev U_h + b) in rec; activations out, h.
// Two passes, as for the LSTM.
struct GruGatesF32 {  // in and out: z r
  void operator()(const vfloat (&x)[2], vfloat (&y)[2]) const {
    y[0] = vsigmoid(x[0]);
    y[1] = vsigmoid(x[1]);
  }
};
struct GruStateF32 {  // in: z r hh rec h_prev; out: hh h
  void operator()(const vfloat (&x)[5], vfloat (&y)[2]) const {
    y[0] = vtanh(x[2] + rounded(x[1] * x[3]));
    y[1] = rounded(x[0] * x[4]) + rounded((1 - x[0]) * y[0]);
  }
};
void gru_step_f32(float* gates, const float* rec, const float* h_prev, float* h, int64_t n) {
  float *z = gates, *r = gates + n, *hh = gates + 2 * n;
  for_lanes<float, 2, 2>(n, {z, r}, {z, r}, GruGatesF32());
  for_lanes<float, 5, 2>(n, {z, r, hh, rec, h_prev}, {hh, h}, GruStateF32());
}
