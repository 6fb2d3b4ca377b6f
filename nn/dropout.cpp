// Dropout: the scaled mask (0 or 1 / (1 - rate)) is drawn in one pass by kernels::dropout_mask
// (not recorded by autograd), and the differentiable part is a single multiplication by it.
#include <xgrad/nn/dropout.hpp>

#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/dropout.hpp>
#include <xgrad/core/random.hpp>

#include <sstream>

namespace xg::nn {
namespace {

void check_rate(const char* who, double rate) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    std::ostringstream msg;
    msg << who << ": rate must be in [0, 1), got " << rate;
    throw ValueError(msg.str());
  }
}

}  // namespace

namespace functional {

Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double rate) {
  check_rate("dropout", rate);
  if (mask.shape() != x.shape())
    throw ShapeError("dropout: mask of shape " + shape_str(mask.shape()) + " does not match input of shape " +
                     shape_str(x.shape()));
  // mask / (1 - rate) involves no tensor that requires grad: it is a constant of the graph.
  return x * (mask.to(x.dtype()).detach() * (1.0 / (1.0 - rate)));
}

Tensor dropout(const Tensor& x, double rate, bool training) {
  check_rate("dropout", rate);
  if (!training || rate == 0.0) return x;
  if (!is_floating(x.dtype()))
    throw DtypeError("dropout: expected a float32 or float64 input, got " + std::string(dtype_name(x.dtype())));
  // One pass draws the scaled mask (0 or 1 / (1 - rate)); the product is the only recorded op.
  const auto block = random::reserve(1);
  return x * kernels::dropout_mask(x.shape(), x.dtype(), rate, block);
}

}  // namespace functional

Dropout::Dropout(double rate, DropoutOptions options) : Module("Dropout"), rate_(rate) {
  if (!options.name.empty()) set_name(options.name);
  check_rate(("layer '" + name() + "' (Dropout)").c_str(), rate);
}

Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, rate_, is_training()); }

std::string Dropout::describe() const {
  std::ostringstream os;
  os << "Dropout(rate=" << rate_ << ")";
  return os.str();
}

}  // namespace xg::nn
