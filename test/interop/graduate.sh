#!/usr/bin/env bash
# graduate.sh — graduate in place: Apache Kafka 4.3.1 starts on the log dir a stopped Bunka wrote
# (issue 15, item 1; README "When you outgrow one node").
#
#  1. Bunka (./bunka, node.id 1, StandardAuthorizer) on a fresh log dir: two topics with configs
#     (orders: 3 partitions, retention.ms and max.message.bytes; compacted: cleanup.policy
#     compact), records from Kafka's console producer, a transactional producer-perf run,
#     a raw idempotent producer (graduate-producer.ts start: its id, epoch and next sequence are
#     kept in a file), group g1 consuming part of orders, an ACL, a SCRAM user, a cluster-wide
#     broker config. Then the census (below), then SIGTERM.
#  2. Kafka (kafka-run.sh: process.roles=broker,controller, node.id 1) on the SAME log dir,
#     without kafka-storage format: server.log must show no ERROR and no WARN of the kinds a
#     foreign log dir causes; the census must equal Bunka's; g1 resumes where it committed (a
#     consumer of g1 reads exactly the lag Bunka reported, the first record of each partition
#     being the one at the committed offset); the idempotent producer continues (retry answered
#     as a duplicate, a gap refused with OUT_OF_ORDER_SEQUENCE_NUMBER, new batches accepted).
#  3. Two more Kafka brokers (process.roles=broker, node.id 2 and 3, formatted with Bunka's
#     cluster id) join; kafka-reassign-partitions moves every partition of every topic
#     (the internal __consumer_offsets and __transaction_state too) to replicas 1,2,3 and
#     --verify waits for it; every partition then has 3 replicas and 3 in-sync replicas; the
#     census on the 3-broker cluster equals Bunka's again.
#
# The census (census(), java/GraduateCensus.java in one JVM): per topic its partitions and their
# end offsets (ListOffsets latest, as GetOffsetShell), the records a read_uncommitted consumer
# reads from the start to those end offsets, the topic's dynamic configs (as kafka-configs
# --describe), g1's committed offsets, the ACLs, the SCRAM users, the cluster-wide broker configs.
# Printed before and after as "census <where>: N topics, N partitions, N records, N configs,
# N committed offsets, ..." lines.
#
# Time (it runs in CI): every Kafka CLI call is a JVM start-up (seconds on a loaded 2-core
# machine), so independent ones run side by side, the census is one JVM, consumers stop at a
# known count (--max-messages) rather than after an idle timeout, and both sides use 3
# partitions for __consumer_offsets and __transaction_state (the point, Kafka moving the
# internal topics too, holds with 3; 50 each made 105 partitions to reassign) and no initial
# rebalance delay (kafka-run.sh's setting; Bunka's default would make g1 wait 3 s to join).
# GRADUATE_TIMES=1 prints the seconds each step took.
#
#   bash test/interop/graduate.sh            (or: bash test/interop/run.sh graduate)
# GRADUATE_KEEP=1 keeps the work dir; GRADUATE_PORT_BASE (default: free ports) picks the ports.
# Needs Java 17+ and the Kafka jars (kafka-dist.sh fetches them from Maven Central).
set -uo pipefail
CASE_NAME=graduate
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KR="$INTEROP_DIR/kafka-run.sh"
WORK="$(mktemp -d /tmp/bunka-graduate-XXXXXX)"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx384m -Xms384m}"
export KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
BUNKA_PID=""

free_port() { "$BUN" -e 'const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }); console.log(s.port); s.stop(true);'; }
if [[ -n "${GRADUATE_PORT_BASE:-}" ]]; then
  B=$GRADUATE_PORT_BASE; P1=$((B + 10)); C1=$((B + 11)); P2=$((B + 20)); P3=$((B + 30))
else
  B="$(free_port)"; P1="$(free_port)"; C1="$(free_port)"; P2="$(free_port)"; P3="$(free_port)"
fi
BUNKA_ADDR="127.0.0.1:$B"
K1="$WORK/kafka1"; K2="$WORK/kafka2"; K3="$WORK/kafka3"
DATA="$K1/data"   # Bunka's log.dirs is where kafka-run.sh will find it (its --dir + /data)
SHARED_PROPS=$'offsets.topic.num.partitions=3\ntransaction.state.log.num.partitions=3\ngroup.initial.rebalance.delay.ms=0\nauthorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nallow.everyone.if.no.acl.found=true\nsuper.users=User:ANONYMOUS'

