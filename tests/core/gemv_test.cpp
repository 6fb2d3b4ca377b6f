// The single-sample Dense kernel (core/kernels/gemv.hpp): every instruction-set variant this CPU
// runs, dense and on listed nonzeros, against a float64 reference, over output counts that hit
// each register block (1, 4 and 16 vectors, tails of a padded vector) and input counts that hit
// the split-sum remainders; the nonzero lister; and the sparse batch driver.
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/gemv.hpp>
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

struct Problem {
  std::int64_t in, out;
  std::vector<float> x, w, bias;  // w [out, in]
};

Problem random_problem(std::int64_t in, std::int64_t out) {
  xg::manual_seed(static_cast<std::uint64_t>(in * 1000 + out));
  const auto values = [](std::int64_t n) { return n == 0 ? std::vector<float>{} : xg::randn({n}).to_vector<float>(); };
  return {in, out, values(in), values(out * in), values(out)};
}

// x with about `keep` of its entries nonzero (the rest exactly zero).
std::vector<float> sparsified(std::vector<float> x, double keep) {
  const auto u = xg::rand({static_cast<std::int64_t>(x.size())}).to_vector<float>();
  for (std::size_t i = 0; i < x.size(); ++i)
    if (u[i] >= keep) x[i] = 0.0f;
  return x;
}

// 64-byte aligned storage for the padded transpose of p.w, as the kernels require.
struct PaddedTranspose {
  xg::Tensor storage;
  float* wt;
  explicit PaddedTranspose(const Problem& p)
      : storage(xg::empty({std::max<std::int64_t>(p.in, 1) * xg::kernels::padded_output_width(p.out)})),
        wt(storage.data<float>()) {
    xg::kernels::transpose_padded(p.w.data(), p.out, p.in, wt);
  }
};

// |y - x w^T - bias| within float rounding of the sum of |products|, for every output.
void expect_matches_reference(const Problem& p, const std::vector<float>& x, const std::vector<float>& y,
                              bool with_bias, const std::string& what) {
  for (std::int64_t o = 0; o < p.out; ++o) {
    double expected = with_bias ? p.bias[o] : 0.0, scale = std::abs(expected);
    for (std::int64_t i = 0; i < p.in; ++i) {
      expected += double(x[i]) * double(p.w[o * p.in + i]);
      scale += std::abs(double(x[i]) * double(p.w[o * p.in + i]));
    }
    BOOST_TEST(std::abs(y[o] - expected) <= 1e-6 * (scale + 1.0),
               what << " in=" << p.in << " out=" << p.out << " bias=" << with_bias << " y[" << o << "] = " << y[o]
                    << ", expected " << expected);
  }
}

const std::vector<std::pair<std::int64_t, std::int64_t>> kShapes{{1, 1},    {3, 10},   {7, 16}, {5, 17},
                                                                  {784, 256}, {33, 300}, {6, 1024}, {0, 4}};

}  // namespace

BOOST_AUTO_TEST_SUITE(row_times_transposed_kernel)

BOOST_AUTO_TEST_CASE(padding_columns_are_zero) {
  BOOST_TEST(xg::kernels::padded_output_width(1) == 16);
  BOOST_TEST(xg::kernels::padded_output_width(16) == 16);
  BOOST_TEST(xg::kernels::padded_output_width(17) == 32);
  const Problem p = random_problem(3, 5);
  std::vector<float> wt(3 * 16, -1.0f);
  xg::kernels::transpose_padded(p.w.data(), 5, 3, wt.data());
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t o = 0; o < 16; ++o)
      BOOST_TEST(wt[i * 16 + o] == (o < 5 ? p.w[o * 3 + i] : 0.0f), "wt[" << i << ", " << o << "]");
}

BOOST_AUTO_TEST_CASE(every_variant_matches_a_float64_reference) {
  const auto variants = xg::kernels::row_times_transposed_variants();
  BOOST_TEST(std::string(variants.back().name) == "scalar");
  for (const auto [in, out] : kShapes) {
    const Problem p = random_problem(in, out);
    const PaddedTranspose wt(p);
    for (const auto& variant : variants)
      for (const bool with_bias : {true, false}) {
        std::vector<float> y(static_cast<std::size_t>(out), NAN);
        variant.run(p.x.data(), in, wt.wt, out, with_bias ? p.bias.data() : nullptr, y.data());
        expect_matches_reference(p, p.x, y, with_bias, variant.name);
      }
  }
}

