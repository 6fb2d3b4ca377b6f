#include <xgrad/nn/transposed_weight.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/gemv.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace xg::nn {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// `bytes` rounded up to whole 2 MiB pages, 2 MiB aligned, advised onto transparent huge pages
// (Linux, THP in "madvise" or "always" mode; elsewhere an ordinary aligned block).
std::size_t huge_page_size(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

std::unique_ptr<float, void (*)(void*)> huge_page_buffer(std::size_t bytes) {
  const std::size_t size = huge_page_size(bytes);
  void* p = std::aligned_alloc(kHugePage, size);
  if (!p) throw std::bad_alloc();
#ifdef __linux__
  madvise(p, size, MADV_HUGEPAGE);  // advice only: without huge pages the copy still works
#endif
  return {static_cast<float*>(p), std::free};
}

// True when at most kSparseInputFraction of x [rows, in] is nonzero, judged on up to 32 rows
// spread evenly over the batch (a decision on the data alone: the same x always takes the same
// path).
bool mostly_zeros(const float* x, std::int64_t rows, std::int64_t in) {
  const std::int64_t sampled = std::min<std::int64_t>(rows, 32);
  std::int64_t nonzeros = 0;
  for (std::int64_t s = 0; s < sampled; ++s) nonzeros += kernels::count_nonzeros(x + s * rows / sampled * in, in);
  return static_cast<double>(nonzeros) <= kSparseInputFraction * static_cast<double>(sampled * in);
}

}  // namespace

TransposedWeight TransposedWeightCache::lookup(const Tensor& weight) {
  const std::lock_guard lock(mutex_);
  const std::uint64_t version = weight.version();
  if (transposed_ && seen_.is_same(weight) && seen_version_ == version) return {transposed_.get(), finite_};
  // New values: (re)make the copy now, so that every one-sample call with these weights gives the
  // same bits (a regular-path first call would differ from later ones in the last place).
  const std::int64_t out = weight.size(0), in = weight.size(1);
  const auto bytes = static_cast<std::size_t>(in * kernels::padded_output_width(out)) * sizeof(float);
  if (!transposed_ || bytes_ != huge_page_size(bytes)) {
    transposed_ = huge_page_buffer(bytes);
    bytes_ = huge_page_size(bytes);
  }
  const float* w = weight.data<float>();
  kernels::transpose_padded(w, out, in, transposed_.get());
  finite_ = std::all_of(w, w + out * in, [](float v) { return std::isfinite(v); });
  seen_ = weight;
  seen_version_ = version;
  return {transposed_.get(), finite_};
}

void TransposedWeightCache::clear() {
  const std::lock_guard lock(mutex_);
  if (!seen_.defined()) return;
  seen_ = Tensor();
  transposed_.reset();
  bytes_ = 0;
}

std::size_t TransposedWeightCache::bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

bool cached_inference_applies(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const auto is_float = [](const Tensor& t) { return t.dtype() == Dtype::Float32; };
  if (!is_float(x) || !is_float(weight) || (bias.defined() && !is_float(bias))) return false;
  if (weight.dim() != 2 || x.dim() == 0 || x.numel() == 0 || x.size(-1) != weight.size(1)) return false;
  const std::int64_t out = weight.size(0);
  const bool one_row = x.numel() == weight.size(1);
  if (!one_row && kernels::padded_output_width(out) != out) return false;  // padded Wt rows cannot be y rows
  if (autograd::AnomalyMode::is_enabled()) return false;  // keeps the per-op NaN checks
  if (!autograd::GradMode::is_enabled()) return true;
  return !x.requires_grad() && !weight.requires_grad() && !(bias.defined() && bias.requires_grad());
}

Tensor cached_inference_linear(const Tensor& x, const TransposedWeight& weight, std::int64_t out, const Tensor& bias,
                               std::optional<Activation> act) {
  Shape shape = x.shape();
  const std::int64_t in = shape.back(), rows = x.numel() / in;
  shape.back() = out;
  Tensor y = empty(shape);
  const float* b = bias.defined() ? bias.data<float>() : nullptr;
  const float* px = x.data<float>();
  const float* wt = weight.data;
  float* py = y.data<float>();
  const bool skip_zeros = in > 0 && weight.finite &&
                          (rows == 1 || kernels::padded_output_width(out) >= kSparseMinOutputs) &&
                          mostly_zeros(px, rows, in);
  if (skip_zeros) {
    kernels::sparse_rows_times_transposed(px, rows, in, wt, out, b, py);
  } else if (rows == 1) {
    kernels::row_times_transposed(px, in, wt, out, b, py);
  } else {  // Wt is [in, out] here (out a multiple of 16): y = x Wt + b, the bias pre-filled
    if (b)
      for (std::int64_t r = 0; r < rows; ++r) std::copy(b, b + out, py + r * out);
    kernels::gemm<float>(false, false, rows, out, in, 1.0, px, wt, b ? 1.0 : 0.0, py);
  }
  if (act) kernels::activation_inplace(*act, y);
  return y;
}

}  // namespace xg::nn
