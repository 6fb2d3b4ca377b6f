#pragma once
// The ONE header through which xgrad includes xtensor (and xtensor-blas behind it).
//
// Only .cpp files and the opt-in interop header (core/xtensor_interop.hpp) may include it: a
// translation unit that pulls in xtensor + xtensor-blas takes seconds to compile, so public headers
// stay free of it and user code that never touches xtensor compiles fast. Keeping every xtensor
// include here also keeps configuration macros (XTENSOR_USE_XSIMD, XTENSOR_USE_TBB, ...) identical in
// every translation unit; define any such macro here, never in a single .cpp.
//
// Provides: xt::xarray / xt::xtensor containers, xt::adapt over raw buffers, views (xt::view,
// xt::range, xt::all), printing (operator<< of xio) and xt::linalg (dot, inv, ...; BLAS/LAPACK
// symbols are resolved by libxgrad's link against OpenBLAS).
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xio.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#include <xtensor-blas/xlinalg.hpp>
