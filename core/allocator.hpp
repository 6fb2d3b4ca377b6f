#pragma once
// Caching allocator for tensor storage. Requests are rounded up to a size class (four classes per
// power of two) and freed blocks are kept on per-class free lists, so a steady-state training step
// takes no fresh pages from the OS. Thread-safe.
#include <cstddef>

namespace xg {

struct AllocatorStats {
  std::size_t allocated_bytes = 0;  ///< bytes in blocks currently handed out
  std::size_t cached_bytes = 0;     ///< bytes in blocks kept for reuse
  std::size_t system_allocations = 0;  ///< blocks ever obtained from the system
  std::size_t reuses = 0;           ///< requests served from the cache
};

namespace allocator {
/// A 64-byte aligned block of at least `nbytes`.
void* allocate(std::size_t nbytes);
/// Returns a block obtained from allocate(nbytes) to its free list.
void deallocate(void* ptr, std::size_t nbytes);
/// Frees every cached block back to the system.
void empty_cache();
AllocatorStats stats();
}  // namespace allocator

}  // namespace xg
