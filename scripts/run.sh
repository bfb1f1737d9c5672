#!/usr/bin/env bash
# Sets up this machine and opens ISMS Desk on the sample ISMS (Kestrel Cart, a
# fictional company). The app keeps its own copy of the sample (made on first run),
# so edits there survive between runs and never touch sample-isms/.
# Before the window opens, it shows `isms check` on the sample and renders the four
# reports from a committed copy into target/sample-reports/, with the year-over-year
# comparison, an audit pack and the OSCAL export of the sample with two signed years.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-ui.sh
cargo build -q -p isms-cli -p isms-desk
bin=${CARGO_TARGET_DIR:-target}/debug
isms=$bin/isms
echo "== isms check (as of today) =="
"$isms" --repo sample-isms check || true

# Reports are rendered from a commit, so the sample is copied into a git repository
# of its own first (target/sample-isms-repo, made afresh each run).
repo=target/sample-isms-repo
bash scripts/sample-repo.sh "$repo"
mkdir -p target/sample-reports
echo
echo "== isms report … (markdown, HTML and PDF in target/sample-reports/) =="
for kind in risk-assessment soa treatment-plan register; do
  for format in md html pdf; do
    "$isms" --repo "$repo" report "$kind" --format "$format" -o "target/sample-reports/$kind.$format"
  done
done

# What an auditor receives, on the sample with two years of signed risk assessments
# (fresh keys for its people in target/sample-keys; ISMS Desk settings of its own, so
# that the person's own key is not used).
echo
echo "== two signed years (target/sample-isms-history): changes since last year, an audit pack, OSCAL =="
history=target/sample-isms-history
ISMS="$isms" bash scripts/sample-history.sh "$history" target/sample-keys
export ISMS_DESK_CONFIG="$PWD/target/sample-keys/settings.json"
"$isms" --repo "$history" --format pdf compare assessment-2025 assessment-2026 \
  -o target/sample-reports/changes-2025-2026.pdf
"$isms" --repo "$history" audit-pack --rev assessment-2026 -o target/sample-reports/audit-pack
"$isms" --repo "$history" export oscal -o target/sample-reports/oscal
unset ISMS_DESK_CONFIG

echo
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: to see the app on a headless machine, run it under Xvfb, e.g." >&2
  echo "  xvfb-run -a $bin/isms-desk --sample" >&2
  exit 1
fi
echo "== ISMS Desk on the sample ISMS =="
exec "$bin/isms-desk" --sample
