#!/usr/bin/env bash
# Interop: transactions across kill -9 of the broker. A Java transactional producer
# (java/TxnCrash.java produce) commits and aborts transactions while this script kill -9s the
# broker and restarts it on the same port and log dir, TXN_CRASH_KILLS times (default: Bunka 20,
# every 1.5-4 s, every fourth one kept down 9 s, longer than the producer's max.block.ms; Kafka,
# whose restart takes 10-25 s, 3, every 3-6 s; the first once 20 transactions are done), then lets
# it run 3 s more; the producer records what it saw of each transaction in a ledger (committed,
# aborted, not-committed, unknown). Then java/TxnCrash.java check reads the topic back and checks:
# the last stable offset reaches the log end (no transaction left open), no aborted read, no lost
# committed write, unknown outcomes all or nothing, offsets in order with no record twice.
#
# The broker is this script's own, since it must kill it: a ./bunka (rebuilt when stale) with a log
# dir it keeps until the end (kept on failure, and named). With INTEROP_BOOTSTRAP set (run.sh
# --kafka/--bootstrap) the given broker cannot be killed, so the case starts its own Apache Kafka
# instead (kafka-run.sh, port TXN_CRASH_KAFKA_PORT or a free pair) and kill -9s its JVM: the
# calibration run.
#   TXN_CRASH_PORT   Bunka's port (default: the free port its first start picked, kept for restarts)
#
# Measured on Kafka 4.3.1 (single combined KRaft node, kill -9 of its JVM): when a kill lands
# between a transaction's EndTxn response and its markers, the restarted coordinator reloads the
# PrepareCommit/PrepareAbort before the topic's partitions have a leader again (the controller
# fenced the broker; leader -1 until it unfences), takes them for deleted topics ("Couldn't find
# leader endpoint ... likely deleted already and hence can be skipped",
# TransactionMarkerChannelManager.addTxnMarkersToBrokerQueue), writes CompleteCommit/CompleteAbort
# without any marker, and the next transaction's marker ends both: a committed transaction read as
# aborted (lost write) or an aborted one read as committed. So the calibration run can fail "no
# aborted read" / "no lost committed write"; Bunka must not.
set -uo pipefail
CASE_NAME=txn-crash
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v java >/dev/null || { result "java" FAIL "no java on PATH (Kafka 4 needs Java 17+)"; finish; exit; }
CP="$("$INTEROP_DIR/kafka-dist.sh" classpath)" && [[ -n "$CP" ]] ||
  { result "kafka-dist.sh (Maven Central)" FAIL "could not fetch the Kafka jars"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-txn-crash-XXXXXX)"
write_java_log_config "$WORK/log4j2.properties"
JAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto "-Dlog4j2.configurationFile=$WORK/log4j2.properties" -cp "$CP")
now_ms() { date +%s%3N; }
count_lines() { awk 'END { print NR }' "$1" 2>/dev/null || echo 0; }

