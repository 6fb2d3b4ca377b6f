#pragma once
// The xgrad version: at compile time through the XGRAD_VERSION_* macros (the headers a program was
// compiled against) and at run time through xg::version() (the library it runs with; a shared
// libxgrad can be replaced under a built program). project() in CMakeLists.txt holds the version
// that the SONAME, the CMake package config and xgrad.pc carry; configuring fails unless the
// numbers here equal it (cmake/XgradInstall.cmake). Versions follow semantic versioning;
// CHANGELOG.md lists what each one changed.

/// Major version: changes break source or binary compatibility.
#define XGRAD_VERSION_MAJOR 0
/// Minor version: additions that keep compatibility.
#define XGRAD_VERSION_MINOR 1
/// Patch version: fixes only.
#define XGRAD_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH" of the headers being compiled.
#define XGRAD_VERSION_STRING "0.1.0"

#include <compare>  // operator<=> below; clang does not get it through another header

namespace xg {

/// A version as three numbers, comparable with ==, < and the other relational operators.
struct Version {
  int major = 0;  ///< incompatible changes
  int minor = 0;  ///< compatible additions
  int patch = 0;  ///< fixes
  /// Orders versions by major, then minor, then patch.
  friend constexpr auto operator<=>(const Version&, const Version&) = default;
};

/// The version of the headers being compiled (the XGRAD_VERSION_* macros as a value).
inline constexpr Version header_version{XGRAD_VERSION_MAJOR, XGRAD_VERSION_MINOR, XGRAD_VERSION_PATCH};

/// The version libxgrad was built as, "MAJOR.MINOR.PATCH" (e.g. "0.1.0").
const char* version() noexcept;

/// The version libxgrad was built as, as numbers; equal to header_version unless the program runs
/// with a different shared library than it was compiled against.
Version version_numbers() noexcept;

}  // namespace xg
