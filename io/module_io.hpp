#pragma once
// Saving and loading a module's weights as safetensors. The file holds Module::state_dict():
// every parameter and buffer under its dotted name ("fc1.weight"), so it can be read by other
// frameworks and written by them (a PyTorch state_dict with the same names loads here).
#include <xgrad/io/safetensors.hpp>

#include <string>

namespace xg::nn {
class Module;
}

namespace xg::io {

/// Writes `module.state_dict()` (and `metadata`) to `path` atomically; see save_safetensors.
void save(const nn::Module& module, const std::string& path, const Metadata& metadata = {});

/// Loads `path` into `module` in place (optimizers holding the parameters keep working). Values
/// are converted to each parameter's dtype. strict: the file must hold exactly the module's names;
/// shape mismatches are always an error. Errors are those of load_safetensors and of
/// Module::load_state_dict, prefixed with the path.
void load(nn::Module& module, const std::string& path, bool strict = true);

}  // namespace xg::io
