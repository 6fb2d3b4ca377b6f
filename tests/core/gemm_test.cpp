// Matrix multiplication against a naive triple loop: the raw kernels (every transpose flag, float,
// double and int64, alpha/beta, degenerate sizes, shapes large enough to be split into row and
// column tiles, batches with broadcast), the matmul/linear/dot/outer ops for each rank
// combination, bitwise-identical results at 1 and 2 threads, and the shape error messages.
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/xgrad.hpp>

#include "expect.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

using xg::Dtype;
using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

struct Dims {
  std::int64_t M, N, K;
};

// op(a) @ op(b) in double: a is stored [M, K] ([K, M] when ta), b [K, N] ([N, K] when tb).
std::vector<double> naive_matmul(const std::vector<double>& a, const std::vector<double>& b, Dims d, bool ta,
                                 bool tb) {
  std::vector<double> c(static_cast<std::size_t>(d.M * d.N), 0.0);
  for (std::int64_t i = 0; i < d.M; ++i)
    for (std::int64_t j = 0; j < d.N; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < d.K; ++p)
        acc += a[ta ? p * d.M + i : i * d.K + p] * b[tb ? j * d.K + p : p * d.N + j];
      c[i * d.N + j] = acc;
    }
  return c;
}

Tensor random(const xg::Shape& shape, Dtype dtype) { return xg::uniform(shape, -1.0, 1.0, {.dtype = dtype}); }

xg::Shape stored_a(Dims d, bool ta) { return ta ? xg::Shape{d.K, d.M} : xg::Shape{d.M, d.K}; }
xg::Shape stored_b(Dims d, bool tb) { return tb ? xg::Shape{d.N, d.K} : xg::Shape{d.K, d.N}; }

// Rounding tolerance of a K-term dot product of values in [-1, 1].
double tolerance(Dtype dtype, std::int64_t K) {
  return (dtype == Dtype::Float32 ? 1e-6 : 1e-14) * static_cast<double>(std::max<std::int64_t>(K, 1)) * 4;
}

void check_raw_product(Dims d, bool ta, bool tb, Dtype dtype) {
  BOOST_TEST_CONTEXT("M=" << d.M << " N=" << d.N << " K=" << d.K << " trans_a=" << ta << " trans_b=" << tb
                          << " dtype=" << dtype) {
    const Tensor a = random(stored_a(d, ta), dtype), b = random(stored_b(d, tb), dtype);
    const Tensor c = xg::kernels::matmul_raw(a, b, ta, tb);
    BOOST_TEST(c.dtype() == dtype);
    expect_values(c, {d.M, d.N}, naive_matmul(a.to_vector<double>(), b.to_vector<double>(), d, ta, tb),
                  tolerance(dtype, d.K));
  }
}

