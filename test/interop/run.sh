#!/usr/bin/env bash
# run.sh — real Kafka clients, unmodified and with their default settings, against Bunka.
#
#   test/interop/run.sh [options] [all|kafkajs|kcat|python|java|franz-go|streams|<client>-groups|
#                                  java-txn|streams-eos|python-txn|franz-go-txn|txn-crash ...]   (default: all)
#   npm run interop [-- options/clients]
#
# Each client case starts its own Bunka (./bunka, rebuilt when stale) on a free loopback port with
# a temporary log dir, installs what it needs when missing (apt: kcat, python3-confluent-kafka;
# npm deps; go modules; the Kafka jars via kafka-dist.sh), and reports client × operation ×
# result. Exit status 1 if anything failed; the last line is "N passed, M failed".
#
# Options:
#   --bootstrap HOST:PORT   run every case against that broker instead (e.g. a real Kafka from
#                           `test/interop/kafka-run.sh start`, to check the tests themselves);
#                           same as INTEROP_BOOTSTRAP=HOST:PORT
#   --kafka                 start a real Apache Kafka (kafka-run.sh, port $INTEROP_KAFKA_PORT or
#                           a free one, fresh dir) for the run, and stop it afterwards
#   --out DIR               keep each client's output and Bunka's log in DIR
#                           (default: a new /tmp/bunka-interop-<time> dir)
#
# The case scripts (kafkajs.sh, kcat.sh, python.sh, java.sh, franz-go.sh, streams.sh, the *-groups.sh and
# *-txn.sh ones, streams-eos.sh, txn-crash.sh) run on their own too;
# any other test/interop/<name>.sh printing lib.sh's INTEROP lines can be named as a client.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ALL_CLIENTS=(kafkajs kcat python java franz-go streams kafkajs-groups python-groups java-groups franz-go-groups
  java-txn java-transactions streams-eos python-txn franz-go-txn txn-crash graduate mirror-maker)

CLIENTS=()
OUT=""
START_KAFKA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bootstrap) export INTEROP_BOOTSTRAP="$2"; shift 2 ;;
    --kafka) START_KAFKA=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    all) CLIENTS+=("${ALL_CLIENTS[@]}"); shift ;;
    kafkajs|kcat|python|java|franz-go|streams|kafkajs-groups|python-groups|java-groups|franz-go-groups) CLIENTS+=("$1"); shift ;;
    java-txn|streams-eos|python-txn|franz-go-txn|txn-crash) CLIENTS+=("$1"); shift ;;
    lib|run|kafka-run|kafka-dist|-*) echo "run.sh: unknown argument '$1' (clients: all ${ALL_CLIENTS[*]})" >&2; exit 2 ;;
    *) # any other case script test/interop/<name>.sh that follows lib.sh's conventions
      [[ -f "$HERE/$1.sh" ]] || { echo "run.sh: unknown argument '$1' (clients: all ${ALL_CLIENTS[*]})" >&2; exit 2; }
      CLIENTS+=("$1"); shift ;;
  esac
