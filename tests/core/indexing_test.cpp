// Indexing and joining ops: hand-checked forward values, gradients that land on the right
// positions, the view property of batch slices, negative indices, every validation error (type
// and message), and bitwise-reproducible accumulation at any thread count.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "expect.hpp"

#include <cstdint>
#include <vector>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

Tensor ints(const xg::NestedList& values) { return xg::tensor(values, {.dtype = xg::Dtype::Int64}); }

// 2 x 5: 0 1 2 3 4 / 5 6 7 8 9
Tensor grid() { return xg::arange(0, 10).reshape({2, 5}); }

// d(sum(w * f(x)))/dx for a float64 leaf x, with the weights w = 1, 2, 3, ... over f's output.
template <class F> Tensor weighted_grad(const Tensor& x_values, F f) {
  Tensor x = x_values.to(xg::Dtype::Float64).detach().requires_grad_();
  Tensor y = f(x);
  Tensor w = xg::arange(1, static_cast<double>(y.numel()) + 1, 1, {.dtype = xg::Dtype::Float64}).reshape(y.shape());
  (y * w).sum().backward();
  return x.grad();
}

// Restores the thread bound on scope exit.
struct ThreadBound {
  int saved = xg::get_num_threads();
  ~ThreadBound() { xg::set_num_threads(saved); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(indexing)

// ---- slice / narrow / select ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(slice_axis0_is_a_view) {
  Tensor x = xg::tensor({{1, 2}, {3, 4}, {5, 6}});
  Tensor s = xg::slice(x, 0, 1, 3);
  expect_values(s, {2, 2}, {3, 4, 5, 6});
  BOOST_TEST(s.shares_storage(x));
  s.fill_(0);  // writes through to x
  expect_values(x, {3, 2}, {1, 2, 0, 0, 0, 0});
}

BOOST_AUTO_TEST_CASE(slice_strided_and_inner_axes_copy) {
  const Tensor x = grid();
  Tensor s = xg::slice(x, 1, 0, 5, 2);
  expect_values(s, {2, 3}, {0, 2, 4, 5, 7, 9});
  BOOST_TEST(!s.shares_storage(x));
  expect_values(xg::slice(x, 1, 1, 3), {2, 2}, {1, 2, 6, 7});
  expect_values(xg::slice(x, 0, 0, 2, 2), {1, 5}, {0, 1, 2, 3, 4});
}

BOOST_AUTO_TEST_CASE(slice_negative_and_clamped_bounds) {
  const Tensor x = grid();
  expect_values(xg::slice(x, -1, -3, 100), {2, 3}, {2, 3, 4, 7, 8, 9});
  expect_values(xg::slice(x, 1, -100, 2), {2, 2}, {0, 1, 5, 6});
  expect_values(xg::slice(x, 1, -4, -1, 2), {2, 2}, {1, 3, 6, 8});
  expect_values(xg::slice(x, 1, 4, 2), {2, 0}, {});
  expect_values(xg::slice(x, 0, 5, 9), {0, 5}, {});
  expect_error<xg::ValueError>([&] { xg::slice(x, 1, 0, 5, 0); }, {"slice", "step must be positive, got 0"});
  expect_error<xg::IndexError>([&] { xg::slice(x, 2, 0, 1); }, {"slice", "axis 2 is out of range"});
  expect_error<xg::ShapeError>([] { xg::slice(xg::scalar_tensor(1), 0, 0, 1); }, {"slice", "0-d"});
}

BOOST_AUTO_TEST_CASE(slice_gradient_scatters_into_zeros) {
  expect_values(weighted_grad(grid(), [](const Tensor& x) { return xg::slice(x, 1, 1, 5, 2); }), {2, 5},
                {0, 1, 0, 2, 0, 0, 3, 0, 4, 0});
  expect_values(weighted_grad(grid(), [](const Tensor& x) { return xg::slice(x, 0, 1, 2); }), {2, 5},
                {0, 0, 0, 0, 0, 1, 2, 3, 4, 5});
  // slice_backward is the adjoint: zeros with the gradient at the sliced positions.
  expect_values(xg::slice_backward(xg::tensor({{1, 2}, {3, 4}}), {2, 5}, 1, -4, 5, 2), {2, 5},
                {0, 1, 0, 2, 0, 0, 3, 0, 4, 0});
  expect_error<xg::ShapeError>([] { xg::slice_backward(xg::ones({2, 3}), {2, 5}, 1, 1, 5, 2); },
                               {"slice_backward", "[2, 3]", "2 positions along axis 1", "[2, 5]"});
}

BOOST_AUTO_TEST_CASE(narrow_values_and_errors) {
  const Tensor x = grid();
  expect_values(xg::narrow(x, 1, -2, 2), {2, 2}, {3, 4, 8, 9});
  Tensor rows = xg::narrow(x, 0, 1, 1);
  expect_values(rows, {1, 5}, {5, 6, 7, 8, 9});
  BOOST_TEST(rows.shares_storage(x));
  expect_error<xg::IndexError>([&] { xg::narrow(x, 1, 1, 5); },
                               {"narrow", "length 5 from start 1", "axis 1 of size 5", "0..4"});
  expect_error<xg::IndexError>([&] { xg::narrow(x, 0, 3, 0); }, {"narrow", "start 3 is out of range", "-2..2"});
}

BOOST_AUTO_TEST_CASE(select_and_subscript) {
  const Tensor x = grid();
  expect_values(xg::select(x, 1, -1), {2}, {4, 9});
  expect_values(xg::select(x, 1, 2), {2}, {2, 7});
  Tensor row = x[1];
  expect_values(row, {5}, {5, 6, 7, 8, 9});
  BOOST_TEST(row.shares_storage(x));
  expect_values(x[-2], {5}, {0, 1, 2, 3, 4});
  expect_values(x[1][-1], {}, {9});
  expect_values(weighted_grad(grid(), [](const Tensor& t) { return t[-1]; }), {2, 5}, {0, 0, 0, 0, 0, 1, 2, 3, 4, 5});
  expect_error<xg::IndexError>([&] { x[2]; }, {"select", "index 2 is out of range for axis 0 of size 2", "-2..1"});
  expect_error<xg::IndexError>([&] { xg::select(x, 1, -6); }, {"select", "index -6", "axis 1 of size 5", "-5..4"});
  expect_error<xg::ShapeError>([] { xg::scalar_tensor(3)[0]; }, {"select", "at least 1 dimension"});
}

// ---- index_select / index_add -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(index_select_values_and_gradient) {
  const Tensor x = xg::tensor({{1, 2}, {3, 4}, {5, 6}});
  expect_values(xg::index_select(x, 0, ints({2, 0, 2})), {3, 2}, {5, 6, 1, 2, 5, 6});
  expect_values(xg::index_select(x, -1, ints({1, 1, 0})), {3, 3}, {2, 2, 1, 4, 4, 3, 6, 6, 5});
  expect_values(xg::index_select(x, 0, ints({2}).reshape({1})), {1, 2}, {5, 6});
  // Repeated rows accumulate their gradients: weights 1 2 | 3 4 | 5 6 on rows 2, 0, 2.
  expect_values(weighted_grad(x, [](const Tensor& t) { return xg::index_select(t, 0, ints({2, 0, 2})); }), {3, 2},
                {3, 4, 0, 0, 6, 8});
}

