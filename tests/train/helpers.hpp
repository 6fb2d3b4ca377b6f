#pragma once
// Shared by the train test files: a cached MNIST subset, small models with fixed layer names,
// bitwise comparison of weights and histories, a temporary folder, std::cout capture (with
// stdout detached from any terminal), and a "scripted" metric whose per-epoch value the test
// chooses (to drive EarlyStopping, ModelCheckpoint and ReduceLROnPlateau deterministically).
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "core/expect.hpp"
#include "core/temp_dir.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace train_test {

namespace nn = xg::nn;
using xg::Tensor;

/// The first training images of MNIST (flattened, one-hot and sparse labels) and the first 1000
/// test images, loaded once per process.
struct MnistSubset {
  Tensor x_train, y_train, labels_train;  // [N, 784] float32, [N, 10] one-hot, [N] int64
  Tensor x_test, y_test, labels_test;     // the same for the first 1000 test images
  xg::datasets::Split train_split, test_split;  // images [N, 28, 28] and int64 labels
};

inline const MnistSubset& mnist_subset() {
  static const MnistSubset subset = [] {
    constexpr std::int64_t kTrain = 2000, kTest = 1000;
    auto [train, test] = xg::datasets::mnist({.limit = kTrain});
    MnistSubset s;
    s.train_split = train;
    s.test_split = {xg::slice(test.images, 0, 0, kTest), xg::slice(test.labels, 0, 0, kTest)};
    s.x_train = xg::datasets::flatten_images(train.images);
    s.labels_train = train.labels;
    s.y_train = xg::datasets::to_categorical(train.labels, 10);
    s.x_test = xg::datasets::flatten_images(s.test_split.images);
    s.labels_test = s.test_split.labels;
    s.y_test = xg::datasets::to_categorical(s.labels_test, 10);
    return s;
  }();
  return subset;
}

/// Rows [begin, end) of t.
inline Tensor rows(const Tensor& t, std::int64_t begin, std::int64_t end) { return xg::slice(t, 0, begin, end); }

/// Dense(hidden, relu) -> Dense(10, softmax) on `inputs` features, layers named `<prefix>hidden`
/// and `<prefix>output` so that two instances have the same state_dict keys.
inline xg::Sequential mlp(std::int64_t inputs, std::int64_t hidden, const std::string& prefix = "") {
  return xg::Sequential{nn::Dense(hidden, {.in_features = inputs, .activation = "relu", .name = prefix + "hidden"}),
                        nn::Dense(10, {.activation = "softmax", .name = prefix + "output"})};
}

/// Every element of a and b equal (same shape, same dtype, same values; NaN equals NaN).
inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i)
    if (!(va[i] == vb[i] || (std::isnan(va[i]) && std::isnan(vb[i])))) return false;
  return true;
}

/// Copies of a module's parameters and buffers, in registration order.
inline std::vector<Tensor> snapshot(const nn::Module& m) {
  std::vector<Tensor> out;
  xg::NoGradGuard no_grad;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}

inline bool same_weights(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!bitwise_equal(a[i], b[i])) return false;
  return true;
}

using xg::test::TempDir;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

/// Captures what is written to std::cout. While alive, file descriptor 1 points at /dev/null, so
/// ProgressBar::is_terminal(std::cout) is false even when the tests run on a terminal (and C stdio
/// output, e.g. TerminateOnNaN's message, is discarded).
class CoutCapture {
 public:
  CoutCapture() {
    std::cout.flush();
    std::fflush(stdout);
    saved_fd_ = ::dup(STDOUT_FILENO);
    FILE* null = std::fopen("/dev/null", "w");
    if (null) {
      ::dup2(::fileno(null), STDOUT_FILENO);
      std::fclose(null);
    }
    previous_ = std::cout.rdbuf(buffer_.rdbuf());
  }
  ~CoutCapture() {
    std::cout.rdbuf(previous_);
    std::fflush(stdout);
    if (saved_fd_ >= 0) {
      ::dup2(saved_fd_, STDOUT_FILENO);
      ::close(saved_fd_);
    }
  }
  CoutCapture(const CoutCapture&) = delete;
  CoutCapture& operator=(const CoutCapture&) = delete;
  std::string text() const { return buffer_.str(); }

 private:
  std::ostringstream buffer_;
  std::streambuf* previous_ = nullptr;
  int saved_fd_ = -1;
};

/// A metric whose value during epoch e is values[e] (for training and validation batches alike),
/// so a test decides when a monitored quantity improves. Add tracker() to the callbacks.
struct Script {
  std::vector<double> values;
  int epoch = 0;
};

inline xg::nn::Metric scripted_metric(const std::shared_ptr<Script>& script, const std::string& name = "score") {
  return {name, [script](const Tensor&, const Tensor&) {
            const auto e = static_cast<std::size_t>(script->epoch);
            BOOST_REQUIRE_MESSAGE(e < script->values.size(), "the script has no value for epoch " << e);
            return script->values[e];
          }};
}

inline std::shared_ptr<xg::train::LambdaCallback> script_tracker(const std::shared_ptr<Script>& script) {
  auto cb = std::make_shared<xg::train::LambdaCallback>();
  cb->epoch_begin = [script](xg::train::Model&, int epoch) { script->epoch = epoch; };
  return cb;
}

/// 32 random samples of 4 features with one-hot targets of 2 classes.
struct TinyData {
  Tensor x, y;
};

inline TinyData tiny_data(std::uint64_t seed = 7) {
  xg::manual_seed(seed);
  TinyData d;
  d.x = xg::randn({32, 4});
  const Tensor labels = xg::argmax(xg::slice(d.x, 1, 0, 2), 1);
  d.y = xg::datasets::to_categorical(labels, 2);
  return d;
}

/// Dense(2, softmax) on 4 features with a fixed layer name.
inline xg::Sequential tiny_model(const std::string& name = "tiny") {
  return xg::Sequential{nn::Dense(2, {.in_features = 4, .activation = "softmax", .name = name})};
}

}  // namespace train_test
