#pragma once
// Storage: one contiguous, 64-byte aligned buffer shared by a tensor and its views.
// Buffers come from the caching allocator (core/allocator.hpp), so freeing one in a training loop
// returns it to a size-class free list instead of the OS, and the next step reuses the same pages.
// A version counter, bumped by every mutable access, tells caches derived from the values (the
// transposed inference weight of Dense) when they are stale.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace xg {

class Storage {
 public:
  /// Allocates `nbytes` (uninitialized) from the caching allocator.
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

  /// How many times the buffer was handed out for writing (see Tensor::version).
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  void bump_version() { version_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  void* data_;
  std::size_t nbytes_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace xg
