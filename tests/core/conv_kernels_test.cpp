// The convolution kernels against a naive direct convolution in double: forward (bias, fused
// relu), input gradient and weight gradient, on geometries that take the Winograd path (3x3 and 5x5,
// stride 1, 'same' / 'valid' / asymmetric padding, output sizes that are not whole tiles, batches of
// several blocks, 5x5 images narrow enough to be read and written row by row and wider ones staged
// through the padded plane) and ones that take im2col, in float64 (to 1e-12) and float32 (to float
// rounding), plus bitwise-identical results at 1 and 2 threads. 5x5 kernels run under both tilings,
// F(4x4, 5x5) and F(2x2, 5x5), and their float32 error is measured on data of a trained layer's
// magnitudes (post-ReLU inputs, He-initialized weights, 32 channels). The float point products
// (winograd_gemm.hpp) are checked against a double reference, and their AVX2 and AVX-512 paths
// against each other.
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/conv.hpp>
#include <xgrad/core/kernels/winograd.hpp>
#include <xgrad/core/kernels/winograd_gemm.hpp>
#include <xgrad/xgrad.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

using xg::Tensor;
using xg::kernels::Conv2dGeometry;

namespace {

struct Case {
  const char* name;
  xg::Shape input;  // [N, C, H, W]
  std::int64_t out_channels, kernel;
  std::int64_t pad_top, pad_bottom, pad_left, pad_right;
  bool winograd;  // which path the kernels should take
};

const std::vector<Case> kCases{
    {"5x5 same (the tutorial CNN's second layer, small)", {3, 5, 9, 9}, 6, 5, 2, 2, 2, 2, true},
    {"5x5 valid, odd output", {2, 4, 10, 11}, 4, 5, 0, 0, 0, 0, true},
    {"3x3 same", {2, 6, 7, 8}, 5, 3, 1, 1, 1, 1, true},
    {"3x3 asymmetric padding", {1, 4, 6, 5}, 4, 3, 0, 2, 1, 0, true},
    {"3x3 wide image (several lane groups)", {1, 4, 5, 75}, 4, 3, 1, 1, 1, 1, true},
    {"5x5 many images (several blocks and weight chunks)", {40, 4, 14, 14}, 4, 5, 2, 2, 2, 2, true},
    {"5x5 channels past one vector", {2, 20, 9, 9}, 18, 5, 2, 2, 2, 2, true},
    {"3x3 few channels (im2col)", {2, 2, 6, 6}, 3, 3, 1, 1, 1, 1, false},
    {"5x5 asymmetric padding (rows straight from the image)", {2, 4, 7, 12}, 5, 5, 1, 3, 3, 1, true},
    {"5x5 wide image (rows staged through the padded plane)", {1, 4, 6, 20}, 4, 5, 2, 2, 2, 2, true},
    {"5x5 odd sizes (several lane groups of 4x4 tiles, ragged last tiles)", {3, 5, 11, 37}, 7, 5, 2, 2, 2, 2, true},
    {"5x5 13 x 13 (4x4 tiles four tile rows a vector, ragged last tiles)", {5, 4, 13, 13}, 6, 5, 2, 2, 2, 2, true},
};

using xg::kernels::Winograd5x5;
constexpr Winograd5x5 kSchemes[] = {Winograd5x5::f4x4, Winograd5x5::f2x2};
const char* scheme_name(Winograd5x5 s) { return s == Winograd5x5::f4x4 ? "F(4x4, 5x5)" : "F(2x2, 5x5)"; }
const char* current_scheme() { return scheme_name(xg::kernels::winograd_5x5_scheme()); }

Conv2dGeometry geometry_of(const Case& c) {
  const xg::kernels::Window2d w{.kernel_h = c.kernel, .kernel_w = c.kernel, .pad_top = c.pad_top,
                                .pad_bottom = c.pad_bottom, .pad_left = c.pad_left, .pad_right = c.pad_right};
  return xg::kernels::make_conv2d_geometry("test", c.input, c.out_channels, w);
}

// Direct convolution in double: y (with bias), dx and dw (separately and from the fused backward) for a given output gradient.
struct Reference {
  std::vector<double> y, dx, dw;
};
Reference direct(const Conv2dGeometry& g, const std::vector<double>& x, const std::vector<double>& w,
                 const std::vector<double>& b, const std::vector<double>& grad) {
  const auto k = g.window.kernel_h;
  Reference r{std::vector<double>(static_cast<std::size_t>(g.batch * g.out_channels * g.out_h * g.out_w)),
              std::vector<double>(x.size(), 0.0), std::vector<double>(w.size(), 0.0)};
  for (std::int64_t n = 0; n < g.batch; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o)
      for (std::int64_t i = 0; i < g.out_h; ++i)
        for (std::int64_t j = 0; j < g.out_w; ++j) {
          const std::int64_t yi = ((n * g.out_channels + o) * g.out_h + i) * g.out_w + j;
          double acc = b[o];
          for (std::int64_t c = 0; c < g.channels; ++c)
            for (std::int64_t ki = 0; ki < k; ++ki)
              for (std::int64_t kj = 0; kj < k; ++kj) {
                const std::int64_t h = i + ki - g.window.pad_top, v = j + kj - g.window.pad_left;
                if (h < 0 || h >= g.in_h || v < 0 || v >= g.in_w) continue;
                const std::int64_t xi = ((n * g.channels + c) * g.in_h + h) * g.in_w + v;
                const std::int64_t wi = ((o * g.channels + c) * k + ki) * k + kj;
                acc += x[xi] * w[wi];
                r.dx[xi] += grad[yi] * w[wi];
                r.dw[wi] += grad[yi] * x[xi];
              }
          r.y[yi] = acc;
        }
  return r;
}

// max |got - expected| relative to max |expected|.
double relative_error(const Tensor& got, const std::vector<double>& expected) {
  const std::vector<double> g = got.to_vector<double>();
  BOOST_TEST_REQUIRE(g.size() == expected.size());
  double err = 0, scale = 1e-30;
  for (std::size_t i = 0; i < g.size(); ++i) {
    err = std::max(err, std::abs(g[i] - expected[i]));
    scale = std::max(scale, std::abs(expected[i]));
  }
  return err / scale;
}

void check_case(const Case& c, xg::Dtype dtype, double tol) {
  BOOST_TEST_CONTEXT(c.name << " in " << xg::dtype_name(dtype) << ", 5x5 by " << current_scheme()) {
    const Conv2dGeometry g = geometry_of(c);
    BOOST_TEST_REQUIRE(xg::kernels::winograd_applies(g) == c.winograd);
    const xg::TensorOptions opt{.dtype = dtype};
    const Tensor x = xg::rand(g.input_shape(), opt) * 2.0 - 1.0, w = xg::rand(g.weight_shape(), opt) - 0.5;
    const Tensor b = xg::rand({g.out_channels}, opt), grad = xg::rand(g.output_shape(), opt) - 0.5;
    const Reference ref = direct(g, x.to_vector<double>(), w.to_vector<double>(), b.to_vector<double>(),
                                 grad.to_vector<double>());
    BOOST_TEST(relative_error(xg::kernels::conv2d_forward(x, w, b, g), ref.y) < tol);
    BOOST_TEST(relative_error(xg::kernels::conv2d_backward_input(grad, w, g), ref.dx) < tol);
    BOOST_TEST(relative_error(xg::kernels::conv2d_backward_weight(x, grad, g), ref.dw) < tol);
    const auto both = xg::kernels::conv2d_backward(x, grad, w, g, true, true);
    BOOST_TEST(relative_error(both.input, ref.dx) < tol);
    BOOST_TEST(relative_error(both.weight, ref.dw) < tol);
    std::vector<double> relu = ref.y;
    for (double& v : relu) v = std::max(v, 0.0);
    BOOST_TEST(relative_error(xg::kernels::conv2d_forward(x, w, b, g, xg::Activation::Relu), relu) < tol);
  }
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data<float>(), b.data<float>(), a.numel() * sizeof(float)) == 0;
}

