// Interop (Java client, consumer groups): two KafkaConsumers subscribe() to one group on a
// 4-partition topic and split it two partitions each; they consume 400 records with commitSync();
// they close (LeaveGroup) and two new members resume from the committed offsets with the next
// 200 records and nothing twice (auto.offset.reset=earliest would otherwise re-read everything);
// finally 20 records are left unconsumed, so kafka-consumer-groups --describe has a lag to show.
// Prints "INTEROP\t<operation>\tPASS|FAIL\t<detail>" lines, and "GROUP\t<id>" / "TOPIC\t<name>".
//
//   java -cp <kafka jars> GroupConsume.java <host:port>

import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

public class GroupConsume {
    static String bootstrap;
    static final String suffix = Long.toString(System.currentTimeMillis(), 36);
    static final String topic = "java-groups-" + suffix;
    static final String group = "java-group-" + suffix;
    static final int PARTITIONS = 4;

    static void result(String op, boolean pass, String detail) {
        System.out.println("INTEROP\t" + op + "\t" + (pass ? "PASS" : "FAIL") + "\t" + detail.replace('\t', ' ').replace('\n', ' '));
    }

    static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    static void produce(String tag, int perPartition) throws Exception {
        try (KafkaProducer<String, String> p = producer()) {
            for (int part = 0; part < PARTITIONS; part++)
                for (int i = 0; i < perPartition; i++)
                    p.send(new ProducerRecord<>(topic, part, null, tag + "-" + part + "-" + i)).get();
        }
    }

    /** A group member on its own thread: polls, records what it got, commitSync() after each poll. */
    static class Member implements Runnable {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final List<String> values = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile Set<TopicPartition> assignment = Set.of();
        volatile Throwable error;
        final Thread thread;

        Member(String name) {
            this.name = name;
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, "java-" + name);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(c);
            thread = new Thread(this, "member-" + name);
            thread.start();
        }

        public void run() {
            try {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    assignment = new HashSet<>(consumer.assignment());
                    for (ConsumerRecord<String, String> r : records) values.add(r.value());
                    if (!records.isEmpty()) consumer.commitSync();
                }
            } catch (Throwable t) {
                error = t;
            } finally {
                consumer.close(Duration.ofSeconds(10));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    static boolean waitFor(java.util.function.BooleanSupplier cond, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(100);
        }
        return true;
    }

    static Map<String, Integer> counts(Member... ms) {
        Map<String, Integer> c = new HashMap<>();
        for (Member m : ms) synchronized (m.values) { for (String v : m.values) c.merge(v, 1, Integer::sum); }
        return c;
    }

    static List<String> expected(String tag, int perPartition) {
        List<String> out = new ArrayList<>();
        for (int part = 0; part < PARTITIONS; part++) for (int i = 0; i < perPartition; i++) out.add(tag + "-" + part + "-" + i);
        return out;
    }

    public static void main(String[] args) throws Exception {
        bootstrap = args[0];
        System.out.println("GROUP\t" + group);
        System.out.println("TOPIC\t" + topic);
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(ap)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Without CreateTopics the producer's Metadata request creates it (num.partitions=4).
                System.err.println("createTopics failed (" + e + "); relying on auto-creation");
            }
        }
        produce("first", 100);

        Member a = new Member("a"), b = new Member("b");
        boolean balanced = waitFor(() -> a.assignment.size() == 2 && b.assignment.size() == 2, 60_000);
        result("subscribe: two members split 4 partitions 2/2", balanced, "a=" + a.assignment + " b=" + b.assignment);
        boolean all = waitFor(() -> counts(a, b).size() == 400, 60_000);
        Map<String, Integer> first = counts(a, b);
        boolean once = all && first.keySet().equals(new HashSet<>(expected("first", 100))) && first.values().stream().allMatch(n -> n == 1);
        result("400 records consumed once across the group (commitSync)", once, "distinct=" + first.size() + " a=" + a.values.size() + " b=" + b.values.size()
            + (a.error != null ? " a.error=" + a.error : "") + (b.error != null ? " b.error=" + b.error : ""));
        a.stop();
        b.stop();

        produce("second", 50);
        Member c = new Member("c"), d = new Member("d");
        boolean resumed = waitFor(() -> counts(c, d).size() >= 200, 60_000);
        Thread.sleep(1000);
        Map<String, Integer> second = counts(c, d);
        boolean ok = resumed && second.keySet().equals(new HashSet<>(expected("second", 50))) && second.values().stream().allMatch(n -> n == 1);
        result("restarted members resume from the committed offsets", ok, "got " + second.size() + " distinct (expected the 200 new ones)"
            + (second.keySet().stream().anyMatch(v -> v.startsWith("first")) ? "; re-read old records" : ""));
        c.stop();
        d.stop();

        try (Admin admin = Admin.create(ap)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            boolean at150 = committed.size() == PARTITIONS && committed.values().stream().allMatch(o -> o.offset() == 150);
            result("Admin listConsumerGroupOffsets", at150, committed.toString());
            ConsumerGroupDescription desc = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
            result("Admin describeConsumerGroups (empty after close)", desc.members().isEmpty(), "state=" + desc.groupState() + " members=" + desc.members().size());
        }
        produce("lag", 5);
        System.exit(0);
    }
}
