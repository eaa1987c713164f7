// The census of the graduate-in-place case (graduate.sh), in one JVM: what must survive when
// Apache Kafka takes over a log dir Bunka wrote, one fact per line (graduate.sh sorts them).
// It replaces ~15 CLI JVMs per census (TopicCommand, GetOffsetShell, ConsoleConsumer,
// ConfigCommand, ConsumerGroupCommand, AclCommand) and prints what they printed:
//
//   end-offset <topic>:<partition>:<offset>      GetOffsetShell --topic <t> (latest offsets)
//   records <topic> <n>                          records a read_uncommitted consumer reads from
//                                                the start (control records are not records)
//   config <topic> <name>=<value>                kafka-configs --describe (DYNAMIC_TOPIC_CONFIG)
//   committed <topic> <partition> <offset>       g1's committed offsets (kafka-consumer-groups)
//   acl <binding>                                kafka-acls --list (with the resource, which
//                                                kafka-acls prints on a line of its own)
//   scram SCRAM credential configs for user-principal '<u>' are <MECH>=iterations=<n>
//                                                kafka-configs --describe --entity-type users
//   broker-default <name>=<value>                kafka-configs --entity-default
//                                                (DYNAMIC_DEFAULT_BROKER_CONFIG)
// and, not part of the census (they change when g1 consumes):
//   lag <topic> <partition> <n>                  end offset - committed offset
//   to-read <topic> <partition> <n>              records at or after the committed offset
//
// Topics are the non-internal ones (kafka-topics --list --exclude-internal). The consumer reads
// every partition until its position reaches the end offset; a partition that does not get there
// within the deadline is an error (exit 1), as is any failed Admin call: a missing fact must make
// the census differ or fail, never shrink silently.
//
//   java -cp <classes>:<kafka jars> GraduateCensus <host:port> <group>

import java.time.Duration;
import java.util.*;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class GraduateCensus {
    static final long DEADLINE_MS = 60_000;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: GraduateCensus <host:port> <group>");
            System.exit(2);
        }
        String bootstrap = args[0], group = args[1];
        List<String> out = new ArrayList<>();
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(ap)) {
            List<String> topics = new ArrayList<>(admin.listTopics(new ListTopicsOptions().listInternal(false))
                .names().get(30, TimeUnit.SECONDS));
            Collections.sort(topics);
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics)
                for (TopicPartitionInfo p : described.get(t).partitions()) partitions.add(new TopicPartition(t, p.partition()));

            // End offsets: ListOffsets(latest), as GetOffsetShell asks them.
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartition tp : partitions) latest.put(tp, OffsetSpec.latest());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            for (TopicPartition tp : partitions)
                out.add("end-offset " + tp.topic() + ":" + tp.partition() + ":" + ends.get(tp).offset());

            // The group's committed offsets.
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                if (e.getValue() == null) continue;
                TopicPartition tp = e.getKey();
                out.add("committed " + tp.topic() + " " + tp.partition() + " " + e.getValue().offset());
            }

            // Records: read every partition from the start to its end offset.
            Map<String, Long> records = new TreeMap<>();
            Map<TopicPartition, Long> toRead = new HashMap<>();
            for (String t : topics) records.put(t, 0L);
            for (TopicPartition tp : committed.keySet()) if (committed.get(tp) != null) toRead.put(tp, 0L);
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.currentTimeMillis() + DEADLINE_MS;
                Set<TopicPartition> pending = new HashSet<>();
                for (TopicPartition tp : partitions) if (ends.get(tp).offset() > 0) pending.add(tp);
                while (!pending.isEmpty()) {
                    if (System.currentTimeMillis() > deadline) {
                        StringBuilder why = new StringBuilder();
                        for (TopicPartition tp : pending)
                            why.append(' ').append(tp).append(" at ").append(consumer.position(tp)).append(" of ").append(ends.get(tp).offset());
                        throw new IllegalStateException("did not read to the end within " + DEADLINE_MS + " ms:" + why);
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        records.merge(r.topic(), 1L, Long::sum);
                        OffsetAndMetadata c = committed.get(tp);
                        if (c != null && r.offset() >= c.offset()) toRead.merge(tp, 1L, Long::sum);
                    }
                    // The position passes control batches too, so it reaches the end offset.
                    pending.removeIf(tp -> consumer.position(tp) >= ends.get(tp).offset());
                }
            }
            for (Map.Entry<String, Long> e : records.entrySet()) out.add("records " + e.getKey() + " " + e.getValue());

            // Dynamic configs: of each topic, and the cluster-wide broker defaults.
            List<ConfigResource> resources = new ArrayList<>();
            for (String t : topics) resources.add(new ConfigResource(ConfigResource.Type.TOPIC, t));
            ConfigResource brokerDefault = new ConfigResource(ConfigResource.Type.BROKER, "");
            resources.add(brokerDefault);
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (ConfigResource r : resources) {
                boolean isDefault = r.equals(brokerDefault);
                ConfigEntry.ConfigSource wanted = isDefault
                    ? ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG;
                for (ConfigEntry e : configs.get(r).entries()) {
                    if (e.source() != wanted) continue;
                    String fact = e.name() + "=" + (e.isSensitive() ? null : e.value());
                    out.add(isDefault ? "broker-default " + fact : "config " + r.name() + " " + fact);
                }
            }

            for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                out.add("acl " + b);

            for (Map.Entry<String, UserScramCredentialsDescription> e :
                    admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS).entrySet())
                for (ScramCredentialInfo i : e.getValue().credentialInfos())
                    out.add("scram SCRAM credential configs for user-principal '" + e.getKey() + "' are "
                        + i.mechanism().mechanismName() + "=iterations=" + i.iterations());

            for (TopicPartition tp : toRead.keySet()) {
                long end = ends.containsKey(tp) ? ends.get(tp).offset() : -1;
                out.add("lag " + tp.topic() + " " + tp.partition() + " " + (end - committed.get(tp).offset()));
                out.add("to-read " + tp.topic() + " " + tp.partition() + " " + toRead.get(tp));
            }
        }
        Collections.sort(out);
        for (String line : out) System.out.println(line);
    }
}
