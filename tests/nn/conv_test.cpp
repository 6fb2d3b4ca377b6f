// Conv2d against a direct (seven nested loops) convolution: forward values and the three
// gradients for many geometries (stride, explicit / 'same' / 'valid' padding, dilation,
// non-square windows, 1x1) in float32 and float64; gradcheck of the layer with its parameters;
// the tutorial CNN's shapes and parameter counts; bitwise-identical results at 1 and 2 threads;
// the channels_last path; and the error messages.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/conv.hpp>
#include <xgrad/nn/pooling.hpp>
#include <xgrad/xgrad.hpp>

#include "core/expect.hpp"

#include <cstring>
#include <string>
#include <vector>

using xg::Conv2dParams;
using xg::Dtype;
using xg::Shape;
using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
namespace nn = xg::nn;

namespace {

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

// The direct definition of conv2d: visits every (output, tap) pair whose input pixel is inside
// the image and hands the flat indices (output, input, weight) to `f`.
struct DirectConv {
  Shape x, w;
  Conv2dParams p;
  std::int64_t out_h() const {
    return (x[2] + p.padding.top + p.padding.bottom - p.dilation[0] * (w[2] - 1) - 1) / p.stride[0] + 1;
  }
  std::int64_t out_w() const {
    return (x[3] + p.padding.left + p.padding.right - p.dilation[1] * (w[3] - 1) - 1) / p.stride[1] + 1;
  }
  Shape out_shape() const { return {x[0], w[0], out_h(), out_w()}; }

  template <class F>
  void for_each_tap(F&& f) const {
    const std::int64_t OH = out_h(), OW = out_w();
    for (std::int64_t n = 0; n < x[0]; ++n)
      for (std::int64_t o = 0; o < w[0]; ++o)
        for (std::int64_t oh = 0; oh < OH; ++oh)
          for (std::int64_t ow = 0; ow < OW; ++ow)
            for (std::int64_t c = 0; c < x[1]; ++c)
              for (std::int64_t i = 0; i < w[2]; ++i)
                for (std::int64_t j = 0; j < w[3]; ++j) {
                  const std::int64_t ih = oh * p.stride[0] - p.padding.top + i * p.dilation[0];
                  const std::int64_t iw = ow * p.stride[1] - p.padding.left + j * p.dilation[1];
                  if (ih < 0 || ih >= x[2] || iw < 0 || iw >= x[3]) continue;
                  f(((n * w[0] + o) * OH + oh) * OW + ow, ((n * x[1] + c) * x[2] + ih) * x[3] + iw,
                    ((o * w[1] + c) * w[2] + i) * w[3] + j, o);
                }
  }

  std::vector<double> forward(const std::vector<double>& xv, const std::vector<double>& wv,
                              const std::vector<double>& bv) const {
    std::vector<double> y(at(xg::shape_numel(out_shape())), 0.0);
    if (!bv.empty())
      for (std::size_t e = 0; e < y.size(); ++e) y[e] = bv[(e / at(out_h() * out_w())) % at(w[0])];
    for_each_tap(
        [&](std::int64_t yo, std::int64_t xi, std::int64_t wi, std::int64_t) { y[at(yo)] += xv[at(xi)] * wv[at(wi)]; });
    return y;
  }

