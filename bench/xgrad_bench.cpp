// xgrad_bench — the xgrad half of bench/run (bench/torch_bench.py is the PyTorch half; both print
// one JSON object on stdout so the driver can pair them):
//
//   xgrad_bench train MODEL [--epochs 1] [--limit N] [--seed S]
//                                                      fit seconds, test accuracy, peak RSS
//   xgrad_bench predict MODEL [--repeats 1000]         single-image predict latency (median, us)
//   xgrad_bench eval MODEL [--batch 1000]              test-set predict throughput (images/s)
//   xgrad_bench gemm [--size 2048]                     sgemm GFLOP/s through xg::matmul
//
// Every command takes --threads N (default: all cores). Models: see tutorial_models.hpp.
#include "tutorial_models.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct Options {
  std::string model = "mlp256";
  int threads = 0;
  int epochs = 1;
  std::int64_t limit = -1;
  std::uint64_t seed = 42;
  int repeats = 1000;
  std::int64_t batch = 1000;
  std::int64_t size = 2048;
  std::string data_dir;
};

nlohmann::json train(const Options& o) {
  auto [train_split, test_split] = xg::datasets::mnist({.data_dir = o.data_dir, .limit = o.limit});
  auto tm = bench::make_tutorial_model(o.model);
  const xg::Tensor x = bench::to_model_input(train_split.images, tm.input);
  const xg::Tensor y = tm.sparse_labels ? train_split.labels : xg::datasets::to_categorical(train_split.labels, 10);
  const auto start = Clock::now();
  tm.model->fit(x, y, {.epochs = o.epochs, .batch_size = tm.batch_size, .verbose = 0, .seed = o.seed});
  const double fit_s = seconds_since(start);
  const xg::Tensor probs = tm.model->predict(bench::to_model_input(test_split.images, tm.input), {.batch_size = 1000});
  const double accuracy = xg::nn::accuracy(probs, test_split.labels);
  return {{"model", o.model}, {"seconds", fit_s / o.epochs}, {"test_acc", accuracy}, {"rss_mib", peak_rss_mib()}};
}

nlohmann::json predict_latency(const Options& o) {
  auto tm = bench::make_tutorial_model(o.model);
  const xg::Tensor image = bench::to_model_input(xg::rand({1, 28, 28}), tm.input);
  for (int i = 0; i < 100; ++i) tm.model->predict(image);  // warm the caches and the allocator
  std::vector<double> us;
  us.reserve(o.repeats);
  for (int i = 0; i < o.repeats; ++i) {
    const auto start = Clock::now();
    const xg::Tensor out = tm.model->predict(image);
    us.push_back(seconds_since(start) * 1e6);
  }
  return {{"model", o.model}, {"predict_us", median(us)}};
}

nlohmann::json eval_throughput(const Options& o) {
  auto test_split = xg::datasets::mnist({.data_dir = o.data_dir, .limit = 1}).second;
  auto tm = bench::make_tutorial_model(o.model);
  const xg::Tensor x = bench::to_model_input(test_split.images, tm.input);
  tm.model->predict(x, {.batch_size = o.batch});  // warm-up pass
  std::vector<double> rates;
  for (int r = 0; r < 5; ++r) {
    const auto start = Clock::now();
    tm.model->predict(x, {.batch_size = o.batch});
    rates.push_back(static_cast<double>(x.size(0)) / seconds_since(start));
  }
  return {{"model", o.model}, {"images_per_s", median(rates)}};
}

nlohmann::json gemm(const Options& o) {
  const std::int64_t n = o.size;
  const xg::Tensor a = xg::rand({n, n}), b = xg::rand({n, n});
  xg::matmul(a, b);  // warm-up
  std::vector<double> gflops;
  for (int r = 0; r < 5; ++r) {
    const auto start = Clock::now();
    const xg::Tensor c = xg::matmul(a, b);
    gflops.push_back(2.0 * n * n * n / seconds_since(start) / 1e9);
  }
  return {{"size", n}, {"gflops", median(gflops)}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("xgrad side of bench/run: prints one JSON object");
  app.require_subcommand(1);
  Options o;
  app.add_option("--threads", o.threads, "threads (0 = all cores)");
  app.add_option("--data", o.data_dir, "MNIST folder (default: the standard search)");
  auto* train_cmd = app.add_subcommand("train", "fit one model, report seconds per epoch, accuracy, peak RSS");
  auto* predict_cmd = app.add_subcommand("predict", "single-image predict latency");
  auto* eval_cmd = app.add_subcommand("eval", "test-set predict throughput");
  auto* gemm_cmd = app.add_subcommand("gemm", "sgemm GFLOP/s");
  for (auto* cmd : {train_cmd, predict_cmd, eval_cmd}) cmd->add_option("model", o.model, "model name")->required();
  train_cmd->add_option("--epochs", o.epochs)->check(CLI::PositiveNumber);
  train_cmd->add_option("--limit", o.limit, "train on the first N images");
  train_cmd->add_option("--seed", o.seed, "seed of the initial weights, shuffling and dropout");
  predict_cmd->add_option("--repeats", o.repeats)->check(CLI::PositiveNumber);
  eval_cmd->add_option("--batch", o.batch)->check(CLI::PositiveNumber);
  gemm_cmd->add_option("--size", o.size)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (o.threads > 0) xg::set_num_threads(o.threads);
  xg::manual_seed(o.seed);
  try {
    nlohmann::json result = train_cmd->parsed()     ? train(o)
                            : predict_cmd->parsed() ? predict_latency(o)
                            : eval_cmd->parsed()    ? eval_throughput(o)
                                                    : gemm(o);
    result["threads"] = xg::get_num_threads();
    std::cout << result.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "xgrad_bench: " << e.what() << "\n";
    return 1;
  }
}
