// MaxPool2d / AvgPool2d against direct loops over each window (window size, stride, 'valid' /
// 'same' / explicit padding, non-square), gradients (first maximum only, even split of averages),
// gradcheck of the layers, output shapes, the channels_last path, bitwise-identical results at 1
// and 2 threads, NaN propagation and the error messages.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/pooling.hpp>
#include <xgrad/xgrad.hpp>

#include "core/expect.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using xg::Dtype;
using xg::Pads2d;
using xg::Shape;
using xg::Size2d;
using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
namespace nn = xg::nn;

namespace {

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

// The direct definition of pooling: for each output (in order), the flat indices of the input
// elements of its window that lie inside the image, in row-major window order.
struct DirectPool {
  Shape x;
  Size2d k, s;
  Pads2d p;
  std::int64_t out_h() const { return (x[2] + p.top + p.bottom - k[0]) / s[0] + 1; }
  std::int64_t out_w() const { return (x[3] + p.left + p.right - k[1]) / s[1] + 1; }
  Shape out_shape() const { return {x[0], x[1], out_h(), out_w()}; }

  std::vector<std::vector<std::int64_t>> windows() const {
    std::vector<std::vector<std::int64_t>> out;
    for (std::int64_t plane = 0; plane < x[0] * x[1]; ++plane)
      for (std::int64_t oh = 0; oh < out_h(); ++oh)
        for (std::int64_t ow = 0; ow < out_w(); ++ow) {
          auto& win = out.emplace_back();
          for (std::int64_t i = 0; i < k[0]; ++i)
            for (std::int64_t j = 0; j < k[1]; ++j) {
              const std::int64_t ih = oh * s[0] - p.top + i, iw = ow * s[1] - p.left + j;
              if (ih >= 0 && ih < x[2] && iw >= 0 && iw < x[3]) win.push_back((plane * x[2] + ih) * x[3] + iw);
            }
        }
    return out;
  }

