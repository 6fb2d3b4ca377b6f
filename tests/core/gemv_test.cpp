// The single-sample Dense kernel (core/kernels/gemv.hpp): every instruction-set variant this CPU
// runs against a float64 reference, over output counts that hit each register block (1, 4 and
// 16 vectors, tails of a padded vector) and input counts that hit the split-sum remainders.
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
  for (const auto [in, out] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {1, 1}, {3, 10}, {7, 16}, {5, 17}, {784, 256}, {33, 300}, {6, 1024}, {0, 4}}) {
    const Problem p = random_problem(in, out);
    const std::int64_t ld = xg::kernels::padded_output_width(out);
    // 64-byte aligned, as the kernel requires (tensor storage is).
    xg::Tensor wt_storage = xg::empty({std::max<std::int64_t>(in, 1) * ld});
    float* wt = wt_storage.data<float>();
    xg::kernels::transpose_padded(p.w.data(), out, in, wt);
    for (const auto& variant : variants)
      for (const bool with_bias : {true, false}) {
        std::vector<float> y(static_cast<std::size_t>(out), NAN);
        variant.run(p.x.data(), in, wt, out, with_bias ? p.bias.data() : nullptr, y.data());
        for (std::int64_t o = 0; o < out; ++o) {
          double expected = with_bias ? p.bias[o] : 0.0, scale = std::abs(expected);
          for (std::int64_t i = 0; i < in; ++i) {
            expected += double(p.x[i]) * double(p.w[o * in + i]);
            scale += std::abs(double(p.x[i]) * double(p.w[o * in + i]));
          }
          BOOST_TEST(std::abs(y[o] - expected) <= 1e-6 * (scale + 1.0),
                     variant.name << " in=" << in << " out=" << out << " bias=" << with_bias << " y[" << o
                                  << "] = " << y[o] << ", expected " << expected);
        }
      }
  }
}

BOOST_AUTO_TEST_SUITE_END()
