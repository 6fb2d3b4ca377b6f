// The Open MPI transport of xg::distributed (see backend.hpp).
//
// start() initializes MPI with MPI_THREAD_SERIALIZED (unless the program did already) and works on
// a private duplicate of MPI_COMM_WORLD, so the program's own MPI traffic never matches ours. MPI
// errors are returned, not fatal, and become xg::Error exceptions naming the call. A collective is
// an MPI_I* request; wait() polls it with MPI_Test (spinning briefly, then yielding the core in
// short sleeps, which matters when ranks share cores) and aborts the job once the watchdog's
// timeout has passed. An uncaught exception on any rank is reported with the rank's number and
// aborts the job (std::terminate handler), so the other ranks never wait for it.
#include <xgrad/distributed/backend.hpp>

#include <xgrad/core/error.hpp>

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

namespace xg::distributed::backend {

struct Operation {
  MPI_Request request = MPI_REQUEST_NULL;
  bool done = false;
};

namespace {

struct State {
  bool running = false;
  bool initialized_mpi = false;  // start() called MPI_Init_thread (so stop() finalizes)
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 1, local_size = 1;
  double timeout_seconds = 300;
  std::terminate_handler previous_terminate = nullptr;
};

State& state() {
  static State s;
  return s;
}

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("xgrad distributed: ") + call + " failed on rank " + std::to_string(state().rank) + ": " +
              std::string(text, static_cast<std::size_t>(length)));
}

void require_running(const char* call) {
  if (!state().running)
    throw ValueError(std::string("xg::distributed: ") + call + " before xg::distributed::init()");
}

int mpi_count(std::size_t count, const char* call) {
  if (count > static_cast<std::size_t>(INT_MAX))
    throw ValueError(std::string("xg::distributed: ") + call + " of " + std::to_string(count) +
                     " elements; at most " + std::to_string(INT_MAX) + " per collective");
  return static_cast<int>(count);
}

// Prints what ended the rank and takes the job down with it.
[[noreturn]] void terminate_job() {
  std::string what = "terminating without an active exception";
  if (const auto error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = std::string("uncaught exception: ") + e.what();
    } catch (...) {
      what = "uncaught exception of a non-standard type";
    }
  }
  abort(what + "; aborting all ranks", 2);
}

std::shared_ptr<Operation> start_sum(void* data, std::size_t count, MPI_Datatype type) {
  require_running("all-reduce");
  auto op = std::make_shared<Operation>();
  check(MPI_Iallreduce(MPI_IN_PLACE, data, mpi_count(count, "all-reduce"), type, MPI_SUM, state().comm, &op->request),
        "MPI_Iallreduce");
  return op;
}

}  // namespace

bool built_with_mpi() { return true; }

void start(const Settings& settings) {
  State& s = state();
  if (s.running) return;
  s.timeout_seconds = settings.timeout_seconds;
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) throw ValueError("xg::distributed::init: MPI was already finalized in this process");
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
      throw Error("xg::distributed::init: MPI_Init_thread failed");
    s.initialized_mpi = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_dup(MPI_COMM_WORLD, &s.comm), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(s.comm, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(s.comm, &s.rank), "MPI_Comm_rank");
  check(MPI_Comm_size(s.comm, &s.size), "MPI_Comm_size");
  MPI_Comm node = MPI_COMM_NULL;
  check(MPI_Comm_split_type(s.comm, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  MPI_Comm_size(node, &s.local_size);
  MPI_Comm_free(&node);
  s.running = true;
  if (s.size > 1) s.previous_terminate = std::set_terminate(terminate_job);
}

void stop() {
  State& s = state();
  if (!s.running) return;
  if (s.size > 1) std::set_terminate(s.previous_terminate);
  MPI_Comm_free(&s.comm);
  s.running = false;
  if (s.initialized_mpi) {
    MPI_Finalize();
    s.initialized_mpi = false;
  }
}

bool running() { return state().running; }
int rank() { return state().rank; }
int size() { return state().size; }
int local_size() { return state().local_size; }

std::shared_ptr<Operation> sum_async(float* data, std::size_t count) { return start_sum(data, count, MPI_FLOAT); }
std::shared_ptr<Operation> sum_async(double* data, std::size_t count) { return start_sum(data, count, MPI_DOUBLE); }

std::shared_ptr<Operation> broadcast_async(void* data, std::size_t bytes, int root) {
  require_running("broadcast");
  auto op = std::make_shared<Operation>();
  check(MPI_Ibcast(data, mpi_count(bytes, "broadcast"), MPI_BYTE, root, state().comm, &op->request), "MPI_Ibcast");
  return op;
}

bool progress(Operation& op) {
  if (op.done) return true;
  int flag = 0;
  check(MPI_Test(&op.request, &flag, MPI_STATUS_IGNORE), "MPI_Test");
  op.done = flag != 0;
  return op.done;
}

void wait(Operation& op, const char* what, std::int64_t index, std::int64_t count) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double timeout = state().timeout_seconds;
  for (std::int64_t polls = 0; !progress(op); ++polls) {
    if (polls < 2000) continue;  // a peer a few microseconds behind: keep spinning
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    if (timeout > 0 && waited > timeout) {
      std::string name = what;
      if (index >= 0) name += " " + std::to_string(index + 1) + " of " + std::to_string(count);
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", waited);
      abort("waited " + std::string(seconds) + " s for " + name +
                "; another rank has stopped, died or hangs (XGRAD_DISTRIBUTED_TIMEOUT sets the limit); "
                "aborting all ranks",
            3);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

void abort(const std::string& message, int code) {
  const State& s = state();
  std::fprintf(stderr, "xgrad distributed: rank %d of %d: %s\n", s.rank, s.size, message.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace xg::distributed::backend
