#include <xgrad/core/kernels/elementwise.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/broadcast_plan.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <atomic>
#include <cmath>
#include <iterator>

namespace xg::kernels {
namespace {

constexpr std::int64_t kGrain = 32768;

template <class T, class F> void map_flat(const T* x, T* out, std::int64_t n, F f) {
  parallel_for(0, n, kGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) out[i] = f(x[i]);
  });
}

const char* unary_name(UnaryOp op) {
  constexpr const char* names[] = {"neg", "abs",     "sign",       "square", "relu", "exp",   "log",   "sqrt", "rsqrt",
                                   "tanh", "sigmoid", "reciprocal", "sin",    "cos",  "log1p", "expm1", "erf"};
  static_assert(std::size(names) == static_cast<std::size_t>(UnaryOp::Erf) + 1);
  return names[static_cast<std::size_t>(op)];
}

const char* binary_name(BinaryOp op) {
  constexpr const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                   "lt",  "le",  "gt",  "ge",  "eq",  "ne"};
  static_assert(std::size(names) == static_cast<std::size_t>(BinaryOp::Ne) + 1);
  return names[static_cast<std::size_t>(op)];
}

// The dtype an op on operands of promoted dtype `dt` computes in: division is true division (int64
// operands divide in float32, as torch.div; integer division by zero would also trap).
Dtype compute_dtype(BinaryOp op, Dtype dt) { return op == BinaryOp::Div && dt == Dtype::Int64 ? Dtype::Float32 : dt; }

template <class T> T sign_of(T v) { return static_cast<T>((T(0) < v) - (v < T(0))); }

template <class T> void unary_typed(UnaryOp op, const T* x, T* o, std::int64_t n) {
  switch (op) {
    case UnaryOp::Neg: return map_flat(x, o, n, [](T v) { return -v; });
    case UnaryOp::Abs: return map_flat(x, o, n, [](T v) { return static_cast<T>(std::abs(v)); });  // |-0.| = +0.
    case UnaryOp::Sign: return map_flat(x, o, n, [](T v) { return sign_of(v); });
    case UnaryOp::Square: return map_flat(x, o, n, [](T v) { return v * v; });
    case UnaryOp::Relu: return map_flat(x, o, n, [](T v) { return v > T(0) || v != v ? v : T(0); });  // NaN propagates
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Exp: return map_flat(x, o, n, [](T v) { return std::exp(v); });
      case UnaryOp::Log: return map_flat(x, o, n, [](T v) { return std::log(v); });
      case UnaryOp::Sqrt: return map_flat(x, o, n, [](T v) { return std::sqrt(v); });
      case UnaryOp::Rsqrt: return map_flat(x, o, n, [](T v) { return T(1) / std::sqrt(v); });
      case UnaryOp::Tanh: return map_flat(x, o, n, [](T v) { return std::tanh(v); });
      case UnaryOp::Sigmoid:
        return map_flat(x, o, n, [](T v) {
          // Stable on both tails: never exponentiates a large positive number.
          if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
          const T e = std::exp(v);
          return e / (T(1) + e);
        });
      case UnaryOp::Reciprocal: return map_flat(x, o, n, [](T v) { return T(1) / v; });
      case UnaryOp::Sin: return map_flat(x, o, n, [](T v) { return std::sin(v); });
      case UnaryOp::Cos: return map_flat(x, o, n, [](T v) { return std::cos(v); });
      case UnaryOp::Log1p: return map_flat(x, o, n, [](T v) { return std::log1p(v); });
      case UnaryOp::Expm1: return map_flat(x, o, n, [](T v) { return std::expm1(v); });
      case UnaryOp::Erf: return map_flat(x, o, n, [](T v) { return std::erf(v); });
      default: break;
    }
  }
  throw DtypeError(std::string(unary_name(op)) + ": expected a float32 or float64 tensor, got int64");
}

template <class T> T apply_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point_v<T>) return std::pow(a, b);
      else return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::Maximum: return a > b || a != a ? a : b;  // NaN propagates
    case BinaryOp::Minimum: return a < b || a != a ? a : b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
  }
  return T(0);
}

