// mnist_cnn_small — one convolution, validated on the test set every epoch:
//   Conv2D(32, 5x5, relu) -> MaxPool(2) -> Dropout(0.3) -> Flatten -> Dense(128, relu)
//   -> Dense(10, softmax), Adam, categorical cross-entropy, batch 200, 10 epochs.
#include "example_cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  namespace data = xg::datasets;
  const auto config = examples::parse_example_args(argc, argv, "small MNIST CNN (one 5x5 convolution, Adam)",
                                                   {.epochs = 10, .batch_size = 200});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const xg::Tensor x_train = data::to_nchw(train.images), y_train = data::to_categorical(train.labels, 10);
  const xg::Tensor x_test = data::to_nchw(test.images), y_test = data::to_categorical(test.labels, 10);

  xg::Sequential model{nn::Conv2d(32, {.kernel_size = 5, .activation = "relu"}),
                       nn::MaxPool2d(2),
                       nn::Dropout(0.3),
                       nn::Flatten(),
                       nn::Dense(128, {.activation = "relu"}),
                       nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  model.build({1, 28, 28});
  model.print_summary(std::cout);

  const auto history = model.fit(x_train, y_train, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                    .validation_data = xg::train::ValidationData{x_test, y_test},
                                                    .verbose = config.verbose, .seed = config.seed});
  const auto scores = model.evaluate(x_test, y_test, {.batch_size = 500});

  examples::save_pictures(config, "mnist_cnn_small", model, history);
  examples::report(config, scores, history, clock.seconds());
}
