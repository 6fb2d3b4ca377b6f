#include <xgrad/nn/init.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/random.hpp>

#include <cmath>
#include <map>

namespace xg::nn::init {
namespace {

using Fn = std::function<Tensor(const Shape&, Dtype)>;

// Normal samples redrawn (with later counters of the same block) until within two stddevs.
Tensor truncated_normal(const Shape& shape, double mean, double stddev, Dtype dtype) {
  const std::int64_t n = shape_numel(shape);
  constexpr int kTries = 32;
  const auto block = random::reserve(static_cast<std::uint64_t>(n) * kTries);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double z = 0;
    for (int t = 0; t < kTries; ++t) {
      z = random::normal01(block, static_cast<std::uint64_t>(i + t * n));
      if (std::abs(z) <= 2.0) break;
    }
    v[i] = mean + stddev * std::max(-2.0, std::min(2.0, z));
  }
  return from_vector(v, shape, {.dtype = dtype});
}

Tensor variance_scaling(const VarianceScaling& vs, const Shape& shape, Dtype dtype) {
  const Fans f = compute_fans(shape);
  const double fan = vs.mode == VarianceScaling::Mode::FanIn    ? f.in
                     : vs.mode == VarianceScaling::Mode::FanOut ? f.out
                                                                : (f.in + f.out) / 2;
  const double variance = vs.scale / std::max(1.0, fan);
  if (vs.distribution == VarianceScaling::Distribution::Uniform) {
    const double limit = std::sqrt(3.0 * variance);
    return uniform(shape, -limit, limit, {.dtype = dtype});
  }
  // 0.87962566103423978 is the stddev of a unit normal truncated at +-2 (as Keras).
  return truncated_normal(shape, 0.0, std::sqrt(variance) / 0.87962566103423978, dtype);
}

// Modified Gram-Schmidt on the rows (or columns) of a normal matrix.
Tensor orthogonal(const Orthogonal& o, const Shape& shape, Dtype dtype) {
  if (shape.size() < 2) throw ShapeError("orthogonal initializer needs a tensor of rank >= 2, got " + shape_str(shape));
  const std::int64_t rows = shape[0], cols = shape_numel(shape) / shape[0];
  const bool transpose = rows < cols;
  const std::int64_t n = transpose ? cols : rows, m = transpose ? rows : cols;  // orthonormalize m columns of length n
  std::vector<double> a = randn({n, m}, {.dtype = Dtype::Float64}).to_vector<double>();
  for (std::int64_t j = 0; j < m; ++j) {
    for (std::int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (std::int64_t i = 0; i < n; ++i) dot += a[i * m + j] * a[i * m + k];
      for (std::int64_t i = 0; i < n; ++i) a[i * m + j] -= dot * a[i * m + k];
    }
    double norm = 0;
    for (std::int64_t i = 0; i < n; ++i) norm += a[i * m + j] * a[i * m + j];
    norm = std::sqrt(norm);
    for (std::int64_t i = 0; i < n; ++i) a[i * m + j] /= norm;
  }
  std::vector<double> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) out[r * cols + c] = o.gain * (transpose ? a[c * m + r] : a[r * m + c]);
  return from_vector(out, shape, {.dtype = dtype});
}

const std::map<std::string, Initializer>& named() {
  using VS = VarianceScaling;
  static const auto* table = new std::map<std::string, Initializer>{
      {"zeros", Zeros{}},
      {"ones", Ones{}},
      {"one", Ones{}},
      {"zero", Zeros{}},
      {"normal", RandomNormal{}},
      {"random_normal", RandomNormal{}},
      {"uniform", RandomUniform{}},
      {"random_uniform", RandomUniform{}},
      {"truncated_normal", TruncatedNormal{}},
      {"glorot_uniform", VS{1.0, VS::Mode::FanAvg, VS::Distribution::Uniform}},
      {"glorot_normal", VS{1.0, VS::Mode::FanAvg, VS::Distribution::TruncatedNormal}},
      {"he_uniform", VS{2.0, VS::Mode::FanIn, VS::Distribution::Uniform}},
      {"he_normal", VS{2.0, VS::Mode::FanIn, VS::Distribution::TruncatedNormal}},
      {"lecun_uniform", VS{1.0, VS::Mode::FanIn, VS::Distribution::Uniform}},
      {"lecun_normal", VS{1.0, VS::Mode::FanIn, VS::Distribution::TruncatedNormal}},
      {"orthogonal", Orthogonal{}},
  };
  return *table;
}

}  // namespace

Fans compute_fans(const Shape& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  double receptive = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) receptive *= static_cast<double>(shape[i]);
  return {static_cast<double>(shape[1]) * receptive, static_cast<double>(shape[0]) * receptive};
}

Initializer::Initializer(const char* name) : Initializer(std::string(name)) {}

Initializer::Initializer(const std::string& name) {
  auto it = named().find(name);
  if (it == named().end()) throw_unknown_name("initializer", name, initializer_names());
  *this = it->second;
  name_ = name;
}

Initializer::Initializer(Zeros) : name_("zeros"), fn_([](const Shape& s, Dtype d) { return zeros(s, {.dtype = d}); }) {}
Initializer::Initializer(Ones) : name_("ones"), fn_([](const Shape& s, Dtype d) { return ones(s, {.dtype = d}); }) {}
Initializer::Initializer(Constant c)
    : name_("constant"), fn_([c](const Shape& s, Dtype d) { return full(s, c.value, {.dtype = d}); }) {}
Initializer::Initializer(RandomNormal r)
    : name_("random_normal"), fn_([r](const Shape& s, Dtype d) { return normal(s, r.mean, r.stddev, {.dtype = d}); }) {}
Initializer::Initializer(RandomUniform r)
    : name_("random_uniform"),
      fn_([r](const Shape& s, Dtype d) { return uniform(s, r.minval, r.maxval, {.dtype = d}); }) {}
Initializer::Initializer(TruncatedNormal r)
    : name_("truncated_normal"),
      fn_([r](const Shape& s, Dtype d) { return truncated_normal(s, r.mean, r.stddev, d); }) {}
Initializer::Initializer(VarianceScaling v)
    : name_("variance_scaling"), fn_([v](const Shape& s, Dtype d) { return variance_scaling(v, s, d); }) {}
Initializer::Initializer(Orthogonal o)
    : name_("orthogonal"), fn_([o](const Shape& s, Dtype d) { return orthogonal(o, s, d); }) {}
Initializer::Initializer(std::string name, std::function<Tensor(const Shape&, Dtype)> fn)
    : name_(std::move(name)), fn_(std::move(fn)) {}

Tensor Initializer::make(const Shape& shape, Dtype dtype) const {
  NoGradGuard no_grad;
  Tensor t = fn_(shape, dtype);
  if (t.shape() != shape)
    throw ShapeError("initializer '" + name_ + "' produced shape " + shape_str(t.shape()) + ", expected " +
                     shape_str(shape));
  return t;
}

void Initializer::operator()(Tensor& t) const {
  NoGradGuard no_grad;
  t.copy_(make(t.shape(), t.dtype()));
}

std::vector<std::string> initializer_names() {
  std::vector<std::string> names;
  for (const auto& [n, i] : named()) names.push_back(n);
  return names;
}

}  // namespace xg::nn::init
