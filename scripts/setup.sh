#!/usr/bin/env bash
# Installs the system packages ManualBot builds and runs against (Debian 12). Idempotent: runs
# apt-get only when something is missing.
set -euo pipefail
packages=(libpoppler-glib-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libxml2-dev poppler-utils pkg-config curl python3-pip)
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
