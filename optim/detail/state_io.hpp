#pragma once
// Internal: reading and writing the flat StateDict entries of optimizers and LR schedulers, with
// errors that name the owner and the key.
#include <xgrad/optim/optimizer.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xg::optim::detail {

/// A 0-d float64 tensor.
Tensor scalar64(double value);
/// A 0-d int64 tensor.
Tensor int64_scalar(std::int64_t value);
/// A 1-d float64 tensor.
Tensor list64(const std::vector<double>& values);

/// The single number stored under `key`; throws ValueError "<who>: missing key '<key>'" or naming
/// the shape when it holds more than one element.
double scalar_entry(const StateDict& dict, const std::string& key, const std::string& who);
/// The list stored under `key`, which must hold exactly `expected_size` numbers.
std::vector<double> list_entry(const StateDict& dict, const std::string& key, const std::string& who,
                               std::size_t expected_size);
/// Throws ValueError naming the first key of `dict` that is not in `known`.
void reject_unknown_keys(const StateDict& dict, const std::vector<std::string>& known, const std::string& who);

}  // namespace xg::optim::detail
