#pragma once
// Datasets: indexable collections of (x, y) examples, as in torch.utils.data.
//
// A Dataset answers size() and get(index); get_batch(indices) returns several examples stacked
// along a new first axis. The default get_batch calls get() once per index and copies; a dataset
// that can do better overrides it — TensorDataset, the common case (all examples in two tensors,
// example i = row i), gathers rows with one memcpy each, in parallel for large batches.
//
//   auto [train, test] = xg::datasets::mnist();
//   auto data = std::make_shared<TensorDataset>(train.images, train.labels);
//   auto [fit_part, validation] = split_tail(*data, 0.2);   // Keras validation_split: last 20%
//
// Examples and batches are plain data without autograd history. Implementations of get() and
// get_batch() must not change the dataset: a DataLoader calls them from its prefetch thread.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace xg::datasets {

/// One example: input x and target y (y may be undefined for unlabelled data).
struct Example {
  Tensor x;
  Tensor y;
};

/// Several examples stacked along a new first axis: x [B, ...], y [B, ...].
using Batch = Example;

class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual std::int64_t size() const = 0;
  /// Example `index`, 0 <= index < size(); throws IndexError otherwise.
  virtual Example get(std::int64_t index) const = 0;
  /// Examples `indices` (in that order) stacked: x [B, ...], y [B, ...] with B = indices.size().
  /// Default: get() per index, then one copy into the stacked tensors; every example must have
  /// the same shapes and dtypes (ShapeError naming the first one that differs).
  virtual Batch get_batch(const std::vector<std::int64_t>& indices) const;
};

/// Example i is row i of x and row i of y.
class TensorDataset : public Dataset {
 public:
  /// x [N, ...] and y [N, ...] with the same N (ShapeError otherwise); y may be undefined
  /// (unlabelled data). Shares their storage.
  TensorDataset(Tensor x, Tensor y);

  std::int64_t size() const override { return x_.size(0); }
  /// Row `index` of x and of y, as views (no copy).
  Example get(std::int64_t index) const override;
  /// The rows `indices` of x and of y, gathered into new contiguous tensors.
  Batch get_batch(const std::vector<std::int64_t>& indices) const override;

  const Tensor& x() const { return x_; }
  const Tensor& y() const { return y_; }

 private:
  Tensor x_;
  Tensor y_;
};

/// The examples `indices` of another dataset, in that order (indices are checked when built).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices);

  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  Example get(std::int64_t index) const override;
  /// Maps the indices and forwards to the underlying dataset's get_batch (keeps its fast path).
  Batch get_batch(const std::vector<std::int64_t>& indices) const override;

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<std::int64_t> indices_;
};

/// Rows [begin, end) of `dataset`, sharing its storage (0 <= begin <= end <= size()).
TensorDataset subset(const TensorDataset& dataset, std::int64_t begin, std::int64_t end);

/// Keras' validation_split: {the first examples, the last `fraction` of them}, cut at
/// floor(N * (1 - fraction)) before any shuffling. 0 < fraction < 1 and both parts non-empty.
std::pair<TensorDataset, TensorDataset> split_tail(const TensorDataset& dataset, double fraction);

}  // namespace xg::datasets
