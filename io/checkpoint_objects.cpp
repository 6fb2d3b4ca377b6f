// capture_checkpoint / restore_checkpoint (see checkpoint_objects.hpp). Restoring checks the type
// names and the weights' dtypes first, then loads module, scheduler and optimizer in that order:
// the optimizer validates everything before it changes anything, so it goes last, and the module
// and scheduler are rolled back from snapshots if a later step throws.
#include <xgrad/io/checkpoint_objects.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/optimizer.hpp>

namespace xg::io {
namespace {

TensorMap cloned(const TensorMap& tensors) {
  NoGradGuard no_grad;
  TensorMap out;
  for (const auto& [name, t] : tensors) out.emplace(name, t.detach().clone());
  return out;
}

template <class T> TypedState typed_state(const T* object) {
  if (!object) return {};
  return {object->name(), object->state_dict()};
}

/// Throws unless the saved state and the object to restore it into agree (both absent, or the
/// same type name). `what` is "optimizer" or "scheduler", `a_what` the same with its article.
void check_type(const TypedState& saved, const std::string& live_type, bool live, const std::string& what,
                const std::string& a_what, const std::string& file) {
  const std::string where = "restoring checkpoint '" + file + "': ";
  if (live && saved.type.empty())
    throw ValueError(where + "it holds no " + what + " state, but " + a_what + " of type " + live_type +
                     " was given (save the checkpoint with the same " + what + ")");
  if (!live && !saved.type.empty())
    throw ValueError(where + "it holds the state of " + a_what + " of type " + saved.type + ", but no " + what +
                     " was given to restore it into");
  if (live && saved.type != live_type)
    throw ValueError(where + "it holds the state of " + a_what + " of type " + saved.type + ", but the " + what +
                     " given is of type " + live_type);
}

/// Throws when a saved weight has another dtype than the module's (a checkpoint restores exactly).
void check_dtypes(const TensorMap& saved, const nn::Module& module, const std::string& file) {
  for (const auto& [name, live] : module.state_dict()) {
    const auto it = saved.find(name);
    if (it != saved.end() && it->second.dtype() != live.dtype())
      throw ValueError("restoring checkpoint '" + file + "': parameter '" + name + "' is " +
                       std::string(dtype_name(it->second.dtype())) + " in the file but " +
                       std::string(dtype_name(live.dtype())) + " in the model (" + module.name() + ")");
  }
}

}  // namespace

CheckpointState capture_checkpoint(const nn::Module& module, const optim::Optimizer* optimizer,
                                   const optim::LRScheduler* scheduler) {
  CheckpointState state;
  state.model = cloned(module.state_dict());
  state.optimizer = typed_state(optimizer);
  state.scheduler = typed_state(scheduler);
  state.rng = get_rng_state();
  return state;
}

void restore_checkpoint(const CheckpointState& state, nn::Module& module, optim::Optimizer* optimizer,
                        optim::LRScheduler* scheduler, const std::string& file) {
  check_type(state.optimizer, optimizer ? optimizer->name() : "", optimizer != nullptr, "optimizer", "an optimizer",
             file);
  check_type(state.scheduler, scheduler ? scheduler->name() : "", scheduler != nullptr, "scheduler", "a scheduler",
             file);
  check_dtypes(state.model, module, file);

  const TensorMap module_backup = cloned(module.state_dict());
  const TensorMap scheduler_backup = scheduler ? scheduler->state_dict() : TensorMap{};
  bool module_loaded = false, scheduler_loaded = false;
  try {
    module.load_state_dict(state.model, true);
    module_loaded = true;
    if (scheduler) {
      scheduler->load_state_dict(state.scheduler.state);
      scheduler_loaded = true;
    }
    if (optimizer) optimizer->load_state_dict(state.optimizer.state);
  } catch (const ValueError& e) {
    if (module_loaded) module.load_state_dict(module_backup, true);
    if (scheduler_loaded) scheduler->load_state_dict(scheduler_backup);
    throw ValueError("restoring checkpoint '" + file + "': " + e.what());
  }
  set_rng_state(state.rng);
}

}  // namespace xg::io
