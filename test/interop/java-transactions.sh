#!/usr/bin/env bash
# Interop: transactions with the Java client and Kafka's kafka-transactions tool (Kafka 4.x jars
# from kafka-dist.sh) against a fresh Bunka, or INTEROP_BOOTSTRAP=host:port (Kafka 4.3.1 passes
# the same checks: test/interop/kafka-run.sh start, then INTEROP_BOOTSTRAP=127.0.0.1:19092).
#
#  - java/Transactions.java: initTransactions, commit, abort, commit; a second producer with the
#    same transactional.id fences the first (ProducerFencedException on its commit); the markers'
#    offsets (partition 0 ends at 9, partition 1 at 6 on Kafka 4.3.1 and Bunka alike);
#    read_committed reads only the committed records; sendOffsetsToTransaction commits a
#    group's offset with the transaction (AddOffsetsToTxn, TxnOffsetCommit), not with an abort.
#  - kafka-transactions (org.apache.kafka.tools.TransactionsCommand): list (our id,
#    CompleteCommit), describe (producer epoch 7: the epochs of transaction version 2 and the
#    fence, as Kafka 4.3.1 ends), describe-producers (no open transaction).
set -uo pipefail
CASE_NAME=java-transactions
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-java-txn-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"
JAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$CP")
txns() { timeout 60 "${JAVA[@]}" org.apache.kafka.tools.TransactionsCommand --bootstrap-server "$BOOTSTRAP" "$@"; }

out="$(timeout 240 "${JAVA[@]}" "$INTEROP_DIR/java/Transactions.java" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 ]] && result "run Transactions.java" FAIL "exited $rc (timeout 240 s?)"
topic="$(printf '%s\n' "$out" | sed -n 's/^TOPIC\t//p')"
txnid="$(printf '%s\n' "$out" | sed -n 's/^TXNID\t//p')"
[[ -z "$topic" || -z "$txnid" ]] && { finish; exit; }

if txns list >"$WORK/list.out" 2>&1 && awk -v id="$txnid" '$1 == id && $4 == "CompleteCommit" { found = 1 } END { exit !found }' "$WORK/list.out"; then
  result "kafka-transactions list" PASS "$txnid CompleteCommit"
else
  result "kafka-transactions list" FAIL "$(grep -v '^\s*at ' "$WORK/list.out" | tail -n 3)"
fi
if txns describe --transactional-id "$txnid" >"$WORK/describe.out" 2>&1 &&
    awk -v id="$txnid" '$2 == id && $4 == 7 && $5 == "CompleteCommit" { found = 1 } END { exit !found }' "$WORK/describe.out"; then
  result "kafka-transactions describe" PASS "epoch 7, CompleteCommit"
else
  result "kafka-transactions describe" FAIL "$(grep -v '^\s*at ' "$WORK/describe.out" | tr -s ' ' | tail -n 3)"
fi
if txns describe-producers --topic "$topic" --partition 0 >"$WORK/producers.out" 2>&1 &&
    awk 'NR > 1 && $2 == 7 && $6 == "None" { found = 1 } END { exit !found }' "$WORK/producers.out"; then
  result "kafka-transactions describe-producers" PASS "epoch 7, no open transaction"
else
  result "kafka-transactions describe-producers" FAIL "$(grep -v '^\s*at ' "$WORK/producers.out" | tr -s ' ' | tail -n 3)"
fi
finish