// Each BinaryOp gets its own inner loop (the switch is hoisted out of the loop by the template).
template <class T, BinaryOp Op> void binary_rows(const BroadcastPlan<2>& plan, const T* a, const T* b, T* o) {
  const std::int64_t n = plan.inner(), sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  plan.for_each_row([&](const std::array<std::int64_t, 2>& off, std::int64_t out_off) {
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    T* po = o + out_off;
    if (sa == 1 && sb == 1)
      for (std::int64_t i = 0; i < n; ++i) po[i] = apply_binary<T>(Op, pa[i], pb[i]);
    else if (sa == 1)
      for (std::int64_t i = 0; i < n; ++i) po[i] = apply_binary<T>(Op, pa[i], pb[0]);
    else if (sb == 1)
      for (std::int64_t i = 0; i < n; ++i) po[i] = apply_binary<T>(Op, pa[0], pb[i]);
    else
      for (std::int64_t i = 0; i < n; ++i) po[i] = apply_binary<T>(Op, pa[i * sa], pb[i * sb]);
  });
}

// out = op(a, s) (or op(s, a)), one inner loop per op with the scalar in a register.
template <class T, BinaryOp Op>
void scalar_rows(const T* a, const T s, bool scalar_first, T* out, std::int64_t n) {
  parallel_for(0, n, kGrain, [=](std::int64_t b, std::int64_t e) {
    const T sv = s;
    const T* __restrict pa = a;
    T* __restrict po = out;
    if (scalar_first)
      for (std::int64_t i = b; i < e; ++i) po[i] = apply_binary<T>(Op, sv, pa[i]);
    else
      for (std::int64_t i = b; i < e; ++i) po[i] = apply_binary<T>(Op, pa[i], sv);
  });
}

template <class T> void binary_typed(BinaryOp op, const BroadcastPlan<2>& p, const T* a, const T* b, T* o) {
  switch (op) {
#define XG_CASE(NAME) \
  case BinaryOp::NAME: return binary_rows<T, BinaryOp::NAME>(p, a, b, o);
    XG_CASE(Add) XG_CASE(Sub) XG_CASE(Mul) XG_CASE(Div) XG_CASE(Pow) XG_CASE(Maximum) XG_CASE(Minimum)
    XG_CASE(Lt) XG_CASE(Le) XG_CASE(Gt) XG_CASE(Ge) XG_CASE(Eq) XG_CASE(Ne)
#undef XG_CASE
  }
}

Tensor as_dtype(const Tensor& t, Dtype d) { return t.dtype() == d ? t : cast(t, d); }

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  Tensor out = empty_tensor(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() { unary_typed<T>(op, x.data<T>(), out.data<T>(), x.numel()); });
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const Dtype dt = compute_dtype(op, promote(a_in.dtype(), b_in.dtype()));
  const Tensor a = as_dtype(a_in, dt), b = as_dtype(b_in, dt);
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), binary_name(op));
  Tensor out = empty_tensor(shape, dt);
  const BroadcastPlan<2> plan(shape, {&a.shape(), &b.shape()});
  dispatch_all(dt, [&]<class T>() { binary_typed<T>(op, plan, a.data<T>(), b.data<T>(), out.data<T>()); });
  return out;
}

Tensor binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first) {
  // An int64 tensor meets a fractional (or non-finite, or huge) scalar in float32, as int64 with
  // float32 promotes; converting the scalar to int64 would truncate it (x * 0.5 == 0).
  const bool integral_scalar = std::isfinite(s) && s == std::trunc(s) && std::abs(s) < 0x1p62;
  if (a.dtype() == Dtype::Int64 && (!integral_scalar || compute_dtype(op, Dtype::Int64) != Dtype::Int64))
    return binary_scalar(op, cast(a, Dtype::Float32), s, scalar_first);
  Tensor out = empty_tensor(a.shape(), a.dtype());
  dispatch_all(a.dtype(), [&]<class T>() {
    const T* pa = a.data<T>();
    T* po = out.data<T>();
    switch (op) {
#define XG_CASE(NAME) \
  case BinaryOp::NAME: return scalar_rows<T, BinaryOp::NAME>(pa, static_cast<T>(s), scalar_first, po, a.numel());
      XG_CASE(Add) XG_CASE(Sub) XG_CASE(Mul) XG_CASE(Div) XG_CASE(Pow) XG_CASE(Maximum) XG_CASE(Minimum)
      XG_CASE(Lt) XG_CASE(Le) XG_CASE(Gt) XG_CASE(Ge) XG_CASE(Eq) XG_CASE(Ne)
#undef XG_CASE
    }
  });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a_in, const Tensor& b_in) {
  const Dtype dt = promote(a_in.dtype(), b_in.dtype());
  const Tensor a = as_dtype(a_in, dt), b = as_dtype(b_in, dt);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty_tensor(shape, dt);
  const BroadcastPlan<3> plan(shape, {&cond.shape(), &a.shape(), &b.shape()});
  dispatch_all(cond.dtype(), [&]<class C>() {
    dispatch_all(dt, [&]<class T>() {
      const C* pc = cond.data<C>();
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* po = out.data<T>();
      const std::int64_t n = plan.inner(), sc = plan.inner_stride(0), sa = plan.inner_stride(1),
                         sb = plan.inner_stride(2);
      plan.for_each_row([&](const std::array<std::int64_t, 3>& off, std::int64_t oo) {
        for (std::int64_t i = 0; i < n; ++i)
          po[oo + i] = pc[off[0] + i * sc] != C(0) ? pa[off[1] + i * sa] : pb[off[2] + i * sb];
      });
    });
  });
  return out;
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw ValueError("clamp: min " + std::to_string(lo) + " is greater than max " + std::to_string(hi));
  Tensor out = empty_tensor(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() {
    const T l = static_cast<T>(lo), h = static_cast<T>(hi);
    map_flat(x.data<T>(), out.data<T>(), x.numel(), [&](T v) { return v < l ? l : (v > h ? h : v); });
  });
  return out;
}