// Restores the thread bound on scope exit.
struct ThreadBound {
  int saved = xg::get_num_threads();
  ~ThreadBound() { xg::set_num_threads(saved); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm)

BOOST_AUTO_TEST_CASE(raw_products_match_naive_loop_for_every_flag_and_dtype) {
  xg::manual_seed(1);
  // Degenerate, small, row-tiled (301 x 203 x 151) and column-tiled (9 x 2050 x 513) products.
  const std::vector<Dims> shapes = {{1, 1, 1},   {1, 7, 5},       {6, 1, 4},     {3, 4, 1},
                                    {17, 33, 9}, {301, 203, 151}, {9, 2050, 513}};
  for (Dtype dtype : {Dtype::Float32, Dtype::Float64})
    for (const Dims& d : shapes)
      for (bool ta : {false, true})
        for (bool tb : {false, true}) check_raw_product(d, ta, tb, dtype);
}

BOOST_AUTO_TEST_CASE(empty_inner_dimension_gives_zeros_and_empty_outer_gives_empty) {
  for (bool ta : {false, true}) {
    const Tensor c = xg::kernels::matmul_raw(xg::ones(ta ? xg::Shape{0, 3} : xg::Shape{3, 0}), xg::ones({0, 4}), ta, false);
    expect_values(c, {3, 4}, std::vector<double>(12, 0.0));
  }
  BOOST_TEST(xg::kernels::matmul_raw(xg::ones({0, 5}), xg::ones({5, 4}), false, false).shape() == xg::Shape({0, 4}));
  BOOST_TEST(xg::kernels::matmul_raw(xg::ones({3, 5}), xg::ones({5, 0}), false, false).shape() == xg::Shape({3, 0}));
  BOOST_TEST(xg::kernels::matmul_raw(xg::ones({0, 3, 5}), xg::ones({5, 2}), false, false).shape() == xg::Shape({0, 3, 2}));
}

BOOST_AUTO_TEST_CASE(gemm_applies_alpha_and_beta_and_ignores_garbage_when_beta_is_zero) {
  const Dims d{2, 3, 2};
  const std::vector<double> a{1, 2, 3, 4}, b{1, 0, -1, 2, 1, 0};  // [2, 2] and [2, 3]
  const std::vector<double> ab = naive_matmul(a, b, d, false, false);
  std::vector<double> c{1, 1, 1, 1, 1, 1};
  xg::kernels::gemm(false, false, d.M, d.N, d.K, 2.0, a.data(), b.data(), 0.5, c.data());
  for (std::size_t i = 0; i < c.size(); ++i) BOOST_TEST(c[i] == 2.0 * ab[i] + 0.5);

  std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
  std::vector<float> cf(6, std::numeric_limits<float>::quiet_NaN());
  xg::kernels::gemm(false, false, d.M, d.N, d.K, 1.0, af.data(), bf.data(), 0.0, cf.data());
  for (std::size_t i = 0; i < cf.size(); ++i) BOOST_TEST(cf[i] == static_cast<float>(ab[i]));

  std::fill(cf.begin(), cf.end(), std::numeric_limits<float>::quiet_NaN());
  xg::kernels::gemm(false, false, d.M, d.N, std::int64_t{0}, 1.0, af.data(), bf.data(), 0.0, cf.data());
  for (float v : cf) BOOST_TEST(v == 0.0f);
}

BOOST_AUTO_TEST_CASE(int64_products_are_exact) {
  const Tensor a = xg::tensor({{1, 2}, {3, 4}}, {.dtype = Dtype::Int64});
  const Tensor b = xg::tensor({{5, 6}, {7, 8}}, {.dtype = Dtype::Int64});
  const Tensor c = xg::kernels::matmul_raw(a, b, false, false);
  BOOST_TEST(c.dtype() == Dtype::Int64);
  BOOST_TEST(c.to_vector<std::int64_t>() == std::vector<std::int64_t>({19, 22, 43, 50}), boost::test_tools::per_element());
  // a^T b^T = (b a)^T
  BOOST_TEST(xg::kernels::matmul_raw(a, b, true, true).to_vector<std::int64_t>() ==
                 std::vector<std::int64_t>({23, 31, 34, 46}),
             boost::test_tools::per_element());
  const Dims d{5, 7, 6};
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Tensor x = xg::randint(-9, 10, stored_a(d, ta)), y = xg::randint(-9, 10, stored_b(d, tb));
      expect_values(xg::kernels::matmul_raw(x, y, ta, tb), {d.M, d.N},
                    naive_matmul(x.to_vector<double>(), y.to_vector<double>(), d, ta, tb), 0.0);
    }
}

BOOST_AUTO_TEST_CASE(mixed_dtypes_are_promoted) {
  const Tensor c = xg::kernels::matmul_raw(xg::ones({2, 3}), xg::ones({3, 2}, {.dtype = Dtype::Float64}), false, false);
  BOOST_TEST(c.dtype() == Dtype::Float64);
  expect_values(c, {2, 2}, {3, 3, 3, 3});
}

BOOST_AUTO_TEST_CASE(batched_products_broadcast_batch_dimensions) {
  xg::manual_seed(2);
  const Dims d{4, 5, 3};
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      BOOST_TEST_CONTEXT("trans_a=" << ta << " trans_b=" << tb) {
        // a [2, 1, ...] and b [3, ...] broadcast to a [2, 3] batch.
        xg::Shape sa = stored_a(d, ta), sb = stored_b(d, tb);
        sa.insert(sa.begin(), {2, 1});
        sb.insert(sb.begin(), 3);
        const Tensor a = random(sa, Dtype::Float64), b = random(sb, Dtype::Float64);
        const Tensor c = xg::kernels::matmul_raw(a, b, ta, tb);
        BOOST_TEST_REQUIRE(c.shape() == xg::Shape({2, 3, d.M, d.N}));
        for (std::int64_t i = 0; i < 2; ++i)
          for (std::int64_t j = 0; j < 3; ++j)
            expect_values(c[i][j], {d.M, d.N},
                          naive_matmul(a[i][0].to_vector<double>(), b[j].to_vector<double>(), d, ta, tb), 1e-12);
        // A 2-d operand is shared by every product of the other's batch.
        const Tensor m = random(stored_a(d, ta), Dtype::Float64);
        const Tensor mc = xg::kernels::matmul_raw(m, b, ta, tb);
        BOOST_TEST_REQUIRE(mc.shape() == xg::Shape({3, d.M, d.N}));
        for (std::int64_t j = 0; j < 3; ++j)
          expect_values(mc[j], {d.M, d.N}, naive_matmul(m.to_vector<double>(), b[j].to_vector<double>(), d, ta, tb),
                        1e-12);
      }
    }
}

