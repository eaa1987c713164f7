# lib.sh — shared by the interop case scripts (sourced, not run).
#
# Every case prints its results on stdout as tab-separated lines
#   INTEROP <tab> <operation> <tab> PASS|FAIL <tab> <detail>
# which run.sh turns into the client × operation × result table; anything else goes to stderr.
#
# The broker: INTEROP_BOOTSTRAP=host:port (e.g. a real Kafka from kafka-run.sh) is used as is;
# otherwise start_broker launches a fresh ./bunka on a free loopback port with a temporary log
# dir (test/interop/broker.ts; BUNKA_BROKER_PROPS adds server.properties lines), and stops it
# when the script exits. INTEROP_BROKER_LOG=<file> keeps that broker's log in <file>.

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INTEROP_DIR/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
BUN="$ROOT/node_modules/.bin/bun"

# npm dependencies (Bun, kafkajs): installed by `npm ci` when missing or older than the lockfile.
node "$ROOT/build/ensure-deps.mjs" >&2 || echo "[interop] installing npm dependencies failed" >&2

PASSED=0
FAILED=0
BROKER_PID=""
BROKER_LOG=""
START_ERROR=""
OWN_BROKER_LOG=""

# result <operation> <PASS|FAIL> [detail...]
result() {
  local op="$1" res="$2"; shift 2
  local detail="$*"
  detail="${detail//$'\t'/ }"; detail="${detail//$'\n'/ | }"
  printf 'INTEROP\t%s\t%s\t%s\n' "$op" "$res" "${detail:0:400}"
  if [[ "$res" == PASS ]]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
}

# check <operation> <detail-if-fail> <command...>: PASS when the command succeeds.
check() {
  local op="$1" why="$2"; shift 2
  if "$@"; then result "$op" PASS; else result "$op" FAIL "$why"; fi
}

say() { echo "[$CASE_NAME] $*" >&2; }

# write_java_log_config <file>: a log4j2 config that sends the Java clients' warnings to stderr
# (the one kafka-run.sh gives Kafka's CLI tools).
write_java_log_config() {
  cp "$(bash "$INTEROP_DIR/kafka-run.sh" tools-log4j)" "$1"
}

start_broker() {
  if [[ -n "${INTEROP_BOOTSTRAP:-}" ]]; then
    BOOTSTRAP="$INTEROP_BOOTSTRAP"
    say "using the broker at $BOOTSTRAP (INTEROP_BOOTSTRAP)"
    return 0
  fi
  if [[ -n "${INTEROP_BROKER_LOG:-}" ]]; then
    BROKER_LOG="$INTEROP_BROKER_LOG"; : >"$BROKER_LOG"
  else
    BROKER_LOG="$(mktemp /tmp/bunka-interop-broker-XXXXXX.log)"; OWN_BROKER_LOG=1
  fi
  local addr_file; addr_file="$(mktemp /tmp/bunka-interop-addr-XXXXXX)"
  "$BUN" "$INTEROP_DIR/broker.ts" --log "$BROKER_LOG" >"$addr_file" 2>>"$BROKER_LOG" &
  BROKER_PID=$!
  trap stop_broker EXIT
  local deadline=$((SECONDS + 120))
  while ! grep -qE '^[0-9.]+:[0-9]+$' "$addr_file"; do
    if ! kill -0 "$BROKER_PID" 2>/dev/null || (( SECONDS > deadline )); then
      say "Bunka did not start:"; tail -n 20 "$BROKER_LOG" >&2
      START_ERROR="$(grep -m1 -E '^(error|Error|ERROR)|ERROR |building ./bunka failed' "$BROKER_LOG" | cut -c1-200)"
      START_ERROR+="$(grep -m1 -E '^ +at /.*/src/' "$BROKER_LOG" | sed 's/^ *at / at /')"
      rm -f "$addr_file"; BROKER_PID=""
      return 1
    fi
    sleep 0.1
  done
  BOOTSTRAP="$(grep -E '^[0-9.]+:[0-9]+$' "$addr_file" | head -n1)"
  rm -f "$addr_file"
  say "Bunka on $BOOTSTRAP (log $BROKER_LOG)"
}

stop_broker() {
  if [[ -n "$BROKER_PID" ]]; then
    kill -TERM "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
    BROKER_PID=""
  fi
  [[ $FAILED -gt 0 ]] && broker_log_summary
  [[ -n "$OWN_BROKER_LOG" ]] && rm -f "$BROKER_LOG"
  return 0
}

# Bunka's warnings and errors (why it closed connections, handler failures), counted.
broker_log_summary() {
  [[ -n "$BROKER_LOG" && -f "$BROKER_LOG" ]] || return 0
  say "Bunka's warnings and errors (timestamps and peer ports stripped, counted):"
  local lines
  lines="$(grep -E '^[0-9TZ:.-]+ (WARN|ERROR) ' "$BROKER_LOG" | cut -d' ' -f2- |
    sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:*/g' | sort | uniq -c | sort -rn | head -n 20)"
  echo "${lines:-  (none)}" >&2
}

# A unique topic name for this run (topics on a real broker outlive the run).
unique_topic() { echo "$1-$(date +%s%N | tail -c 10)-$RANDOM"; }

# finish: exit status of the case (non-zero when anything failed or nothing was checked).
finish() {
  say "$PASSED passed, $FAILED failed"
  (( FAILED == 0 && PASSED > 0 ))
}

# ensure_apt <command-or-path> <package...>: apt-get update + install the packages when the
# command/file is missing (sudo when not root).
ensure_apt() {
  local probe="$1"; shift
  if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] && return 0; else command -v "$probe" >/dev/null && return 0; fi
  say "installing $* (apt)"
  local t0=$SECONDS
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2 || return 1
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || return 1
  say "installed $* in $((SECONDS - t0)) s"
}
