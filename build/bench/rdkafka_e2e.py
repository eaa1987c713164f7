#!/usr/bin/python3
"""End-to-end latency through librdkafka (Debian's python3-confluent-kafka), at a fixed rate.

Usage: /usr/bin/python3 rdkafka_e2e.py <bootstrap> <topic> <rate/s> <warmup s> <measure s> <bytes> <acks>

The same open-loop design as BenchClient.java's e2e: a producer thread (linger.ms=0) sends one
record every 1/rate s carrying its send time (time.monotonic_ns, system-wide on Linux) and a
sequence number; a consumer (assign at the end of every partition, no commits; librdkafka's
default fetch.wait.max.ms=500, fetch.min.bytes=1) takes the difference on receipt. Records sent
during the warm-up are not counted. Prints one JSON line like the Java tool.
"""
import json
import struct
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def main():
    if len(sys.argv) != 8:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    bootstrap, topic = sys.argv[1], sys.argv[2]
    rate, warmup, measure = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    size, acks = max(16, int(sys.argv[6])), sys.argv[7]

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        # librdkafka 1.x/2.0 wants a group id even for assign(); nothing is committed.
        "group.id": "bench-e2e-rdkafka",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
    })
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": acks})

    meta = consumer.list_topics(topic, timeout=30)
    partitions = sorted(meta.topics[topic].partitions.keys())
    if not partitions:
        raise SystemExit(f"topic {topic} has no partitions")
    # Start at each partition's current end (asked for explicitly: with OFFSET_END, position()
    # stays unknown until the first record arrives).
    ends = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions]
    consumer.assign([TopicPartition(topic, p, end) for p, end in zip(partitions, ends)])
    consumer.poll(0.2)  # let the fetcher start before the clock does

    total = round(rate * (warmup + measure))
    warmup_count = round(rate * warmup)
    errors = [0]
    padding = b"\0" * (size - 16)

    def on_delivery(err, _msg):
        if err is not None:
            errors[0] += 1

    def send():
        interval = 1_000_000_000 // rate
        start = time.monotonic_ns()
        for i in range(total):
            due = start + i * interval
            while True:
                now = time.monotonic_ns()
                if now >= due:
                    break
                time.sleep((due - now) / 1e9)
            value = struct.pack(">qq", time.monotonic_ns(), i) + padding
            while True:
                try:
                    producer.produce(topic, value, partition=partitions[i % len(partitions)], on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.01)
            producer.poll(0)
        producer.flush(10)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    latencies = []
    received = 0
    deadline = time.monotonic() + warmup + measure + 10
    while received < total and time.monotonic() < deadline:
        msg = consumer.poll(0.1)
        if msg is None:
            continue
        now = time.monotonic_ns()
        if msg.error():
            continue
        sent, seq = struct.unpack_from(">qq", msg.value())
        received += 1
        if seq >= warmup_count:
            latencies.append(now - sent)
    sender.join(5)
    consumer.close()

    latencies.sort()

    def pct(q):
        if not latencies:
            return None
        i = max(0, min(len(latencies) - 1, -(-int(q * 1_000_000) * len(latencies) // 1_000_000) - 1))
        return round(latencies[i] / 1000, 1)

    print(json.dumps({
        "count": len(latencies), "lost": total - received, "sendErrors": errors[0],
        "p50_us": pct(0.5), "p99_us": pct(0.99), "p999_us": pct(0.999), "max_us": pct(1.0),
    }))


if __name__ == "__main__":
    main()
