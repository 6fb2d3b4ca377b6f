#pragma once
// Storage: one contiguous, 64-byte aligned buffer shared by a tensor and its views.
// Buffers come from the caching allocator (core/allocator.hpp), so freeing one in a training loop
// returns it to a size-class free list instead of the OS, and the next step reuses the same pages.
#include <cstddef>
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

 private:
  void* data_;
  std::size_t nbytes_;
};

}  // namespace xg
