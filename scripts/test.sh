#!/usr/bin/env bash
# Runs every test: installs what is missing, runs the linters (scripts/lint.sh: hadolint,
# actionlint, shellcheck, the deployment files), builds the manualbot binary (the tests run it as
# the isolated PDF parser, as `serve` for the SIGTERM tests and as `smoke`/`healthcheck`), starts
# the S3 test server (SeaweedFS on 127.0.0.1, stopped on exit), then the Swift Testing suites,
# then the contract test (scripts/contract-test.sh: schemathesis against a live server, with and
# without a bucket). The S3 suites get the server through MANUALBOT_TEST_S3_*;
# MANUALBOT_TEST_REQUIRE_S3=1 makes them fail, not skip, without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/lint.sh
swift build --build-tests
# The runtime image must be able to load what was just built (deploy/runtime-packages.txt).
python3 scripts/check-runtime-libs.py .build/debug/manualbot
s3_dir=$(mktemp -d "${TMPDIR:-/tmp}/manualbot-s3.XXXXXX")
trap 'bash scripts/s3-test-server.sh stop "$s3_dir"' EXIT
bash scripts/s3-test-server.sh start "$s3_dir"
# shellcheck disable=SC1091
source "$s3_dir/env"
export MANUALBOT_TEST_REQUIRE_S3=1
# The embedding engine was installed by setup.sh: its tests must run, not skip.
export MANUALBOT_TEST_REQUIRE_EMBEDDINGS=1
swift test --skip-build "$@" 2>&1 | tee "$s3_dir/swift-test.log"
CONTRACT_REQUIRE_S3=1 bash scripts/contract-test.sh
# The Swift Testing summary again, as the last line.
grep -a "Test run with" "$s3_dir/swift-test.log" | tail -n 1
