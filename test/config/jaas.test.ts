// sasl.jaas.config as Kafka's JaasConfig (StreamTokenizer) reads it.

import { expect, test } from "bun:test";
import { parseJaasConfig } from "../../src/config/jaas.ts";

test("PlainLoginModule with quoted and bare options, comments, escapes", () => {
  const m = parseJaasConfig(`org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="admin-secret" // the broker's own login
    user_admin="admin-secret" /* users: */ user_alice="al\\"ice;=x" user_bob=bare;`);
  expect(m.loginModule).toBe("org.apache.kafka.common.security.plain.PlainLoginModule");
  expect(m.flag).toBe("required");
  expect([...m.options]).toEqual([
    ["username", "admin"], ["password", "admin-secret"], ["user_admin", "admin-secret"], ["user_alice", 'al"ice;=x'], ["user_bob", "bare"],
  ]);
});

test("a module without options; flags are case-insensitive", () => {
  const m = parseJaasConfig("org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED;");
  expect(m.flag).toBe("required");
  expect(m.options.size).toBe(0);
});

test("malformed entries are refused with Kafka's wording where it has one", () => {
  expect(() => parseJaasConfig("x.Module required a=\"b\"")).toThrow("does not end with ';'");
  expect(() => parseJaasConfig("x.Module mandatory;")).toThrow("Invalid login module control flag 'mandatory'");
  expect(() => parseJaasConfig("a.M required; b.M required;")).toThrow("JAAS config property contains 2 login modules, should be 1 module");
  expect(() => parseJaasConfig("")).toThrow("JAAS config property contains 0 login modules, should be 1 module");
  expect(() => parseJaasConfig('x.M required a="b;')).toThrow("unterminated");
  expect(() => parseJaasConfig("x.M required a b;")).toThrow("expected '=' after option a");
});
