// mnist_mlp_dropout — three tanh layers with dropout, trained by plain SGD:
//   Dense(200, tanh, bias 'one') -> Dropout(0.4) -> Dense(100, tanh, bias 'one') -> Dropout(0.4)
//   -> Dense(10, softmax, bias 'one'), SGD lr 0.2, categorical cross-entropy, batch 32, 5 epochs.
// Reports loss and accuracy on the training and the test set.
#include "example_cli.hpp"

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  namespace nn = xg::nn;
  namespace data = xg::datasets;
  const auto config = examples::parse_example_args(argc, argv, "MNIST MLP with dropout (tanh, SGD 0.2)",
                                                   {.epochs = 5, .batch_size = 32});
  examples::Stopwatch clock;
  auto [train, test] = examples::load_mnist(config);
  const xg::Tensor x_train = data::flatten_images(train.images), y_train = data::to_categorical(train.labels, 10);
  const xg::Tensor x_test = data::flatten_images(test.images), y_test = data::to_categorical(test.labels, 10);

  xg::Sequential model{nn::Dense(200, {.in_features = 784, .activation = "tanh", .bias_initializer = "one"}),
                       nn::Dropout(0.4),
                       nn::Dense(100, {.activation = "tanh", .bias_initializer = "one"}),
                       nn::Dropout(0.4),
                       nn::Dense(10, {.activation = "softmax", .bias_initializer = "one"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::SGD({.lr = 0.2}), .metrics = {"accuracy"}});
  model.build({784});
  model.print_summary(std::cout);

  const auto history = model.fit(x_train, y_train, {.epochs = config.epochs, .batch_size = config.batch_size,
                                                    .verbose = config.verbose, .seed = config.seed});
  const auto train_scores = model.evaluate(x_train, y_train, {.batch_size = 1000});
  const auto scores = model.evaluate(x_test, y_test, {.batch_size = 1000});
  std::printf("train loss: %.4f / train accuracy: %.4f\n", train_scores.at("loss"), train_scores.at("accuracy"));

  examples::save_pictures(config, "mnist_mlp_dropout", model, history);
  examples::report(config, scores, history, clock.seconds());
}
