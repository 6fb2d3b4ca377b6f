// The Tensor handle: metadata, element access, dtype conversion (and its gradient), clone/detach,
// shape ops (values, storage sharing, errors), the write counter (version) and the caching
// allocator's reuse of freed blocks.
#include "expect.hpp"

#include <xgrad/autograd/node.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/core/allocator.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>

#include <boost/test/unit_test.hpp>

using namespace xg;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

// x[i, j, k] = 12 i + 4 j + k for a [2, 3, 4] tensor.
Tensor cube() { return arange(0, 24).reshape({2, 3, 4}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(tensor_handle)

BOOST_AUTO_TEST_CASE(metadata) {
  const Tensor x = zeros({2, 3, 4}, {.dtype = kFloat64});
  BOOST_TEST(x.defined());
  BOOST_TEST(shape_str(x.shape()) == "[2, 3, 4]");
  BOOST_TEST(x.dim() == 3);
  BOOST_TEST(x.numel() == 24);
  BOOST_TEST(x.size(0) == 2);
  BOOST_TEST(x.size(-1) == 4);
  BOOST_TEST(x.size(-3) == 2);
  BOOST_TEST(shape_str(x.strides()) == "[12, 4, 1]");
  BOOST_TEST(x.dtype() == kFloat64);
  const Tensor s = scalar_tensor(1);
  BOOST_TEST(s.dim() == 0);
  BOOST_TEST(s.numel() == 1);
  BOOST_TEST(s.strides().empty());
  expect_error<IndexError>([&] { s.size(0); }, {"size(0)", "0-d"});
  BOOST_TEST(zeros({3, 0}).numel() == 0);
  expect_error<IndexError>([&] { x.size(3); }, {"size", "axis 3", "3-d"});
  expect_error<IndexError>([&] { x.size(-4); }, {"axis -4"});
  BOOST_TEST(!Tensor().defined());
  expect_error<ValueError>([] { Tensor().shape(); }, {"undefined"});
  Tensor named = ones({1});
  named.set_name("layer.weight");
  BOOST_TEST(named.name() == "layer.weight");
}

BOOST_AUTO_TEST_CASE(item_and_data_access) {
  BOOST_TEST(scalar_tensor(2.5).item() == 2.5);
  BOOST_TEST(tensor({{4}}).item() == 4.0);  // any one-element shape
  BOOST_TEST(scalar_tensor(9, {.dtype = kInt64}).item<std::int64_t>() == 9);
  BOOST_TEST(scalar_tensor(2.75).item<int>() == 2);
  expect_error<ValueError>([] { zeros({2, 3}).item(); }, {"item()", "6 elements", "[2, 3]", "exactly one"});
  expect_error<ValueError>([] { zeros({0}).item(); }, {"0 elements"});

  Tensor t = tensor({1.5, -2.5});
  BOOST_TEST((t.to_vector<float>() == std::vector<float>{1.5f, -2.5f}));
  BOOST_TEST((t.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2}));
  t.data<float>()[1] = 8;
  BOOST_TEST(t.to_vector<double>()[1] == 8.0);
  BOOST_TEST(static_cast<const float*>(t.raw_data()) == t.data<float>());
  expect_error<DtypeError>([&] { t.data<double>(); }, {"data<float64>", "float32"});
}

BOOST_AUTO_TEST_CASE(dtype_conversion) {
  const Tensor f = tensor({1.75, -2.5, 3.0});
  BOOST_TEST(f.to(kFloat32).is_same(f));  // same dtype: the same handle
  const Tensor d = f.to(kFloat64);
  BOOST_TEST(d.dtype() == kFloat64);
  expect_values(d, {3}, {1.75, -2.5, 3.0});
  const Tensor i = f.to(kInt64);
  BOOST_TEST((i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3}));
  const Tensor back = i.to(kFloat32);
  expect_values(back, {3}, {1, -2, 3});
  BOOST_TEST(!d.shares_storage(f));
  // float32 rounding is visible after a round trip through float64.
  BOOST_TEST(tensor({0.1}, {.dtype = kFloat64}).to(kFloat32).to(kFloat64).item() == static_cast<double>(0.1f));
}

BOOST_AUTO_TEST_CASE(dtype_conversion_gradient) {
  Tensor x = tensor({1, 2, 3}, {.requires_grad = true});
  const Tensor y = x.to(kFloat64);
  BOOST_TEST(y.requires_grad());
  BOOST_TEST(y.grad_fn()->name() == "ToDtypeBackward");
  (y * y).sum().backward();
  BOOST_TEST_REQUIRE(x.grad().defined());
  BOOST_TEST(x.grad().dtype() == kFloat32);  // converted back to the input's dtype
  expect_values(x.grad(), {3}, {2, 4, 6});
  // Conversion to int64 stops the gradient.
  const Tensor i = x.to(kInt64);
  BOOST_TEST(!i.requires_grad());
  BOOST_TEST(!i.grad_fn());
}

