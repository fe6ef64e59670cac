#!/usr/bin/env bash
# Contract test: schemathesis (PyPI, pinned, installed if missing) fuzzes a live ManualBot on
# 127.0.0.1 with the OpenAPI document the server itself serves (/api/v1/openapi.json): valid,
# random and malformed requests, undeclared methods, missing keys. Fails on any 5xx that the
# document does not allow, any response that does not match the document, and any wrong status.
#
#   bash scripts/contract-test.sh          (scripts/test.sh runs it after `swift test`)
#
# Pass 1 serves the sample manuals from a folder (no S3): presign and notify_upload then answer
# their documented 503 "S3 is not configured", the only 5xx allowed. Pass 2, when an S3 test
# server is given in MANUALBOT_TEST_S3_* (scripts/test.sh starts one), serves the same manuals
# from a fresh bucket, so presign, notify_upload, uploads into the bucket and deep health are
# fuzzed for real; CONTRACT_REQUIRE_S3=1 makes its absence a failure. Each server gets a free
# port, a temporary DATA_DIR and API key, and is stopped on exit.
# MANUALBOT_BIN (default .build/debug/manualbot), CONTRACT_MAX_EXAMPLES (default 150),
# CONTRACT_SEED (default 8, so test runs repeat; `random` to explore) and CONTRACT_PASSES
# ("folder bucket") tune a run.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
bin=${MANUALBOT_BIN:-.build/debug/manualbot}
max_examples=${CONTRACT_MAX_EXAMPLES:-150}
seed=${CONTRACT_SEED:-8}
[[ $seed == random ]] && seed=$RANDOM$RANDOM
[[ -x "$bin" ]] || { echo "contract-test: $bin not found: run swift build first" >&2; exit 2; }

schemathesis_binary() {
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [[ ! -x "$scripts/schemathesis" ]] || ! "$scripts/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
    echo "contract-test: installing schemathesis==$SCHEMATHESIS_VERSION" >&2
    # A Debian system Python refuses installs (PEP 668) unless told; pyenv's does not need it.
    python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 \
      || python3 -m pip install -q --disable-pip-version-check --break-system-packages "schemathesis==$SCHEMATHESIS_VERSION" >&2
  fi
  echo "$scripts/schemathesis"
}
st=$(schemathesis_binary)

