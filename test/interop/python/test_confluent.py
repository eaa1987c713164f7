#!/usr/bin/python3
"""Interop: confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka) against a broker.

1. AdminClient.create_topics makes a 3-partition topic; list_topics shows its 3 partitions.
2. An idempotent producer (enable.idempotence=True, acks=all) sends N keyed messages with
   headers and explicit timestamps; every delivery report must succeed, and the reported offsets
   must be gap-free and duplicate-free per partition.
3. A consumer with a group.id but no subscribe() -- assign([TopicPartition(t, p,
   OFFSET_BEGINNING)]) for every partition -- reads them all back: each at the offset its delivery
   report gave, in send order per partition, keys, values, headers and timestamps intact.
4. A transactional producer commits (Kafka) or is refused at once (Bunka, no transactions yet).

Everything else is the client's defaults. Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines
(see test/interop/lib.sh); exit status 1 if anything failed.

Usage: /usr/bin/python3 test/interop/python/test_confluent.py [host:port]
       (default: $INTEROP_BOOTSTRAP; test/interop/python.sh starts a fresh Bunka for it)
"""

import os
import random
import sys
import time

from confluent_kafka import (OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, Consumer, KafkaError,
                             Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

N = 5000
PARTITIONS = 3
KEYS = 31
TIMEOUT_S = 20

results = []


def result(op, ok, detail=""):
    results.append(ok)
    detail = str(detail).replace("\t", " ").replace("\n", " | ")[:400]
    print(f"INTEROP\t{op}\t{'PASS' if ok else 'FAIL'}\t{detail}", flush=True)


def log(msg):
    print(f"[python] {msg}", file=sys.stderr, flush=True)


def main():
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("INTEROP_BOOTSTRAP")
    if not bootstrap:
        print("usage: test_confluent.py host:port (or INTEROP_BOOTSTRAP)", file=sys.stderr)
        return 2
    import confluent_kafka
    log(f"confluent-kafka {confluent_kafka.version()[0]}, librdkafka {confluent_kafka.libversion()[0]}, broker {bootstrap}")
    topic = f"python-{int(time.time() * 1000)}-{random.randrange(1 << 30)}"
    print(f"TOPIC\t{topic}", flush=True)

    # 1. Admin: create the topic.
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
                            request_timeout=15)[topic].result(timeout=TIMEOUT_S)
        partitions = []
        deadline = time.time() + 10
        while time.time() < deadline:
            md = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
            if md is not None and md.error is None and len(md.partitions) == PARTITIONS:
                partitions = sorted(md.partitions)
                break
            time.sleep(0.1)
        result("admin create_topics (3 partitions)", partitions == list(range(PARTITIONS)),
               f"partitions {partitions}" if partitions else "list_topics never showed 3 partitions")
    except Exception as e:  # KafkaException carries the broker/librdkafka error
        result("admin create_topics (3 partitions)", False, repr(e))

    # 2. Idempotent producer, acks=all.
    base_ts = int(time.time() * 1000) - 60_000
    sent = [(f"key-{i % KEYS}".encode(), f"python:{i}:{'x' * (i % 40)}".encode(), base_ts + i,
             [("h-index", str(i).encode()), ("h-client", b"confluent-kafka-python")]) for i in range(N)]
    reports = {}  # index -> (err, partition, offset)

    def on_delivery(index):
        def cb(err, msg):
            reports[index] = (err, msg.partition(), msg.offset())
        return cb

    produce_errors = []
    left = -1
    try:
        producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
        for i, (key, value, ts, headers) in enumerate(sent):
            while True:
                try:
                    producer.produce(topic, value=value, key=key, timestamp=ts, headers=headers,
                                     on_delivery=on_delivery(i))
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
        left = producer.flush(TIMEOUT_S)
    except Exception as e:  # a fatal producer error (e.g. idempotence unsupported) is raised here
        produce_errors.append(repr(e))
    failed = [(i, str(r[0])) for i, r in sorted(reports.items()) if r[0] is not None]
    by_partition = {}
    for i in range(N):
        if i in reports and reports[i][0] is None:
            by_partition.setdefault(reports[i][1], []).append((reports[i][2], i))
    offset_problems = []
    for p, entries in sorted(by_partition.items()):
        offsets = [o for o, _ in entries]
        if offsets != list(range(len(offsets))):
            offset_problems.append(f"partition {p}: offsets not 0..{len(offsets) - 1} in send order")
    ok = not produce_errors and left == 0 and len(reports) == N and not failed and not offset_problems
    if ok:
        detail = f"{N} delivered: " + ", ".join(f"p{p}={len(e)}" for p, e in sorted(by_partition.items()))
    else:
        detail = (f"{len(reports)} of {N} reports, {left} still queued, {len(failed)} failed "
                  f"{failed[:2]} {produce_errors[:1]} {offset_problems[:2]}")
    result("idempotent produce (acks=all)", ok, detail)

    # 3. Consumer by assignment, from the beginning of every partition.
    try:
        md = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
        partitions = sorted(md.partitions) if md is not None and md.error is None else []
    except Exception as e:
        partitions = []
        log(f"list_topics before consuming: {e!r}")
    if not partitions:
        result("consume by assign (OFFSET_BEGINNING)", False, "topic has no partitions in the metadata")
        return finish()
    if not by_partition:
        result("consume by assign (OFFSET_BEGINNING)", False, "nothing was delivered to read back")
        return finish()
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"interop-{topic}"})
    problems = []
    got = {}  # partition -> [(offset, index)]
    received = 0
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        deadline = time.time() + TIMEOUT_S
        while received < N and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    problems.append(f"error: {msg.error()}")
                    if len(problems) > 5:
                        break
                continue
            received += 1
            value = msg.value() or b""
            parts = value.split(b":", 2)
            if len(parts) != 3 or parts[0] != b"python" or not parts[1].isdigit() or int(parts[1]) >= N:
                problems.append(f"p{msg.partition()}@{msg.offset()}: unexpected value {value[:40]!r}")
                continue
            i = int(parts[1])
            key, want_value, ts, headers = sent[i]
            if value != want_value:
                problems.append(f"#{i}: value differs")
            if msg.key() != key:
                problems.append(f"#{i}: key {msg.key()!r}, expected {key!r}")
            if msg.timestamp() != (TIMESTAMP_CREATE_TIME, ts):
                problems.append(f"#{i}: timestamp {msg.timestamp()}, expected {(TIMESTAMP_CREATE_TIME, ts)}")
            if msg.headers() != headers:
                problems.append(f"#{i}: headers {msg.headers()}, expected {headers}")
            got.setdefault(msg.partition(), []).append((msg.offset(), i))
    except Exception as e:
        problems.append(repr(e))
    finally:
        consumer.close()
    for p, entries in sorted(got.items()):
        if entries != by_partition.get(p, []):
            problems.append(f"partition {p}: (offset, message) sequence differs from the delivery reports "
                            f"(first read {entries[:2]}, delivered {by_partition.get(p, [])[:2]})")
    if received != N:
        problems.append(f"received {received} of {N}")
    result("consume by assign (OFFSET_BEGINNING)", not problems,
           problems[:3] if problems else f"{received} messages in order, keys/headers/timestamps intact")

    # 4. A transactional producer gets a definite answer at once: a committed transaction where
    # the broker has transactions (Kafka), or a fatal TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    # (Bunka, until it has a transaction coordinator), not a timeout after retrying. The 60 s
    # init timeout is what a broker that keeps answering "retry" would cost; 20 s is a wide margin.
    t0 = time.monotonic()
    try:
        txn = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"interop-python-{topic}"})
        txn.init_transactions(60)
        txn.begin_transaction()
        txn.produce(f"{topic}-txn", value=b"python:txn")  # not the checked topic
        txn.commit_transaction(60)
        outcome, definite = "committed", True
    except Exception as e:  # KafkaException: its KafkaError says fatal / which code
        err = e.args[0] if e.args and isinstance(e.args[0], KafkaError) else None
        definite = err is not None and err.code() == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        outcome = f"refused: {err.name()} {err.str()} (fatal={err.fatal()})" if err is not None else repr(e)
    ms = int((time.monotonic() - t0) * 1000)
    result("transactional producer: committed, or refused at once", definite and ms < 20_000, f"{outcome} after {ms} ms")
    return finish()


def finish():
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
