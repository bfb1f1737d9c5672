#!/usr/bin/env bash
# Makes <dir> afresh: a copy of sample-isms/ as a git repository with one commit, which
# is what reports and the app's history need (they read commits, not the folder).
set -euo pipefail
dir="$1"
cd "$(dirname "$0")/.."
rm -rf "$dir"
cp -r sample-isms "$dir"
git -C "$dir" init -q
git -C "$dir" add -A
git -C "$dir" -c user.name="Ingrid Solberg" -c user.email=ingrid.solberg@kestrelcart.example \
  commit -q --no-gpg-sign -m "Kestrel Cart ISMS"
