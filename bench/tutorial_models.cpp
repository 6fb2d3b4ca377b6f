#include "tutorial_models.hpp"

namespace bench {
namespace nn = xg::nn;

namespace {

TutorialModel compiled(std::shared_ptr<xg::Sequential> model, const std::string& loss, xg::train::OptimizerSpec optimizer,
                       std::int64_t batch_size, InputLayout input, std::vector<std::int64_t> input_shape) {
  model->compile({.loss = loss, .optimizer = std::move(optimizer), .metrics = {"accuracy"}});
  model->build(input_shape);
  return {std::move(model), batch_size, input, loss.starts_with("sparse")};
}

}  // namespace

const std::vector<std::string>& tutorial_model_names() {
  static const std::vector<std::string> names{"mlp256", "mlp_dropout", "mlp512", "mlp_sparse", "cnn_small", "cnn"};
  return names;
}

TutorialModel make_tutorial_model(const std::string& name) {
  using xg::Sequential;
  if (name == "mlp256") {
    auto m = std::make_shared<Sequential>(
        nn::Dense(256, {.in_features = 784, .activation = "relu", .kernel_initializer = "normal"}),
        nn::Dense(10, {.activation = "softmax", .kernel_initializer = "normal"}));
    return compiled(m, "categorical_crossentropy", "adam", 800, InputLayout::flat, {784});
  }
  if (name == "mlp_dropout") {
    auto m = std::make_shared<Sequential>(
        nn::Dense(200, {.in_features = 784, .activation = "tanh", .bias_initializer = "one"}), nn::Dropout(0.4),
        nn::Dense(100, {.activation = "tanh", .bias_initializer = "one"}), nn::Dropout(0.4),
        nn::Dense(10, {.activation = "softmax", .bias_initializer = "one"}));
    return compiled(m, "categorical_crossentropy", xg::optim::SGD({.lr = 0.2}), 32, InputLayout::flat, {784});
  }
  if (name == "mlp512") {
    auto m = std::make_shared<Sequential>(nn::Dense(512, {.in_features = 784, .activation = "relu"}),
                                          nn::Dense(10, {.activation = "softmax"}));
    return compiled(m, "categorical_crossentropy", "rmsprop", 128, InputLayout::flat, {784});
  }
  if (name == "mlp_sparse") {
    auto m = std::make_shared<Sequential>(nn::Flatten(), nn::Dense(128, {.activation = "relu"}),
                                          nn::Dense(128, {.activation = "relu"}),
                                          nn::Dense(10, {.activation = "softmax"}));
    return compiled(m, "sparse_categorical_crossentropy", "adam", 32, InputLayout::image2d, {28, 28});
  }
  if (name == "cnn_small") {
    auto m = std::make_shared<Sequential>(nn::Conv2d(32, {.kernel_size = 5, .activation = "relu"}), nn::MaxPool2d(2),
                                          nn::Dropout(0.3), nn::Flatten(), nn::Dense(128, {.activation = "relu"}),
                                          nn::Dense(10, {.activation = "softmax"}));
    return compiled(m, "categorical_crossentropy", "adam", 200, InputLayout::nchw, {1, 28, 28});
  }
  if (name == "cnn") {
    auto m = std::make_shared<Sequential>(
        nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu"}), nn::MaxPool2d(2),
        nn::Conv2d(64, {.kernel_size = 5, .padding = "same", .activation = "relu"}),
        nn::MaxPool2d(2, {.padding = "same"}), nn::Flatten(), nn::Dense(1024, {.activation = "relu"}),
        nn::Dropout(0.3), nn::Dense(10, {.activation = "softmax"}));
    return compiled(m, "categorical_crossentropy", xg::optim::Adam({.lr = 1e-4}), 64, InputLayout::nchw, {1, 28, 28});
  }
  xg::throw_unknown_name("bench model", name, tutorial_model_names());
}

xg::Tensor to_model_input(const xg::Tensor& images, InputLayout layout) {
  switch (layout) {
    case InputLayout::flat: return xg::datasets::flatten_images(images);
    case InputLayout::nchw: return xg::datasets::to_nchw(images);
    case InputLayout::image2d: break;
  }
  return images;
}

}  // namespace bench
