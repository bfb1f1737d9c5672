#!/usr/bin/env bash
# Starts the desktop shell on the current X display and waits (at most 60 s) for a
# window titled "ISMS Desk". Stops the app either way.
set -uo pipefail
app="$1"
"$app" >/tmp/isms-desk-smoke.log 2>&1 &
pid=$!
found=0
for _ in $(seq 60); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"ISMS Desk"'; then found=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
if [ "$found" = 1 ]; then
  echo "1 passed, 0 failed: the ISMS Desk window opened"
else
  echo "the ISMS Desk window did not open; the app said:" >&2
  cat /tmp/isms-desk-smoke.log >&2
  exit 1
fi
