#!/usr/bin/env bash
# Runs ManualBot on its embedded default: the sample manuals in samples/manuals, the index in
# ./data, no AWS. Installs what is missing and builds first. Serves on :9000 (PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product manualbot
export MANUALS_DIR="${MANUALS_DIR:-$PWD/samples/manuals}"
export DATA_DIR="${DATA_DIR:-$PWD/data}"
export API_KEY="${API_KEY:-local-dev-key}"
echo "ManualBot: http://localhost:${PORT:-9000}  manuals: $MANUALS_DIR  index: $DATA_DIR" >&2
echo "API key for this run: $API_KEY  (send it as 'Authorization: Bearer $API_KEY' or 'x-api-key')" >&2
exec .build/debug/manualbot serve