done
[[ ${#CLIENTS[@]} -eq 0 ]] && CLIENTS=("${ALL_CLIENTS[@]}")
OUT="${OUT:-$(mktemp -d "/tmp/bunka-interop-$(date +%Y%m%d-%H%M%S)-XXXX")}"
mkdir -p "$OUT"
export PATH="$ROOT/node_modules/.bin:$PATH"

t_start=$SECONDS
# npm dependencies (Bun, kafkajs; raw-fetch.ts needs Bun even against another broker).
node "$ROOT/build/ensure-deps.mjs" >&2 || { echo "run.sh: installing npm dependencies failed" >&2; exit 1; }
if [[ -n "$START_KAFKA" ]]; then
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  KPORT="${INTEROP_KAFKA_PORT:-}"
  while [[ -z "$KPORT" ]]; do   # a free pair (PLAINTEXT, CONTROLLER = port + 1)
    p=$((20000 + RANDOM % 20000)); port_free "$p" && port_free $((p + 1)) && KPORT=$p
  done
  KDIR="$OUT/kafka"
  echo "run.sh: starting Apache Kafka $("$HERE/kafka-dist.sh" version) on 127.0.0.1:$KPORT" >&2
  "$HERE/kafka-run.sh" --port "$KPORT" --dir "$KDIR" start >&2 || { echo "run.sh: Kafka did not start" >&2; exit 1; }
  trap '"$HERE/kafka-run.sh" --port "$KPORT" --dir "$KDIR" stop >&2' EXIT
  export INTEROP_BOOTSTRAP="127.0.0.1:$KPORT"
fi

if [[ -n "${INTEROP_BOOTSTRAP:-}" ]]; then
  TARGET="broker at $INTEROP_BOOTSTRAP"
else
  TARGET="Bunka (a fresh ./bunka per client)"
  # One build up front (each case rebuilds only if src/ changed since).
  BUNKA_BUILD_ONLY=1 bash "$ROOT/your_program.sh" >&2 || { echo "run.sh: building ./bunka failed" >&2; exit 1; }
fi
echo "run.sh: clients ${CLIENTS[*]} against $TARGET; output in $OUT" >&2

ROWS="$OUT/results.tsv"
: >"$ROWS"
for client in "${CLIENTS[@]}"; do
  echo "run.sh: --- $client ---" >&2
  t0=$SECONDS
  INTEROP_BROKER_LOG="$OUT/$client.bunka.log" bash "$HERE/$client.sh" >"$OUT/$client.out" 2>"$OUT/$client.log"
  rc=$?
  secs=$((SECONDS - t0))
  n=0
  while IFS=$'\t' read -r _ op res detail; do
    printf '%s\t%s\t%s\t%s\n' "$client" "$op" "$res" "$detail" >>"$ROWS"
    n=$((n + 1))
  done < <(grep $'^INTEROP\t' "$OUT/$client.out")
  if [[ $n -eq 0 ]]; then
    printf '%s\t%s\t%s\t%s\n' "$client" "run $client.sh" FAIL "exited $rc without results: $(tail -n 2 "$OUT/$client.log" | tr '\n' ' ')" >>"$ROWS"
  elif [[ $rc -ne 0 ]] && ! grep -q $'^'"$client"$'\t[^\t]*\tFAIL' "$ROWS"; then
    printf '%s\t%s\t%s\t%s\n' "$client" "run $client.sh" FAIL "exited $rc" >>"$ROWS"
  fi
  echo "run.sh: $client took ${secs} s (exit $rc)" >&2
  printf '%s\t%s\n' "$client" "$secs" >>"$OUT/times.tsv"
done

passed=$(awk -F'\t' '$3 == "PASS"' "$ROWS" | wc -l)
failed=$(awk -F'\t' '$3 != "PASS"' "$ROWS" | wc -l)
opw=$(awk -F'\t' '{ if (length($2) > w) w = length($2) } END { print (w < 9 ? 9 : w) }' "$ROWS")
cw=$(awk -F'\t' '{ if (length($1) > w) w = length($1) } END { print (w < 8 ? 8 : w) }' "$ROWS")

echo
echo "Interop against $TARGET"
printf '%-*s  %-*s  %s\n' "$cw" client "$opw" operation result
printf '%-*s  %-*s  %s\n' "$cw" "$(printf '%*s' "$cw" '' | tr ' ' '-')" "$opw" "$(printf '%*s' "$opw" '' | tr ' ' '-')" ------
awk -F'\t' -v w="$opw" -v c="$cw" '{ printf "%-*s  %-*s  %s\n", c, $1, w, $2, $3 }' "$ROWS"
echo
if [[ $failed -gt 0 ]]; then
  echo "Failures:"
  awk -F'\t' '$3 != "PASS" { printf "  %s / %s:\n      %s\n", $1, $2, $4 }' "$ROWS"
  echo
  for client in "${CLIENTS[@]}"; do
    awk -F'\t' -v c="$client" '$1 == c && $3 != "PASS" { f = 1 } END { exit !f }' "$ROWS" || continue
    if grep -q "Bunka's warnings and errors" "$OUT/$client.log"; then
      echo "Bunka's log during $client (warnings/errors, counted):"
      sed -n "/Bunka's warnings and errors/,\$p" "$OUT/$client.log" | sed 1d | grep '^ ' | sed 's/^/  /'
    fi
  done
  echo "Client output and broker logs: $OUT"
  echo
fi
echo "time: $(awk -F'\t' '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $1, $2 }' "$OUT/times.tsv"); total $((SECONDS - t_start)) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
