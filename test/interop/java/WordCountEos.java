// Interop: Kafka Streams WordCount with processing.guarantee=exactly_once_v2 (kafka-streams 4.x
// from Maven Central, plus the jars of test/interop/kafka-dist.sh) against a broker. Run as a
// single-file program, no build step:
//
//   java -cp "<kafka-dist classpath>:<kafka-streams jar>" test/interop/java/WordCountEos.java <host:port>
//
// 1. Admin creates a 2-partition input topic; a KafkaProducer sends LINES fixed lines of text
//    (built from a fixed word list, so the expected count of every word is known).
// 2. A KafkaStreams WordCount (flatMapValues to words, groupBy word, count into an in-memory
//    store: no RocksDB, toStream to the output topic) with exactly_once_v2: every task's output,
//    changelog writes and input offsets go through one transactional producer per thread. It must
//    reach RUNNING; a stream thread that dies (e.g. initTransactions refused) fails the case at once.
// 3. A read_committed consumer reads the output topic: the last value per word must be that word's
//    exact count, and with the record cache off each word's values must be exactly 1, 2, ... n
//    (a count emitted twice, or lost, would show).
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines; exit status 1 if anything failed.

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

public class WordCountEos {
    static final int LINES = 1000;
    static final int PARTITIONS = 2;
    static final String[] WORDS = ("all streams lead to kafka exactly once means once and only once "
        + "a record is counted when its transaction commits").split(" ");
    static int failed = 0, passed = 0;

    /** The app never reached RUNNING: the output is not waited for. */
    static class NotRunning extends RuntimeException {}

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

    /** Line i: 1-12 words picked from WORDS by a fixed rule, some upper-cased (WordCount lower-cases). */
    static String line(int i) {
        int n = 1 + (i * 5) % 12;
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < n; j++) {
            String w = WORDS[(i * 7 + j * 3) % WORDS.length];
            if ((i + j) % 5 == 0) w = w.toUpperCase();
            sb.append(j == 0 ? "" : (j % 4 == 0 ? "  " : " ")).append(w);
        }
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        String input = "wordcount-eos-in-" + run, output = "wordcount-eos-out-" + run;
        String appId = "wordcount-eos-" + run;

        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < LINES; i++)
            for (String w : line(i).toLowerCase().split("\\W+")) if (!w.isEmpty()) expected.merge(w, 1L, Long::sum);

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        KafkaStreams streams = null;
        AtomicReference<Throwable> died = new AtomicReference<>();
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1), new NewTopic(output, PARTITIONS, (short) 1)))
                .all().get(15, TimeUnit.SECONDS);

            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000);
            pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < LINES; i++) producer.send(new ProducerRecord<>(input, "line" + i, line(i)));
                producer.flush();
            }

            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(v -> Arrays.asList(v.toLowerCase().split("\\W+")))
                .filter((k, w) -> !w.isEmpty())
                .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("word-counts"))
                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
            Properties sp = new Properties();
            sp.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
            sp.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            sp.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            sp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("wordcount-eos-").toString());
            sp.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            // No record cache: every count is forwarded, so each word's output must be 1, 2, 3, ... n.
            sp.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            // A broker that does not answer fails the case in seconds, not in Streams' default minutes.
            sp.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_BLOCK_MS_CONFIG), 15000);
            sp.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 30000);
            streams = new KafkaStreams(builder.build(), sp);
            streams.setUncaughtExceptionHandler(e -> {
                died.compareAndSet(null, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            long t0 = System.nanoTime();
            streams.start();

            long deadline = System.currentTimeMillis() + 30_000;
            while (streams.state() != KafkaStreams.State.RUNNING && died.get() == null && System.currentTimeMillis() < deadline) Thread.sleep(50);
            result("Kafka Streams WordCount (exactly_once_v2) reaches RUNNING", streams.state() == KafkaStreams.State.RUNNING && died.get() == null,
                died.get() != null ? "stream thread died: " + describe(died.get()) : "state " + streams.state() + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");

            if (streams.state() != KafkaStreams.State.RUNNING) {
                result("WordCount output read_committed: exact count per word, each update once", false, "not run: the app is not RUNNING");
                throw new NotRunning();
            }
            // Read the output read_committed until every word has its count (or the app died).
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
            cp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
            Map<String, Long> last = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            int updates = 0;
            try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new LongDeserializer())) {
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(output, p));
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                deadline = System.currentTimeMillis() + 30_000;   // Kafka 4.3.1: all of it within 3 s of the start
                while (!last.equals(expected) && died.get() == null && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                        updates++;
                        Long before = last.put(r.key(), r.value());
                        long want = before == null ? 1 : before + 1;
                        if (r.value() != want && problems.size() < 3)
                            problems.add(r.key() + ": " + r.value() + " after " + before + " at p" + r.partition() + "@" + r.offset());
                    }
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            List<String> wrong = new ArrayList<>();
            for (String w : expected.keySet()) if (!expected.get(w).equals(last.get(w))) wrong.add(w + "=" + last.get(w) + " (want " + expected.get(w) + ")");
            for (String w : last.keySet()) if (!expected.containsKey(w)) wrong.add(w + "=" + last.get(w) + " (unexpected word)");
            boolean ok = wrong.isEmpty() && problems.isEmpty() && died.get() == null;
            String detail = ok
                ? expected.size() + " words, " + expected.values().stream().mapToLong(Long::longValue).sum() + " counted, "
                    + updates + " committed updates, all counts exact, " + ms + " ms from start"
                : (died.get() != null ? "stream thread died: " + describe(died.get()) + "; " : "")
                    + (wrong.isEmpty() ? "" : wrong.size() + " of " + expected.size() + " words wrong: " + String.join(", ", wrong.subList(0, Math.min(4, wrong.size()))) + "; ")
                    + String.join("; ", problems) + " (" + ms + " ms)";
            result("WordCount output read_committed: exact count per word, each update once", ok, detail);
        } catch (NotRunning e) {
            // reported above
        } catch (Exception e) {
            result("WordCountEos", false, describe(e));
        } finally {
            if (streams != null) {
                // A thread stuck in a broker call may outlive the close; cleanUp() would then throw,
                // and the exit below must still happen (the stream threads are not daemons).
                if (streams.close(Duration.ofSeconds(5))) streams.cleanUp();
            }
        }
        System.err.println("WordCountEos: " + passed + " passed, " + failed + " failed at " + java.time.LocalTime.now());
        System.exit(failed > 0 ? 1 : 0);
    }
}
