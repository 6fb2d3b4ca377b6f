// mnist_cnn — the two-convolution network of the Keras tutorial:
//   Conv2D(32, 5x5, 'same', relu) -> MaxPool(2) -> Conv2D(64, 5x5, 'same', relu) -> MaxPool(2)
//   -> Flatten -> Dense(1024, relu) -> Dropout(0.3) -> Dense(10, softmax),
//   Adam lr 1e-4, categorical cross-entropy, batch 64, 1 epoch. 3,274,634 parameters.
// Images are NCHW ([N, 1, 28, 28]); Keras' (None, 28, 28, 32) is (None, 32, 28, 28) here.
#include "example_cli.hpp"

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  namespace data = xg::datasets;
  const auto config = examples::parse_example_args(argc, argv, "MNIST CNN (two 5x5 convolutions, Adam 1e-4)",
                                                   {.epochs = 1, .batch_size = 64});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const xg::Tensor x_train = data::to_nchw(train.images), y_train = data::to_categorical(train.labels, 10);
  const xg::Tensor x_test = data::to_nchw(test.images), y_test = data::to_categorical(test.labels, 10);

  xg::Sequential model{
      nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv1"}),
      nn::MaxPool2d(2, {.name = "pool1"}),
      nn::Conv2d(64, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv2"}),
      nn::MaxPool2d(2, {.padding = "same", .name = "pool2"}),
      nn::Flatten(),
      nn::Dense(1024, {.activation = "relu"}),
      nn::Dropout(0.3),
      nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::Adam({.lr = 1e-4}), .metrics = {"accuracy"}});
  model.build({1, 28, 28});
  model.print_summary(std::cout);

  const auto history = model.fit(x_train, y_train, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                    .verbose = config.verbose, .seed = config.seed});
  const auto scores = model.evaluate(x_test, y_test, {.batch_size = 500});

  examples::save_pictures(config, "mnist_cnn", model, history);
  examples::save_prediction_pictures(config, "mnist_cnn", test, model.predict(x_test, {.batch_size = 500}));
  examples::report(config, scores, history, clock.seconds());
}
