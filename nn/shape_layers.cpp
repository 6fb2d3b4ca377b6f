// Flatten and Reshape: validate the input against the layer's axes / target, then call the
// differentiable view ops (flatten, reshape), which share the input's storage.
#include <xgrad/nn/shape_layers.hpp>

#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/layer_error.hpp>

#include <algorithm>

namespace xg::nn {

Flatten::Flatten(std::int64_t start_dim, FlattenOptions options)
    : Module("Flatten"), start_dim_(start_dim), end_dim_(options.end_dim) {
  if (!options.name.empty()) set_name(options.name);
  if (start_dim_ >= 0 && end_dim_ >= 0 && start_dim_ > end_dim_)
    throw ValueError("layer '" + name() + "' (Flatten): start_dim " + std::to_string(start_dim_) +
                     " is after end_dim " + std::to_string(end_dim_));
}

Tensor Flatten::forward(const Tensor& x) {
  const std::int64_t rank = x.dim();
  const std::int64_t start = start_dim_ < 0 ? start_dim_ + rank : start_dim_;
  const std::int64_t end = end_dim_ < 0 ? end_dim_ + rank : end_dim_;
  if (start < 0 || start >= rank || end < 0 || end >= rank || start > end)
    throw_input_rejected(*this, x.shape(),
                         describe() + " cannot flatten a rank-" + std::to_string(rank) + " input: axes " +
                             std::to_string(start_dim_) + ".." + std::to_string(end_dim_) +
                             " must exist and be in order" +
                             (rank == 1 ? " (a rank-1 input has no axis after the batch axis)" : ""));
  return flatten(x, start, end);
}

std::string Flatten::describe() const {
  return "Flatten(start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_) + ")";
}

Reshape::Reshape(Shape target, ReshapeOptions options) : Module("Reshape"), target_(std::move(target)) {
  if (!options.name.empty()) set_name(options.name);
  const auto inferred = std::count(target_.begin(), target_.end(), std::int64_t{-1});
  const bool valid = inferred <= 1 && std::all_of(target_.begin(), target_.end(), [](auto d) { return d > 0 || d == -1; });
  if (!valid)
    throw ValueError("layer '" + name() + "' (Reshape): invalid target shape " + shape_str(target_) +
                     " (entries must be positive, with at most one -1)");
}

Tensor Reshape::forward(const Tensor& x) {
  if (x.dim() < 1) throw_input_rejected(*this, x.shape(), "Reshape takes a batch [N, ...], got a scalar");
  const Shape sample(x.shape().begin() + 1, x.shape().end());
  const std::int64_t sample_numel = shape_numel(sample);
  std::int64_t known = 1;
  for (auto d : target_)
    if (d != -1) known *= d;
  const bool has_inferred = std::find(target_.begin(), target_.end(), -1) != target_.end();
  const bool fits = has_inferred ? sample_numel % known == 0 : sample_numel == known;
  if (!fits)
    throw_input_rejected(*this, x.shape(),
                         "cannot reshape samples of shape " + shape_str(sample) + " (" + std::to_string(sample_numel) +
                             " elements) to " + shape_str(target_) +
                             (has_inferred
                                  ? " (the known entries' product " + std::to_string(known) + " must divide it)"
                                  : " (" + std::to_string(known) + " elements)"));
  Shape out{x.size(0)};
  for (auto d : target_) out.push_back(d == -1 ? sample_numel / known : d);
  return reshape(x, out);
}

std::string Reshape::describe() const { return "Reshape(target_shape=" + shape_str(target_) + ")"; }

}  // namespace xg::nn
