#!/usr/bin/env bash
# Builds the screens (ui/: Svelte 5, TypeScript, Vite) into ui/dist, which the Tauri
# shell embeds at compile time, after type-checking them with svelte-check.
set -euo pipefail
cd "$(dirname "$0")/../ui"
# `npm install`, not `npm ci`: the registry this project is built against serves only
# the platform packages of Linux, so the lock file lists rollup's native package for
# Linux alone and `npm ci` refuses it as out of step; `npm install` installs exactly
# what the lock file pins and leaves it unchanged.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent check
npm run --silent build -- --logLevel warn