  // Gradients of sum(y * r): {dx, dw, db}.
  std::vector<std::vector<double>> backward(const std::vector<double>& xv, const std::vector<double>& wv,
                                            const std::vector<double>& r) const {
    std::vector<double> dx(xv.size(), 0.0), dw(wv.size(), 0.0), db(at(w[0]), 0.0);
    for_each_tap([&](std::int64_t yo, std::int64_t xi, std::int64_t wi, std::int64_t) {
      dx[at(xi)] += r[at(yo)] * wv[at(wi)];
      dw[at(wi)] += r[at(yo)] * xv[at(xi)];
    });
    for (std::size_t e = 0; e < r.size(); ++e) db[(e / at(out_h() * out_w())) % at(w[0])] += r[e];
    return {dx, dw, db};
  }
};

struct Case {
  const char* name;
  Shape x, w;
  Conv2dParams p;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> list{
      {"3x3 valid", {2, 3, 7, 6}, {4, 3, 3, 3}, {}},
      {"stride 2", {2, 2, 9, 8}, {3, 2, 3, 3}, {.stride = {2, 2}}},
      {"stride (1, 3)", {1, 2, 7, 10}, {2, 2, 2, 3}, {.stride = {1, 3}}},
      {"padding 1 (int)", {2, 3, 5, 5}, {4, 3, 3, 3}, {.padding = {1, 1, 1, 1}}},
      {"'same' 5x5 on 28x28", {2, 1, 28, 28}, {4, 1, 5, 5}, {.padding = {2, 2, 2, 2}}},
      {"'same' asymmetric (4x4, stride 2 on 7x7)",
       {2, 2, 7, 7},
       {3, 2, 4, 4},
       {.stride = {2, 2}, .padding = {1, 2, 1, 2}}},
      {"padding larger than kernel", {1, 2, 3, 3}, {2, 2, 2, 2}, {.padding = {3, 0, 1, 4}}},
      {"dilation 2", {2, 2, 9, 9}, {3, 2, 3, 3}, {.dilation = {2, 2}}},
      {"dilation (2, 1) stride 2 padded",
       {1, 3, 8, 7},
       {2, 3, 3, 2},
       {.stride = {2, 1}, .padding = {2, 1, 0, 1}, .dilation = {2, 1}}},
      {"non-square kernel 1x5", {2, 2, 4, 9}, {3, 2, 1, 5}, {}},
      {"kernel covers the image", {3, 2, 4, 5}, {5, 2, 4, 5}, {}},
      {"1x1 pointwise", {2, 5, 4, 3}, {3, 5, 1, 1}, {}},
      {"1x1 stride 2", {2, 4, 5, 5}, {3, 4, 1, 1}, {.stride = {2, 2}}},
      {"many channels", {2, 16, 6, 6}, {24, 16, 3, 3}, {.padding = {1, 1, 1, 1}}},
  };
  return list;
}

// Tolerance of a sum of `terms` products of values in [-1, 1].
double tolerance(Dtype dtype, std::int64_t terms) {
  return (dtype == Dtype::Float32 ? 2e-6 : 1e-13) * static_cast<double>(terms);
}

Tensor random(const Shape& shape, Dtype dtype, bool requires_grad = false) {
  return xg::uniform(shape, -1.0, 1.0, {.dtype = dtype, .requires_grad = requires_grad});
}

// A float64 initializer, so that a layer's parameters can be gradchecked in place.
nn::init::Initializer float64_uniform() {
  return {"float64_uniform", [](const Shape& s, Dtype) { return xg::uniform(s, -1.0, 1.0, {.dtype = xg::kFloat64}); }};
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<std::size_t>(a.numel()) * xg::element_size(a.dtype())) ==
             0;
}

