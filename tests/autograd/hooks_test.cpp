// Tensor gradient hooks (observe / replace a gradient), HookHandle::remove, and retain_grad.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "autograd/helpers.hpp"

#include <string>
#include <vector>

namespace ag = xg::autograd;
namespace tt = boost::test_tools;
using xg::Tensor;
using Values = std::vector<double>;

using autograd_test::f64;
using autograd_test::values;

namespace {

}  // namespace

BOOST_AUTO_TEST_SUITE(hooks)

BOOST_AUTO_TEST_CASE(leaf_hook_sees_and_replaces_the_gradient) {
  // L = sum(x^2): the hook sees 2x and doubles it, so x.grad = 4x.
  Tensor x = f64({1.0, 2.0, -3.0});
  Values seen;
  x.register_hook([&](const Tensor& g) {
    seen = values(g);
    return g * 2.0;
  });
  (x * x).sum().backward();
  BOOST_TEST(seen == (Values{2.0, 4.0, -6.0}), tt::per_element());
  BOOST_TEST(values(x.grad()) == (Values{4.0, 8.0, -12.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(hook_returning_undefined_keeps_the_gradient) {
  Tensor x = f64({1.0, 2.0});
  int calls = 0;
  x.register_hook([&](const Tensor&) {
    ++calls;
    return Tensor();
  });
  (x * 3.0).sum().backward();
  BOOST_TEST(calls == 1);
  BOOST_TEST(values(x.grad()) == (Values{3.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(hooks_run_in_registration_order) {
  // (g + 1) * 10 with g = 1: 20.
  Tensor x = f64({0.0});
  x.register_hook([](const Tensor& g) { return g + 1.0; });
  x.register_hook([](const Tensor& g) { return g * 10.0; });
  x.sum().backward();
  BOOST_TEST(x.grad().item() == 20.0);
}

BOOST_AUTO_TEST_CASE(non_leaf_hook_sees_and_replaces_the_gradient) {
  // y = 3x, L = sum(y^2): dL/dy = 2y = 6x; the hook halves it, so dL/dx = 3 * 3x = 9x.
  Tensor x = f64({1.0, -2.0});
  Tensor y = x * 3.0;
  Values seen;
  y.register_hook([&](const Tensor& g) {
    seen = values(g);
    return g * 0.5;
  });
  (y * y).sum().backward();
  BOOST_TEST(seen == (Values{6.0, -12.0}), tt::per_element());
  BOOST_TEST(values(x.grad()) == (Values{9.0, -18.0}), tt::per_element());
  BOOST_TEST(!y.grad().defined());  // a hook does not retain the gradient
}

BOOST_AUTO_TEST_CASE(non_leaf_hook_sees_the_total_gradient_of_a_reused_tensor) {
  // y = 2x used twice: L = sum(y * y + y) -> dL/dy = 2y + 1, delivered once, summed.
  Tensor x = f64({1.0, 0.5});
  Tensor y = x * 2.0;
  int calls = 0;
  Values seen;
  y.register_hook([&](const Tensor& g) {
    ++calls;
    seen = values(g);
    return Tensor();
  });
  (y * y + y).sum().backward();
  BOOST_TEST(calls == 1);
  BOOST_TEST(seen == (Values{5.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(removed_hook_stops_running) {
  Tensor x = f64({1.0, 2.0});
  int calls = 0;
  xg::HookHandle handle = x.register_hook([&](const Tensor& g) {
    ++calls;
    return g * 0.0;
  });
  (x * 2.0).sum().backward();
  BOOST_TEST(calls == 1);
  BOOST_TEST(values(x.grad()) == (Values{0.0, 0.0}), tt::per_element());
  handle.remove();
  handle.remove();  // a second remove is harmless
  (x * 2.0).sum().backward();
  BOOST_TEST(calls == 1);
  BOOST_TEST(values(x.grad()) == (Values{2.0, 2.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(removing_one_hook_keeps_the_others) {
  Tensor x = f64({1.0});
  Tensor y = x * 1.0;
  auto first = y.register_hook([](const Tensor& g) { return g * 2.0; });
  y.register_hook([](const Tensor& g) { return g * 3.0; });
  first.remove();
  y.sum().backward();
  BOOST_TEST(x.grad().item() == 3.0);
}

BOOST_AUTO_TEST_CASE(hooks_apply_to_gradients_returned_by_grad) {
  // autograd::grad returns the gradient after the tensor's hooks, for leaves and non-leaves alike.
  Tensor x = f64({1.0, 2.0});
  Tensor y = x * 3.0;
  y.register_hook([](const Tensor& g) { return g * 10.0; });
  x.register_hook([](const Tensor& g) { return g + 1.0; });
  auto g = ag::grad({(y * y).sum()}, {x, y}, {}, {.retain_graph = true});
  // dL/dy = 2y = 6x -> hooked 60x; dL/dx = 3 * 60x = 180x -> hooked 180x + 1.
  BOOST_TEST(values(g[1]) == (Values{60.0, 120.0}), tt::per_element());
  BOOST_TEST(values(g[0]) == (Values{181.0, 361.0}), tt::per_element());
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(retain_grad_fills_grad_of_a_non_leaf) {
  // y = 2x, L = sum(y^2): dL/dy = 2y = 4x, dL/dx = 8x.
  Tensor x = f64({1.0, -0.5});
  Tensor y = x * 2.0;
  Tensor z = y * 1.0;  // equals y, but its gradient is not retained
  y.retain_grad();
  (y * z).sum().backward();
  BOOST_TEST(values(y.grad()) == (Values{4.0, -2.0}), tt::per_element());
  BOOST_TEST(values(x.grad()) == (Values{8.0, -4.0}), tt::per_element());
  BOOST_TEST(!y.grad().requires_grad());
  BOOST_TEST(!z.grad().defined());  // not retained
}

BOOST_AUTO_TEST_CASE(retain_grad_accumulates_across_backward_calls) {
  Tensor x = f64({1.0});
  Tensor y = x * 2.0;
  y.retain_grad();
  y.retain_grad();  // idempotent: the gradient is not counted twice
  Tensor l = (y * y).sum();  // dL/dy = 2y = 4
  l.backward({}, {.retain_graph = true});
  l.backward();
  BOOST_TEST(y.grad().item() == 8.0);
}

BOOST_AUTO_TEST_CASE(hook_on_a_tensor_without_requires_grad_throws) {
  Tensor c = f64({1.0, 2.0}, false);
  BOOST_CHECK_EXCEPTION(c.register_hook([](const Tensor& g) { return g; }), xg::AutogradError,
                        [](const xg::AutogradError& e) { return std::string(e.what()).find("does not require grad") != std::string::npos; });
  BOOST_CHECK_THROW(c.retain_grad(), xg::AutogradError);
}

BOOST_AUTO_TEST_CASE(hook_returning_a_wrong_shape_throws) {
  Tensor x = f64({1.0, 2.0});
  x.register_hook([](const Tensor&) { return f64({1.0, 2.0, 3.0}, false); });
  BOOST_CHECK_EXCEPTION((x * 2.0).sum().backward(), xg::ShapeError, [](const xg::ShapeError& e) {
    const std::string m = e.what();
    return m.find("hook") != std::string::npos && m.find("[3]") != std::string::npos && m.find("[2]") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(removing_a_hook_after_its_tensor_died_is_harmless) {
  xg::HookHandle handle;
  {
    Tensor y = f64({1.0}) * 2.0;
    handle = y.register_hook([](const Tensor& g) { return g; });
  }
  BOOST_CHECK_NO_THROW(handle.remove());
}

BOOST_AUTO_TEST_SUITE_END()