// Restores the point products' instruction set when a test that switches it ends.
struct SimdGuard {
  xg::kernels::PointGemmSimd native = xg::kernels::point_gemm_simd();
  ~SimdGuard() { xg::kernels::set_point_gemm_simd(native); }
};
// Restores the 5x5 tiling when a test that switches it ends.
struct SchemeGuard {
  Winograd5x5 chosen = xg::kernels::winograd_5x5_scheme();
  ~SchemeGuard() { xg::kernels::set_winograd_5x5_scheme(chosen); }
};

// Runs check(c) for every case, those with 5x5 kernels under each tiling.
template <class Check> void for_each_case_and_scheme(const std::vector<const Case*>& cases, Check&& check) {
  const SchemeGuard guard;
  for (Winograd5x5 scheme : kSchemes) {
    xg::kernels::set_winograd_5x5_scheme(scheme);
    for (const Case* c : cases)
      if (c->kernel == 5 || scheme == kSchemes[0]) check(*c);
  }
}
std::vector<const Case*> all_cases() {
  std::vector<const Case*> cases;
  for (const Case& c : kCases) cases.push_back(&c);
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conv_kernels)

BOOST_AUTO_TEST_CASE(float64_matches_direct_convolution) {
  xg::manual_seed(11);
  for_each_case_and_scheme(all_cases(), [](const Case& c) { check_case(c, xg::kFloat64, 1e-12); });
}

