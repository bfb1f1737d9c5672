#!/usr/bin/env bash
# Sets up this machine and runs every check and test of ISMS Desk: formatting,
# clippy with warnings as errors, the unit and integration tests, and a smoke test
# that the desktop shell opens its window on a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== desktop shell opens a window"
cargo build -q -p isms-desk
xvfb-run -a -s "-screen 0 1280x800x24" bash scripts/window-smoke.sh target/debug/isms-desk
