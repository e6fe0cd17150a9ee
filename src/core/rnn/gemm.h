// The fused kernels' GEMM is kernels/gemm.h (dispatched per instruction-set level); its
// names, as the cells use them.
#pragma once

#include "../kernels/gemm.h"

namespace recurrent {
namespace core {
namespace rnn {
namespace detail {

using kernels::AlignedBuf;
using kernels::gemm_packed;
using kernels::gemm_strided;
using kernels::gemm_strided_multi;
using kernels::PackedB;
using kernels::RowGroup;

}  // namespace detail
}  // namespace rnn
}  // namespace core
}  // namespace recurrent
