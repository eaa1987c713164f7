// Interop: transactions with the Java client (kafka-clients 4.x, the jars of
// test/interop/kafka-dist.sh) against a broker. Run as a single-file program:
//
//   java -cp "$(test/interop/kafka-dist.sh classpath)" test/interop/java/Transactions.java <host:port> [transaction.version]
//
// 1. Admin creates a 2-partition topic.
// 2. A transactional producer: initTransactions; a transaction of 3 records over both
//    partitions, committed; one of 2 records, aborted; one of 1 record, committed.
// 3. Fencing: producer A begins a transaction and sends; producer B with the same
//    transactional.id initTransactions (which aborts A's transaction); A's commit must fail
//    with ProducerFencedException (or InvalidProducerEpochException).
// 4. A read_uncommitted consumer reads every data record back (3 + 2 + 1 + 1 + 1) and sees the
//    offsets the markers took (gaps); it must find the records of the aborted transactions too.
// 5. A read_committed consumer reads only the committed ones.
// 6. Consume-transform-produce: sendOffsetsToTransaction in an aborted then a committed
//    transaction; the group's committed offset is the committed transaction's.
//
// The client uses whatever transaction version the broker finalizes (Kafka 4.3.1 and Bunka: 2);
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines and "TOPIC<TAB>name" and
// "TXNID<TAB>id"; exit status 1 if anything failed.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class Transactions {
    static boolean failed = false;

    static void result(String op, boolean ok, String detail) {
        if (!ok) failed = true;
        System.out.println("INTEROP\t" + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail.replace('\n', ' '));
    }

    static KafkaProducer<String, String> producer(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "20000");
        return new KafkaProducer<>(p);
    }

    static void send(KafkaProducer<String, String> producer, String topic, int partition, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, "k", value)).get(30, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String suffix = Long.toString(System.nanoTime(), 36);
        String topic = "txn-" + suffix;
        String txnId = "txn-id-" + suffix;
        System.out.println("TOPIC\t" + topic);
        System.out.println("TXNID\t" + txnId);

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            result("create topic", true, topic);
        }

        List<String> sent = new ArrayList<>();
        long started = System.nanoTime();
        try (KafkaProducer<String, String> producer = producer(bootstrap, txnId)) {
            producer.initTransactions();
            result("initTransactions", true, "in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) { send(producer, topic, i % 2, "c1-" + i); sent.add("c1-" + i); }
            producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
            producer.commitTransaction();
            result("commit (3 records, 2 partitions)", true, "");
            producer.beginTransaction();
            for (int i = 0; i < 2; i++) { send(producer, topic, i % 2, "a1-" + i); sent.add("a1-" + i); }
            producer.abortTransaction();
            result("abort (2 records)", true, "");
            producer.beginTransaction();
            send(producer, topic, 0, "c2-0"); sent.add("c2-0");
            producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
            producer.commitTransaction();
            result("commit again (1 record)", true, "");
        } catch (Exception e) {
            result("transactional producer", false, e.toString());
        }

        // Fencing: B's initTransactions aborts A's open transaction; A cannot commit.
        try (KafkaProducer<String, String> a = producer(bootstrap, txnId)) {
            a.initTransactions();
            a.beginTransaction();
            send(a, topic, 1, "z-0"); sent.add("z-0");
            try (KafkaProducer<String, String> b = producer(bootstrap, txnId)) {
                long t0 = System.nanoTime();
                b.initTransactions();
                result("second producer initTransactions (fences the first)", true, "in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                try {
                    a.commitTransaction();
                    result("fenced producer's commit fails", false, "commit succeeded");
                } catch (ProducerFencedException | InvalidProducerEpochException e) {
                    result("fenced producer's commit fails", true, e.getClass().getSimpleName());
                } catch (Exception e) {
                    result("fenced producer's commit fails", e.getCause() instanceof ProducerFencedException, e.toString());
                }
                b.beginTransaction();
                send(b, topic, 0, "b-0"); sent.add("b-0");
                b.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
                b.commitTransaction();
                result("new producer commits", true, "");
            }
        } catch (Exception e) {
            result("fencing", false, e.toString());
        }

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            var ends = consumer.endOffsets(tps, Duration.ofSeconds(20));
            List<String> got = new ArrayList<>();
            TreeMap<String, List<Long>> offsets = new TreeMap<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (got.size() < sent.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    got.add(r.value());
                    offsets.computeIfAbsent(r.topic() + "-" + r.partition(), k -> new ArrayList<>()).add(r.offset());
                }
            }
            List<String> want = new ArrayList<>(sent);
            java.util.Collections.sort(want);
            List<String> have = new ArrayList<>(got);
            java.util.Collections.sort(have);
            result("read_uncommitted reads every record", want.equals(have), "sent " + want + " got " + have);
            long endTotal = ends.values().stream().mapToLong(Long::longValue).sum();
            // Each transaction leaves a marker in each partition it wrote: end offsets exceed the records.
            result("markers take offsets", endTotal > sent.size(), "end offsets " + ends + ", " + sent.size() + " records, offsets " + offsets);
        }

        // 5. read_committed sees only committed records: c1-*, c2-0, b-0 (not a1-*, z-0).
        Properties rc = new Properties();
        rc.putAll(cp);
        rc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(rc)) {
            List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<String> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) got.add(r.value());
                if (got.size() >= 5) break;
            }
            java.util.Collections.sort(got);
            result("read_committed reads only committed records", got.equals(List.of("b-0", "c1-0", "c1-1", "c1-2", "c2-0")), "got " + got);
        }

        // 6. Consume-transform-produce: offsets committed with the transaction (AddOffsetsToTxn,
        //    TxnOffsetCommit), visible to the group once it commits, not when it aborts.
        String group = "txn-group-" + suffix;
        try (KafkaProducer<String, String> producer = producer(bootstrap, txnId + "-ctp")) {
            producer.initTransactions();
            TopicPartition tp0 = new TopicPartition(topic, 0);
            producer.beginTransaction();
            send(producer, topic, 1, "ctp-aborted");
            producer.sendOffsetsToTransaction(java.util.Map.of(tp0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(3)),
                new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
            producer.abortTransaction();
            producer.beginTransaction();
            send(producer, topic, 1, "ctp-committed");
            producer.sendOffsetsToTransaction(java.util.Map.of(tp0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(5)),
                new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
            producer.flush(); // closes a Java client race: EndTxn before the records (java/client-race/)
            producer.commitTransaction();
            try (Admin admin = Admin.create(ap)) {
                var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
                var committed = offsets.get(tp0);
                result("sendOffsetsToTransaction: the committed transaction's offset", committed != null && committed.offset() == 5,
                    "group offsets " + offsets);
            }
        } catch (Exception e) {
            result("sendOffsetsToTransaction", false, e.toString());
        }
        System.exit(failed ? 1 : 0);
    }
}
