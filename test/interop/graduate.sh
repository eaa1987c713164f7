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
# The census (census()): per topic its partition count and per-partition end offsets
# (GetOffsetShell), the records a read_uncommitted consumer reads from the start, the topic's
# dynamic configs (kafka-configs --describe), g1's committed offsets, the ACLs, the SCRAM users.
# Printed before and after as "census <where>: N topics, N partitions, N records, N configs,
# N committed offsets, ..." lines.
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
SHARED_PROPS=$'offsets.topic.num.partitions=50\ntransaction.state.log.num.partitions=50\nauthorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nallow.everyone.if.no.acl.found=true\nsuper.users=User:ANONYMOUS'

cleanup() {
  [[ -n "$BUNKA_PID" ]] && kill -TERM "$BUNKA_PID" 2>/dev/null && wait "$BUNKA_PID" 2>/dev/null
  for d in "$K3" "$K2" "$K1"; do [[ -d "$d" ]] && KAFKA_STOP_TIMEOUT=30 bash "$KR" --dir "$d" --port 1 stop >/dev/null 2>&1; done
  if [[ -n "${GRADUATE_KEEP:-}" || $FAILED -gt 0 ]]; then say "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

tool() { bash "$KR" --port "$P1" --dir "$WORK/tools" tool "$@"; }

# census <bootstrap> <out-file>: what must survive, one fact per line, sorted.
census() {
  local bs="$1" out="$2" t
  : >"$out"
  for t in $(tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --list --exclude-internal 2>/dev/null | sort); do
    tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$bs" --topic "$t" 2>/dev/null | sed "s/^/end-offset /" >>"$out"
    local n; n="$(timeout 60 bash "$KR" --port "$P1" --dir "$WORK/tools" tool org.apache.kafka.tools.consumer.ConsoleConsumer \
      --bootstrap-server "$bs" --topic "$t" --from-beginning --timeout-ms 8000 \
      --formatter-property print.offset=true 2>/dev/null | grep -c '^Offset:')"
    echo "records $t $n" >>"$out"
    tool kafka.admin.ConfigCommand --bootstrap-server "$bs" --describe --entity-type topics --entity-name "$t" 2>/dev/null |
      grep -E '^ +[a-z.]+=' | sed -E 's/^ +//; s/ sensitive=.*$//' | sed "s/^/config $t /" >>"$out"
  done
  tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$bs" --describe --group g1 2>/dev/null |
    awk '$1 == "g1" { print "committed", $2, $3, $4 }' >>"$out"
  tool org.apache.kafka.tools.AclCommand --bootstrap-server "$bs" --list 2>/dev/null | grep -E 'principal=' | sed -E 's/^\s+/acl /' >>"$out"
  tool kafka.admin.ConfigCommand --bootstrap-server "$bs" --describe --entity-type users 2>/dev/null |
    grep -oE "SCRAM credential configs for user-principal '[^']+' are [A-Z0-9-]+=iterations=[0-9]+" | sed 's/^/scram /' >>"$out"
  tool kafka.admin.ConfigCommand --bootstrap-server "$bs" --describe --entity-type brokers --entity-default 2>/dev/null |
    grep -E '^ +[a-z.]+=' | sed -E 's/^ +//; s/ sensitive=.*$//' | sed 's/^/broker-default /' >>"$out"
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

# The steps run as one function, so that bash has read all of them before the first runs.
main() {
# ---------------------------------------------------------------- 1. Bunka
BUNKA_BUILD_ONLY=1 bash "$ROOT/your_program.sh" >&2 || { result "build ./bunka" FAIL "build failed"; finish; exit 1; }
mkdir -p "$DATA" "$WORK/bunka" "$WORK/tools"
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

tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic orders --partitions 3 \
  --config retention.ms=604800000 --config max.message.bytes=2000000 >&2 &&
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic compacted --partitions 1 \
  --config cleanup.policy=compact >&2 &&
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BUNKA_ADDR" --create --topic idem --partitions 1 >&2
check "Bunka: create topics with configs" "kafka-topics --create failed" test $? -eq 0

seq 1 300 | awk '{ print "k" ($1 % 7) ":orders value " $1 }' |
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BUNKA_ADDR" --topic orders \
    --reader-property parse.key=true --reader-property key.separator=: >&2
seq 1 120 | awk '{ print "key" ($1 % 40) ":compacted value " $1 }' |
  tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BUNKA_ADDR" --topic compacted \
    --reader-property parse.key=true --reader-property key.separator=: >&2
check "Bunka: console producer (idempotent by default)" "console producer failed" test $? -eq 0
tool org.apache.kafka.tools.ProducerPerformance --topic orders --num-records 200 --record-size 40 --throughput -1 \
  --producer-props bootstrap.servers="$BUNKA_ADDR" --transactional-id graduate-tx --transaction-duration-ms 200 >&2
check "Bunka: transactional producer-perf (200 records)" "producer-perf failed" test $? -eq 0
PSTATE="$WORK/producer.json"
out="$("$BUN" "$INTEROP_DIR/graduate-producer.ts" start "$BUNKA_ADDR" idem 0 5 "$PSTATE")"
check "Bunka: raw idempotent producer, 5 batches" "$out" test "${out:0:2}" = OK
say "$out"
timeout 60 bash "$KR" --port "$P1" --dir "$WORK/tools" tool org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$BUNKA_ADDR" --topic orders --group g1 --from-beginning --max-messages 350 >/dev/null 2>&1
check "Bunka: group g1 consumes 350 records and commits" "console consumer failed" test $? -eq 0
tool org.apache.kafka.tools.AclCommand --bootstrap-server "$BUNKA_ADDR" --add --allow-principal User:alice \
  --operation Read --operation Describe --topic orders >&2 &&
tool org.apache.kafka.tools.AclCommand --bootstrap-server "$BUNKA_ADDR" --add --allow-principal User:alice \
  --operation Read --group g1 >&2
check "Bunka: ACLs for User:alice" "kafka-acls --add failed" test $? -eq 0
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type users --entity-name alice \
  --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]' >&2 &&
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type users --entity-name bob \
  --add-config 'SCRAM-SHA-512=[password=bob-secret]' >&2 &&
tool kafka.admin.ConfigCommand --bootstrap-server "$BUNKA_ADDR" --alter --entity-type brokers --entity-default \
  --add-config log.cleaner.threads=2 >&2
check "Bunka: SCRAM user and a cluster-wide broker config" "kafka-configs --alter failed" test $? -eq 0

census "$BUNKA_ADDR" "$WORK/census-bunka.txt"
say "census on Bunka:"; sed 's/^/  /' "$WORK/census-bunka.txt" >&2
result "census on Bunka" PASS "$(summary "$WORK/census-bunka.txt")"
LAG="$(tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BUNKA_ADDR" --describe --group g1 2>/dev/null |
  awk '$1 == "g1" { s += $6 } END { print s + 0 }')"
# What g1 has still to read, counted on Bunka: each partition's records from its committed offset.
TO_READ=0
while read -r _ topic part off; do
  [[ "$off" =~ ^[0-9]+$ ]] || continue
  n="$(timeout 60 bash "$KR" --port "$P1" --dir "$WORK/tools" tool org.apache.kafka.tools.consumer.ConsoleConsumer \
    --bootstrap-server "$BUNKA_ADDR" --topic "$topic" --partition "$part" --offset "$off" --timeout-ms 8000 \
    --formatter-property print.offset=true 2>/dev/null | grep -c '^Offset:')"
  TO_READ=$((TO_READ + n))
done < <(grep '^committed ' "$WORK/census-bunka.txt")
say "g1's lag on Bunka: $LAG offsets, $TO_READ records"

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

KAFKA_ADDR="127.0.0.1:$P1"
census "$KAFKA_ADDR" "$WORK/census-kafka.txt"
result "census on Kafka (1 node)" PASS "$(summary "$WORK/census-kafka.txt")"
check "census: Kafka's equals Bunka's" "$(diff "$WORK/census-bunka.txt" "$WORK/census-kafka.txt" | head -n 20)" \
  cmp -s "$WORK/census-bunka.txt" "$WORK/census-kafka.txt"

# g1 resumes where it committed: it reads exactly the lag, starting at each committed offset.
timeout 90 bash "$KR" --port "$P1" --dir "$WORK/tools" tool org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "$KAFKA_ADDR" --topic orders --group g1 --timeout-ms 15000 \
  --formatter-property print.partition=true --formatter-property print.offset=true >"$WORK/resumed.txt" 2>/dev/null
resumed="$(wc -l <"$WORK/resumed.txt")"
firsts="$(awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^Partition:/) p = substr($i, 11); if ($i ~ /^Offset:/) o = substr($i, 8) } if (!(p in seen)) { seen[p] = o; print p, o } }' "$WORK/resumed.txt" | sort)"
expected_firsts="$(awk '$1 == "committed" && $2 == "orders" { print $3, $4 }' "$WORK/census-bunka.txt" | sort)"
ok=1; while read -r part off; do
  [[ -z "$part" ]] && continue
  want="$(awk -v p="$part" '$1 == p { print $2 }' <<<"$expected_firsts")"
  [[ "$want" == "$off" ]] || ok=0
done <<<"$firsts"
lag_after="$(tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_ADDR" --describe --group g1 2>/dev/null |
  awk '$1 == "g1" { s += $6 } END { print s + 0 }')"
