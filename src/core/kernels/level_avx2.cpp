// AVX2 + FMA kernels (x86-64, e.g. Intel Haswell and AMD Zen on).
// Compiled with a target pragma rather than a compiler flag, so the library keeps the
// baseline everywhere else; dispatch.cpp calls in here only on a CPU that has avx2.
#include "level_prelude.h"

#if RECURRENT_X86_LEVELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define RECURRENT_LEVEL_NS avx2
#define RECURRENT_LEVEL kAvx2
#define RECURRENT_LEVEL_NAME "avx2"
#define RECURRENT_VEC_BYTES 32
#include "level_impl.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // RECURRENT_X86_LEVELS

namespace recurrent {
namespace core {
namespace kernels {
#if RECURRENT_X86_LEVELS
const Table* table_avx2() { return avx2::level_table(); }
#else
const Table* table_avx2() { return nullptr; }
#endif
}  // namespace kernels
}  // namespace core
}  // namespace recurrent
