#!/usr/bin/env bash
# ManualBot benchmark wrapper (`make bench`): installs poppler-utils if missing, builds the release
# binary if missing or older than the sources, then runs scripts/bench.py with any arguments
# (e.g. `--json bench.json`), then the OCR benchmark scripts/ocr_bench.py (Debian's Python with
# python3-pil and img2pdf; BENCH_OCR=0 skips it), then the fresh-replica benchmark
# scripts/replica_bench.py (BENCH_REPLICA=0 skips it). MANUALBOT_BIN=path skips the build;
# BENCH_CORPUS=dir picks the corpus.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh poppler-utils python3-pil img2pdf  # pdftotext, pdfinfo: the reference; scans for OCR
MANUALBOT_BIN=$(bash scripts/release-binary.sh)
export MANUALBOT_BIN

python3 scripts/bench.py "$@"
if [[ ${BENCH_OCR:-1} != 0 ]]; then
  /usr/bin/python3 scripts/ocr_bench.py
fi
# A fresh replica with shared artifacts in the bucket (SeaweedFS on 127.0.0.1; minutes: the
# first replica embeds the corpus). BENCH_REPLICA=0 skips it.
if [[ ${BENCH_REPLICA:-1} != 0 ]]; then
  python3 scripts/replica_bench.py
fi
