#!/bin/sh
#
# Builds Bunka on CodeCrafters (run once before .codecrafters/run.sh) and locally from
# your_program.sh: installs the pinned dependencies (Bun comes from npm) when missing and
# rebuilds the single binary ./bunka only when it is missing or older than the sources.
#
# Learn more: https://codecrafters.io/program-interface

set -e # Exit on failure

cd "$(dirname "$0")/.."
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
