#include <xgrad/core/dtype.hpp>

#include <ostream>

namespace xg {

std::size_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return 4;
    case Dtype::Float64: return 8;
    case Dtype::Int64: return 8;
  }
  return 0;
}

std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
  }
  return "unknown";
}

Dtype promote(Dtype a, Dtype b) {
  if (a == Dtype::Float64 || b == Dtype::Float64) return Dtype::Float64;
  if (a == Dtype::Float32 || b == Dtype::Float32) return Dtype::Float32;
  return Dtype::Int64;
}

std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << dtype_name(dtype); }

}  // namespace xg
