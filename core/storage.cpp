#include <xgrad/core/storage.hpp>

#include <xgrad/core/allocator.hpp>

namespace xg {

Storage::Storage(std::size_t nbytes) : data_(allocator::allocate(nbytes)), nbytes_(nbytes) {}

Storage::~Storage() { allocator::deallocate(data_, nbytes_); }

}  // namespace xg
