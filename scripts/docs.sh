#!/usr/bin/env bash
# The API reference: installs doxygen (scripts/install-deps.sh docs), configures the build folder
# when needed (build/, or $XGRAD_BUILD_DIR) and builds the `docs` target, which fails on any
# Doxygen warning in the public headers. Output: <build>/docs/api/html/index.html.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${XGRAD_BUILD_DIR:-$root/build}"
bash "$root/scripts/install-deps.sh" docs
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
# Configuring again finds doxygen in a build folder configured before it was installed.
if [ -f "$build/CMakeCache.txt" ]; then
  cmake "$build" >/dev/null
else
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target docs
echo "docs: $build/docs/api/html/index.html"