BOOST_AUTO_TEST_CASE(list_nonzeros_finds_every_nonzero_in_order) {
  for (const std::int64_t in : {0, 5, 16, 37, 784}) {
    xg::manual_seed(static_cast<std::uint64_t>(in));
    std::vector<float> x = sparsified(in == 0 ? std::vector<float>{} : xg::randn({in}).to_vector<float>(), 0.3);
    if (in > 20) x[3] = -0.0f, x[17] = NAN, x[19] = -INFINITY;  // -0 is zero; NaN and inf are not
    std::vector<std::int32_t> index(static_cast<std::size_t>(in + 16), -1);
    std::vector<float> value(static_cast<std::size_t>(in + 16));
    const std::int64_t count = xg::kernels::list_nonzeros(x.data(), in, index.data(), value.data());
    std::vector<std::int32_t> expected;
    for (std::int64_t i = 0; i < in; ++i)
      if (x[i] != 0.0f || std::isnan(x[i])) expected.push_back(static_cast<std::int32_t>(i));
    BOOST_TEST_REQUIRE(count == static_cast<std::int64_t>(expected.size()), "in=" << in);
    BOOST_TEST(xg::kernels::count_nonzeros(x.data(), in) == count, "in=" << in);
    for (std::int64_t k = 0; k < count; ++k) {
      BOOST_TEST(index[k] == expected[k], "in=" << in << " entry " << k);
      const float want = x[expected[k]];
      BOOST_TEST((value[k] == want || (std::isnan(value[k]) && std::isnan(want))), "in=" << in << " entry " << k);
    }
  }
}

BOOST_AUTO_TEST_CASE(listed_rows_match_the_reference_and_the_dense_kernel) {
  for (const auto [in, out] : kShapes) {
    const Problem p = random_problem(in, out);
    const std::vector<float> x = sparsified(p.x, 0.2);
    std::vector<std::int32_t> index(static_cast<std::size_t>(in + 16));
    std::vector<float> value(static_cast<std::size_t>(in + 16));
    const std::int64_t count = xg::kernels::list_nonzeros(x.data(), in, index.data(), value.data());
    const PaddedTranspose wt(p);
    for (const auto& variant : xg::kernels::row_times_transposed_variants())
      for (const bool with_bias : {true, false}) {
        const float* bias = with_bias ? p.bias.data() : nullptr;
        std::vector<float> listed(static_cast<std::size_t>(out), NAN), dense(listed);
        variant.run_listed(index.data(), value.data(), count, wt.wt, out, bias, listed.data());
        expect_matches_reference(p, x, listed, with_bias, std::string(variant.name) + " listed");
        // Whole 16-vector blocks sum in order in both, and the skipped terms are exact zeros.
        if (out % 256 == 0 && std::string(variant.name) != "scalar") {
          variant.run(x.data(), in, wt.wt, out, bias, dense.data());
          for (std::int64_t o = 0; o < out; ++o)
            BOOST_TEST(listed[o] == dense[o], variant.name << " in=" << in << " out=" << out << " y[" << o << "]");
        }
      }
  }
}

BOOST_AUTO_TEST_CASE(sparse_rows_are_bitwise_the_one_row_calls) {
  const Problem p = random_problem(97, 256);
  const std::int64_t rows = 37;
  const std::vector<float> x = sparsified(xg::randn({rows * p.in}).to_vector<float>(), 0.2);
  const PaddedTranspose wt(p);
  std::vector<float> y(static_cast<std::size_t>(rows * p.out), NAN), one(static_cast<std::size_t>(p.out));
  const int configured = xg::get_num_threads();
  for (const int threads : {1, 2}) {
    xg::set_num_threads(threads);
    xg::kernels::sparse_rows_times_transposed(x.data(), rows, p.in, wt.wt, p.out, p.bias.data(), y.data());
    for (std::int64_t r = 0; r < rows; ++r) {
      std::vector<std::int32_t> index(static_cast<std::size_t>(p.in + 16));
      std::vector<float> value(index.size());
      const std::int64_t count = xg::kernels::list_nonzeros(x.data() + r * p.in, p.in, index.data(), value.data());
      xg::kernels::listed_row_times_transposed(index.data(), value.data(), count, wt.wt, p.out, p.bias.data(),
                                               one.data());
      BOOST_TEST((std::vector<float>(y.begin() + r * p.out, y.begin() + (r + 1) * p.out) == one),
                 "row " << r << " at " << threads << " threads");
    }
  }
  xg::set_num_threads(configured);
}

BOOST_AUTO_TEST_SUITE_END()
