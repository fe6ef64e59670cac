#!/usr/bin/env bash
# ManualBot benchmark wrapper (`make bench`): installs poppler-utils if missing, builds the release
# binary if missing or older than the sources, then runs scripts/bench.py with any arguments
# (e.g. `--json bench.json`). MANUALBOT_BIN=path skips the build; BENCH_CORPUS=dir picks the corpus.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh poppler-utils  # pdftotext, pdfinfo: the reference
MANUALBOT_BIN=$(bash scripts/release-binary.sh)
export MANUALBOT_BIN

exec python3 scripts/bench.py "$@"
