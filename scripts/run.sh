#!/usr/bin/env bash
# Sets up this machine and shows ISMS Desk on the sample ISMS (Kestrel Cart, a
# fictional company): the checks, then the risk register.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build -q -p isms-cli
isms=target/debug/isms
echo "== isms check (as of today) =="
"$isms" --repo sample-isms check || true
echo
echo "== isms list risks --sort score =="
"$isms" --repo sample-isms list risks --sort score
