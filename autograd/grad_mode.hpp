#pragma once
// Thread-local switches of the autograd recorder: grad mode (record ops or not) and anomaly mode.
namespace xg::autograd {

/// Whether operations are recorded for backward on this thread (on by default).
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Scoped switch of grad mode; restores the previous state on destruction.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

/// Disables recording in a scope (evaluation, optimizer updates): `xg::NoGradGuard guard;`.
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

/// Re-enables recording inside a NoGradGuard scope.
class EnableGradGuard : public AutoGradMode {
 public:
  EnableGradGuard() : AutoGradMode(true) {}
};

/// Anomaly mode: every recorded op checks its output, and every backward node its gradients, for
/// NaN/Inf and throws AnomalyError naming the first op that produced one. Process-wide; slows
/// training, meant for debugging.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Scoped anomaly detection: `xg::autograd::DetectAnomalyGuard guard;`.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : previous_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace xg::autograd

namespace xg {
using autograd::EnableGradGuard;
using autograd::NoGradGuard;
}  // namespace xg
