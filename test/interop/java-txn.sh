#!/usr/bin/env bash
# Interop: transactions with the Java client (kafka-clients 4.x jars from kafka-dist.sh) against a
# fresh Bunka, or INTEROP_BOOTSTRAP=host:port.
#
#  - java/TxnProduceConsume.java: a transactional producer interleaves committed and aborted
#    transactions over 3 partitions; a read_committed consumer sees every committed record once,
#    in order, and no aborted one; a read_uncommitted consumer sees them all; log end offsets
#    count one marker per transaction and partition; a consume-transform-produce loop with
#    sendOffsetsToTransaction (every 4th transaction aborted and retried) gives exactly-once
#    output and the group's committed offsets at the input's end; two transactional producers at
#    full speed at once over 8 partitions (requests over 64 KB, 5 in flight) commit every
#    transaction and read back exactly once, in order.
set -uo pipefail
CASE_NAME=java-txn
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-java-txn-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"

run_program() {
  out="$(timeout 240 java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
    -cp "$CP" "$INTEROP_DIR/java/TxnProduceConsume.java" "$BOOTSTRAP")"
  rc=$?
}
run_program
# Known bug, issue 12 (SKIPPED.md): the first check's producer can die with InvalidTxnStateException
# (the Java client commits a transaction none of whose records reached the broker; seen against
# Kafka 4.3.1 too, far more rarely). Only that exact failure, with nothing else failed, is run
# again once, and said loudly; any other failure, or the same one twice, fails the case.
first_fail="$(printf '%s\n' "$out" | grep $'^INTEROP\t[^\t]*\tFAIL' | grep -v $'\tFAIL\tnot run: the transactional producer failed' || true)"
if [[ $(printf '%s\n' "$first_fail" | grep -c .) -eq 1 && "$first_fail" == *"transactional producer: "*"InvalidTxnStateException"* ]]; then
  say "KNOWN BUG (issue 12, SKIPPED.md): $(printf '%s' "$first_fail" | cut -f2,4 | cut -c1-200); running the program once more"
  run_program
fi
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run TxnProduceConsume.java" FAIL "exited $rc (timeout 240 s?)"
finish