work=$(mktemp -d "${TMPDIR:-/tmp}/manualbot-contract.XXXXXX")
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts `manualbot serve` for pass $1 with extra environment "$@", waits until it answers and
# the start-up ingest is done (bounded), and sets $base.
start_server() {
  local name=$1; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name/manuals"
  cp samples/manuals/* "$work/$name/manuals/"
  env HOST=127.0.0.1 PORT="$port" API_KEY="$api_key" DATA_DIR="$work/$name/data" MANUALS_DIR="$work/$name/manuals" \
    LOG_LEVEL=warning SYNC_INTERVAL_SECONDS=0 "$@" "$bin" serve >"$work/$name/server.log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    if curl -fsS "$base/api/v1/health" 2>/dev/null | grep -q '"running":false'; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "contract-test: the $name server did not come up; its log:" >&2
  cat "$work/$name/server.log" >&2
  return 1
}

# What a schema cannot say, told to schemathesis per operation (each with its reason).
write_config() {
  cat >"$work/schemathesis.toml" <<'TOML'
# Uploads: the service judges a file by its content (%PDF-, or UTF-8 text named .txt), which no
# schema can express, so schema-valid random bytes are rightly refused with 400.
[[operations]]
include-path = "/api/v1/docs/upload"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]

# Presign: the name must end in .pdf or .txt after cleaning (folders, control characters and
# dots removed, NFC), which a pattern cannot mirror: a schema-valid name may rightly get 400.
[[operations]]
include-path = "/api/v1/docs/presign"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

# notify_upload: the s3_key must be the one presigned for that job, and the object must already be
# in the bucket: state that no schema can express, answered 400 with the reason.
[[operations]]
include-path = "/api/v1/docs/notify_upload"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]
TOML
  if [[ $1 == folder ]]; then
    cat >>"$work/schemathesis.toml" <<'TOML'

# Without S3_BUCKET, presign and notify_upload answer their documented
# 503 {"detail":"S3 is not configured ..."} to every well-formed request. The bucket pass tests them.
[[operations]]
include-path-regex = "^/api/v1/docs/(presign|notify_upload)$"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]
TOML
  fi
}

run_schemathesis() {
  local name=$1
  local exclude=()
  write_config "$name"
  echo "contract-test: pass '$name' against $base (max examples $max_examples, seed $seed)" >&2
  # Bounded twice: examples per operation, and 5 minutes of wall clock at most.
  # One worker: with several, hypothesis calls ast.parse from several threads at once, and
  # CPython 3.11 then fails with "SystemError: AST constructor recursion depth mismatch"
  # (CPython gh-106905), which failed a CI run for no fault of the service.
  timeout 300 "$st" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    -H "x-api-key: $api_key" --max-examples "$max_examples" --seed "$seed" --workers 1 \
    --request-timeout 30 --no-color "${exclude[@]}"
}

api_key="contract-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
failed=0

# On failure, the server's log: a crash report if there is one, else its end.
server_log_on_failure() {
  echo "contract-test: pass '$1' failed; its server log:" >&2
  grep -a -m1 -A 80 "Fatal error\|Crash\|💣" "$work/$1/server.log" >&2 || tail -n 40 "$work/$1/server.log" >&2
  failed=1
}

passes=${CONTRACT_PASSES:-folder bucket}
if [[ " $passes " == *" folder "* ]]; then
  start_server folder
  run_schemathesis folder || server_log_on_failure folder
  stop_server
fi

if [[ " $passes " != *" bucket "* ]]; then
  :
elif [[ -n "${MANUALBOT_TEST_S3_ENDPOINT:-}" ]]; then
  bucket="contract-$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
  sigv4=(--aws-sigv4 "aws:amz:$MANUALBOT_TEST_S3_REGION:s3" --user "$MANUALBOT_TEST_S3_ACCESS_KEY:$MANUALBOT_TEST_S3_SECRET_KEY")
  curl -fsS "${sigv4[@]}" -X PUT "$MANUALBOT_TEST_S3_ENDPOINT/$bucket" >/dev/null
  for file in samples/manuals/*.pdf samples/manuals/*.txt; do
    key=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$(basename "$file")")
    # SeaweedFS wants the payload hash that curl signs sent as a header too.
    curl -fsS "${sigv4[@]}" -H "x-amz-content-sha256: $(sha256sum "$file" | cut -d' ' -f1)" \
      -H "Content-Type: application/octet-stream" -X PUT --data-binary "@$file" "$MANUALBOT_TEST_S3_ENDPOINT/$bucket/$key" >/dev/null
  done
  start_server bucket S3_BUCKET="$bucket" S3_ENDPOINT="$MANUALBOT_TEST_S3_ENDPOINT" AWS_REGION="$MANUALBOT_TEST_S3_REGION" \
    AWS_ACCESS_KEY_ID="$MANUALBOT_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$MANUALBOT_TEST_S3_SECRET_KEY"
  run_schemathesis bucket || server_log_on_failure bucket
  stop_server
elif [[ ${CONTRACT_REQUIRE_S3:-0} == 1 ]]; then
  echo "contract-test: CONTRACT_REQUIRE_S3=1 but MANUALBOT_TEST_S3_ENDPOINT is not set" >&2
  failed=1
else
  echo "contract-test: no S3 test server (MANUALBOT_TEST_S3_ENDPOINT): bucket pass skipped" >&2
fi

if ((failed)); then
  echo "contract-test: FAILED (seed $seed; rerun with CONTRACT_SEED=$seed)" >&2
  exit 1
fi
echo "contract-test: passed (seed $seed)" >&2
