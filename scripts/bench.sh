#!/usr/bin/env bash
# ManualBot benchmark wrapper (`make bench`): installs poppler-utils if missing, builds the release
# binary if missing or older than the sources, then runs scripts/bench.py with any arguments
# (e.g. `--json bench.json`). MANUALBOT_BIN=path skips the build; BENCH_CORPUS=dir picks the corpus.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
    echo "[bench] installing poppler-utils (pdftotext, pdfinfo)" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update && apt-get install -y poppler-utils
    else
        sudo apt-get update && sudo apt-get install -y poppler-utils
    fi
fi

if [ -z "${MANUALBOT_BIN:-}" ]; then
    MANUALBOT_BIN=.build/release/manualbot
    if [ ! -x "$MANUALBOT_BIN" ] || [ -n "$(find Sources Package.swift -newer "$MANUALBOT_BIN" -print -quit)" ]; then
        echo "[bench] building the release binary: swift build -c release (the first build can take 10+ minutes)" >&2
        swift build -c release
    fi
    export MANUALBOT_BIN="$PWD/$MANUALBOT_BIN"
fi

exec python3 scripts/bench.py "$@"
