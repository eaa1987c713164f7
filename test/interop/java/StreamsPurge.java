// Interop: Kafka Streams (kafka-streams 4.x from Maven Central, plus the jars of
// test/interop/kafka-dist.sh) against a broker: a groupBy + count, whose repartition topic Kafka
// Streams purges with DeleteRecords after each commit (TaskManager.maybePurgeCommittedRecords,
// every repartition.purge.interval.ms). Run as a single-file program, no build step:
//
//   java -cp "<kafka-dist classpath>:<kafka-streams jar>" test/interop/java/StreamsPurge.java <host:port>
//
// 1. Admin creates a 2-partition input topic; a KafkaProducer sends N records whose values are
//    WORDS words.
// 2. A KafkaStreams app (processing.guarantee=at_least_once, commit.interval.ms=1000,
//    repartition.purge.interval.ms=1000, an in-memory store: no RocksDB) groups the records by
//    value and counts them; it must reach RUNNING and its store must count all N records.
// 3. The repartition topic <application.id>-counts-repartition: once everything is counted and
//    committed, its earliest offsets (Admin.listOffsets EARLIEST) must move past 0 on every
//    partition, up to the end offsets Streams has committed.
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines; exit status 1 if anything failed.

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

public class StreamsPurge {
    static final int N = 3000;
    static final int WORDS = 37;
    static final int PARTITIONS = 2;
    static int failed = 0, passed = 0;

    static void result(String op, boolean ok, String detail) {
        if (ok) passed++; else failed++;
        detail = detail.replace('\t', ' ').replace('\n', ' ');
        if (detail.length() > 400) detail = detail.substring(0, 400);
        System.out.println("INTEROP\t" + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail);
        System.out.flush();
    }

    static Map<TopicPartition, Long> offsets(Admin admin, String topic, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) req.put(new TopicPartition(topic, p), spec);
        Map<TopicPartition, Long> out = new java.util.TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        admin.listOffsets(req).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        String input = "streams-purge-in-" + run;
        String appId = "streams-purge-" + run;
        String repartition = appId + "-counts-repartition";

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        KafkaStreams streams = null;
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1))).all().get(15, TimeUnit.SECONDS);

            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000);
            pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < N; i++) producer.send(new ProducerRecord<>(input, "k" + i, "word" + (i % WORDS)));
                producer.flush();
            }

            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
            Properties sp = new Properties();
            sp.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
            sp.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            sp.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            sp.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
            sp.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, 1000);
            sp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams-purge-").toString());
            sp.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
            streams = new KafkaStreams(builder.build(), sp);
            streams.start();

            long deadline = System.currentTimeMillis() + 30_000;
            while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < deadline) Thread.sleep(100);
            result("Kafka Streams groupBy+count reaches RUNNING", streams.state() == KafkaStreams.State.RUNNING, "state " + streams.state());

            long total = 0;
            int words = 0;
            deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                total = 0;
                words = 0;
                try {
                    ReadOnlyKeyValueStore<String, Long> store =
                        streams.store(StoreQueryParameters.fromNameAndType("counts", QueryableStoreTypes.keyValueStore()));
                    try (KeyValueIterator<String, Long> it = store.all()) {
                        while (it.hasNext()) {
                            KeyValue<String, Long> kv = it.next();
                            total += kv.value;
                            words++;
                        }
                    }
                } catch (Exception e) {
                    // not queryable yet (rebalancing)
                }
                if (total >= N) break;
                Thread.sleep(200);
            }
            result("groupBy+count through the repartition topic", total == N && words == WORDS,
                   total + " records counted in " + words + " words (want " + N + " in " + WORDS + ")");

            Map<TopicPartition, Long> end = offsets(admin, repartition, OffsetSpec.latest());
            Map<TopicPartition, Long> earliest = Map.of();
            deadline = System.currentTimeMillis() + 20_000;
            boolean purged = false;
            while (System.currentTimeMillis() < deadline) {
                earliest = offsets(admin, repartition, OffsetSpec.earliest());
                purged = true;
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    if (e.getValue() > 0 && earliest.getOrDefault(e.getKey(), 0L) < e.getValue()) purged = false;
                }
                if (purged) break;
                Thread.sleep(250);
            }
            result("repartition topic purged (DeleteRecords after commit)", purged,
                   repartition + ": earliest " + earliest.values() + ", end " + end.values());
        } catch (Exception e) {
            result("StreamsPurge", false, e.toString());
        } finally {
            if (streams != null) {
                streams.close(Duration.ofSeconds(10));
                streams.cleanUp();
            }
        }
        System.out.println("StreamsPurge: " + passed + " passed, " + failed + " failed");
        System.exit(failed > 0 ? 1 : 0);
    }
}
