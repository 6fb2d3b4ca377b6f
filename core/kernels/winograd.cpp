// Winograd convolution: the entry points and the choice of transform (see winograd.hpp for the
// scheme, winograd_stages.hpp and winograd_drivers.hpp for the kernels). The drivers of 3x3 and
// F(2x2, 5x5) are compiled here, those of F(4x4, 5x5) in winograd_4x4_5x5.cpp.
#include <xgrad/core/kernels/winograd.hpp>

#include <xgrad/core/kernels/winograd_drivers.hpp>

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace xg::kernels {
namespace {

using namespace winograd_detail;  // Winograd<m, r>, forward, backward

std::atomic<Winograd5x5>& selected_5x5() {
  static std::atomic<Winograd5x5> scheme{[] {  // XGRAD_WINOGRAD_5X5=2x2 selects F(2x2, 5x5)
    const char* setting = std::getenv("XGRAD_WINOGRAD_5X5");
    return setting && std::string_view(setting) == "2x2" ? Winograd5x5::f2x2 : Winograd5x5::f4x4;
  }()};
  return scheme;
}

// Runs fn.template operator()<Winograd<m, r>>() for the kernel size of g.
template <class Fn> void with_transform(const Conv2dGeometry& g, Fn&& fn) {
  if (g.window.kernel_h == 3)
    fn.template operator()<Winograd<4, 3>>();
  else if (winograd_5x5_scheme() == Winograd5x5::f4x4)
    fn.template operator()<Winograd<4, 5>>();
  else
    fn.template operator()<Winograd<2, 5>>();
}

}  // namespace

Winograd5x5 winograd_5x5_scheme() { return selected_5x5().load(std::memory_order_relaxed); }
void set_winograd_5x5_scheme(Winograd5x5 scheme) { selected_5x5().store(scheme); }

bool winograd_applies(const Conv2dGeometry& g) {
  static const bool disabled = [] {  // XGRAD_CONV_WINOGRAD=0 keeps every convolution on im2col
    const char* setting = std::getenv("XGRAD_CONV_WINOGRAD");
    return setting && std::string_view(setting) == "0";
  }();
  if (disabled) return false;
  const Window2d& w = g.window;
  const bool square = w.kernel_h == w.kernel_w && (w.kernel_h == 3 || w.kernel_h == 5);
  return square && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1 &&
         g.channels >= 4 && g.out_channels >= 4 && g.out_h > 0 && g.out_w > 0;
}

template <class T>
void winograd_forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act) {
  with_transform(g, [&]<class W>() { forward<W>(x, w, b, y, g, act); });
}
template <class T>
void winograd_backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g) {
  with_transform(g, [&]<class W>() { backward<W>(x, grad, w, dx, dw, g); });
}

#define XG_INSTANTIATE_WINOGRAD(T)                                                                            \
  template void winograd_forward<T>(const T*, const T*, const T*, T*, const Conv2dGeometry&, Activation);     \
  template void winograd_backward<T>(const T*, const T*, const T*, T*, T*, const Conv2dGeometry&);
XG_INSTANTIATE_WINOGRAD(float)
XG_INSTANTIATE_WINOGRAD(double)
#undef XG_INSTANTIATE_WINOGRAD

}  // namespace xg::kernels
