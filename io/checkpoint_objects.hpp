#pragma once
// Moving the state of live objects into and out of a CheckpointState: a module's weights, an
// optimizer, an LR scheduler and the global random generator. train::Model uses these for fit's
// checkpoints; a custom training loop uses them directly:
//
//   xg::io::CheckpointState s = xg::io::capture_checkpoint(net, &opt, &sched);
//   s.progress = {.epoch = epoch + 1, .global_step = steps, .shuffle_seed = loader.seed()};
//   xg::io::save_checkpoint("run.ckpt", s);
//   ...                                                      // later, in a new process:
//   xg::io::CheckpointState s = xg::io::load_checkpoint("run.ckpt");
//   xg::io::restore_checkpoint(s, net, &opt, &sched, "run.ckpt");
//   loader = DataLoader(dataset, {.shuffle = true, .seed = s.progress.shuffle_seed});
//   loader.set_epoch(s.progress.epoch);
#include <xgrad/io/checkpoint.hpp>

#include <string>

namespace xg::nn {
class Module;
}
namespace xg::optim {
class Optimizer;
class LRScheduler;
}  // namespace xg::optim

namespace xg::io {

/// A snapshot (cloned tensors) of the module's state_dict(), the optimizer's and the scheduler's
/// state and type names (each optional) and the global generator. Progress, history and extra are
/// left empty for the caller to fill.
CheckpointState capture_checkpoint(const nn::Module& module, const optim::Optimizer* optimizer = nullptr,
                                   const optim::LRScheduler* scheduler = nullptr);

/// Puts `state` back: the module's weights (same names, shapes and dtypes, strictly), the
/// optimizer's and the scheduler's state (their types must match the saved names; a saved state
/// needs an object to go into and an object needs a saved state) and the global generator.
/// Everything is checked before the generator is set; on any error the module and the scheduler
/// are left as they were and a ValueError names `file`, the parameter or key and the mismatch.
void restore_checkpoint(const CheckpointState& state, nn::Module& module, optim::Optimizer* optimizer = nullptr,
                        optim::LRScheduler* scheduler = nullptr, const std::string& file = "<checkpoint>");

}  // namespace xg::io
