#!/bin/sh
# Replaces Debian's ICU data (libicudata.so.72, 31 MB) with the empty one built from
# deploy/icudata-stub.c, and removes the ICU libraries nothing loads (i18n, io, test, tu: 3.7 MB).
# Why it is safe is in deploy/icudata-stub.c. Run by the Dockerfile's runtime stage in the same
# layer as the apt-get install (a later layer would keep the 31 MB underneath), and by
# scripts/check-image.sh on its root:
#   sh deploy/slim-icu.sh STUB.so [ROOT]
# Fails when ICU 72 is not where bookworm puts it (a new Debian release: rebuild the stub).
set -eu
stub=$1
root=${2:-}
data=""
for candidate in "$root"/usr/lib/*-linux-gnu/libicudata.so.72.*; do
  if [ -f "$candidate" ]; then data=$candidate; break; fi
done
[ -n "$data" ] || { echo "slim-icu: no libicudata.so.72 under $root/usr/lib" >&2; exit 1; }
dir=$(dirname "$data")
cp "$stub" "$data"
chmod 0644 "$data"
rm -f "$dir"/libicui18n.so.72* "$dir"/libicuio.so.72* "$dir"/libicutest.so.72* "$dir"/libicutu.so.72*
