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
#  - java/client-race/ClientRace.java: a race in the Java client itself (EndTxn sent before the
#    transaction's records) gets INVALID_TXN_STATE from Bunka as from Kafka 4.3.1.
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

out="$(timeout 240 java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
  -cp "$CP" "$INTEROP_DIR/java/TxnProduceConsume.java" "$BOOTSTRAP")"
rc=$?
race_problem=""
# java/client-race: the Java client's EndTxn-before-records race (kafka-clients 4.3.1, transaction
# version 2; see PausingIncompleteBatches.java) made to happen every time; the broker must answer
# it as Apache Kafka does (INVALID_TXN_STATE) and go on serving. Two source files in two packages:
# compiled with javac, not run as a single source file.
if javac -nowarn -d "$WORK/race" -cp "$CP" "$INTEROP_DIR"/java/client-race/ClientRace.java \
     "$INTEROP_DIR"/java/client-race/org/apache/kafka/clients/producer/internals/PausingIncompleteBatches.java 2> "$WORK/javac.err"; then
  race="$(timeout 120 java -Xmx256m -XX:TieredStopAtLevel=1 "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
    -cp "$WORK/race:$CP" ClientRace "$BOOTSTRAP")"
  race_rc=$?
  out="$out"$'\n'"$race"
  [[ $race_rc -ne 0 && "$race" != *$'\tFAIL\t'* ]] && race_problem="run ClientRace.java"$'\t'"exited $race_rc (timeout 120 s?)"
else
  race_problem="javac ClientRace.java"$'\t'"$(head -c 300 "$WORK/javac.err")"
fi
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run TxnProduceConsume.java" FAIL "exited $rc (timeout 240 s?)"
[[ -n "${race_problem:-}" ]] && result "${race_problem%%$'\t'*}" FAIL "${race_problem#*$'\t'}"
finish
