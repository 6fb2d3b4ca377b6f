// xg::distributed's job-level functions (runtime.hpp) over the transport of backend.hpp: joining
// and leaving the job, the thread share of each rank, and the small collectives (broadcasts, sums
// of doubles, sample-weighted means, the parameter hash check), each started and waited for under
// the watchdog.
#include <xgrad/distributed/runtime.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/distributed/backend.hpp>
#include <xgrad/nn/module.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace xg::distributed {
namespace {

double timeout_from_environment(double fallback) {
  const char* text = std::getenv("XGRAD_DISTRIBUTED_TIMEOUT");
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (end == text || *end != '\0')
    throw ValueError(std::string("XGRAD_DISTRIBUTED_TIMEOUT='") + text +
                     "': expected a number of seconds (<= 0 waits forever)");
  return seconds;
}

void share_cores() {
  if (backend::local_size() <= 1 || std::getenv("XGRAD_NUM_THREADS")) return;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  set_num_threads(std::max(1, cores / backend::local_size()));
}

// FNV-1a over the bytes of every parameter, in registration order.
std::uint64_t parameter_hash(const nn::Module& module) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const Tensor& p : module.parameters()) {
    const auto* bytes = static_cast<const unsigned char*>(p.raw_data());
    const std::size_t size = static_cast<std::size_t>(p.numel()) * element_size(p.dtype());
    for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

void init(InitOptions options) {
  if (backend::running()) return;
  backend::start({.timeout_seconds = timeout_from_environment(options.timeout_seconds)});
  if (options.share_cores) share_cores();
  static const bool registered = [] { return std::atexit([] { finalize(); }) == 0; }();
  (void)registered;
}

void finalize() { backend::stop(); }
bool initialized() { return backend::running(); }
bool available() { return backend::built_with_mpi(); }
int rank() { return backend::rank(); }
int world_size() { return backend::size(); }
int local_world_size() { return backend::local_size(); }

void broadcast_bytes(void* data, std::size_t bytes, int root) {
  if (root < 0 || root >= world_size())
    throw ValueError("xg::distributed::broadcast: root " + std::to_string(root) + " is not a rank of a world of " +
                     std::to_string(world_size()));
  backend::wait(*backend::broadcast_async(data, bytes, root), "a broadcast");
}

void broadcast(Tensor& t, int root) {
  if (!t.defined()) throw ValueError("xg::distributed::broadcast: the tensor is undefined");
  broadcast_bytes(t.raw_data(), static_cast<std::size_t>(t.numel()) * element_size(t.dtype()), root);
}

void broadcast_state(nn::Module& module, int root) {
  for (auto& [name, t] : module.state_dict()) broadcast(t, root);
}

void all_reduce_sum(std::vector<double>& values) {
  if (values.empty()) return;
  backend::wait(*backend::sum_async(values.data(), values.size()), "an all-reduce of values");
}

bool any(bool flag) {
  std::vector<double> v{flag ? 1.0 : 0.0};
  all_reduce_sum(v);
  return v[0] > 0;
}

std::map<std::string, double> mean(const std::map<std::string, double>& local_means, std::int64_t count) {
  std::vector<double> sums;
  sums.reserve(local_means.size() + 1);
  for (const auto& [key, value] : local_means) sums.push_back(count > 0 ? value * static_cast<double>(count) : 0.0);
  sums.push_back(static_cast<double>(count));
  all_reduce_sum(sums);
  const double total = sums.back();
  std::map<std::string, double> out;
  std::size_t i = 0;
  for (const auto& [key, value] : local_means) out[key] = total > 0 ? sums[i++] / total : 0.0;
  return out;
}

bool parameters_identical(const nn::Module& module) {
  const std::uint64_t mine = parameter_hash(module);
  std::uint64_t root = mine;
  broadcast_value(root);
  return !any(root != mine);
}

void barrier() { (void)any(false); }

void abort(const std::string& message, int code) { backend::abort(message, code); }

}  // namespace xg::distributed