BOOST_AUTO_TEST_CASE(index_select_errors) {
  const Tensor x = xg::tensor({{1, 2}, {3, 4}, {5, 6}});
  expect_error<xg::IndexError>([&] { xg::index_select(x, 0, ints({0, 3})); },
                               {"index_select", "index 3 is out of range for axis 0 of size 3", "0 <= index < 3"});
  expect_error<xg::IndexError>([&] { xg::index_select(x, 1, ints({-1})); },
                               {"index_select", "index -1 is out of range for axis 1 of size 2"});
  expect_error<xg::DtypeError>([&] { xg::index_select(x, 0, xg::tensor({0, 1})); },
                               {"index_select", "int64", "float32"});
  expect_error<xg::ShapeError>([&] { xg::index_select(x, 0, ints({{0}, {1}})); },
                               {"index_select", "1-d", "[2, 1]"});
}

BOOST_AUTO_TEST_CASE(index_add_values_and_errors) {
  const Tensor src = xg::tensor({{1, 2}, {3, 4}, {5, 6}});
  expect_values(xg::index_add(xg::zeros({3, 2}), 0, ints({0, 2, 0}), src), {3, 2}, {6, 8, 0, 0, 3, 4});
  expect_values(xg::index_add(xg::ones({2, 3}), 1, ints({2, 2}), xg::tensor({{1, 2}, {3, 4}})), {2, 3},
                {1, 1, 4, 1, 1, 8});
  expect_error<xg::ShapeError>([&] { xg::index_add(xg::zeros({3, 2}), 0, ints({0, 1}), src); },
                               {"index_add", "src has shape [3, 2]", "expected [2, 2]"});
  expect_error<xg::IndexError>([&] { xg::index_add(xg::zeros({3, 2}), 0, ints({0, 1, 5}), src); },
                               {"index_add", "index 5 is out of range for axis 0 of size 3"});
  expect_error<xg::DtypeError>(
      [&] { xg::index_add(xg::zeros({3, 2}, {.dtype = xg::Dtype::Float64}), 0, ints({0, 1, 2}), src); },
      {"index_add", "float32", "float64"});
}

