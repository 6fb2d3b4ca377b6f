// The errors users hit most, end to end through models: each message names the layer (or loss, or
// op) with its type, the shape it expected and the one it got, and where that input came from
// (docs/errors.md lists the same cases).
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "nn/helpers.hpp"

#include <limits>
#include <string>

namespace nn = xg::nn;
using xg::Tensor;
using xg::test::expect_error;

namespace {

// "dense_3 (Dense)" for the i-th layer of a model, whatever automatic name it got.
std::string label(const nn::Sequential& model, std::int64_t i) {
  return model[i].name() + " (" + model[i].type_name() + ")";
}

// A layer without parameters computing log(x): NaN for negative inputs.
struct LogLayer : nn::Module {
  LogLayer() : Module("LogLayer") {}
  Tensor forward(const Tensor& x) override { return xg::log(x); }
};

// A layer computing sqrt(x): finite at 0, but its gradient there is infinite.
struct SqrtLayer : nn::Module {
  SqrtLayer() : Module("SqrtLayer") {}
  Tensor forward(const Tensor& x) override { return xg::sqrt(x); }
};

// A custom module whose own forward reshapes wrongly (not through a layer).
struct Squeeze : nn::Module {
  Squeeze() : Module("Squeeze") {}
  Tensor forward(const Tensor& x) override { return x.reshape({x.size(0), 3}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(common_errors)

BOOST_AUTO_TEST_CASE(flatten_then_dense_of_the_wrong_size_names_both_layers) {
  nn::Sequential model{nn::Flatten(), nn::Dense(10, {.in_features = 100})};
  expect_error<xg::ShapeError>([&] { model(xg::zeros({4, 1, 28, 28})); },
                               {label(model, 1) + " expects input of shape (None, 100) but got (None, 784) from " +
                                    label(model, 0),
                                "in_features = 100", "[4, 784]"});
  // The type is ShapeError's subclass that knows where the input came from.
  try {
    model(xg::zeros({4, 1, 28, 28}));
    BOOST_ERROR("expected a LayerShapeError");
  } catch (const nn::LayerShapeError& e) {
    BOOST_TEST(e.source() == label(model, 0));
    BOOST_TEST(e.receiver() == &model[1]);
  }
}

BOOST_AUTO_TEST_CASE(a_lazily_built_layer_names_the_size_it_inferred) {
  nn::Sequential model{nn::Flatten(), nn::Dense(10)};
  BOOST_TEST(xg::shape_str(model(xg::zeros({2, 1, 28, 28})).shape()) == "[2, 10]");
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 1, 32, 32})); },
                               {label(model, 1) + " expects input of shape (None, 784) but got (None, 1024) from " +
                                    label(model, 0),
                                "built for 784 features on the last axis, inferred from its first input"});
}

BOOST_AUTO_TEST_CASE(conv2d_with_the_wrong_channel_count) {
  nn::Sequential model{nn::Conv2d(8, {.in_channels = 1, .kernel_size = 3, .name = "conv1"})};
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 3, 28, 28})); },
                               {"conv1 (Conv2d) expects input of shape (None, 1, None, None) but got (None, 3, 28, 28)",
                                "1 input channel on axis 1", "in_channels = 1"});
  // NHWC images given to an NCHW layer: the message says so.
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 28, 28, 1})); },
                               {"but got (None, 28, 28, 1)", "looks channels_last",
                                ".data_format = \"channels_last\""});
  // Lazily built: the channel count came from the first input.
  nn::Sequential lazy{nn::Conv2d(4, {.kernel_size = 3, .name = "conv_lazy"})};
  lazy(xg::zeros({1, 3, 8, 8}));
  expect_error<xg::ShapeError>([&] { lazy(xg::zeros({1, 1, 8, 8})); },
                               {"conv_lazy (Conv2d) expects input of shape (None, 3, None, None) "
                                "but got (None, 1, 8, 8)",
                                "inferred from its first input"});
}

BOOST_AUTO_TEST_CASE(conv2d_after_a_flat_layer_asks_for_a_reshape) {
  nn::Sequential model{nn::Dense(784, {.in_features = 10}), nn::Conv2d(4, {.kernel_size = 3})};
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 10})); },
                               {label(model, 1) + " expects input of shape (None, None, None, None) but got (None, 784) "
                                                  "from " +
                                    label(model, 0),
                                "rank-2 input", "nn::Reshape"});
}

