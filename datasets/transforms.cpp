// Dataset transforms: normalize composes differentiable ops; the reshapes are views through the
// shape ops; to_categorical validates every label before writing the one-hot rows.
#include <xgrad/datasets/transforms.hpp>

#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace xg::datasets {
namespace {

void require_defined(const Tensor& x, const char* op) {
  if (!x.defined()) throw ValueError(std::string(op) + ": the tensor is undefined");
}

}  // namespace

Tensor normalize(const Tensor& x, double mean, double std) {
  require_defined(x, "normalize");
  if (!is_floating(x.dtype()))
    throw DtypeError("normalize: expected a float32 or float64 tensor, got " + std::string(dtype_name(x.dtype())) +
                     " (convert with x.to(xg::kFloat32))");
  if (!(std > 0.0) || !std::isfinite(std) || !std::isfinite(mean))
    throw ValueError("normalize: expected a finite mean and a finite std > 0, got mean " + std::to_string(mean) +
                     " and std " + std::to_string(std));
  return (x - mean) / std;
}

Tensor flatten_images(const Tensor& x) {
  require_defined(x, "flatten_images");
  if (x.dim() < 2)
    throw ShapeError("flatten_images: expected a batch of shape [N, ...] with at least 2 dimensions, got " +
                     shape_str(x.shape()));
  return flatten(x, 1);
}

Tensor to_nchw(const Tensor& x) {
  require_defined(x, "to_nchw");
  if (x.dim() != 3)
    throw ShapeError("to_nchw: expected grey images of shape [N, H, W], got " + shape_str(x.shape()));
  return unsqueeze(x, 1);
}

Tensor to_categorical(const Tensor& labels, std::int64_t num_classes) {
  require_defined(labels, "to_categorical");
  if (labels.dtype() != Dtype::Int64)
    throw DtypeError("to_categorical: expected int64 labels, got " + std::string(dtype_name(labels.dtype())));
  if (num_classes == 0 || num_classes < -1)
    throw ValueError("to_categorical: num_classes must be >= 1, or -1 to use max(labels) + 1, got " +
                     std::to_string(num_classes));
  Shape shape = labels.shape();
  if (shape.size() > 1 && shape.back() == 1) shape.pop_back();
  const std::int64_t* values = labels.data<std::int64_t>();
  const std::int64_t n = labels.numel();
  if (num_classes == -1) {
    if (n == 0) throw ValueError("to_categorical: cannot infer num_classes from an empty label tensor");
    num_classes = *std::max_element(values, values + n) + 1;
  }
  for (std::int64_t i = 0; i < n; ++i)
    if (values[i] < 0 || values[i] >= num_classes)
      throw ValueError("to_categorical: label " + std::to_string(values[i]) + " at index " + std::to_string(i) +
                       " is out of range [0, " + std::to_string(num_classes) + ")");
  shape.push_back(num_classes);
  Tensor out = zeros(shape);
  float* dst = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) dst[i * num_classes + values[i]] = 1.0f;
  return out;
}

}  // namespace xg::datasets
