// Error messages: a bad call says which op failed, with the shapes or values involved and what was
// expected; gradcheck reports where analytical and numerical derivatives disagree.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "autograd/helpers.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

namespace ag = xg::autograd;
using xg::Tensor;

using autograd_test::f64;

namespace {

// The lower-cased message of the exception `fn` throws as an E ("" and a test failure if it
// throws nothing or something else).
template <class E> std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const E& e) {
    std::string m = e.what();
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    return m;
  } catch (const std::exception& e) {
    BOOST_ERROR("unexpected exception type: " << e.what());
    return "";
  }
  BOOST_ERROR("no exception thrown");
  return "";
}

bool has(const std::string& message, const std::string& needle) { return message.find(needle) != std::string::npos; }

/// x^2 with a wrong derivative: x instead of 2x.
struct WrongSquare : ag::Function<WrongSquare> {
  static constexpr const char* name = "WrongSquare";
  static Tensor forward(ag::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * x;
  }
  static std::vector<Tensor> backward(ag::Context& ctx, const Tensor& g) { return {g * ctx.saved(0)}; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(broadcast_add_names_the_op_and_both_shapes) {
  const Tensor a = xg::zeros({2, 3});
  const Tensor b = xg::zeros({4});
  const std::string m = message_of<xg::ShapeError>([&] { a + b; });
  BOOST_TEST(has(m, "[2, 3]"), m);
  BOOST_TEST(has(m, "[4]"), m);
  BOOST_TEST(has(m, "add"), m);
}

BOOST_AUTO_TEST_CASE(broadcast_mul_names_the_op) {
  const Tensor a = xg::zeros({3, 2});
  const Tensor b = xg::zeros({3});
  const std::string m = message_of<xg::ShapeError>([&] { a * b; });
  BOOST_TEST(has(m, "[3, 2]"), m);
  BOOST_TEST(has(m, "[3]"), m);
  BOOST_TEST(has(m, "mul"), m);
}

BOOST_AUTO_TEST_CASE(reshape_names_both_shapes) {
  const Tensor x = xg::zeros({2, 3});
  const std::string m = message_of<xg::ShapeError>([&] { x.reshape({4}); });
  BOOST_TEST(has(m, "reshape"), m);
  BOOST_TEST(has(m, "[2, 3]"), m);
  BOOST_TEST(has(m, "[4]"), m);
  BOOST_TEST(has(m, "6 elements"), m);
}

BOOST_AUTO_TEST_CASE(sum_over_a_missing_axis) {
  const Tensor x = xg::zeros({2, 3});
  const std::string m = message_of<xg::IndexError>([&] { x.sum({5}); });
  BOOST_TEST(has(m, "sum"), m);
  BOOST_TEST(has(m, "axis 5"), m);
  BOOST_TEST(has(m, "2-d"), m);
}

BOOST_AUTO_TEST_CASE(permute_with_the_wrong_number_of_axes) {
  const Tensor x = xg::zeros({2, 3});
  const std::string m = message_of<xg::ShapeError>([&] { x.permute({1, 0, 2}); });
  BOOST_TEST(has(m, "permute"), m);
  BOOST_TEST(has(m, "[2, 3]"), m);
  BOOST_TEST(has(m, "3 axes"), m);
}

BOOST_AUTO_TEST_CASE(permute_with_a_repeated_axis) {
  const Tensor x = xg::zeros({2, 3, 4});
  const std::string m = message_of<xg::ValueError>([&] { x.permute({0, 2, 0}); });
  BOOST_TEST(has(m, "permute"), m);
  BOOST_TEST(has(m, "[2, 3, 4]"), m);
  BOOST_TEST(has(m, "[0, 2, 0]"), m);
}

BOOST_AUTO_TEST_CASE(permute_with_an_axis_out_of_range) {
  const Tensor x = xg::zeros({2, 3});
  const std::string m = message_of<xg::IndexError>([&] { x.permute({0, 7}); });
  BOOST_TEST(has(m, "permute"), m);
  BOOST_TEST(has(m, "axis 7"), m);
}

BOOST_AUTO_TEST_CASE(item_on_a_multi_element_tensor) {
  const Tensor x = xg::zeros({2, 3});
  const std::string m = message_of<xg::ValueError>([&] { x.item(); });
  BOOST_TEST(has(m, "item"), m);
  BOOST_TEST(has(m, "6 elements"), m);
  BOOST_TEST(has(m, "[2, 3]"), m);
  BOOST_TEST(xg::ones({1, 1}).item() == 1.0);
}

BOOST_AUTO_TEST_CASE(gradcheck_reports_a_wrong_backward) {
  Tensor x = f64({0.5, -1.0, 2.0});
  const auto result = ag::gradcheck([](const std::vector<Tensor>& in) { return WrongSquare::apply(in[0]); }, {x});
  BOOST_TEST(!result.ok);
  BOOST_TEST(!static_cast<bool>(result));
  BOOST_TEST(has(result.message, "analytical"), result.message);
  BOOST_TEST(has(result.message, "numerical"), result.message);
  // The first mismatch is element 0: analytical x = 0.5 against numerical 2x = 1.
  BOOST_TEST(has(result.message, "input element 0"), result.message);
  BOOST_TEST(has(result.message, "analytical 0.5 vs"), result.message);
  // The inputs are restored after the finite differences.
  BOOST_TEST(x.to_vector<double>() == (std::vector<double>{0.5, -1.0, 2.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradcheck_accepts_a_correct_function) {
  Tensor x = f64({0.5, -1.0, 2.0});
  const auto result = ag::gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {x});
  BOOST_TEST(result.ok, result.message);
  BOOST_TEST(result.message.empty());
}

BOOST_AUTO_TEST_CASE(gradcheck_needs_float64_inputs) {
  Tensor x = xg::tensor({0.5, 1.0}, {.requires_grad = true});
  const std::string m = message_of<xg::DtypeError>(
      [&] { ag::gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2.0; }, {x}); });
  BOOST_TEST(has(m, "float64"), m);
  BOOST_TEST(has(m, "float32"), m);
}

BOOST_AUTO_TEST_SUITE_END()
