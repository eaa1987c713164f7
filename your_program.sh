#!/usr/bin/env bash
# Starts Bunka: ./your_program.sh [path/to/server.properties]
# Installs the pinned dependencies (Bun comes from npm) on first use and rebuilds the single
# binary ./bunka only when it is missing or older than the sources, then runs it
# (BUNKA_BUILD_ONLY=1: stop after building). The broker runs in the caller's directory, so a
# relative config path (and a relative log.dirs) means what it means to the caller, as with
# Kafka's kafka-server-start.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)

(
  cd "$root"
  if [ -x node_modules/.bin/bun ]; then
    BUN=node_modules/.bin/bun
  elif command -v bun >/dev/null 2>&1; then
    BUN=$(command -v bun)
  else
    echo "[bunka] installing dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    BUN=node_modules/.bin/bun
  fi
  if [ ! -x ./bunka ] || [ -n "$(find src package.json -newer ./bunka -print -quit)" ]; then
    "$BUN" build/compile.ts >&2
  fi
)

[ "${BUNKA_BUILD_ONLY:-}" = 1 ] && exit 0
exec "$root/bunka" "$@"