BOOST_AUTO_TEST_CASE(clone_is_independent) {
  Tensor a = tensor({1, 2, 3});
  Tensor c = a.clone();
  BOOST_TEST(!c.shares_storage(a));
  c.fill_(0);
  expect_values(a, {3}, {1, 2, 3});
  expect_values(c, {3}, {0, 0, 0});
  // clone is differentiable (identity gradient).
  Tensor x = tensor({1, 2}, {.requires_grad = true});
  (x.clone() * 3.0).sum().backward();
  expect_values(x.grad(), {2}, {3, 3});
}

BOOST_AUTO_TEST_CASE(detach_shares_storage_without_history) {
  Tensor x = tensor({1, 2}, {.requires_grad = true});
  const Tensor y = x * 2.0;
  Tensor d = y.detach();
  BOOST_TEST(d.shares_storage(y));
  BOOST_TEST(!d.is_same(y));
  BOOST_TEST(!d.requires_grad());
  BOOST_TEST(!d.grad_fn());
  BOOST_TEST(d.is_leaf());
  BOOST_TEST(!d.grad().defined());
  d.fill_(5);  // writes through to y's data
  expect_values(y, {2}, {5, 5});
  BOOST_TEST(x.detach().shares_storage(x));
}

BOOST_AUTO_TEST_CASE(requires_grad_rules) {
  Tensor x = zeros({2});
  BOOST_TEST(!x.requires_grad());
  x.requires_grad_();
  BOOST_TEST(x.requires_grad());
  x.requires_grad_(false);
  BOOST_TEST(!x.requires_grad());
  expect_error<DtypeError>([] { zeros({2}, {.dtype = kInt64}).requires_grad_(); }, {"int64"});
  const Tensor y = ones({2}, {.requires_grad = true}) * 2.0;
  BOOST_TEST(!y.is_leaf());
  expect_error<AutogradError>([&] { Tensor(y).requires_grad_(false); }, {"non-leaf", "detach"});
}

BOOST_AUTO_TEST_CASE(reshape_and_view) {
  const Tensor x = cube();
  const Tensor r = x.reshape({4, 6});
  BOOST_TEST(r.shares_storage(x));
  expect_values(r, {4, 6}, x.to_vector<double>());
  BOOST_TEST(shape_str(x.reshape({-1, 8}).shape()) == "[3, 8]");
  BOOST_TEST(shape_str(x.reshape({2, -1, 3}).shape()) == "[2, 4, 3]");
  BOOST_TEST(shape_str(x.view({24}).shape()) == "[24]");
  BOOST_TEST(x.view({-1}).shares_storage(x));
  BOOST_TEST(shape_str(scalar_tensor(1).reshape({1, 1}).shape()) == "[1, 1]");
  BOOST_TEST(ones({1, 1}).reshape({}).dim() == 0);
  expect_error<ShapeError>([&] { x.reshape({5, 5}); }, {"reshape", "[2, 3, 4]", "24 elements", "[5, 5]"});
  expect_error<ShapeError>([&] { x.reshape({-1, 5}); }, {"reshape", "[-1, 5]"});
  expect_error<ShapeError>([&] { x.reshape({-1, -1}); }, {"only one dimension can be -1"});
  expect_error<ShapeError>([&] { x.view({-2, -12}); }, {"invalid dimension -2"});
}

BOOST_AUTO_TEST_CASE(flatten_squeeze_unsqueeze) {
  const Tensor x = cube();
  BOOST_TEST(shape_str(x.flatten().shape()) == "[24]");
  BOOST_TEST(shape_str(x.flatten(1).shape()) == "[2, 12]");
  BOOST_TEST(shape_str(x.flatten(0, 1).shape()) == "[6, 4]");
  BOOST_TEST(shape_str(x.flatten(-2, -1).shape()) == "[2, 12]");
  BOOST_TEST(x.flatten().shares_storage(x));
  BOOST_TEST(shape_str(scalar_tensor(3).flatten().shape()) == "[1]");
  expect_error<ValueError>([&] { x.flatten(2, 1); }, {"flatten", "start_dim"});

  const Tensor y = zeros({1, 3, 1});
  BOOST_TEST(shape_str(y.squeeze().shape()) == "[3]");
  BOOST_TEST(shape_str(y.squeeze({0}).shape()) == "[3, 1]");
  BOOST_TEST(shape_str(y.squeeze({-1, 0}).shape()) == "[3]");
  expect_error<ShapeError>([&] { y.squeeze({1}); }, {"squeeze", "axis 1", "[1, 3, 1]", "size 3", "expected 1"});

  const Tensor v = tensor({1, 2, 3});
  BOOST_TEST(shape_str(v.unsqueeze(0).shape()) == "[1, 3]");
  BOOST_TEST(shape_str(v.unsqueeze(1).shape()) == "[3, 1]");
  BOOST_TEST(shape_str(v.unsqueeze(-1).shape()) == "[3, 1]");
  BOOST_TEST(shape_str(v.unsqueeze(-2).shape()) == "[1, 3]");
  expect_values(v.unsqueeze(1), {3, 1}, {1, 2, 3});
  expect_error<IndexError>([&] { v.unsqueeze(2); }, {"unsqueeze", "axis 2"});
}

