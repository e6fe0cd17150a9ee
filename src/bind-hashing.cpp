// String hashing for layer_hashing(): the two hashes TensorFlow's
// to_hash_bucket_fast (FarmHash Fingerprint64, the farmhashna 64-bit variant) and
// to_hash_bucket_strong (SipHash-2-4 with a 128-bit key) apply, so that bins match
// Keras's Hashing layer exactly. Written from the published algorithms; every helper
// carries the hashing_ prefix because all bind-*.cpp files share one translation unit.
#include <Rcpp.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>

namespace {

using hashing_u64 = std::uint64_t;
using hashing_u32 = std::uint32_t;

// FarmHash's multiplicative constants (primes between 2^63 and 2^64).
constexpr hashing_u64 hashing_k0 = 0xc3a5c85c97cb3127ULL;
constexpr hashing_u64 hashing_k1 = 0xb492b66fbe98f273ULL;
constexpr hashing_u64 hashing_k2 = 0x9ae16a3b2f90404fULL;

// Both algorithms read words little-endian, whatever the host's byte order.
inline hashing_u64 hashing_load64(const unsigned char* p) {
  hashing_u64 v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline hashing_u32 hashing_load32(const unsigned char* p) {
  return static_cast<hashing_u32>(p[0]) | (static_cast<hashing_u32>(p[1]) << 8) |
         (static_cast<hashing_u32>(p[2]) << 16) | (static_cast<hashing_u32>(p[3]) << 24);
}

// Rotations by 0 are defined (FarmHash rotates right, SipHash left).
inline hashing_u64 hashing_rotr(hashing_u64 v, int s) { return s == 0 ? v : (v >> s) | (v << (64 - s)); }
inline hashing_u64 hashing_rotl(hashing_u64 v, int s) { return s == 0 ? v : (v << s) | (v >> (64 - s)); }

inline hashing_u64 hashing_shift_mix(hashing_u64 v) { return v ^ (v >> 47); }

// Mixes two words into one with a multiplier.
inline hashing_u64 hashing_mix16(hashing_u64 u, hashing_u64 v, hashing_u64 mul) {
  hashing_u64 a = (u ^ v) * mul;
  a ^= (a >> 47);
  hashing_u64 b = (v ^ a) * mul;
  b ^= (b >> 47);
  return b * mul;
}

hashing_u64 hashing_farm_0to16(const unsigned char* s, std::size_t len) {
  if (len >= 8) {
    const hashing_u64 mul = hashing_k2 + len * 2;
    const hashing_u64 a = hashing_load64(s) + hashing_k2;
    const hashing_u64 b = hashing_load64(s + len - 8);
    const hashing_u64 c = hashing_rotr(b, 37) * mul + a;
    const hashing_u64 d = (hashing_rotr(a, 25) + b) * mul;
    return hashing_mix16(c, d, mul);
  }
  if (len >= 4) {
    const hashing_u64 mul = hashing_k2 + len * 2;
    const hashing_u64 a = hashing_load32(s);
    return hashing_mix16(len + (a << 3), hashing_load32(s + len - 4), mul);
  }
  if (len > 0) {
    const hashing_u32 a = s[0], b = s[len >> 1], c = s[len - 1];
    const hashing_u32 y = a + (b << 8);
    const hashing_u32 z = static_cast<hashing_u32>(len) + (c << 2);
    return hashing_shift_mix(y * hashing_k2 ^ z * hashing_k0) * hashing_k2;
  }
  return hashing_k2;
}

hashing_u64 hashing_farm_17to32(const unsigned char* s, std::size_t len) {
  const hashing_u64 mul = hashing_k2 + len * 2;
  const hashing_u64 a = hashing_load64(s) * hashing_k1;
  const hashing_u64 b = hashing_load64(s + 8);
  const hashing_u64 c = hashing_load64(s + len - 8) * mul;
  const hashing_u64 d = hashing_load64(s + len - 16) * hashing_k2;
  return hashing_mix16(hashing_rotr(a + b, 43) + hashing_rotr(c, 30) + d,
                       a + hashing_rotr(b + hashing_k2, 18) + c, mul);
}

hashing_u64 hashing_farm_33to64(const unsigned char* s, std::size_t len) {
  const hashing_u64 mul = hashing_k2 + len * 2;
  const hashing_u64 a = hashing_load64(s) * hashing_k2;
  const hashing_u64 b = hashing_load64(s + 8);
  const hashing_u64 c = hashing_load64(s + len - 8) * mul;
  const hashing_u64 d = hashing_load64(s + len - 16) * hashing_k2;
  const hashing_u64 y = hashing_rotr(a + b, 43) + hashing_rotr(c, 30) + d;
  const hashing_u64 z = hashing_mix16(y, a + hashing_rotr(b + hashing_k2, 18) + c, mul);
  const hashing_u64 e = hashing_load64(s + 16) * mul;
  const hashing_u64 f = hashing_load64(s + 24);
  const hashing_u64 g = (y + hashing_load64(s + len - 32)) * mul;
  const hashing_u64 h = (z + hashing_load64(s + len - 24)) * mul;
  return hashing_mix16(hashing_rotr(e + f, 43) + hashing_rotr(g, 30) + h,
                       e + hashing_rotr(f + a, 18) + g, mul);
}

// A 32-byte block folded into a pair of running words.
std::pair<hashing_u64, hashing_u64> hashing_weak32(const unsigned char* s, hashing_u64 a, hashing_u64 b) {
  const hashing_u64 w = hashing_load64(s), x = hashing_load64(s + 8);
  const hashing_u64 y = hashing_load64(s + 16), z = hashing_load64(s + 24);
  a += w;
  b = hashing_rotr(b + a + z, 21);
  const hashing_u64 c = a;
  a += x;
  a += y;
  b += hashing_rotr(a, 44);
  return {a + z, b + c};
}

// Fingerprint64: strings over 64 bytes run 64-byte rounds over a 56-byte state,
// the last round on the final 64 bytes (overlapping the previous ones).
hashing_u64 hashing_fingerprint64(const unsigned char* s, std::size_t len) {
  if (len <= 16) return hashing_farm_0to16(s, len);
  if (len <= 32) return hashing_farm_17to32(s, len);
  if (len <= 64) return hashing_farm_33to64(s, len);

  const hashing_u64 seed = 81;
  hashing_u64 x = seed;
  hashing_u64 y = seed * hashing_k1 + 113;
  hashing_u64 z = hashing_shift_mix(y * hashing_k2 + 113) * hashing_k2;
  std::pair<hashing_u64, hashing_u64> v{0, 0}, w{0, 0};
  x = x * hashing_k2 + hashing_load64(s);

  const unsigned char* end = s + ((len - 1) / 64) * 64;
  const unsigned char* last64 = end + ((len - 1) & 63) - 63;
  do {
    x = hashing_rotr(x + y + v.first + hashing_load64(s + 8), 37) * hashing_k1;
    y = hashing_rotr(y + v.second + hashing_load64(s + 48), 42) * hashing_k1;
    x ^= w.second;
    y += v.first + hashing_load64(s + 40);
    z = hashing_rotr(z + w.first, 33) * hashing_k1;
    v = hashing_weak32(s, v.second * hashing_k1, x + w.first);
    w = hashing_weak32(s + 32, z + w.second, y + hashing_load64(s + 16));
    std::swap(z, x);
    s += 64;
  } while (s != end);

  const hashing_u64 mul = hashing_k1 + ((z & 0xff) << 1);
  s = last64;
  w.first += ((len - 1) & 63);
  v.first += w.first;
  w.first += v.first;
  x = hashing_rotr(x + y + v.first + hashing_load64(s + 8), 37) * mul;
  y = hashing_rotr(y + v.second + hashing_load64(s + 48), 42) * mul;
  x ^= w.second * 9;
  y += v.first * 9 + hashing_load64(s + 40);
  z = hashing_rotr(z + w.first, 33) * mul;
  v = hashing_weak32(s, v.second * mul, x + w.first);
  w = hashing_weak32(s + 32, z + w.second, y + hashing_load64(s + 16));
  std::swap(z, x);
  return hashing_mix16(hashing_mix16(v.first, w.first, mul) + hashing_shift_mix(y) * hashing_k0 + z,
                       hashing_mix16(v.second, w.second, mul) + x, mul);
}

struct hashing_sip_state {
  hashing_u64 v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = hashing_rotl(v1, 13); v1 ^= v0; v0 = hashing_rotl(v0, 32);
    v2 += v3; v3 = hashing_rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = hashing_rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = hashing_rotl(v1, 17); v1 ^= v2; v2 = hashing_rotl(v2, 32);
  }
  void absorb(hashing_u64 m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

// SipHash-2-4: two rounds per 8-byte word, four to finish; the last word holds the
// trailing bytes and the length's low byte in its top byte.
hashing_u64 hashing_siphash24(const unsigned char* s, std::size_t len, hashing_u64 key0, hashing_u64 key1) {
  hashing_sip_state st{0x736f6d6570736575ULL ^ key0, 0x646f72616e646f6dULL ^ key1,
                       0x6c7967656e657261ULL ^ key0, 0x7465646279746573ULL ^ key1};
  const std::size_t full = len / 8 * 8;
  for (std::size_t i = 0; i < full; i += 8) st.absorb(hashing_load64(s + i));
  hashing_u64 last = static_cast<hashing_u64>(len & 0xff) << 56;
  for (std::size_t i = full; i < len; ++i) last |= static_cast<hashing_u64>(s[i]) << (8 * (i - full));
  st.absorb(last);
  st.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) st.round();
  return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}

// The hash of a UTF-8 string (an element of a character vector): with a key (two
// salt words) SipHash-2-4, without one (an empty key) Fingerprint64.
class hashing_string_hash {
 public:
  explicit hashing_string_hash(const Rcpp::NumericVector& key)
      : keyed_(key.size() == 2),
        key0_(keyed_ ? static_cast<hashing_u64>(key[0]) : 0),
        key1_(keyed_ ? static_cast<hashing_u64>(key[1]) : 0) {}

  hashing_u64 operator()(SEXP el) const {
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(CHAR(el));
    const std::size_t len = static_cast<std::size_t>(LENGTH(el));
    return keyed_ ? hashing_siphash24(bytes, len, key0_, key1_) : hashing_fingerprint64(bytes, len);
  }

 private:
  bool keyed_;
  hashing_u64 key0_, key1_;
};

}  // namespace

// Bins of UTF-8 strings (NA-free; checked in R): the hash modulo num_bins. Bins are
// 0-based.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector cpp_hashing_bins(Rcpp::CharacterVector x, int num_bins, Rcpp::NumericVector key) {
  if (num_bins < 1) Rcpp::stop("num_bins must be at least 1");
  const hashing_string_hash hash(key);
  const R_xlen_t n = x.size();
  Rcpp::IntegerVector out(n);
  for (R_xlen_t i = 0; i < n; ++i)
    out[i] = static_cast<int>(hash(STRING_ELT(x, i)) % static_cast<hashing_u64>(num_bins));
  return out;
}

// The 64-bit hashes themselves, as hexadecimal strings, to check against published
// values.
// [[Rcpp::export(rng = false)]]
Rcpp::CharacterVector cpp_hashing_hex(Rcpp::CharacterVector x, Rcpp::NumericVector key) {
  const hashing_string_hash hash(key);
  const R_xlen_t n = x.size();
  Rcpp::CharacterVector out(n);
  for (R_xlen_t i = 0; i < n; ++i) {
    const hashing_u64 h = hash(STRING_ELT(x, i));
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    out[i] = buf;
  }
  return out;
}
