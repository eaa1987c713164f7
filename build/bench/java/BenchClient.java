// The bench's own Java client (kafka-clients only), for what Kafka's perf tools do not measure:
//
//   create-topics <bootstrap> <name:partitions[:key=value,...]>...
//       Admin.createTopics, replication factor 1, with the topic configs given; one line per
//       topic, exit 1 if any failed
//   e2e <bootstrap> <topic> <rate/s> <warmup s> <measure s> <record bytes> <acks>
//       End-to-end latency at a fixed rate (open loop): a producer thread sends one record every
//       1/rate s (linger.ms=0), its send time (System.nanoTime) in the first 8 bytes; a consumer
//       (assign + seekToEnd, no group; default fetch.min.bytes=1, fetch.max.wait.ms=500) takes the
//       difference on receipt. Records sent during the warm-up are not counted. Prints one JSON
//       line: count, lost, p50/p99/p99.9/max in microseconds.
//   txn-produce <bootstrap> <topic> <records> <record bytes> <records per transaction> <transactional.id> <warm-up transactions>
//       Transactional produce at full speed (workload (h)): initTransactions, then transactions of
//       exactly <records per transaction> records (ProducerPerformance's payload: one array of
//       random capital letters, null keys, so the sticky partitioner spreads them), each committed
//       (commitTransaction, timed) before the next begins; the producer's defaults otherwise
//       (a transactional producer is idempotent, acks=all). The first <warm-up transactions> are
//       not counted in the steady-state rate. Afterwards it reads the topic's end offsets twice
//       (ListOffsets read_uncommitted: high watermark; read_committed: last stable offset) so the
//       caller can check them against records + markers (one marker per partition a transaction
//       wrote to, from the send callbacks). Prints one JSON line; exit 1 on a client error.
//
// Compiled by build/bench/run.ts with javac against the kafka-clients jar of kafka-dist.sh.

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class BenchClient {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) usage();
    switch (args[0]) {
      case "create-topics" -> System.exit(createTopics(args));
      case "e2e" -> e2e(args);
      case "txn-produce" -> System.exit(txnProduce(args));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: BenchClient create-topics <bootstrap> <name:partitions[:key=value,...]>...");
    System.err.println("       BenchClient e2e <bootstrap> <topic> <rate> <warmupSec> <measureSec> <bytes> <acks>");
    System.err.println("       BenchClient txn-produce <bootstrap> <topic> <records> <bytes> <recordsPerTxn> <transactionalId> <warmupTxns>");
    System.exit(2);
  }

  private static int createTopics(String[] args) throws InterruptedException {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    List<NewTopic> topics = new ArrayList<>();
    for (String spec : Arrays.copyOfRange(args, 2, args.length)) {
      String[] parts = spec.split(":", 3);
      NewTopic topic = new NewTopic(parts[0], Integer.parseInt(parts[1]), (short) 1);
      if (parts.length == 3) {
        Map<String, String> configs = new java.util.HashMap<>();
        for (String kv : parts[2].split(",")) configs.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        topic.configs(configs);
      }
      topics.add(topic);
    }
    int failed = 0;
    try (Admin admin = Admin.create(p)) {
      CreateTopicsResult result = admin.createTopics(topics);
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : result.values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
          System.out.println("created " + e.getKey());
        } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
          Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
          System.out.println("failed " + e.getKey() + ": " + cause);
          failed++;
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }

  private static void e2e(String[] args) throws Exception {
    if (args.length != 8) usage();
    String bootstrap = args[1];
    String topic = args[2];
    int rate = Integer.parseInt(args[3]);
    double warmupSec = Double.parseDouble(args[4]);
    double measureSec = Double.parseDouble(args[5]);
    int size = Math.max(8, Integer.parseInt(args[6]));
    String acks = args[7];

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    extraProps(cp, "bench.consumer.props");
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    pp.put(ProducerConfig.ACKS_CONFIG, acks);
    extraProps(pp, "bench.producer.props");

    long total = Math.round(rate * (warmupSec + measureSec));
    long warmupCount = Math.round(rate * warmupSec);
    long[] latencies = new long[(int) (total - warmupCount)];
    AtomicLong sendErrors = new AtomicLong();
    int received = 0;
    int measured = 0;

    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp);
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      for (TopicPartition tp : parts) consumer.position(tp, Duration.ofSeconds(30));
      producer.partitionsFor(topic); // metadata before the clock starts

      Thread sender = new Thread(() -> {
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
          long due = start + i * interval;
          long now;
          while ((now = System.nanoTime()) < due) LockSupport.parkNanos(due - now);
          byte[] value = new byte[size];
          ByteBuffer.wrap(value).putLong(System.nanoTime()).putLong(i);
          producer.send(new ProducerRecord<>(topic, (int) (i % parts.size()), null, value), (md, ex) -> {
            if (ex != null) sendErrors.incrementAndGet();
          });
        }
        producer.flush();
      }, "e2e-sender");
      sender.start();

      long deadline = System.nanoTime() + (long) ((warmupSec + measureSec + 10) * 1e9);
      while (received < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          ByteBuffer b = ByteBuffer.wrap(rec.value());
          long sent = b.getLong();
          long seq = b.getLong();
          received++;
          if (seq >= warmupCount && measured < latencies.length) latencies[measured++] = now - sent;
        }
      }
      sender.join(5000);
    }
    long[] got = Arrays.copyOf(latencies, measured);
    Arrays.sort(got);
    System.out.printf("{\"count\":%d,\"lost\":%d,\"sendErrors\":%d,\"p50_us\":%s,\"p99_us\":%s,\"p999_us\":%s,\"max_us\":%s}%n",
        measured, total - received, sendErrors.get(), pct(got, 0.50), pct(got, 0.99), pct(got, 0.999), pct(got, 1.0));
  }

  private static int txnProduce(String[] args) throws Exception {
    if (args.length != 8) usage();
    String bootstrap = args[1];
    String topic = args[2];
    long records = Long.parseLong(args[3]);
    int size = Integer.parseInt(args[4]);
    int perTxn = Integer.parseInt(args[5]);
    String transactionalId = args[6];
    int warmupTxns = Integer.parseInt(args[7]);
    if (perTxn <= 0 || records % perTxn != 0) {
      System.err.println("txn-produce: records must be a multiple of the records per transaction");
      return 2;
    }
    int txns = (int) (records / perTxn);
    if (warmupTxns >= txns) warmupTxns = 0;

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    extraProps(pp, "bench.producer.props");

    // ProducerPerformance's payload: random capital letters, the same array for every record.
    byte[] payload = new byte[size];
    java.util.Random random = new java.util.Random(0);
    for (int i = 0; i < size; i++) payload[i] = (byte) (random.nextInt(26) + 65);

    List<TopicPartition> parts = new ArrayList<>();
    long[] commitNs = new long[txns];
    AtomicLong sendErrors = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    String firstError = null;
    long markers = 0;
    long sent = 0;
    long committed = 0;
    long t0 = 0;
    long tSteady = 0;
    long tEnd = 0;
    Map<TopicPartition, Long> before;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
         KafkaConsumer<byte[], byte[]> offsets = offsetReader(bootstrap, "read_uncommitted")) {
      for (PartitionInfo info : producer.partitionsFor(topic)) parts.add(new TopicPartition(topic, info.partition()));
      before = offsets.endOffsets(parts, Duration.ofSeconds(30));
      producer.initTransactions();
      t0 = System.nanoTime();
      try {
        for (int t = 0; t < txns; t++) {
          if (t == warmupTxns) tSteady = System.nanoTime();
          // The partitions this transaction wrote to: each gets one commit marker.
          java.util.Set<Integer> written = java.util.concurrent.ConcurrentHashMap.newKeySet();
          producer.beginTransaction();
          for (int i = 0; i < perTxn; i++) {
            producer.send(new ProducerRecord<>(topic, null, payload), (md, ex) -> {
              if (ex != null) sendErrors.incrementAndGet();
              else { written.add(md.partition()); acked.incrementAndGet(); }
            });
            sent++;
          }
          long c0 = System.nanoTime();
          // commitTransaction() flushes anyway; flushing first closes a race in the Java client
          // (EndTxn sent before the records: INVALID_TXN_STATE from Kafka as from Bunka; see
          // test/interop/java/client-race/), and the figure stays flush + EndTxn.
          producer.flush();
          producer.commitTransaction();
          commitNs[t] = System.nanoTime() - c0;
          committed++;
          markers += written.size();
        }
      } catch (org.apache.kafka.common.KafkaException e) {
        firstError = e.getClass().getName() + ": " + e.getMessage();
      }
      tEnd = System.nanoTime();
    }
    Map<TopicPartition, Long> hw;
    Map<TopicPartition, Long> lso;
    try (KafkaConsumer<byte[], byte[]> uncommitted = offsetReader(bootstrap, "read_uncommitted");
         KafkaConsumer<byte[], byte[]> readCommitted = offsetReader(bootstrap, "read_committed")) {
      hw = uncommitted.endOffsets(parts, Duration.ofSeconds(30));
      lso = readCommitted.endOffsets(parts, Duration.ofSeconds(30));
    }
    long hwDelta = 0;
    long lsoDelta = 0;
    for (TopicPartition tp : parts) {
      hwDelta += hw.get(tp) - before.get(tp);
      lsoDelta += lso.get(tp) - before.get(tp);
    }
    long steadyRecords = Math.max(0, committed - warmupTxns) * perTxn;
    double steadySec = tSteady == 0 ? 0 : (tEnd - tSteady) / 1e9;
    long[] steadyCommits = Arrays.copyOfRange(commitNs, Math.min(warmupTxns, (int) committed), (int) committed);
    Arrays.sort(steadyCommits);
    System.out.printf(java.util.Locale.ROOT,
        "{\"transactions\":%d,\"committed\":%d,\"recordsSent\":%d,\"recordsAcked\":%d,\"sendErrors\":%d,\"markers\":%d,"
            + "\"highWatermarkDelta\":%d,\"lastStableOffsetDelta\":%d,\"seconds\":%.3f,\"steadyRecords\":%d,\"steadySeconds\":%.3f,"
            + "\"commit_p50_us\":%s,\"commit_p99_us\":%s,\"commit_max_us\":%s,\"error\":%s}%n",
        txns, committed, sent, acked.get(), sendErrors.get(), markers, hwDelta, lsoDelta, (tEnd - t0) / 1e9,
        steadyRecords, steadySec, pct(steadyCommits, 0.50), pct(steadyCommits, 0.99), pct(steadyCommits, 1.0),
        firstError == null ? "null" : "\"" + firstError.replace("\\", "\\\\").replace("\"", "'").replace("\n", " ") + "\"");
    return firstError == null ? 0 : 1;
  }

  /** A consumer that only reads end offsets (ListOffsets) at the given isolation level; no group. */
  private static KafkaConsumer<byte[], byte[]> offsetReader(String bootstrap, String isolation) {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    return new KafkaConsumer<>(cp);
  }

  /** Extra client settings from a system property: -Dbench.consumer.props=k=v,k=v (for experiments). */
  private static void extraProps(Properties p, String property) {
    String extra = System.getProperty(property, "");
    for (String kv : extra.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) p.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
  }

  /** Nearest-rank percentile in microseconds, as JSON (null without samples). */
  private static String pct(long[] sorted, double q) {
    if (sorted.length == 0) return "null";
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return String.format(java.util.Locale.ROOT, "%.1f", sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0);
  }
}
