// Interop: the Java client (kafka-clients 4.x, the jars of test/interop/kafka-dist.sh) against a
// broker. Run as a single-file program, no build step:
//
//   java -cp "$(test/interop/kafka-dist.sh)" test/interop/java/ProduceConsume.java <host:port>
//
// 1. Admin creates a 3-partition topic; describeTopics shows 3 partitions with a leader.
// 2. A KafkaProducer with default settings (idempotent, acks=all in 4.x) sends N keyed records
//    with headers and explicit timestamps; every send must succeed, and the returned offsets
//    must be gap-free and in send order per partition.
// 3. A KafkaConsumer (no group.id) with assign() + seekToBeginning() reads them all back: each
//    at the offset its send returned, keys, values, headers and timestamps intact.
// 4. A transactional producer commits (Kafka) or is refused at once (Bunka, no transactions yet).
//
// Only timeouts differ from the defaults (seconds instead of minutes, so a broker that does not
// answer fails the case quickly). Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines and
// "TOPIC<TAB>name"; exit status 1 if anything failed.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class ProduceConsume {
    static final int N = 5000;
    static final int PARTITIONS = 3;
    static final int KEYS = 29;
    static int failed = 0, passed = 0;

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

    record Sent(String key, String value, long timestamp, String index) {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : System.getenv("INTEROP_BOOTSTRAP");
        if (bootstrap == null) { System.err.println("usage: ProduceConsume.java host:port"); System.exit(2); }
        String topic = "java-" + System.currentTimeMillis() + "-" + (int) (Math.random() * 1e6);
        System.out.println("TOPIC\t" + topic);

        // 1. Admin: create the topic.
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(20, TimeUnit.SECONDS);
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
            List<Integer> ids = new ArrayList<>();
            boolean leaders = true;
            for (TopicPartitionInfo p : d.partitions()) { ids.add(p.partition()); leaders &= p.leader() != null && p.leader().id() >= 0; }
            result("admin createTopics + describeTopics", ids.equals(List.of(0, 1, 2)) && leaders,
                "partitions " + ids + (leaders ? ", all with a leader" : ", some without a leader"));
        } catch (Exception e) {
            result("admin createTopics + describeTopics", false, describe(e));
        }

        // 2. Default producer (idempotent, acks=all).
        long base = System.currentTimeMillis() - 60_000;
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            sent.add(new Sent("key-" + (i % KEYS), "java:" + i + ":" + "j".repeat(i % 45), base + i, Integer.toString(i)));
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15000);
        pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20000);
        Map<Integer, List<long[]>> delivered = new TreeMap<>(); // partition -> [offset, index] in send order
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            for (Sent s : sent) {
                RecordHeaders h = new RecordHeaders();
                h.add("h-index", s.index().getBytes(StandardCharsets.UTF_8));
                h.add("h-client", "kafka-clients".getBytes(StandardCharsets.UTF_8));
                futures.add(producer.send(new ProducerRecord<>(topic, null, s.timestamp(), s.key(), s.value(), h)));
            }
            producer.flush();
            String firstError = null;
            int errors = 0;
            for (int i = 0; i < N; i++) {
                try {
                    RecordMetadata md = futures.get(i).get(30, TimeUnit.SECONDS);
                    delivered.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(new long[] {md.offset(), i});
                } catch (Exception e) {
                    errors++;
                    if (firstError == null) firstError = describe(e);
                }
            }
            String gaps = null;
            for (var e : delivered.entrySet()) {
                List<long[]> l = e.getValue();
                for (int j = 0; j < l.size(); j++) {
                    if (l.get(j)[0] != j) { gaps = "partition " + e.getKey() + ": offset " + l.get(j)[0] + " for its record #" + j; break; }
                }
            }
            StringBuilder counts = new StringBuilder();
            delivered.forEach((p, l) -> counts.append(" p").append(p).append('=').append(l.size()));
            result("KafkaProducer (defaults: idempotent, acks=all)", errors == 0 && gaps == null,
                errors == 0 && gaps == null ? N + " acknowledged:" + counts
                    : errors + " of " + N + " sends failed (" + firstError + ")" + (gaps != null ? "; " + gaps : ""));
        } catch (Exception e) {
            result("KafkaProducer (defaults: idempotent, acks=all)", false, describe(e));
        }

        // 3. Consumer by assignment, from the beginning.
        if (delivered.isEmpty()) {
            result("KafkaConsumer assign + seekToBeginning", false, "nothing was acknowledged to read back");
            System.exit(1);
        }
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        cp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        List<String> problems = new ArrayList<>();
        Map<Integer, List<long[]>> read = new TreeMap<>();
        int received = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (var info : consumer.partitionsFor(topic)) tps.add(new TopicPartition(topic, info.partition()));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.currentTimeMillis() + 20000;
            while (received < N && System.currentTimeMillis() < deadline && problems.size() < 5) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    received++;
                    String[] parts = r.value() == null ? new String[0] : r.value().split(":", 3);
                    int i;
                    try { i = Integer.parseInt(parts[1]); } catch (Exception e) { i = -1; }
                    if (parts.length != 3 || !parts[0].equals("java") || i < 0 || i >= N) {
                        problems.add("p" + r.partition() + "@" + r.offset() + ": unexpected value " + r.value());
                        continue;
                    }
                    Sent s = sent.get(i);
                    if (!s.value().equals(r.value())) problems.add("#" + i + ": value differs");
                    if (!s.key().equals(r.key())) problems.add("#" + i + ": key " + r.key() + ", expected " + s.key());
                    if (r.timestamp() != s.timestamp() || r.timestampType() != TimestampType.CREATE_TIME) {
                        problems.add("#" + i + ": timestamp " + r.timestamp() + " " + r.timestampType() + ", expected " + s.timestamp());
                    }
                    Map<String, String> hs = new HashMap<>();
                    int count = 0;
                    for (Header h : r.headers()) { count++; hs.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)); }
                    if (count != 2 || !s.index().equals(hs.get("h-index")) || !"kafka-clients".equals(hs.get("h-client"))) {
                        problems.add("#" + i + ": headers " + hs);
                    }
                    read.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(new long[] {r.offset(), i});
                }
            }
        } catch (Exception e) {
            problems.add(describe(e));
        }
        for (var e : delivered.entrySet()) {
            List<long[]> want = e.getValue(), got = read.getOrDefault(e.getKey(), List.of());
            boolean same = want.size() == got.size();
            for (int j = 0; same && j < want.size(); j++) same = want.get(j)[0] == got.get(j)[0] && want.get(j)[1] == got.get(j)[1];
            if (!same) problems.add("partition " + e.getKey() + ": read " + got.size() + " records, not the " + want.size() + " acknowledged, in order");
        }
        if (received != N) problems.add("received " + received + " of " + N);
        result("KafkaConsumer assign + seekToBeginning", problems.isEmpty(),
            problems.isEmpty() ? received + " records in order, keys/headers/timestamps intact" : String.join("; ", problems.subList(0, Math.min(3, problems.size()))));

        // 4. A transactional producer (default max.block.ms, 60 s) gets a definite answer at once:
        // a committed transaction where the broker has transactions (Kafka), or a fatal
        // TransactionalIdAuthorizationException (Bunka, until it has a transaction coordinator),
        // not a 60 s TimeoutException. 20 s leaves a wide margin on a loaded machine.
        Properties tp = new Properties();
        tp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        tp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        tp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        tp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "interop-java-" + topic);
        long t0 = System.nanoTime();
        String outcome;
        boolean definite;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(tp)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic + "-txn", "txn", "java:txn")); // not the checked topic
            producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
            producer.commitTransaction();
            outcome = "committed";
            definite = true;
        } catch (org.apache.kafka.common.errors.TransactionalIdAuthorizationException e) {
            outcome = "refused: " + describe(e);
            definite = true;
        } catch (Exception e) {
            outcome = describe(e);
            definite = false;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        result("transactional KafkaProducer: committed, or refused at once", definite && ms < 20_000, outcome + " after " + ms + " ms");
        System.exit(failed == 0 ? 0 : 1);
    }
}
