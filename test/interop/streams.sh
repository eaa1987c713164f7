#!/usr/bin/env bash
# Interop: Kafka Streams against a fresh Bunka, or INTEROP_BOOTSTRAP=host:port.
#
#  - java/StreamsPurge.java (single-file program): a groupBy + count with
#    repartition.purge.interval.ms=1000; Kafka Streams purges its repartition topic with
#    DeleteRecords (API 21) after each commit, so the topic's earliest offsets must reach the
#    committed end offsets. Against Bunka, its log must show the DeleteRecords.
#
# Jars: the Kafka runtime of kafka-dist.sh plus kafka-streams (same version) copied from Maven
# Central into $BUNKA_CACHE/kafka-streams-<version>/ (the store is in memory: no RocksDB).
set -uo pipefail
CASE_NAME=streams
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }
VERSION="$("$INTEROP_DIR/kafka-dist.sh" version)"
STREAMS_DIR="${BUNKA_CACHE:-$HOME/.cache/bunka}/kafka-streams-$VERSION"
STREAMS_JAR="$STREAMS_DIR/kafka-streams-$VERSION.jar"
if [[ ! -s "$STREAMS_JAR" ]]; then
  say "fetching kafka-streams $VERSION (Maven Central)"
  timeout 300 "${MVN:-mvn}" -q -B -Dstyle.color=never dependency:copy \
    "-Dartifact=org.apache.kafka:kafka-streams:$VERSION" "-DoutputDirectory=$STREAMS_DIR" >&2
fi
[[ -s "$STREAMS_JAR" ]] || { result "kafka-streams jar (Maven Central)" FAIL "could not fetch $STREAMS_JAR"; finish; exit; }
start_broker || { result "start broker" FAIL "Bunka did not start: $START_ERROR"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-streams-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"

out="$(timeout 120 java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
  -Djava.io.tmpdir="$WORK" -cp "$CP:$STREAMS_JAR" "$INTEROP_DIR/java/StreamsPurge.java" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run StreamsPurge.java" FAIL "exited $rc (timeout 120 s?)"

# Bunka's own account of the purge (only when this script started the broker).
if [[ -n "$BROKER_PID" ]]; then
  sleep 0.5   # the launcher forwards the broker's log every few hundred ms
  lines="$(grep -E 'DeleteRecords: streams-purge-.*-counts-repartition-[0-9]+ now starts at offset' "$BROKER_LOG")"
  if [[ -n "$lines" ]]; then
    result "Bunka logs the DeleteRecords" PASS "$(printf '%s\n' "$lines" | tail -n 2 | sed -E 's/^[0-9TZ:.-]+ INFO //')"
  else
    result "Bunka logs the DeleteRecords" FAIL "no 'DeleteRecords: ... now starts at offset' line for the repartition topic"
  fi
fi
finish
