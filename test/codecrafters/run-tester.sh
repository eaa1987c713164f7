#!/usr/bin/env bash
# Runs the real CodeCrafters "Build your own Kafka" tester against this repository, all 25 stages.
#
#   bash test/codecrafters/run-tester.sh [slug ...]     (default: every stage, in course order)
#
# The tester comes from the Go module proxy at a pinned commit:
#   go install github.com/codecrafters-io/kafka-tester/cmd/tester@018f9bc
# or from $CODECRAFTERS_TESTER when that names an executable already on this machine.
# Exit codes: 0 every stage passed; 1 a stage failed; 3 no tester could be installed (the
# reason is printed; nothing was tested). The tester uses /tmp/server.properties,
# /tmp/kraft-combined-logs and port 9092, so only one run at a time per machine.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

STAGES=(vi6 nv3 wa6 nc5 pv1 nh4 sk0 yk1 vt6 ea7 ku4 wq2 gs0 dh6 hn6 cm4 eg2 fd8 xz1 zf2 gg1 ls8 yd8 ct4 ov0)
[ $# -gt 0 ] && STAGES=("$@")

tester="${CODECRAFTERS_TESTER:-}"
if [ -z "$tester" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "codecrafters: Go is not installed; the tester cannot be installed (nothing tested)" >&2
    exit 3
  fi
  gobin="${BUNKA_CACHE:-$HOME/.cache/bunka}/go-bin"
  mkdir -p "$gobin"
  tester="$gobin/tester"
  if [ ! -x "$tester" ]; then
    echo "codecrafters: go install github.com/codecrafters-io/kafka-tester/cmd/tester@018f9bc" >&2
    if ! out=$(GOBIN="$gobin" go install github.com/codecrafters-io/kafka-tester/cmd/tester@018f9bc 2>&1); then
      echo "$out" >&2
      echo "codecrafters: the tester could not be installed (above); nothing tested" >&2
      exit 3
    fi
  fi
fi
[ -x "$tester" ] || { echo "codecrafters: $tester is not executable" >&2; exit 3; }

# Build now so that the tester's start-up timeout measures the broker, not the compiler.
BUNKA_BUILD_ONLY=1 ./your_program.sh || exit 1
[ -x ./bunka ] || { echo "codecrafters: ./bunka was not built" >&2; exit 1; }

json="["
i=0
for slug in "${STAGES[@]}"; do
  i=$((i + 1))
  [ $i -gt 1 ] && json+=","
  json+="{\"slug\":\"$slug\",\"tester_log_prefix\":\"tester::#$slug\",\"title\":\"Stage #$i ($slug)\"}"
done
json+="]"

log=$(mktemp)
CODECRAFTERS_REPOSITORY_DIR="$root" CODECRAFTERS_TEST_CASES_JSON="$json" "$tester" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -c "Test passed" "$log" || true)
rm -f "$log"
echo "codecrafters: $passed of ${#STAGES[@]} stages passed (tester exit $status)"
if [ "$status" -eq 0 ] && [ "$passed" -eq "${#STAGES[@]}" ]; then
  echo "codecrafters: ${#STAGES[@]} passed, 0 failed"
  exit 0
fi
echo "codecrafters: $passed passed, $(( ${#STAGES[@]} - passed )) failed"
exit 1
