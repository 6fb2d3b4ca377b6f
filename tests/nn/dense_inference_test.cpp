// Dense's inference path (nn/transposed_weight.hpp): one float32 sample, or a batch when the units
// fill whole vectors, without autograd runs on a transposed copy of the weight. Its output must
// match the regular path, repeated calls must agree bit for bit, mostly-zero inputs (multiplied on
// their nonzeros only) must agree with it too unless a weight is NaN or infinite, and no write to the weight (raw pointer, copy_, optimizer step, load_state_dict, a kept
// pointer plus mark_modified) may leave a stale copy in use.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>
#include <xgrad/optim/optim.hpp>

#include "helpers.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

using xg::Tensor;
namespace nn = xg::nn;

namespace {

// The layer's output for row `row` of `batch`, through the batch path (two rows are never the
// single-sample case).
Tensor batch_path_row(nn::Dense& d, const Tensor& batch, std::int64_t row) {
  xg::NoGradGuard no_grad;
  return xg::select(d(batch), 0, row);
}

void expect_close(const Tensor& got, const Tensor& expected, const std::string& what) {
  BOOST_TEST_REQUIRE((got.shape() == expected.shape()), what << ": shape " << xg::shape_str(got.shape()));
  const auto g = got.to_vector<float>(), e = expected.to_vector<float>();
  for (std::size_t i = 0; i < g.size(); ++i)
    BOOST_TEST(std::abs(g[i] - e[i]) <= 1e-5f * (1.0f + std::abs(e[i])),
               what << ": element " << i << " is " << g[i] << ", expected " << e[i]);
}

// Runs the single-sample path three times (the first call makes the copy, the others reuse it),
// compares each result with the batch path, and the calls with each other bit for bit.
void expect_single_sample_matches(nn::Dense& d, const Tensor& batch, const std::string& what) {
  const Tensor expected = batch_path_row(d, batch, 0);
  xg::NoGradGuard no_grad;
  const auto version = d.weight.version();
  std::vector<float> first;
  for (int call = 0; call < 3; ++call) {
    const Tensor y = xg::select(d(xg::slice(batch, 0, 0, 1)), 0, 0);
    expect_close(y, expected, what + ", call " + std::to_string(call));
    if (call == 0) first = y.to_vector<float>();
    BOOST_TEST((y.to_vector<float>() == first), what << ": call " << call << " differs from the first in some bit");
  }
  // Reading the weight must not count as writing it, or the copy would never be reused.
  BOOST_TEST(d.weight.version() == version, what);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dense_single_sample_inference)

BOOST_AUTO_TEST_CASE(matches_the_batch_path_for_every_block_shape) {
  xg::manual_seed(3);
  for (const std::int64_t units : {1, 10, 17, 64, 256, 300})
    for (const std::string activation : {"linear", "relu", "softmax"})
      for (const bool use_bias : {true, false}) {
        nn::Dense d(units, {.in_features = 37, .activation = activation, .use_bias = use_bias});
        expect_single_sample_matches(d, xg::randn({2, 37}),
                                     "units " + std::to_string(units) + ", " + activation + ", bias " +
                                         std::to_string(use_bias));
      }
}

BOOST_AUTO_TEST_CASE(every_write_to_the_weight_is_seen) {
  xg::manual_seed(4);
  const Tensor batch = xg::randn({2, 20});
  const std::vector<std::pair<std::string, std::function<void(nn::Dense&)>>> writes{
      {"data<float>()", [](nn::Dense& d) { d.weight.data<float>()[3] += 1.0f; }},
      {"copy_", [](nn::Dense& d) { xg::NoGradGuard g; d.weight.copy_(xg::randn(d.weight.shape())); }},
      {"fill_", [](nn::Dense& d) { xg::NoGradGuard g; d.weight.fill_(0.25); }},
      {"bias only", [](nn::Dense& d) { xg::NoGradGuard g; d.bias.add_(xg::ones(d.bias.shape())); }},
      {"load_state_dict",
       [](nn::Dense& d) { d.load_state_dict({{"weight", xg::randn(d.weight.shape())}, {"bias", d.bias}}); }},
      {"optimizer step",
       [&](nn::Dense& d) {
         xg::optim::SGD sgd(d.parameters(), {.lr = 0.5});
         d(batch).sum().backward();
         sgd.step();
       }},
      {"kept pointer + mark_modified",
       [](nn::Dense& d) {
         float* p = d.weight.data<float>();
         xg::NoGradGuard g;
         d(xg::ones({1, 20}));  // the copy is made between taking the pointer and writing
         d(xg::ones({1, 20}));
         p[5] -= 2.0f;
         d.weight.mark_modified();
       }},
  };
  for (const auto& [name, write] : writes) {
    nn::Dense d(8, {.in_features = 20, .activation = "tanh"});
    expect_single_sample_matches(d, batch, name + ", before");
    write(d);
    expect_single_sample_matches(d, batch, name + ", after");
  }
}

BOOST_AUTO_TEST_CASE(a_batch_forward_drops_the_copy) {
  nn::Dense d(300, {.in_features = 500});
  const Tensor one = xg::randn({1, 500});
  {
    xg::NoGradGuard no_grad;
    d(one);  // one sample without autograd: the copy is made
  }
  BOOST_TEST(d.inference_copy_bytes() >= 500 * 304 * sizeof(float));
  d(xg::randn({2, 500}));  // a regular forward
  BOOST_TEST(d.inference_copy_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(batches_use_the_copy_when_units_fill_whole_vectors) {
  xg::manual_seed(5);
  for (const std::int64_t units : {16, 48, 64}) {
    nn::Dense d(units, {.in_features = 37, .activation = "relu"});
    const Tensor x = xg::randn({5, 37});
    const auto expected = [&] { return xg::relu(xg::linear(x, d.weight, d.bias)).detach(); };  // recorded: no copy
    for (int round = 0; round < 2; ++round) {
      const Tensor want = expected();
      xg::NoGradGuard no_grad;
      std::vector<float> first;
      for (int call = 0; call < 3; ++call) {
        const Tensor y = d(x);
        const std::string what = "units " + std::to_string(units) + ", round " + std::to_string(round);
        expect_close(y, want, what + ", call " + std::to_string(call));
        if (call == 0) first = y.to_vector<float>();
        BOOST_TEST((y.to_vector<float>() == first), what << ": call " << call << " differs in some bit");
      }
      BOOST_TEST(d.inference_copy_bytes() > 0u, "units " << units);
      d.weight.data<float>()[7] += 0.5f;  // the next round must see it
    }
  }
  nn::Dense ragged(10, {.in_features = 37});
  xg::NoGradGuard no_grad;
  for (int call = 0; call < 3; ++call) ragged(xg::randn({5, 37}));
  BOOST_TEST(ragged.inference_copy_bytes() == 0u);  // 10 outputs: padded Wt, batches stay regular
}

BOOST_AUTO_TEST_CASE(mostly_zero_inputs_skip_their_zeros) {
  xg::manual_seed(6);
  for (const std::int64_t units : {256, 512}) {
    nn::Dense d(units, {.in_features = 300, .activation = "relu"});
    const Tensor x = xg::randn({7, 300}) * (xg::rand({7, 300}) > 0.85);  // ~15% nonzero
    const Tensor want = xg::relu(xg::linear(x, d.weight, d.bias)).detach();  // recorded: the regular path
    xg::NoGradGuard no_grad;
    const Tensor batch = d(x);
    expect_close(batch, want, "units " + std::to_string(units) + ", batch");
    BOOST_TEST((d(x).to_vector<float>() == batch.to_vector<float>()), "units " << units << ": repeat differs");
    // One sample takes the same kernel on the same nonzeros: its row of the batch, bit for bit.
    for (const std::int64_t row : {0, 6})
      BOOST_TEST((d(xg::slice(x, 0, row, row + 1)).to_vector<float>() == xg::select(batch, 0, row).to_vector<float>()),
                 "units " << units << ", row " << row);
  }
}

BOOST_AUTO_TEST_CASE(non_finite_weights_still_multiply_the_zeros) {
  // 0 * NaN and 0 * inf are NaN: skipping the zero inputs would hide them.
  for (const float bad : {NAN, INFINITY}) {
    nn::Dense d(256, {.in_features = 40});
    d.weight.data<float>()[5 * 40 + 3] = bad;  // output 5, input 3, which is zero in x
    Tensor x = xg::zeros({2, 40});
    x.data<float>()[10] = 1.0f, x.data<float>()[40 + 10] = 1.0f;
    xg::NoGradGuard no_grad;
    BOOST_TEST(std::isnan(d(x).to_vector<float>()[5]), "batch, weight " << bad);
    BOOST_TEST(std::isnan(d(xg::slice(x, 0, 0, 1)).to_vector<float>()[5]), "one sample, weight " << bad);
    BOOST_TEST(std::isfinite(d(x).to_vector<float>()[6]), "an unaffected output, weight " << bad);
  }
}

BOOST_AUTO_TEST_CASE(recorded_products_keep_the_autograd_path) {
  nn::Dense d(4, {.in_features = 3});
  const Tensor x = xg::randn({1, 3});
  for (int call = 0; call < 3; ++call) {
    const Tensor y = d(x);
    BOOST_TEST(y.requires_grad());  // the weight requires grad: the product is recorded
    y.sum().backward();
  }
  BOOST_TEST(d.weight.grad().defined());
}

BOOST_AUTO_TEST_SUITE_END()
