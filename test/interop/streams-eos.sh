#!/usr/bin/env bash
# Interop: Kafka Streams exactly-once (processing.guarantee=exactly_once_v2) against a fresh Bunka,
# or INTEROP_BOOTSTRAP=host:port.
#
#  - java/WordCountEos.java (single-file program): WordCount over fixed text; the output topic,
#    read read_committed, must hold the exact count of every word as its last value and each word's
#    values must run 1, 2, ... n (no record cache). A stream thread that dies (initTransactions
#    refused, say) fails the case at once.
#
# Jars: the Kafka runtime of kafka-dist.sh plus kafka-streams (same version) from Maven Central
# into $BUNKA_CACHE/kafka-streams-<version>/, as streams.sh fetches it (in-memory store: no RocksDB).
set -uo pipefail
CASE_NAME=streams-eos
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
export BUNKA_BROKER_PROPS="${BUNKA_BROKER_PROPS:-group.initial.rebalance.delay.ms=0}"
start_broker || { result "start broker" FAIL "Bunka did not start: ${START_ERROR:-}"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-streams-eos-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
write_java_log_config "$WORK/log4j2.properties"

out="$(timeout 150 java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" \
  -Djava.io.tmpdir="$WORK" -cp "$CP:$STREAMS_JAR" "$INTEROP_DIR/java/WordCountEos.java" "$BOOTSTRAP")"
rc=$?
printf '%s\n' "$out" | grep $'^INTEROP\t' || true
PASSED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')
FAILED=$(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')
[[ $rc -ne 0 && $FAILED -eq 0 ]] && result "run WordCountEos.java" FAIL "exited $rc (timeout 150 s?)"
finish
