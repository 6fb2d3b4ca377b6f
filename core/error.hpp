#pragma once
// Exceptions thrown by xgrad. Every message says what was wrong, where, and what was expected.
#include <stdexcept>
#include <string>
#include <vector>

namespace xg {

/// Base of all xgrad errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Incompatible or invalid shapes; the message names the op and the shapes involved.
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// An operation was given a dtype it does not support.
class DtypeError : public Error {
 public:
  using Error::Error;
};
/// An invalid argument value (unknown name, out-of-range option, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// Index out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// Misuse of the autograd engine (backward twice without retain_graph, no grad_fn, ...).
class AutogradError : public Error {
 public:
  using Error::Error;
};
/// Anomaly mode found a NaN or Inf; the message names the op that produced it.
class AnomalyError : public AutogradError {
 public:
  using AutogradError::AutogradError;
};

/// Throws ValueError "unknown <kind> '<name>'; valid names: a, b, c" — the error of every lookup
/// by name (activations, initializers, losses, metrics, optimizers).
[[noreturn]] void throw_unknown_name(const std::string& kind, const std::string& name,
                                     const std::vector<std::string>& valid);

}  // namespace xg
