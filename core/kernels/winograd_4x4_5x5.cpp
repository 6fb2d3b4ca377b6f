// The drivers of F(4x4, 5x5) Winograd convolution (winograd_drivers.hpp), compiled apart from
// the other transforms' (winograd.cpp) so that the two translation units build in parallel.
#include <xgrad/core/kernels/winograd_drivers.hpp>

namespace xg::kernels::winograd_detail {

XG_WINOGRAD_DRIVERS(, Winograd4x4_5x5, float)
XG_WINOGRAD_DRIVERS(, Winograd4x4_5x5, double)

}  // namespace xg::kernels::winograd_detail
