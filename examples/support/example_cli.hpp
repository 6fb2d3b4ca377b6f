#pragma once
// Shared command line and bookkeeping of the MNIST example programs:
//   --epochs --batch-size --seed --threads --data DIR --limit N --metrics-json PATH --out DIR --verbose
// Each program passes its tutorial defaults; parse_example_args applies the seed and thread count.
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace examples {

struct ExampleConfig {
  int epochs = 1;
  std::int64_t batch_size = 32;
  std::uint64_t seed = 42;
  int threads = 0;           ///< 0 keeps the default (all cores or XGRAD_NUM_THREADS)
  std::string data_dir;      ///< folder with the four MNIST files; empty = standard search
  std::int64_t limit = -1;   ///< train on the first N images only
  std::string metrics_json;  ///< where to write {test_accuracy, test_loss, history, wall_s}
  std::string out_dir = ".";  ///< where pictures (history, model graph) go
  int verbose = 2;
};

/// Parses argv over the given defaults (exits on --help or a bad option), seeds the generator and
/// sets the thread count.
ExampleConfig parse_example_args(int argc, char** argv, const std::string& description, ExampleConfig defaults);

/// MNIST with the --data and --limit options applied.
std::pair<xg::datasets::Split, xg::datasets::Split> load_mnist(const ExampleConfig& config);

/// Wall-clock stopwatch started at construction.
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Writes <out>/<name>_history.png (loss and accuracy curves) and <out>/<name>_model.png (the
/// model graph with shapes). A picture that cannot be drawn is reported, not fatal.
void save_pictures(const ExampleConfig& config, const std::string& name, xg::train::Model& model,
                   const xg::train::History& history);

/// Writes <out>/<name>_predictions.png (the first `count` test images captioned with predicted and
/// true class, wrong predictions in red) and <out>/<name>_confusion.png (the confusion matrix over
/// the whole test split). `test_probs` are the model's outputs for test.images, one row per image.
/// A picture that cannot be drawn is reported, not fatal.
void save_prediction_pictures(const ExampleConfig& config, const std::string& name, const xg::datasets::Split& test,
                              const xg::Tensor& test_probs, std::int64_t count = 50);

/// Prints "test accuracy: 0.xxxx" and writes --metrics-json when asked.
void report(const ExampleConfig& config, const std::map<std::string, double>& test_scores,
            const xg::train::History& history, double wall_seconds);

}  // namespace examples
