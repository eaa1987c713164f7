#!/usr/bin/python3
"""Interop: transactions with confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka).

1. AdminClient.create_topics makes a 3-partition topic.
2. A transactional producer (init_transactions, then begin/produce/commit or abort) runs TXNS
   transactions of 1-20 records spread over the partitions; every 3rd one is flushed to the broker
   and then aborted (without the flush librdkafka purges what it has not sent and the broker never
   sees it). A record's key names its transaction, whether it should commit and its index.
3. A read_committed consumer (isolation.level=read_committed, assign from OFFSET_BEGINNING, read
   until every partition reports EOF, which under read_committed is the last stable offset) sees
   every committed record exactly once, in send order per partition, and no aborted record.
4. A read_uncommitted consumer sees every record sent, aborted ones included, in send order.
5. Consume-transform-produce: a group consumer (read_committed, no auto-commit) reads an input
   topic; each batch's output goes out in one transaction with send_offsets_to_transaction; every
   4th transaction is aborted and the consumer seeks back. Output read read_committed must be every
   input record transformed once, and the group's committed offsets the input's end offsets.

Timeouts are seconds, not librdkafka's minutes, so a broker that does not answer fails quickly.
Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines (see test/interop/lib.sh); exit status 1 if
anything failed.

Usage: /usr/bin/python3 test/interop/python/test_txn.py [host:port]
       (default: $INTEROP_BOOTSTRAP; test/interop/python-txn.sh starts a fresh Bunka for it)
"""

import os
import random
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TXNS = 90
PARTITIONS = 3
CTP_INPUT = 300
TIMEOUT_S = 20

results = []


def result(op, ok, detail=""):
    results.append(ok)
    detail = str(detail).replace("\t", " ").replace("\n", " | ")[:400]
    print(f"INTEROP\t{op}\t{'PASS' if ok else 'FAIL'}\t{detail}", flush=True)


def log(msg):
    print(f"[python-txn] {msg}", file=sys.stderr, flush=True)


def describe(e):
    err = e.args[0] if isinstance(e, KafkaException) and e.args and isinstance(e.args[0], KafkaError) else None
    if err is None:
        return repr(e)
    return f"{err.name()}: {err.str()} (fatal={err.fatal()}, retriable={err.retriable()}, abortable={err.txn_requires_abort()})"