cleanup() {
  [[ -n "$BUNKA_PID" ]] && kill -TERM "$BUNKA_PID" 2>/dev/null && wait "$BUNKA_PID" 2>/dev/null
  for d in "$K3" "$K2" "$K1"; do [[ -d "$d" ]] && KAFKA_STOP_TIMEOUT=30 bash "$KR" --dir "$d" --port 1 stop >/dev/null 2>&1; done
  if [[ -n "${GRADUATE_KEEP:-}" || $FAILED -gt 0 ]]; then say "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)"
# Kafka's CLI tools, started as kafka-run.sh's `tool` does, with a JVM tuned for short runs.
JAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$(bash "$KR" tools-log4j)")
tool() { timeout 120 "${JAVA[@]}" -cp "$CP" "$@"; }

T0=$SECONDS; T_STEP=$SECONDS
# step <name>: the seconds since the previous step, on stderr (GRADUATE_TIMES=1).
step() {
  [[ -n "${GRADUATE_TIMES:-}" ]] && say "time: $((SECONDS - T_STEP)) s to '$1' ($((SECONDS - T0)) s in all)"
  T_STEP=$SECONDS
}

# census <bootstrap> <out-file>: what must survive, one fact per line, sorted (GraduateCensus);
# its lag/to-read lines (which change as g1 consumes) go to <out-file>.lag.
census() {
  local bs="$1" out="$2" all rc
  wait "$JAVAC_PID" 2>/dev/null; JAVAC_PID=""
  all="$(timeout 120 "${JAVA[@]}" -cp "$WORK/classes:$CP" GraduateCensus "$bs" g1)"; rc=$?
  printf '%s\n' "$all" | grep -vE '^(lag|to-read) |^$' >"$out"
  printf '%s\n' "$all" | grep -E '^(lag|to-read) ' >"$out.lag"
  [[ $rc -eq 0 ]] || { say "census on $bs failed (exit $rc)"; echo "census-failed exit $rc" >>"$out"; }
  sort -o "$out" "$out"
}

summary() {
  local f="$1"
  printf '%s topics, %s partitions, %s records, %s end offset total, %s configs, %s committed offsets, %s ACLs, %s SCRAM users' \
    "$(grep -c '^records ' "$f")" "$(grep -c '^end-offset ' "$f")" \
    "$(awk '$1 == "records" { s += $3 } END { print s + 0 }' "$f")" \
    "$(awk -F: '/^end-offset / { s += $NF } END { print s + 0 }' "$f")" \
    "$(grep -c '^config ' "$f")" "$(grep -c '^committed ' "$f")" "$(grep -c '^acl ' "$f")" "$(grep -c '^scram ' "$f")"
}

# all_ok <pid...>: wait for each; succeeds when every one exited 0.
all_ok() { local pid rc=0; for pid in "$@"; do wait "$pid" || rc=1; done; return $rc; }

# The steps run as one function, so that bash has read all of them before the first runs.
main() {
# ---------------------------------------------------------------- 1. Bunka
mkdir -p "$DATA" "$WORK/bunka" "$WORK/classes"
# The census program, compiled once while Bunka is built and fed.
javac -d "$WORK/classes" -cp "$CP" "$INTEROP_DIR/java/GraduateCensus.java" >&2 &
JAVAC_PID=$!
BUNKA_BUILD_ONLY=1 bash "$ROOT/your_program.sh" >&2 || { result "build ./bunka" FAIL "build failed"; finish; exit 1; }
cat >"$WORK/bunka/server.properties" <<EOF
node.id=1
listeners=PLAINTEXT://127.0.0.1:$B
advertised.listeners=PLAINTEXT://127.0.0.1:$B
log.dirs=$DATA
$SHARED_PROPS
EOF
"$ROOT/bunka" "$WORK/bunka/server.properties" >"$WORK/bunka/bunka.log" 2>&1 &
BUNKA_PID=$!
for _ in $(seq 1 100); do bash -c "exec 3<>/dev/tcp/127.0.0.1/$B" 2>/dev/null && break; sleep 0.1; done
say "Bunka on $BUNKA_ADDR, log dir $DATA"
step "start Bunka"

tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic orders --partitions 3 \
  --config retention.ms=604800000 --config max.message.bytes=2000000 >&2 & p1=$!
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic compacted --partitions 1 \
  --config cleanup.policy=compact >&2 & p2=$!
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic idem --partitions 1 >&2 & p3=$!
check "Bunka: create topics with configs" "kafka-topics --create failed" all_ok $p1 $p2 $p3
step "create topics"

# Independent of one another, so side by side: the producers, the ACLs, the SCRAM users and the
# broker config (each a JVM start-up).
PSTATE="$WORK/producer.json"
seq 1 300 | awk '{ print "k" ($1 % 7) ":orders value " $1 }' |
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BUNKA_ADDR" --topic orders \
    --reader-property parse.key=true --reader-property key.separator=: >&2 & p1=$!
seq 1 120 | awk '{ print "key" ($1 % 40) ":compacted value " $1 }' |
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BUNKA_ADDR" --topic compacted \
    --reader-property parse.key=true --reader-property key.separator=: >&2 & p2=$!
tool org.apache.kafka.tools.ProducerPerformance --topic orders --num-records 200 --record-size 40 --throughput -1 \
  --producer-props bootstrap.servers="$BUNKA_ADDR" --transactional-id graduate-tx --transaction-duration-ms 200 >&2 & p3=$!
"$BUN" "$INTEROP_DIR/graduate-producer.ts" start "$BUNKA_ADDR" idem 0 5 "$PSTATE" >"$WORK/producer-start.out" & p4=$!
tool org.apache.kafka.tools.AclCommand --bootstrap-server "$BUNKA_ADDR" --add --allow-principal User:alice \
  --operation Read --operation Describe --topic orders >&2 & a1=$!
tool org.apache.kafka.tools.AclCommand --bootstrap-server "$BUNKA_ADDR" --add --allow-principal User:alice \
  --operation Read --group g1 >&2 & a2=$!
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type users --entity-name alice \
  --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]' >&2 & c1=$!
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type users --entity-name bob \
  --add-config 'SCRAM-SHA-512=[password=bob-secret]' >&2 & c2=$!
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type brokers --entity-default \
  --add-config log.cleaner.threads=2 >&2 & c3=$!
check "Bunka: console producer (idempotent by default)" "console producer failed" all_ok $p1 $p2
check "Bunka: transactional producer-perf (200 records)" "producer-perf failed" all_ok $p3
wait $p4; out="$(cat "$WORK/producer-start.out")"
check "Bunka: raw idempotent producer, 5 batches" "$out" test "${out:0:2}" = OK
say "$out"
check "Bunka: ACLs for User:alice" "kafka-acls --add failed" all_ok $a1 $a2
check "Bunka: SCRAM user and a cluster-wide broker config" "kafka-configs --alter failed" all_ok $c1 $c2 $c3
step "produce, ACLs, SCRAM users, broker config"
timeout 60 "${JAVA[@]}" -cp "$CP" org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$BUNKA_ADDR" --topic orders --group g1 --from-beginning --max-messages 350 >/dev/null 2>&1
check "Bunka: group g1 consumes 350 records and commits" "console consumer failed" test $? -eq 0
step "g1 consumes 350"

census "$BUNKA_ADDR" "$WORK/census-bunka.txt"
say "census on Bunka:"; sed 's/^/  /' "$WORK/census-bunka.txt" >&2
if grep -q '^census-failed' "$WORK/census-bunka.txt"; then
  result "census on Bunka" FAIL "$(summary "$WORK/census-bunka.txt")"
else
  result "census on Bunka" PASS "$(summary "$WORK/census-bunka.txt")"
fi
# g1's lag (end minus committed offsets) and what it has still to read (records at or after its
# committed offsets; a transaction marker takes an offset but is no record), counted on Bunka.
LAG="$(awk '$1 == "lag" { s += $4 } END { print s + 0 }' "$WORK/census-bunka.txt.lag")"
TO_READ="$(awk '$1 == "to-read" { s += $4 } END { print s + 0 }' "$WORK/census-bunka.txt.lag")"
say "g1's lag on Bunka: $LAG offsets, $TO_READ records"
step "census on Bunka"

kill -TERM "$BUNKA_PID"; wait "$BUNKA_PID"; rc=$?; BUNKA_PID=""
check "Bunka: clean shutdown" "exit status $rc" test "$rc" -eq 0

# ---------------------------------------------------------------- 2. Kafka on Bunka's log dir
CLUSTER_ID="$(sed -n 's/^cluster.id=//p' "$DATA/meta.properties")"
KAFKA_EXTRA_PROPS="$SHARED_PROPS" bash "$KR" --port "$P1" --controller-port "$C1" --dir "$K1" --cluster-id "$CLUSTER_ID" start >&2
check "Kafka 4.3.1 starts on Bunka's log dir (no kafka-storage format)" "$(tail -n 5 "$K1/logs/server.log" 2>/dev/null)" test $? -eq 0
# What a foreign log dir makes Kafka say: anything at ERROR, and the WARNs about its files.
# Kafka 4.3.1 on its own log dir logs "Performing controller activation." at WARN on every start.
complaints="$(grep -E '^\[[^]]+\] (ERROR|WARN) ' "$K1/logs/server.log" | grep -vE 'WARN \[QuorumController id=1\] Performing controller activation\. \(' |
  cut -d' ' -f3- | sort | uniq -c | sort -rn | head -n 20)"
