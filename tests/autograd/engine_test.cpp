// Behaviour of the backward engine: accumulation, broadcasting, shared subgraphs, retain_graph,
// autograd::grad, very deep graphs (backward and teardown), grad mode and detach.
// Expected values are derived by hand in the comments next to each check.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "autograd/helpers.hpp"

#include <pthread.h>

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ag = xg::autograd;
namespace tt = boost::test_tools;
using xg::Tensor;
using Values = std::vector<double>;

using autograd_test::f64;
using autograd_test::values;

namespace {

bool message_has(const std::exception& e, const std::string& needle) {
  return std::string(e.what()).find(needle) != std::string::npos;
}

// Runs `fn` on a thread with a 512 KiB stack, so a recursion over graph depth crashes the test
// whatever `ulimit -s` the machine has. Exceptions are carried back to the caller.
void run_with_small_stack(const std::function<void()>& fn) {
  struct Job {
    const std::function<void()>* fn;
    std::exception_ptr error;
  } job{&fn, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  pthread_t thread;
  const int rc = pthread_create(
      &thread, &attr,
      [](void* arg) -> void* {
        auto* j = static_cast<Job*>(arg);
        try {
          (*j->fn)();
        } catch (...) {
          j->error = std::current_exception();
        }
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("pthread_create failed");
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

constexpr int kDeep = 100000;

}  // namespace

BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(scalar_backward) {
  // y = x^3 + 2x at x = 3: dy/dx = 3x^2 + 2 = 29.
  Tensor x = xg::scalar_tensor(3.0, {.dtype = xg::kFloat64, .requires_grad = true});
  Tensor y = x * x * x + 2.0 * x;
  BOOST_TEST(y.item() == 33.0);
  y.backward();
  BOOST_TEST(x.grad().item() == 29.0);
  BOOST_TEST(!y.is_leaf());
  BOOST_TEST(x.is_leaf());
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_on_leaves_across_backward_calls) {
  Tensor x = f64({1.0, -2.0, 0.5});
  (x * x).sum().backward();  // 2x
  BOOST_TEST(values(x.grad()) == (Values{2.0, -4.0, 1.0}), tt::per_element());
  (x * x).sum().backward();  // + 2x
  BOOST_TEST(values(x.grad()) == (Values{4.0, -8.0, 2.0}), tt::per_element());
  x.set_grad({});
  (3.0 * x).sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{3.0, 3.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(broadcast_gradient_is_summed_back_to_the_input_shape) {
  // L = sum((a + b) * c) with a [2,3], b [3]: dL/da = c, dL/db = column sums of c.
  Tensor a = f64({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Tensor b = f64({10.0, 20.0, 30.0});
  Tensor c = f64({{1.0, 2.0, 3.0}, {-4.0, 0.5, 7.0}}, false);
  Tensor s = a + b;
  BOOST_TEST(s.shape() == (xg::Shape{2, 3}));
  (s * c).sum().backward();
  BOOST_TEST(b.grad().shape() == (xg::Shape{3}));
  BOOST_TEST(values(b.grad()) == (Values{-3.0, 2.5, 10.0}), tt::per_element());
  BOOST_TEST(values(a.grad()) == values(c), tt::per_element());
  BOOST_TEST(!c.grad().defined());
}

BOOST_AUTO_TEST_CASE(broadcast_gradient_of_a_size_one_axis) {
  // L = sum(a * col) with col [2,1]: dL/dcol = row sums of a, kept as [2,1].
  Tensor a = f64({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, false);
  Tensor col = f64({{2.0}, {-1.0}});
  (a * col).sum().backward();
  BOOST_TEST(col.grad().shape() == (xg::Shape{2, 1}));
  BOOST_TEST(values(col.grad()) == (Values{6.0, 15.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(non_leaf_reused_twice) {
  // y = x^2, z = y + y^2: dz/dx = 2x + 4x^3.
  Tensor x = f64({1.0, 2.0, -1.5});
  Tensor y = x * x;
  Tensor z = y + y * y;
  z.sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{6.0, 36.0, -3.0 - 13.5}), tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(diamond_graph) {
  // h = 3x feeds both sin and cos; out = sin(h) cos(h) = sin(2h) / 2, so d out/dx = 3 cos(6x).
  const Values xs{0.1, -0.7, 1.3};
  Tensor x = f64({xs[0], xs[1], xs[2]});
  Tensor h = x * 3.0;
  Tensor out = xg::sin(h) * xg::cos(h);
  out.sum().backward();
  Values expected;
  for (double v : xs) expected.push_back(3.0 * std::cos(6.0 * v));
  BOOST_TEST(values(x.grad()) == expected, tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(diamond_with_two_leaves_and_two_roots) {
  // p = x*w, q = x+w; backward({p.sum(), q.sum()}) sums both: dx = w + 1, dw = x + 1.
  Tensor x = f64({1.0, 2.0});
  Tensor w = f64({-3.0, 0.5});
  Tensor p = x * w;
  Tensor q = x + w;
  ag::backward({p.sum(), q.sum()});
  BOOST_TEST(values(x.grad()) == (Values{-2.0, 1.5}), tt::per_element());
  BOOST_TEST(values(w.grad()) == (Values{2.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(root_that_is_also_an_intermediate) {
  // y = 2x and z = y^2 as two roots: dx = 2 (from y) + 2y * 2 (from z) = 2 + 8x.
  Tensor x = f64({1.0, -1.0});
  Tensor y = x * 2.0;
  Tensor z = y * y;
  ag::backward({y.sum(), z.sum()});
  BOOST_TEST(values(x.grad()) == (Values{10.0, -6.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(retain_graph_allows_a_second_backward) {
  Tensor x = f64({1.0, 3.0});
  Tensor y = (x * x * x).sum();  // dy/dx = 3x^2
  y.backward({}, {.retain_graph = true});
  BOOST_TEST(values(x.grad()) == (Values{3.0, 27.0}), tt::per_element());
  y.backward();
  BOOST_TEST(values(x.grad()) == (Values{6.0, 54.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(second_backward_without_retain_graph_throws) {
  Tensor x = f64({1.0, 3.0});
  Tensor y = (x * x).sum();
  y.backward();
  BOOST_CHECK_EXCEPTION(y.backward(), xg::AutogradError,
                        [](const xg::AutogradError& e) { return message_has(e, "retain_graph"); });
  // The first pass's gradient is intact.
  BOOST_TEST(values(x.grad()) == (Values{2.0, 6.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(backward_on_non_scalar_needs_a_gradient) {
  Tensor x = f64({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Tensor y = x * 2.0;
  BOOST_CHECK_EXCEPTION(y.backward(), xg::AutogradError, [](const xg::AutogradError& e) {
    return message_has(e, "one-element") && message_has(e, "[2, 3]");
  });
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(backward_with_explicit_gradient) {
  // y = x^2 with upstream gradient v: dx = 2x * v.
  Tensor x = f64({1.0, -2.0, 3.0});
  Tensor y = x * x;
  y.backward(f64({1.0, 0.5, -2.0}, false));
  BOOST_TEST(values(x.grad()) == (Values{2.0, -2.0, -12.0}), tt::per_element());
  BOOST_CHECK_EXCEPTION((x * x).backward(f64({1.0, 2.0}, false)), xg::ShapeError, [](const xg::ShapeError& e) {
    return message_has(e, "[2]") && message_has(e, "[3]");
  });
}

BOOST_AUTO_TEST_CASE(backward_on_a_tensor_without_history_throws) {
  Tensor x = f64({1.0, 2.0}, false);
  BOOST_CHECK_EXCEPTION((x * 2.0).sum().backward(), xg::AutogradError,
                        [](const xg::AutogradError& e) { return message_has(e, "does not require grad"); });
}

BOOST_AUTO_TEST_CASE(grad_returns_gradients_without_touching_grad_fields) {
  // f = sum(x * w + x): df/dx = w + 1, df/dw = x.
  Tensor x = f64({1.0, 2.0});
  Tensor w = f64({-1.0, 4.0});
  Tensor f = (x * w + x).sum();
  auto g = ag::grad({f}, {x, w});
  BOOST_TEST_REQUIRE(g.size() == 2u);
  BOOST_TEST(values(g[0]) == (Values{0.0, 5.0}), tt::per_element());
  BOOST_TEST(values(g[1]) == (Values{1.0, 2.0}), tt::per_element());
  BOOST_TEST(!x.grad().defined());
  BOOST_TEST(!w.grad().defined());
  BOOST_TEST(!g[0].requires_grad());  // no create_graph: plain values
}

BOOST_AUTO_TEST_CASE(grad_with_respect_to_a_non_leaf) {
  // f = sum(y^2), y = 3x: df/dy = 2y.
  Tensor x = f64({1.0, -1.0});
  Tensor y = x * 3.0;
  auto g = ag::grad({(y * y).sum()}, {y});
  BOOST_TEST(values(g[0]) == (Values{6.0, -6.0}), tt::per_element());
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(grad_allow_unused) {
  Tensor x = f64({1.0, 2.0});
  Tensor unused = f64({5.0});
  Tensor f = (x * x).sum();
  BOOST_CHECK_EXCEPTION(ag::grad({f}, {x, unused}, {}, {.retain_graph = true}), xg::AutogradError,
                        [](const xg::AutogradError& e) { return message_has(e, "input 1") && message_has(e, "allow_unused"); });
  auto g = ag::grad({f}, {x, unused}, {}, {.allow_unused = true});
  BOOST_TEST_REQUIRE(g.size() == 2u);
  BOOST_TEST(values(g[0]) == (Values{2.0, 4.0}), tt::per_element());
  BOOST_TEST(!g[1].defined());
}

BOOST_AUTO_TEST_CASE(grad_of_an_input_that_does_not_require_grad_throws) {
  Tensor x = f64({1.0, 2.0});
  Tensor c = f64({1.0, 2.0}, false);
  BOOST_CHECK_EXCEPTION(ag::grad({(x * c).sum()}, {c}), xg::AutogradError,
                        [](const xg::AutogradError& e) { return message_has(e, "does not require grad"); });
}

// The deep-chain cases build, differentiate and drop their graph on a small-stack thread and check
// the results afterwards on the test thread.
BOOST_AUTO_TEST_CASE(deep_chain_without_saved_tensors) {
  // y = x * 1.00001, 100,000 times: dy/dx = 1.00001^100000 (about e).
  Tensor x = xg::scalar_tensor(1.0, {.dtype = xg::kFloat64, .requires_grad = true});
  std::weak_ptr<ag::Node> root;
  double value = 0.0;
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < kDeep; ++i) y = y * 1.00001;
    root = y.grad_fn();
    y.backward();
    value = y.item();
  });  // the whole chain was destroyed with y
  BOOST_TEST(root.expired());
  BOOST_TEST(value == std::pow(1.00001, kDeep), tt::tolerance(1e-9));
  BOOST_TEST(x.grad().item() == std::pow(1.00001, kDeep), tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(deep_chain_destroyed_without_backward) {
  Tensor x = xg::scalar_tensor(2.0, {.dtype = xg::kFloat64, .requires_grad = true});
  std::weak_ptr<ag::Node> root;
  double value = 0.0;
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < kDeep; ++i) y = y + 1.0;
    root = y.grad_fn();
    value = y.item();
  });
  BOOST_TEST(root.expired());
  BOOST_TEST(value == 2.0 + kDeep);
}

BOOST_AUTO_TEST_CASE(deep_chain_where_every_op_saves_its_input) {
  // y = x^(N+1) built as y = y * x: dy/dx = (N+1) x^N. Every MulBackward saves the previous y, so
  // the chain is owned both through edges and through saved tensors. retain_graph keeps the saved
  // tensors alive, so teardown has to walk them too.
  const double x0 = 1.00001;
  Tensor x = xg::scalar_tensor(x0, {.dtype = xg::kFloat64, .requires_grad = true});
  std::weak_ptr<ag::Node> root;
  std::weak_ptr<xg::TensorImpl> middle;
  bool middle_saved_after_backward = false;
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < kDeep; ++i) {
      y = y * x;
      if (i == kDeep / 2) middle = y.impl_ptr();
    }
    root = y.grad_fn();
    y.backward({}, {.retain_graph = true});
    middle_saved_after_backward = !middle.expired();  // still saved by the next MulBackward
  });
  BOOST_TEST(middle_saved_after_backward);
  BOOST_TEST(root.expired());
  BOOST_TEST(middle.expired());
  BOOST_TEST(x.grad().item() == (kDeep + 1) * std::pow(x0, kDeep), tt::tolerance(1e-8));
}

BOOST_AUTO_TEST_CASE(deep_chain_with_saved_tensors_destroyed_without_backward) {
  Tensor x = xg::scalar_tensor(1.0, {.dtype = xg::kFloat64, .requires_grad = true});
  std::weak_ptr<ag::Node> root;
  run_with_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < kDeep; ++i) y = xg::sin(y) * x;  // sin and mul both save their inputs
    root = y.grad_fn();
  });
  BOOST_TEST(root.expired());
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_nothing) {
  Tensor x = f64({1.0, 2.0});
  {
    xg::NoGradGuard no_grad;
    BOOST_TEST(!ag::GradMode::is_enabled());
    Tensor y = x * 2.0 + x;
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(y.grad_fn() == nullptr);
    BOOST_TEST(y.is_leaf());
    BOOST_TEST(values(y) == (Values{3.0, 6.0}), tt::per_element());
  }
  BOOST_TEST(ag::GradMode::is_enabled());
  Tensor z = x * 2.0;
  BOOST_TEST(z.requires_grad());
  BOOST_TEST(z.grad_fn() != nullptr);
}

BOOST_AUTO_TEST_CASE(nested_enable_grad_guard) {
  Tensor x = f64({1.0, 2.0});
  Tensor inner, after_inner;
  {
    xg::NoGradGuard no_grad;
    {
      xg::EnableGradGuard enable;
      inner = x * x;
      BOOST_TEST(ag::GradMode::is_enabled());
    }
    BOOST_TEST(!ag::GradMode::is_enabled());
    after_inner = x * x;
  }
  BOOST_TEST(inner.requires_grad());
  BOOST_TEST(!after_inner.requires_grad());
  inner.sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{2.0, 4.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(backward_under_no_grad_guard_still_works) {
  // The graph was recorded before; backward itself does not need recording.
  Tensor x = f64({1.0, 2.0});
  Tensor y = (x * x).sum();
  xg::NoGradGuard no_grad;
  y.backward();
  BOOST_TEST(values(x.grad()) == (Values{2.0, 4.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(detach_cuts_the_graph_and_shares_storage) {
  Tensor x = f64({1.0, 2.0, 3.0});
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  BOOST_TEST(!d.requires_grad());
  BOOST_TEST(d.grad_fn() == nullptr);
  BOOST_TEST(d.shares_storage(y));
  BOOST_TEST(values(d) == (Values{2.0, 4.0, 6.0}), tt::per_element());
  // z = x * stop_gradient(x): dz/dx = x, not 2x.
  (x * x.detach()).sum().backward();
  BOOST_TEST(values(x.grad()) == (Values{1.0, 2.0, 3.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(requires_grad_errors) {
  Tensor labels = xg::from_vector(std::vector<std::int64_t>{1, 2}, {2});
  BOOST_CHECK_EXCEPTION(labels.requires_grad_(), xg::DtypeError,
                        [](const xg::DtypeError& e) { return message_has(e, "int64"); });
  Tensor x = f64({1.0});
  Tensor y = x * 2.0;
  BOOST_CHECK_EXCEPTION(y.requires_grad_(false), xg::AutogradError,
                        [](const xg::AutogradError& e) { return message_has(e, "non-leaf") && message_has(e, "detach"); });
  Tensor leaf = f64({1.0}, false);
  leaf.requires_grad_();
  BOOST_TEST(leaf.requires_grad());
  leaf.requires_grad_(false);
  BOOST_TEST(!leaf.requires_grad());
}

BOOST_AUTO_TEST_CASE(grad_mode_is_thread_local) {
  Tensor x = f64({1.0, 2.0});
  xg::NoGradGuard no_grad;
  bool other_thread_enabled = false;
  bool other_thread_recorded = false;
  std::thread worker([&] {
    other_thread_enabled = ag::GradMode::is_enabled();
    other_thread_recorded = (x * 3.0).requires_grad();
  });
  worker.join();
  BOOST_TEST(other_thread_enabled);
  BOOST_TEST(other_thread_recorded);
  BOOST_TEST(!ag::GradMode::is_enabled());
  BOOST_TEST(!(x * 3.0).requires_grad());
}

BOOST_AUTO_TEST_CASE(float32_leaf_gets_float32_gradient_through_float64_ops) {
  // to(float64) and back: the gradient is converted to each input's dtype.
  Tensor x = xg::tensor({1.0, 2.0}, {.requires_grad = true});
  Tensor y = (x.to(xg::kFloat64) * f64({3.0, 4.0}, false)).sum();
  BOOST_TEST(y.dtype() == xg::kFloat64);
  y.backward();
  BOOST_TEST(x.grad().dtype() == xg::kFloat32);
  BOOST_TEST(values(x.grad()) == (Values{3.0, 4.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(explicit_gradient_is_converted_to_the_output_dtype) {
  // A float64 gradient for a float32 leaf (or output) arrives as float32.
  Tensor x = xg::tensor({1.0, 2.0}, {.requires_grad = true});
  x.backward(f64({0.5, -1.0}, false));
  BOOST_TEST(x.grad().dtype() == xg::kFloat32);
  BOOST_TEST(values(x.grad()) == (Values{0.5, -1.0}), tt::per_element());
  (x * 2.0).backward(f64({1.0, 1.0}, false));
  BOOST_TEST(x.grad().dtype() == xg::kFloat32);
  BOOST_TEST(values(x.grad()) == (Values{2.5, 1.0}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
