#!/usr/bin/env bash
# The project's main job: installs dependencies, fetches MNIST, builds, trains the Keras tutorial MLP
# (examples/mnist_mlp), prints its test accuracy, and renders its training history and model graph
# into ./output/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-mnist.sh"
bash "$root/scripts/build.sh"
out="${XGRAD_OUTPUT_DIR:-$root/output}"
mkdir -p "$out"
"${XGRAD_BUILD_DIR:-$root/build}/examples/mnist_mlp" --out "$out" "$@"
