#!/usr/bin/env bash
# The packaging stage of CI: proves that an installed xgrad works from someone else's project.
#   shared  installs the current build (build/, or $XGRAD_BUILD_DIR; built by scripts/build.sh if
#           absent) into a fresh prefix, then builds and runs tests/consumer against it twice: as a
#           CMake project (find_package(xgrad COMPONENTS xtensor), xgrad::xgrad and xgrad::xtensor)
#           and as one pkg-config compile line.
#   static  a library-only build with BUILD_SHARED_LIBS=OFF in $XGRAD_STATIC_DIR (default
#           build-static/; incremental and ccache'd like every build), installed into a second
#           prefix; the consumer links libxgrad.a through find_package (the package config finds
#           TBB, Graphviz and zlib itself) and through `pkg-config --static`.
# Each consumer must print its "ok" line. Usage: scripts/install-test.sh [shared|static|all] (default
# all). The prefixes and consumer builds live in a temporary folder removed on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${XGRAD_BUILD_DIR:-$root/build}"
static_build="${XGRAD_STATIC_DIR:-$root/build-static}"
what="${1:-all}"
case "$what" in shared|static|all) ;; *) echo "install-test: unknown stage '$what' (shared, static or all)" >&2; exit 2 ;; esac
work="$(mktemp -d -t xgrad-install-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# consumer_cmake PREFIX NAME [cmake args...]: configures, builds and runs tests/consumer against PREFIX.
consumer_cmake() {
  local prefix="$1" name="$2"
  shift 2
  cmake -S "$root/tests/consumer" -B "$work/$name" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" "$@" >/dev/null
  cmake --build "$work/$name" --parallel "$(nproc)"
  "$work/$name/consumer" "$work/$name"
  if [ -x "$work/$name/consumer_interop" ]; then "$work/$name/consumer_interop"; fi
}

# consumer_pkgconfig PREFIX NAME [pkg-config flags...]: one compile line from xgrad.pc, then a run.
consumer_pkgconfig() {
  local prefix="$1" name="$2"
  shift 2
  local pc_path
  pc_path="$(dirname "$(find "$prefix" -name xgrad.pc -print -quit)")"
  local flags
  flags="$(PKG_CONFIG_PATH="$pc_path" pkg-config "$@" --cflags --libs xgrad)"
  echo "install-test: c++ -std=c++20 consumer.cpp $flags"
  mkdir -p "$work/$name"
  # shellcheck disable=SC2086  # the flags are a word list
  c++ -std=c++20 -O1 "$root/tests/consumer/consumer.cpp" -o "$work/$name/consumer" $flags
  LD_LIBRARY_PATH="$(dirname "$(find "$prefix" -name 'libxgrad.*' -print -quit)")" "$work/$name/consumer" "$work/$name"
}

if [ "$what" != static ]; then
  [ -f "$build/CMakeCache.txt" ] || XGRAD_BUILD_DIR="$build" bash "$root/scripts/build.sh"
  cmake --build "$build" --parallel "$(nproc)"
  cmake --install "$build" --prefix "$work/shared" >/dev/null
  consumer_cmake "$work/shared" consumer-shared -DCONSUMER_XTENSOR=ON
  consumer_pkgconfig "$work/shared" pkgconfig-shared
fi

if [ "$what" != shared ]; then
  start=$(date +%s)
  [ -f "$static_build/CMakeCache.txt" ] ||
    cmake -S "$root" -B "$static_build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
          -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_EXAMPLES=OFF -DXGRAD_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$static_build" --parallel "$(nproc)" --target xgrad
  echo "install-test: static library built in $(( $(date +%s) - start )) s"
  cmake --install "$static_build" --prefix "$work/static" >/dev/null
  consumer_cmake "$work/static" consumer-static
  consumer_pkgconfig "$work/static" pkgconfig-static --static
fi
echo "install-test: $what: every consumer ran"
