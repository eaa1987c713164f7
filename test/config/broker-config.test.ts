import { describe, expect, test } from "bun:test";
import { parseProperties } from "../../src/config/properties.ts";
import { brokerConfigFrom, ConfigError, DEFAULT_PROPERTIES, loadBrokerConfig, parseListeners } from "../../src/config/broker-config.ts";

describe("parseProperties", () => {
  test("reads the CodeCrafters tester's server.properties", () => {
    const text = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=/tmp/kraft-combined-logs`;
    const config = brokerConfigFrom(parseProperties(text), "test");
    expect(config.nodeId).toBe(1);
    expect(config.listeners).toEqual([
      { name: "PLAINTEXT", host: "", port: 9092, securityProtocol: "PLAINTEXT" },
      { name: "CONTROLLER", host: "", port: 9093, securityProtocol: "PLAINTEXT" },
    ]);
    expect(config.advertisedListeners).toEqual([{ name: "PLAINTEXT", host: "", port: 9092, securityProtocol: "PLAINTEXT" }]);
    expect(config.logDirs).toEqual(["/tmp/kraft-combined-logs"]);
  });

  test("comments, separators, continuations and escapes", () => {
    const props = parseProperties([
      "# a comment",
      "! another comment",
      "",
      "   a=1",
      "b: 2",
      "c 3",
      "d = spaced value  ",
      "e=line one \\",
      "   line two",
      "f=tab\\there\\u0041\\\\",
      "g\\=h=escaped key",
      "empty=",
    ].join("\n"));
    expect(props.get("a")).toBe("1");
    expect(props.get("b")).toBe("2");
    expect(props.get("c")).toBe("3");
    expect(props.get("d")).toBe("spaced value  ");
    expect(props.get("e")).toBe("line one line two");
    expect(props.get("f")).toBe("tab\thereA\\");
    expect(props.get("g=h")).toBe("escaped key");
    expect(props.get("empty")).toBe("");
    expect(props.has("# a comment")).toBe(false);
  });
});

describe("BrokerConfig", () => {
  test("embedded defaults: port 9092, ./data", () => {
    const config = brokerConfigFrom(parseProperties(DEFAULT_PROPERTIES), "embedded defaults");
    expect(config.listeners).toEqual([{ name: "PLAINTEXT", host: "", port: 9092, securityProtocol: "PLAINTEXT" }]);
    expect(config.logDirs[0]!.endsWith("/data")).toBe(true);
    expect(config.numPartitions).toBe(1);
    expect(config.logSegmentBytes).toBe(1073741824);
    expect(config.socketRequestMaxBytes).toBe(104857600);
    expect(config.queuedMaxRequestBytes).toBe(256 * 1024 * 1024);
    expect(config.autoCreateTopicsEnable).toBe(true);
  });

  test("queued.max.request.bytes: -1 or 0 is no limit; a pool smaller than one request is refused, as Kafka's SimpleMemoryPool refuses it", () => {
    const config = (text: string) => brokerConfigFrom(parseProperties(text), "t");
    expect(config("queued.max.request.bytes=-1").queuedMaxRequestBytes).toBe(-1);
    expect(config("queued.max.request.bytes=0").queuedMaxRequestBytes).toBe(0);
    expect(config("queued.max.request.bytes=104857600").queuedMaxRequestBytes).toBe(104857600);
    expect(() => config("queued.max.request.bytes=104857599")).toThrow(/smaller than socket.request.max.bytes/);
    expect(config("queued.max.request.bytes=2000000\nsocket.request.max.bytes=1000000").queuedMaxRequestBytes).toBe(2000000);
    // Unset, it follows a socket.request.max.bytes raised above 256 MiB, so Kafka's files still start.
    expect(config("socket.request.max.bytes=536870912").queuedMaxRequestBytes).toBe(536870912);
  });

  test("listener forms: IPv4, hostname, bracketed IPv6", () => {
    expect(parseListeners("PLAINTEXT://127.0.0.1:9092, PLAINTEXT://broker.local:19092,PLAINTEXT://[::1]:9093", "listeners"))
      .toEqual([
        { name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: "PLAINTEXT" },
        { name: "PLAINTEXT", host: "broker.local", port: 19092, securityProtocol: "PLAINTEXT" },
        { name: "PLAINTEXT", host: "::1", port: 9093, securityProtocol: "PLAINTEXT" },
      ]);
  });

  test("malformed listeners and bad numbers are ConfigErrors", () => {
    for (const bad of ["PLAINTEXT://:", "localhost:9092", "PLAINTEXT://:99999", "PLAINTEXT//:9092", "NOPE://:1"]) {
      expect(() => parseListeners(bad, "listeners")).toThrow(ConfigError);
    }
    expect(() => brokerConfigFrom(parseProperties("num.partitions=zero"), "t")).toThrow(ConfigError);
    // An SSL listener needs a key store (config/listener-security.ts; tested in test/config/listener-security.test.ts).
    expect(() => brokerConfigFrom(parseProperties("listeners=SSL://:9093"), "t")).toThrow(/listener SSL uses TLS but has no key store/);
  });

  test("retention keys: ms beats minutes beats hours", () => {
    expect(brokerConfigFrom(parseProperties("log.retention.hours=1"), "t").logRetentionMs).toBe(3_600_000);
    expect(brokerConfigFrom(parseProperties("log.retention.hours=1\nlog.retention.minutes=2"), "t").logRetentionMs).toBe(120_000);
    expect(brokerConfigFrom(parseProperties("log.retention.minutes=2\nlog.retention.ms=5"), "t").logRetentionMs).toBe(5);
    // KafkaConfig.logRetentionTimeMillis: any negative value means no limit, -1.
    expect(brokerConfigFrom(parseProperties("log.retention.minutes=-1"), "t").logRetentionMs).toBe(-1);
    expect(brokerConfigFrom(parseProperties("log.retention.hours=-5"), "t").logRetentionMs).toBe(-1);
  });

  test("values are checked with Kafka's type and range, for keys Bunka ignores too", () => {
    const refused = (text: string) => () => brokerConfigFrom(parseProperties(text), "t");
    expect(refused("log.segment.bytes=1048575")).toThrow("Invalid value 1048575 for configuration log.segment.bytes: Value must be at least 1048576");
    expect(refused("log.segment.bytes=2147483648")).toThrow("Invalid value 2147483648 for configuration log.segment.bytes: Not a number of type INT");
    expect(refused("delete.topic.enable=maybe")).toThrow("Invalid value maybe for configuration delete.topic.enable: Expected value to be either true or false");
    expect(refused("compression.type=brotli")).toThrow("Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer");
    expect(refused("num.network.threads=0")).toThrow("Invalid value 0 for configuration num.network.threads: Value must be at least 1");
    expect(brokerConfigFrom(parseProperties("log.segment.bytes= 1048576 \ndelete.topic.enable=FALSE"), "t").logSegmentBytes).toBe(1048576);
  });

  test("internal.log.segment.bytes (tests only) sets log.segment.bytes below 1 MiB, down to 14", () => {
    const config = brokerConfigFrom(parseProperties("internal.log.segment.bytes=2048\nlog.segment.bytes=1048576"), "t");
    expect(config.logSegmentBytes).toBe(2048);
    expect(config.raw.get("log.segment.bytes")).toBe("2048");
    expect(config.unusedKeys).toEqual({ kafkaOnly: [], unknown: [] });
    expect(() => brokerConfigFrom(parseProperties("internal.log.segment.bytes=13"), "t")).toThrow("Value must be at least 14");
  });

  test("unused keys: Kafka keys Bunka ignores apart from keys nobody defines", () => {
    const config = brokerConfigFrom(parseProperties("node.id=1\nlistener=PLAINTEXT://:9092\nnum.io.threads=8\nlog.dirs=/tmp/x\nfoo=1"), "t");
    expect(config.unusedKeys).toEqual({ kafkaOnly: ["num.io.threads"], unknown: ["listener", "foo"] });
  });

  test("an unreadable file is a ConfigError", () => {
    expect(() => loadBrokerConfig("/nonexistent/server.properties")).toThrow(ConfigError);
  });
});
