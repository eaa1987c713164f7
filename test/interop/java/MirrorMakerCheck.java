// Interop: MirrorMaker 2 between Bunka and Apache Kafka, one direction per run of this program,
// while a dedicated MirrorMaker (test/interop/mirror-maker.sh) replicates <source>-> <target>.
// Run as a single-file program, no build step:
//
//   java -cp "<kafka-dist.sh connect-classpath>" test/interop/java/MirrorMakerCheck.java \
//        <source alias> <source host:port> <target alias> <target host:port> <topic> <group>
//
// 1. Admin creates a 2-partition <topic> with retention.ms set (CreateTopics with configs) on the
//    source; N1 records are produced to it.
// 2. MirrorSourceConnector: the target gets <source alias>.<topic> with the N1 records and the
//    source topic's retention.ms (DescribeConfigs on the source, CreateTopics with configs on
//    the target).
// 3. A consumer in <group> on the source reads all N1 records and commits (OffsetCommit), then
//    leaves. MirrorCheckpointConnector: <source alias>.checkpoints.internal on the target carries
//    the group's translated offsets (read with RemoteClusterUtils.translateOffsets), and
//    sync.group.offsets writes them into the target's group (Admin.alterConsumerGroupOffsets):
//    both must be the offsets after the last of the N1 records on the target (its end offsets,
//    unless MirrorMaker's exactly-once mode wrote transaction markers after them). Records on
//    the target are read read_committed and counted, not taken from the end offsets.
// 4. The source topic's retention.ms changes (IncrementalAlterConfigs) and it grows to 3
//    partitions (CreatePartitions); MirrorSourceConnector follows on the target (its periodic
//    config sync: IncrementalAlterConfigs; CreatePartitions). The target's heartbeats show one
//    hop to the source (MirrorHeartbeatConnector, RemoteClusterUtils.replicationHops). N2 more records are produced on the
//    source and mirrored (N1 + N2 on the target).
// 5. A consumer in <group> on the target resumes: it must read exactly the N2 new records, none
//    of the first N1 again and none missed.
// Why the group consumes up to the end before it moves: MM2 translates an offset exactly only at
// an offset sync (OffsetSyncStore.translateDownstream: a sync at or before it, + 1), and keeps
// syncs sparse behind the latest, so a group stopped in the middle of old data may be moved a
// little back (re-reads, never a loss) on Kafka as on Bunka.
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines and "COUNT" lines; exit status 1 if
// anything failed.

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public class MirrorMakerCheck {
    static final int N1 = 300, N2 = 200, PARTITIONS = 2, GROWN = 3;
    static final String RETENTION_MS = "86400123", RETENTION_MS_2 = "172800456";
    static final long WAIT_MS = Long.getLong("mm2.wait.ms", 60_000);
    static int failed = 0, passed = 0;
    static String prefix = "";

    static void result(String op, boolean ok, String detail) {
        if (ok) passed++; else failed++;
        detail = detail.replace('\t', ' ').replace('\n', ' ');
        if (detail.length() > 400) detail = detail.substring(0, 400);
        System.out.println("INTEROP\t" + prefix + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail);
        System.out.flush();
    }

    static void count(String what) {
        System.out.println("COUNT\t" + prefix + what);
        System.out.flush();
    }

    interface Probe<T> { T get() throws Exception; }
    interface Done<T> { boolean test(T t); }

    // Polls until done (or the deadline); returns the last value seen.
    static <T> T waitFor(Probe<T> probe, Done<T> done) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        T last = null;
        while (true) {
            try { last = probe.get(); } catch (Exception e) { last = null; }
            if (last != null && done.test(last)) return last;
            if (System.currentTimeMillis() > deadline) return last;
            Thread.sleep(250);
        }
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        return Admin.create(p);
    }

    // Per-partition end offsets of topic, or null when it does not exist (yet).
    static Map<Integer, Long> endOffsets(Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) return null;
        var desc = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        for (var p : desc.partitions()) req.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        Map<Integer, Long> out = new TreeMap<>();
        for (var e : admin.listOffsets(req).all().get(10, TimeUnit.SECONDS).entrySet()) out.put(e.getKey().partition(), e.getValue().offset());
        return out;
    }

    static String retentionMs(Admin admin, String topic) throws Exception {
        var r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        var e = admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS).get(r).get("retention.ms");
        return e == null ? null : e.value() + " (" + e.source() + ")";
    }

    // Every record of topic read read_committed up to its last stable offsets: value -> {partition, offset}.
    // (MirrorMaker's exactly-once mode writes in transactions: markers take offsets on the target.)
    static Map<String, long[]> records(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, long[]> out = new HashMap<>();
        try (var c = new KafkaConsumer<String, String>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (var info : c.partitionsFor(topic, Duration.ofSeconds(10))) tps.add(new TopicPartition(topic, info.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            var end = c.endOffsets(tps, Duration.ofSeconds(10));
            long deadline = System.currentTimeMillis() + 15000;
            while (System.currentTimeMillis() < deadline) {
                boolean done = true;
                for (var tp : tps) if (c.position(tp, Duration.ofSeconds(10)) < end.get(tp)) done = false;
                if (done) break;
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200)))
                    if (out.put(r.value(), new long[] {r.partition(), r.offset()}) != null) out.put("twice:" + r.value(), null);
            }
        }
        return out;
    }

    // Per partition: the offset after the last record whose value is tag-i with i < n.
    static Map<Integer, Long> after(Map<String, long[]> recs, String tag, int n) {
        Map<Integer, Long> out = new TreeMap<>();
        for (var e : recs.entrySet()) {
            if (e.getValue() == null || !e.getKey().startsWith(tag + "-")) continue;
            if (Integer.parseInt(e.getKey().substring(tag.length() + 1)) >= n) continue;
            out.merge((int) e.getValue()[0], e.getValue()[1] + 1, Math::max);
        }
        return out;
    }

    static long sum(Map<Integer, Long> m) { return m == null ? -1 : m.values().stream().mapToLong(Long::longValue).sum(); }

    static Map<Integer, Long> byPartition(Map<TopicPartition, OffsetAndMetadata> m, String topic) {
        Map<Integer, Long> out = new TreeMap<>();
        if (m == null) return out;
        for (var e : m.entrySet()) if (e.getKey().topic().equals(topic) && e.getValue() != null) out.put(e.getKey().partition(), e.getValue().offset());
        return out;
    }

    static void produce(String bootstrap, String topic, String tag, int from, int to) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (var producer = new KafkaProducer<String, String>(p)) {
            for (int i = from; i < to; i++) producer.send(new ProducerRecord<>(topic, "k" + i, tag + "-" + i)).get(30, TimeUnit.SECONDS);
        }
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // earliest: a group whose offsets were not moved would read everything again (and fail).
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    // Reads until want records came (or the deadline), then one more second for any extra.
    static List<String> consume(KafkaConsumer<String, String> c, String topic, int want) {
        c.subscribe(List.of(topic));
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + WAIT_MS;
        long extraUntil = Long.MAX_VALUE;
        while (System.currentTimeMillis() < Math.min(deadline, extraUntil)) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
            if (values.size() >= want && extraUntil == Long.MAX_VALUE) extraUntil = System.currentTimeMillis() + 1000;
        }
        return values;
    }

    public static void main(String[] args) throws Exception {
        String srcAlias = args[0], srcBoot = args[1], dstAlias = args[2], dstBoot = args[3], topic = args[4], group = args[5];
        String remote = srcAlias + "." + topic;
        prefix = srcAlias + "->" + dstAlias + ": ";
        try (Admin src = admin(srcBoot); Admin dst = admin(dstBoot)) {
            src.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(Map.of("retention.ms", RETENTION_MS))))
                .all().get(15, TimeUnit.SECONDS);
            produce(srcBoot, topic, srcAlias, 0, N1);
            var srcEnd = endOffsets(src, topic);
            result("produce " + N1 + " to " + srcAlias + " " + topic, sum(srcEnd) == N1, "end offsets " + srcEnd);

            var copied = waitFor(() -> records(dstBoot, remote), m -> m.size() == N1);
            var dstEnd = after(copied, srcAlias, N1);
            result("mirrored to " + dstAlias + " " + remote, copied != null && copied.size() == N1,
                (copied == null ? "?" : copied.size()) + " records, up to offsets " + dstEnd + ", end offsets " + endOffsets(dst, remote));
            String srcRetention = retentionMs(src, topic), dstRetention = retentionMs(dst, remote);
            result("topic config mirrored", srcRetention.startsWith(RETENTION_MS + " ") && srcRetention.equals(dstRetention),
                "retention.ms on " + srcAlias + " " + srcRetention + ", on " + dstAlias + " " + dstRetention);

            List<String> first;
            Map<Integer, Long> committed;
            try (var c = consumer(srcBoot, group)) {
                first = consume(c, topic, N1);
                c.commitSync(Duration.ofSeconds(15));
                committed = byPartition(src.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS), topic);
            }
            result("group " + group + " consumes and commits on " + srcAlias,
                first.size() == N1 && new HashSet<>(first).size() == N1 && committed.equals(srcEnd),
                first.size() + " records, committed " + committed);

            final var want = dstEnd;
            var checkpoint = waitFor(() -> byPartition(RemoteClusterUtils.translateOffsets(
                Map.of("bootstrap.servers", dstBoot), srcAlias, group, Duration.ofSeconds(10)), remote), m -> m.equals(want));
            result("checkpoint in " + srcAlias + ".checkpoints.internal on " + dstAlias, want.equals(checkpoint),
                "translated " + checkpoint + ", want " + want);
            var synced = waitFor(() -> byPartition(dst.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS), remote),
                m -> m.equals(want));
            result("group offsets synced to " + dstAlias, want.equals(synced), "committed on " + dstAlias + " " + synced + ", want " + want);

            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            src.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", RETENTION_MS_2),
                AlterConfigOp.OpType.SET)))).all().get(15, TimeUnit.SECONDS);
            var changed = waitFor(() -> retentionMs(dst, remote), v -> v.startsWith(RETENTION_MS_2 + " "));
            result("topic config change mirrored", changed != null && changed.startsWith(RETENTION_MS_2 + " "),
                "retention.ms on " + srcAlias + " " + retentionMs(src, topic) + ", on " + dstAlias + " " + changed);
            Integer hops = waitFor(() -> RemoteClusterUtils.replicationHops(Map.of("bootstrap.servers", dstBoot), srcAlias), h -> h == 1);
            result("heartbeats: " + srcAlias + " one hop upstream of " + dstAlias, hops != null && hops == 1, "replicationHops " + hops);

            src.createPartitions(Map.of(topic, NewPartitions.increaseTo(GROWN))).all().get(15, TimeUnit.SECONDS);
            var grown = waitFor(() -> endOffsets(dst, remote), m -> m.size() == GROWN);
            result("partitions mirrored", grown != null && grown.size() == GROWN,
                srcAlias + " " + topic + " grown to " + GROWN + ", " + dstAlias + " " + remote + " has " + (grown == null ? "?" : grown.size()));

            produce(srcBoot, topic, srcAlias, N1, N1 + N2);
            var copied2 = waitFor(() -> records(dstBoot, remote), m -> m.size() == N1 + N2);
            result("" + N2 + " more mirrored", copied2 != null && copied2.size() == N1 + N2,
                (copied2 == null ? "?" : copied2.size()) + " records, end offsets " + endOffsets(dst, remote));

            if (Boolean.getBoolean("mm2.eos")) {
                // Exactly-once: MirrorSourceTask writes in transactions, so commit markers follow the records.
                long end = sum(endOffsets(dst, remote));
                result("written in transactions on " + dstAlias, end > N1 + N2, "end offsets add up to " + end + " for " + (N1 + N2) + " records");
            }

            List<String> resumed;
            try (var c = consumer(dstBoot, group)) {
                resumed = consume(c, remote, N2);
                c.commitSync(Duration.ofSeconds(15));
            }
            Set<String> expected = new HashSet<>();
            for (int i = N1; i < N1 + N2; i++) expected.add(srcAlias + "-" + i);
            Set<String> got = new HashSet<>(resumed);
            Set<String> missing = new HashSet<>(expected); missing.removeAll(got);
            Set<String> again = new HashSet<>(got); again.removeAll(expected);
            int dups = resumed.size() - got.size();
            result("group " + group + " resumes on " + dstAlias, missing.isEmpty() && again.isEmpty() && dups == 0,
                resumed.size() + " records read, " + missing.size() + " missed, " + again.size() + " of the first " + N1 + " again, " + dups + " twice");

            count(srcAlias + " " + topic + ": " + sum(endOffsets(src, topic)) + " records " + endOffsets(src, topic)
                + "; group " + group + " committed " + committed + " after " + first.size() + " records");
            count(dstAlias + " " + remote + ": " + records(dstBoot, remote).size() + " records, end offsets " + endOffsets(dst, remote)
                + "; checkpoint " + checkpoint + ", group synced to " + synced + ", then read " + resumed.size() + " records");
        } catch (Exception e) {
            result("run", false, e + (e.getCause() != null ? " caused by " + e.getCause() : ""));
        }
        System.exit(failed > 0 || passed == 0 ? 1 : 0);
    }
}
