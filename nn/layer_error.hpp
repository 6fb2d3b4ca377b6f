#pragma once
// LayerShapeError — a layer was given an input it cannot take. The message says which layer (its
// name and type), what it expects, what it got and, once a Sequential knows it, which layer
// produced that input:
//
//   dense_1 (Dense) expects input of shape (None, 100) but got (None, 784) from flatten_1 (Flatten):
//   it takes 100 features on the last axis (in_features = 100); this input has shape [32, 784]
//   max_pool2d_1 (MaxPool2d) cannot take input of shape (None, 16, 1, 1) from conv2d_1 (Conv2d):
//   its 2x2 pool window does not fit in the 1x1 image (padding valid); ...
//
// Shapes are printed as Keras does: the batch axis (axis 0 of a rank >= 2 input) and any axis a
// layer does not constrain are "None". Layers throw with throw_input_mismatch() (they know the
// shape they expect) or throw_input_rejected() (anything else); Module::operator() turns any other
// ShapeError raised inside a forward into the second form. Sequential adds " from <layer>" when
// the failing layer received the output of its predecessor unchanged: the error remembers the
// outermost module known to have received the bad input (the layer, then a Sequential that starts
// with it), and a Sequential only names a predecessor for an error received by its own child.
#include <xgrad/core/error.hpp>
#include <xgrad/core/shape.hpp>

#include <string>

namespace xg::nn {

class Module;

/// "(None, 100)": a shape pattern, -1 entries printed as None, one entry as "(784,)".
std::string keras_shape(const Shape& dims);
/// An input's shape as a layer sees it: the batch axis of a rank >= 2 shape is None.
std::string keras_input_shape(const Shape& shape);
/// "dense_1 (Dense)".
std::string layer_label(const Module& layer);

/// A ShapeError attributed to a layer; see the top of this file.
class LayerShapeError : public ShapeError {
 public:
  /// `head` names the layer and the shapes, `tail` (": ..." or "") explains; the message is
  /// head + " from <source>" (when known) + tail.
  LayerShapeError(const Module& receiver, std::string head, std::string tail);

  /// The outermost module known to have received the offending input unchanged. Only compared
  /// (never dereferenced) while the error propagates.
  const Module* receiver() const { return receiver_; }
  /// "flatten_1 (Flatten)" once known, else "".
  const std::string& source() const { return source_; }

  /// This error, naming `source` as the layer whose output was the offending input.
  LayerShapeError from(const Module& source) const;
  /// This error, now known to be the input of `container` as well (its first layer failed).
  LayerShapeError received_by(const Module& container) const;

 private:
  LayerShapeError(const Module* receiver, std::string head, std::string tail, std::string source);

  const Module* receiver_;
  std::string head_, tail_, source_;
};

/// Throws "<layer> expects input of shape <expected> but got <got>: <detail>". `expected` is a
/// pattern (-1 for None); `got` is the real input shape, printed with keras_input_shape.
[[noreturn]] void throw_input_mismatch(const Module& layer, const Shape& expected, const Shape& got,
                                       const std::string& detail);
/// Throws "<layer> cannot take input of shape <got>: <reason>".
[[noreturn]] void throw_input_rejected(const Module& layer, const Shape& got, const std::string& reason);

}  // namespace xg::nn