BOOST_AUTO_TEST_CASE(many_small_products_and_batch_times_matrix) {
  xg::manual_seed(3);
  const Dims d{3, 4, 5};
  const Tensor a = random({600, d.M, d.K}, Dtype::Float32), b = random({600, d.K, d.N}, Dtype::Float32);
  const Tensor c = xg::kernels::matmul_raw(a, b, false, false);
  BOOST_TEST_REQUIRE(c.shape() == xg::Shape({600, d.M, d.N}));
  for (std::int64_t i : {0, 1, 299, 599})
    expect_values(c[i], {d.M, d.N}, naive_matmul(a[i].to_vector<double>(), b[i].to_vector<double>(), d, false, false),
                  1e-5);
  // [2, 3, M, K] x [K, N]: the batch folds into the rows of one product.
  const Tensor x = random({2, 3, d.M, d.K}, Dtype::Float64), w = random({d.K, d.N}, Dtype::Float64);
  const Tensor y = xg::kernels::matmul_raw(x, w, false, false);
  BOOST_TEST_REQUIRE(y.shape() == xg::Shape({2, 3, d.M, d.N}));
  expect_values(y.reshape({6 * d.M, d.N}), {6 * d.M, d.N},
                naive_matmul(x.to_vector<double>(), w.to_vector<double>(), {6 * d.M, d.N, d.K}, false, false), 1e-12);
}

BOOST_AUTO_TEST_CASE(large_float_product_is_bitwise_identical_at_one_and_two_threads) {
  ThreadBound restore;
  xg::manual_seed(4);
  const Tensor a = random({515, 384}, Dtype::Float32), b = random({700, 384}, Dtype::Float32);
  xg::set_num_threads(1);
  const Tensor one = xg::kernels::matmul_raw(a, b, false, true);
  xg::set_num_threads(2);
  const Tensor two = xg::kernels::matmul_raw(a, b, false, true);
  BOOST_TEST_REQUIRE(one.numel() == 515 * 700);
  BOOST_TEST(std::memcmp(one.raw_data(), two.raw_data(), sizeof(float) * one.numel()) == 0);
  const std::vector<double> want = naive_matmul(a.to_vector<double>(), b.to_vector<double>(), {515, 700, 384}, false, true);
  const std::vector<double> got = two.to_vector<double>();
  double max_err = 0;
  for (std::size_t i = 0; i < got.size(); ++i) max_err = std::max(max_err, std::abs(got[i] - want[i]));
  BOOST_TEST(max_err <= tolerance(Dtype::Float32, 384));
}

BOOST_AUTO_TEST_CASE(matmul_follows_torch_semantics_for_every_rank_combination) {
  xg::manual_seed(5);
  const auto v = [](const Tensor& t) { return t.to_vector<double>(); };
  const Tensor m23 = random({2, 3}, Dtype::Float64), m34 = random({3, 4}, Dtype::Float64);
  const Tensor v3 = random({3}, Dtype::Float64), v3b = random({3}, Dtype::Float64);
  const Tensor b423 = random({4, 2, 3}, Dtype::Float64), b534 = random({5, 1, 3, 4}, Dtype::Float64);

  expect_values(xg::matmul(v3, v3b), {}, naive_matmul(v(v3), v(v3b), {1, 1, 3}, false, false), 1e-12);
  expect_values(xg::dot(v3, v3b), {}, naive_matmul(v(v3), v(v3b), {1, 1, 3}, false, false), 1e-12);
  expect_values(xg::matmul(m23, v3), {2}, naive_matmul(v(m23), v(v3), {2, 1, 3}, false, false), 1e-12);
  expect_values(xg::matmul(v3, m34), {4}, naive_matmul(v(v3), v(m34), {1, 4, 3}, false, false), 1e-12);
  expect_values(xg::matmul(m23, m34), {2, 4}, naive_matmul(v(m23), v(m34), {2, 4, 3}, false, false), 1e-12);
  expect_values(xg::outer(v3, v3b), {3, 3}, naive_matmul(v(v3), v(v3b), {3, 3, 1}, false, false), 1e-12);

  const Tensor bm = xg::matmul(b423, m34);  // [4, 2, 3] x [3, 4]
  BOOST_TEST_REQUIRE(bm.shape() == xg::Shape({4, 2, 4}));
  const Tensor bv = xg::matmul(b423, v3);  // [4, 2, 3] x [3]
  BOOST_TEST_REQUIRE(bv.shape() == xg::Shape({4, 2}));
  const Tensor vb = xg::matmul(v3, b534);  // [3] x [5, 1, 3, 4]
  BOOST_TEST_REQUIRE(vb.shape() == xg::Shape({5, 1, 4}));
  const Tensor bb = xg::matmul(b423, b534);  // [4, 2, 3] x [5, 1, 3, 4] -> [5, 4, 2, 4]
  BOOST_TEST_REQUIRE(bb.shape() == xg::Shape({5, 4, 2, 4}));
  for (std::int64_t i = 0; i < 4; ++i) {
    expect_values(bm[i], {2, 4}, naive_matmul(v(b423[i]), v(m34), {2, 4, 3}, false, false), 1e-12);
    expect_values(bv[i], {2}, naive_matmul(v(b423[i]), v(v3), {2, 1, 3}, false, false), 1e-12);
    for (std::int64_t j = 0; j < 5; ++j)
      expect_values(bb[j][i], {2, 4}, naive_matmul(v(b423[i]), v(b534[j][0]), {2, 4, 3}, false, false), 1e-12);
  }
  for (std::int64_t j = 0; j < 5; ++j)
    expect_values(vb[j], {1, 4}, naive_matmul(v(v3), v(b534[j][0]), {1, 4, 3}, false, false), 1e-12);
}