BOOST_AUTO_TEST_CASE(max_pool_on_an_image_that_became_too_small) {
  // 3x3 -> conv 3x3 'valid' -> 1x1: a 2x2 pool window no longer fits.
  nn::Sequential model{nn::Conv2d(4, {.kernel_size = 3}), nn::MaxPool2d(2)};
  expect_error<xg::ShapeError>([&] { model(xg::zeros({1, 1, 3, 3})); },
                               {label(model, 1) + " cannot take input of shape (None, 4, 1, 1) from " + label(model, 0),
                                "its 2x2 pool window does not fit in the 1x1 image (padding valid)",
                                "use padding \"same\""});
  // With 'same' padding it fits.
  nn::Sequential same{nn::Conv2d(4, {.kernel_size = 3}), nn::MaxPool2d(2, {.padding = "same"})};
  BOOST_TEST(xg::shape_str(same(xg::zeros({1, 1, 3, 3})).shape()) == "[1, 4, 1, 1]");
}

BOOST_AUTO_TEST_CASE(dense_given_a_rank1_input_is_not_built_from_it) {
  nn::Sequential model{nn::Dense(4)};
  expect_error<xg::ShapeError>([&] { model(xg::zeros({32})); },
                               {label(model, 0) + " expects input of shape (None, None) but got (32,)",
                                "batch [N, features]", "x.reshape({-1, 1})"});
  BOOST_TEST(!model.at<nn::Dense>(0).built());
}

BOOST_AUTO_TEST_CASE(the_first_layer_of_a_nested_sequential_names_the_outer_predecessor) {
  nn::Sequential block{nn::Dense(2, {.in_features = 5, .name = "inner1"})};
  nn::Sequential model{nn::Dense(4, {.in_features = 3, .name = "outer1"})};
  model.add(std::move(block));
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 3})); },
                               {"inner1 (Dense) expects input of shape (None, 5) but got (None, 4) from outer1 (Dense)"});
}

BOOST_AUTO_TEST_CASE(an_op_failing_inside_a_custom_module_names_the_module) {
  nn::Sequential model{nn::ReLU({.name = "act"})};
  model.add(Squeeze());
  expect_error<xg::ShapeError>([&] { model(xg::zeros({2, 4})); },
                               {label(model, 1) + " cannot take input of shape (None, 4) from act (ReLU): reshape"});
}

BOOST_AUTO_TEST_CASE(a_layer_inside_a_custom_module_keeps_its_own_source) {
  // fc2's input is fc1's output, not the output of the layer before the custom module.
  struct Block : nn::Module {
    Block() : Module("Block") {
      fc1 = register_module("fc1", std::make_shared<nn::Dense>(3, nn::DenseOptions{.in_features = 4, .name = "fc1"}));
      fc2 = register_module("fc2", std::make_shared<nn::Dense>(2, nn::DenseOptions{.in_features = 5, .name = "fc2"}));
    }
    Tensor forward(const Tensor& x) override { return (*fc2)((*fc1)(x)); }
    std::shared_ptr<nn::Dense> fc1, fc2;
  };
  nn::Sequential model{nn::ReLU({.name = "before"})};
  model.add(Block());
  try {
    model(xg::zeros({2, 4}));
    BOOST_ERROR("expected a ShapeError");
  } catch (const nn::LayerShapeError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("fc2 (Dense) expects input of shape (None, 5) but got (None, 3):") != std::string::npos, what);
    BOOST_TEST(what.find("before") == std::string::npos, what);
  }
}

// ---- losses -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(labels_out_of_range_name_the_loss_the_label_and_the_sample) {
  const Tensor logits = xg::zeros({5, 10});
  const Tensor labels = xg::tensor({1, 2, 3, 10, 0}, {.dtype = xg::kInt64});
  expect_error<xg::IndexError>([&] { nn::sparse_categorical_crossentropy(xg::ones({5, 10}) / 10.0, labels); },
                               {"sparse_categorical_crossentropy: label 10 at sample 3 is out of range for 10 classes",
                                "expected 0..9", "units of the last layer"});
  expect_error<xg::IndexError>([&] { nn::cross_entropy(logits, labels); },
                               {"cross_entropy: label 10 at sample 3 is out of range for 10 classes"});
  const Tensor negative = xg::tensor({0, -1, 0, 0, 0}, {.dtype = xg::kInt64});
  expect_error<xg::IndexError>([&] { nn::nll_loss(logits, negative); },
                               {"nll_loss: label -1 at sample 1 is out of range for 10 classes (expected 0..9)"});
  // By Keras name, as Model::compile uses it.
  expect_error<xg::IndexError>([&] { nn::loss("sparse_categorical_crossentropy")(xg::ones({5, 10}) / 10.0, labels); },
                               {"label 10 at sample 3"});
}

