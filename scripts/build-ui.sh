#!/usr/bin/env bash
# Builds the screens (ui/: Svelte 5, TypeScript, Vite) into ui/dist, which the Tauri
# shell embeds at compile time, after type-checking them with svelte-check.
set -euo pipefail
cd "$(dirname "$0")/../ui"
# `npm ci`: exactly what the lock file pins (it lists the native packages of every
# platform, so it is the same lock on any machine), and an error if package.json and
# the lock disagree. Run again only when the lock changed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent check
npm run --silent build -- --logLevel warn
