#!/usr/bin/env bash
# Sets up this machine and runs every check and test of ISMS Desk: formatting, clippy
# with warnings as errors, the screens' type check and build, the unit and integration
# tests (the TypeScript bindings check among them), and the end-to-end scenarios of
# the real app in its real webview under a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "== screens: svelte-check and vite build"
bash scripts/build-ui.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== end-to-end scenarios (tauri-driver, WebKitWebDriver, Xvfb)"
xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --test main app:: -- --ignored --test-threads=1
