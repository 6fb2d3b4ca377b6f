// Dataset plumbing on raw rows. A tensor is contiguous, so row i of x [N, ...] is the block of
// row_numel elements at offset i * row_numel: get() returns such blocks as views, get_batch()
// memcpy's them into a fresh [B, ...] tensor, and subset() makes one view over a range of rows.
#include <xgrad/datasets/dataset.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cmath>
#include <cstring>
#include <string>

namespace xg::datasets {
namespace {

std::size_t row_bytes(const Tensor& t) {
  const std::int64_t rows = t.size(0);
  return rows == 0 ? 0 : static_cast<std::size_t>(t.numel() / rows) * element_size(t.dtype());
}

// Rows [begin, end) of t as a view (keep_axis) or, for a single row, the row without its axis.
Tensor row_view(const Tensor& t, std::int64_t begin, std::int64_t end, bool keep_axis) {
  if (!t.defined()) return {};
  const TensorImpl& impl = *t.impl();
  Shape shape = impl.shape;
  if (keep_axis) shape[0] = end - begin;
  else shape.erase(shape.begin());
  const std::int64_t row_numel = impl.shape[0] == 0 ? 0 : impl.numel / impl.shape[0];
  return Tensor(std::make_shared<TensorImpl>(impl.storage, impl.offset + begin * row_numel, shape, impl.dtype));
}

// out[i] = t[indices[i]] along the first axis; indices already checked. ~64 KiB per task.
Tensor gather_rows(const Tensor& t, const std::vector<std::int64_t>& indices) {
  if (!t.defined()) return {};
  Shape shape = t.shape();
  shape[0] = static_cast<std::int64_t>(indices.size());
  Tensor out = empty_tensor(shape, t.dtype());
  const std::size_t bytes = row_bytes(t);
  const auto* src = static_cast<const char*>(t.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  const auto grain = static_cast<std::int64_t>(std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(bytes, 1)));
  parallel_for(0, shape[0], grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i)
      std::memcpy(dst + i * bytes, src + indices[static_cast<std::size_t>(i)] * static_cast<std::int64_t>(bytes), bytes);
  });
  return out;
}

void check_index(const char* op, std::int64_t index, std::int64_t size) {
  if (index < 0 || index >= size)
    throw IndexError(std::string(op) + ": index " + std::to_string(index) + " is out of range for a dataset of " +
                     std::to_string(size) + " examples");
}

std::string describe(const Tensor& t) {
  return t.defined() ? shape_str(t.shape()) + " " + std::string(dtype_name(t.dtype())) : "undefined";
}

// Stacks the `field` tensors of `examples` into [B, ...] (undefined if all are undefined).
Tensor stack_field(const std::vector<Example>& examples, const std::vector<std::int64_t>& indices,
                   Tensor Example::*field, const char* name) {
  const Tensor& first = examples.front().*field;
  for (std::size_t i = 1; i < examples.size(); ++i) {
    const Tensor& t = examples[i].*field;
    if (t.defined() != first.defined() ||
        (t.defined() && (t.shape() != first.shape() || t.dtype() != first.dtype())))
      throw ShapeError("Dataset::get_batch: example " + std::to_string(indices[i]) + " has " + name + " " + describe(t) +
                       " but example " + std::to_string(indices[0]) + " (the first of the batch) has " + describe(first) +
                       "; every example of a batch must have the same shape and dtype");
  }
  if (!first.defined()) return {};
  Shape shape = first.shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(examples.size()));
  Tensor out = empty_tensor(shape, first.dtype());
  const std::size_t bytes = static_cast<std::size_t>(first.numel()) * element_size(first.dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  for (std::size_t i = 0; i < examples.size(); ++i) std::memcpy(dst + i * bytes, (examples[i].*field).raw_data(), bytes);
  return out;
}

}  // namespace

Batch Dataset::get_batch(const std::vector<std::int64_t>& indices) const {
  if (indices.empty()) throw ValueError("Dataset::get_batch: expected at least one index (the example shapes come from the examples)");
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (auto index : indices) examples.push_back(get(index));
  return {stack_field(examples, indices, &Example::x, "x"), stack_field(examples, indices, &Example::y, "y")};
}

TensorDataset::TensorDataset(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {
  if (!x_.defined() || x_.dim() < 1) throw ShapeError("TensorDataset: x must be a tensor of shape [N, ...], got " + describe(x_));
  if (y_.defined() && (y_.dim() < 1 || y_.size(0) != x_.size(0)))
    throw ShapeError("TensorDataset: x and y must have the same number of examples (first dimension), got x " +
                     describe(x_) + " and y " + describe(y_));
}

Example TensorDataset::get(std::int64_t index) const {
  check_index("TensorDataset::get", index, size());
  return {row_view(x_, index, index + 1, false), row_view(y_, index, index + 1, false)};
}

Batch TensorDataset::get_batch(const std::vector<std::int64_t>& indices) const {
  for (auto index : indices) check_index("TensorDataset::get_batch", index, size());
  return {gather_rows(x_, indices), gather_rows(y_, indices)};
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  if (!dataset_) throw ValueError("Subset: the dataset is null");
  const std::int64_t n = dataset_->size();
  for (auto index : indices_) check_index("Subset", index, n);
}

Example Subset::get(std::int64_t index) const {
  check_index("Subset::get", index, size());
  return dataset_->get(indices_[static_cast<std::size_t>(index)]);
}

Batch Subset::get_batch(const std::vector<std::int64_t>& indices) const {
  std::vector<std::int64_t> mapped;
  mapped.reserve(indices.size());
  for (auto index : indices) {
    check_index("Subset::get_batch", index, size());
    mapped.push_back(indices_[static_cast<std::size_t>(index)]);
  }
  return dataset_->get_batch(mapped);
}

TensorDataset subset(const TensorDataset& dataset, std::int64_t begin, std::int64_t end) {
  if (begin < 0 || begin > end || end > dataset.size())
    throw IndexError("subset: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") are not a valid range of a dataset of " + std::to_string(dataset.size()) + " examples");
  return TensorDataset(row_view(dataset.x(), begin, end, true), row_view(dataset.y(), begin, end, true));
}

std::pair<TensorDataset, TensorDataset> split_tail(const TensorDataset& dataset, double fraction) {
  const std::int64_t n = dataset.size();
  if (!(fraction > 0.0 && fraction < 1.0))
    throw ValueError("split_tail: fraction must be in (0, 1), got " + std::to_string(fraction));
  const auto split_at = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - fraction)));
  if (split_at == 0 || split_at == n)
    throw ValueError("split_tail: a fraction of " + std::to_string(fraction) + " of " + std::to_string(n) +
                     " examples leaves one part empty (split at " + std::to_string(split_at) + ")");
  return {subset(dataset, 0, split_at), subset(dataset, split_at, n)};
}

}  // namespace xg::datasets
