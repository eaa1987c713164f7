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
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: BenchClient create-topics <bootstrap> <name:partitions[:key=value,...]>...");
    System.err.println("       BenchClient e2e <bootstrap> <topic> <rate> <warmupSec> <measureSec> <bytes> <acks>");
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
