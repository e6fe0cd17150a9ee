// Runtime dispatch of the hot kernels: each instruction-set level is compiled in its own
// translation unit (level_*.cpp) into the same library, and the best one the CPU supports
// is chosen on first use. The build itself has no CPU-specific flags, so one binary runs
// on any CPU of its architecture. RECURRENT_CPU_LEVEL (environment) caps the level.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gemm.h"

namespace recurrent {
namespace core {
namespace kernels {

// Levels in increasing order. x86-64: baseline SSE2, AVX2 + FMA, AVX-512F. Other
// architectures compile the baseline only (aarch64: NEON, which the ABI guarantees).
enum Level : int { kBaseline = 0, kAvx2 = 1, kAvx512 = 2, kLevelCount = 3 };

// Elementwise + - * / (arith()): which operand is a single value, if either.
enum ArithOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum ArithMode : int { kBothArrays = 0, kScalarRight = 1, kScalarLeft = 2 };

template <typename T>
struct GemmKernels {
  void (*pack)(PackedB<T>& p, const T* B, int64_t rs, int64_t cs, int64_t k, int64_t n);
  void (*packed)(bool acc, int64_t m, const T* A, int64_t rsa, int64_t csa, const PackedB<T>& B, T* C, int64_t ldc);
  void (*strided_multi)(bool acc, int64_t n, int64_t k, const RowGroup<T>* groups, int ngroups, const T* B,
                        int64_t rsb, int64_t csb, const T* bias);
  void (*small)(int64_t m, int64_t k, int64_t n, const T* A, const T* B, T* C);
  // o = x op y over n values, x or y a single value as `mode` says; exact IEEE results
  void (*arith)(int op, int mode, const T* x, const T* y, T* o, int64_t n);
};

// The fused cells' pointwise passes (cells.h).
template <typename T>
struct CellKernels {
  void (*mul_add)(const T* x, const T* y, T* o, int64_t n);
  void (*lstm_state)(const T* i, const T* f, const T* g, const T* c_prev, T* c, int64_t n);
  void (*gru_state)(const T* z, const T* h_prev, const T* hh, T* h, int64_t n);
  void (*lstm_back_gates)(const T* dt, T* dc, const T* i, const T* f, const T* g, const T* c_prev, T* di, T* df,
                          T* dg, int64_t n);
  void (*gru_back_state)(const T* z, const T* hh, const T* h_prev, T* dh, T* dz, T* dhh, int64_t n);
};

// One level's kernels.
struct Table {
  int level;
  const char* name;  // "sse2", "neon", "generic", "avx2", "avx512"
  int vector_bytes;
  GemmKernels<float> f32;
  GemmKernels<double> f64;
  void (*exp_floats)(const float* x, float* y, int64_t n);  // y may be x
  void (*tanh_floats)(float* p, int64_t n);                 // in place
  void (*sigmoid_floats)(float* p, int64_t n);              // in place
  CellKernels<float> cells_f32;
  CellKernels<double> cells_f64;
  void (*lstm_step_f32)(float* gates, const float* c_prev, float* c, float* h, int64_t n);
  void (*lstm_back_f32)(float* gates, const float* c_prev, const float* c, const float* dh, float* dc, int64_t n);
  void (*gru_step_f32)(float* gates, const float* rec, const float* h_prev, float* h, int64_t n);
};

template <typename T>
const GemmKernels<T>& gemm_of(const Table& t);
template <>
inline const GemmKernels<float>& gemm_of<float>(const Table& t) { return t.f32; }
template <>
inline const GemmKernels<double>& gemm_of<double>(const Table& t) { return t.f64; }

template <typename T>
const CellKernels<T>& cells_of(const Table& t);
template <>
inline const CellKernels<float>& cells_of<float>(const Table& t) { return t.cells_f32; }
template <>
inline const CellKernels<double>& cells_of<double>(const Table& t) { return t.cells_f64; }

// The kernels in use.
const Table& active();

// o[i] = x[i] op y[i] (or with x[0] / y[0] per `mode`), at the level in use.
template <typename T>
inline void arith(ArithOp op, ArithMode mode, const T* x, const T* y, T* o, int64_t n) {
  gemm_of<T>(active()).arith(op, mode, x, y, o, n);
}

// The level's kernels when this build has them and this CPU runs them, else null.
const Table* table_for(int level);

// Highest level this build has and this CPU runs.
int best_level();

// Makes `level` the one in use (not above best_level(); the caller checks) and returns
// the previous one. Not while kernels run on other threads.
int set_level(int level);

// "baseline", "sse2", "avx2", "avx512", ... or a number: the level it names, or -1.
int parse_level(const std::string& name);

// What the CPU reports (x86-64: "sse2", "avx2", "fma", "avx512f"), for the user.
std::vector<std::string> cpu_flags();

// RECURRENT_CPU_LEVEL as found at first use ("" when unset) and whether it was valid.
const std::string& level_request();
bool level_request_valid();

}  // namespace kernels
}  // namespace core
}  // namespace recurrent
