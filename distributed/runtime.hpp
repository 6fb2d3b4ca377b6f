#pragma once
// xg::distributed — data-parallel training on several processes ("ranks") through MPI:
//
//   $ mpirun -np 2 build/examples/mnist_distributed
//
//   xg::distributed::init();                        // optional: fit({.distributed = true}) calls it
//   model.fit(x, y, {.batch_size = 64, .distributed = true});   // 64 per rank
//
// Every rank runs the same program on its own share of each batch; after backward the gradients
// are averaged over the ranks (distributed/data_parallel.hpp), so every rank applies the same
// update and the parameters stay identical. The functions here are the collectives that need: all
// ranks must call them in the same order. Built without MPI (CMake did not find it), the same API
// runs as a world of one process. docs/distributed.md explains the design and its scaling.
#include <xgrad/core/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace xg::nn {
class Module;
}

namespace xg::distributed {

struct InitOptions {
  /// Seconds a rank may wait in one collective before it decides that another rank has stopped,
  /// died or hangs, prints so and aborts the whole job (<= 0: wait forever). The environment
  /// variable XGRAD_DISTRIBUTED_TIMEOUT, when set, takes precedence.
  double timeout_seconds = 300;
  /// With several ranks on one machine and XGRAD_NUM_THREADS unset, bound each rank's kernels to
  /// its share of the cores (cores / ranks on the machine, at least 1) so ranks do not fight for them.
  bool share_cores = true;
};

/// Joins the job started by mpirun (a world of one without it). Later calls do nothing (the first
/// call's options stay). MPI is finalized at exit (or by finalize()) when init initialized it.
void init(InitOptions options = {});
/// Leaves the job. Idempotent; no collective may follow.
void finalize();
/// init() was called and finalize() was not.
bool initialized();
/// True when xgrad was built with MPI.
bool available();

/// This process' rank (0 before init).
int rank();
/// Number of ranks in the job (1 before init).
int world_size();
/// Ranks running on this machine.
int local_world_size();
/// Rank 0: the one that prints, writes checkpoints and logs.
inline bool is_root() { return rank() == 0; }

/// Overwrites `t` (any dtype) on every rank with rank `root`'s values; shapes must agree.
void broadcast(Tensor& t, int root = 0);
/// Broadcasts a trivially copyable value from `root`.
void broadcast_bytes(void* data, std::size_t bytes, int root = 0);
template <class T>
  requires std::is_trivially_copyable_v<T>
void broadcast_value(T& value, int root = 0) {
  broadcast_bytes(&value, sizeof(T), root);
}
/// Copies rank `root`'s parameters and buffers into every rank's module (same architecture).
void broadcast_state(nn::Module& module, int root = 0);

/// Element-wise sum over ranks, in place.
void all_reduce_sum(std::vector<double>& values);
/// True on every rank when `flag` is true on any rank.
bool any(bool flag);
/// Sample-weighted means over ranks: each rank passes its means over `count` samples (count may be
/// 0); every rank gets sum(mean * count) / sum(count) per key. Keys must be the same on all ranks.
std::map<std::string, double> mean(const std::map<std::string, double>& local_means, std::int64_t count);
/// True on every rank when all ranks hold bitwise identical parameters (one 64-bit hash per rank).
bool parameters_identical(const nn::Module& module);

/// Waits until every rank arrives.
void barrier();
/// Prints "xgrad distributed: rank r of n: <message>" and ends every rank of the job.
[[noreturn]] void abort(const std::string& message, int code = 1);

/// init() on construction, finalize() on destruction.
class Session {
 public:
  explicit Session(InitOptions options = {}) { init(options); }
  ~Session() { finalize(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

}  // namespace xg::distributed
