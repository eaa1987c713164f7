// Interop (Java client, transactions): kafka-clients 4.x (the jars of test/interop/kafka-dist.sh)
// against a broker. Run as a single-file program, no build step:
//
//   java -cp "$(test/interop/kafka-dist.sh)" test/interop/java/TxnProduceConsume.java <host:port>
//
// 1. A transactional KafkaProducer runs TXNS transactions over a 3-partition topic, each of 1-20
//    records spread over the partitions; every 3rd one is flushed to the broker, then aborted. A
//    record's key names its transaction, whether it should commit and its index ("t0042-C-07").
// 2. A read_committed KafkaConsumer (assign + seekToBeginning, read up to the end offsets, which
//    read_committed gives as the last stable offset) must see every committed record exactly once,
//    in send order per partition, and no aborted record.
// 3. A read_uncommitted KafkaConsumer sees every record sent, aborted ones included, in send
//    order per partition (the control records themselves are never returned).
// 4. Each partition's log end offset is its records plus one transaction marker for every
//    transaction that wrote to it (Kafka writes one control batch per partition per transaction).
// 5. An open transaction: with 3 plain records, then 5 in a transaction left open, then 2 plain
//    ones on a partition, read_committed's end offset (the LSO) is 3 while read_uncommitted's is
//    10; a read_committed consumer gets the first 3 only, and all 10 in offset order once it commits.
// 6. An abandoned transaction (transaction.timeout.ms 2000, records flushed, the producer closed
//    without ending it): the coordinator aborts it on its own, the LSO moves past its marker, and
//    read_committed sees only the plain record written after it.
// 7. Zombie fencing: a second producer with the same transactional.id calls initTransactions while
//    the first has records on the broker in an open transaction; the second commits its own, the
//    first's commitTransaction must throw ProducerFencedException, and read_committed must show
//    only the second's records.
// 8. Consume-transform-produce: a consumer in a group (read_committed, no auto-commit) reads an
//    input topic MAX_POLL records at a time; each poll's output goes to an output topic (same
//    partition as its input) in one transaction with sendOffsetsToTransaction(); every 4th
//    transaction is aborted and the consumer seeks back, so the retry must replace it. The output
//    read read_committed must be each input record transformed exactly once, in order per
//    partition, and the group's committed offsets must be the input's end offsets.
// 9. Two transactional producers at full speed at once (CONC_TXNS transactions of CONC_RECORDS
//    records of 1 KB each, filled batches, 5 requests in flight): every transaction commits, and
//    read_committed returns each producer's records exactly once, in its send order per partition.
//    Under transaction version 2 each transaction's first produce waits for the coordinator while
//    the next requests arrive; Bunka once kept such a request's batches as views of a receive
//    buffer that later reads overwrote (OutOfOrderSequenceException within a few transactions).
//
// Only timeouts differ from the defaults (seconds instead of minutes, so a broker that does not
// answer fails the case quickly). Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines;
// exit status 1 if anything failed.

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxnProduceConsume {
    static final int TXNS = 200;
    static final int PARTITIONS = 3;
    static final int CTP_INPUT = 600;   // consume-transform-produce input records
    static final int MAX_POLL = 20;
    static final int CONC_TXNS = 15, CONC_RECORDS = 1000, CONC_PARTITIONS = 8;
    static int failed = 0, passed = 0;
    static String bootstrap;
    static final String run = System.currentTimeMillis() + "-" + (int) (Math.random() * 1e6);

    static void result(String op, boolean ok, String detail) {
        if (ok) passed++; else failed++;
        detail = detail.replace('\t', ' ').replace('\n', ' ');
        if (detail.length() > 400) detail = detail.substring(0, 400);
        System.out.println("INTEROP\t" + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail);
        System.out.flush();
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0) sb.append(" <- ");
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            if (t.getCause() == t) break;
        }
        return sb.toString();
    }

    static Properties producerProps(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20000);
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30000);
        }
        return p;
    }

    static Properties consumerProps(String isolation, String group) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        if (group != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL);
        }
        return c;
    }

    static void createTopics(String... names) throws Exception {
        createTopicsWith(PARTITIONS, names);
    }

    static void createTopicsWith(int partitions, String... names) throws Exception {
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(ap)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) topics.add(new NewTopic(n, partitions, (short) 1));
            admin.createTopics(topics).all().get(20, TimeUnit.SECONDS);
        }
    }

    /** What a consumer read from one topic: partition -> [offset, key, value] in read order. */
    record Read(Map<Integer, List<String[]>> byPartition, Map<Integer, Long> endOffsets, String error) {}

    /** Reads every partition from the beginning up to its end offset (the LSO under read_committed). */
    static Read readAll(String topic, String isolation, long deadlineMs) {
        return readAll(topic, PARTITIONS, isolation, deadlineMs);
    }

    static Read readAll(String topic, int partitions, String isolation, long deadlineMs) {
        Map<Integer, List<String[]>> got = new TreeMap<>();
        Map<Integer, Long> ends = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(isolation, null))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) { tps.add(new TopicPartition(topic, p)); got.put(p, new ArrayList<>()); }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            consumer.endOffsets(tps).forEach((tp, o) -> ends.put(tp.partition(), o));
            long deadline = System.currentTimeMillis() + deadlineMs;
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps) if (consumer.position(tp) < ends.get(tp.partition())) done = false;
                if (done) break;
                if (System.currentTimeMillis() > deadline) {
                    StringBuilder pos = new StringBuilder();
                    for (TopicPartition tp : tps) pos.append(" p").append(tp.partition()).append(' ').append(consumer.position(tp)).append('/').append(ends.get(tp.partition()));
                    return new Read(got, ends, isolation + " consumer did not reach the end offsets in " + deadlineMs + " ms:" + pos);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    got.get(r.partition()).add(new String[] {Long.toString(r.offset()), r.key(), r.value()});
                }
            }
        } catch (Exception e) {
            return new Read(got, ends, describe(e));
        }
        return new Read(got, ends, null);
    }

    /** Compares what was read with what was expected, per partition: the first difference, or null. */
    static String compare(Map<Integer, List<String>> want, Read read) {
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> w = want.getOrDefault(p, List.of());
            List<String[]> g = read.byPartition().getOrDefault(p, List.of());
            long lastOffset = -1;
            for (int i = 0; i < Math.max(w.size(), g.size()); i++) {
                String wk = i < w.size() ? w.get(i) : "(nothing)";
                String gk = i < g.size() ? g.get(i)[1] : "(nothing)";
                if (!wk.equals(gk)) {
                    return "partition " + p + ", record #" + i + (i < g.size() ? " at offset " + g.get(i)[0] : "")
                        + ": read " + gk + ", expected " + wk + " (read " + g.size() + ", expected " + w.size() + ")";
                }
                long o = Long.parseLong(g.get(i)[0]);
                if (o <= lastOffset) return "partition " + p + ": offset " + o + " after " + lastOffset;
                lastOffset = o;
            }
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        bootstrap = args.length > 0 ? args[0] : System.getenv("INTEROP_BOOTSTRAP");
        if (bootstrap == null) { System.err.println("usage: TxnProduceConsume.java host:port"); System.exit(2); }
        interleaved();
        openTransaction();
        abandoned();
        fencing();
        consumeTransformProduce();
        concurrentProducers();
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    // --- 9: two transactional producers at full speed, concurrently ------------------------------
    static void concurrentProducers() {
        String topic = "java-txn-conc-" + run;
        String op = "two transactional producers at once: " + CONC_TXNS + " transactions of " + CONC_RECORDS + " records each";
        try {
            createTopicsWith(CONC_PARTITIONS, topic);
        } catch (Exception e) {
            result("admin createTopics (" + topic + ")", false, describe(e));
            return;
        }
        String value = "v".repeat(1000);
        List<Map<Integer, List<String>>> sent = new ArrayList<>();
        String[] errors = new String[2];
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int k = 0; k < 2; k++) {
            Map<Integer, List<String>> mine = new TreeMap<>();
            sent.add(mine);
            final int producerIndex = k;
            Thread th = new Thread(() -> {
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps("java-txn-conc-" + producerIndex + "-" + run))) {
                    producer.initTransactions();
                    for (int t = 0; t < CONC_TXNS; t++) {
                        producer.beginTransaction();
                        for (int i = 0; i < CONC_RECORDS; i++) {
                            int p = (i / 15) % CONC_PARTITIONS; // about one full 16 KB batch per partition in turn: requests over 64 KB
                            String key = String.format("c%d-t%03d-%04d", producerIndex, t, i);
                            producer.send(new ProducerRecord<>(topic, p, key, value));
                            mine.computeIfAbsent(p, x -> new ArrayList<>()).add(key);
                        }
                        producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
                        producer.commitTransaction();
                    }
                } catch (Exception e) {
                    errors[producerIndex] = describe(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            try { th.join(120_000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            if (th.isAlive()) errors[threads.indexOf(th)] = "still running after 120 s";
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String error = errors[0] != null ? "producer 0: " + errors[0] : errors[1] != null ? "producer 1: " + errors[1] : null;
        result(op, error == null, error == null ? 2 * CONC_TXNS + " transactions committed in " + ms + " ms" : error + " after " + ms + " ms");
        if (error != null) return;
        Read rc = readAll(topic, CONC_PARTITIONS, "read_committed", 30000);
        String why = rc.error();
        int total = 0;
        for (int p = 0; p < CONC_PARTITIONS && why == null; p++) {
            List<String[]> got = rc.byPartition().getOrDefault(p, List.of());
            total += got.size();
            for (int k = 0; k < 2 && why == null; k++) {
                String prefix = "c" + k + "-";
                List<String> mineRead = new ArrayList<>();
                for (String[] r : got) if (r[1] != null && r[1].startsWith(prefix)) mineRead.add(r[1]);
                List<String> want = sent.get(k).getOrDefault(p, List.of());
                if (!mineRead.equals(want)) {
                    int i = 0;
                    while (i < Math.min(want.size(), mineRead.size()) && want.get(i).equals(mineRead.get(i))) i++;
                    why = "partition " + p + ", producer " + k + ": read " + mineRead.size() + " records, expected " + want.size()
                        + "; first difference at #" + i + ": read " + (i < mineRead.size() ? mineRead.get(i) : "(nothing)")
                        + ", expected " + (i < want.size() ? want.get(i) : "(nothing)");
                }
            }
        }
        if (why == null && total != 2 * CONC_TXNS * CONC_RECORDS) why = "read " + total + " records, expected " + 2 * CONC_TXNS * CONC_RECORDS;
        result("read_committed: each concurrent producer's records exactly once, in order", why == null,
            why == null ? total + " records" : why);
    }

    // --- 1-4: committed and aborted transactions, read back both ways ---------------------------
    static void interleaved() {
        String topic = "java-txn-" + run;
        String op = "transactional producer: " + TXNS + " transactions, every 3rd aborted";
        try {
            createTopics(topic);
        } catch (Exception e) {
            result("admin createTopics", false, describe(e));
            return;
        }
        Map<Integer, List<String>> committed = new TreeMap<>(), all = new TreeMap<>();
        Map<Integer, Integer> txnsPerPartition = new TreeMap<>();
        int records = 0, aborted = 0;
        long t0 = System.nanoTime();
        String error = null;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps("java-txn-" + run))) {
            producer.initTransactions();
            long deadline = System.currentTimeMillis() + 90_000;
            for (int t = 0; t < TXNS; t++) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("only " + t + " of " + TXNS + " transactions in 90 s");
                boolean commit = t % 3 != 2;
                int n = 1 + (t * 7) % 20;
                producer.beginTransaction();
                boolean[] touched = new boolean[PARTITIONS];
                for (int i = 0; i < n; i++) {
                    int p = (t + i) % PARTITIONS;
                    String key = String.format("t%04d-%s-%02d", t, commit ? "C" : "A", i);
                    producer.send(new ProducerRecord<>(topic, p, key, key + ":" + "v".repeat(i * 3)));
                    all.computeIfAbsent(p, k -> new ArrayList<>()).add(key);
                    if (commit) committed.computeIfAbsent(p, k -> new ArrayList<>()).add(key);
                    touched[p] = true;
                }
                if (commit) {
                    // The flush changes nothing on the wire (the client sends EndTxn only once the
                    // records are acknowledged either way); it closes a race in the Java client
                    // that otherwise fails about one run in 15 here: EndTxn sent before the
                    // records, INVALID_TXN_STATE from Kafka as from Bunka (java/client-race/).
                    producer.flush();
                    producer.commitTransaction();
                } else {
                    // Without the flush the client drops the records it has not sent yet
                    // (RecordAccumulator.abortUndrainedBatches) and the broker never sees them.
                    producer.flush();
                    producer.abortTransaction();
                    aborted++;
                }
                for (int p = 0; p < PARTITIONS; p++) if (touched[p]) txnsPerPartition.merge(p, 1, Integer::sum);
                records += n;
            }
        } catch (Exception e) {
            error = describe(e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (error != null) {
            result(op, false, error + " after " + ms + " ms");
            String skip = "not run: the transactional producer failed";
            result("read_committed consumer: every committed record once, in order, none aborted", false, skip);
            result("read_uncommitted consumer: every record sent", false, skip);
            result("log end offsets: records + one marker per transaction and partition", false, skip);
            return;
        }
        result(op, true, TXNS + " transactions (" + aborted + " aborted), " + records + " records in " + ms + " ms");

        Read rc = readAll(topic, "read_committed", 20000);
        String why = rc.error() != null ? rc.error() : compare(committed, rc);
        int rcCount = rc.byPartition().values().stream().mapToInt(List::size).sum();
        result("read_committed consumer: every committed record once, in order, none aborted", why == null,
            why == null ? rcCount + " committed records, end offsets " + rc.endOffsets().values() : why);

        Read ru = readAll(topic, "read_uncommitted", 20000);
        why = ru.error() != null ? ru.error() : compare(all, ru);
        int ruCount = ru.byPartition().values().stream().mapToInt(List::size).sum();
        result("read_uncommitted consumer: every record sent", why == null,
            why == null ? ruCount + " records (committed and aborted) in send order" : why);

        StringBuilder detail = new StringBuilder();
        boolean ok = ru.error() == null;
        for (int p = 0; p < PARTITIONS; p++) {
            long want = all.getOrDefault(p, List.of()).size() + txnsPerPartition.getOrDefault(p, 0);
            long got = ru.endOffsets().getOrDefault(p, -1L);
            ok &= want == got;
            detail.append(" p").append(p).append(' ').append(got).append(want == got ? "" : " (expected " + want + ")");
        }
        result("log end offsets: records + one marker per transaction and partition", ok, detail.toString().trim());
    }

    // --- 5: the last stable offset holds read_committed back while a transaction is open -------
    static void openTransaction() {
        String topic = "java-txn-lso-" + run;
        String op = "open transaction: read_committed stops at the LSO until the commit";
        try {
            createTopics(topic);
        } catch (Exception e) {
            result(op, false, "createTopics: " + describe(e));
            return;
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> problems = new ArrayList<>();
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProps(null));
             KafkaProducer<String, String> txn = new KafkaProducer<>(producerProps("java-txn-lso-" + run));
             KafkaConsumer<String, String> committed = new KafkaConsumer<>(consumerProps("read_committed", null));
             KafkaConsumer<String, String> uncommitted = new KafkaConsumer<>(consumerProps("read_uncommitted", null))) {
            for (int i = 0; i < 3; i++) plain.send(new ProducerRecord<>(topic, 0, "before", "before-" + i)).get(15, TimeUnit.SECONDS);
            txn.initTransactions();
            txn.beginTransaction();
            for (int i = 0; i < 5; i++) txn.send(new ProducerRecord<>(topic, 0, "open", "open-" + i));
            txn.flush();   // offsets 3-7, in a transaction that is still open
            for (int i = 0; i < 2; i++) plain.send(new ProducerRecord<>(topic, 0, "after", "after-" + i)).get(15, TimeUnit.SECONDS);
            long lso = committed.endOffsets(List.of(tp)).get(tp), hw = uncommitted.endOffsets(List.of(tp)).get(tp);
            if (lso != 3 || hw != 10) problems.add("end offsets while open: read_committed " + lso + " (want 3, the open transaction's first offset), read_uncommitted " + hw + " (want 10)");
            committed.assign(List.of(tp));
            committed.seekToBeginning(List.of(tp));
            List<String> seen = new ArrayList<>();
            long until = System.currentTimeMillis() + 1500;
            while (System.currentTimeMillis() < until) for (ConsumerRecord<String, String> r : committed.poll(Duration.ofMillis(100))) seen.add(r.value());
            if (!seen.equals(List.of("before-0", "before-1", "before-2"))) problems.add("read_committed while open: " + seen);
            txn.commitTransaction();
            until = System.currentTimeMillis() + 10000;
            while (seen.size() < 10 && System.currentTimeMillis() < until) for (ConsumerRecord<String, String> r : committed.poll(Duration.ofMillis(100))) seen.add(r.value());
            List<String> want = List.of("before-0", "before-1", "before-2", "open-0", "open-1", "open-2", "open-3", "open-4", "after-0", "after-1");
            if (!seen.equals(want)) problems.add("read_committed after the commit: " + seen);
        } catch (Exception e) {
            problems.add(describe(e));
        }
        result(op, problems.isEmpty(), problems.isEmpty()
            ? "LSO 3 and high watermark 10 while open; 3 records, then all 10 in offset order after the commit"
            : String.join("; ", problems));
    }

    // --- 6: an abandoned transaction is aborted by the coordinator when it times out -----------
    static void abandoned() {
        String topic = "java-txn-timeout-" + run;
        String op = "abandoned transaction: the coordinator aborts it after transaction.timeout.ms";
        try {
            createTopics(topic);
        } catch (Exception e) {
            result(op, false, "createTopics: " + describe(e));
            return;
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> problems = new ArrayList<>();
        long ms = -1;
        Properties tp2 = producerProps("java-txn-timeout-" + run);
        tp2.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2000);
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(producerProps(null));
             KafkaConsumer<String, String> committed = new KafkaConsumer<>(consumerProps("read_committed", null))) {
            KafkaProducer<String, String> txn = new KafkaProducer<>(tp2);
            txn.initTransactions();
            txn.beginTransaction();
            for (int i = 0; i < 3; i++) txn.send(new ProducerRecord<>(topic, 0, "abandoned", "abandoned-" + i));
            txn.flush();
            txn.close(Duration.ZERO);   // no EndTxn: only the coordinator's timeout can end it
            long t0 = System.nanoTime();
            plain.send(new ProducerRecord<>(topic, 0, "plain", "plain-0")).get(15, TimeUnit.SECONDS);
            // 3 records, the plain one, then the abort marker: the LSO reaches 5 once it is aborted.
            long lso = -1, deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                lso = committed.endOffsets(List.of(tp)).get(tp);
                if (lso >= 5) break;
                Thread.sleep(100);
            }
            ms = (System.nanoTime() - t0) / 1_000_000;
            if (lso != 5) problems.add("LSO " + lso + " after " + ms + " ms (want 5: the transaction aborted, its marker written)");
            committed.assign(List.of(tp));
            committed.seekToBeginning(List.of(tp));
            List<String> seen = new ArrayList<>();
            long until = System.currentTimeMillis() + 5000;
            while (committed.position(tp) < lso && System.currentTimeMillis() < until)
                for (ConsumerRecord<String, String> r : committed.poll(Duration.ofMillis(100))) seen.add(r.value());
            if (!seen.equals(List.of("plain-0"))) problems.add("read_committed: " + seen + " (want [plain-0])");
        } catch (Exception e) {
            problems.add(describe(e));
        }
        result(op, problems.isEmpty(), problems.isEmpty()
            ? "aborted (LSO 5) " + ms + " ms after the producer went away (transaction.timeout.ms 2000); read_committed sees only the plain record"
            : String.join("; ", problems));
    }

    // --- 7: a second producer with the same transactional.id fences the first -----------------
    static void fencing() {
        String topic = "java-txn-fence-" + run, txnId = "java-txn-fence-" + run;
        String op = "zombie fencing: a new producer with the same transactional.id aborts the old one's transaction";
        try {
            createTopics(topic);
        } catch (Exception e) {
            result(op, false, "createTopics: " + describe(e));
            return;
        }
        String outcome;
        boolean fenced = false, secondCommitted = false;
        try (KafkaProducer<String, String> zombie = new KafkaProducer<>(producerProps(txnId))) {
            zombie.initTransactions();
            zombie.beginTransaction();
            for (int p = 0; p < PARTITIONS; p++) zombie.send(new ProducerRecord<>(topic, p, "zombie", "zombie-" + p));
            zombie.flush();   // on the broker, in an open transaction
            try (KafkaProducer<String, String> successor = new KafkaProducer<>(producerProps(txnId))) {
                successor.initTransactions();   // bumps the epoch and aborts the zombie's open transaction
                successor.beginTransaction();
                for (int p = 0; p < PARTITIONS; p++) successor.send(new ProducerRecord<>(topic, p, "successor", "successor-" + p));
                successor.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
                successor.commitTransaction();
                secondCommitted = true;
            }
            try {
                zombie.commitTransaction();
                outcome = "the fenced producer's commitTransaction returned";
            } catch (Exception e) {
                fenced = e instanceof org.apache.kafka.common.errors.ProducerFencedException;
                outcome = "the old producer's commit: " + e.getClass().getSimpleName();
            }
        } catch (Exception e) {
            outcome = describe(e);
        }
        Read r = readAll(topic, "read_committed", 20000);
        List<String> keys = new ArrayList<>();
        r.byPartition().values().forEach(l -> l.forEach(rec -> keys.add(rec[1])));
        boolean onlySuccessor = r.error() == null && keys.equals(java.util.Collections.nCopies(PARTITIONS, "successor"));
        result(op, fenced && secondCommitted && onlySuccessor,
            outcome + "; read_committed: " + (r.error() != null ? r.error() : keys));
    }

    // --- 8: consume-transform-produce with sendOffsetsToTransaction ---------------------------
    static void consumeTransformProduce() {
        String in = "java-ctp-in-" + run, out = "java-ctp-out-" + run, group = "java-ctp-" + run;
        String op = "consume-transform-produce: sendOffsetsToTransaction, every 4th aborted and retried";
        Map<Integer, List<String>> want = new TreeMap<>();
        try {
            createTopics(in, out);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(null))) {
                for (int i = 0; i < CTP_INPUT; i++) {
                    int part = i % PARTITIONS;
                    String v = "in-" + i;
                    p.send(new ProducerRecord<>(in, part, null, v));
                    want.computeIfAbsent(part, k -> new ArrayList<>()).add("OUT-" + i);
                }
                p.flush();
            }
        } catch (Exception e) {
            result(op, false, "setup: " + describe(e));
            return;
        }
        long t0 = System.nanoTime();
        int txns = 0, aborts = 0, consumed = 0;
        String error = null;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps("read_committed", group));
             KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps("java-ctp-" + run))) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            long deadline = System.currentTimeMillis() + 60000;
            while (consumed < CTP_INPUT) {
                if (System.currentTimeMillis() > deadline) { error = "consumed " + consumed + " of " + CTP_INPUT + " in 60 s"; break; }
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) continue;
                boolean abort = txns % 4 == 3;
                txns++;
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                Map<TopicPartition, Long> first = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    // The key says whether this attempt is the aborted one, so a leak shows in the output.
                    producer.send(new ProducerRecord<>(out, r.partition(), abort ? "aborted" : "kept",
                        "OUT-" + r.value().substring(3)));
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    first.putIfAbsent(tp, r.offset());
                    next.put(tp, new OffsetAndMetadata(r.offset() + 1));
                }
                producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
                if (abort) {
                    producer.flush();   // on the broker, so there is something to abort
                    producer.abortTransaction();
                    aborts++;
                    first.forEach(consumer::seek);
                } else {
                    producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
                    producer.commitTransaction();
                    consumed += records.count();
                }
            }
        } catch (Exception e) {
            error = describe(e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (error != null) {
            result(op, false, error + " (after " + txns + " transactions, " + ms + " ms)");
            result("consume-transform-produce: output read_committed, exactly once", false, "not run: the loop failed");
            result("consume-transform-produce: group offsets = input end offsets", false, "not run: the loop failed");
            return;
        }
        result(op, true, CTP_INPUT + " records in " + txns + " transactions (" + aborts + " aborted) in " + ms + " ms");

        Read r = readAll(out, "read_committed", 20000);
        String why = r.error();
        if (why == null) {
            // compare() checks keys; here the values carry the identity and the key must be "kept".
            Map<Integer, List<String[]>> asValues = new TreeMap<>();
            for (var e : r.byPartition().entrySet()) {
                List<String[]> l = new ArrayList<>();
                for (String[] rec : e.getValue()) {
                    if (!"kept".equals(rec[1])) { why = "partition " + e.getKey() + " offset " + rec[0] + ": a record of an aborted transaction (" + rec[2] + ")"; break; }
                    l.add(new String[] {rec[0], rec[2], rec[2]});
                }
                asValues.put(e.getKey(), l);
            }
            if (why == null) why = compare(want, new Read(asValues, r.endOffsets(), null));
        }
        result("consume-transform-produce: output read_committed, exactly once", why == null,
            why == null ? CTP_INPUT + " transformed records, in order per partition, none from aborted attempts" : why);

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(ap)) {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
            StringBuilder detail = new StringBuilder();
            boolean ok = true;
            for (int p = 0; p < PARTITIONS; p++) {
                OffsetAndMetadata o = offsets.get(new TopicPartition(in, p));
                long wantOffset = want.get(p).size();
                ok &= o != null && o.offset() == wantOffset;
                detail.append(" p").append(p).append(' ').append(o == null ? "none" : o.offset()).append('/').append(wantOffset);
            }
            result("consume-transform-produce: group offsets = input end offsets", ok, "committed/end:" + detail);
        } catch (Exception e) {
            result("consume-transform-produce: group offsets = input end offsets", false, describe(e));
        }
    }
}