// ---- gather / scatter_add -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(gather_values) {
  const Tensor x = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  // Cross-entropy's pattern: one column per row.
  expect_values(xg::gather(x, 1, ints({{2}, {0}})), {2, 1}, {3, 4});
  expect_values(xg::gather(x, -1, ints({{2, 2, 1}, {0, 1, 0}})), {2, 3}, {3, 3, 2, 4, 5, 4});
  // axis 0: out[i][j] = x[index[i][j]][j], with an index narrower than x.
  expect_values(xg::gather(x, 0, ints({{1, 0}})), {1, 2}, {4, 2});
  expect_values(xg::gather(x, 0, ints({{1, 0, 1}, {0, 0, 1}})), {2, 3}, {4, 2, 6, 1, 2, 6});
}

BOOST_AUTO_TEST_CASE(gather_gradient_accumulates_repeats) {
  const Tensor x = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  // weights 1 2 | 3 4 at columns {2, 2} and {0, 1}.
  expect_values(weighted_grad(x, [](const Tensor& t) { return xg::gather(t, 1, ints({{2, 2}, {0, 1}})); }), {2, 3},
                {0, 0, 3, 3, 4, 0});
}

BOOST_AUTO_TEST_CASE(gather_errors) {
  const Tensor x = xg::tensor({{1, 2, 3, 4, 5}});
  expect_error<xg::IndexError>([&] { xg::gather(x, 1, ints({{7}})); },
                               {"gather: index 7 is out of range for axis 1 of size 5"});
  expect_error<xg::IndexError>([&] { xg::gather(x, 1, ints({{-1}})); }, {"gather", "index -1", "0 <= index < 5"});
  expect_error<xg::ShapeError>([&] { xg::gather(x, 1, ints({0, 1})); },
                               {"gather", "index has shape [2] (rank 1)", "x has shape [1, 5] (rank 2)"});
  expect_error<xg::ShapeError>([&] { xg::gather(x, 1, ints({{0}, {1}})); },
                               {"gather", "[2, 1]", "[1, 5]", "axis 0"});
  expect_error<xg::DtypeError>([&] { xg::gather(x, 1, xg::tensor({{0}})); }, {"gather", "int64", "float32"});
  expect_error<xg::IndexError>([&] { xg::gather(x, 2, ints({{0}})); }, {"gather", "axis 2 is out of range"});
}