check "g1 resumes on Kafka: reads the $TO_READ records after its committed offsets, from them" \
  "read $resumed records; first offsets per partition: $firsts; committed: $expected_firsts; lag after: $lag_after" \
  test "$resumed" -eq "$TO_READ" -a "$ok" -eq 1 -a "$TO_READ" -gt 0 -a "$lag_after" -eq 0

out="$("$BUN" "$INTEROP_DIR/graduate-producer.ts" continue "$KAFKA_ADDR" idem 0 3 "$PSTATE")"
check "idempotent producer continues on Kafka with its id (no sequence error)" "$out" test "${out:0:2}" = OK
say "$out"

# ---------------------------------------------------------------- 3. Two more brokers, RF 3
for n in 2 3; do
  d="$WORK/kafka$n"; p="$P2"; [[ $n -eq 3 ]] && p="$P3"
  KAFKA_EXTRA_PROPS="$SHARED_PROPS"$'\n'"process.roles=broker"$'\n'"node.id=$n"$'\n'"controller.quorum.voters=1@127.0.0.1:$C1"$'\n'"listeners=PLAINTEXT://127.0.0.1:$p" \
    bash "$KR" --port "$p" --controller-port "$C1" --dir "$d" --cluster-id "$CLUSTER_ID" start >&2 &
