#!/usr/bin/env bash
# Load test (`make load`; not a test): a release `manualbot serve` on 127.0.0.1 indexing the
# shared hotel corpus, then wrk for LOAD_SECONDS (60) at LOAD_CONNECTIONS (64) against
#   1. GET /api/v1/health, and
#   2. POST /api/v1/chat with ~50 Korean staff questions in turn (bench/hotel/queries.jsonl),
#      while `manualbot ingest` adds ../shared/bench/allganize/pdfs to the same index.
# Prints a table: requests/s, latency p50/p99, non-2xx and socket errors (must be 0), the
# server's RSS at 10 s and at the end of each phase, and the documents indexed then.
# Exits 1 on any error. Only loopback traffic; every run is bounded by LOAD_SECONDS.
#   LOAD_SECONDS=10 bash scripts/load.sh      quick check
#   MANUALBOT_BIN=path                        skip the release build
#   LOAD_MANUALS, LOAD_INGEST                 other folders to serve / to ingest during chat
#   LOAD_LOG_LEVEL                            the server's LOG_LEVEL (default info, one line a request)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${LOAD_SECONDS:-60}
connections=${LOAD_CONNECTIONS:-64}
manuals=${LOAD_MANUALS:-../shared/corpus/hotel-manuals}
ingest_dir=${LOAD_INGEST:-../shared/bench/allganize/pdfs}
[[ -d "$manuals" ]] || { echo "load: $manuals not found (LOAD_MANUALS)" >&2; exit 2; }

bash scripts/setup.sh wrk
bin=$(bash scripts/release-binary.sh)

work=$(mktemp -d "${TMPDIR:-/tmp}/manualbot-load.XXXXXX")
server_pid=""; ingest_pid=""
cleanup() {
  for pid in $ingest_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api_key="load-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
base="http://127.0.0.1:$port"
export DATA_DIR="$work/data"

env HOST=127.0.0.1 PORT="$port" API_KEY="$api_key" MANUALS_DIR="$manuals" LOG_LEVEL="${LOAD_LOG_LEVEL:-info}" \
  SYNC_INTERVAL_SECONDS=0 "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
echo "[load] server pid $server_pid on $base, indexing $manuals" >&2
for _ in $(seq 1 600); do
  if curl -fsS "$base/api/v1/health" 2>/dev/null | grep -q '"running":false'; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

# ~50 chat bodies, one JSON a line, from the in-domain query set.
python3 - bench/hotel/queries.jsonl >"$work/bodies.jsonl" <<'PY'
import json, sys
questions = [json.loads(line)["question"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()][:50]
for number, question in enumerate(questions):
    print(json.dumps({"userId": "load", "sessionId": str(number), "message": question, "customerAttributes": {}}, ensure_ascii=False))
PY

first=$((seconds < 20 ? seconds / 2 : 10))
documents() { curl -fsS "$base/api/v1/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["documents"])'; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }

# phase NAME PATH [ingest]: wrk for $seconds; samples RSS and documents at $first s and at the end.
phase() {
  local name=$1 path=$2 with_ingest=${3:-}
  local bodies=""; [[ $path == /api/v1/chat ]] && bodies="$work/bodies.jsonl"
  ingest_seconds="-"
  if [[ -n "$with_ingest" ]]; then
    ( start=$(date +%s.%N)
      # OCR off: the allganize set's 170 pages without a text layer would turn this text ingest
      # into minutes of OCR (the load the table has always measured is the text ingest).
      OCR=off "$bin" ingest "$ingest_dir" >"$work/ingest.log" 2>&1 || true
      python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$start" >"$work/ingest.seconds" ) &
    ingest_pid=$!
  fi
  ( sleep "$first"; echo "$(rss_mb) $(documents)" >"$work/$name.first" ) &
  local sampler=$!
  LOAD_BODIES="$bodies" LOAD_API_KEY="$api_key" wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s \
    -s scripts/load.lua "$base$path" >"$work/$name.wrk" 2>&1
  echo "$(rss_mb) $(documents)" >"$work/$name.last"
  wait "$sampler"
  if [[ -n "$with_ingest" ]]; then
    if [[ -f "$work/ingest.seconds" ]]; then ingest_seconds=$(cat "$work/ingest.seconds"); else ingest_seconds="still running"; fi
  fi
  echo "$ingest_seconds" >"$work/$name.ingest"
}

echo "[load] GET /api/v1/health: ${seconds}s, $connections connections" >&2
phase health /api/v1/health
echo "[load] POST /api/v1/chat: ${seconds}s, $connections connections, ingesting $ingest_dir meanwhile" >&2
phase chat /api/v1/chat ingest
wait "$ingest_pid" 2>/dev/null || true
ingest_pid=""
[[ -f "$work/ingest.log" ]] && { echo "[load] ingest: $(grep -v '^\s*failed:' "$work/ingest.log" | tail -1 | tr '\r' '\n' | tail -1)" >&2; }

python3 - "$work" "$seconds" "$connections" "$first" <<'PY'
import json, sys
work, seconds, connections, first_at = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
failed = False
rows = []
for name, label in (("health", "GET /api/v1/health"), ("chat", "POST /api/v1/chat (+ ingest)")):
    text = open(f"{work}/{name}.wrk").read()
    line = next((l for l in text.splitlines() if l.startswith("LOADJSON ")), None)
    if line is None:
        print(text, file=sys.stderr)
        sys.exit(f"load: wrk printed no summary for {name}")
    r = json.loads(line[len("LOADJSON "):])
    sockets = r["connect"] + r["read"] + r["write"] + r["timeout"]
    first = open(f"{work}/{name}.first").read().split()
    last = open(f"{work}/{name}.last").read().split()
    ingest = open(f"{work}/{name}.ingest").read().strip()
    failed |= r["status"] > 0 or sockets > 0
    rows.append([label, f'{r["requests"]:,}', f'{r["requests"] / (r["duration_us"] / 1e6):,.0f}',
                 f'{r["p50_us"] / 1000:.2f}', f'{r["p99_us"] / 1000:.2f}', f'{r["max_us"] / 1000:.1f}',
                 str(r["status"]), str(sockets), f"{first[0]} ({first[1]} docs)", f"{last[0]} ({last[1]} docs)",
                 ingest if ingest == "-" else f"{ingest} s" if ingest[0].isdigit() else ingest])
header = ["load", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "socket errors",
          f"RSS MB at {first_at} s", f"RSS MB at {seconds} s", "ingest"]
print(f"\n{seconds} s per load, {connections} connections, wrk -t2, 127.0.0.1\n")
print("| " + " | ".join(header) + " |")
print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
for row in rows:
    print("| " + " | ".join(row) + " |")
health_p99 = float(rows[0][4])
print(f"\nhealth p99 {health_p99:.2f} ms (goal < 5): {'met' if health_p99 < 5 else 'NOT met'}; "
      f"errors: {'none' if not failed else 'SOME (goal 0)'}")
sys.exit(1 if failed else 0)
PY
