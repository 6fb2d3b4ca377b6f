// mnist_mlp512 — the "Deep Learning with Python" first network:
//   Dense(512, relu) -> Dense(10, softmax), RMSprop, categorical cross-entropy, batch 128, 5 epochs.
#include "example_cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  namespace data = xg::datasets;
  const auto config = examples::parse_example_args(argc, argv, "MNIST MLP (Dense 512 relu, RMSprop)",
                                                   {.epochs = 5, .batch_size = 128});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const xg::Tensor x_train = data::flatten_images(train.images), y_train = data::to_categorical(train.labels, 10);
  const xg::Tensor x_test = data::flatten_images(test.images), y_test = data::to_categorical(test.labels, 10);

  xg::Sequential model{nn::Dense(512, {.in_features = 784, .activation = "relu"}),
                       nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = "rmsprop", .metrics = {"accuracy"}});
  model.print_summary(std::cout);

  const auto history = model.fit(x_train, y_train, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                    .verbose = config.verbose, .seed = config.seed});
  const auto scores = model.evaluate(x_test, y_test, {.batch_size = 1000});

  examples::save_pictures(config, "mnist_mlp512", model, history);
  examples::report(config, scores, history, clock.seconds());
}