BOOST_AUTO_TEST_CASE(linear_is_x_times_weight_transposed_plus_bias) {
  xg::manual_seed(6);
  const Tensor x = random({2, 3, 5}, Dtype::Float32), w = random({4, 5}, Dtype::Float32), b = random({4}, Dtype::Float32);
  const std::vector<double> xw = naive_matmul(x.to_vector<double>(), w.to_vector<double>(), {6, 4, 5}, false, true);
  const std::vector<double> bias = b.to_vector<double>();
  std::vector<double> want = xw;
  for (std::size_t i = 0; i < want.size(); ++i) want[i] += bias[i % 4];
  expect_values(xg::linear(x, w, b), {2, 3, 4}, want, 1e-5);
  expect_values(xg::linear(x, w), {2, 3, 4}, xw, 1e-5);
  expect_values(xg::linear(x[0][0], w, b), {4}, std::vector<double>(want.begin(), want.begin() + 4), 1e-5);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_both_shapes) {
  using xg::ShapeError;
  expect_error<ShapeError>([] { xg::matmul(xg::ones({2, 3}), xg::ones({4, 5})); },
                           {"matmul: shapes [2, 3] and [4, 5] are not aligned (3 != 4)"});
  expect_error<ShapeError>([] { xg::kernels::matmul_raw(xg::ones({2, 3}), xg::ones({4, 5}), false, false); },
                           {"matmul: shapes [2, 3] and [4, 5] are not aligned (3 != 4)"});
  expect_error<ShapeError>([] { xg::matmul(xg::ones({3}), xg::ones({4})); }, {"matmul: shapes [3] and [4]", "(3 != 4)"});
  expect_error<ShapeError>([] { xg::matmul(xg::ones({2, 3}), xg::ones({2})); },
                           {"matmul: shapes [2, 3] and [2]", "(3 != 2)"});
  expect_error<ShapeError>([] { xg::matmul(xg::ones({}), xg::ones({3})); }, {"matmul: shapes [] and [3]", "at least 1-d"});
  expect_error<ShapeError>([] { xg::matmul(xg::ones({2, 2, 3}), xg::ones({5, 3, 4})); },
                           {"matmul: shapes [2, 2, 3] and [5, 3, 4]", "batch dimensions [2] and [5]"});
  expect_error<ShapeError>([] { xg::mm(xg::ones({2, 3}), xg::ones({3, 2}), false, true); },
                           {"mm: shapes [2, 3] and [3, 2] with trans_b are not aligned (3 != 2)"});
  expect_error<ShapeError>([] { xg::mm(xg::ones({3}), xg::ones({3, 2})); },
                           {"mm: shapes [3] and [3, 2]", "at least 2 dimensions"});
  expect_error<ShapeError>([] { xg::linear(xg::ones({2, 3}), xg::ones({4, 5})); },
                           {"linear: input of shape [2, 3] does not match weight of shape [4, 5]", "in_features = 5"});
  expect_error<ShapeError>([] { xg::linear(xg::ones({2, 5}), xg::ones({4, 5}), xg::ones({3})); },
                           {"linear: bias of shape [3]", "expected [4]"});
  expect_error<ShapeError>([] { xg::linear(xg::ones({2, 5}), xg::ones({5})); }, {"linear: weight must be 2-d", "[5]"});
  expect_error<ShapeError>([] { xg::dot(xg::ones({3}), xg::ones({4})); }, {"dot: shapes [3] and [4]", "same length"});
  expect_error<ShapeError>([] { xg::outer(xg::ones({3, 1}), xg::ones({4})); }, {"outer: shapes [3, 1] and [4]"});
}

BOOST_AUTO_TEST_SUITE_END()
