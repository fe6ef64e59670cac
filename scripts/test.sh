#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the manualbot binary (the tests run it as
# the isolated PDF parser), then the Swift Testing suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
