#pragma once
// Transforms of whole image / label tensors, applied once before training (Keras style):
//
//   auto [train, test] = xg::datasets::mnist();
//   Tensor x = flatten_images(normalize(train.images, 0.1307, 0.3081));   // [60000, 784]
//   Tensor y = to_categorical(train.labels, 10);                          // [60000, 10] one-hot
//
// normalize is differentiable (built from tensor ops); flatten_images and to_nchw are views.
#include <xgrad/core/tensor.hpp>

#include <cstdint>

namespace xg::datasets {

/// (x - mean) / std elementwise; x float32 or float64, std > 0. MNIST's usual statistics are
/// mean 0.1307, std 0.3081 (of the pixels scaled to [0, 1]).
Tensor normalize(const Tensor& x, double mean, double std);

/// [N, d1, d2, ...] -> [N, d1 * d2 * ...], sharing storage: [N, 28, 28] -> [N, 784] for a Dense
/// network. x must have at least 2 dimensions.
Tensor flatten_images(const Tensor& x);

/// [N, H, W] -> [N, 1, H, W], sharing storage: adds the channel axis conv2d expects.
Tensor to_nchw(const Tensor& x);

/// One-hot float32 encoding as Keras' to_categorical: labels int64 [...] -> [..., num_classes]
/// with out[..., c] = 1 where labels[...] == c, else 0. A trailing axis of size 1 is dropped first
/// ([N, 1] -> [N, C]). num_classes = -1 uses max(labels) + 1. A label outside [0, num_classes)
/// is a ValueError naming the label and its (flat) index.
Tensor to_categorical(const Tensor& labels, std::int64_t num_classes = -1);

}  // namespace xg::datasets