BOOST_AUTO_TEST_CASE(float32_matches_direct_convolution_to_rounding) {
  xg::manual_seed(12);
  for_each_case_and_scheme(all_cases(), [](const Case& c) { check_case(c, xg::kFloat32, 3e-5); });
}

BOOST_AUTO_TEST_CASE(results_are_bitwise_identical_at_one_and_two_threads) {
  xg::manual_seed(13);
  for_each_case_and_scheme({&kCases[5], &kCases[10], &kCases[11]}, [](const Case& c) {
    const Conv2dGeometry g = geometry_of(c);
    const Tensor x = xg::rand(g.input_shape()), w = xg::rand(g.weight_shape()), b = xg::rand({g.out_channels});
    const Tensor grad = xg::rand(g.output_shape());
    const int threads = xg::get_num_threads();
    std::vector<Tensor> results[2];
    for (int t : {1, 2}) {
      xg::set_num_threads(t);
      const auto both = xg::kernels::conv2d_backward(x, grad, w, g, true, true);
      results[t - 1] = {xg::kernels::conv2d_forward(x, w, b, g), xg::kernels::conv2d_backward_input(grad, w, g),
                        xg::kernels::conv2d_backward_weight(x, grad, g), both.input, both.weight};
    }
    xg::set_num_threads(threads);
    for (std::size_t i = 0; i < results[0].size(); ++i)
      BOOST_TEST(bitwise_equal(results[0][i], results[1][i]), c.name << " by " << current_scheme());
  });
}

BOOST_AUTO_TEST_CASE(float32_is_bitwise_identical_on_avx2_and_avx512) {
  using xg::kernels::PointGemmSimd;
  const SimdGuard guard;
  if (guard.native != PointGemmSimd::avx512) return;  // nothing to compare on this CPU
  xg::manual_seed(14);
  const std::vector<const Case*> cases{&kCases[0], &kCases[2], &kCases[4], &kCases[5],
                                       &kCases[6], &kCases[8], &kCases[9], &kCases[10], &kCases[11]};
  for_each_case_and_scheme(cases, [](const Case& c) {
    const Conv2dGeometry g = geometry_of(c);
    const Tensor x = xg::rand(g.input_shape()), w = xg::rand(g.weight_shape()), grad = xg::rand(g.output_shape());
    std::vector<Tensor> results[2];
    for (PointGemmSimd simd : {PointGemmSimd::avx2, PointGemmSimd::avx512}) {
      xg::kernels::set_point_gemm_simd(simd);
      const auto both = xg::kernels::conv2d_backward(x, grad, w, g, true, true);
      results[simd == PointGemmSimd::avx512] = {xg::kernels::conv2d_forward(x, w, Tensor(), g), both.input, both.weight};
    }
    for (std::size_t i = 0; i < results[0].size(); ++i)
      BOOST_TEST(bitwise_equal(results[0][i], results[1][i]), c.name << " by " << current_scheme());
  });
}

