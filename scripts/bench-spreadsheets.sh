#!/usr/bin/env bash
# Spreadsheets at 10,000 risks, in one run on this machine (release build):
#   - `isms export`            the workbook of a commit of 10,000 risks;
#   - `isms import` dry run    that workbook's Risks sheet re-imported (a plan of
#                              10,000 unchanged rows);
#   - `isms import` dry run    and `--apply` of a CSV that changes every risk's
#                              likelihood (10,000 updates written as one change).
# Each is run RUNS times (default 3); the best and the median are printed.
# Figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-3}
cargo build -q --release -p isms-cli
isms=${CARGO_TARGET_DIR:-$root/target}/release/isms
work=$root/target/bench-spreadsheets
rm -rf "$work" && mkdir -p "$work"
cargo run -q --release -p isms-core --features synthetic --example synthetic -- "$work/repo" 10000 500
repo=$work/repo
git -C "$repo" rev-parse -q --verify HEAD >/dev/null || { git -C "$repo" add -A; git -C "$repo" -c user.name=bench -c user.email=bench@example.org commit -q --no-gpg-sign -m synthetic; }
export HOME=$work GIT_CONFIG_NOSYSTEM=1 ISMS_DESK_CONFIG=$work/settings.json

time_it() { # label, command…
  local label=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '{ a[NR] = $1 } END { printf "%-44s best %.2f s, median %.2f s (%d runs)\n", label, a[1], a[int((NR + 1) / 2)], NR }'
}

time_it "export 10,000 risks" "$isms" --repo "$repo" export -o "$work/register.xlsx"
time_it "import dry run, 10,000 unchanged (xlsx)" "$isms" --repo "$repo" --format json import "$work/register.xlsx" --kind risks
"$isms" --repo "$repo" --format csv list risks > "$work/list.csv"
python3 - "$work/list.csv" "$work/changed.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
out = csv.writer(open(sys.argv[2], "w", newline=""))
out.writerow(["Id", "Likelihood"])
for r in rows[1:]:
    if r[4]:
        out.writerow([r[0], 1 if r[4] != "1" else 2])
PY
time_it "import dry run, 10,000 updates (csv)" "$isms" --repo "$repo" --format json import "$work/changed.csv"
fingerprint=$("$isms" --repo "$repo" --format json import "$work/changed.csv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
start=$(date +%s.%N)
"$isms" --repo "$repo" import "$work/changed.csv" --apply "$fingerprint" >/dev/null
end=$(date +%s.%N)
printf '%-44s %.2f s (one run: it changes the files)\n' "import apply, 10,000 updates (csv)" "$(echo "$end - $start" | bc)"
printf 'workbook: %s bytes\n' "$(stat -c %s "$work/register.xlsx")"
