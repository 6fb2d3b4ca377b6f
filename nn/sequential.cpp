#include <xgrad/nn/sequential.hpp>

#include <xgrad/core/error.hpp>

namespace xg::nn {
namespace {
std::size_t checked_index(std::int64_t index, std::size_t size, const std::string& owner) {
  const auto n = static_cast<std::int64_t>(size);
  if (index < -n || index >= n)
    throw IndexError(owner + ": index " + std::to_string(index) + " is out of range for " + std::to_string(size) +
                     " layers");
  return static_cast<std::size_t>(index < 0 ? index + n : index);
}
}  // namespace

Sequential::Sequential() : Module("Sequential") {}

Sequential& Sequential::add(std::shared_ptr<Module> module) {
  if (!module) throw ValueError("Sequential::add: null module");
  add_child(module->name(), module);
  layers_.push_back(std::move(module));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      h = (*layers_[i])(h);
    } catch (const ShapeError& e) {
      // A nested Sequential has already named the failing layer's predecessor.
      static constexpr const char* kClause = " (its input is the output of layer '";
      const std::string what = e.what();
      if (i == 0 || what.find(kClause) != std::string::npos) throw;
      const Module& prev = *layers_[i - 1];
      throw ShapeError(what + kClause + prev.name() + "' (" + prev.type_name() + "))");
    }
  }
  return h;
}

Module& Sequential::operator[](std::int64_t index) const { return *layers_[checked_index(index, layers_.size(), name())]; }

std::shared_ptr<Module> Sequential::layer(std::int64_t index) const {
  return layers_[checked_index(index, layers_.size(), name())];
}

void Sequential::throw_type_mismatch(std::int64_t index) const {
  throw ValueError(name() + ": layer " + std::to_string(index) + " is a " + (*this)[index].type_name() +
                   ", not the requested type");
}

ModuleList::ModuleList() : Module("ModuleList") {}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> module) {
  if (!module) throw ValueError("ModuleList::push_back: null module");
  add_child(std::to_string(items_.size()), module);
  items_.push_back(std::move(module));
  return *this;
}

Module& ModuleList::operator[](std::int64_t index) const { return *items_[checked_index(index, items_.size(), name())]; }

}  // namespace xg::nn