BOOST_AUTO_TEST_CASE(scatter_add_values_and_gradients) {
  const Tensor src = xg::tensor({{1, 2}, {3, 4}});
  expect_values(xg::scatter_add(xg::zeros({2, 3}), 1, ints({{2, 2}, {0, 1}}), src), {2, 3}, {0, 0, 3, 3, 4, 0});
  expect_values(xg::scatter_add(xg::ones({3, 2}), 0, ints({{2, 0}, {2, 2}}), src), {3, 2}, {1, 3, 1, 1, 5, 5});
  // d/dsrc = gather of the output gradient: weights 1 2 3 | 4 5 6 read at {2, 2} and {0, 1}.
  Tensor self = xg::zeros({2, 3}, {.dtype = xg::Dtype::Float64, .requires_grad = true});
  Tensor s = src.to(xg::Dtype::Float64).detach().requires_grad_();
  Tensor w = xg::arange(1, 7, 1, {.dtype = xg::Dtype::Float64}).reshape({2, 3});
  (xg::scatter_add(self, 1, ints({{2, 2}, {0, 1}}), s) * w).sum().backward();
  expect_values(s.grad(), {2, 2}, {3, 3, 4, 5});
  expect_values(self.grad(), {2, 3}, {1, 2, 3, 4, 5, 6});
}

BOOST_AUTO_TEST_CASE(scatter_add_errors) {
  const Tensor self = xg::zeros({2, 3});
  expect_error<xg::IndexError>([&] { xg::scatter_add(self, 1, ints({{3}, {0}}), xg::ones({2, 1})); },
                               {"scatter_add: index 3 is out of range for axis 1 of size 3"});
  expect_error<xg::ShapeError>([&] { xg::scatter_add(self, 1, ints({{0}, {1}}), xg::ones({2, 2})); },
                               {"scatter_add", "src has shape [2, 2]", "index has shape [2, 1]"});
  expect_error<xg::ShapeError>([&] { xg::scatter_add(self, 1, ints({0, 1}), xg::ones({2})); },
                               {"scatter_add", "rank 1", "self has shape [2, 3] (rank 2)"});
  expect_error<xg::DtypeError>(
      [&] { xg::scatter_add(self, 1, ints({{0}, {1}}), xg::ones({2, 1}, {.dtype = xg::Dtype::Float64})); },
      {"scatter_add", "float64", "float32"});
}

BOOST_AUTO_TEST_CASE(accumulation_is_bitwise_reproducible_across_thread_counts) {
  ThreadBound restore;
  xg::manual_seed(7);
  // Many repeats per output element, in both the row-parallel (axis 1) and the column-block
  // (axis 0) layouts of the kernels.
  const Tensor src1 = xg::randn({512, 400}), idx1 = xg::randint(0, 7, {512, 400});
  const Tensor src0 = xg::randn({600, 3000}), idx0 = xg::randint(0, 5, {600, 3000});
  const Tensor rows = xg::randint(0, 4, {600});
  auto run = [&] {
    return std::vector<std::vector<float>>{
        xg::scatter_add(xg::zeros({512, 7}), 1, idx1, src1).to_vector<float>(),
        xg::scatter_add(xg::zeros({5, 3000}), 0, idx0, src0).to_vector<float>(),
        xg::index_add(xg::zeros({4, 3000}), 0, rows, src0).to_vector<float>()};
  };
  xg::set_num_threads(1);
  const auto serial = run();
  xg::set_num_threads(2);
  const auto parallel = run();
  for (std::size_t i = 0; i < serial.size(); ++i) BOOST_TEST(serial[i] == parallel[i]);  // exact equality
  // And the result is the index-order sum: check one column of the axis-0 scatter by hand.
  const auto s = src0.to_vector<float>();
  const auto ix = idx0.to_vector<std::int64_t>();
  std::vector<float> column(5, 0.0f);
  for (std::int64_t j = 0; j < 600; ++j) column[ix[j * 3000 + 17]] += s[j * 3000 + 17];
  for (std::int64_t r = 0; r < 5; ++r) BOOST_TEST(serial[1][r * 3000 + 17] == column[r]);
}

