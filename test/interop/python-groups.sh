#!/usr/bin/env bash
# Interop: consumer groups with confluent-kafka-python (librdkafka) — runs
# test/interop/python/test_groups.py (assignment strategies range and cooperative-sticky, two
# members, commit, resume) with Debian's python3-confluent-kafka against a fresh Bunka
# (group.initial.rebalance.delay.ms=0), or INTEROP_BOOTSTRAP=host:port.
set -uo pipefail
CASE_NAME=python-groups
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY=/usr/bin/python3

ensure_apt /usr/lib/python3/dist-packages/confluent_kafka/__init__.py python3-confluent-kafka ||
  { result "install python3-confluent-kafka" FAIL "apt-get install failed"; finish; exit; }
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0,num.partitions=4}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

out="$(timeout 300 "$PY" "$INTEROP_DIR/python/test_groups.py" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
if [[ $rc -ne 0 && $FAILED -eq 0 ]]; then result "run test_groups.py" FAIL "exited $rc (timeout 300 s?)"; fi
finish
