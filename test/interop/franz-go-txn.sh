#!/usr/bin/env bash
# Interop: franz-go's kgo.GroupTransactSession — builds test/interop/franz-go-txn (own go.mod/go.sum,
# the same franz-go as franz-go.sh) and runs it against a fresh Bunka
# (group.initial.rebalance.delay.ms=0), or INTEROP_BOOTSTRAP=host:port: consume-transform-produce
# between two topics, every 4th transaction aborted, exact output read back read_committed and the
# group's committed offsets at the input's end.
set -uo pipefail
CASE_NAME=franz-go-txn
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || { result "go toolchain" FAIL "no go on PATH"; finish; exit; }
BIN_DIR="$INTEROP_DIR/franz-go-txn/bin"   # git-ignored
mkdir -p "$BIN_DIR"
t0=$SECONDS
if ! (cd "$INTEROP_DIR/franz-go-txn" && go mod download && go build -o "$BIN_DIR/franz-go-txn-interop" .) >&2; then
  result "go build" FAIL "go mod download / go build failed (see stderr)"; finish; exit
fi
say "built in $((SECONDS - t0)) s"
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

out="$(timeout 150 "$BIN_DIR/franz-go-txn-interop" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run franz-go program" FAIL "exited $rc (timeout 150 s?)"
finish
