// Interop (Java client, transactions across broker crashes), the two halves of txn-crash.sh, which
// kill -9s and restarts the broker while the first half runs. Single-file program, no build step:
//
//   java -cp <kafka jars> TxnCrash.java produce <host:port> <topic> <stop-file> <ledger-file>
//   java -cp <kafka jars> TxnCrash.java check   <host:port> <topic> <ledger-file>
//
// produce: creates the 3-partition topic, then runs transactions until <stop-file> exists (at most
//   MAX_SECONDS): transaction t has 1 + t % 10 records with keys "t<t>-<i>" spread over the
//   partitions; every 3rd is flushed and aborted, the others committed. Each transaction's outcome is appended to the ledger as the
//   client saw it: "committed" (commitTransaction returned), "aborted" (abortTransaction returned),
//   "not-committed" (failed before commitTransaction was called: it can never commit) or "unknown"
//   (commitTransaction was called and threw: it may have committed). After a failure the producer
//   is closed and a new one with the same transactional.id calls initTransactions (retried while
//   the broker is down), which fences the old one and completes or aborts its transaction. At the
//   end one more initTransactions settles whatever the last producer left.
//
// check: reads the topic read_committed and read_uncommitted, waits until the last stable offset
//   reaches the log end offset (no transaction left open), and checks the Jepsen-style invariants:
//   no aborted read (no record of a transaction the ledger says aborted or not-committed), no lost
//   committed write (every record of every committed transaction), unknown outcomes all or
//   nothing, and per partition offsets increasing with records in transaction order and no record
//   twice (read_uncommitted too: a retried batch written twice would show).
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines (produce prints its progress to stderr
// and one INTEROP line); exit status 1 if anything failed.

import java.io.FileWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxnCrash {
    static final int PARTITIONS = 3;
    static final int MAX_SECONDS = 240;
    static int failed = 0, passed = 0;

    static void result(String op, boolean ok, String detail) {
        if (ok) passed++; else failed++;
        detail = detail.replace('\t', ' ').replace('\n', ' ');
        if (detail.length() > 400) detail = detail.substring(0, 400);
        System.out.println("INTEROP\t" + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail);
        System.out.flush();
    }

    static void log(String msg) {
        System.err.println("[TxnCrash " + java.time.LocalTime.now() + "] " + msg);
        System.err.flush();
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

    /** An error no retry will cure: the broker refuses transactions outright. */
    static boolean refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransactionalIdAuthorizationException || t instanceof ClusterAuthorizationException
                || t instanceof UnsupportedVersionException) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) { System.err.println("usage: TxnCrash.java produce|check host:port topic ..."); System.exit(2); }
        if (args[0].equals("produce")) produce(args[1], args[2], Path.of(args[3]), Path.of(args[4]));
        else check(args[1], args[2], Path.of(args[3]));
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    // --- produce -------------------------------------------------------------------------------

    static KafkaProducer<String, String> newProducer(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8000);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return new KafkaProducer<>(p);
    }

    /** A producer whose initTransactions succeeded, retried until the deadline while the broker is away. */
    static KafkaProducer<String, String> initialized(String bootstrap, String txnId, long deadline) {
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            KafkaProducer<String, String> producer = newProducer(bootstrap, txnId);
            try {
                producer.initTransactions();
                return producer;
            } catch (Exception e) {
                producer.close(Duration.ZERO);
                if (refusal(e)) throw new IllegalStateException("initTransactions refused: " + describe(e), e);
                last = e;
                log("initTransactions: " + describe(e) + "; retrying");
                try { Thread.sleep(300); } catch (InterruptedException ie) { break; }
            }
        }
        throw new IllegalStateException("initTransactions did not succeed before the deadline: " + (last == null ? "" : describe(last)));
    }

    static void produce(String bootstrap, String topic, Path stopFile, Path ledgerPath) throws Exception {
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
        String txnId = "txn-crash-" + topic;
        Map<String, Integer> outcomes = new TreeMap<>();
        int producers = 1;
        long t0 = System.currentTimeMillis(), end = t0 + MAX_SECONDS * 1000L;
        String fatal = null;
        try (PrintWriter ledger = new PrintWriter(new FileWriter(ledgerPath.toFile(), true), true)) {
            KafkaProducer<String, String> producer = null;
            try {
                producer = initialized(bootstrap, txnId, t0 + 20_000);
                for (int t = 0; System.currentTimeMillis() < end && !Files.exists(stopFile); t++) {
                    boolean commit = t % 3 != 2;
                    int n = 1 + t % 10;
                    boolean commitCalled = false, failedHere = false;
                    String outcome;
                    try {
                        producer.beginTransaction();
                        for (int i = 0; i < n; i++) {
                            String key = String.format("t%06d-%02d", t, i);
                            producer.send(new ProducerRecord<>(topic, (t + i) % PARTITIONS, key, key + (commit ? ":C" : ":A")));
                        }
                        if (commit) {
                            commitCalled = true;
                            // Closes a race in the Java client (EndTxn sent before the records:
                            // INVALID_TXN_STATE on Kafka as on Bunka; java/client-race/); the
                            // wire is the same with or without it.
                            producer.flush();
                            producer.commitTransaction();
                            outcome = "committed";
                        } else {
                            producer.flush();
                            producer.abortTransaction();
                            outcome = "aborted";
                        }
                    } catch (Exception e) {
                        outcome = commitCalled ? "unknown" : "not-committed";
                        failedHere = true;
                        if (refusal(e)) { ledger.println(t + "\t" + n + "\t" + outcome); throw e; }
                        log("transaction " + t + " (" + outcome + "): " + describe(e) + "; new producer");
                    }
                    ledger.println(t + "\t" + n + "\t" + outcome);
                    outcomes.merge(outcome, 1, Integer::sum);
                    if (failedHere) {
                        producer.close(Duration.ZERO);
                        producer = null;
                        producer = initialized(bootstrap, txnId, System.currentTimeMillis() + 60_000);
                        producers++;
                    }
                }
                // Settle the last transaction: a new producer's initTransactions completes or aborts it.
                producer.close(Duration.ofSeconds(5));
                producer = initialized(bootstrap, txnId, System.currentTimeMillis() + 60_000);
            } catch (Exception e) {
                fatal = describe(e);
            } finally {
                if (producer != null) producer.close(Duration.ofSeconds(5));
            }
        }
        long ms = System.currentTimeMillis() - t0;
        int total = outcomes.values().stream().mapToInt(Integer::intValue).sum();
        result("transactional producer through kill -9 restarts", fatal == null && outcomes.getOrDefault("committed", 0) > 0,
            (fatal != null ? fatal + "; " : "") + total + " transactions in " + ms + " ms " + outcomes + ", " + producers + " producer(s)");
    }

    // --- check ---------------------------------------------------------------------------------

    record Rec(long offset, int txn, int index, String value) {}

    /** Every record from the beginning up to the end offsets the consumer reports (LSO for read_committed). */
    static Map<Integer, List<Rec>> readAll(String bootstrap, String topic, String isolation, List<String> problems) {
        Map<Integer, List<Rec>> got = new TreeMap<>();
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) { tps.add(new TopicPartition(topic, p)); got.put(p, new ArrayList<>()); }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps) if (consumer.position(tp) < ends.get(tp)) done = false;
                if (done) break;
                if (System.currentTimeMillis() > deadline) { problems.add(isolation + ": did not reach the end offsets " + ends.values() + " in 30 s"); break; }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    String k = r.key();
                    int txn = -1, index = -1;
                    try { txn = Integer.parseInt(k.substring(1, 7)); index = Integer.parseInt(k.substring(8)); } catch (Exception e) { /* reported below */ }
                    got.get(r.partition()).add(new Rec(r.offset(), txn, index, r.value()));
                }
            }
        } catch (Exception e) {
            problems.add(isolation + ": " + describe(e));
        }
        return got;
    }

    /** Per partition: offsets increasing, (transaction, index) increasing, so no record twice and none out of order. */
    static String ordered(Map<Integer, List<Rec>> got) {
        for (var e : got.entrySet()) {
            Rec prev = null;
            for (Rec r : e.getValue()) {
                if (r.txn() < 0) return "p" + e.getKey() + "@" + r.offset() + ": a record this test did not write";
                if (prev != null && (r.offset() <= prev.offset() || r.txn() < prev.txn() || (r.txn() == prev.txn() && r.index() <= prev.index())))
                    return "p" + e.getKey() + "@" + r.offset() + ": t" + r.txn() + "-" + r.index() + " after t" + prev.txn() + "-" + prev.index() + "@" + prev.offset();
                prev = r;
            }
        }
        return null;
    }

    static void check(String bootstrap, String topic, Path ledgerPath) throws Exception {
        Map<Integer, String> outcome = new HashMap<>();
        Map<Integer, Integer> size = new HashMap<>();
        for (String line : Files.readAllLines(ledgerPath)) {
            String[] f = line.split("\t");
            if (f.length != 3) continue;
            outcome.put(Integer.parseInt(f[0]), f[2]);
            size.put(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        }
        if (outcome.isEmpty()) { result("ledger", false, "the producer recorded no transaction"); return; }

        // No transaction left open: the last stable offset must reach the log end offset.
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(topic, p));
        Map<TopicPartition, Long> lso = Map.of(), leo = Map.of();
        long t0 = System.currentTimeMillis(), deadline = t0 + 40_000;
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<String, String> u = new KafkaConsumer<>(c)) {
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, String> rc = new KafkaConsumer<>(c)) {
                while (System.currentTimeMillis() < deadline) {
                    leo = u.endOffsets(tps);
                    lso = rc.endOffsets(tps);
                    if (lso.equals(leo)) break;
                    Thread.sleep(250);
                }
            }
        } catch (Exception e) {
            result("last stable offset reaches the log end offset", false, describe(e));
            return;
        }
        result("last stable offset reaches the log end offset", lso.equals(leo),
            "LSO " + lso.values() + ", log end " + leo.values() + " after " + (System.currentTimeMillis() - t0) + " ms");

        List<String> problems = new ArrayList<>();
        Map<Integer, List<Rec>> committed = readAll(bootstrap, topic, "read_committed", problems);
        Map<Integer, List<Rec>> everything = readAll(bootstrap, topic, "read_uncommitted", problems);
        if (!problems.isEmpty()) { result("read the topic back", false, String.join("; ", problems)); return; }

        Map<Integer, Integer> seen = new TreeMap<>();
        for (List<Rec> l : committed.values()) for (Rec r : l) seen.merge(r.txn(), 1, Integer::sum);
        Map<String, Integer> byOutcome = new TreeMap<>();
        outcome.values().forEach(o -> byOutcome.merge(o, 1, Integer::sum));

        List<String> abortedRead = new ArrayList<>(), lost = new ArrayList<>(), partial = new ArrayList<>();
        int unknownCommitted = 0, unknownAborted = 0;
        for (var e : seen.entrySet()) {
            String o = outcome.getOrDefault(e.getKey(), "unknown (not in the ledger)");
            if (o.equals("aborted") || o.equals("not-committed")) abortedRead.add("t" + e.getKey() + " (" + o + ", " + e.getValue() + " records)");
        }
        for (var e : outcome.entrySet()) {
            int n = size.get(e.getKey()), s = seen.getOrDefault(e.getKey(), 0);
            if (e.getValue().equals("committed") && s != n) lost.add("t" + e.getKey() + " (" + s + " of " + n + ")");
            if (e.getValue().equals("unknown")) {
                if (s != 0 && s != n) partial.add("t" + e.getKey() + " (" + s + " of " + n + ")");
                else if (s == n) unknownCommitted++;
                else unknownAborted++;
            }
        }
        for (int t : seen.keySet()) if (!outcome.containsKey(t)) partial.add("t" + t + " not in the ledger");
        result("no aborted read (read_committed)", abortedRead.isEmpty(),
            abortedRead.isEmpty() ? "no record of the " + (byOutcome.getOrDefault("aborted", 0) + byOutcome.getOrDefault("not-committed", 0))
                + " aborted or never-committed transactions" : abortedRead.size() + " read: " + String.join(", ", abortedRead.subList(0, Math.min(5, abortedRead.size()))));
        result("no lost committed write", lost.isEmpty(),
            lost.isEmpty() ? "all " + byOutcome.getOrDefault("committed", 0) + " committed transactions complete"
                : lost.size() + " incomplete: " + String.join(", ", lost.subList(0, Math.min(5, lost.size()))));
        result("unknown outcomes all or nothing", partial.isEmpty(),
            partial.isEmpty() ? byOutcome.getOrDefault("unknown", 0) + " unknown: " + unknownCommitted + " committed, " + unknownAborted + " aborted"
                : String.join(", ", partial.subList(0, Math.min(5, partial.size()))));
        String why = ordered(committed);
        String whyAll = ordered(everything);
        int total = everything.values().stream().mapToInt(List::size).sum();
        result("offsets consistent: per partition in order, no record twice", why == null && whyAll == null,
            why != null ? "read_committed " + why : whyAll != null ? "read_uncommitted " + whyAll
                : seen.values().stream().mapToInt(Integer::intValue).sum() + " committed of " + total + " records in the log");
    }
}