check "Kafka's log: no ERROR or WARN line" "$complaints" test -z "$complaints"
step "stop Bunka, start Kafka on its log dir"

KAFKA_ADDR="127.0.0.1:$P1"
census "$KAFKA_ADDR" "$WORK/census-kafka.txt"
result "census on Kafka (1 node)" PASS "$(summary "$WORK/census-kafka.txt")"
check "census: Kafka's equals Bunka's" "$(diff "$WORK/census-bunka.txt" "$WORK/census-kafka.txt" | head -n 20)" \
  cmp -s "$WORK/census-bunka.txt" "$WORK/census-kafka.txt"
step "census on Kafka"

# g1 resumes where it committed: it reads exactly the lag, starting at each committed offset.
# It stops after the records Bunka counted (or after 15 s without one: then it read too few);
# reading from too early shows in the first offsets, stopping too early in the lag after.
timeout 90 "${JAVA[@]}" -cp "$CP" org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$KAFKA_ADDR" --topic orders --group g1 --max-messages "$TO_READ" --timeout-ms 15000 \
  --formatter-property print.partition=true --formatter-property print.offset=true >"$WORK/resumed.txt" 2>/dev/null
resumed="$(wc -l <"$WORK/resumed.txt")"
firsts="$(awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^Partition:/) p = substr($i, 11); if ($i ~ /^Offset:/) o = substr($i, 8) } if (!(p in seen)) { seen[p] = o; print p, o } }' "$WORK/resumed.txt" | sort)"
expected_firsts="$(awk '$1 == "committed" && $2 == "orders" { print $3, $4 }' "$WORK/census-bunka.txt" | sort)"
ok=1; while read -r part off; do
  [[ -z "$part" ]] && continue
  want="$(awk -v p="$part" '$1 == p { print $2 }' <<<"$expected_firsts")"
  [[ "$want" == "$off" ]] || ok=0
