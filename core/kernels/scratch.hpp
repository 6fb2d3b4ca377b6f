#pragma once
// Scratch<T>: a temporary kernel buffer of n elements taken from the caching allocator (so
// steady-state training steps get no fresh pages) and returned to it when the scope ends.
#include <xgrad/core/allocator.hpp>

#include <algorithm>
#include <cstdint>

namespace xg::kernels {

template <class T> class Scratch {
 public:
  /// n uninitialized elements (none when n <= 0), 64-byte aligned.
  explicit Scratch(std::int64_t n)
      : bytes_(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)) * sizeof(T)),
        data_(bytes_ > 0 ? static_cast<T*>(allocator::allocate(bytes_)) : nullptr) {}
  ~Scratch() {
    if (data_) allocator::deallocate(data_, bytes_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return data_; }

 private:
  std::size_t bytes_;
  T* data_;
};

}  // namespace xg::kernels