// ---- concat / stack / split / chunk ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(concat_values_and_gradient) {
  const Tensor a = xg::tensor({{1, 2}}), b = xg::tensor({{3, 4}, {5, 6}});
  expect_values(xg::concat({a, b}, 0), {3, 2}, {1, 2, 3, 4, 5, 6});
  expect_values(xg::cat({b, a.reshape({2, 1})}, -1), {2, 3}, {3, 4, 1, 5, 6, 2});
  expect_values(xg::concat({b}, 1), {2, 2}, {3, 4, 5, 6});
  Tensor ad = a.to(xg::Dtype::Float64).detach().requires_grad_();
  Tensor bd = b.to(xg::Dtype::Float64).detach().requires_grad_();
  Tensor w = xg::arange(1, 7, 1, {.dtype = xg::Dtype::Float64}).reshape({2, 3});
  (xg::concat({bd, ad.reshape({2, 1})}, 1) * w).sum().backward();
  expect_values(bd.grad(), {2, 2}, {1, 2, 4, 5});
  expect_values(ad.grad(), {1, 2}, {3, 6});
}

BOOST_AUTO_TEST_CASE(concat_errors) {
  expect_error<xg::ValueError>([] { xg::concat({}, 0); }, {"concat", "empty list"});
  expect_error<xg::ShapeError>([] { xg::concat({xg::ones({2, 2}), xg::ones({3, 3})}, 0); },
                               {"concat", "tensor 1 has shape [3, 3]", "tensor 0 has shape [2, 2]", "except along axis 0"});
  expect_error<xg::ShapeError>([] { xg::concat({xg::ones({2, 2}), xg::ones({2})}, 1); },
                               {"concat", "tensor 1 has shape [2]", "same rank"});
  expect_error<xg::DtypeError>([] { xg::concat({xg::ones({2}), xg::ones({2}, {.dtype = xg::Dtype::Float64})}, 0); },
                               {"concat", "tensor 1 has dtype float64", "float32"});
  expect_error<xg::IndexError>([] { xg::concat({xg::ones({2})}, 1); }, {"concat", "axis 1 is out of range"});
}

BOOST_AUTO_TEST_CASE(stack_values_and_errors) {
  const Tensor a = xg::tensor({1, 2}), b = xg::tensor({3, 4});
  expect_values(xg::stack({a, b}), {2, 2}, {1, 2, 3, 4});
  expect_values(xg::stack({a, b}, -1), {2, 2}, {1, 3, 2, 4});
  expect_values(xg::stack({xg::scalar_tensor(5), xg::scalar_tensor(6)}), {2}, {5, 6});
  expect_error<xg::ValueError>([] { xg::stack({}); }, {"stack", "empty list"});
  expect_error<xg::ShapeError>([&] { xg::stack({a, xg::ones({3})}); },
                               {"stack", "tensor 1 has shape [3]", "tensor 0 has shape [2]"});
  expect_error<xg::IndexError>([&] { xg::stack({a, b}, 2); }, {"stack", "axis 2 is out of range"});
}

BOOST_AUTO_TEST_CASE(split_and_chunk) {
  const Tensor x = xg::arange(0, 5);
  const auto pieces = xg::split(x, 2);
  BOOST_TEST_REQUIRE(pieces.size() == 3u);
  expect_values(pieces[0], {2}, {0, 1});
  expect_values(pieces[1], {2}, {2, 3});
  expect_values(pieces[2], {1}, {4});
  BOOST_TEST(pieces[2].shares_storage(x));
  const auto cols = xg::split(grid(), 3, 1);
  BOOST_TEST_REQUIRE(cols.size() == 2u);
  expect_values(cols[1], {2, 2}, {3, 4, 8, 9});
  const auto chunks = xg::chunk(x, 3);
  BOOST_TEST_REQUIRE(chunks.size() == 3u);
  expect_values(chunks[2], {1}, {4});
  BOOST_TEST(xg::chunk(xg::arange(0, 6), 4).size() == 3u);  // pieces of ceil(6 / 4) = 2, like torch.chunk
  BOOST_TEST(xg::split(xg::ones({0, 2}), 2).size() == 1u);
  expect_error<xg::ValueError>([&] { xg::split(x, 0); }, {"split", "size must be positive, got 0"});
  expect_error<xg::ValueError>([&] { xg::chunk(x, -1); }, {"chunk", "chunks must be positive, got -1"});
}

BOOST_AUTO_TEST_SUITE_END()