done <<<"$firsts"
step "g1 resumes on Kafka"
"$BUN" "$INTEROP_DIR/graduate-producer.ts" continue "$KAFKA_ADDR" idem 0 3 "$PSTATE" >"$WORK/producer-continue.out" & p1=$!
lag_after="$(tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_ADDR" --describe --group g1 2>/dev/null |
  awk '$1 == "g1" { s += $6 } END { print s + 0 }')"
check "g1 resumes on Kafka: reads the $TO_READ records after its committed offsets, from them" \
  "read $resumed records; first offsets per partition: $firsts; committed: $expected_firsts; lag after: $lag_after" \
  test "$resumed" -eq "$TO_READ" -a "$ok" -eq 1 -a "$TO_READ" -gt 0 -a "$lag_after" -eq 0

wait $p1; out="$(cat "$WORK/producer-continue.out")"
check "idempotent producer continues on Kafka with its id (no sequence error)" "$out" test "${out:0:2}" = OK
say "$out"
step "g1's lag, idempotent producer continues"

# ---------------------------------------------------------------- 3. Two more brokers, RF 3
for n in 2 3; do
  d="$WORK/kafka$n"; p="$P2"; [[ $n -eq 3 ]] && p="$P3"
  KAFKA_EXTRA_PROPS="$SHARED_PROPS"$'\n'"process.roles=broker"$'\n'"node.id=$n"$'\n'"controller.quorum.voters=1@127.0.0.1:$C1"$'\n'"listeners=PLAINTEXT://127.0.0.1:$p" \
    bash "$KR" --port "$p" --controller-port "$C1" --dir "$d" --cluster-id "$CLUSTER_ID" start >&2 &
