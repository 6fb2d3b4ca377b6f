#pragma once
// Weight initializers, by Keras name or as typed objects:
//   Dense(256, {.kernel_initializer = "he_normal"})
//   Dense(256, {.kernel_initializer = nn::init::RandomNormal{.stddev = 0.01}})
// Fans follow Keras: for a weight of shape [out, in, k...] (PyTorch layout), fan_in = in * prod(k)
// and fan_out = out * prod(k). Every random initializer draws from the global generator
// (xg::manual_seed), so models are reproducible.
#include <xgrad/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xg::nn::init {

struct Fans {
  double in = 1;
  double out = 1;
};
/// Fans of a weight shape ([out, in, k...]; a 1-d shape has fan_in = fan_out = its size).
Fans compute_fans(const Shape& shape);

struct Zeros {};
struct Ones {};
struct Constant { double value = 0.0; };
/// Keras 'normal' / RandomNormal: mean 0, stddev 0.05.
struct RandomNormal { double mean = 0.0; double stddev = 0.05; };
/// Keras 'uniform' / RandomUniform: [-0.05, 0.05).
struct RandomUniform { double minval = -0.05; double maxval = 0.05; };
/// Normal truncated at two standard deviations.
struct TruncatedNormal { double mean = 0.0; double stddev = 0.05; };
/// Variance scaling: scale / fan (fan_in, fan_out or their mean), from a truncated normal or a
/// uniform distribution. Glorot, He and LeCun are instances.
struct VarianceScaling {
  double scale = 1.0;
  enum class Mode { FanIn, FanOut, FanAvg } mode = Mode::FanIn;
  enum class Distribution { TruncatedNormal, Uniform } distribution = Distribution::TruncatedNormal;
};
/// A (semi-)orthogonal matrix times gain (rows of the flattened [out, rest] weight).
struct Orthogonal { double gain = 1.0; };

/// Fills a tensor in place. Constructible from a Keras name or any of the typed initializers.
class Initializer {
 public:
  Initializer(const char* name);         // NOLINT: implicit by design
  Initializer(const std::string& name);  // NOLINT
  Initializer(Zeros);                    // NOLINT
  Initializer(Ones);                     // NOLINT
  Initializer(Constant c);               // NOLINT
  Initializer(RandomNormal r);           // NOLINT
  Initializer(RandomUniform r);          // NOLINT
  Initializer(TruncatedNormal r);        // NOLINT
  Initializer(VarianceScaling v);        // NOLINT
  Initializer(Orthogonal o);             // NOLINT
  /// A custom initializer: fn(shape) returns the values.
  Initializer(std::string name, std::function<Tensor(const Shape&, Dtype)> fn);

  /// Overwrites `t` with fresh values (not recorded by autograd).
  void operator()(Tensor& t) const;
  /// New values of the given shape.
  Tensor make(const Shape& shape, Dtype dtype = Dtype::Float32) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Shape&, Dtype)> fn_;
};

/// Every accepted initializer name, sorted.
std::vector<std::string> initializer_names();

}  // namespace xg::nn::init