Tensor cast(const Tensor& x, Dtype dtype) {
  Tensor out = empty_tensor(x.shape(), dtype);
  copy_broadcast(out, x);
  return out;
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  if (broadcast_shapes(x.shape(), shape, "broadcast_to") != shape)
    throw ShapeError("broadcast_to: cannot broadcast shape " + shape_str(x.shape()) + " to " + shape_str(shape));
  Tensor out = empty_tensor(shape, x.dtype());
  copy_broadcast(out, x);
  return out;
}

void fill(Tensor& t, double value) {
  dispatch_all(t.dtype(), [&]<class T>() {
    T* p = t.data<T>();
    const T v = static_cast<T>(value);
    parallel_for(0, t.numel(), kGrain, [&](std::int64_t b, std::int64_t e) { std::fill(p + b, p + e, v); });
  });
}

void copy_broadcast(Tensor& dst, const Tensor& src) {
  if (broadcast_shapes(src.shape(), dst.shape(), "copy_") != dst.shape())
    throw ShapeError("copy_: cannot broadcast source of shape " + shape_str(src.shape()) + " to destination " +
                     shape_str(dst.shape()));
  const BroadcastPlan<2> plan(dst.shape(), {&dst.shape(), &src.shape()});
  dispatch_all(dst.dtype(), [&]<class D>() {
    dispatch_all(src.dtype(), [&]<class S>() {
      D* pd = dst.data<D>();
      const S* ps = src.data<S>();
      const std::int64_t n = plan.inner(), ss = plan.inner_stride(1);
      plan.for_each_row([&](const std::array<std::int64_t, 2>& off, std::int64_t) {
        for (std::int64_t i = 0; i < n; ++i) pd[off[0] + i] = static_cast<D>(ps[off[1] + i * ss]);
      });
    });
  });
}

void axpy_broadcast(Tensor& dst, const Tensor& src_in, double alpha) {
  if (broadcast_shapes(src_in.shape(), dst.shape(), "add_") != dst.shape())
    throw ShapeError("add_: cannot broadcast source of shape " + shape_str(src_in.shape()) + " to destination " +
                     shape_str(dst.shape()));
  const Tensor src = as_dtype(src_in, dst.dtype());
  const BroadcastPlan<2> plan(dst.shape(), {&dst.shape(), &src.shape()});
  dispatch_all(dst.dtype(), [&]<class T>() {
    T* pd = dst.data<T>();
    const T* ps = src.data<T>();
    const T a = static_cast<T>(alpha);
    const std::int64_t n = plan.inner(), ss = plan.inner_stride(1);
    plan.for_each_row([&](const std::array<std::int64_t, 2>& off, std::int64_t) {
      if (ss == 1)
        for (std::int64_t i = 0; i < n; ++i) pd[off[0] + i] += a * ps[off[1] + i];
      else
        for (std::int64_t i = 0; i < n; ++i) pd[off[0] + i] += a * ps[off[1] + i * ss];
    });
  });
}

void scale_inplace(Tensor& t, double factor) {
  dispatch_all(t.dtype(), [&]<class T>() {
    T* p = t.data<T>();
    const T f = static_cast<T>(factor);
    map_flat(p, p, t.numel(), [f](T v) { return v * f; });
  });
}

bool all_finite(const Tensor& t) {
  return dispatch_all(t.dtype(), [&]<class T>() {
    if constexpr (!std::is_floating_point_v<T>) {
      return true;
    } else {
      const T* p = t.data<T>();
      std::atomic<bool> ok{true};
      parallel_for(0, t.numel(), kGrain, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i)
          if (!std::isfinite(p[i])) {
            ok = false;
            return;
          }
      });
      return ok.load();
    }
  });
}

}  // namespace xg::kernels