if [[ -n "${INTEROP_BOOTSTRAP:-}" ]]; then
  TARGET=kafka
  KILLS="${TXN_CRASH_KILLS:-3}"; GAP_MIN=30; GAP_SPREAD=31   # tenths of a second
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  KPORT="${TXN_CRASH_KAFKA_PORT:-}"
  while [[ -z "$KPORT" ]]; do
    p=$((20000 + RANDOM % 20000)); port_free "$p" && port_free $((p + 1)) && KPORT=$p
  done
  KRUN=("$INTEROP_DIR/kafka-run.sh" --port "$KPORT" --dir "$WORK/kafka")
  BOOTSTRAP="127.0.0.1:$KPORT"
  BROKER_LOG="$WORK/kafka/logs/server.log"
  say "INTEROP_BOOTSTRAP is set, but this case must kill its broker: starting its own Kafka on $BOOTSTRAP"
  broker_start() { "${KRUN[@]}" start >&2; }
  broker_kill9() {
    local pid; pid="$("${KRUN[@]}" status | sed -n 's/^running pid=//p')"
    [[ -n "$pid" ]] || return 1
    kill -KILL "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  }
  broker_stop() { "${KRUN[@]}" stop >&2 || true; }
else
  TARGET=bunka
  KILLS="${TXN_CRASH_KILLS:-20}"; GAP_MIN=15; GAP_SPREAD=26
  BUNKA_BUILD_ONLY=1 bash "$ROOT/your_program.sh" >&2 || { result "build ./bunka" FAIL "your_program.sh failed"; finish; exit; }
  BROKER_LOG="${INTEROP_BROKER_LOG:-$WORK/bunka.log}"; : >"$BROKER_LOG"
  BPORT="${TXN_CRASH_PORT:-0}"
  mkdir -p "$WORK/data"
  broker_start() {
    cat >"$WORK/server.properties" <<EOF
node.id=1
listeners=PLAINTEXT://127.0.0.1:$BPORT
log.dirs=$WORK/data
group.initial.rebalance.delay.ms=0
EOF
    local before; before="$(grep -c 'listening on PLAINTEXT' "$BROKER_LOG")"
    "$ROOT/bunka" "$WORK/server.properties" >>"$BROKER_LOG" 2>&1 </dev/null &
    BROKER_PID=$!
    local deadline=$((SECONDS + 30))
    while [[ "$(grep -c 'listening on PLAINTEXT' "$BROKER_LOG")" -le "$before" ]]; do
      if ! kill -0 "$BROKER_PID" 2>/dev/null || (( SECONDS > deadline )); then
        say "Bunka did not start:"; tail -n 20 "$BROKER_LOG" >&2; return 1
      fi
      sleep 0.05
    done
    BPORT="$(grep -o 'listening on PLAINTEXT://[^ ]*:[0-9]*' "$BROKER_LOG" | tail -n 1 | sed 's/.*://')"
    BOOTSTRAP="127.0.0.1:$BPORT"
  }
  broker_kill9() { kill -KILL "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null; BROKER_PID=""; }
  broker_stop() {
    [[ -n "$BROKER_PID" ]] || return 0
    kill -TERM "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null; BROKER_PID=""
  }
fi

PRODUCER_PID=""
cleanup() {
  [[ -n "$PRODUCER_PID" ]] && kill "$PRODUCER_PID" 2>/dev/null
  broker_stop
  if (( FAILED > 0 )); then
    [[ "$TARGET" == bunka ]] && broker_log_summary
    say "kept $WORK (log dir, ledger, producer output)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

broker_start || { result "start broker" FAIL "$TARGET did not start"; finish; exit; }
say "$TARGET on $BOOTSTRAP, log $BROKER_LOG"
[[ "$TARGET" == bunka ]] && recoveries0="$(grep -c 'recovered .* (no clean shutdown file was found)' "$BROKER_LOG")"

TOPIC="$(unique_topic txn-crash)"
LEDGER="$WORK/ledger.tsv"
STOP="$WORK/stop"
t0=$SECONDS
timeout 420 "${JAVA[@]}" "$INTEROP_DIR/java/TxnCrash.java" produce "$BOOTSTRAP" "$TOPIC" "$STOP" "$LEDGER" \
  >"$WORK/produce.out" 2>"$WORK/produce.err" &
PRODUCER_PID=$!

# Kill -9 and restart while the producer runs; stop early if it is gone (refused, or failed).
restarts=()
restart_fail=""
deadline=$((SECONDS + 60))
while (( $(count_lines "$LEDGER") < 20 && SECONDS < deadline )); do kill -0 "$PRODUCER_PID" 2>/dev/null || break; sleep 0.1; done
for ((k = 1; k <= KILLS; k++)); do
  if (( k > 1 )); then
    for ((w = 0; w < GAP_MIN + RANDOM % GAP_SPREAD; w++)); do kill -0 "$PRODUCER_PID" 2>/dev/null || break 2; sleep 0.1; done
  fi
  kill -0 "$PRODUCER_PID" 2>/dev/null || break
  say "kill -9 #$k after $((SECONDS - t0)) s ($(count_lines "$LEDGER") transactions so far)"
  broker_kill9 || { restart_fail="kill -9 #$k: no broker process"; break; }
  # Bunka is back in well under a second, inside the client's timeouts; every fourth time it stays
  # down longer than the producer's max.block.ms (8 s), so calls fail and new producers take over.
  if [[ "$TARGET" == bunka && $((k % 4)) == 0 ]]; then sleep 9; else sleep 0.5; fi
  r0="$(now_ms)"
  broker_start || { restart_fail="restart #$k failed"; break; }
  restarts+=("$(( $(now_ms) - r0 )) ms")
done
if [[ -z "$restart_fail" && ${#restarts[@]} -gt 0 && ${#restarts[@]} -lt $KILLS ]]; then
  result "broker kill -9 and restart while transactions run" FAIL "only ${#restarts[@]} of $KILLS kills: the producer ended first (see produce.err)"
elif [[ -z "$restart_fail" && ${#restarts[@]} -gt 0 ]]; then
  detail="${#restarts[@]} kill -9 + restart, ready after ${restarts[*]}"
  [[ "$TARGET" == bunka ]] &&
    detail+="; $(( $(grep -c 'recovered .* (no clean shutdown file was found)' "$BROKER_LOG") - recoveries0 )) recoveries logged"
  result "broker kill -9 and restart while transactions run" PASS "$detail"
elif [[ -n "$restart_fail" ]]; then
  result "broker kill -9 and restart while transactions run" FAIL "$restart_fail"
else
  say "the producer ended before the first kill -9"
fi
kill -0 "$PRODUCER_PID" 2>/dev/null && sleep 3   # transactions after the last restart too
touch "$STOP"

wait "$PRODUCER_PID"; prc=$?
PRODUCER_PID=""
grep $'^INTEROP\t' "$WORK/produce.out" || true
PASSED=$((PASSED + $(grep -c $'^INTEROP\t[^\t]*\tPASS' "$WORK/produce.out")))
FAILED=$((FAILED + $(grep -c $'^INTEROP\t[^\t]*\tFAIL' "$WORK/produce.out")))
if [[ $prc -ne 0 ]] && ! grep -q $'^INTEROP\t' "$WORK/produce.out"; then
  result "TxnCrash.java produce" FAIL "exited $prc (timeout?): $(grep -v '^\s*at ' "$WORK/produce.err" | tail -n 2)"
fi
say "producer done after $((SECONDS - t0)) s: $(count_lines "$LEDGER") transactions in the ledger"

if [[ -s "$LEDGER" ]]; then
  out="$(timeout 150 "${JAVA[@]}" "$INTEROP_DIR/java/TxnCrash.java" check "$BOOTSTRAP" "$TOPIC" "$LEDGER" 2>"$WORK/check.err")"
  rc=$?
  printf '%s\n' "$out" | grep $'^INTEROP\t' || true
  PASSED=$((PASSED + $(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tPASS')))
  FAILED=$((FAILED + $(printf '%s\n' "$out" | grep -c $'^INTEROP\t[^\t]*\tFAIL')))
  [[ $rc -ne 0 ]] && ! printf '%s\n' "$out" | grep -q $'^INTEROP\t[^\t]*\tFAIL' &&
    result "TxnCrash.java check" FAIL "exited $rc (timeout 150 s?): $(tail -n 2 "$WORK/check.err")"
else
  result "read_committed checks (aborted read, lost write, offsets)" FAIL "not run: no transaction in the ledger"
fi
finish
