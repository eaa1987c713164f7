#!/usr/bin/env bash
# Interop: confluent-kafka-python — runs test/interop/python/test_confluent.py with Debian's
# python3-confluent-kafka (installed for /usr/bin/python3, not pyenv's python3 that comes first
# on PATH) against a fresh Bunka, or INTEROP_BOOTSTRAP=host:port.
set -uo pipefail
CASE_NAME=python
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY=/usr/bin/python3

ensure_apt /usr/lib/python3/dist-packages/confluent_kafka/__init__.py python3-confluent-kafka ||
  { result "install python3-confluent-kafka" FAIL "apt-get install failed"; finish; exit; }
start_broker || { result "start broker" FAIL "Bunka did not start: $START_ERROR"; finish; exit; }

out="$(timeout 120 "$PY" "$INTEROP_DIR/python/test_confluent.py" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
if [[ $rc -ne 0 && $FAILED -eq 0 ]]; then result "run test_confluent.py" FAIL "exited $rc (timeout 120 s?)"; fi
# On the wire: the batches must carry the producer id and gap-free sequences of ONE idempotent
# producer (enable.idempotence must not silently degrade to a plain producer).
topic="$(printf '%s\n' "$out" | sed -n 's/^TOPIC\t//p')"
if [[ -n "$topic" ]]; then
  if detail="$(timeout 60 "$BUN" "$INTEROP_DIR/check-idempotent.ts" "$BOOTSTRAP" "$topic" 3 5000 2>&1)"; then
    result "batches: producer id + sequences" PASS "$detail"
  else
    result "batches: producer id + sequences" FAIL "$detail"
  fi
fi
finish
