#include <xgrad/core/error.hpp>

namespace xg {

void throw_unknown_name(const std::string& kind, const std::string& name, const std::vector<std::string>& valid) {
  std::string list;
  for (const auto& n : valid) list += (list.empty() ? "" : ", ") + n;
  throw ValueError("unknown " + kind + " '" + name + "'; valid names: " + list);
}

}  // namespace xg
