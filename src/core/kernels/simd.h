// Vector types (GCC/Clang vector extensions) and float32 exp / sigmoid / tanh for one
// instruction-set level. Included by level_impl.h only, inside the level's namespace and
// after every standard header, with RECURRENT_VEC_BYTES set by the level's translation
// unit: the target pragma there, not the compiler flags, gives the vectors their width.
// Speed: inst/bench/bench-rnn.R (Eigen 3.3 evaluates tanh one lane at a time under AVX-512).

constexpr int kVecBytes = RECURRENT_VEC_BYTES;

typedef float vfloat __attribute__((vector_size(RECURRENT_VEC_BYTES)));
typedef double vdouble __attribute__((vector_size(RECURRENT_VEC_BYTES)));
typedef int32_t vint32 __attribute__((vector_size(RECURRENT_VEC_BYTES)));

template <typename T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = vfloat;
};
template <>
struct VecOf<double> {
  using type = vdouble;
};

template <typename V, typename T>
inline V load_unaligned(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V, typename T>
inline void store_unaligned(T* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

constexpr int kFloatLanes = kVecBytes / 4;

// Lane-wise conversions (truncating to int); GCC before 9 lacks __builtin_convertvector.
inline vint32 to_int(vfloat v) {
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 9)
  return __builtin_convertvector(v, vint32);
#else
  vint32 r;
  for (int i = 0; i < kFloatLanes; ++i) r[i] = static_cast<int32_t>(v[i]);
  return r;
#endif
}
inline vfloat to_float(vint32 v) {
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 9)
  return __builtin_convertvector(v, vfloat);
#else
  vfloat r;
  for (int i = 0; i < kFloatLanes; ++i) r[i] = static_cast<float>(v[i]);
  return r;
#endif
}

// exp for float32 lanes: n = round(x / ln 2), r = x - n ln 2 (two-part ln 2), a degree-7
// Taylor polynomial on |r| <= ln(2) / 2 (error below 1e-8 relative) and 2^n from the
// exponent bits. Inputs are clamped to [-87.3, 88.3] so 2^n stays a normal float:
// exp saturates at about 2e38 instead of overflowing, which sigmoid and tanh tolerate.
inline vfloat vexp(vfloat x) {
  const vfloat hi = vfloat{} + 88.3f, lo = vfloat{} - 87.3f;
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  const vfloat t = x * 1.44269504088896341f;
  const vint32 n = to_int(t + (t >= vfloat{} ? vfloat{} + 0.5f : vfloat{} - 0.5f));
  const vfloat nf = to_float(n);
  const vfloat r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  vfloat p = vfloat{} + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const vint32 bits = (n + 127) << 23;
  vfloat scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline vfloat vsigmoid(vfloat x) { return 1.0f / (1.0f + vexp(-x)); }

// tanh: an odd Taylor polynomial below |x| = 0.4 (where 1 - 2 / (e^2x + 1) would lose
// relative precision), that formula above; about 2e-7 relative at worst.
inline vfloat vtanh(vfloat x) {
  const vfloat zero = vfloat{};
  const vfloat a = x < zero ? -x : x;
  const vfloat big = 1.0f - 2.0f / (vexp(a + a) + 1.0f);
  const vfloat a2 = a * a;
  vfloat p = vfloat{} - 929569.0f / 638512875.0f;  // the divisor as a float: 638512896
  p = p * a2 + 21844.0f / 6081075;
  p = p * a2 - 1382.0f / 155925;
  p = p * a2 + 62.0f / 2835;
  p = p * a2 - 17.0f / 315;
  p = p * a2 + 2.0f / 15;
  p = p * a2 - 1.0f / 3;
  p = p * a2 + 1.0f;
  const vfloat small = p * a;
  const vfloat y = a < vfloat{} + 0.4f ? small : big;
  return x < zero ? -y : y;
}

// Applies f to n floats in place, the tail through a zero-padded vector.
template <typename F>
inline void map_floats(float* p, int64_t n, F f) {
  int64_t j = 0;
  for (; j + kFloatLanes <= n; j += kFloatLanes) store_unaligned(p + j, f(load_unaligned<vfloat>(p + j)));
  if (j < n) {
    float tmp[kFloatLanes] = {};
    std::memcpy(tmp, p + j, static_cast<size_t>(n - j) * sizeof(float));
    store_unaligned(tmp, f(load_unaligned<vfloat>(tmp)));
    std::memcpy(p + j, tmp, static_cast<size_t>(n - j) * sizeof(float));
  }
}
