#include <xgrad/nn/sequential.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/nn/layer_error.hpp>

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
    } catch (const LayerShapeError& e) {
      // Only an error about the input this container handed to layer i can name where that input
      // came from; one raised deeper (inside a custom module) keeps its own story.
      if (!e.source().empty() || e.receiver() != layers_[i].get()) throw;
      if (i == 0) throw e.received_by(*this);
      throw e.from(*layers_[i - 1]);
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
