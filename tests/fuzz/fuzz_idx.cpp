// Fuzz target of the IDX reader (datasets/idx.hpp): parse_idx over raw and gzip bytes. Rejection
// must be a DataError naming the file; an accepted array must hold exactly the bytes its shape and
// type promise and convert to a tensor of that shape.
#include "fuzz_target.hpp"

#include <xgrad/datasets/idx.hpp>

XGRAD_FUZZ_TARGET(idx) {
  namespace ds = xg::datasets;
  constexpr const char* kName = "fuzz.idx";
  const auto parsed = xg::fuzz::accept_or_reject<ds::DataError>(kName, [&] { return ds::parse_idx(bytes, kName); });
  if (!parsed) return false;
  const ds::IdxArray& a = *parsed;
  xg::fuzz::check(!a.shape.empty() && a.shape.size() <= 4, "accepted an array of rank " + std::to_string(a.shape.size()));
  for (const auto d : a.shape) xg::fuzz::check(d > 0, "accepted a dimension " + std::to_string(d));
  xg::fuzz::check(a.numel() <= ds::kIdxMaxElements, "accepted more than 2^31 elements");
  xg::fuzz::check(a.bytes.size() == static_cast<std::size_t>(a.numel()) * ds::idx_type_size(a.type),
                  "accepted " + std::to_string(a.bytes.size()) + " bytes for " + std::to_string(a.numel()) + " elements");
  const xg::Tensor t = a.to_tensor({.dtype = xg::kFloat64});
  xg::fuzz::check(t.shape() == a.shape, "to_tensor changed the shape");
  return true;
}
