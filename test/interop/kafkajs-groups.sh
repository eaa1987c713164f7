#!/usr/bin/env bash
# Interop: kafkajs consumer groups — runs the bun test test/interop/kafkajs-groups.test.ts (which
# starts its own Bunka on a fixed free port, so that it can restart it, or uses
# INTEROP_BOOTSTRAP=host:port) and reports each test as an operation.
set -uo pipefail
CASE_NAME=kafkajs-groups
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if [[ ! -f node_modules/kafkajs/package.json || ! -x node_modules/.bin/bun ]]; then
  say "installing npm dependencies (npm ci)"
  t0=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error >&2 || { result "npm ci" FAIL "npm ci failed"; finish; exit; }
  say "npm ci took $((SECONDS - t0)) s"
fi

if [[ -z "${INTEROP_BOOTSTRAP:-}" ]]; then
  if [[ -n "${INTEROP_BROKER_LOG:-}" ]]; then BROKER_LOG="$INTEROP_BROKER_LOG"
  else BROKER_LOG="$(mktemp /tmp/bunka-interop-broker-XXXXXX.log)"; OWN_BROKER_LOG=1; fi
  : >"$BROKER_LOG"
fi
OUT="$(mktemp /tmp/bunka-interop-kafkajs-XXXXXX.out)"
INTEROP_BROKER_LOG="$BROKER_LOG" timeout 420 "$BUN" test --timeout 120000 test/interop/kafkajs-groups.test.ts >"$OUT" 2>&1
rc=$?
cat "$OUT" >&2
# bun prints a failing test's error above its "(fail) ..." line: keep the most telling line of it.
while IFS=$'\t' read -r res name detail; do
  result "$name" "$res" "$detail"
done < <(awk '
  /^\(pass\) / { name = $0; sub(/^\(pass\) kafkajs groups > /, "", name); sub(/ \[[0-9.]+m?s\]$/, "", name); print "PASS\t" name "\t"; err = ""; n = 0; next }
  /^\(fail\) / { name = $0; sub(/^\(fail\) kafkajs groups > /, "", name); sub(/ \[[0-9.]+m?s\]$/, "", name); print "FAIL\t" name "\t" err; err = ""; n = 0; next }
  /^[A-Za-z][A-Za-z0-9]*: / && err == "" { err = $0 }
  /^ *(apiName|type|apiKey): / { err = err " " $0 }
  /^(Expected|Received)/ { err = err " " $0 }
  /^[+-]   / && n++ < 3 { line = $0; sub(/^[+-] +/, "", line); err = err " " line }
  /^\((pass|fail)\) / { n = 0 }
  /timed out after/ && err == "" { err = $0 }
' "$OUT")
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "bun test kafkajs-groups.test.ts" FAIL "exited $rc: $(tail -n 3 "$OUT")"
rm -f "$OUT"
[[ $FAILED -gt 0 ]] && broker_log_summary
[[ -n "$OWN_BROKER_LOG" ]] && rm -f "$BROKER_LOG"
finish