BOOST_AUTO_TEST_CASE(permute_transpose) {
  const Tensor x = cube();
  const Tensor p = x.permute({2, 0, 1});  // p[k, i, j] = x[i, j, k]
  BOOST_TEST(shape_str(p.shape()) == "[4, 2, 3]");
  std::vector<double> expected;
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expected.push_back(12 * i + 4 * j + k);
  expect_values(p, {4, 2, 3}, expected);
  BOOST_TEST(!p.shares_storage(x));  // tensors are contiguous: a permutation copies
  expect_values(x.permute({-3, -2, -1}), {2, 3, 4}, x.to_vector<double>());

  const Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  expect_values(m.t(), {3, 2}, {1, 4, 2, 5, 3, 6});
  expect_values(m.transpose(0, 1), {3, 2}, {1, 4, 2, 5, 3, 6});
  expect_values(m.transpose(-1, -2), {3, 2}, {1, 4, 2, 5, 3, 6});
  expect_values(m.t().t(), {2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor sw = x.transpose(0, 2);  // sw[k, j, i] = x[i, j, k]
  BOOST_TEST(shape_str(sw.shape()) == "[4, 3, 2]");
  BOOST_TEST(sw.to_vector<double>()[1] == 12.0);  // sw[0, 0, 1] = x[1, 0, 0]

  expect_error<ShapeError>([&] { x.t(); }, {"t()", "2-d", "[2, 3, 4]"});
  expect_error<ValueError>([&] { x.permute({0, 0, 1}); }, {"permute", "not a permutation"});
  expect_error<ShapeError>([&] { x.permute({1, 0}); }, {"permute", "2 axes", "[2, 3, 4]"});
  expect_error<IndexError>([&] { m.transpose(0, 2); }, {"transpose", "axis 2"});
}

BOOST_AUTO_TEST_CASE(version_counts_mutable_access_and_in_place_updates) {
  Tensor t = zeros({2, 3});
  const Tensor view = t.reshape({6});
  const auto v0 = t.version();
  // Reads through const handles leave the version alone.
  const Tensor& read_only = t;
  static_cast<void>(read_only.data<float>());
  static_cast<void>(read_only.raw_data());
  static_cast<void>(t.sum());
  BOOST_TEST(t.version() == v0);
  // Mutable access and every in-place update bump it, seen through views of the same storage.
  std::uint64_t last = v0;
  const auto expect_bumped = [&](const char* what) {
    BOOST_TEST(t.version() > last, what);
    BOOST_TEST(view.version() == t.version(), what);
    last = t.version();
  };
  t.data<float>()[0] = 1.0f;
  expect_bumped("data<float>()");
  static_cast<void>(t.raw_data());
  expect_bumped("raw_data()");
  t.fill_(2.0);
  expect_bumped("fill_");
  t.copy_(ones({2, 3}));
  expect_bumped("copy_");
  t.add_(ones({2, 3}));
  expect_bumped("add_");
  t.mul_(3.0);
  expect_bumped("mul_");
  t.zero_();
  expect_bumped("zero_");
  read_only.mark_modified();
  expect_bumped("mark_modified");
  // A clone has its own storage and counter.
  const Tensor c = t.clone();
  const auto clone_version = c.version();
  t.fill_(1.0);
  BOOST_TEST(c.version() == clone_version);
}

BOOST_AUTO_TEST_CASE(allocator_reuses_freed_blocks) {
  // One "training step": same shapes every time, temporaries freed at the end.
  const auto step = [] {
    const Tensor a = randn({64, 128});
    const Tensor b = (a * 2.0 + 1.0).reshape({128, 64});
    return sum(b * b, {1}).sum().item();
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up fills the cache
  const AllocatorStats before = allocator::stats();
  for (int i = 0; i < 20; ++i) step();
  const AllocatorStats after = allocator::stats();
  BOOST_TEST(after.system_allocations == before.system_allocations);
  BOOST_TEST(after.reuses > before.reuses);
  BOOST_TEST(after.allocated_bytes == before.allocated_bytes);  // nothing leaked

  // Requests that round to the same size class share blocks: 1000 and 992 bytes.
  { const Tensor warm = empty({250}); }
  const std::size_t system = allocator::stats().system_allocations;
  { const Tensor t = empty({248}); }
  BOOST_TEST(allocator::stats().system_allocations == system);
}

BOOST_AUTO_TEST_SUITE_END()
