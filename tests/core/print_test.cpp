// Printing: exact strings in PyTorch's format (torch/_tensor_str.py with default print options;
// dtype names and `requires_grad=true` in xgrad's spelling).
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/core/creation.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <sstream>

using namespace xg;

BOOST_AUTO_TEST_SUITE(print)

BOOST_AUTO_TEST_CASE(whole_numbers) {
  Tensor x = ones({3}, {.requires_grad = true});
  (x * x).sum().backward();
  BOOST_TEST(to_string(x.grad()) == "tensor([2., 2., 2.])");
  BOOST_TEST(to_string(tensor({{1, 2}, {3, 4}})) == "tensor([[1., 2.],\n        [3., 4.]])");
  BOOST_TEST(to_string(tensor({-1, 10, 0})) == "tensor([-1., 10.,  0.])");
  BOOST_TEST(to_string(zeros({2})) == "tensor([0., 0.])");
  std::ostringstream os;
  os << tensor({5, 6});
  BOOST_TEST(os.str() == "tensor([5., 6.])");
}

BOOST_AUTO_TEST_CASE(fixed_four_decimals) {
  BOOST_TEST(to_string(tensor({1.5, -2.25, 0.125})) == "tensor([ 1.5000, -2.2500,  0.1250])");
  BOOST_TEST(to_string(tensor({1.0 / 3, 2.0 / 3})) == "tensor([0.3333, 0.6667])");
  // One width for the whole tensor, right-aligned.
  BOOST_TEST(to_string(tensor({{1.5, -10.25}, {100.125, 0.5}})) ==
             "tensor([[  1.5000, -10.2500],\n"
             "        [100.1250,   0.5000]])");
}

BOOST_AUTO_TEST_CASE(int64) {
  BOOST_TEST(to_string(tensor({1, 2, 3}, {.dtype = kInt64})) == "tensor([1, 2, 3], dtype=int64)");
  BOOST_TEST(to_string(tensor({-10, 5, 100}, {.dtype = kInt64})) == "tensor([-10,   5, 100], dtype=int64)");
  // Exact beyond 2^53, where a double would round.
  BOOST_TEST(to_string(from_vector(std::vector<std::int64_t>{9007199254740993}, {1})) ==
             "tensor([9007199254740993], dtype=int64)");
}

BOOST_AUTO_TEST_CASE(zero_dimensional) {
  BOOST_TEST(to_string(scalar_tensor(3.5)) == "tensor(3.5000)");
  BOOST_TEST(to_string(scalar_tensor(2)) == "tensor(2.)");
  BOOST_TEST(to_string(scalar_tensor(0)) == "tensor(0.)");
  BOOST_TEST(to_string(scalar_tensor(7, {.dtype = kInt64})) == "tensor(7, dtype=int64)");
  BOOST_TEST(to_string(scalar_tensor(-1e-6)) == "tensor(-1.0000e-06)");
}

BOOST_AUTO_TEST_CASE(scientific_for_wide_ranges) {
  BOOST_TEST(to_string(tensor({1e-5, 1.0})) == "tensor([1.0000e-05, 1.0000e+00])");
  BOOST_TEST(to_string(tensor({0.001, 1.5})) == "tensor([1.0000e-03, 1.5000e+00])");  // ratio > 1000
  BOOST_TEST(to_string(tensor({1, 10000})) == "tensor([1.0000e+00, 1.0000e+04])");  // whole, ratio > 1000
  BOOST_TEST(to_string(tensor({1, 1000})) == "tensor([   1., 1000.])");            // ratio exactly 1000
  BOOST_TEST(to_string(tensor({1e9})) == "tensor([1.0000e+09])");                   // above 1e8
  BOOST_TEST(to_string(tensor({-1e-5, 2})) == "tensor([-1.0000e-05,  2.0000e+00])");
}

BOOST_AUTO_TEST_CASE(non_finite_values) {
  BOOST_TEST(to_string(tensor({NAN, 1, INFINITY, -INFINITY})) == "tensor([nan, 1., inf, -inf])");
  BOOST_TEST(to_string(tensor({NAN, 0.5})) == "tensor([   nan, 0.5000])");
}

BOOST_AUTO_TEST_CASE(suffixes) {
  BOOST_TEST(to_string(tensor({0.5, 1}, {.dtype = kFloat64})) == "tensor([0.5000, 1.0000], dtype=float64)");
  BOOST_TEST(to_string(ones({2}, {.requires_grad = true})) == "tensor([1., 1.], requires_grad=true)");
  BOOST_TEST(to_string(ones({2}, {.dtype = kFloat64, .requires_grad = true})) ==
             "tensor([1., 1.], dtype=float64, requires_grad=true)");
  const Tensor a = tensor({1, 2}, {.requires_grad = true});
  BOOST_TEST(to_string(a * tensor({2, 3})) == "tensor([2., 6.], grad_fn=<MulBackward>)");
  BOOST_TEST(to_string(a.sum()) == "tensor(3., grad_fn=<SumBackward>)");
  BOOST_TEST(to_string((a * a).detach()) == "tensor([1., 4.])");
  BOOST_TEST(to_string(Tensor()) == "tensor(undefined)");
}

BOOST_AUTO_TEST_CASE(suffix_wraps_past_80_columns) {
  BOOST_TEST(to_string(arange(0, 14, 1, {.requires_grad = true})) ==
             "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n"
             "       requires_grad=true)");
}

BOOST_AUTO_TEST_CASE(empty_tensors) {
  BOOST_TEST(to_string(zeros({0})) == "tensor([])");
  BOOST_TEST(to_string(zeros({2, 0})) == "tensor([], size=(2, 0))");
  BOOST_TEST(to_string(zeros({0}, {.dtype = kInt64})) == "tensor([], dtype=int64)");
  BOOST_TEST(to_string(zeros({0, 3}, {.dtype = kFloat64})) == "tensor([], size=(0, 3), dtype=float64)");
}

BOOST_AUTO_TEST_CASE(higher_dimensions_and_line_wrapping) {
  BOOST_TEST(to_string(arange(0, 8).reshape({2, 2, 2})) ==
             "tensor([[[0., 1.],\n"
             "         [2., 3.]],\n"
             "\n"
             "        [[4., 5.],\n"
             "         [6., 7.]]])");
  BOOST_TEST(to_string(arange(0, 30)) ==
             "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
             "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
             "        28., 29.])");
}

BOOST_AUTO_TEST_CASE(summarizes_more_than_1000_elements) {
  BOOST_TEST(to_string(arange(0, 1001, 1, {.dtype = kInt64})) ==
             "tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int64)");
  // The format is chosen from the shown values only (here: a ratio of 1999 -> scientific).
  BOOST_TEST(to_string(arange(0, 2000)) ==
             "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
             "        1.9990e+03])");
  BOOST_TEST(to_string(ones({100, 100})) ==
             "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n"
             "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
             "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
             "        ...,\n"
             "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
             "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
             "        [1., 1., 1.,  ..., 1., 1., 1.]])");
  // Exactly 1000 elements are printed in full.
  BOOST_TEST(to_string(ones({1000})).find("...") == std::string::npos);
  // Axes of 6 or fewer are never cut, even when the tensor is summarized.
  BOOST_TEST(to_string(zeros({2, 1000})) ==
             "tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n"
             "        [0., 0., 0.,  ..., 0., 0., 0.]])");
}

BOOST_AUTO_TEST_SUITE_END()
