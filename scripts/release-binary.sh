#!/usr/bin/env bash
# Prints the absolute path of a release `manualbot` for the benchmarks: $MANUALBOT_BIN when set,
# else .build/release/manualbot, built first when missing or older than the sources (the first
# release build can take 10+ minutes). Build output goes to stderr.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${MANUALBOT_BIN:-}
if [[ -z $bin ]]; then
  bin=.build/release/manualbot
  if [[ ! -x $bin ]] || [[ -n "$(find Sources Package.swift -newer "$bin" -print -quit)" ]]; then
    echo "building the release binary: swift build -c release --product manualbot (the first build can take 10+ minutes)" >&2
    swift build -c release --product manualbot >&2
  fi
fi
echo "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
