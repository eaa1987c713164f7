#!/usr/bin/env bash
# Interop: franz-go (kgo) — builds test/interop/franz-go (own go.mod/go.sum; modules come from the
# Go module proxy into the module cache, no vendor dir) and runs it against a fresh Bunka, or
# INTEROP_BOOTSTRAP=host:port; then raw fetches check the batches carry one producer id with
# gap-free sequences (kgo is idempotent by default).
set -uo pipefail
CASE_NAME=franz-go
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || { result "go toolchain" FAIL "no go on PATH"; finish; exit; }
BIN_DIR="$INTEROP_DIR/franz-go/bin"   # git-ignored
mkdir -p "$BIN_DIR"
t0=$SECONDS
if ! (cd "$INTEROP_DIR/franz-go" && go mod download && go build -o "$BIN_DIR/franz-go-interop" .) >&2; then
  result "go build" FAIL "go mod download / go build failed (see stderr)"; finish; exit
fi
say "built in $((SECONDS - t0)) s"
start_broker || { result "start broker" FAIL "Bunka did not start: $START_ERROR"; finish; exit; }

out="$(timeout 120 "$BIN_DIR/franz-go-interop" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run franz-go program" FAIL "exited $rc (timeout 120 s?)"
topic="$(printf '%s\n' "$out" | sed -n 's/^TOPIC\t//p')"
if [[ -n "$topic" ]]; then
  if detail="$(timeout 60 "$BUN" "$INTEROP_DIR/check-idempotent.ts" "$BOOTSTRAP" "$topic" 3 5000 2>&1)"; then
    result "batches: producer id + sequences" PASS "$detail"
  else
    result "batches: producer id + sequences" FAIL "$detail"
  fi
fi
finish
