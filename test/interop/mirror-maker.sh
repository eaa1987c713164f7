#!/usr/bin/env bash
# Interop: MirrorMaker 2 (Kafka's own org.apache.kafka.connect.mirror.MirrorMaker, dedicated
# mode) between a fresh Bunka and a real Apache Kafka 4.3.1 (kafka-run.sh), both ways at once.
#
#  - clusters = bunka, kafka; bunka->kafka mirrors topics mmb-.*, kafka->bunka mirrors mmk-.*;
#    replication factor 1 everywhere (Connect's internal topics too: configs, offsets, status,
#    compacted), sync.group.offsets.enabled=true, checkpoints/refreshes every 1-2 s.
#  - java/MirrorMakerCheck.java, once per direction (both at the same time): a topic with a
#    config on the source, records mirrored as <source>.<topic>, the config mirrored, a group that
#    consumes and commits on the source, its translated offsets in
#    <source>.checkpoints.internal and in the target's group, a config change followed, heartbeats
#    one hop upstream, the topic grown to 3 partitions on both sides, then a consumer in that group on the target that resumes exactly after what it
#    committed on the source (no record twice, none missed). COUNT lines give the records and
#    offsets on both sides.
#  - MirrorMaker's log must say twice that the source has no authorizer (DescribeAcls answered
#    SECURITY_DISABLED by Bunka as by Kafka), and hold no ERROR.
#
# Environment: MM2_KAFKA_PORT (Kafka's PLAINTEXT port, CONTROLLER = +1; default a free pair),
# MM2_EOS=1 (mirror-maker-eos.sh) turns on MirrorMaker's exactly-once mode (KIP-618) on both
# workers, with offset commits every second (else offset syncs wait for the 60 s default, and the
# checkpoints with them); the targets then must hold commit markers after the records.
# MM2_EXTRA_PROPS adds lines to mm2.properties (e.g. "exactly.once.source.support = enabled"),
# MM2_KEEP=1 keeps the work dir (MirrorMaker's log, Kafka's log). INTEROP_BOOTSTRAP=host:port
# puts that broker in Bunka's place (e.g. a second Kafka, to check the case itself).
# Jars: kafka-dist.sh (the broker) and kafka-dist.sh connect-classpath (MirrorMaker).
set -uo pipefail
CASE_NAME=mirror-maker${MM2_EOS:+-eos}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T0=$SECONDS

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
"$INTEROP_DIR/kafka-dist.sh" classpath >/dev/null ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
CP="$(timeout 600 "$INTEROP_DIR/kafka-dist.sh" connect-classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh connect-classpath (Maven Central)" FAIL "could not fetch connect-mirror and connect-runtime"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-mm2-XXXXXX)"
MM2_PID=""
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A free pair (PLAINTEXT, CONTROLLER = port + 1) below the kernel's ephemeral range (32768 and up
# by default), where a client connection's own port can take it between the check and Kafka's
# bind: in CI, right after the graduate case, Kafka once exited at start-up that way.
pick_kafka_port() {
  KPORT=""
  while [[ -z "$KPORT" ]]; do
    local p=$((20000 + RANDOM % 12000)); port_free "$p" && port_free $((p + 1)) && KPORT=$p
  done
}
KPORT="${MM2_KAFKA_PORT:-}"
[[ -z "$KPORT" ]] && pick_kafka_port
kafka() { bash "$INTEROP_DIR/kafka-run.sh" --port "$KPORT" --dir "$WORK/kafka" "$@"; }
cleanup() {
  if [[ -n "$MM2_PID" ]]; then kill -TERM "$MM2_PID" 2>/dev/null; wait "$MM2_PID" 2>/dev/null; fi
  kafka stop >/dev/null 2>&1
  stop_broker
  if [[ -n "${MM2_KEEP:-}" ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Both brokers at once: Kafka's JVM takes the longest.
say "starting Apache Kafka $("$INTEROP_DIR/kafka-dist.sh" version) on 127.0.0.1:$KPORT"
KAFKA_EXTRA_PROPS="group.initial.rebalance.delay.ms=0" KAFKA_START_TIMEOUT=120 kafka start >"$WORK/kafka-start.log" 2>&1 &
KSTART=$!
BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0}" start_broker
started=$?
trap cleanup EXIT   # start_broker set its own trap
if (( started != 0 )); then
  result "start broker" FAIL "Bunka did not start: $START_ERROR"; wait "$KSTART"; finish; exit
fi
if ! wait "$KSTART"; then
  # Once more on another port pair (a port taken between the check and the bind), saying so.
  say "Kafka did not start on $KPORT: $(tail -n 12 "$WORK/kafka-start.log" | tr '\n' ' ' | cut -c1-600)"
  kafka stop >/dev/null 2>&1; rm -rf "$WORK/kafka"
  [[ -z "${MM2_KAFKA_PORT:-}" ]] && pick_kafka_port
  say "starting Apache Kafka again on 127.0.0.1:$KPORT"
  if ! KAFKA_EXTRA_PROPS="group.initial.rebalance.delay.ms=0" KAFKA_START_TIMEOUT=120 kafka start >"$WORK/kafka-start.log" 2>&1; then
    result "start Kafka" FAIL "$(tail -n 12 "$WORK/kafka-start.log" | tr '\n' ' ' | cut -c1-600)"; finish; exit
  fi
fi
say "$(tail -n 1 "$WORK/kafka-start.log")"
KAFKA_BOOTSTRAP="127.0.0.1:$KPORT"

cat >"$WORK/mm2.properties" <<EOF
clusters = bunka, kafka
bunka.bootstrap.servers = $BOOTSTRAP
kafka.bootstrap.servers = $KAFKA_BOOTSTRAP
bunka->kafka.enabled = true
bunka->kafka.topics = mmb-.*
kafka->bunka.enabled = true
kafka->bunka.topics = mmk-.*
groups = mm2-group-.*
tasks.max = 1
replication.factor = 1
checkpoints.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
offset-syncs.topic.replication.factor = 1
offset.storage.replication.factor = 1
status.storage.replication.factor = 1
config.storage.replication.factor = 1
sync.group.offsets.enabled = true
sync.group.offsets.interval.seconds = 1
emit.checkpoints.interval.seconds = 1
emit.heartbeats.interval.seconds = 1
refresh.topics.interval.seconds = 2
refresh.groups.interval.seconds = 2
sync.topic.configs.interval.seconds = 5
# an offset sync for every record (MirrorSourceTask), so translation is exact at the end
offset.lag.max = 0
${MM2_EOS:+bunka.exactly.once.source.support = enabled
kafka.exactly.once.source.support = enabled
bunka.offset.flush.interval.ms = 1000
kafka.offset.flush.interval.ms = 1000}
${MM2_EXTRA_PROPS:-}
EOF
sed 's/^rootLogger.level = WARN/rootLogger.level = INFO/' "$(bash "$INTEROP_DIR/kafka-run.sh" tools-log4j)" >"$WORK/mm2-log4j2.properties"
write_java_log_config "$WORK/log4j2.properties"

say "MirrorMaker 2 (dedicated mode): bunka $BOOTSTRAP <-> kafka $KAFKA_BOOTSTRAP"
timeout 300 java -Xmx384m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/mm2-log4j2.properties" \
  -Djava.io.tmpdir="$WORK" -cp "$CP" org.apache.kafka.connect.mirror.MirrorMaker "$WORK/mm2.properties" >"$WORK/mm2.log" 2>&1 &
MM2_PID=$!

# check <source alias> <source> <target alias> <target> <topic> <group> > out
check_direction() {
  timeout 200 java -Xmx192m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
    -Dmm2.wait.ms=90000 -Dmm2.eos=${MM2_EOS:+true} -Djava.io.tmpdir="$WORK" -cp "$CP" "$INTEROP_DIR/java/MirrorMakerCheck.java" "$@"
}
check_direction bunka "$BOOTSTRAP" kafka "$KAFKA_BOOTSTRAP" mmb-orders mm2-group-b >"$WORK/b2k.out" 2>"$WORK/b2k.err" &
B2K=$!
check_direction kafka "$KAFKA_BOOTSTRAP" bunka "$BOOTSTRAP" mmk-orders mm2-group-k >"$WORK/k2b.out" 2>"$WORK/k2b.err" &
K2B=$!
wait "$B2K"; rc_b2k=$?
wait "$K2B"; rc_k2b=$?
for d in b2k k2b; do
  grep $'^INTEROP\t' "$WORK/$d.out"
  grep '^COUNT' "$WORK/$d.out" | cut -f2- | sed "s/^/[$CASE_NAME] /" >&2
done
PASSED=$(cat "$WORK"/b2k.out "$WORK"/k2b.out | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(cat "$WORK"/b2k.out "$WORK"/k2b.out | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc_b2k -ne 0 ]] && ! grep -q $'\tFAIL\t' "$WORK/b2k.out" &&
  result "bunka->kafka: MirrorMakerCheck.java" FAIL "exited $rc_b2k (timeout?): $(tail -n 2 "$WORK/b2k.err")"
[[ $rc_k2b -ne 0 ]] && ! grep -q $'\tFAIL\t' "$WORK/k2b.out" &&
  result "kafka->bunka: MirrorMakerCheck.java" FAIL "exited $rc_k2b (timeout?): $(tail -n 2 "$WORK/k2b.err")"

# MirrorSourceConnector.syncTopicAcls: DescribeAcls on each source; SECURITY_DISABLED is logged
# as "No ACL authorizer is configured on the source Kafka cluster" (once per direction).
acl_lines=$(grep -c 'No ACL authorizer is configured on the source Kafka cluster' "$WORK/mm2.log")
if (( acl_lines >= 2 )); then
  result "DescribeAcls: no authorizer on either source" PASS "$acl_lines log lines"
else
  result "DescribeAcls: no authorizer on either source" FAIL "$acl_lines 'No ACL authorizer' log lines (want one per direction)"
fi
errors="$(grep -E '^\[[^]]*\] ERROR ' "$WORK/mm2.log" | sed -E 's/^\[[^]]*\] //' | cut -c1-200 | sort | uniq -c | sort -rn | head -n 5)"
if [[ -z "$errors" ]]; then
  result "MirrorMaker log without ERROR" PASS "$(grep -c . "$WORK/mm2.log") lines"
else
  result "MirrorMaker log without ERROR" FAIL "$errors"
fi
if (( FAILED > 0 )); then
  say "MirrorMaker's warnings and errors (counted):"
  grep -E '^\[[^]]*\] (WARN|ERROR) ' "$WORK/mm2.log" | sed -E 's/^\[[^]]*\] //' | cut -c1-240 | sort | uniq -c | sort -rn | head -n 20 >&2
fi
say "took $((SECONDS - T0)) s"
finish
