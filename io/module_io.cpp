// Module weights <-> safetensors (see module_io.hpp): state_dict() out, load_state_dict() in.
#include <xgrad/io/module_io.hpp>

#include <xgrad/nn/module.hpp>

namespace xg::io {

void save(const nn::Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(module.state_dict(), path, metadata);
}

void load(nn::Module& module, const std::string& path, bool strict) {
  SafetensorsFile file = load_safetensors(path);
  try {
    module.load_state_dict(file.tensors, strict);
  } catch (const ValueError& e) {
    throw ValueError("loading '" + path + "': " + e.what());
  }
}

}  // namespace xg::io
