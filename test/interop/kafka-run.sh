#!/usr/bin/env bash
# kafka-run.sh — run a real single-node Apache Kafka 4.x (KRaft, combined
# broker+controller) on 127.0.0.1, plus its CLI tools, using the jars fetched by
# kafka-dist.sh. Nothing is written inside the repository.
#
# Usage:
#   test/interop/kafka-run.sh [options] <command> [args...]
#
# Commands:
#   start        write server.properties, format storage if not yet formatted, launch
#                the server in the background, wait until it answers an ApiVersions
#                request on the PLAINTEXT port; prints start-up time and RSS
#   stop         SIGTERM (clean/controlled shutdown), wait for exit (SIGKILL after
#                KAFKA_STOP_TIMEOUT seconds, exit status 1 in that case)
#   restart      stop then start
#   status       "running pid=<pid>" (exit 0) or "stopped" (exit 3)
#   wait         wait until the broker answers (exit 1 on timeout)
#   probe        one ApiVersions v0 round trip; exit 0 if the broker answered
#   format       write server.properties and format the storage only
#   server-cmd   write server.properties, format the storage if needed, and print the
#                server's command line (one argument per line) without starting it, for
#                callers that spawn and time the JVM themselves (build/bench)
#   clean        stop (if running) and delete the run directory
#   info         print port, controller port, run dir, data dir, pid, classpath file
#   rss          print the server's resident set size in KiB
#   logdir       print the data directory (log.dirs)
#   tools-log4j  print the path of the log4j2 config given to the tools (warnings to stderr)
#   tool <MainClass> [args]   run any Java main from the Kafka classpath, e.g.
#                kafka-run.sh tool org.apache.kafka.tools.TopicCommand --list \
#                  --bootstrap-server 127.0.0.1:19092
#   topics [args]             = tool org.apache.kafka.tools.TopicCommand --bootstrap-server <broker> [args]
#   console-producer [args]   = tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server <broker> [args]
#   console-consumer [args]   = tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server <broker> [args]
#   producer-perf [args]      = tool org.apache.kafka.tools.ProducerPerformance [args]
#   consumer-perf [args]      = tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server <broker> [args]
#   api-versions [args]       = tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server <broker> [args]
#   dump-log [args]           = tool org.apache.kafka.tools.DumpLogSegments [args]   (e.g. --files x.log --print-data-log)
#   storage [args]            = tool kafka.tools.StorageTool [args]
#
# Options (or the environment variable in brackets):
#   --port N             PLAINTEXT listener port          [KAFKA_PORT, default 19092]
#   --controller-port N  CONTROLLER listener port         [KAFKA_CONTROLLER_PORT, default port+1]
#   --dir D              run directory (config, data, logs, pid)
#                        [KAFKA_RUN_DIR, default $BUNKA_CACHE/run/kafka-<port>]
#   --cluster-id ID      cluster id used when formatting  [KAFKA_CLUSTER_ID, default
#                        QnVua2FGaXh0dXJlQ2x1cw = base64url("BunkaFixtureClus")]
#   Other environment:
#     KAFKA_VERSION, BUNKA_CACHE  see kafka-dist.sh
#     KAFKA_HEAP_OPTS      default "-Xmx512m -Xms512m"
#     KAFKA_EXTRA_PROPS    extra server.properties lines (newline separated), appended last
#     KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 90)
#     KAFKA_STOP_TIMEOUT   seconds to wait for a clean shutdown (default 60)
#     KAFKA_LOG_LEVEL      server log level (default INFO; log in <dir>/logs/server.log)
#
# Example:
#   test/interop/kafka-run.sh --port 19092 start
#   test/interop/kafka-run.sh --port 19092 topics --create --topic t --partitions 2
#   test/interop/kafka-run.sh --port 19092 stop
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUNKA_CACHE="${BUNKA_CACHE:-$HOME/.cache/bunka}"
export BUNKA_CACHE

PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-}"
RUN_DIR="${KAFKA_RUN_DIR:-}"
CLUSTER_ID="${KAFKA_CLUSTER_ID:-QnVua2FGaXh0dXJlQ2x1cw}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --controller-port) CPORT="$2"; shift 2 ;;
    --dir) RUN_DIR="$2"; shift 2 ;;
    --cluster-id) CLUSTER_ID="$2"; shift 2 ;;
    -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "kafka-run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
