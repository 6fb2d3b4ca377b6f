#pragma once
// Internal: calls a generic lambda with the C++ element type of a runtime Dtype.
//   dispatch_all(t.dtype(), [&]<class T>() { T* p = t.data<T>(); ... });
#include <xgrad/core/dtype.hpp>
#include <xgrad/core/error.hpp>

#include <cstdint>
#include <string>

namespace xg {

template <class F> decltype(auto) dispatch_all(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: return f.template operator()<std::int64_t>();
  }
  throw DtypeError("unknown dtype");
}

template <class F> decltype(auto) dispatch_float(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: break;
  }
  throw DtypeError(std::string(op) + ": expected a float32 or float64 tensor, got " +
                   std::string(dtype_name(dtype)));
}

}  // namespace xg
