#!/usr/bin/env bash
# Interop: transactions with confluent-kafka-python (librdkafka) — runs
# test/interop/python/test_txn.py with Debian's python3-confluent-kafka (for /usr/bin/python3)
# against a fresh Bunka, or INTEROP_BOOTSTRAP=host:port: a transactional producer commits and
# aborts, read_committed and read_uncommitted consumers check what they see, and a
# consume-transform-produce loop uses send_offsets_to_transaction.
set -uo pipefail
CASE_NAME=python-txn
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY=/usr/bin/python3

ensure_apt /usr/lib/python3/dist-packages/confluent_kafka/__init__.py python3-confluent-kafka ||
  { result "install python3-confluent-kafka" FAIL "apt-get install failed"; finish; exit; }
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

out="$(timeout 180 "$PY" "$INTEROP_DIR/python/test_txn.py" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
if [[ $rc -ne 0 && $FAILED -eq 0 ]]; then result "run test_txn.py" FAIL "exited $rc (timeout 180 s?)"; fi
finish
