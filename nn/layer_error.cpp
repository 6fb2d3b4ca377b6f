// LayerShapeError: the message is composed from its parts (head, source, tail) so that a
// Sequential can add the source layer after the fact by making a copy with it.
#include <xgrad/nn/layer_error.hpp>

#include <xgrad/nn/module.hpp>

namespace xg::nn {

std::string keras_shape(const Shape& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + (dims[i] < 0 ? std::string("None") : std::to_string(dims[i]));
  return s + (dims.size() == 1 ? ",)" : ")");
}

std::string keras_input_shape(const Shape& shape) {
  Shape dims = shape;
  if (dims.size() >= 2) dims[0] = -1;
  return keras_shape(dims);
}

std::string layer_label(const Module& layer) { return layer.name() + " (" + layer.type_name() + ")"; }

LayerShapeError::LayerShapeError(const Module& receiver, std::string head, std::string tail)
    : LayerShapeError(&receiver, std::move(head), std::move(tail), "") {}

LayerShapeError::LayerShapeError(const Module* receiver, std::string head, std::string tail, std::string source)
    : ShapeError(head + (source.empty() ? "" : " from " + source) + tail),
      receiver_(receiver),
      head_(std::move(head)),
      tail_(std::move(tail)),
      source_(std::move(source)) {}

LayerShapeError LayerShapeError::from(const Module& source) const {
  return LayerShapeError(receiver_, head_, tail_, layer_label(source));
}

LayerShapeError LayerShapeError::received_by(const Module& container) const {
  return LayerShapeError(&container, head_, tail_, source_);
}

namespace {
std::string explanation(const std::string& text) { return text.empty() ? "" : ": " + text; }
}  // namespace

void throw_input_mismatch(const Module& layer, const Shape& expected, const Shape& got, const std::string& detail) {
  throw LayerShapeError(layer, layer_label(layer) + " expects input of shape " + keras_shape(expected) + " but got " +
                                   keras_input_shape(got),
                        explanation(detail));
}

void throw_input_rejected(const Module& layer, const Shape& got, const std::string& reason) {
  throw LayerShapeError(layer, layer_label(layer) + " cannot take input of shape " + keras_input_shape(got),
                        explanation(reason));
}

}  // namespace xg::nn
