#pragma once
// The transport under xg::distributed (internal header, not installed for users to call).
//
// Two implementations with the same functions: backend_mpi.cpp (Open MPI, built when CMake finds
// MPI) and backend_local.cpp (a world of one process, built otherwise). Everything above this
// header — runtime, DataParallel, the sampler, Model::fit — is transport-free code.
//
// Every collective is non-blocking: sum_async / broadcast_async start it and return an Operation;
// progress() lets MPI advance it (MPI makes progress only inside its calls, so the gradient hooks
// poke the operations in flight while backward runs); wait() finishes it under a watchdog: a rank
// that waits longer than the timeout concludes that a peer has stopped, died or hangs, says so on
// stderr and aborts the whole job instead of hanging. All ranks must start the same collectives in
// the same order, from the thread that called start().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace xg::distributed::backend {

/// One collective in flight (or already complete).
struct Operation;

/// Settings of start().
struct Settings {
  /// Seconds one wait() may take before the job is aborted; <= 0 waits forever.
  double timeout_seconds = 300;
};

/// True when built with MPI.
bool built_with_mpi();
/// Joins the job (MPI_Init_thread unless the program did it already). Idempotent.
void start(const Settings& settings);
/// Leaves the job (MPI_Finalize if start() initialized MPI). Idempotent.
void stop();
bool running();

int rank();
int size();
/// Ranks of the job on this machine (this one included).
int local_size();

/// Element-wise sum over all ranks, in place.
std::shared_ptr<Operation> sum_async(float* data, std::size_t count);
std::shared_ptr<Operation> sum_async(double* data, std::size_t count);
/// Copies `bytes` bytes at `data` of rank `root` into `data` of every rank.
std::shared_ptr<Operation> broadcast_async(void* data, std::size_t bytes, int root);

/// Lets the transport advance `op`; true once it is complete.
bool progress(Operation& op);
/// Blocks until `op` completes. `what` names the collective for the watchdog's message
/// ("the gradient all-reduce of bucket 2 of 3").
void wait(Operation& op, const char* what, std::int64_t index = -1, std::int64_t count = 0);

/// Writes "xgrad distributed: rank r of n: <message>" to stderr and ends every rank of the job.
[[noreturn]] void abort(const std::string& message, int code);

}  // namespace xg::distributed::backend
