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

# Reports are rendered from a commit, so the sample is copied into a git repository
# of its own first (target/sample-isms-repo, made afresh each run).
repo=target/sample-isms-repo
rm -rf "$repo"
cp -r sample-isms "$repo"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name="Ingrid Solberg" -c user.email=ingrid.solberg@kestrelcart.example \
  commit -q --no-gpg-sign -m "Kestrel Cart ISMS"
mkdir -p target/sample-reports
echo
echo "== isms report … (markdown, HTML and PDF in target/sample-reports/) =="
for kind in risk-assessment soa treatment-plan register; do
  for format in md html pdf; do
    "$isms" --repo "$repo" report "$kind" --format "$format" -o "target/sample-reports/$kind.$format"
  done
done
