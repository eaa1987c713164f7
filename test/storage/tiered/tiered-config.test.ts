// Tiered storage's configuration: the broker keys and AWS environment fallbacks
// (tieredStorageSettings), the topic keys as TopicLogConfig resolves them, and Kafka's checks of
// remote.storage.enable (LogConfig.validateRemoteStorageOnlyIfSystemEnabled,
// validateNoRemoteStorageForCompactedTopic).

import { describe, expect, test } from "bun:test";
import { tieredStorageSettings, topicLogConfig } from "../../../src/config/log-config.ts";
import { staticConfigLayers, validateTopicConfigs } from "../../../src/config/config-values.ts";

const broker = (values: Record<string, string>) => (key: string) => values[key];

describe("tieredStorageSettings", () => {
  test("off unless remote.log.storage.system.enable=true", () => {
    expect(tieredStorageSettings(broker({}), {})).toBeNull();
    expect(tieredStorageSettings(broker({ "remote.log.storage.system.enable": "false" }), {})).toBeNull();
  });

  test("remote.fetch.max.wait.ms: Kafka's default 500, else the key", () => {
    const on = { "remote.log.storage.system.enable": "true", "bunka.remote.storage.s3.bucket": "b" };
    expect(tieredStorageSettings(broker(on), {})!.fetchMaxWaitMs).toBe(500);
    expect(tieredStorageSettings(broker({ ...on, "remote.fetch.max.wait.ms": "120" }), {})!.fetchMaxWaitMs).toBe(120);
  });

  test("Bunka's keys first, then the AWS environment; credentials only from the environment", () => {
    const s = tieredStorageSettings(broker({
      "remote.log.storage.system.enable": "true", "bunka.remote.storage.s3.bucket": "b1",
      "bunka.remote.storage.s3.endpoint": "http://127.0.0.1:9", "bunka.remote.storage.s3.prefix": "p",
      "remote.log.manager.task.interval.ms": "250",
    }), { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://other" })!;
    expect(s).toMatchObject({
      bucket: "b1", endpoint: "http://127.0.0.1:9", prefix: "p/", region: "eu-west-1",
      accessKeyId: "id", secretAccessKey: "secret", taskIntervalMs: 250,
    });
    const fromEnv = tieredStorageSettings(broker({ "remote.log.storage.system.enable": "true" }), {
      AWS_BUCKET: "b2", AWS_ENDPOINT_URL_S3: "http://s3", AWS_DEFAULT_REGION: "ap-south-1",
    })!;
    expect(fromEnv).toMatchObject({ bucket: "b2", endpoint: "http://s3", region: "ap-south-1", prefix: "", taskIntervalMs: 30_000 });
  });

  test("no bucket anywhere is a config error", () => {
    expect(() => tieredStorageSettings(broker({ "remote.log.storage.system.enable": "true" }), {})).toThrow("bunka.remote.storage.s3.bucket");
  });
});

describe("topic keys", () => {
  test("remote.storage.enable applies only with the broker's tiered storage on; local retention defaults to -2", () => {
    const topic = new Map([["remote.storage.enable", "true"], ["local.retention.bytes", "0"]]);
    expect(topicLogConfig(topic, broker({})).remoteStorageEnable).toBe(false);
    const on = topicLogConfig(topic, broker({ "remote.log.storage.system.enable": "true" }));
    expect(on).toMatchObject({ remoteStorageEnable: true, localRetentionBytes: 0, localRetentionMs: -2 });
    expect(topicLogConfig(undefined, broker({ "log.local.retention.ms": "5000" })).localRetentionMs).toBe(5000);
  });

  test("Kafka's checks: refused while the broker's tiered storage is off, and for compacted topics", () => {
    const off = validateTopicConfigs([{ name: "remote.storage.enable", value: "true" }], staticConfigLayers(new Map()));
    expect(off).toEqual({ ok: false, message: "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage." });
    const layers = staticConfigLayers(new Map([["remote.log.storage.system.enable", "true"]]));
    expect(validateTopicConfigs([{ name: "remote.storage.enable", value: "true" }], layers).ok).toBe(true);
    expect(validateTopicConfigs([{ name: "remote.storage.enable", value: "true" }, { name: "cleanup.policy", value: "compact" }], layers))
      .toEqual({ ok: false, message: "Remote log storage is unsupported for the compacted topics" });
  });
});
