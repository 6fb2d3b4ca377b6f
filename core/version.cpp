// The library's copy of the version numbers: compiled into libxgrad, so a program can tell which
// build of the shared library it is running with (see core/version.hpp).
#include <xgrad/core/version.hpp>

namespace xg {

const char* version() noexcept { return XGRAD_VERSION_STRING; }

Version version_numbers() noexcept { return header_version; }

}  // namespace xg
