#include <xgrad/autograd/gradcheck.hpp>

#include <xgrad/autograd/engine.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cmath>
#include <sstream>

namespace xg::autograd {
namespace {

// jac[o][i] is the Jacobian of output o with respect to input i: rows = output elements.
using Jacobians = std::vector<std::vector<std::vector<double>>>;

std::vector<std::size_t> differentiable_inputs(const std::vector<Tensor>& inputs) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    if (inputs[i].dtype() != Dtype::Float64)
      throw DtypeError("gradcheck: input " + std::to_string(i) + " is " + std::string(dtype_name(inputs[i].dtype())) +
                       "; inputs that require grad must be float64");
    idx.push_back(i);
  }
  if (idx.empty()) throw AutogradError("gradcheck: no input requires grad");
  return idx;
}

std::vector<Tensor> evaluate(const MultiOutputFn& fn, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outs = fn(inputs);
  for (std::size_t o = 0; o < outs.size(); ++o)
    if (outs[o].defined() && outs[o].dtype() != Dtype::Float64)
      throw DtypeError("gradcheck: output " + std::to_string(o) + " is " + std::string(dtype_name(outs[o].dtype())) +
                       ", expected float64");
  return outs;
}

Jacobians analytical(const MultiOutputFn& fn, const std::vector<Tensor>& inputs, const std::vector<std::size_t>& diff) {
  std::vector<Tensor> outs = evaluate(fn, inputs);
  std::vector<Tensor> diff_inputs;
  for (auto i : diff) diff_inputs.push_back(inputs[i]);
  Jacobians jac(outs.size());
  for (std::size_t o = 0; o < outs.size(); ++o) {
    const std::int64_t n_out = outs[o].numel();
    jac[o].assign(diff.size(), {});
    for (std::size_t k = 0; k < diff.size(); ++k)
      jac[o][k].assign(static_cast<std::size_t>(n_out * inputs[diff[k]].numel()), 0.0);
    if (!outs[o].requires_grad()) continue;  // constant output: zero Jacobian
    for (std::int64_t j = 0; j < n_out; ++j) {
      Tensor seed = zeros(outs[o].shape(), {.dtype = Dtype::Float64});
      seed.data<double>()[j] = 1.0;
      auto grads = grad({outs[o]}, diff_inputs, {seed}, {.retain_graph = true, .allow_unused = true});
      for (std::size_t k = 0; k < diff.size(); ++k) {
        if (!grads[k].defined()) continue;
        const double* g = grads[k].data<double>();
        const std::int64_t n_in = grads[k].numel();
        for (std::int64_t e = 0; e < n_in; ++e) jac[o][k][j * n_in + e] = g[e];
      }
    }
  }
  return jac;
}

// Output values copied out immediately: an output may alias the input being perturbed.
std::vector<std::vector<double>> snapshot(const MultiOutputFn& fn, const std::vector<Tensor>& inputs) {
  std::vector<std::vector<double>> values;
  for (const auto& out : evaluate(fn, inputs)) values.push_back(out.to_vector<double>());
  return values;
}

Jacobians numerical(const MultiOutputFn& fn, const std::vector<Tensor>& inputs, const std::vector<std::size_t>& diff,
                    double eps) {
  // Evaluated with recording on: the function may itself call autograd::grad (gradgradcheck).
  const auto base = snapshot(fn, inputs);
  Jacobians jac(base.size());
  for (std::size_t o = 0; o < base.size(); ++o) {
    jac[o].assign(diff.size(), {});
    for (std::size_t k = 0; k < diff.size(); ++k)
      jac[o][k].assign(base[o].size() * static_cast<std::size_t>(inputs[diff[k]].numel()), 0.0);
  }
  for (std::size_t k = 0; k < diff.size(); ++k) {
    double* p = static_cast<double*>(inputs[diff[k]].impl()->data());
    const std::size_t n_in = static_cast<std::size_t>(inputs[diff[k]].numel());
    for (std::size_t e = 0; e < n_in; ++e) {
      const double orig = p[e];
      p[e] = orig + eps;
      inputs[diff[k]].mark_modified();
      const auto plus = snapshot(fn, inputs);
      p[e] = orig - eps;
      inputs[diff[k]].mark_modified();
      const auto minus = snapshot(fn, inputs);
      p[e] = orig;
      inputs[diff[k]].mark_modified();
      for (std::size_t o = 0; o < base.size(); ++o)
        for (std::size_t j = 0; j < base[o].size(); ++j) jac[o][k][j * n_in + e] = (plus[o][j] - minus[o][j]) / (2 * eps);
    }
  }
  return jac;
}

}  // namespace

GradcheckResult gradcheck(const MultiOutputFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  const auto diff = differentiable_inputs(inputs);
  const Jacobians a = analytical(fn, inputs, diff);
  const Jacobians n = numerical(fn, inputs, diff, options.eps);
  for (std::size_t o = 0; o < a.size(); ++o)
    for (std::size_t k = 0; k < diff.size(); ++k) {
      const std::int64_t n_in = inputs[diff[k]].numel();
      for (std::size_t idx = 0; idx < a[o][k].size(); ++idx) {
        const double av = a[o][k][idx], nv = n[o][k][idx];
        if (std::abs(av - nv) <= options.atol + options.rtol * std::abs(nv)) continue;
        std::ostringstream msg;
        msg.precision(10);
        msg << "gradcheck: Jacobian mismatch for output " << o << " w.r.t. input " << diff[k] << " at (output element "
            << idx / static_cast<std::size_t>(n_in) << ", input element " << idx % static_cast<std::size_t>(n_in)
            << "): analytical " << av << " vs numerical " << nv << " (atol " << options.atol << ", rtol "
            << options.rtol << ")";
        return {false, msg.str()};
      }
    }
  return {};
}

GradcheckResult gradcheck(const DifferentiableFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  return gradcheck(MultiOutputFn([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in)}; }), inputs,
                   options);
}

GradcheckResult gradgradcheck(const DifferentiableFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  const auto diff = differentiable_inputs(inputs);
  Tensor probe;
  {
    NoGradGuard no_grad;
    probe = fn(inputs);
  }
  // The output gradient v is an extra input, so the check covers d(grad)/dv as well.
  Tensor v = randn(probe.shape(), {.dtype = Dtype::Float64, .requires_grad = true});
  std::vector<Tensor> extended = inputs;
  extended.push_back(v);
  const std::size_t n_inputs = inputs.size();
  MultiOutputFn grad_fn = [&, n_inputs](const std::vector<Tensor>& in) {
    std::vector<Tensor> original(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n_inputs));
    Tensor out = fn(original);
    std::vector<Tensor> diff_inputs;
    for (auto i : diff) diff_inputs.push_back(original[i]);
    if (!out.requires_grad()) {
      std::vector<Tensor> zero;
      for (const auto& t : diff_inputs) zero.push_back(zeros_like(t));
      return zero;
    }
    auto grads = grad({out}, diff_inputs, {in.back()}, {.create_graph = true, .allow_unused = true});
    for (std::size_t k = 0; k < grads.size(); ++k)
      if (!grads[k].defined()) grads[k] = zeros_like(diff_inputs[k]);
    return grads;
  };
  return gradcheck(grad_fn, extended, options);
}

}  // namespace xg::autograd
