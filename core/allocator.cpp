#include <xgrad/core/allocator.hpp>

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace xg::allocator {
namespace {

constexpr std::size_t kAlignment = 64;
// Cached bytes above this are returned to the system instead of kept.
constexpr std::size_t kCacheLimit = std::size_t{4} << 30;

// Four size classes per power of two: 64, 80, 96, 112, 128, 160, ... bytes (waste <= 25%).
std::size_t size_class(std::size_t nbytes) {
  if (nbytes <= kAlignment) return kAlignment;
  const std::size_t pow2 = std::bit_floor(nbytes - 1);
  const std::size_t step = std::max<std::size_t>(pow2 / 4, kAlignment);
  return (nbytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  AllocatorStats stats;
};

// Never destroyed: tensors with static lifetime may free their storage after main returns.
Cache& cache() {
  static Cache* instance = new Cache;
  return *instance;
}

}  // namespace

void* allocate(std::size_t nbytes) {
  const std::size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cached_bytes -= cls;
      c.stats.allocated_bytes += cls;
      ++c.stats.reuses;
      return p;
    }
    c.stats.allocated_bytes += cls;
    ++c.stats.system_allocations;
  }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (!p) {
    std::lock_guard lock(c.mutex);
    c.stats.allocated_bytes -= cls;
    throw std::bad_alloc();
  }
  return p;
}

void deallocate(void* ptr, std::size_t nbytes) {
  if (!ptr) return;
  const std::size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.stats.allocated_bytes -= cls;
    if (c.stats.cached_bytes + cls <= kCacheLimit) {
      c.free_blocks[cls].push_back(ptr);
      c.stats.cached_bytes += cls;
      return;
    }
  }
  std::free(ptr);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [cls, blocks] : c.free_blocks)
    for (void* p : blocks) std::free(p);
  c.free_blocks.clear();
  c.stats.cached_bytes = 0;
}

AllocatorStats stats() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

}  // namespace xg::allocator