struct ThreadBound {
  int saved = xg::get_num_threads();
  ~ThreadBound() { xg::set_num_threads(saved); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(conv2d)

BOOST_AUTO_TEST_CASE(forward_matches_direct_convolution) {
  xg::manual_seed(11);
  for (const Case& c : cases())
    for (Dtype dtype : {Dtype::Float32, Dtype::Float64})
      for (bool with_bias : {true, false}) {
        BOOST_TEST_CONTEXT(c.name << ", " << dtype << (with_bias ? ", bias" : ", no bias")) {
          const Tensor x = random(c.x, dtype), w = random(c.w, dtype), b = random({c.w[0]}, dtype);
          const Tensor y = xg::conv2d(x, w, with_bias ? b : Tensor(), c.p);
          const DirectConv ref{c.x, c.w, c.p};
          BOOST_TEST(y.dtype() == dtype);
          expect_values(y, ref.out_shape(),
                        ref.forward(values(x), values(w), with_bias ? values(b) : std::vector<double>{}),
                        tolerance(dtype, c.w[1] * c.w[2] * c.w[3] + 1));
        }
      }
}

BOOST_AUTO_TEST_CASE(gradients_match_direct_adjoints) {
  xg::manual_seed(12);
  for (const Case& c : cases())
    for (Dtype dtype : {Dtype::Float32, Dtype::Float64}) {
      BOOST_TEST_CONTEXT(c.name << ", " << dtype) {
        const Tensor x = random(c.x, dtype, true), w = random(c.w, dtype, true), b = random({c.w[0]}, dtype, true);
        const DirectConv ref{c.x, c.w, c.p};
        const Tensor r = random(ref.out_shape(), dtype);
        (xg::conv2d(x, w, b, c.p) * r).sum().backward();
        const auto expected = ref.backward(values(x), values(w), values(r));
        const std::int64_t O = c.w[0], L = ref.out_h() * ref.out_w();
        expect_values(x.grad(), c.x, expected[0], tolerance(dtype, O * c.w[2] * c.w[3]));
        expect_values(w.grad(), c.w, expected[1], tolerance(dtype, c.x[0] * L));
        expect_values(b.grad(), {O}, expected[2], tolerance(dtype, c.x[0] * L));
      }
    }
}

BOOST_AUTO_TEST_CASE(padding_resolves_like_tensorflow) {
  const nn::Padding same = "same";
  // 28 / 1 with a 5x5 kernel: 4 pads, 2 on each side.
  const xg::Pads2d a = same.resolve(28, 28, 5, 1);
  BOOST_TEST((std::vector<std::int64_t>{a.top, a.bottom, a.left, a.right} == std::vector<std::int64_t>{2, 2, 2, 2}));
  // 7 / 2 -> 4 outputs; a 4x4 kernel needs (4 - 1) * 2 + 4 - 7 = 3 pads: 1 before, 2 after.
  const xg::Pads2d b = same.resolve(7, 8, 4, 2);
  BOOST_TEST((std::vector<std::int64_t>{b.top, b.bottom, b.left, b.right} == std::vector<std::int64_t>{1, 2, 1, 1}));
  // Dilation 2 widens a 3-tap kernel to 5: 4 pads at stride 1; stride 3 on 11 needs 3 * 3 + 3 - 11 = 1.
  const xg::Pads2d c = same.resolve(6, 11, {3, 3}, {1, 3}, {2, 1});
  BOOST_TEST((std::vector<std::int64_t>{c.top, c.bottom, c.left, c.right} == std::vector<std::int64_t>{2, 2, 0, 1}));
  // A stride larger than the kernel can need no padding at all.
  const xg::Pads2d d = same.resolve(4, 4, 1, 2);
  BOOST_TEST((std::vector<std::int64_t>{d.top, d.bottom, d.left, d.right} == std::vector<std::int64_t>{0, 0, 0, 0}));
  const xg::Pads2d e = nn::Padding(1, 2).resolve(5, 5, 3, 1);
  BOOST_TEST((std::vector<std::int64_t>{e.top, e.bottom, e.left, e.right} == std::vector<std::int64_t>{1, 1, 2, 2}));
  const xg::Pads2d v = nn::Padding("VALID").resolve(5, 5, 3, 1);
  BOOST_TEST(v.top + v.bottom + v.left + v.right == 0);
  BOOST_TEST(nn::Padding(0).str() == "(0, 0)");
  BOOST_TEST(nn::Padding(std::string("same")).str() == "same");
}

BOOST_AUTO_TEST_CASE(layer_matches_direct_convolution_for_each_padding_mode) {
  xg::manual_seed(13);
  struct LayerCase {
    nn::Conv2dOptions options;
    Shape input;
    xg::Pads2d pads;  // what the layer must resolve its padding to
  };
  std::vector<LayerCase> layer_cases;
  layer_cases.push_back({{.kernel_size = 5, .padding = "same"}, {2, 1, 12, 12}, {2, 2, 2, 2}});
  layer_cases.push_back({{.kernel_size = 4, .stride = 2, .padding = "same"}, {2, 2, 7, 8}, {1, 2, 1, 1}});
  layer_cases.push_back({{.kernel_size = {3, 2}, .stride = {2, 1}, .padding = "valid"}, {1, 3, 8, 6}, {0, 0, 0, 0}});
  layer_cases.push_back({{.kernel_size = 3, .padding = 1}, {2, 2, 5, 6}, {1, 1, 1, 1}});
  layer_cases.push_back({{.kernel_size = 3, .padding = {2, 0}}, {1, 2, 5, 6}, {2, 2, 0, 0}});
  layer_cases.push_back({{.kernel_size = 3, .padding = "same", .dilation = 2}, {1, 2, 9, 9}, {2, 2, 2, 2}});
  for (auto& lc : layer_cases) {
    nn::Conv2d layer(3, lc.options);
    BOOST_TEST_CONTEXT(layer.describe()) {
      const Tensor x = random(lc.input, Dtype::Float32);
      const Tensor y = layer(x);
      const Conv2dParams p{
          .stride = lc.options.stride.pair(), .padding = lc.pads, .dilation = lc.options.dilation.pair()};
      const DirectConv ref{lc.input, layer.weight.shape(), p};
      expect_values(y, ref.out_shape(), ref.forward(values(x), values(layer.weight), values(layer.bias)), 1e-4);
    }
  }
}

BOOST_AUTO_TEST_CASE(layer_gradcheck_with_parameters) {
  xg::manual_seed(14);
  std::vector<std::pair<Shape, nn::Conv2dOptions>> configs;
  configs.push_back({{2, 2, 5, 5}, {.kernel_size = 3, .padding = "same"}});
  configs.push_back({{1, 2, 6, 5}, {.kernel_size = {3, 2}, .stride = 2, .padding = "same", .activation = "tanh"}});
  configs.push_back({{2, 1, 6, 6}, {.kernel_size = 2, .dilation = 2, .use_bias = false}});
  configs.push_back({{1, 5, 4, 2}, {.kernel_size = 2, .padding = 1, .data_format = "channels_last"}});
  for (auto& [shape, options] : configs) {
    options.kernel_initializer = float64_uniform();
    options.bias_initializer = float64_uniform();
    auto layer = std::make_shared<nn::Conv2d>(2, options);
    const Tensor x = random(shape, xg::kFloat64, true);
    (*layer)(x);  // builds the parameters
    BOOST_TEST_CONTEXT(layer->describe()) {
      BOOST_TEST(layer->weight.dtype() == xg::kFloat64);
      std::vector<Tensor> inputs{x};
      for (const Tensor& p : layer->parameters()) inputs.push_back(p);
      BOOST_TEST(inputs.size() == (options.use_bias ? 3u : 2u));
      const auto result = xg::autograd::gradcheck([&](const std::vector<Tensor>&) { return (*layer)(x); }, inputs);
      BOOST_TEST(result.ok, result.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(tutorial_cnn_shapes_and_parameter_counts) {
  nn::Conv2d conv1(32, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv1"});
  nn::MaxPool2d pool1(2, {.name = "pool1"});
  nn::Conv2d conv2(64, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv2"});
  nn::MaxPool2d pool2(2, {.padding = "same", .name = "pool2"});
  BOOST_TEST(!conv1.built());
  const Tensor x = xg::rand({3, 1, 28, 28});
  const Tensor a = conv1(x);
  BOOST_TEST(xg::shape_str(a.shape()) == "[3, 32, 28, 28]");
  const Tensor b = pool1(a);
  BOOST_TEST(xg::shape_str(b.shape()) == "[3, 32, 14, 14]");
  const Tensor c = conv2(b);
  BOOST_TEST(xg::shape_str(c.shape()) == "[3, 64, 14, 14]");
  const Tensor d = pool2(c);
  BOOST_TEST(xg::shape_str(d.shape()) == "[3, 64, 7, 7]");
  BOOST_TEST(d.flatten(1).size(1) == 3136);
  BOOST_TEST(conv1.count_parameters().total() == 832);
  BOOST_TEST(conv2.count_parameters().total() == 51264);
  BOOST_TEST(xg::shape_str(conv2.weight.shape()) == "[64, 32, 5, 5]");
  BOOST_TEST(conv1.name() == "conv1");
  BOOST_TEST(xg::shape_str(conv1.last_output_shape()) == "[3, 32, 28, 28]");
  BOOST_TEST(a.min().item() >= 0.0);  // relu
}

BOOST_AUTO_TEST_CASE(parameters_are_named_and_built_lazily) {
  nn::Conv2d lazy(8, {.kernel_size = {3, 2}, .use_bias = true});
  BOOST_TEST(lazy.parameters().empty());
  BOOST_TEST(lazy.describe().find("in_channels=?") != std::string::npos);
  lazy(xg::zeros({1, 3, 6, 6}));
  const auto named = lazy.named_parameters();
  BOOST_TEST_REQUIRE(named.size() == 2u);
  BOOST_TEST(named[0].first == "weight");
  BOOST_TEST(xg::shape_str(named[0].second.shape()) == "[8, 3, 3, 2]");
  BOOST_TEST(named[1].first == "bias");
  BOOST_TEST(lazy.describe() ==
             "Conv2d(filters=8, kernel_size=(3, 2), stride=(1, 1), padding=valid, dilation=(1, 1), in_channels=3, "
             "activation=linear, use_bias=true, data_format=channels_first)");
  nn::Conv2d eager(4, {.in_channels = 2, .use_bias = false, .bias_initializer = "ones"});
  BOOST_TEST(eager.built());
  BOOST_TEST(eager.parameters().size() == 1u);
  BOOST_TEST(!eager.bias.defined());
  // Bias initializer by name.
  nn::Conv2d ones(2, {.in_channels = 1, .bias_initializer = "ones"});
  expect_values(ones.bias, {2}, {1.0, 1.0});
}

BOOST_AUTO_TEST_CASE(bitwise_identical_at_one_and_two_threads) {
  ThreadBound restore;
  xg::manual_seed(15);
  struct Problem {
    Shape x, w;
    Conv2dParams p;
  };
  // Small images in a large batch (parallel over images, weight gradient in several chunks) and a
  // tutorial-sized layer whose GEMMs are split into tiles.
  const std::vector<Problem> problems{{{13, 3, 9, 9}, {5, 3, 3, 3}, {.stride = {2, 1}, .padding = {1, 1, 0, 1}}},
                                      {{16, 32, 14, 14}, {64, 32, 5, 5}, {.padding = {2, 2, 2, 2}}},
                                      {{9, 8, 6, 6}, {4, 8, 1, 1}, {}}};
  for (const Problem& pr : problems) {
    const Tensor x = random(pr.x, Dtype::Float32), w = random(pr.w, Dtype::Float32),
                 b = random({pr.w[0]}, Dtype::Float32);
    std::vector<Tensor> results[2];
    for (int threads : {1, 2}) {
      xg::set_num_threads(threads);
      const Tensor xr = x.detach().requires_grad_(), wr = w.detach().requires_grad_(), br = b.detach().requires_grad_();
      const Tensor y = xg::conv2d(xr, wr, br, pr.p);
      (y * y).sum().backward();
      results[threads - 1] = {y, xr.grad(), wr.grad(), br.grad()};
    }
    BOOST_TEST_CONTEXT("input " << xg::shape_str(pr.x) << ", weight " << xg::shape_str(pr.w)) {
      for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(bitwise_equal(results[0][k], results[1][k]), "result " << k);
    }
  }
}

BOOST_AUTO_TEST_CASE(channels_last_matches_channels_first) {
  xg::manual_seed(16);
  nn::Conv2d first(4, {.kernel_size = 3, .stride = 2, .padding = "same", .activation = "relu"});
  nn::Conv2d last(
      4, {.kernel_size = 3, .stride = 2, .padding = "same", .activation = "relu", .data_format = "channels_last"});
  const Tensor x_nchw = random({2, 3, 7, 5}, Dtype::Float32);
  const Tensor x_nhwc = x_nchw.permute({0, 2, 3, 1});
  first(x_nchw);
  last(x_nhwc);
  BOOST_TEST(xg::shape_str(last.weight.shape()) == "[4, 3, 3, 3]");  // inferred from the last axis
  last.load_state_dict(first.state_dict());
  const Tensor y_first = first(x_nchw), y_last = last(x_nhwc);
  BOOST_TEST(xg::shape_str(y_last.shape()) == "[2, 4, 3, 4]");
  expect_values(y_last, {2, 4, 3, 4}, values(y_first.permute({0, 2, 3, 1})), 1e-6);
  BOOST_TEST(last.describe().find("data_format=channels_last") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_messages_name_the_op_and_shapes) {
  const Tensor x = xg::zeros({8, 3, 28, 28}), w = xg::zeros({32, 1, 5, 5});
  expect_error<xg::ShapeError>(
      [&] { xg::conv2d(x, w); },
      {"conv2d: input has 3 channels but weight expects 1 (input [8, 3, 28, 28], weight [32, 1, 5, 5])"});
  expect_error<xg::ShapeError>([&] { xg::conv2d(xg::zeros({3, 28, 28}), w); }, {"conv2d", "4-d input", "[3, 28, 28]"});
  expect_error<xg::ShapeError>([&] { xg::conv2d(x, xg::zeros({32, 3, 5})); }, {"conv2d", "4-d weight", "[32, 3, 5]"});
  expect_error<xg::ShapeError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 4, 4}), xg::zeros({2, 1, 5, 5}));
      },
      {"conv2d", "kernel [5, 5]", "larger than the padded input [4, 4]", "[1, 1, 4, 4]"});
  expect_error<xg::ShapeError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 6, 6}), xg::zeros({2, 1, 3, 3}), {}, {.dilation = {3, 3}});
      },
      {"kernel [3, 3] (dilated to [7, 7])", "padded input [6, 6]"});
  expect_error<xg::ValueError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 6, 6}), xg::zeros({2, 1, 3, 3}), {}, {.stride = {0, 1}});
      },
      {"conv2d", "stride must be positive", "[0, 1]"});
  expect_error<xg::ValueError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 6, 6}), xg::zeros({2, 1, 3, 3}), {}, {.padding = {-1, 0, 0, 0}});
      },
      {"conv2d", "padding must be non-negative"});
  expect_error<xg::ShapeError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 6, 6}), xg::zeros({2, 1, 3, 3}), xg::zeros({3}));
      },
      {"conv2d: bias of shape [3]", "expected [2]"});
  expect_error<xg::DtypeError>(
      [&] {
        xg::conv2d(xg::zeros({1, 1, 3, 3}, {.dtype = Dtype::Int64}), xg::zeros({1, 1, 2, 2}, {.dtype = Dtype::Int64}));
      },
      {"conv2d", "int64"});

  // Layers: the name and type prefix the op's message.
  nn::Conv2d conv(4, {.in_channels = 1, .kernel_size = 5, .name = "conv1"});
  expect_error<xg::ShapeError>(
      [&] {
        conv(xg::zeros({2, 3, 28, 28}));
      },
      {"conv1 (Conv2d) expects input of shape (None, 1, None, None) but got (None, 3, 28, 28)",
       "it takes 1 input channel on axis 1 (in_channels = 1, data_format channels_first)"});
  expect_error<xg::ShapeError>([&] { conv(xg::zeros({28, 28})); },
                               {"conv1 (Conv2d) expects input of shape (None, 1, None, None) but got (None, 28)",
                                "4-d batch [N, C, H, W]", "rank-2 input"});
  expect_error<xg::ShapeError>(
      [&] {
        conv(xg::zeros({1, 1, 3, 3}));
      },
      {"conv1 (Conv2d) cannot take input of shape (None, 1, 3, 3)",
       "its 5x5 kernel does not fit in the 3x3 image (padding valid)"});
  expect_error<xg::ValueError>([] { nn::Conv2d(4, {.padding = "full"}); },
                               {"unknown padding 'full'", "'same', 'valid'"});
  expect_error<xg::ValueError>([] { nn::Conv2d(4, {.data_format = "nchw"}); },
                               {"unknown data_format 'nchw'", "'channels_first', 'channels_last'"});
  expect_error<xg::ValueError>(
      [] {
        nn::Conv2d(4, {.stride = {1, 0}, .name = "c"});
      },
      {"layer 'c' (Conv2d)", "stride must be positive", "(1, 0)"});
  expect_error<xg::ValueError>([] { nn::Conv2d(0); }, {"filters must be positive"});
  expect_error<xg::ValueError>([] { nn::Conv2d(4, {.activation = "nope"}); }, {"nope"});
  expect_error<xg::ValueError>([] { nn::Padding(-1); }, {"padding must be non-negative"});
}

BOOST_AUTO_TEST_CASE(backward_ops_check_their_shapes) {
  expect_error<xg::ShapeError>(
      [] {
        xg::conv2d_backward_input(xg::zeros({1, 2, 3, 3}), xg::zeros({2, 1, 3, 3}), {1, 1, 6, 6});
      },
      {"conv2d_backward_input", "gradient of shape [1, 2, 3, 3]", "output shape [1, 2, 4, 4]"});
  expect_error<xg::ShapeError>(
      [] {
        xg::conv2d_backward_weight(xg::zeros({1, 1, 6, 6}), xg::zeros({1, 3, 4, 4}), {2, 1, 3, 3});
      },
      {"conv2d_backward_weight", "gradient of shape [1, 3, 4, 4]", "[1, 2, 4, 4]"});
}

BOOST_AUTO_TEST_SUITE_END()