def read_all(bootstrap, topic, isolation, partitions, timeout_s=TIMEOUT_S):
    """Every partition from the beginning to EOF: ({partition: [(offset, key, value)]}, error or None)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}-{isolation}",
                         "isolation.level": isolation, "enable.partition.eof": True,
                         "enable.auto.commit": False})
    got = {p: [] for p in range(partitions)}
    eof = set()
    error = None
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        deadline = time.time() + timeout_s
        while len(eof) < partitions:
            if time.time() > deadline:
                error = f"{isolation} consumer: no EOF on partitions {sorted(set(range(partitions)) - eof)} in {timeout_s} s"
                break
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(msg.partition())
                else:
                    error = f"{isolation} consumer: {msg.error()}"
                    break
                continue
            eof.discard(msg.partition())
            got[msg.partition()].append((msg.offset(), (msg.key() or b"").decode(), (msg.value() or b"").decode()))
    except Exception as e:
        error = describe(e)
    finally:
        consumer.close()
    return got, error


def compare(want, got):
    """The first difference between expected keys and what was read, per partition, or None."""
    for p in sorted(set(want) | set(got)):
        w, g = want.get(p, []), got.get(p, [])
        last = -1
        for i in range(max(len(w), len(g))):
            wk = w[i] if i < len(w) else "(nothing)"
            gk = g[i][1] if i < len(g) else "(nothing)"
            if wk != gk:
                at = f" at offset {g[i][0]}" if i < len(g) else ""
                return f"partition {p}, record #{i}{at}: read {gk}, expected {wk} (read {len(g)}, expected {len(w)})"
            if g[i][0] <= last:
                return f"partition {p}: offset {g[i][0]} after {last}"
            last = g[i][0]
    return None


def create_topics(bootstrap, *names):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1) for n in names],
                                  request_timeout=15)
    for f in futures.values():
        f.result(timeout=TIMEOUT_S)
    # Wait for the metadata to show every partition (librdkafka produces by metadata).
    deadline = time.time() + 10
    for n in names:
        while time.time() < deadline:
            md = admin.list_topics(topic=n, timeout=10).topics.get(n)
            if md is not None and md.error is None and len(md.partitions) == PARTITIONS:
                break
            time.sleep(0.1)
    return admin


def txn_producer(bootstrap, txn_id):
    return Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id,
                     "transaction.timeout.ms": 30000, "message.timeout.ms": 20000,
                     "socket.timeout.ms": 10000})


def interleaved(bootstrap, run):
    topic = f"python-txn-{run}"
    op = f"transactional producer: {TXNS} transactions, every 3rd aborted"
    try:
        create_topics(bootstrap, topic)
    except Exception as e:
        result("admin create_topics", False, describe(e))
        return
    committed, everything = {}, {}
    errors = []

    def on_delivery(err, msg):
        if err is not None and len(errors) < 3:
            errors.append(f"{msg.key()}: {err}")

    t0 = time.monotonic()
    records = aborted = 0
    try:
        producer = txn_producer(bootstrap, f"python-txn-{run}")
        producer.init_transactions(TIMEOUT_S)
        for t in range(TXNS):
            if time.monotonic() - t0 > 90:
                raise RuntimeError(f"only {t} of {TXNS} transactions in 90 s")
            commit = t % 3 != 2
            n = 1 + (t * 7) % 20
            producer.begin_transaction()
            for i in range(n):
                p = (t + i) % PARTITIONS
                key = f"t{t:04d}-{'C' if commit else 'A'}-{i:02d}"
                producer.produce(topic, key=key, value=f"{key}:{'v' * (i * 3)}", partition=p, on_delivery=on_delivery)
                everything.setdefault(p, []).append(key)
                if commit:
                    committed.setdefault(p, []).append(key)
            records += n
            if commit:
                producer.commit_transaction(TIMEOUT_S)
            else:
                left = producer.flush(TIMEOUT_S)
                if left:
                    raise RuntimeError(f"transaction {t}: {left} records not delivered before the abort")
                producer.abort_transaction(TIMEOUT_S)
                aborted += 1
        producer.flush(TIMEOUT_S)
    except Exception as e:
        errors.insert(0, describe(e))
    ms = int((time.monotonic() - t0) * 1000)
    if errors:
        result(op, False, f"{'; '.join(errors[:3])} after {ms} ms")
        for name in ("read_committed consumer: every committed record once, in order, none aborted",
                     "read_uncommitted consumer: every record sent"):
            result(name, False, "not run: the transactional producer failed")
        return
    result(op, True, f"{TXNS} transactions ({aborted} aborted), {records} records in {ms} ms")

    got, error = read_all(bootstrap, topic, "read_committed", PARTITIONS)
    why = error or compare(committed, got)
    result("read_committed consumer: every committed record once, in order, none aborted", why is None,
           why or f"{sum(len(v) for v in got.values())} committed records")
    got, error = read_all(bootstrap, topic, "read_uncommitted", PARTITIONS)
    why = error or compare(everything, got)
    result("read_uncommitted consumer: every record sent", why is None,
           why or f"{sum(len(v) for v in got.values())} records (committed and aborted) in send order")


def consume_transform_produce(bootstrap, run):
    src, dst, group = f"python-ctp-in-{run}", f"python-ctp-out-{run}", f"python-ctp-{run}"
    op = "consume-transform-produce: send_offsets_to_transaction, every 4th aborted and retried"
    want = {}
    try:
        admin = create_topics(bootstrap, src, dst)
        plain = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 20000})
        for i in range(CTP_INPUT):
            plain.produce(src, value=f"in-{i}", partition=i % PARTITIONS)
            want.setdefault(i % PARTITIONS, []).append(f"OUT-{i}")
        if plain.flush(TIMEOUT_S):
            raise RuntimeError("input not delivered")
    except Exception as e:
        result(op, False, f"setup: {describe(e)}")
        return
    t0 = time.monotonic()
    txns = aborts = consumed = 0
    error = None
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        producer = txn_producer(bootstrap, f"python-ctp-{run}")
        producer.init_transactions(TIMEOUT_S)
        consumer.subscribe([src])
        deadline = time.time() + 60
        while consumed < CTP_INPUT:
            if time.time() > deadline:
                error = f"consumed {consumed} of {CTP_INPUT} in 60 s"
                break
            msgs = consumer.consume(num_messages=20, timeout=0.2)
            msgs = [m for m in msgs if m.error() is None]
            if not msgs:
                continue
            abort = txns % 4 == 3
            txns += 1
            producer.begin_transaction()
            first, nxt = {}, {}
            for m in msgs:
                producer.produce(dst, key="aborted" if abort else "kept", value=f"OUT-{m.value().decode()[3:]}",
                                 partition=m.partition())
                first.setdefault(m.partition(), m.offset())
                nxt[m.partition()] = m.offset() + 1
            producer.send_offsets_to_transaction([TopicPartition(src, p, o) for p, o in nxt.items()],
                                                 consumer.consumer_group_metadata(), TIMEOUT_S)
            if abort:
                producer.flush(TIMEOUT_S)  # on the broker, so there is something to abort
                producer.abort_transaction(TIMEOUT_S)
                aborts += 1
                for p, o in first.items():
                    consumer.seek(TopicPartition(src, p, o))
            else:
                producer.commit_transaction(TIMEOUT_S)
                consumed += len(msgs)
    except Exception as e:
        error = describe(e)
    ms = int((time.monotonic() - t0) * 1000)
    committed_offsets = None
    try:
        committed_offsets = {tp.partition: tp.offset for tp in
                             consumer.committed([TopicPartition(src, p) for p in range(PARTITIONS)], timeout=10)}
    except Exception as e:
        log(f"committed(): {describe(e)}")
    consumer.close()
    if error:
        result(op, False, f"{error} (after {txns} transactions, {ms} ms)")
        result("consume-transform-produce: output read_committed, exactly once", False, "not run: the loop failed")
        result("consume-transform-produce: group offsets = input end offsets", False, "not run: the loop failed")
        return
    result(op, True, f"{CTP_INPUT} records in {txns} transactions ({aborts} aborted) in {ms} ms")

    got, error = read_all(bootstrap, dst, "read_committed", PARTITIONS)
    why = error
    if why is None:
        leaked = [(p, o, v) for p, recs in got.items() for o, k, v in recs if k != "kept"]
        if leaked:
            why = f"records of aborted transactions: {leaked[:3]}"
        else:
            why = compare(want, {p: [(o, v, v) for o, _, v in recs] for p, recs in got.items()})
    result("consume-transform-produce: output read_committed, exactly once", why is None,
           why or f"{CTP_INPUT} transformed records, in order per partition, none from aborted attempts")
    ends = {p: len(want[p]) for p in range(PARTITIONS)}
    result("consume-transform-produce: group offsets = input end offsets", committed_offsets == ends,
           f"committed {committed_offsets}, end {ends}")


def main():
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("INTEROP_BOOTSTRAP")
    if not bootstrap:
        print("usage: test_txn.py host:port (or INTEROP_BOOTSTRAP)", file=sys.stderr)
        return 2
    import confluent_kafka
    log(f"confluent-kafka {confluent_kafka.version()[0]}, librdkafka {confluent_kafka.libversion()[0]}, broker {bootstrap}")
    run = f"{int(time.time() * 1000)}-{random.randrange(1 << 30)}"
    interleaved(bootstrap, run)
    consume_transform_produce(bootstrap, run)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
