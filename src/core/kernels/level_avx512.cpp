// AVX-512F kernels (x86-64, e.g. Intel Skylake-SP and AMD Zen 4 on): 64-byte vectors, 32 registers.
// Compiled with a target pragma rather than a compiler flag, so the library keeps the
// baseline everywhere else; dispatch.cpp calls in here only on a CPU that has avx512.
#include "level_prelude.h"

#if RECURRENT_X86_LEVELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif

#define RECURRENT_LEVEL_NS avx512
#define RECURRENT_LEVEL kAvx512
#define RECURRENT_LEVEL_NAME "avx512"
#define RECURRENT_VEC_BYTES 64
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
const Table* table_avx512() { return avx512::level_table(); }
#else
const Table* table_avx512() { return nullptr; }
#endif
}  // namespace kernels
}  // namespace core
}  // namespace recurrent
