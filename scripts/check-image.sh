#!/usr/bin/env bash
# Builds what the Dockerfile builds, without a Docker engine, and runs it:
#   1. the release binary exactly as the build stage does (Package.swift, Sources and Tests copied
#      to a clean folder, `swift package resolve`, `swift build -c release --static-swift-stdlib`,
#      strip);
#   2. a `debootstrap --variant=minbase bookworm` root made slim the way debian:bookworm-slim is
#      (no docs, man pages, locales, apt lists), with exactly deploy/runtime-packages.txt
#      installed by apt-get, as the runtime stage does;
#   3. the binary, the sample manuals, the non-root user and the environment of the runtime stage;
#   4. `manualbot serve` started in it by chroot as that user (with /proc mounted) on 127.0.0.1:
#      /api/v1/health, a chat answered with sources, `manualbot healthcheck` and `manualbot smoke`
#      inside the root, and SIGTERM → exit 0;
#      and a scanned page through OCR (Tesseract loads libarchive → libxml2 → ICU, whose data
#      deploy/slim-icu.sh replaced);
#   5. prints the root's size (≈ the image's; goal < 300 MB with OCR and the embedding model,
#      issue #12), then unmounts and removes it.
# Slow (a release build is ~10 minutes on 2 cores, debootstrap a few): not part of
# scripts/test.sh. Needs root and the Debian mirror.
#
# Environment:
#   MANUALBOT_RELEASE_BIN=path  use this release binary instead of building one (development only)
#   CHECK_IMAGE_DIR=dir         work folder (default .build-image)
#   CHECK_IMAGE_FRESH=1         debootstrap again instead of reusing the cached minbase tarball
#   KEEP_ROOT=1                 leave the root in place for a look around
#   DEBIAN_MIRROR=url           default http://deb.debian.org/debian
#   SMOKE_ARGS="…"              smoke options (default: --skip s3 --skip pdf; no S3 here)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
say() { echo "check-image: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, chroot, mount)"
work=${CHECK_IMAGE_DIR:-$repo/.build-image}
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=$(sed -e 's/#.*//' deploy/runtime-packages.txt | xargs)
[[ -n $packages ]] || fail "deploy/runtime-packages.txt lists no package"

bash scripts/setup.sh
bash scripts/setup.sh debootstrap

server_pid=""
cleanup() {
  local status=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || umount -l "$root/proc" || true; fi
  if mountpoint -q "$root/proc" 2>/dev/null; then
    say "$root/proc is still mounted: not removing the root"
  elif [[ ${KEEP_ROOT:-0} == 1 ]]; then
    say "root kept at $root"
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$status"
}
trap cleanup EXIT

# 1. The release binary, as the Dockerfile's build stage makes it.
if [[ -n ${MANUALBOT_RELEASE_BIN:-} ]]; then
  say "using MANUALBOT_RELEASE_BIN=$MANUALBOT_RELEASE_BIN (not built here)"
  binary=$MANUALBOT_RELEASE_BIN
else
  src=$work/src
  mkdir -p "$src"
  # The build context: what the Dockerfile COPYs, nothing else (its .build is kept between runs).
  cp -a Package.swift "$src/"
  (cd "$src" && swift package resolve)
  rm -rf "$src/Sources" "$src/Tests"
  cp -a Sources Tests "$src/"
  say "swift build -c release --static-swift-stdlib (slow)"
  (cd "$src" && swift build -c release --static-swift-stdlib --product manualbot)
  binary=$(cd "$src" && swift build -c release --static-swift-stdlib --show-bin-path)/manualbot
fi
install -m 0755 "$binary" "$work/manualbot"
strip "$work/manualbot"

# 2. The runtime stage's root.
if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
rm -rf --one-file-system "$root"
tarball=$work/bookworm-minbase.tgz
if [[ ! -s $tarball || ${CHECK_IMAGE_FRESH:-0} == 1 ]]; then
  say "debootstrap --variant=minbase bookworm (a few minutes)"
  rm -f "$tarball"
  debootstrap --variant=minbase --make-tarball="$tarball" bookworm "$work/tarball-tmp" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap --make-tarball"; }
  rm -rf --one-file-system "$work/tarball-tmp"
fi
debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }

