// StateDict entry helpers shared by optimizers and LR schedulers.
#include <xgrad/optim/detail/state_io.hpp>

#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>

#include <algorithm>

namespace xg::optim::detail {
namespace {
const Tensor& entry(const StateDict& dict, const std::string& key, const std::string& who) {
  const auto it = dict.find(key);
  if (it == dict.end() || !it->second.defined()) throw ValueError(who + ": missing key '" + key + "'");
  return it->second;
}
}  // namespace

Tensor scalar64(double value) { return scalar_tensor(value, {.dtype = kFloat64}); }

Tensor int64_scalar(std::int64_t value) { return scalar_tensor(static_cast<double>(value), {.dtype = kInt64}); }

Tensor list64(const std::vector<double>& values) {
  return from_vector(values, {static_cast<std::int64_t>(values.size())});
}

double scalar_entry(const StateDict& dict, const std::string& key, const std::string& who) {
  const Tensor& t = entry(dict, key, who);
  if (t.numel() != 1)
    throw ValueError(who + ": '" + key + "' should hold one number, got shape " + shape_str(t.shape()));
  return t.item();
}

std::vector<double> list_entry(const StateDict& dict, const std::string& key, const std::string& who,
                               std::size_t expected_size) {
  const Tensor& t = entry(dict, key, who);
  if (t.dim() != 1 || static_cast<std::size_t>(t.numel()) != expected_size)
    throw ValueError(who + ": '" + key + "' has shape " + shape_str(t.shape()) + ", expected [" +
                     std::to_string(expected_size) + "] (one value per parameter group)");
  return t.to_vector<double>();
}

void reject_unknown_keys(const StateDict& dict, const std::vector<std::string>& known, const std::string& who) {
  for (const auto& [key, value] : dict) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw ValueError(who + ": unexpected key '" + key + "' (expected " + list + ")");
  }
}

}  // namespace xg::optim::detail