done
wait
brokers="$(tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$KAFKA_ADDR" 2>/dev/null | grep -cE '^127\.0\.0\.1:[0-9]+ \(id: [0-9]+')"
check "brokers 2 and 3 join (3 brokers answer)" "BrokerApiVersions lists $brokers" test "$brokers" -eq 3

topics_json="$(tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_ADDR" --list 2>/dev/null |
  awk 'BEGIN { printf "{\"version\":1,\"topics\":[" } { printf "%s{\"topic\":\"%s\"}", (NR > 1 ? "," : ""), $1 } END { print "]}" }')"
echo "$topics_json" >"$WORK/topics.json"
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
  sleep 2
done
check "kafka-reassign-partitions to replicas 1,2,3 completes" "exit $rc; $(tail -n 3 <<<"$v")" test "$rc" -eq 0 -a "$done_ok" -eq 1
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_ADDR" --describe >"$WORK/describe.txt" 2>/dev/null
parts="$(grep -c 'Partition: ' "$WORK/describe.txt")"
rf3="$(grep 'Partition: ' "$WORK/describe.txt" | grep -cE 'Replicas: [123],[123],[123]\s+Isr: [123],[123],[123](\s|$)')"
check "every partition of every topic: 3 replicas, 3 in sync" "$rf3 of $parts partitions" test "$parts" -gt 0 -a "$rf3" -eq "$parts"

census "$KAFKA_ADDR" "$WORK/census-kafka3.txt"
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

finish
}

main "$@"; exit $?
