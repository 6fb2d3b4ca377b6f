// Float GEMM on the point-product micro-kernels (core/kernels/gemm_blocked.hpp), through
// kernels::gemm: every layout branch (A B, A^T B, A B^T with B^T or A^T packed), overwrite and
// accumulate, several row and column tiles and ragged sizes, against a float64 reference; results
// bitwise identical at 1 and 2 threads; the products it declines still come out right on BLAS.
// (The A B^T shapes are large because packing only pays from 500 multiply-adds per packed element.)
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/gemm_blocked.hpp>
#include <xgrad/core/kernels/winograd_gemm.hpp>
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

struct Product {
  bool ta, tb;
  std::int64_t M, N, K;
  double beta;
};

std::string describe(const Product& p) {
  return std::string(p.ta ? "A^T" : "A") + (p.tb ? " B^T" : " B") + " M=" + std::to_string(p.M) +
         " N=" + std::to_string(p.N) + " K=" + std::to_string(p.K) + " beta=" + std::to_string(p.beta);
}

// C as kernels::gemm leaves it, from operands and an initial C drawn from `seed`.
std::vector<float> run(const Product& p, std::uint64_t seed, std::vector<double>* reference = nullptr) {
  xg::manual_seed(seed);
  const std::vector<float> a = xg::randn({p.M * p.K}).to_vector<float>(), b = xg::randn({p.K * p.N}).to_vector<float>();
  std::vector<float> c = xg::randn({p.M * p.N}).to_vector<float>();
  if (reference) {
    reference->assign(c.size(), 0.0);
    for (std::int64_t m = 0; m < p.M; ++m)
      for (std::int64_t n = 0; n < p.N; ++n) {
        double sum = p.beta * c[m * p.N + n];
        for (std::int64_t k = 0; k < p.K; ++k)
          sum += double(p.ta ? a[k * p.M + m] : a[m * p.K + k]) * double(p.tb ? b[n * p.K + k] : b[k * p.N + n]);
        (*reference)[m * p.N + n] = sum;
      }
  }
  xg::kernels::gemm<float>(p.ta, p.tb, p.M, p.N, p.K, 1.0, a.data(), b.data(), p.beta, c.data());
  return c;
}

const std::vector<Product> kProducts{
    {false, false, 64, 3136, 70, 0.0},   // A B, 13 column tiles (the last one 64 wide)
    {false, false, 32, 64, 1100, 1.0},   // A B accumulating over three depth slices
    {false, false, 200, 48, 40, 1.0},    // A B accumulating, 3 row tiles (96, 96, 8)
    {true, false, 150, 272, 33, 0.0},    // A^T B (the Dense weight gradient's layout)
    {true, false, 97, 32, 100, 1.0},     // A^T B accumulating, a 1-row last tile
    {false, true, 520, 64, 40, 0.0},     // A B^T packing B^T (N a multiple of 16, B small)
    {false, true, 16, 1010, 1100, 1.0},  // A B^T packing A^T (N ragged), accumulating
    {false, true, 17, 1500, 1500, 0.0},  // A B^T packing A^T, M rounded up to 32, 16 row tiles of C^T
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm_on_micro_kernels)

BOOST_AUTO_TEST_CASE(every_layout_matches_a_float64_reference) {
  if (xg::kernels::point_gemm_simd() != xg::kernels::PointGemmSimd::avx512) return;  // BLAS covers it
  for (const auto& p : kProducts) {
    // The product must take the micro-kernel path, or this test would only check BLAS again.
    std::vector<float> probe(static_cast<std::size_t>(p.M * p.N));
    const std::vector<float> a(static_cast<std::size_t>(p.M * p.K)), b(static_cast<std::size_t>(p.K * p.N));
    BOOST_TEST_REQUIRE(
        xg::kernels::gemm_on_micro_kernels(p.ta, p.tb, p.M, p.N, p.K, 1.0, a.data(), b.data(), 0.0, probe.data()),
        describe(p));
    std::vector<double> expected;
    const std::vector<float> got = run(p, 7, &expected);
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(got[i] - expected[i]) / (1.0 + std::abs(expected[i])));
    BOOST_TEST(worst < 1e-4 * std::sqrt(double(p.K)), describe(p) << ": worst relative error " << worst);
  }
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_the_thread_count) {
  const int threads = xg::get_num_threads();
  for (const auto& p : kProducts) {
    xg::set_num_threads(1);
    const std::vector<float> one = run(p, 8);
    xg::set_num_threads(2);
    const std::vector<float> two = run(p, 8);
    BOOST_TEST((one == two), describe(p));
  }
  xg::set_num_threads(threads);
}

BOOST_AUTO_TEST_CASE(declined_products_are_left_to_blas) {
  std::vector<float> a(64 * 64, 1.0f), b(64 * 64, 1.0f), c(64 * 64, -1.0f);
  const auto declines = [&](bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                            double beta) {
    const bool taken = xg::kernels::gemm_on_micro_kernels(ta, tb, M, N, K, alpha, a.data(), b.data(), beta, c.data());
    return !taken && c[0] == -1.0f;  // and C untouched
  };
  BOOST_TEST(declines(true, true, 64, 64, 64, 1.0, 0.0));   // both transposed
  BOOST_TEST(declines(false, false, 64, 64, 64, 2.0, 0.0)); // alpha
  BOOST_TEST(declines(false, false, 64, 64, 64, 1.0, 0.5)); // beta
  BOOST_TEST(declines(false, false, 64, 40, 64, 1.0, 0.0)); // N not a multiple of 16
  BOOST_TEST(declines(false, false, 8, 64, 64, 1.0, 0.0));  // too few rows
  BOOST_TEST(declines(false, false, 16, 16, 16, 1.0, 0.0)); // too little work
  // kernels::gemm still computes a declined product: all-ones 64 x 64 times itself, twice alpha.
  xg::kernels::gemm<float>(false, false, 64, 64, 64, 2.0, a.data(), b.data(), 0.0, c.data());
  BOOST_TEST(c[0] == 128.0f);
}

BOOST_AUTO_TEST_SUITE_END()
