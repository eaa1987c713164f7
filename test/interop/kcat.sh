#!/usr/bin/env bash
# Interop: kcat (librdkafka, Debian's package, default settings) against the broker.
#
# For each compression codec (none, gzip, snappy, lz4, zstd): `kcat -P -z <codec>` writes keyed
# lines with a header to partition 0 of a fresh topic (auto-created by the producer's metadata
# request), `kcat -C -p 0 -o beginning -e` reads them back (no consumer group) and the output must
# equal the input byte for byte; raw Fetch requests (raw-fetch.ts) then check that the batches on
# the wire really carry that codec (at least 90% of the records; librdkafka leaves a batch
# uncompressed when compressing would not shrink it). Finally `kcat -L` must list every topic with 1 partition.
#
# Usage: test/interop/kcat.sh          (fresh Bunka; INTEROP_BOOTSTRAP=host:port for another broker)
set -uo pipefail
CASE_NAME=kcat
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt kcat kcat || { result "install kcat" FAIL "apt-get install kcat failed"; finish; exit; }
start_broker || { result "start broker" FAIL "Bunka did not start: $START_ERROR"; finish; exit; }

WORK="$(mktemp -d /tmp/bunka-interop-kcat-XXXXXX)"
trap 'rm -rf "$WORK"; stop_broker' EXIT
LINES=2000
KCAT_TIMEOUT=30

# Keyed lines "key-<n>:<payload>": mostly compressible text (librdkafka sends a batch uncompressed
# when compression would not make it smaller), some digits, some multi-byte UTF-8.
awk -v n="$LINES" 'BEGIN { srand(42);
  for (i = 0; i < n; i++) {
    s = sprintf("message %06d of %d; ", i, n);
    for (j = 0; j < i % 7; j++) s = s "the quick brown fox jumps over the lazy dog ";
    s = s sprintf("%d", int(rand() * 1e9));
    if (i % 5 == 0) s = s " héllo wörld ✓ データ";
    printf "key-%d:%s\n", i % 13, s;
  } }' >"$WORK/input.txt"

TOPICS=()
for codec in none gzip snappy lz4 zstd; do
  topic="$(unique_topic "kcat-$codec")"
  TOPICS+=("$topic")
  timeout "$KCAT_TIMEOUT" kcat -P -b "$BOOTSTRAP" -t "$topic" -p 0 -z "$codec" -K : -H "codec=$codec" \
    <"$WORK/input.txt" 2>"$WORK/produce-$codec.err"
  rc=$?
  if [[ $rc -ne 0 ]] || grep -q 'Delivery failed' "$WORK/produce-$codec.err"; then
    result "produce -z $codec" FAIL "kcat -P exited $rc, $(grep -c 'Delivery failed' "$WORK/produce-$codec.err") delivery failures: $(sort "$WORK/produce-$codec.err" | uniq -c | sort -rn | head -n 2)"
    result "consume $codec (-o beginning -e)" FAIL "nothing to consume: produce failed"
    result "batches carry $codec" FAIL "nothing to fetch: produce failed"
    continue
  fi
  result "produce -z $codec" PASS "$LINES messages"

  timeout "$KCAT_TIMEOUT" kcat -C -b "$BOOTSTRAP" -t "$topic" -p 0 -o beginning -e -q \
    -f '%k:%s\n' >"$WORK/output-$codec.txt" 2>"$WORK/consume-$codec.err"
  rc=$?
  timeout "$KCAT_TIMEOUT" kcat -C -b "$BOOTSTRAP" -t "$topic" -p 0 -o beginning -e -q \
    -f '%h\n' 2>>"$WORK/consume-$codec.err" | sort | uniq -c | sed 's/^ *//' >"$WORK/headers-$codec.txt"
  if [[ $rc -ne 0 ]]; then
    result "consume $codec (-o beginning -e)" FAIL "kcat -C exited $rc: $(tail -n 3 "$WORK/consume-$codec.err")"
  elif ! cmp -s "$WORK/input.txt" "$WORK/output-$codec.txt"; then
    got=$(wc -l <"$WORK/output-$codec.txt")
    result "consume $codec (-o beginning -e)" FAIL "read back $got of $LINES lines, not identical: $(diff "$WORK/input.txt" "$WORK/output-$codec.txt" | head -n 3)"
  elif [[ "$(cat "$WORK/headers-$codec.txt")" != "$LINES codec=$codec" ]]; then
    result "consume $codec (-o beginning -e)" FAIL "headers not intact: $(head -n 3 "$WORK/headers-$codec.txt")"
  else
    result "consume $codec (-o beginning -e)" PASS "$LINES messages identical, keys and headers intact"
  fi

  if "$BUN" "$INTEROP_DIR/raw-fetch.ts" "$BOOTSTRAP" "$topic" 0 >"$WORK/batches-$codec.jsonl" 2>"$WORK/fetch-$codec.err"; then
    # librdkafka sends a batch uncompressed when compressing would not shrink it (a lone first
    # record, say), so "none" batches are allowed; any other codec is not, and most records
    # must travel compressed.
    read -r total coded foreign records coded_records < <(awk -v c="$codec" '
      { n = $0; sub(/.*"records":/, "", n); n += 0; r += n }
      /"codec":"/ { if (index($0, "\"codec\":\"" c "\"")) { k++; kr += n } else if (!index($0, "\"codec\":\"none\"")) f++ }
      END { print NR, k + 0, f + 0, r + 0, kr + 0 }' "$WORK/batches-$codec.jsonl")
    if [[ $coded -gt 0 && $foreign -eq 0 && $records -eq $LINES && $((coded_records * 10)) -ge $((LINES * 9)) ]]; then
      result "batches carry $codec" PASS "$coded of $total batches ($coded_records of $records records) are $codec"
    else
      result "batches carry $codec" FAIL "$coded of $total batches ($coded_records of $records records) are $codec, $foreign use another codec: $(head -n 2 "$WORK/batches-$codec.jsonl")"
    fi
  else
    result "batches carry $codec" FAIL "raw fetch: $(tail -n 2 "$WORK/fetch-$codec.err")"
  fi
done

if timeout "$KCAT_TIMEOUT" kcat -L -b "$BOOTSTRAP" >"$WORK/list.txt" 2>"$WORK/list.err"; then
  missing=()
  for t in "${TOPICS[@]}"; do grep -qF "topic \"$t\" with 1 partitions" "$WORK/list.txt" || missing+=("$t"); done
  if grep -q ' broker [0-9]* at ' "$WORK/list.txt" && [[ ${#missing[@]} -eq 0 ]]; then
    result "list (-L)" PASS "$(grep -c '^  topic ' "$WORK/list.txt") topics"
  else
    result "list (-L)" FAIL "missing: ${missing[*]:-no broker line}; got: $(head -n 6 "$WORK/list.txt")"
  fi
else
  result "list (-L)" FAIL "kcat -L exited: $(tail -n 3 "$WORK/list.err")"
fi

finish
