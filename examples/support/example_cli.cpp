#include "example_cli.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace examples {

ExampleConfig parse_example_args(int argc, char** argv, const std::string& description, ExampleConfig config) {
  CLI::App app(description);
  app.add_option("--epochs", config.epochs, "training epochs")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--batch-size", config.batch_size, "samples per batch")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", config.seed, "random seed (weights, dropout, shuffling)")->capture_default_str();
  app.add_option("--threads", config.threads, "threads (0 = all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--data", config.data_dir, "folder holding the four MNIST files (raw or .gz)");
  app.add_option("--limit", config.limit, "train on the first N images only");
  app.add_option("--metrics-json", config.metrics_json, "write test_accuracy, test_loss, history, wall_s as JSON");
  app.add_option("--out", config.out_dir, "folder for the history plot and the model graph")->capture_default_str();
  app.add_option("--verbose", config.verbose, "0 silent, 1 progress bar, 2 one line per epoch")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  xg::manual_seed(config.seed);
  if (config.threads > 0) xg::set_num_threads(config.threads);
  return config;
}

std::pair<xg::datasets::Split, xg::datasets::Split> load_mnist(const ExampleConfig& config) {
  return xg::datasets::mnist({.data_dir = config.data_dir, .limit = config.limit});
}

void save_pictures(const ExampleConfig& config, const std::string& name, xg::train::Model& model,
                   const xg::train::History& history) {
  const std::string base = config.out_dir + "/" + name;
  try {
    history.plot(base + "_history.png");
    std::printf("history plot: %s_history.png\n", base.c_str());
  } catch (const xg::Error& e) {
    std::printf("history plot skipped: %s\n", e.what());
  }
  try {
    xg::viz::plot_model(model.network(), base + "_model.png", {.show_shapes = true, .show_params = true});
    std::printf("model graph: %s_model.png\n", base.c_str());
  } catch (const xg::Error& e) {
    std::printf("model graph skipped: %s\n", e.what());
  }
}

void save_prediction_pictures(const ExampleConfig& config, const std::string& name, const xg::datasets::Split& test,
                              const xg::Tensor& test_probs, std::int64_t count) {
  const std::string base = config.out_dir + "/" + name;
  try {
    const std::int64_t n = std::min(count, test.size());
    xg::viz::save_image_grid(xg::slice(test.images, 0, 0, n), base + "_predictions.png",
                             {.scale = 3,
                              .predicted = xg::slice(test_probs, 0, 0, n), .labels = xg::slice(test.labels, 0, 0, n),
                              .title = "first " + std::to_string(n) + " test images (p: predicted, t: true)"});
    std::printf("predictions: %s_predictions.png\n", base.c_str());
    const xg::Tensor counts = xg::nn::confusion_matrix(test_probs, test.labels, test_probs.size(1));
    xg::viz::save_confusion_matrix(counts, base + "_confusion.png", {.title = name + " test set"});
    std::printf("confusion matrix: %s_confusion.png\n", base.c_str());
  } catch (const xg::Error& e) {
    std::printf("prediction pictures skipped: %s\n", e.what());
  }
}

void report(const ExampleConfig& config, const std::map<std::string, double>& test_scores,
            const xg::train::History& history, double wall_seconds) {
  const double accuracy = test_scores.count("accuracy") ? test_scores.at("accuracy") : std::nan("");
  const double loss = test_scores.count("loss") ? test_scores.at("loss") : std::nan("");
  std::printf("test loss: %.4f\n", loss);
  std::printf("test accuracy: %.4f\n", accuracy);
  if (config.metrics_json.empty()) return;
  nlohmann::json j;
  j["test_accuracy"] = accuracy;
  j["test_loss"] = loss;
  j["history"] = nlohmann::json::object();
  for (const auto& [k, v] : history.values()) j["history"][k] = v;
  j["wall_s"] = wall_seconds;
  std::ofstream out(config.metrics_json);
  if (!out) throw xg::Error("cannot write metrics to '" + config.metrics_json + "'");
  out << j.dump(2) << "\n";
}

}  // namespace examples