  // Index of the first maximum of each window.
  std::vector<std::int64_t> argmax(const std::vector<double>& v) const {
    std::vector<std::int64_t> out;
    for (const auto& win : windows()) {
      std::int64_t best = win.front();
      for (auto i : win)
        if (v[at(i)] > v[at(best)]) best = i;
      out.push_back(best);
    }
    return out;
  }
  std::vector<double> max(const std::vector<double>& v) const {
    std::vector<double> out;
    for (auto i : argmax(v)) out.push_back(v[at(i)]);
    return out;
  }
  double divisor(const std::vector<std::int64_t>& win, bool include_pad) const {
    return static_cast<double>(include_pad ? k[0] * k[1] : static_cast<std::int64_t>(win.size()));
  }
  std::vector<double> avg(const std::vector<double>& v, bool include_pad) const {
    std::vector<double> out;
    for (const auto& win : windows()) {
      double acc = 0;
      for (auto i : win) acc += v[at(i)];
      out.push_back(acc / divisor(win, include_pad));
    }
    return out;
  }
  // Gradients of sum(pool(x) * r).
  std::vector<double> max_grad(const std::vector<double>& v, const std::vector<double>& r) const {
    std::vector<double> dx(v.size(), 0.0);
    const auto idx = argmax(v);
    for (std::size_t o = 0; o < idx.size(); ++o) dx[at(idx[o])] += r[o];
    return dx;
  }
  std::vector<double> avg_grad(std::size_t n, const std::vector<double>& r, bool include_pad) const {
    std::vector<double> dx(n, 0.0);
    const auto wins = windows();
    for (std::size_t o = 0; o < wins.size(); ++o)
      for (auto i : wins[o]) dx[at(i)] += r[o] / divisor(wins[o], include_pad);
    return dx;
  }
};

struct Case {
  const char* name;
  Shape x;
  Size2d k, s;
  Pads2d p;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> list{
      {"2x2 stride 2", {2, 3, 8, 8}, {2, 2}, {2, 2}, {}},
      {"2x2 stride 2 odd size (last row dropped)", {2, 2, 7, 9}, {2, 2}, {2, 2}, {}},
      {"2x2 stride 2, rows of 14 outputs (vector tail overlaps)", {1, 2, 28, 28}, {2, 2}, {2, 2}, {}},
      {"2x2 stride 2, rows of 7 outputs, odd width", {1, 2, 14, 15}, {2, 2}, {2, 2}, {}},
      {"2x2 stride 2, rows of 3 outputs", {1, 2, 6, 6}, {2, 2}, {2, 2}, {}},
      {"'same' 2x2 stride 2 on 7x7", {1, 3, 7, 7}, {2, 2}, {2, 2}, {0, 1, 0, 1}},
      {"3x3 stride 2 overlapping", {2, 2, 9, 7}, {3, 3}, {2, 2}, {}},
      {"'same' 3x3 stride 1", {1, 2, 5, 6}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {"non-square 2x3 stride (1, 2)", {2, 2, 6, 9}, {2, 3}, {1, 2}, {}},
      {"explicit padding 1 on 3x3 windows", {1, 2, 6, 6}, {3, 3}, {3, 3}, {1, 1, 1, 1}},
      {"window covers the image", {2, 2, 3, 4}, {3, 4}, {1, 1}, {}},
      {"stride larger than window", {1, 2, 9, 9}, {2, 2}, {3, 4}, {}},
  };
  return list;
}

Tensor random(const Shape& shape, Dtype dtype, bool requires_grad = false) {
  return xg::uniform(shape, -1.0, 1.0, {.dtype = dtype, .requires_grad = requires_grad});
}

// Distinct values (a shuffled grid 0.1 apart), so that maxima are unique and finite differences
// do not cross a tie.
Tensor distinct(const Shape& shape, bool requires_grad) {
  const std::int64_t n = xg::shape_numel(shape);
  return (xg::randperm(n).to(xg::kFloat64) * 0.1).reshape(shape).detach().requires_grad_(requires_grad);
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(),
                                               static_cast<std::size_t>(a.numel()) * xg::element_size(a.dtype())) == 0;
}

struct ThreadBound {
  int saved = xg::get_num_threads();
  ~ThreadBound() { xg::set_num_threads(saved); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pooling)

BOOST_AUTO_TEST_CASE(forward_matches_direct_loops) {
  xg::manual_seed(21);
  for (const Case& c : cases())
    for (Dtype dtype : {Dtype::Float32, Dtype::Float64}) {
      BOOST_TEST_CONTEXT(c.name << ", " << dtype) {
        const Tensor x = random(c.x, dtype);
        const DirectPool ref{c.x, c.k, c.s, c.p};
        const Tensor m = xg::max_pool2d(x, c.k, c.s, c.p);
        BOOST_TEST(m.dtype() == dtype);
        expect_values(m, ref.out_shape(), ref.max(values(x)), 0.0);
        for (bool include_pad : {false, true})
          expect_values(xg::avg_pool2d(x, c.k, c.s, c.p, include_pad), ref.out_shape(), ref.avg(values(x), include_pad),
                        1e-6);
      }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_direct_loops) {
  xg::manual_seed(22);
  for (const Case& c : cases())
    for (bool include_pad : {false, true}) {
      BOOST_TEST_CONTEXT(c.name << (include_pad ? ", count_include_pad" : "")) {
        const Tensor x = random(c.x, Dtype::Float32, true);
        const DirectPool ref{c.x, c.k, c.s, c.p};
        const Tensor r = random(ref.out_shape(), Dtype::Float32);
        const Tensor y = xg::max_pool2d(x, c.k, c.s, c.p) * r + xg::avg_pool2d(x, c.k, c.s, c.p, include_pad) * r * 2.0;
        y.sum().backward();
        std::vector<double> expected = ref.max_grad(values(x), values(r));
        const std::vector<double> avg = ref.avg_grad(expected.size(), values(r), include_pad);
        for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += 2.0 * avg[i];
        expect_values(x.grad(), c.x, expected, 1e-5);
      }
    }
}

BOOST_AUTO_TEST_CASE(max_gradient_goes_to_the_first_maximum_and_nan_propagates) {
  // A constant plane: every window ties, the first position of each window gets the gradient.
  const Tensor x = xg::ones({1, 1, 4, 4}, {.requires_grad = true});
  xg::max_pool2d(x, {2, 2}).sum().backward();
  expect_values(x.grad(), {1, 1, 4, 4}, {1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor y = xg::tensor({1.0, nan, 3.0, 4.0}).reshape({1, 1, 2, 2});
  BOOST_TEST(std::isnan(xg::max_pool2d(y, {2, 2}).item()));
  // Two NaNs (and a larger value after them): the first NaN holds the window, in float32 and 64.
  for (const Dtype dtype : {Dtype::Float32, Dtype::Float64}) {
    const Tensor z = xg::tensor({1.0, nan, nan, 4.0}, {.dtype = dtype}).reshape({1, 1, 2, 2}).requires_grad_(true);
    xg::max_pool2d(z, {2, 2}).sum().backward();
    expect_values(z.grad(), {1, 1, 2, 2}, {0, 1, 0, 0});
  }
  // Wide rows (the vectorized float kernel, its overlapping tail and its 4-lane form) pick the
  // same positions as the scalar double kernel, with ties and NaN sprinkled in.
  for (const std::int64_t width : {28, 30, 14, 10}) {
    std::vector<double> v(static_cast<std::size_t>(4 * width));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i % 7 == 0 ? nan : static_cast<double>((i * 5) % 3);
    const Tensor d = xg::from_vector(v, {1, 1, 4, width}).requires_grad_(true);
    const Tensor f = xg::from_vector(v, {1, 1, 4, width}, {.dtype = Dtype::Float32}).requires_grad_(true);
    xg::max_pool2d(d, {2, 2}).sum().backward();
    xg::max_pool2d(f, {2, 2}).sum().backward();
    BOOST_TEST_CONTEXT("width " << width) { BOOST_TEST(values(f.grad()) == values(d.grad()), boost::test_tools::per_element()); }
  }
  // -inf is a value like any other.
  const double inf = std::numeric_limits<double>::infinity();
  expect_values(xg::max_pool2d(xg::full({1, 1, 2, 2}, -inf), {2, 2}), {1, 1, 1, 1}, {-inf});
}

BOOST_AUTO_TEST_CASE(same_average_ignores_padding_explicit_counts_it) {
  const Tensor x = xg::ones({1, 1, 3, 3});
  // 'same' 2x2 / 2 on 3x3: pads (0, 1) on each axis; windows at the border hold 2 or 1 ones.
  nn::AvgPool2d same(2, {.padding = "same"});
  expect_values(same(x), {1, 1, 2, 2}, {1, 1, 1, 1});
  // Explicit padding 1 with 2x2 windows / 2: each corner window has one real element of four.
  nn::AvgPool2d explicit_pad(2, {.padding = 1});
  expect_values(explicit_pad(x), {1, 1, 2, 2}, {0.25, 0.5, 0.5, 1.0});
}

BOOST_AUTO_TEST_CASE(layer_output_shapes) {
  const Tensor x = xg::zeros({2, 3, 7, 7});
  BOOST_TEST(xg::shape_str(nn::MaxPool2d(2)(x).shape()) == "[2, 3, 3, 3]");
  BOOST_TEST(xg::shape_str(nn::MaxPool2d(2, {.padding = "same"})(x).shape()) == "[2, 3, 4, 4]");
  BOOST_TEST(xg::shape_str(nn::MaxPool2d(3, {.stride = 1})(x).shape()) == "[2, 3, 5, 5]");
  BOOST_TEST(xg::shape_str(nn::AvgPool2d({3, 2}, {.stride = nn::Size2{2, 1}})(x).shape()) == "[2, 3, 3, 6]");
  BOOST_TEST(xg::shape_str(nn::AvgPool2d(3, {.stride = 2, .padding = "same"})(x).shape()) == "[2, 3, 4, 4]");
  BOOST_TEST(xg::shape_str(nn::MaxPool2d(2, {.data_format = "channels_last"})(xg::zeros({2, 8, 6, 3})).shape()) ==
             "[2, 4, 3, 3]");
  nn::MaxPool2d pool(2, {.padding = "same", .name = "pool2"});
  BOOST_TEST(pool.name() == "pool2");
  BOOST_TEST(pool.parameters().empty());
  BOOST_TEST(pool.describe() == "MaxPool2d(pool_size=(2, 2), stride=(2, 2), padding=same, data_format=channels_first)");
  BOOST_TEST(nn::AvgPool2d(3, {.stride = 1}).describe().find("AvgPool2d(pool_size=(3, 3), stride=(1, 1)") == 0u);
  BOOST_TEST(nn::MaxPool2d(2).name().rfind("max_pool2d_", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(layers_gradcheck) {
  xg::manual_seed(23);
  std::vector<std::shared_ptr<xg::nn::Module>> layers{
      std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::MaxPool2d>(3, nn::PoolOptions{.stride = 2, .padding = "same"}),
      std::make_shared<nn::AvgPool2d>(2, nn::PoolOptions{.padding = "same"}),
      std::make_shared<nn::AvgPool2d>(3, nn::PoolOptions{.stride = nn::Size2{1, 2}, .padding = 1}),
      std::make_shared<nn::MaxPool2d>(2, nn::PoolOptions{.data_format = "channels_last"})};
  for (const auto& layer : layers) {
    BOOST_TEST_CONTEXT(layer->describe()) {
      const Tensor x = distinct({2, 2, 5, 5}, true);
      const auto result = xg::autograd::gradcheck([&](const std::vector<Tensor>& in) { return (*layer)(in[0]); }, {x});
      BOOST_TEST(result.ok, result.message);
      const auto second =
          xg::autograd::gradgradcheck([&](const std::vector<Tensor>& in) { return (*layer)(in[0]); }, {x});
      BOOST_TEST(second.ok, second.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(channels_last_matches_channels_first) {
  xg::manual_seed(24);
  const Tensor x = random({2, 3, 7, 6}, Dtype::Float32);
  const Tensor x_nhwc = x.permute({0, 2, 3, 1});
  for (const char* padding : {"valid", "same"}) {
    const Tensor m = nn::MaxPool2d(3, {.stride = 2, .padding = padding})(x);
    const Tensor m_last = nn::MaxPool2d(3, {.stride = 2, .padding = padding, .data_format = "channels_last"})(x_nhwc);
    expect_values(m_last, m.permute({0, 2, 3, 1}).shape(), values(m.permute({0, 2, 3, 1})), 0.0);
    const Tensor a = nn::AvgPool2d(2, {.padding = padding})(x);
    const Tensor a_last = nn::AvgPool2d(2, {.padding = padding, .data_format = "channels_last"})(x_nhwc);
    expect_values(a_last, a.permute({0, 2, 3, 1}).shape(), values(a.permute({0, 2, 3, 1})), 1e-7);
  }
}

BOOST_AUTO_TEST_CASE(bitwise_identical_at_one_and_two_threads) {
  ThreadBound restore;
  xg::manual_seed(25);
  const Tensor x = random({16, 32, 28, 28}, Dtype::Float32), r = random({16, 32, 14, 14}, Dtype::Float32);
  std::vector<Tensor> results[2];
  for (int threads : {1, 2}) {
    xg::set_num_threads(threads);
    const Tensor xr = x.detach().requires_grad_();
    const Tensor m = xg::max_pool2d(xr, {3, 3}, Size2d{2, 2}, {1, 1, 1, 1});
    const Tensor a = xg::avg_pool2d(xr, {3, 3}, Size2d{2, 2}, {1, 1, 1, 1});
    ((m + a) * r).sum().backward();
    results[threads - 1] = {m, a, xr.grad()};
  }
  for (std::size_t k = 0; k < 3; ++k) BOOST_TEST(bitwise_equal(results[0][k], results[1][k]), "result " << k);
}

BOOST_AUTO_TEST_CASE(error_messages) {
  const Tensor x = xg::zeros({1, 2, 4, 4});
  expect_error<xg::ShapeError>(
      [] {
        xg::max_pool2d(xg::zeros({2, 4, 4}), {2, 2});
      },
      {"max_pool2d", "4-d input", "[2, 4, 4]"});
  expect_error<xg::ShapeError>(
      [&] {
        xg::avg_pool2d(x, {5, 2});
      },
      {"avg_pool2d", "pool window [5, 2]", "larger than the padded input [4, 4]"});
  expect_error<xg::ValueError>(
      [&] {
        xg::max_pool2d(x, {2, 2}, Size2d{0, 2});
      },
      {"max_pool2d", "stride must be positive", "[0, 2]"});
  expect_error<xg::ValueError>(
      [&] {
        xg::max_pool2d(x, {2, 2}, std::nullopt, {2, 0, 0, 0});
      },
      {"max_pool2d", "must be smaller than the pool window [2, 2]"});
  expect_error<xg::DtypeError>(
      [] {
        xg::max_pool2d(xg::zeros({1, 1, 2, 2}, {.dtype = Dtype::Int64}), {2, 2});
      },
      {"max_pool2d", "int64"});

  nn::MaxPool2d pool(2, {.name = "pool1"});
  expect_error<xg::ShapeError>([&] { pool(xg::zeros({4, 4})); },
                               {"pool1 (MaxPool2d) expects input of shape (None, None, None, None) but got (None, 4)",
                                "4-d batch [N, C, H, W]"});
  expect_error<xg::ShapeError>(
      [&] {
        pool(xg::zeros({1, 1, 1, 5}));
      },
      {"pool1 (MaxPool2d) cannot take input of shape (None, 1, 1, 5)",
       "its 2x2 pool window does not fit in the 1x5 image (padding valid)", "smaller pool_size"});
  expect_error<xg::ValueError>([] { nn::AvgPool2d(2, {.padding = 2, .name = "p"}); },
                               {"layer 'p' (AvgPool2d)", "padding (2, 2) must be smaller than pool_size (2, 2)"});
  expect_error<xg::ValueError>([] { nn::MaxPool2d(2, {.stride = 0}); }, {"stride must be positive"});
  expect_error<xg::ValueError>([] { nn::MaxPool2d(nn::Size2(0, 2)); }, {"pool_size must be positive"});
  expect_error<xg::ValueError>([] { nn::MaxPool2d(2, {.padding = "causal"}); },
                               {"unknown padding 'causal'", "'same', 'valid'"});
  expect_error<xg::ValueError>([] { nn::MaxPool2d(2, {.data_format = "NHWC"}); },
                               {"MaxPool2d", "unknown data_format 'NHWC'"});
}

BOOST_AUTO_TEST_SUITE_END()
