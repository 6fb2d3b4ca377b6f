// The transport of xg::distributed in a build without MPI (see backend.hpp): a world of one
// process, where every collective is complete as soon as it starts. A program started by an MPI
// launcher as one of several processes is refused, since each copy would silently train alone.
#include <xgrad/distributed/backend.hpp>

#include <xgrad/core/error.hpp>

#include <cstdio>
#include <cstdlib>

namespace xg::distributed::backend {

struct Operation {};

namespace {

bool& running_flag() {
  static bool running = false;
  return running;
}

// The world size an MPI launcher announces to its processes (Open MPI, MPICH/Hydra, PMIx), or 1.
int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 1;
}

}  // namespace

bool built_with_mpi() { return false; }

void start(const Settings&) {
  if (const int launched = launcher_world_size(); launched > 1)
    throw ValueError("xg::distributed::init: this process is one of " + std::to_string(launched) +
                     " started by an MPI launcher, but xgrad was built without MPI (install libopenmpi-dev "
                     "and reconfigure); each process would train alone");
  running_flag() = true;
}

void stop() { running_flag() = false; }
bool running() { return running_flag(); }
int rank() { return 0; }
int size() { return 1; }
int local_size() { return 1; }

std::shared_ptr<Operation> sum_async(float*, std::size_t) { return std::make_shared<Operation>(); }
std::shared_ptr<Operation> sum_async(double*, std::size_t) { return std::make_shared<Operation>(); }
std::shared_ptr<Operation> broadcast_async(void*, std::size_t, int) { return std::make_shared<Operation>(); }

bool progress(Operation&) { return true; }
void wait(Operation&, const char*, std::int64_t, std::int64_t) {}

void abort(const std::string& message, int code) {
  std::fprintf(stderr, "xgrad distributed: rank 0 of 1: %s\n", message.c_str());
  std::_Exit(code);
}

}  // namespace xg::distributed::backend
