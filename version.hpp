#pragma once
// <xgrad/version.hpp>: the version of xgrad, for programs that need it without the whole API of
// <xgrad/xgrad.hpp>. It forwards to <xgrad/core/version.hpp>, which declares xg::version(),
// xg::version_numbers(), xg::header_version and the XGRAD_VERSION_* macros. Like xgrad.hpp it sits
// at the source root, so it resolves in-tree through the build's include/xgrad link and is installed
// as include/xgrad/version.hpp (cmake/XgradInstall.cmake).
#include <xgrad/core/version.hpp>
