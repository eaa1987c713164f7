import java.lang.reflect.Field;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.PausingIncompleteBatches;
import org.apache.kafka.clients.producer.internals.RecordAccumulator;
import org.apache.kafka.clients.producer.internals.TransactionManager;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.serialization.StringSerializer;

// The Java client's EndTxn-before-records race (see PausingIncompleteBatches), made to happen
// every time, against the broker at args[0]. Ten transactions of five records each, committed
// right after the sends (no flush), twice: once as shipped, once with the producer's network
// thread paused inside the window. Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines:
//   1. as shipped, all ten commit;
//   2. paused, a commit fails with InvalidTxnStateException (Apache Kafka 4.3.1 does the same:
//      `test/interop/run.sh --kafka java-txn`), and the broker then serves a new producer.
public class ClientRace {
    static int failed = 0;

    static void result(String op, boolean ok, String detail) {
        if (!ok) failed++;
        System.out.println("INTEROP\t" + op + "\t" + (ok ? "PASS" : "FAIL") + "\t" + detail.replace('\t', ' ').replace('\n', ' '));
    }

    static Properties props(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20000);
        return p;
    }

    /** Commits up to ten transactions; returns null when all did, else what the failing commit threw. */
    static Exception tenTransactions(String bootstrap, String topic, String txnId, boolean pause, int[] pauses) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props(bootstrap, txnId))) {
            producer.initTransactions();
            PausingIncompleteBatches batches = null;
            if (pause) {
                Field acc = KafkaProducer.class.getDeclaredField("accumulator");
                Field tm = KafkaProducer.class.getDeclaredField("transactionManager");
                Field incomplete = RecordAccumulator.class.getDeclaredField("incomplete");
                acc.setAccessible(true);
                tm.setAccessible(true);
                incomplete.setAccessible(true);
                batches = new PausingIncompleteBatches();
                incomplete.set(acc.get(producer), batches); // empty now: initTransactions sent no records
                batches.transactionManager = (TransactionManager) tm.get(producer);
            }
            try {
                for (int t = 0; t < 10; t++) {
                    producer.beginTransaction();
                    for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, "t" + t + "-" + i));
                    producer.commitTransaction();
                }
                return null;
            } catch (Exception e) {
                return e;
            } finally {
                if (batches != null) pauses[0] = batches.pauses;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = "java-client-race-" + System.currentTimeMillis();
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(a)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        int[] pauses = {0};
        Exception plain = tenTransactions(bootstrap, topic, topic + "-plain", false, pauses);
        result("client race: 10 small transactions committed right after their sends", plain == null,
            plain == null ? "all 10 committed" : "failed: " + plain);
        Exception paused = tenTransactions(bootstrap, topic, topic + "-paused", true, pauses);
        boolean asKafka = paused instanceof InvalidTxnStateException;
        result("client race: the network thread paused between hasIncomplete() and nextRequest(): EndTxn before the records gets INVALID_TXN_STATE, as on Kafka",
            asKafka, (paused == null ? "all 10 committed" : paused.toString()) + " (network thread paused " + pauses[0] + " times)");
        Exception after = tenTransactions(bootstrap, topic, topic + "-after", false, pauses);
        result("client race: a new producer commits afterwards", after == null, after == null ? "all 10 committed" : "failed: " + after);
        System.exit(failed == 0 ? 0 : 1);
    }
}