BOOST_AUTO_TEST_CASE(float_labels_where_class_indices_are_expected) {
  const Tensor logits = xg::zeros({4, 10});
  expect_error<xg::DtypeError>([&] { nn::cross_entropy(logits, xg::tensor({1.0, 2.0, 3.0, 4.0})); },
                               {"cross_entropy: labels must be int64 class indices, got float32 labels of shape [4]",
                                "labels.to(xg::kInt64)"});
  // One-hot float targets given to the sparse loss.
  expect_error<xg::DtypeError>([&] { nn::sparse_categorical_crossentropy(logits, xg::zeros({4, 10})); },
                               {"float32 labels of shape [4, 10]", "look one-hot", "categorical_crossentropy"});
  // One-hot int64 targets: a shape error with the same advice.
  expect_error<xg::ShapeError>(
      [&] { nn::cross_entropy(logits, xg::zeros({4, 10}, {.dtype = xg::kInt64})); },
      {"expected labels [N] (one class index per sample), got shape [4, 10]", "categorical_crossentropy"});
  expect_error<xg::ShapeError>([&] { nn::cross_entropy(logits, xg::zeros({5}, {.dtype = xg::kInt64})); },
                               {"4 predictions but 5 labels"});
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_with_a_target_of_another_shape) {
  const Tensor probs = xg::ones({4, 10}) / 10.0;
  expect_error<xg::ShapeError>(
      [&] { nn::categorical_crossentropy(probs, xg::zeros({4}, {.dtype = xg::kInt64})); },
      {"categorical_crossentropy: prediction of shape [4, 10] and target of shape [4] must have the same shape",
       "looks like class indices", "sparse_categorical_crossentropy", "to_categorical(labels, 10)"});
  expect_error<xg::ShapeError>([&] { nn::categorical_crossentropy(probs, xg::zeros({4, 5})); },
                               {"target has 5 classes but the predictions have 10"});
}

// ---- anomaly mode through modules ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_and_the_layer_of_a_nan_loss) {
  nn::Sequential model{nn::Dense(2, {.in_features = 2, .kernel_initializer = "ones"})};
  model.add(LogLayer());
  const std::string scope = model.name() + "." + model[1].name();
  xg::autograd::DetectAnomalyGuard guard;
  // Dense gives [-2, -2]: log is NaN; the op and the layer are named.
  expect_error<xg::AnomalyError>([&] { (void)model(xg::tensor({{-1.0, -1.0}})); },
                                 {"'Log' produced NaN in its forward output", "2 of 2 values of shape [1, 2]",
                                  "first at index [0, 0]", "in module '" + scope + "'"});
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_layer_of_a_backward_op) {
  nn::Sequential model{nn::ReLU()};
  model.add(SqrtLayer());
  const std::string scope = model.name() + "." + model[1].name();
  const Tensor x = xg::tensor({{0.0, 4.0}}, {.requires_grad = true});
  xg::autograd::DetectAnomalyGuard guard;
  const Tensor loss = model(x).sum();
  expect_error<xg::AnomalyError>([&] { loss.backward(); },
                                 {"in the backward of 'SqrtBackward'", "produced Inf",
                                  "the forward op 'Sqrt' was recorded in module '" + scope + "'"});
}

BOOST_AUTO_TEST_CASE(anomaly_mode_blames_diverged_weights_not_the_op) {
  // A diverged step left Inf in the weights: the layer's op only passes it on.
  nn::Dense dense(1, {.in_features = 2, .name = "diverged"});
  {
    xg::NoGradGuard no_grad;
    dense.weight.copy_(xg::tensor({{std::numeric_limits<double>::infinity(), 1.0}}));
  }
  xg::autograd::DetectAnomalyGuard guard;
  expect_error<xg::AnomalyError>([&] { (void)dense(xg::ones({1, 2})); },
                                 {"produced Inf in its forward output", "in module 'diverged'",
                                  "('weight', a leaf) already held Inf", "check the input data and the parameters"});
}

BOOST_AUTO_TEST_CASE(anomaly_mode_calls_an_overflow_of_huge_weights_one) {
  nn::Dense dense(1, {.in_features = 2, .name = "huge"});
  {
    xg::NoGradGuard no_grad;
    dense.weight.copy_(xg::tensor({{3e38, 3e38}}));
  }
  xg::autograd::DetectAnomalyGuard guard;
  expect_error<xg::AnomalyError>([&] { (void)dense(xg::ones({1, 2})); },
                                 {"produced Inf", "in module 'huge'", "its input 1 ('weight', a leaf) holds values up to",
                                  "an overflow"});
}

BOOST_AUTO_TEST_SUITE_END()