# Slim like debian:bookworm-slim: dpkg leaves out docs (but copyrights), man pages and locales.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
rm -rf "$root"/usr/share/{man,info,groff,lintian,linda,locale}/* 2>/dev/null || true
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
say "apt-get install $packages"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/bash -o pipefail -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages" >"$work/apt.log" 2>&1 \
  || { tail -20 "$work/apt.log" >&2; fail "apt-get install in the root"; }
chroot "$root" apt-get clean
# ICU's data replaced by the empty stub, as the runtime stage does (deploy/slim-icu.sh).
clang -O2 -shared -fPIC -Wl,-soname,libicudata.so.72 -o "$work/libicudata.so.72" deploy/icudata-stub.c
sh deploy/slim-icu.sh "$work/libicudata.so.72" "$root"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old "$root"/var/log/*.log
: >"$root/etc/resolv.conf"

# 3. What the runtime stage adds.
chroot "$root" useradd --system --no-log-init --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin manualbot
chroot "$root" install -d -o manualbot -g manualbot /app /app/data
install -D -m 0755 "$work/manualbot" "$root/usr/local/bin/manualbot"
mkdir -p "$root/app/samples"
cp -r samples/manuals "$root/app/samples/manuals"
# The embedding engine and model, as the Dockerfile's embedding-engine stage installs them.
E5_PREFIX="$root/opt/manualbot/e5" bash scripts/install-embedding-engine.sh

umount "$root/proc"
size_root=$(du -sxm "$root" | cut -f1)
size_binary=$(du -m "$root/usr/local/bin/manualbot" | cut -f1)
mount -t proc proc "$root/proc"

# 4. Run it: the image's environment, the non-root user, loopback only.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# chroot, env, sh and manualbot exec one another: one process, whose pid $! is.
in_root=(chroot --userspec=10001:10001 "$root" /usr/bin/env -i HOME=/app PATH=/usr/local/bin:/usr/bin:/bin
  HOST=127.0.0.1 PORT="$port" DATA_DIR=/app/data MANUALS_DIR=/app/samples/manuals LOG_LEVEL=info
  API_KEY=check-image-key /bin/sh -c 'cd /app && exec "$@"' sh)
"${in_root[@]}" manualbot serve >"$work/serve.log" 2>&1 &
server_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -fsS "$base/api/v1/health" >"$work/health.json" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; fail "manualbot serve exited in the root"; }
  sleep 0.2
done
[[ -s $work/health.json ]] || { cat "$work/serve.log" >&2; fail "/api/v1/health never answered"; }
say "✓ /api/v1/health: $(cat "$work/health.json")"
for _ in $(seq 1 300); do
  curl -fsS "$base/api/v1/health" | python3 -c 'import json, sys; i = json.load(sys.stdin)["ingest"]; sys.exit(0 if not i["running"] and i.get("lastFinishedAt") else 1)' && break
  sleep 0.2
done
curl -fsS "$base/api/v1/chat" -H 'Content-Type: application/json' -H 'Authorization: Bearer check-image-key' \
  -d '{"userId":"anonymous","sessionId":"1","message":"노쇼 고객 환불 어떻게 해요?","customerAttributes":{}}' >"$work/chat.json" \
  || { cat "$work/serve.log" >&2; fail "POST /api/v1/chat"; }
python3 - "$work/chat.json" <<'EOF' || fail "the chat answer has no sources: $(cat "$work/chat.json")"
import json, sys
answer = json.load(open(sys.argv[1]))
sources = answer["sources"]
assert sources, "no sources"
top = sources[0]
reply = " ".join(answer["reply"].split())
print(f"check-image: ✓ chat: {len(sources)} sources, top {top['source']} p.{top.get('page')}: {reply[:70]}…", file=sys.stderr)
EOF
"${in_root[@]}" manualbot healthcheck >&2 || fail "manualbot healthcheck in the root"
missing=$(chroot "$root" ldd /usr/local/bin/manualbot | grep "not found" || true)
[[ -z $missing ]] || fail "libraries missing in the root: $missing"
install -m 0644 Tests/Fixtures/scan_clean_300dpi.pdf "$root/app/scan.pdf"
"${in_root[@]}" manualbot extract --ocr on /app/scan.pdf >"$work/ocr.json" || fail "manualbot extract --ocr on in the root"
grep -q '환불' "$work/ocr.json" || fail "OCR in the root read no Korean: $(head -c 300 "$work/ocr.json")"
say "✓ OCR of a scanned page in the root"
read -r -a smoke_args <<<"${SMOKE_ARGS:---skip s3 --skip pdf}"
"${in_root[@]}" manualbot smoke --url "$base" "${smoke_args[@]}" >&2 || fail "manualbot smoke in the root"

# SIGTERM, as ECS stops a task: exit 0 promptly.
started=$(date +%s%N)
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
[[ $status -eq 0 ]] || { tail -5 "$work/serve.log" >&2; fail "serve exited $status after SIGTERM"; }
say "✓ SIGTERM: exit 0 after ${elapsed_ms} ms"

# 5. The size.
say "runtime packages: $packages"
say "root size: ${size_root} MB (manualbot binary ${size_binary} MB, the rest $((size_root - size_binary)) MB); goal < 300 MB"
[[ $size_root -lt 300 ]] || say "WARNING: over the 300 MB goal"
say "passed"
