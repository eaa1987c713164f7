#!/usr/bin/python3
"""Interop: consumer groups with confluent-kafka-python (Debian's python3-confluent-kafka on
librdkafka) against a broker.

For each partition.assignment.strategy, `range` and `cooperative-sticky` (its own topic of 4
partitions and its own group):
1. two consumers subscribe() to the group and split the partitions 2/2;
2. they consume 400 messages, committing synchronously, each message exactly once;
3. they close (LeaveGroup); 40 more messages are produced; a new consumer of the group resumes
   from the committed offsets: it reads exactly the 40 new ones (auto.offset.reset=earliest would
   re-read all 440 otherwise), and the committed offsets end at 110.

Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines (test/interop/lib.sh); exit status 1 if
anything failed.

Usage: /usr/bin/python3 test/interop/python/test_groups.py [host:port]
"""

import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 4
TIMEOUT_S = 60
results = []


def result(op, ok, detail=""):
    results.append(ok)
    detail = str(detail).replace("\t", " ").replace("\n", " | ")[:400]
    print(f"INTEROP\t{op}\t{'PASS' if ok else 'FAIL'}\t{detail}", flush=True)


def produce(bootstrap, topic, tag, per_partition):
    p = Producer({"bootstrap.servers": bootstrap})
    values = []
    for part in range(PARTITIONS):
        for i in range(per_partition):
            v = f"{tag}-{part}-{i}"
            values.append(v)
            p.produce(topic, value=v.encode(), partition=part)
    left = p.flush(30)
    if left:
        raise RuntimeError(f"{left} messages not delivered")
    return values


def consumer(bootstrap, group, strategy, name):
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": f"py-{name}",
        "partition.assignment.strategy": strategy,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 1000,
    })


def consume(consumers, want, got):
    """Polls every consumer in turn until `want` distinct values are in `got` (value -> count)."""
    deadline = time.time() + TIMEOUT_S
    while len(got) < want and time.time() < deadline:
        for c in consumers:
            msgs = c.consume(num_messages=100, timeout=0.1)
            real = [m for m in msgs if m.error() is None]
            for m in real:
                v = m.value().decode()
                got[v] = got.get(v, 0) + 1
            if real:
                c.commit(asynchronous=False)


def run(bootstrap, strategy, suffix):
    topic = f"py-groups-{strategy}-{suffix}"
    group = f"py-group-{strategy}-{suffix}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    except Exception as e:  # without CreateTopics, the producer's metadata request creates it
        print(f"create_topics failed ({e}); relying on auto-creation", file=sys.stderr)
    first = produce(bootstrap, topic, "first", 100)

    a, b = consumer(bootstrap, group, strategy, "a"), consumer(bootstrap, group, strategy, "b")
    a.subscribe([topic])
    b.subscribe([topic])
    got = {}
    consume([a, b], len(first), got)
    # Keep polling a little so that both see the final assignment.
    deadline = time.time() + 20
    while time.time() < deadline and not (len(a.assignment()) == 2 and len(b.assignment()) == 2):
        for c in (a, b):
            c.poll(0.1)
    pa = sorted(tp.partition for tp in a.assignment())
    pb = sorted(tp.partition for tp in b.assignment())
    result(f"{strategy}: two members split 4 partitions 2/2", len(pa) == 2 and len(pb) == 2 and sorted(pa + pb) == [0, 1, 2, 3],
           f"a={pa} b={pb}")
    once = sorted(got) == sorted(first) and all(n == 1 for n in got.values())
    result(f"{strategy}: 400 messages consumed once, commit(asynchronous=False)", once,
           f"distinct={len(got)} duplicates={sum(1 for n in got.values() if n > 1)}")
    a.close()
    b.close()

    second = produce(bootstrap, topic, "second", 10)
    c = consumer(bootstrap, group, strategy, "c")
    c.subscribe([topic])
    got2 = {}
    consume([c], len(second), got2)
    time.sleep(1)
    for m in c.consume(num_messages=1000, timeout=1):
        if m.error() is None:
            got2[m.value().decode()] = got2.get(m.value().decode(), 0) + 1
    result(f"{strategy}: a restarted member resumes from the committed offsets", sorted(got2) == sorted(second),
           f"got {len(got2)} (expected the 40 new ones){'; re-read old messages' if any(v.startswith('first') for v in got2) else ''}")
    committed = c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
    offsets = [tp.offset for tp in committed]
    result(f"{strategy}: committed() after resuming", offsets == [110] * PARTITIONS, f"{offsets}")
    c.close()


def main():
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("INTEROP_BOOTSTRAP", "")
    if not bootstrap:
        print("usage: test_groups.py host:port", file=sys.stderr)
        return 2
    suffix = f"{int(time.time() * 1000):x}"
    for strategy in ("range", "cooperative-sticky"):
        try:
            run(bootstrap, strategy, suffix)
        except (KafkaException, RuntimeError) as e:
            result(f"{strategy}: run", False, e)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
