#!/usr/bin/env bash
# Runs every test: installs what is missing, runs the linters (scripts/lint.sh: hadolint,
# actionlint, shellcheck, the deployment files), builds the manualbot binary (the tests run it as
# the isolated PDF parser, as `serve` for the SIGTERM tests and as `smoke`/`healthcheck`), then
# the Swift Testing suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/lint.sh
swift build --build-tests
swift test --skip-build "$@"
