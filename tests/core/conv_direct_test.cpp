// The direct float convolution for few input channels (core/kernels/conv_direct.hpp): forward
// (bias, fused relu) and weight gradient against the float64 im2col path, on geometries that hit
// both vector widths (rows of 8..15 outputs take 8 lanes, >= 16 take 16 on AVX-512), overlapping
// last vectors, every kernel width the weight kernel specializes, odd output-channel counts
// (register-block tails), asymmetric padding and batches of several weight chunks; results must
// be bitwise identical at 1 and 2 threads.
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/conv.hpp>
#include <xgrad/core/kernels/conv_direct.hpp>
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using xg::Tensor;
using xg::kernels::Conv2dGeometry;

namespace {

struct DirectCase {
  xg::Shape input;  // [N, C, H, W]
  std::int64_t out_channels, kernel_h, kernel_w;
  std::int64_t pad_top, pad_bottom, pad_left, pad_right;
};

const std::vector<DirectCase> kCases{
    {{3, 1, 28, 28}, 32, 5, 5, 2, 2, 2, 2},   // the tutorial CNN's first layer, small batch
    {{2, 1, 28, 28}, 13, 5, 5, 0, 0, 0, 0},   // valid: rows of 24 (16 + an overlapping 16)
    {{2, 3, 9, 17}, 5, 3, 3, 1, 1, 1, 1},     // RGB, rows of 17: 16 + an overlapping 16
    {{1, 4, 12, 15}, 9, 7, 7, 3, 3, 3, 3},    // rows of 15: 8 lanes with overlap
    {{2, 2, 6, 8}, 3, 1, 1, 0, 0, 0, 0},      // 1x1, rows of 8
    {{1, 1, 10, 20}, 4, 2, 4, 0, 1, 2, 1},    // non-square kernel, asymmetric padding
    {{1, 2, 8, 22}, 6, 3, 6, 1, 1, 0, 1},     // kernel width 6
    {{17, 1, 10, 16}, 3, 3, 2, 1, 1, 0, 1},   // 17 images: several weight chunks; width 2
    {{1, 1, 6, 40}, 11, 3, 3, 1, 1, 1, 1},    // rows of 40: a pair of vectors and a single one
};

Conv2dGeometry geometry_of(const DirectCase& c) {
  xg::kernels::Window2d w;
  w.kernel_h = c.kernel_h, w.kernel_w = c.kernel_w;
  w.pad_top = c.pad_top, w.pad_bottom = c.pad_bottom, w.pad_left = c.pad_left, w.pad_right = c.pad_right;
  return xg::kernels::make_conv2d_geometry("test", c.input, c.out_channels, w);
}

double max_relative_error(const Tensor& got, const Tensor& expected) {
  const auto a = got.to_vector<double>(), b = expected.to_vector<double>();
  double worst = 0, scale = 1e-3;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / scale);
  return worst;
}

std::string describe(const Conv2dGeometry& g) {
  return "input " + xg::shape_str(g.input_shape()) + ", weight " + xg::shape_str(g.weight_shape()) + ", output " +
         xg::shape_str(g.output_shape());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conv_direct)

BOOST_AUTO_TEST_CASE(forward_and_weight_gradient_match_float64_im2col) {
  xg::manual_seed(11);
  for (const auto& c : kCases) {
    const Conv2dGeometry g = geometry_of(c);
    BOOST_TEST_REQUIRE(xg::kernels::direct_conv_applies(g), describe(g));
    const Tensor x = xg::randn(g.input_shape()), w = xg::randn(g.weight_shape()), b = xg::randn({g.out_channels});
    const Tensor grad = xg::randn(g.output_shape());
    const auto f64 = [](const Tensor& t) { return t.to(xg::kFloat64); };
    const Tensor y_ref = xg::kernels::conv2d_forward(f64(x), f64(w), f64(b), g);
    BOOST_TEST(max_relative_error(xg::kernels::conv2d_forward(x, w, b, g), y_ref) < 1e-5, describe(g));
    const Tensor relu_ref = xg::kernels::conv2d_forward(f64(x), f64(w), f64(b), g, xg::Activation::Relu);
    BOOST_TEST(max_relative_error(xg::kernels::conv2d_forward(x, w, b, g, xg::Activation::Relu), relu_ref) < 1e-5,
               describe(g));
    BOOST_TEST(max_relative_error(xg::kernels::conv2d_forward(x, w, Tensor(), g),
                                  xg::kernels::conv2d_forward(f64(x), f64(w), Tensor(), g)) < 1e-5,
               describe(g));
    const Tensor dw_ref = xg::kernels::conv2d_backward_weight(f64(x), f64(grad), g);
    BOOST_TEST(max_relative_error(xg::kernels::conv2d_backward_weight(x, grad, g), dw_ref) < 1e-5, describe(g));
  }
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_the_thread_count) {
  xg::manual_seed(12);
  const int threads = xg::get_num_threads();
  for (const auto& c : kCases) {
    const Conv2dGeometry g = geometry_of(c);
    const Tensor x = xg::randn(g.input_shape()), w = xg::randn(g.weight_shape()), b = xg::randn({g.out_channels});
    const Tensor grad = xg::randn(g.output_shape());
    std::vector<float> y[2], dw[2];
    for (int t = 1; t <= 2; ++t) {
      xg::set_num_threads(t);
      y[t - 1] = xg::kernels::conv2d_forward(x, w, b, g).to_vector<float>();
      dw[t - 1] = xg::kernels::conv2d_backward_weight(x, grad, g).to_vector<float>();
    }
    BOOST_TEST((y[0] == y[1]), describe(g));
    BOOST_TEST((dw[0] == dw[1]), describe(g));
  }
  xg::set_num_threads(threads);
}

BOOST_AUTO_TEST_CASE(applies_only_to_few_channels_stride_one_and_wide_rows) {
  const auto applies = [](xg::Shape input, std::int64_t kernel, std::int64_t stride, std::int64_t dilation) {
    xg::kernels::Window2d w;
    w.kernel_h = w.kernel_w = kernel;
    w.stride_h = w.stride_w = stride;
    w.dilation_h = w.dilation_w = dilation;
    return xg::kernels::direct_conv_applies(xg::kernels::make_conv2d_geometry("test", input, 8, w));
  };
  BOOST_TEST(applies({1, 1, 28, 28}, 5, 1, 1));
  BOOST_TEST(!applies({1, 5, 28, 28}, 5, 1, 1));   // 5 channels: im2col / Winograd
  BOOST_TEST(!applies({1, 1, 28, 28}, 5, 2, 1));   // strided
  BOOST_TEST(!applies({1, 1, 28, 28}, 3, 1, 2));   // dilated
  BOOST_TEST(!applies({1, 1, 28, 28}, 9, 1, 1));   // kernel wider than 7
  BOOST_TEST(!applies({1, 1, 28, 10}, 5, 1, 1));   // rows of 6 outputs
}

BOOST_AUTO_TEST_SUITE_END()
