#!/usr/bin/env bash
# Interop: consumer groups with the Java client and Kafka's kafka-consumer-groups tool (Kafka 4.x
# jars from kafka-dist.sh) against a fresh Bunka (group.initial.rebalance.delay.ms=0,
# num.partitions=4), or INTEROP_BOOTSTRAP=host:port.
#
#  - java/GroupConsume.java: two KafkaConsumer.subscribe() members split a 4-partition topic,
#    commitSync(), close, two new members resume from the committed offsets; Admin
#    listConsumerGroupOffsets / describeConsumerGroups; 20 records are left unconsumed.
#  - kafka-consumer-groups (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand): --list,
#    --describe (lag 5 on each partition), --reset-offsets --to-earliest --execute (lag 155),
#    --delete-offsets, --delete.
set -uo pipefail
CASE_NAME=java-groups
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0,num.partitions=4}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-java-groups-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"
JAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$CP")
groups() { timeout 60 "${JAVA[@]}" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BOOTSTRAP" "$@"; }

out="$(timeout 240 "${JAVA[@]}" "$INTEROP_DIR/java/GroupConsume.java" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 ]] && result "run GroupConsume.java" FAIL "exited $rc (timeout 240 s?)"
group="$(printf '%s\n' "$out" | sed -n 's/^GROUP\t//p')"
topic="$(printf '%s\n' "$out" | sed -n 's/^TOPIC\t//p')"
[[ -z "$group" || -z "$topic" ]] && { finish; exit; }

# Rows of the --describe table for our topic: "<partition> <current> <log-end> <lag>".
rows() { awk -v t="$topic" '$2 == t { print $3, $4, $5, $6 }' "$1" | sort -n; }

if groups --list >"$WORK/list.out" 2>&1 && grep -qxF "$group" "$WORK/list.out"; then
  result "kafka-consumer-groups --list" PASS "$(wc -l <"$WORK/list.out") group(s), ours listed"
else
  result "kafka-consumer-groups --list" FAIL "$(grep -v '^\s*at ' "$WORK/list.out" | tail -n 3)"
fi
groups --describe --group "$group" >"$WORK/describe.out" 2>&1
if [[ "$(rows "$WORK/describe.out")" == $'0 150 155 5\n1 150 155 5\n2 150 155 5\n3 150 155 5' ]]; then
  result "kafka-consumer-groups --describe (lag)" PASS "4 partitions at 150 of 155, lag 5 each"
else
  result "kafka-consumer-groups --describe (lag)" FAIL "$(grep -v '^\s*at ' "$WORK/describe.out" | tr -s ' ' | tail -n 6)"
fi
groups --describe --group "$group" --state >"$WORK/state.out" 2>&1
if grep -qE "^$group\s.*\sEmpty\s+0\s*$" "$WORK/state.out"; then
  result "kafka-consumer-groups --describe --state" PASS "Empty, 0 members"
else
  result "kafka-consumer-groups --describe --state" FAIL "$(grep -v '^\s*at ' "$WORK/state.out" | tr -s ' ' | tail -n 3)"
fi
groups --reset-offsets --group "$group" --topic "$topic" --to-earliest --execute >"$WORK/reset.out" 2>&1
groups --describe --group "$group" >"$WORK/describe2.out" 2>&1
if [[ "$(rows "$WORK/describe2.out")" == $'0 0 155 155\n1 0 155 155\n2 0 155 155\n3 0 155 155' ]]; then
  result "kafka-consumer-groups --reset-offsets --to-earliest --execute" PASS "offsets 0, lag 155 each"
else
  result "kafka-consumer-groups --reset-offsets --to-earliest --execute" FAIL "$(cat "$WORK/reset.out" "$WORK/describe2.out" | grep -v '^\s*at ' | tr -s ' ' | tail -n 6)"
fi
groups --delete-offsets --group "$group" --topic "$topic:0" >"$WORK/delete-offsets.out" 2>&1
groups --describe --group "$group" >"$WORK/describe3.out" 2>&1
if grep -qE "^$topic\s+0\s+Successful" "$WORK/delete-offsets.out" && [[ "$(rows "$WORK/describe3.out" | wc -l)" == 3 ]]; then
  result "kafka-consumer-groups --delete-offsets" PASS "partition 0's offset deleted"
else
  result "kafka-consumer-groups --delete-offsets" FAIL "$(cat "$WORK/delete-offsets.out" "$WORK/describe3.out" | grep -v '^\s*at ' | tr -s ' ' | tail -n 6)"
fi
groups --delete --group "$group" >"$WORK/delete.out" 2>&1
groups --list >"$WORK/list2.out" 2>&1
if grep -q "Deletion of requested consumer groups ('$group') was successful" "$WORK/delete.out" && ! grep -qxF "$group" "$WORK/list2.out"; then
  result "kafka-consumer-groups --delete" PASS "deleted, no longer listed"
else
  result "kafka-consumer-groups --delete" FAIL "$(grep -v '^\s*at ' "$WORK/delete.out" | tail -n 3)"
fi
finish
