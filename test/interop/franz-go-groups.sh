#!/usr/bin/env bash
# Interop: a franz-go (kgo) consumer group — builds test/interop/franz-go-groups (own go.mod/go.sum,
# the same franz-go as franz-go.sh) and runs it against a fresh Bunka
# (group.initial.rebalance.delay.ms=0), or INTEROP_BOOTSTRAP=host:port: two members split a topic,
# commit, leave, and a new member resumes from the committed offsets.
set -uo pipefail
CASE_NAME=franz-go-groups
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || { result "go toolchain" FAIL "no go on PATH"; finish; exit; }
BIN_DIR="$INTEROP_DIR/franz-go-groups/bin"   # git-ignored
mkdir -p "$BIN_DIR"
t0=$SECONDS
if ! (cd "$INTEROP_DIR/franz-go-groups" && go mod download && go build -o "$BIN_DIR/franz-go-groups-interop" .) >&2; then
  result "go build" FAIL "go mod download / go build failed (see stderr)"; finish; exit
fi
say "built in $((SECONDS - t0)) s"
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0,num.partitions=4}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

out="$(timeout 120 "$BIN_DIR/franz-go-groups-interop" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run franz-go program" FAIL "exited $rc (timeout 120 s?)"
finish
