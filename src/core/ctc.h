// Connectionist Temporal Classification: the loss (forward-backward in log space,
// with a hand-written gradient) and beam-search decoding. Keras 3 computes the same
// quantities in keras/src/backend/*/nn.py (ctc_loss, ctc_decode).
#pragma once

#include <cstdint>
#include <vector>

#include "tensor.h"

namespace recurrent {
namespace core {
namespace ctc {

// Negative log-likelihood of each target sequence given logits.
//   labels         (batch, max_label) class ids, 0-based (int32 or float holding ids)
//   logits         (batch, max_time, classes), unnormalised (log-softmax is applied)
//   label_length   (batch) how many labels of each row count
//   logit_length   (batch) how many timesteps of each row count
//   blank          0-based id of the blank (mask) class
// Returns (batch) losses in logits' dtype; records a node with the gradient with
// respect to logits while gradients are wanted. A target that no alignment of the
// given length can produce has an infinite loss and a zero gradient.
Tensor loss(const Tensor& labels, const Tensor& logits, const Tensor& label_length,
            const Tensor& logit_length, int64_t blank);

// Prefix beam search over log-softmax(logits) (Keras's "beam_search" strategy):
// hypotheses are collapsed label sequences, each with the log-probability of ending
// in a blank and of ending in a label; after each step the `beam_width` most likely
// are kept. Fills `paths` (top_paths, batch, max_time) with 0-based labels padded with
// -1, and `scores` (batch, top_paths) with log-probabilities (-inf where fewer
// hypotheses exist).
void beam_search(const Tensor& logits, const std::vector<int64_t>& lengths, int64_t beam_width,
                 int64_t top_paths, int64_t blank, std::vector<double>& paths, std::vector<double>& scores);

}  // namespace ctc
}  // namespace core
}  // namespace recurrent
