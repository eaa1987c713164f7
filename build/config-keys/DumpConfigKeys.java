// Prints every broker config key Apache Kafka defines, one per line, tab separated:
//   name, type, default (as Kafka prints it; "<none>" when it has none), validator (its
//   toString), and how it may change: static, cluster-wide or per-broker (dynamic).
// Run by build/config-keys.ts against the jars of test/interop/kafka-dist.sh.

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.server.config.DynamicBrokerConfig;
import org.apache.kafka.server.config.DynamicConfig;

import java.util.Map;
import java.util.TreeMap;

public class DumpConfigKeys {
    public static void main(String[] args) {
        Map<String, String> modes = DynamicBrokerConfig.dynamicConfigUpdateModes();
        Map<String, ConfigDef.ConfigKey> keys = new TreeMap<>(kafka.server.KafkaConfig.configDef().configKeys());
        // Dynamic-only keys (broker quotas) are not KafkaConfig keys but may be set dynamically.
        for (Map.Entry<String, ConfigDef.ConfigKey> e : DynamicConfig.Broker.configKeys().entrySet()) {
            keys.putIfAbsent(e.getKey(), e.getValue());
        }
        for (ConfigDef.ConfigKey k : keys.values()) {
            String dflt = !k.hasDefault() ? "<none>" : k.defaultValue == null ? "<null>" : ConfigDef.convertToString(k.defaultValue, k.type);
            String mode = DynamicConfig.Broker.nonDynamicProps().contains(k.name) ? "static"
                : modes.getOrDefault(k.name, "cluster-wide");
            System.out.println(String.join("\t", k.name, k.type.name(), dflt,
                k.validator == null ? "" : k.validator.toString(), mode));
        }
    }
}