CMD="${1:-}"; [[ $# -gt 0 ]] && shift
[[ -n "$CMD" ]] || { echo "kafka-run.sh: missing command (try --help)" >&2; exit 2; }

CPORT="${CPORT:-$((PORT + 1))}"
RUN_DIR="${RUN_DIR:-$BUNKA_CACHE/run/kafka-$PORT}"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/kafka.pid"
BOOTSTRAP="127.0.0.1:$PORT"

log() { echo "kafka-run: $*" >&2; }
now_ms() { date +%s%3N; }

classpath() {
  local cp
  cp="$("$HERE/kafka-dist.sh" classpath)"
  [[ -n "$cp" ]] || { log "no classpath from kafka-dist.sh"; exit 1; }
  printf '%s' "$cp"
}

tools_log4j() {
  local f="$BUNKA_CACHE/kafka-tools-log4j2.properties"
  if [[ ! -f "$f" ]]; then
    mkdir -p "$BUNKA_CACHE"
    cat >"$f" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
  fi
  printf '%s' "$f"
}

write_config() {
  mkdir -p "$RUN_DIR/logs" "$DATA_DIR"
  cat >"$RUN_DIR/server.properties" <<EOF
# generated by bunka test/interop/kafka-run.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  if [[ -n "${KAFKA_EXTRA_PROPS:-}" ]]; then
    printf '%s\n' "$KAFKA_EXTRA_PROPS" >>"$RUN_DIR/server.properties"
  fi
  cat >"$RUN_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $RUN_DIR/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $LOG_LEVEL
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

format_storage() {
  write_config
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  log "formatting $DATA_DIR (cluster id $CLUSTER_ID)"
  java -Xmx256m -Dlog4j2.configurationFile="$(tools_log4j)" -cp "$(classpath)" \
    kafka.tools.StorageTool format --config "$RUN_DIR/server.properties" \
    --cluster-id "$CLUSTER_ID" --ignore-formatted >&2
}

server_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: must be our java with our config
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$RUN_DIR/server.properties" || return 1
  echo "$pid"
}

# One ApiVersions v0 round trip (header v1, correlation id 0x2a, client id
# "bunk-rdy"); succeeds if the response carries correlation id 42 and error 0.
probe() {
  local out
  out="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT || exit 1
    printf '\x00\x00\x00\x12\x00\x12\x00\x00\x00\x00\x00\x2a\x00\x08bunk-rdy' >&3
    head -c 10 <&3 | od -An -tx1" 2>/dev/null)" || return 1
  out="$(echo $out)"
  [[ "$out" =~ ^[0-9a-f]{2}\ [0-9a-f]{2}\ [0-9a-f]{2}\ [0-9a-f]{2}\ 00\ 00\ 00\ 2a\ 00\ 00$ ]]
}

wait_ready() {
  local t0="$1" deadline=$(( $(date +%s) + START_TIMEOUT )) pid
  while (( $(date +%s) < deadline )); do
    if probe; then
      local ms=$(( $(now_ms) - t0 ))
      pid="$(server_pid || true)"
      local rss; rss="$( [[ -n "$pid" ]] && awk '/VmRSS/{print $2}' "/proc/$pid/status" || echo '?')"
      printf 'ready_ms=%s rss_kib=%s pid=%s port=%s\n' "$ms" "$rss" "$pid" "$PORT" >"$RUN_DIR/startup.txt"
      log "ready on $BOOTSTRAP after $(awk "BEGIN{printf \"%.2f\", $ms/1000}")s (pid ${pid:-?}, RSS ${rss} KiB)"
      return 0
    fi
    if [[ -f "$PID_FILE" ]] && ! server_pid >/dev/null; then
      log "server exited during start-up; last log lines:"
      tail -n 30 "$RUN_DIR/logs/stdout.log" "$RUN_DIR/logs/server.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
  log "timed out after ${START_TIMEOUT}s waiting for $BOOTSTRAP"
  return 1
}

# The server's command line, one argument per line (the same one start runs; keep them in step).
server_argv() {
  local cp="$1" a
  # shellcheck disable=SC2086
  for a in java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" -Dkafka.logs.dir="$RUN_DIR/logs" \
    -cp "$cp" kafka.Kafka "$RUN_DIR/server.properties"; do
    printf '%s\n' "$a"
  done
}

start() {
  if pid="$(server_pid)"; then
    log "already running (pid $pid)"; wait_ready "$(now_ms)"; return
  fi
  local cp; cp="$(classpath)"
  format_storage
  local t0; t0="$(now_ms)"
  # shellcheck disable=SC2086
  nohup java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" -Dkafka.logs.dir="$RUN_DIR/logs" \
    -cp "$cp" kafka.Kafka "$RUN_DIR/server.properties" \
    >"$RUN_DIR/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  log "started pid $(cat "$PID_FILE") (dir $RUN_DIR)"
  wait_ready "$t0"
}

stop() {
  local pid
  if ! pid="$(server_pid)"; then log "not running"; rm -f "$PID_FILE"; return 0; fi
  kill -TERM "$pid"
  local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      log "pid $pid did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      return 1
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "stopped pid $pid"
}

run_tool() {
  local main="$1"; shift
  java -Xmx256m -Dlog4j2.configurationFile="$(tools_log4j)" -cp "$(classpath)" "$main" "$@"
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if pid="$(server_pid)"; then echo "running pid=$pid"; else echo "stopped"; exit 3; fi ;;
  wait) wait_ready "$(now_ms)" ;;
  probe) probe ;;
  format) format_storage ;;
  server-cmd) cp="$(classpath)"; format_storage; server_argv "$cp" ;;
  clean) stop || true; rm -rf "$RUN_DIR"; log "removed $RUN_DIR" ;;
  info)
    echo "port=$PORT"; echo "controller_port=$CPORT"; echo "bootstrap=$BOOTSTRAP"
    echo "run_dir=$RUN_DIR"; echo "data_dir=$DATA_DIR"; echo "cluster_id=$CLUSTER_ID"
    echo "pid=$(server_pid || true)"; echo "classpath_file=$("$HERE/kafka-dist.sh" dir)/classpath.txt" ;;
  rss) pid="$(server_pid)" || { log "not running"; exit 3; }; awk '/VmRSS/{print $2}' "/proc/$pid/status" ;;
  logdir) echo "$DATA_DIR" ;;
  tools-log4j) tools_log4j; echo ;;
  tool) [[ $# -ge 1 ]] || { log "tool needs a main class"; exit 2; }; run_tool "$@" ;;
  topics) run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@" ;;
  console-producer) run_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BOOTSTRAP" "$@" ;;
  console-consumer) run_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BOOTSTRAP" "$@" ;;
  producer-perf) run_tool org.apache.kafka.tools.ProducerPerformance "$@" ;;
  consumer-perf) run_tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" "$@" ;;
  api-versions) run_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$BOOTSTRAP" "$@" ;;
  dump-log) run_tool org.apache.kafka.tools.DumpLogSegments "$@" ;;
  storage) run_tool kafka.tools.StorageTool "$@" ;;
  *) log "unknown command '$CMD' (try --help)"; exit 2 ;;
esac
