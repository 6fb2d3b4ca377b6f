// mnist_distributed — a tutorial model trained by Model::fit on every rank of an MPI job:
//
//   mpirun -np 2 build/examples/mnist_distributed                    # the MNIST MLP (mnist_mlp)
//   mpirun -np 2 build/examples/mnist_distributed --model cnn_small  # the small CNN (mnist_cnn_small)
//
// --batch-size is the global batch (the tutorials' 800 and 200 by default): each of the N ranks
// trains on batch / N samples per step, and the gradients are averaged over the ranks, so the run
// follows the one-process tutorial. Each rank uses its share of the cores (XGRAD_NUM_THREADS or
// --threads overrides it). Rank 0 prints the log, every epoch's wall time and the test accuracy.
#include "example_cli.hpp"

#include <xgrad/distributed/distributed.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace nn = xg::nn;
namespace data = xg::datasets;
namespace dist = xg::distributed;

struct Tutorial {
  xg::Sequential model;
  examples::ExampleConfig defaults;
};

// Removes "--model NAME" from argv (the shared example options do not know it); "mlp" if absent.
std::string take_model_option(int& argc, char** argv) {
  std::string model = "mlp";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--model") != 0) continue;
    model = argv[i + 1];
    for (int j = i; j + 2 <= argc; ++j) argv[j] = argv[j + 2];
    argc -= 2;
    break;
  }
  if (model != "mlp" && model != "cnn_small") {
    std::fprintf(stderr, "mnist_distributed: unknown --model '%s' (expected mlp or cnn_small)\n", model.c_str());
    std::exit(2);
  }
  return model;
}

// The tutorial model, its input layout and its defaults.
Tutorial tutorial(const std::string& name) {
  if (name == "mlp")
    return {xg::Sequential{nn::Dense(256, {.in_features = 784, .activation = "relu", .kernel_initializer = "normal"}),
                           nn::Dense(10, {.activation = "softmax", .kernel_initializer = "normal"})},
            {.epochs = 1, .batch_size = 800}};
  return {xg::Sequential{nn::Conv2d(32, {.kernel_size = 5, .activation = "relu"}), nn::MaxPool2d(2), nn::Dropout(0.3),
                         nn::Flatten(), nn::Dense(128, {.activation = "relu"}), nn::Dense(10, {.activation = "softmax"})},
          {.epochs = 10, .batch_size = 200}};
}

// Prints every epoch's wall time on rank 0.
std::shared_ptr<xg::train::LambdaCallback> epoch_timer() {
  auto timer = std::make_shared<xg::train::LambdaCallback>();
  auto start = std::make_shared<std::chrono::steady_clock::time_point>();
  timer->epoch_begin = [start](xg::train::Model&, int) { *start = std::chrono::steady_clock::now(); };
  timer->epoch_end = [start](xg::train::Model&, int epoch, const xg::train::Logs&) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    if (dist::is_root()) std::printf("epoch %d: %.2f s on %d rank(s)\n", epoch + 1, s, dist::world_size());
  };
  return timer;
}

}  // namespace

int main(int argc, char** argv) {
  dist::init();  // before the options: --threads overrides the per-rank share of the cores
  const std::string name = take_model_option(argc, argv);
  Tutorial t = tutorial(name);
  const auto config = examples::parse_example_args(argc, argv, "MNIST tutorial models trained on every MPI rank", t.defaults);
  const std::int64_t ranks = dist::world_size();
  if (config.batch_size % ranks != 0) {
    if (dist::is_root())
      std::fprintf(stderr, "mnist_distributed: --batch-size %lld is not a multiple of the %lld ranks\n",
                   static_cast<long long>(config.batch_size), static_cast<long long>(ranks));
    return 2;
  }
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const bool mlp = name == "mlp";
  const xg::Tensor x_train = mlp ? data::flatten_images(train.images) : data::to_nchw(train.images);
  const xg::Tensor x_test = mlp ? data::flatten_images(test.images) : data::to_nchw(test.images);
  const xg::Tensor y_train = data::to_categorical(train.labels, 10), y_test = data::to_categorical(test.labels, 10);

  t.model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  t.model.build(mlp ? xg::Shape{784} : xg::Shape{1, 28, 28});
  if (dist::is_root()) {
    t.model.print_summary(std::cout);
    std::printf("%lld rank(s), %d thread(s) each, %lld samples per rank per step\n", static_cast<long long>(ranks),
                xg::get_num_threads(), static_cast<long long>(config.batch_size / ranks));
  }
  xg::train::FitOptions options{.epochs = config.epochs, .batch_size = config.batch_size / ranks,
                                .verbose = config.verbose, .callbacks = {epoch_timer()}, .seed = config.seed,
                                .distributed = true};
  if (mlp) options.validation_split = 0.2;
  else options.validation_data = xg::train::ValidationData{x_test, y_test};
  const auto history = t.model.fit(x_train, y_train, options);
  const auto scores = t.model.evaluate(x_test, y_test, {.batch_size = 1000, .distributed = true});
  if (dist::is_root()) examples::report(config, scores, history, clock.seconds());
}
