#!/usr/bin/env bash
# Launch benchmark of the desktop app: the time from starting `isms-desk` to the risk
# register being on screen, and the memory (RSS) of the app and its WebKit processes
# at that moment, with the sample ISMS and with a synthetic register of 10,000 risks.
#
# The app is the release build with the embedded screens and the launch measurement
# (--features custom-protocol,bench),
# run under Xvfb. `--report-ready` makes it print a line when the register's rows are
# first painted; this script times from spawning the process to that line, then reads
# the memory of the app process (VmRSS) and of its whole process tree (the app,
# WebKitWebProcess, WebKitNetworkProcess): the sum of RSS, which counts the shared
# WebKit and GTK libraries once per process, and the sum of PSS, which shares them out.
# Each case runs RUNS times (default 5) with a warm file cache; the first open of a
# repository also builds its index (a "cold" run), which is reported on its own.
# Figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
bash scripts/build-ui.sh
cargo build -q --release -p isms-desk --features custom-protocol,bench
app=${CARGO_TARGET_DIR:-target}/release/isms-desk
work=target/bench-app
rm -rf "$work"
mkdir -p "$work"
bash scripts/sample-repo.sh "$work/sample"
cargo run -q --release -p isms-core --features synthetic --example synthetic -- "$work/risks-10000" 10000 500

measure() { # <repo> → prints "ms app_rss_mb tree_rss_mb tree_pss_mb rows"
  local repo="$1" out="$work/out.$$"
  local start end pid line
  start=$(date +%s%N)
  "$app" --repo "$repo" --data-dir "$work/data" --report-ready >"$out" 2>"$work/stderr.log" &
  pid=$!
  for _ in $(seq 600); do
    line=$(grep -m1 '^register-visible' "$out" 2>/dev/null || true)
    [ -n "$line" ] && break
    sleep 0.01
  done
  end=$(date +%s%N)
  if [ -z "$line" ]; then
    kill "$pid" 2>/dev/null || true
    echo "the app did not show the register within 6 s; it said:" >&2
    cat "$work/stderr.log" >&2
    exit 1
  fi
  # The app and every process it started (WebKit's web and network processes).
  sleep 0.2 # let the web process settle after painting
  local pids rss=0 pss=0 kb app_rss
  app_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  pids="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
  for p in $pids; do pids="$pids $(pgrep -P "$p" | tr '\n' ' ')"; done
  for p in $(echo "$pids" | tr ' ' '\n' | sort -u); do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    rss=$((rss + ${kb:-0}))
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    pss=$((pss + ${kb:-0}))
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local rows=${line##*rows=}; rows=${rows%% *}
  echo "$(( (end - start) / 1000000 )) $((app_rss / 1024)) $((rss / 1024)) $((pss / 1024)) $rows"
}

report() { # <label> <repo>
  local label="$1" repo="$2" cold times=() app_mb=() tree_mb=() pss_mb=() rows
  rm -rf "$repo/.git/isms-desk"
  cold=$(measure "$repo")
  for _ in $(seq "$runs"); do
    read -r ms a t p rows < <(measure "$repo")
    times+=("$ms"); app_mb+=("$a"); tree_mb+=("$t"); pss_mb+=("$p")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
  printf '%s (%s rows)\n  first open, index built: %s ms\n  warm: median %s ms (%s)\n  memory, median MB: app RSS %s | process tree RSS %s | process tree PSS %s\n' \
    "$label" "$rows" "${cold%% *}" "$(median "${times[@]}")" "${times[*]}" "$(median "${app_mb[@]}")" "$(median "${tree_mb[@]}")" "$(median "${pss_mb[@]}")"
}

export -f measure
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "$(declare -f measure report); app=$app work=$work runs=$runs; report 'sample (17 risks)' $work/sample; report 'synthetic (10,000 risks)' $work/risks-10000"
