// Elementwise float32 maths and the unpacked small GEMM for one instruction-set level.
// Included by level_impl.h inside the level's namespace, after simd.h.

void exp_floats(const float* x, float* y, int64_t n) {
  constexpr int L = kFloatLanes;
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    const vfloat v = load_unaligned<vfloat>(x + j);
    vfloat e = vexp(v);
    // vexp saturates outside [-87.3, 88.3]; there std::exp gives IEEE's overflow to inf
    // and gradual underflow (and NaN stays NaN)
    for (int k = 0; k < L; ++k)
      if (!(v[k] <= 88.3f && v[k] >= -87.3f)) e[k] = std::exp(v[k]);
    store_unaligned(y + j, e);
  }
  for (; j < n; ++j) y[j] = std::exp(x[j]);
}

// Function objects, not lambdas: a captureless lambda's conversion to a function pointer
// is compiled without the level's target (GCC), and passing vectors to it changes the ABI.
struct Tanh {
  vfloat operator()(vfloat v) const { return vtanh(v); }
};
struct Sigmoid {
  vfloat operator()(vfloat v) const { return vsigmoid(v); }
};

void tanh_floats(float* p, int64_t n) { map_floats(p, n, Tanh()); }

void sigmoid_floats(float* p, int64_t n) { map_floats(p, n, Sigmoid()); }

// gemm.h's small_gemm: tiles of 4 rows by 2 vectors of columns keep 8 accumulators in
// registers and read B's rows in place.
template <typename T>
void small_product(int64_t m, int64_t k, int64_t n, const T* A, const T* B, T* C) {
  using V = typename VecOf<T>::type;
  constexpr int L = kVecBytes / static_cast<int>(sizeof(T));
  int64_t j = 0;
  for (; j + 2 * L <= n; j += 2 * L) {
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) {
      V c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{};
      const T* a = A + i * k;
      const T* b = B + j;
      for (int64_t p = 0; p < k; ++p, b += n) {
        const V b0 = load_unaligned<V>(b), b1 = load_unaligned<V>(b + L);
        const T a0 = a[p], a1 = a[k + p], a2 = a[2 * k + p], a3 = a[3 * k + p];
        c00 += a0 * b0; c01 += a0 * b1;
        c10 += a1 * b0; c11 += a1 * b1;
        c20 += a2 * b0; c21 += a2 * b1;
        c30 += a3 * b0; c31 += a3 * b1;
      }
      T* c = C + i * n + j;
      store_unaligned(c, c00);
      store_unaligned(c + L, c01);
      store_unaligned(c + n, c10);
      store_unaligned(c + n + L, c11);
      store_unaligned(c + 2 * n, c20);
      store_unaligned(c + 2 * n + L, c21);
      store_unaligned(c + 3 * n, c30);
      store_unaligned(c + 3 * n + L, c31);
    }
    for (; i < m; ++i) {
      V c0{}, c1{};
      const T* b = B + j;
      for (int64_t p = 0; p < k; ++p, b += n) {
        c0 += A[i * k + p] * load_unaligned<V>(b);
        c1 += A[i * k + p] * load_unaligned<V>(b + L);
      }
      store_unaligned(C + i * n + j, c0);
      store_unaligned(C + i * n + j + L, c1);
    }
  }
  if (j == n) return;
  // the last n - j < 2L columns, one vector at a time from a zero-padded copy of them
  const int64_t w = (n - j + L - 1) / L * L;
  AlignedBuf<T> bp;
  bp.resize(k * w);
  T* bpd = bp.data();
  for (int64_t p = 0; p < k; ++p)
    for (int64_t q = 0; q < w; ++q) bpd[p * w + q] = j + q < n ? B[p * n + j + q] : T(0);
  for (int64_t v = 0; v < w; v += L) {
    const int64_t cols = std::min<int64_t>(L, n - j - v);
    for (int64_t i = 0; i < m; ++i) {
      V c{};
      for (int64_t p = 0; p < k; ++p) c += A[i * k + p] * load_unaligned<V>(bpd + p * w + v);
      T out[L];
      store_unaligned(out, c);
      for (int64_t q = 0; q < cols; ++q) C[i * n + j + v + q] = out[q];
    }
  }
}

// dispatch.h's arith(): whole vectors, then the tail one value at a time. Each lane is
// one IEEE operation, so the result is the scalar loop's, bit for bit.
template <typename T, typename Op>
void arith_loop(int mode, const T* x, const T* y, T* o, int64_t n, Op op) {
  using V = typename VecOf<T>::type;
  constexpr int L = kVecBytes / static_cast<int>(sizeof(T));
  int64_t i = 0;
  if (mode == kBothArrays) {
    for (; i + L <= n; i += L) store_unaligned(o + i, op(load_unaligned<V>(x + i), load_unaligned<V>(y + i)));
    for (; i < n; ++i) o[i] = op(x[i], y[i]);
  } else if (mode == kScalarRight) {
    const T s = y[0];
    const V sv = V{} + s;
    for (; i + L <= n; i += L) store_unaligned(o + i, op(load_unaligned<V>(x + i), sv));
    for (; i < n; ++i) o[i] = op(x[i], s);
  } else {
    const T s = x[0];
    const V sv = V{} + s;
    for (; i + L <= n; i += L) store_unaligned(o + i, op(sv, load_unaligned<V>(y + i)));
    for (; i < n; ++i) o[i] = op(s, y[i]);
  }
}

struct AddOp {
  template <typename U>
  U operator()(U a, U b) const { return a + b; }
};
struct SubOp {
  template <typename U>
  U operator()(U a, U b) const { return a - b; }
};
struct MulOp {
  template <typename U>
  U operator()(U a, U b) const { return a * b; }
};
struct DivOp {
  template <typename U>
  U operator()(U a, U b) const { return a / b; }
};

template <typename T>
void arith_arrays(int op, int mode, const T* x, const T* y, T* o, int64_t n) {
  switch (op) {
    case kAdd: return arith_loop(mode, x, y, o, n, AddOp());
    case kSub: return arith_loop(mode, x, y, o, n, SubOp());
    case kMul: return arith_loop(mode, x, y, o, n, MulOp());
    case kDiv: return arith_loop(mode, x, y, o, n, DivOp());
  }
}
