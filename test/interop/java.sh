#!/usr/bin/env bash
# Interop: the Java client and Kafka's own CLI tools (Kafka 4.x jars from kafka-dist.sh, Maven
# Central) against a fresh Bunka, or INTEROP_BOOTSTRAP=host:port.
#
#  - java/ProduceConsume.java (single-file program): Admin createTopics, a default KafkaProducer
#    (idempotent in 4.x) and a KafkaConsumer with assign() + seekToBeginning(); then raw fetches
#    check the batches carry one producer id with gap-free sequences.
#  - kafka-topics (org.apache.kafka.tools.TopicCommand) --create / --describe / --list /
#    --alter --partitions; kafka-configs (kafka.admin.ConfigCommand) --describe --all;
#    kafka-cluster (org.apache.kafka.tools.ClusterTool) cluster-id
#  - kafka-console-producer (org.apache.kafka.tools.ConsoleProducer) then kafka-console-consumer
#    (org.apache.kafka.tools.consumer.ConsoleConsumer) --partition 0 --offset earliest: the lines
#    read back must equal the lines written; kafka-get-offsets (org.apache.kafka.tools.GetOffsetShell)
#    must then give the partition's end offset.
set -uo pipefail
CASE_NAME=java
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
start_broker || { result "start broker" FAIL "Bunka did not start: $START_ERROR"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-java-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"
JAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$CP")
tool() { timeout 60 "${JAVA[@]}" "$@"; }

# --- Java client program ----------------------------------------------------------------------
out="$(timeout 120 "${JAVA[@]}" "$INTEROP_DIR/java/ProduceConsume.java" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run ProduceConsume.java" FAIL "exited $rc (timeout 120 s?)"
topic="$(printf '%s\n' "$out" | sed -n 's/^TOPIC\t//p')"
if [[ -n "$topic" ]]; then
  if detail="$(timeout 60 "$BUN" "$INTEROP_DIR/check-idempotent.ts" "$BOOTSTRAP" "$topic" 3 5000 2>&1)"; then
    result "KafkaProducer batches: producer id + sequences" PASS "$detail"
  else
    result "KafkaProducer batches: producer id + sequences" FAIL "$detail"
  fi
fi

# --- kafka-topics -----------------------------------------------------------------------------
T3="$(unique_topic java-cli3)"
T1="$(unique_topic java-cli1)"
if tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --topic "$T3" \
    --partitions 3 --replication-factor 1 >"$WORK/create.out" 2>&1 && grep -qF "Created topic $T3." "$WORK/create.out"; then
  result "kafka-topics --create (3 partitions)" PASS "$(head -n 1 "$WORK/create.out")"
else
  result "kafka-topics --create (3 partitions)" FAIL "$(grep -v '^\s*at ' "$WORK/create.out" | tail -n 3)"
fi
if tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe --topic "$T3" >"$WORK/describe.out" 2>&1 &&
    grep -qE "Topic: $T3\s.*PartitionCount: 3\s" "$WORK/describe.out" &&
    [[ "$(grep -cE "Topic: $T3\s+Partition: [0-2]\s+Leader: [0-9]+\s" "$WORK/describe.out")" == 3 ]]; then
  result "kafka-topics --describe" PASS "PartitionCount: 3, partitions 0-2 with a leader"
else
  result "kafka-topics --describe" FAIL "$(grep -v '^\s*at ' "$WORK/describe.out" | tail -n 4)"
fi
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --topic "$T1" \
  --partitions 1 --replication-factor 1 >"$WORK/create1.out" 2>&1
if tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list >"$WORK/list.out" 2>&1 &&
    grep -qxF "$T3" "$WORK/list.out" && grep -qxF "$T1" "$WORK/list.out"; then
  result "kafka-topics --list" PASS "$(wc -l <"$WORK/list.out") topics, both new ones listed"
else
  result "kafka-topics --list" FAIL "expected $T3 and $T1; got: $(grep -v '^\s*at ' "$WORK/list.out" | tail -n 3)"
fi

if tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --alter --topic "$T3" --partitions 4 \
      >"$WORK/alter.out" 2>&1 &&
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe --topic "$T3" >"$WORK/describe4.out" 2>&1 &&
    grep -qE "Topic: $T3\s.*PartitionCount: 4\s" "$WORK/describe4.out"; then
  result "kafka-topics --alter --partitions 4" PASS "PartitionCount: 4"
else
  result "kafka-topics --alter --partitions 4" FAIL "$(cat "$WORK/alter.out" "$WORK/describe4.out" 2>/dev/null | grep -v '^\s*at ' | grep -E 'Error|ERROR|PartitionCount' | head -n 3)"
fi
if tool kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name "$T3" --all \
      >"$WORK/configs.out" 2>&1 && grep -q "All configs for topic $T3 are:" "$WORK/configs.out" &&
    grep -qE '^\s+cleanup\.policy=delete\s' "$WORK/configs.out" && grep -qE '^\s+retention\.ms=-?[0-9]+\s' "$WORK/configs.out"; then
  result "kafka-configs --describe --all (topic)" PASS "$(grep -cE '^\s+[a-z.]+=' "$WORK/configs.out") configs, cleanup.policy=delete"
else
  result "kafka-configs --describe --all (topic)" FAIL "$(grep -v '^\s*at ' "$WORK/configs.out" | head -n 3)"
fi
if tool org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "$BOOTSTRAP" >"$WORK/cluster.out" 2>&1 &&
    grep -qE '^Cluster ID: [A-Za-z0-9_-]{22}$' "$WORK/cluster.out"; then
  result "kafka-cluster cluster-id" PASS "$(cat "$WORK/cluster.out")"
else
  result "kafka-cluster cluster-id" FAIL "$(grep -v '^\s*at ' "$WORK/cluster.out" | head -n 3)"
fi

# --- console producer / consumer --------------------------------------------------------------
LINES=500
for i in $(seq 1 $LINES); do printf 'console line %04d %s\n' "$i" "$(printf '%*s' $((i % 30)) '' | tr ' ' '#')"; done >"$WORK/console.in"
if tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BOOTSTRAP" --topic "$T1" \
    <"$WORK/console.in" >"$WORK/producer.out" 2>&1 && ! grep -qE 'ERROR|Exception' "$WORK/producer.out"; then
  result "kafka-console-producer" PASS "$LINES lines"
else
  result "kafka-console-producer" FAIL "$(grep -E 'ERROR|Exception' "$WORK/producer.out" | head -n 3)"
fi
tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BOOTSTRAP" --topic "$T1" \
  --partition 0 --offset earliest --max-messages $LINES --timeout-ms 15000 >"$WORK/console.out" 2>"$WORK/consumer.err"
if cmp -s "$WORK/console.in" "$WORK/console.out"; then
  result "kafka-console-consumer --partition 0 --offset earliest" PASS "$LINES lines identical"
else
  result "kafka-console-consumer --partition 0 --offset earliest" FAIL \
    "read $(wc -l <"$WORK/console.out") of $LINES lines; $(grep -E 'ERROR|Exception' "$WORK/consumer.err" | head -n 2)"
fi
if tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOTSTRAP" --topic "$T1" >"$WORK/offsets.out" 2>&1 &&
    [[ "$(grep -v '^\[' "$WORK/offsets.out")" == "$T1:0:$LINES" ]]; then
  result "kafka-get-offsets (latest)" PASS "$T1:0:$LINES"
else
  result "kafka-get-offsets (latest)" FAIL "expected $T1:0:$LINES; got: $(grep -v '^\s*at ' "$WORK/offsets.out" | head -n 3)"
fi

finish
