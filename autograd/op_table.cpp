#include <xgrad/autograd/op_table.hpp>

#include <xgrad/core/creation.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace xg::autograd {
namespace {
std::vector<OpCase>& mutable_table() {
  static auto* table = new std::vector<OpCase>;
  return *table;
}
}  // namespace

const std::vector<OpCase>& op_table() { return mutable_table(); }

OpTableRegistrar::OpTableRegistrar(std::vector<OpCase> rows) {
  auto& table = mutable_table();
  for (auto& r : rows) table.push_back(std::move(r));
}

std::vector<Shape> resolve_shapes(const OpCase& row, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::int64_t, std::int64_t> sizes;
  std::vector<Shape> out = row.shapes;
  for (auto& shape : out)
    for (auto& d : shape)
      if (d < 0) {
        auto it = sizes.find(d);
        if (it == sizes.end()) it = sizes.emplace(d, 2 + static_cast<std::int64_t>(rng() % 3)).first;
        d = it->second;
      }
  return out;
}

std::vector<Tensor> make_inputs(const OpCase& row, std::uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5851f42d4c957f2dULL);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Tensor> inputs;
  for (const auto& shape : resolve_shapes(row, seed)) {
    const std::int64_t n = shape_numel(shape);
    std::vector<double> v(static_cast<std::size_t>(n));
    switch (row.domain) {
      case Domain::Real: for (auto& x : v) x = -2 + 4 * u(rng); break;
      case Domain::Positive: for (auto& x : v) x = 0.5 + 1.5 * u(rng); break;
      case Domain::AwayFromZero:
        for (auto& x : v) x = (u(rng) < 0.5 ? -1 : 1) * (0.3 + 1.7 * u(rng));
        break;
      case Domain::Unit: for (auto& x : v) x = -0.9 + 1.8 * u(rng); break;
      case Domain::Distinct:
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = -1.0 + 0.15 * static_cast<double>(i) + 0.01 * u(rng);
        std::shuffle(v.begin(), v.end(), rng);
        break;
    }
    inputs.push_back(from_vector(v, shape, {.dtype = Dtype::Float64, .requires_grad = true}));
  }
  return inputs;
}

std::vector<std::string> op_names() {
  std::set<std::string> names;
  for (const auto& r : op_table()) names.insert(r.name.substr(0, r.name.find('/')));
  return {names.begin(), names.end()};
}

}  // namespace xg::autograd
