// mnist_mlp — the classic Keras MNIST multilayer perceptron, in C++:
//   Dense(256, relu, kernel 'normal') -> Dense(10, softmax), Adam, categorical cross-entropy on
//   one-hot labels, validation_split 0.2, 1 epoch, batch 800.
// Prints the summary, the training log, predictions for the first 10 test images and the test
// accuracy; plots the history and draws the model graph into --out.
#include "example_cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  namespace data = xg::datasets;
  const auto config = examples::parse_example_args(argc, argv, "MNIST MLP (Dense 256 relu -> Dense 10 softmax, Adam)",
                                                   {.epochs = 1, .batch_size = 800});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const xg::Tensor x_train = data::flatten_images(train.images), y_train = data::to_categorical(train.labels, 10);
  const xg::Tensor x_test = data::flatten_images(test.images), y_test = data::to_categorical(test.labels, 10);

  xg::Sequential model{nn::Dense(256, {.in_features = 784, .activation = "relu", .kernel_initializer = "normal"}),
                       nn::Dense(10, {.activation = "softmax", .kernel_initializer = "normal"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  model.build({784});
  model.print_summary(std::cout);

  const auto history = model.fit(x_train, y_train, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                    .validation_split = 0.2, .verbose = config.verbose,
                                                    .seed = config.seed});
  const auto scores = model.evaluate(x_test, y_test, {.batch_size = 1000});

  const xg::Tensor predicted = xg::argmax(model.predict(xg::slice(x_test, 0, 0, 10)), 1);
  std::cout << "predictions (first 10 test images): " << predicted << "\n";
  std::cout << "labels      (first 10 test images): " << xg::slice(test.labels, 0, 0, 10) << "\n";

  examples::save_pictures(config, "mnist_mlp", model, history);
  examples::save_prediction_pictures(config, "mnist_mlp", test, model.predict(x_test, {.batch_size = 1000}));
  examples::report(config, scores, history, clock.seconds());
}
