// Chooses the kernels' level once, on first use, from what the CPU reports (capped by
// RECURRENT_CPU_LEVEL), and forwards gemm.h's and kernels.h's calls to it.
#include "dispatch.h"

#include <atomic>
#include <cstdlib>

#include "cells.h"
#include "maths.h"

namespace recurrent {
namespace core {
namespace kernels {

const Table* table_baseline();  // level_baseline.cpp
const Table* table_avx2();      // level_avx2.cpp (null where not built)
const Table* table_avx512();    // level_avx512.cpp (null where not built)

namespace {

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define RECURRENT_CPU_X86 1
#else
#define RECURRENT_CPU_X86 0
#endif

// Highest level the CPU (and the OS, which must save the wider registers: the
// compiler's cpu check includes that) runs, whether or not this build has it.
int cpu_level() {
#if RECURRENT_CPU_X86
  __builtin_cpu_init();
  if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return kBaseline;
  if (!__builtin_cpu_supports("avx512f")) return kAvx2;
  return kAvx512;
#else
  return kBaseline;
#endif
}

const Table* built_table(int level) {
  switch (level) {
    case kBaseline: return table_baseline();
    case kAvx2: return table_avx2();
    case kAvx512: return table_avx512();
  }
  return nullptr;
}

std::string& request() {
  static std::string r;
  return r;
}
bool& request_valid() {
  static bool v = true;
  return v;
}

const Table* initial_table() {
  int level = best_level();
  const char* env = std::getenv("RECURRENT_CPU_LEVEL");
  if (env && *env) {
    request() = env;
    const int asked = parse_level(env);
    request_valid() = asked >= 0;
    if (asked >= 0 && asked < level) level = asked;
  }
  while (level > 0 && !built_table(level)) --level;
  return built_table(level);
}

std::atomic<const Table*>& current() {
  static std::atomic<const Table*> t{initial_table()};
  return t;
}

}  // namespace

const Table& active() { return *current().load(std::memory_order_relaxed); }

int best_level() {
  int level = cpu_level();
  while (level > 0 && !built_table(level)) --level;
  return level;
}

const Table* table_for(int level) {
  if (level < 0 || level > best_level()) return nullptr;
  return built_table(level);
}

int set_level(int level) {
  const Table* t = table_for(level);
  const int old = active().level;
  if (t) current().store(t, std::memory_order_relaxed);
  return old;
}

int parse_level(const std::string& name) {
  if (name == "0" || name == "baseline" || name == "sse2" || name == "neon" || name == "generic") return kBaseline;
  if (name == "1" || name == "avx2") return kAvx2;
  if (name == "2" || name == "avx512") return kAvx512;
  return -1;
}

std::vector<std::string> cpu_flags() {
  std::vector<std::string> out;
#if RECURRENT_CPU_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse2")) out.push_back("sse2");
  if (__builtin_cpu_supports("avx")) out.push_back("avx");
  if (__builtin_cpu_supports("avx2")) out.push_back("avx2");
  if (__builtin_cpu_supports("fma")) out.push_back("fma");
  if (__builtin_cpu_supports("avx512f")) out.push_back("avx512f");
#elif defined(__aarch64__)
  out.push_back("neon");
#endif
  return out;
}

const std::string& level_request() {
  current();
  return request();
}
bool level_request_valid() {
  current();
  return request_valid();
}

// ---- gemm.h ------------------------------------------------------------------------

template <typename T>
void PackedB<T>::pack(const T* B, int64_t rs, int64_t cs, int64_t k_, int64_t n_) {
  gemm_of<T>(active()).pack(*this, B, rs, cs, k_, n_);
}

template <typename T>
void gemm_packed(bool acc, int64_t m, const T* A, int64_t rsa, int64_t csa, const PackedB<T>& B, T* C, int64_t ldc) {
  if (m == 0 || B.n == 0) return;
  gemm_of<T>(*B.table).packed(acc, m, A, rsa, csa, B, C, ldc);
}

template <typename T>
void gemm_strided_multi(bool acc, int64_t n, int64_t k, const RowGroup<T>* groups, int ngroups, const T* B,
                        int64_t rsb, int64_t csb, const T* bias) {
  gemm_of<T>(active()).strided_multi(acc, n, k, groups, ngroups, B, rsb, csb, bias);
}

template <typename T>
void gemm_strided(bool acc, int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B,
                  int64_t rsb, int64_t csb, T* C, int64_t ldc, const T* bias) {
  if (m == 0) return;
  const RowGroup<T> g{m, A, rsa, csa, C, ldc};
  gemm_of<T>(active()).strided_multi(acc, n, k, &g, 1, B, rsb, csb, bias);
}

template <typename T>
void small_gemm(int64_t m, int64_t k, int64_t n, const T* A, const T* B, T* C) {
  gemm_of<T>(active()).small(m, k, n, A, B, C);
}

template struct PackedB<float>;
template struct PackedB<double>;
template void gemm_packed<float>(bool, int64_t, const float*, int64_t, int64_t, const PackedB<float>&, float*, int64_t);
template void gemm_packed<double>(bool, int64_t, const double*, int64_t, int64_t, const PackedB<double>&, double*,
                                  int64_t);
template void gemm_strided_multi<float>(bool, int64_t, int64_t, const RowGroup<float>*, int, const float*, int64_t,
                                        int64_t, const float*);
template void gemm_strided_multi<double>(bool, int64_t, int64_t, const RowGroup<double>*, int, const double*,
                                         int64_t, int64_t, const double*);
template void gemm_strided<float>(bool, int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*,
                                  int64_t, int64_t, float*, int64_t, const float*);
template void gemm_strided<double>(bool, int64_t, int64_t, int64_t, const double*, int64_t, int64_t, const double*,
                                   int64_t, int64_t, double*, int64_t, const double*);
template void small_gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, float*);
template void small_gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, double*);

// ---- kernels.h -----------------------------------------------------------------------

void exp_floats(const float* x, float* y, int64_t n) { active().exp_floats(x, y, n); }
void tanh_floats(float* p, int64_t n) { active().tanh_floats(p, n); }
void sigmoid_floats(float* p, int64_t n) { active().sigmoid_floats(p, n); }

// ---- cells.h -------------------------------------------------------------------------

template <typename T>
void mul_add(const T* x, const T* y, T* o, int64_t n) {
  cells_of<T>(active()).mul_add(x, y, o, n);
}
template <typename T>
void lstm_state(const T* i, const T* f, const T* g, const T* c_prev, T* c, int64_t n) {
  cells_of<T>(active()).lstm_state(i, f, g, c_prev, c, n);
}
template <typename T>
void gru_state(const T* z, const T* h_prev, const T* hh, T* h, int64_t n) {
  cells_of<T>(active()).gru_state(z, h_prev, hh, h, n);
}
template <typename T>
void lstm_back_gates(const T* dt, T* dc, const T* i, const T* f, const T* g, const T* c_prev, T* di, T* df, T* dg,
                     int64_t n) {
  cells_of<T>(active()).lstm_back_gates(dt, dc, i, f, g, c_prev, di, df, dg, n);
}
template <typename T>
void gru_back_state(const T* z, const T* hh, const T* h_prev, T* dh, T* dz, T* dhh, int64_t n) {
  cells_of<T>(active()).gru_back_state(z, hh, h_prev, dh, dz, dhh, n);
}

#define RECURRENT_CELLS(T)                                                                                  \
  template void mul_add<T>(const T*, const T*, T*, int64_t);                                                \
  template void lstm_state<T>(const T*, const T*, const T*, const T*, T*, int64_t);                        \
  template void gru_state<T>(const T*, const T*, const T*, T*, int64_t);                                   \
  template void lstm_back_gates<T>(const T*, T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t); \
  template void gru_back_state<T>(const T*, const T*, const T*, T*, T*, T*, int64_t);
RECURRENT_CELLS(float)
RECURRENT_CELLS(double)
#undef RECURRENT_CELLS

void lstm_step_f32(float* gates, const float* c_prev, float* c, float* h, int64_t n) {
  active().lstm_step_f32(gates, c_prev, c, h, n);
}
void lstm_back_f32(float* gates, const float* c_prev, const float* c, const float* dh, float* dc, int64_t n) {
  active().lstm_back_f32(gates, c_prev, c, dh, dc, n);
}
void gru_step_f32(float* gates, const float* rec, const float* h_prev, float* h, int64_t n) {
  active().gru_step_f32(gates, rec, h_prev, h, n);
}

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