done
wait
step "start brokers 2 and 3"
tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$KAFKA_ADDR" >"$WORK/api-versions.txt" 2>/dev/null & p1=$!
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_ADDR" --list >"$WORK/topics.txt" 2>/dev/null & p2=$!
wait $p1 $p2
brokers="$(grep -cE '^127\.0\.0\.1:[0-9]+ \(id: [0-9]+' "$WORK/api-versions.txt")"
check "brokers 2 and 3 join (3 brokers answer)" "BrokerApiVersions lists $brokers" test "$brokers" -eq 3

awk 'BEGIN { printf "{\"version\":1,\"topics\":[" } { printf "%s{\"topic\":\"%s\"}", (NR > 1 ? "," : ""), $1 } END { print "]}" }' \
  "$WORK/topics.txt" >"$WORK/topics.json"
tool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$KAFKA_ADDR" \
  --topics-to-move-json-file "$WORK/topics.json" --broker-list 1,2,3 --generate 2>/dev/null |
  sed -n '/Proposed partition reassignment configuration/{n;p}' |
  sed -E 's/"replicas":\[[0-9,]*\]/"replicas":[1,2,3]/g; s/"log_dirs":\[[^]]*\]/"log_dirs":["any","any","any"]/g' >"$WORK/reassign.json"
tool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$KAFKA_ADDR" \
  --reassignment-json-file "$WORK/reassign.json" --execute >&2
rc=$?
done_ok=0
for _ in $(seq 1 60); do
  v="$(tool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$KAFKA_ADDR" \
    --reassignment-json-file "$WORK/reassign.json" --verify 2>/dev/null)"
  if ! grep -q 'is still in progress' <<<"$v" && grep -q 'is completed' <<<"$v"; then done_ok=1; break; fi
  sleep 1
done
check "kafka-reassign-partitions to replicas 1,2,3 completes" "exit $rc; $(tail -n 3 <<<"$v")" test "$rc" -eq 0 -a "$done_ok" -eq 1
step "reassign to replicas 1,2,3"
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_ADDR" --describe >"$WORK/describe.txt" 2>/dev/null & p1=$!
census "$KAFKA_ADDR" "$WORK/census-kafka3.txt"
wait $p1
parts="$(grep -c 'Partition: ' "$WORK/describe.txt")"
rf3="$(grep 'Partition: ' "$WORK/describe.txt" | grep -cE 'Replicas: [123],[123],[123]\s+Isr: [123],[123],[123](\s|$)')"
check "every partition of every topic: 3 replicas, 3 in sync" "$rf3 of $parts partitions" test "$parts" -gt 0 -a "$rf3" -eq "$parts"

result "census on the 3-broker Kafka cluster" PASS "$(summary "$WORK/census-kafka3.txt")"
b_records="$(awk '$1 == "records" { s += $3 } END { print s + 0 }' "$WORK/census-bunka.txt")"
k_records="$(awk '$1 == "records" { s += $3 } END { print s + 0 }' "$WORK/census-kafka3.txt")"
b_rest="$(grep -vE '^(records|end-offset|committed) ' "$WORK/census-bunka.txt")"
k_rest="$(grep -vE '^(records|end-offset|committed) ' "$WORK/census-kafka3.txt")"
check "3-broker census: Bunka's records + 30 from the producer, same configs, ACLs, SCRAM users" \
  "records $b_records -> $k_records; $(diff <(echo "$b_rest") <(echo "$k_rest") | head -n 10)" \
  test "$k_records" -eq $((b_records + 30)) -a "$b_rest" = "$k_rest"
# g1 read to the end on Kafka: its committed offset of each orders partition is the end offset.
committed="$(awk '$1 == "committed" && $2 == "orders" { print $3 ":" $4 }' "$WORK/census-kafka3.txt" | sort)"
ends="$(awk '$1 == "end-offset" && $2 ~ /^orders:/ { sub(/^orders:/, "", $2); print $2 }' "$WORK/census-kafka3.txt" | sort)"
check "3-broker census: g1 committed at the end of every orders partition" "committed $committed; ends $ends" \
  test -n "$ends" -a "$committed" = "$ends"
step "describe, census on 3 brokers"

finish
}

main "$@"; exit $?
