// mnist_mlp_sparse — the TensorFlow beginner model, with integer labels:
//   Flatten(28x28) -> Dense(128, relu) -> Dense(128, relu) -> Dense(10, softmax), Adam,
//   sparse categorical cross-entropy, batch 32, 10 epochs.
#include "example_cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  const auto config = examples::parse_example_args(argc, argv, "MNIST MLP on integer labels (sparse CE, Adam)",
                                                   {.epochs = 10, .batch_size = 32});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);

  xg::Sequential model{nn::Flatten(),
                       nn::Dense(128, {.activation = "relu"}),
                       nn::Dense(128, {.activation = "relu"}),
                       nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "sparse_categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  model.build({28, 28});
  model.print_summary(std::cout);

  const auto history = model.fit(train.images, train.labels, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                              .verbose = config.verbose, .seed = config.seed});
  const auto scores = model.evaluate(test.images, test.labels, {.batch_size = 1000});

  examples::save_pictures(config, "mnist_mlp_sparse", model, history);
  examples::report(config, scores, history, clock.seconds());
}