// The tutorial CNN's second layer (32 -> 64 channels, 5x5 'same' on 14 x 14) on a trained layer's
// magnitudes: inputs U(0, 1) (post-ReLU), He-initialized weights N(0, 2 / (C 25)), output
// gradients N(0, 1), 4 images. Max abs errors against the double reference, y / dx / dw (of
// max |y| 3.1, |dx| 8.6, |dw| 53): F(2x2, 5x5) 5.4e-6 / 2.5e-5 / 4.5e-4, F(4x4, 5x5) 7.2e-6 /
// 3.4e-5 / 2.7e-4, i.e. at most 8.5e-6 of the largest magnitude: the bound is 2e-5 of it.
BOOST_AUTO_TEST_CASE(float32_error_of_both_5x5_tilings_on_realistic_data) {
  const SchemeGuard guard;
  xg::manual_seed(15);
  const Case c{"tutorial CNN conv2", {4, 32, 14, 14}, 64, 5, 2, 2, 2, 2, true};
  const Conv2dGeometry g = geometry_of(c);
  const Tensor x = xg::rand(g.input_shape()), w = xg::normal(g.weight_shape(), 0.0, std::sqrt(2.0 / (32 * 25)));
  const Tensor grad = xg::randn(g.output_shape()), b = xg::zeros({g.out_channels});
  const Reference ref = direct(g, x.to_vector<double>(), w.to_vector<double>(), std::vector<double>(64, 0.0),
                               grad.to_vector<double>());
  for (Winograd5x5 scheme : kSchemes) {
    xg::kernels::set_winograd_5x5_scheme(scheme);
    const auto both = xg::kernels::conv2d_backward(x, grad, w, g, true, true);
    const double scales[3] = {max_abs(ref.y), max_abs(ref.dx), max_abs(ref.dw)};
    const double errors[3] = {relative_error(xg::kernels::conv2d_forward(x, w, b, g), ref.y) * scales[0],
                              relative_error(both.input, ref.dx) * scales[1],
                              relative_error(both.weight, ref.dw) * scales[2]};
    BOOST_TEST_MESSAGE(scheme_name(scheme) << " max abs error: y " << errors[0] << " (max |y| " << scales[0] << "), dx "
                                           << errors[1] << " (max " << scales[1] << "), dw " << errors[2] << " (max "
                                           << scales[2] << ")");
    for (int k = 0; k < 3; ++k) BOOST_TEST(errors[k] < 2e-5 * scales[k], scheme_name(scheme) << " output " << k);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(winograd_gemm)

namespace {
// C = A B (+ C) in double for point_gemm's operands.
std::vector<double> reference_product(const xg::kernels::PointGemm& p, const std::vector<float>& c0) {
  std::vector<double> c(static_cast<std::size_t>(p.rows * p.ldc));
  for (std::int64_t r = 0; r < p.rows; ++r)
    for (std::int64_t j = 0; j < p.cols; ++j) {
      double acc = p.accumulate ? c0[r * p.ldc + j] : 0.0;
      for (std::int64_t k = 0; k < p.depth; ++k) acc += double(p.a[r * p.a_row + k * p.a_depth]) * p.b[k * p.ldb + j];
      c[r * p.ldc + j] = acc;
    }
  return c;
}
std::vector<float> uniform(std::size_t n, float lo, float hi) {
  const std::vector<float> u = xg::rand({static_cast<std::int64_t>(n)}).to_vector<float>();
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * u[i];
  return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(point_gemm_matches_a_double_reference_on_both_instruction_sets) {
  using xg::kernels::PointGemmSimd;
  const SimdGuard guard;
  std::vector<PointGemmSimd> levels{PointGemmSimd::avx2};
  if (guard.native == PointGemmSimd::avx512) levels.push_back(PointGemmSimd::avx512);
  xg::manual_seed(21);
  for (std::int64_t rows : {1, 5, 13, 64})
    for (std::int64_t depth : {1, 7, 32})
      for (std::int64_t cols : {16, 48, 80})
        for (bool transposed : {false, true})
          for (bool accumulate : {false, true}) {
            const std::int64_t ldb = cols + 16, ldc = cols + 32;
            const std::vector<float> a = uniform(rows * depth, -1, 1), b = uniform(depth * ldb, -1, 1);
            const std::vector<float> c0 = uniform(rows * ldc, -1, 1);
            xg::kernels::PointGemm p{.rows = rows, .depth = depth, .cols = cols, .a = a.data(),
                                     .a_row = transposed ? 1 : depth, .a_depth = transposed ? rows : 1, .b = b.data(),
                                     .ldb = ldb, .c = nullptr, .ldc = ldc, .accumulate = accumulate};
            const std::vector<double> expected = reference_product(p, c0);
            std::vector<std::vector<float>> got;
            for (PointGemmSimd simd : levels) {
              xg::kernels::set_point_gemm_simd(simd);
              got.push_back(c0);
              p.c = got.back().data();
              xg::kernels::point_gemm(p);
            }
            BOOST_TEST_CONTEXT(rows << "x" << depth << "x" << cols << (transposed ? " A^T" : "")
                                    << (accumulate ? " accumulate" : "")) {
              double err = 0;
              for (std::int64_t r = 0; r < rows; ++r)
                for (std::int64_t j = 0; j < ldc; ++j) {
                  const std::size_t i = static_cast<std::size_t>(r * ldc + j);
                  if (j < cols)
                    err = std::max(err, std::abs(got[0][i] - expected[i]));
                  else
                    BOOST_TEST_REQUIRE(got[0][i] == c0[i]);  // columns past cols are left alone
                }
              BOOST_TEST(err < 1e-5 * (depth + 1));
              if (got.size() == 2) BOOST_TEST(got[0] == got[1]);  // the same sums in the same order
            }
          }
}

BOOST_AUTO_TEST_CASE(transpose_panel_transposes_ragged_panels) {
  for (std::int64_t rows : {3, 8, 13, 32})
    for (std::int64_t cols : {1, 8, 21}) {
      const std::int64_t ld_src = 32, ld_dst = 40;  // room for columns and rows up to roundup(cols, 8)
      std::vector<float> src(static_cast<std::size_t>(rows * ld_src)), dst(static_cast<std::size_t>(32 * ld_dst), -1.0f);
      for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i);
      xg::kernels::transpose_panel(src.data(), ld_src, rows, cols, dst.data(), ld_dst);
      bool ok = true;
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) ok = ok && dst[j * ld_dst + i] == src[i * ld_src + j];
      for (std::int64_t j = 0; j < cols; ++j)  // columns of dst past rows are untouched
        for (std::int64_t i = rows; i < ld_dst; ++i) ok = ok && dst[j * ld_dst + i] == -1.0f;
      BOOST_TEST(ok, rows << "x" << cols);
    }
}

BOOST_AUTO_TEST_CASE(asking_for_avx512_without_it_is_an_error) {
  using xg::kernels::PointGemmSimd;
  if (xg::kernels::point_gemm_simd() == PointGemmSimd::avx512) {
    xg::kernels::set_point_gemm_simd(PointGemmSimd::avx512);  // supported: accepted
    BOOST_TEST((xg::kernels::point_gemm_simd() == PointGemmSimd::avx512));
  } else {
    BOOST_CHECK_THROW(xg::kernels::set_point_gemm_simd(PointGemmSimd::avx512), xg::ValueError);
  }
}

BOOST_AUTO_TEST_SUITE_END()
