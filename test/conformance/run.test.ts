// The conformance runner's own logic: reading `go test -v` output (as the Go toolchain prints it),
// the known-failures list and the CI check. The suites themselves run in `npm run conformance`.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAgainstKnown, clientHang, readKnownFailures, runPattern, verdict, type SuiteRun } from "./run.ts";
import { SUITES, testsReadingTestconf } from "./suites.ts";

// Output shapes of `go test -v` (Go 1.2x): results are "--- VERB: name (secs)", subtests
// indented by four spaces per level, t.Log/t.Error lines as "    file_test.go:NN: message" under
// the "=== RUN/CONT/NAME" header of the test that wrote them.
const FAILING = `=== RUN   TestTxnEtl
=== PAUSE TestTxnEtl
=== CONT  TestTxnEtl
=== RUN   TestTxnEtl/sticky/848
    helpers_test.go:866: broker does not support KIP-848 (requires ConsumerGroupHeartbeat, key 68)
=== RUN   TestTxnEtl/range
=== NAME  TestTxnEtl
    txn_test.go:50: unable to begin transaction: TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    txn_test.go:90: unexpected produce err: not in a transaction
--- FAIL: TestTxnEtl (3.20s)
    --- SKIP: TestTxnEtl/sticky/848 (0.00s)
    --- PASS: TestTxnEtl/range (1.10s)
FAIL
`;

describe("verdict", () => {
  test("a failure: status, subtests, and the failing test's own lines (not a skipped subtest's)", () => {
    const v = verdict(FAILING, "TestTxnEtl", 1, false, 120);
    expect(v.status).toBe("FAIL");
    expect(v.subtests).toEqual([{ name: "sticky/848", status: "SKIP" }, { name: "range", status: "PASS" }]);
    expect(v.detail).toBe("txn_test.go:50: unable to begin transaction: TRANSACTIONAL_ID_AUTHORIZATION_FAILED | txn_test.go:90: unexpected produce err: not in a transaction");
    expect(v.timedOut).toBeUndefined();
  });

  test("a skip carries the test's message", () => {
    const text = "=== RUN   TestSCRAMAuth\n    scram_test.go:12: KGO_TEST_SCRAM not set\n--- SKIP: TestSCRAMAuth (0.00s)\nPASS\n";
    const v = verdict(text, "TestSCRAMAuth", 0, false, 120);
    expect(v).toMatchObject({ status: "SKIP", detail: "KGO_TEST_SCRAM not set" });
    // A cleanup after the skip logs from panic.go (runtime.Goexit): the reason is the line before.
    const withCleanup = "=== RUN   TestX\n    produce_test.go:218: broker still takes produce v2\n    panic.go:694: deleting topic abc\n--- SKIP: TestX (0.00s)\n";
    expect(verdict(withCleanup, "TestX", 0, false, 120).detail).toBe("broker still takes produce v2");
  });

  test("a time-out is a failure with the first report, even without a result line", () => {
    const text = FAILING.split("--- FAIL")[0] + "panic: test timed out after 2m0s\n\trunning tests:\n\t\tTestTxnEtl (2m0s)\n";
    const v = verdict(text, "TestTxnEtl", 2, false, 120);
    expect(v.status).toBe("FAIL");
    expect(v.timedOut).toBe(true);
    expect(v.detail).toStartWith("timed out after 120 s (-test.timeout); first report: txn_test.go:50:");
  });

  test("killed by the backstop, crashed, or never run: all failures", () => {
    expect(verdict("=== RUN   TestX\n", "TestX", null, true, 30)).toMatchObject({ status: "FAIL", timedOut: true });
    expect(verdict("=== RUN   TestX\nSIGSEGV: segmentation violation\n", "TestX", 2, false, 30).status).toBe("FAIL");
    expect(verdict("testing: warning: no tests to run\nPASS\n", "TestX", 0, false, 30).status).toBe("FAIL");
  });

  test("a pass", () => {
    const v = verdict("=== RUN   TestPing\n--- PASS: TestPing (0.01s)\nPASS\n", "TestPing", 0, false, 120);
    expect(v).toEqual({ status: "PASS", subtests: [], detail: "" });
  });
});

describe("known failures", () => {
  const run = (tests: [string, "PASS" | "FAIL" | "SKIP"][]): SuiteRun => ({
    suite: "s", title: "S", module: "m", version: "v1", target: "bunka", broker: "Bunka", date: "", seconds: 0,
    tests: tests.map(([name, status]) => ({ name, status, seconds: 0, subtests: [], detail: "" })),
  });

  test("a failure not on the list is unexpected; one on the list that passes is reported as fixed", () => {
    const known = readKnownFailures("# comment\n\ns TestA needs transactions (issue 12)\ns TestB needs ACLs\nother TestC x\n");
    expect(known).toEqual([
      { suite: "s", test: "TestA", reason: "needs transactions (issue 12)" },
      { suite: "s", test: "TestB", reason: "needs ACLs" },
      { suite: "other", test: "TestC", reason: "x" },
    ]);
    const outcome = checkAgainstKnown(run([["TestA", "FAIL"], ["TestB", "PASS"], ["TestC", "FAIL"], ["TestD", "SKIP"]]), known);
    expect(outcome.unexpected.map((t) => t.name)).toEqual(["TestC"]);
    expect(outcome.fixed.map((k) => k.test)).toEqual(["TestB"]);
  });

  test("a line without a reason is refused", () => {
    expect(() => readKnownFailures("s TestA\n")).toThrow(/expected/);
  });

  test("the committed list names real suites, and every entry has a reason", () => {
    const known = readKnownFailures(readFileSync(join(import.meta.dir, "known-failures.txt"), "utf8"));
    for (const k of known) {
      expect(SUITES.map((s) => s.name)).toContain(k.suite);
      expect(k.reason.length).toBeGreaterThan(10);
    }
  });
});

describe("the suites' SASL listeners", () => {
  // Kafka refuses to start a SASL listener without a JAAS entry for each enabled mechanism, and a
  // SCRAM user of a mechanism the listener does not enable could never log in.
  test("every enabled mechanism has a JAAS config, and every SCRAM user's mechanism is enabled", () => {
    const withSasl = SUITES.filter((s) => s.sasl !== undefined);
    expect(withSasl.map((s) => s.name).sort()).toEqual(["confluent-kafka-go-integration", "franz-go", "kafka-go"]);
    for (const s of withSasl) {
      const sasl = s.sasl!;
      expect(Object.keys(sasl.jaas).sort()).toEqual(sasl.mechanisms.map((m) => m.toLowerCase()).sort());
      for (const u of sasl.scramUsers) expect(sasl.mechanisms).toContain(u.mechanism);
    }
  });

  test("franz-go's environment names the SASL listener only when there is one", () => {
    const franz = SUITES.find((s) => s.name === "franz-go")!;
    expect(franz.env("h:1", "h:2")).toMatchObject({ KGO_SEEDS: "h:1", KGO_TEST_SCRAM_SEEDS: "h:2", KGO_TEST_OAUTH_SEEDS: "h:2", KGO_TEST_SCRAM: "testuser:testpass" });
    expect(franz.env("h:1")).not.toHaveProperty("KGO_TEST_SCRAM_SEEDS");
  });
});

describe("confluent-kafka-go's integration suite", () => {
  const ckg = SUITES.find((s) => s.name === "confluent-kafka-go-integration")!;

  test("testconf.json names both listeners and the SASL user its CI's JAAS file has", () => {
    const conf = JSON.parse(ckg.files!("h:1", "h:2")["testconf.json"]!) as Record<string, unknown>;
    expect(conf).toMatchObject({ Brokers: "h:1", BrokersSasl: "h:2", SaslUsername: "testuser", SaslPassword: "testpass", SaslMechanism: "PLAIN" });
    expect(ckg.sasl!.jaas["plain"]).toContain('user_testuser="testpass"');
    expect(ckg.sasl!.controller?.jaas).toContain('username="admin"');
  });

  test("TestIntegration is run one testify method at a time, other tests whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckg-subtests-"));
    try {
      writeFileSync(join(dir, "integration_test.go"), [
        "func (its *IntegrationTestSuite) TearDownSuite() {",
        "func (its *IntegrationTestSuite) TestAdminACLs() {",
        "func (its *IntegrationTestSuite) TestProducerFunc() {",
        "func helper(its *IntegrationTestSuite) {",
      ].join("\n"));
      expect(ckg.subtests!("TestIntegration", dir)).toEqual(["TestIntegration/TestAdminACLs", "TestIntegration/TestProducerFunc"]);
      expect(ckg.subtests!("TestTransactionalProducer", dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a subtest's -test.run pattern matches that subtest only, level by level", () => {
    expect(runPattern("TestA")).toBe("^TestA$");
    expect(runPattern("TestIntegration/TestAdminACLs")).toBe("^TestIntegration$/^TestAdminACLs$");
  });

  test("a subtest run alone: its own result line is the verdict", () => {
    const out = "=== RUN   TestIntegration\n=== RUN   TestIntegration/TestAdminACLs\n" +
      "    integration_test.go:10: CreateAcls failed\n--- FAIL: TestIntegration (0.50s)\n    --- FAIL: TestIntegration/TestAdminACLs (0.40s)\nFAIL\n";
    const v = verdict(out, "TestIntegration/TestAdminACLs", 1, false, 120);
    expect(v.status).toBe("FAIL");
    expect(v.detail).toContain("CreateAcls failed");
  });
});

describe("confluent-kafka-go: what is run, and which time-outs are the client's", () => {
  const ckg = SUITES.find((s) => s.name === "confluent-kafka-go")!;
  const integration = SUITES.find((s) => s.name === "confluent-kafka-go-integration")!;
  // A real dump: TestAdminClient_ListAndDescribeConsumerGroups against Bunka on 2026-12-02, hung
  // in Consumer.Close() (librdkafka#4884); only librdkafka's CONFWARN lines are left out.
  const hung = readFileSync(join(import.meta.dir, "fixtures", "librdkafka-close-hang.txt"), "utf8");

  test("the hang inside librdkafka's close is recognised in both suites' dumps", () => {
    const v = verdict(hung, "TestIntegration/TestAdminClient_ListAndDescribeConsumerGroups", 2, false, 60);
    expect(v.timedOut).toBe(true);
    expect(clientHang(integration, hung)?.why).toContain("librdkafka#4884");
    expect(clientHang(ckg, hung)).toBeDefined();
  });

  test("any other time-out is not: the test's own wait, or rd_kafka_assign outside Close", () => {
    // The same dump without the hung goroutine: only the test framework waiting on it.
    const framework = hung.slice(0, hung.indexOf("goroutine 6 [syscall]"));
    expect(framework).toContain("panic: test timed out");
    expect(clientHang(integration, framework)).toBeUndefined();
    // The application calling Assign itself from its own poll loop (no Close below it).
    const ownAssign = hung.replace(/\(\*Consumer\)\.Close\(/g, "(*Consumer).Poll(");
    expect(ownAssign).not.toBe(hung);
    expect(clientHang(integration, ownAssign)).toBeUndefined();
    // TestTransactionalProducer's race is the test's own: several attempts, one must pass.
    expect(integration.flaky).toEqual([expect.objectContaining({ test: "TestTransactionalProducer", attempts: 8 })]);
    expect(integration.flaky![0]!.why).toContain("Flush(-1) does not wait");
    // A suite without known client hangs retries none.
    expect(clientHang(SUITES.find((s) => s.name === "franz-go")!, hung)).toBeUndefined();
  });

  test("only tests that read testconf.json, directly or through helpers, are selected", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckg-select-"));
    try {
      writeFileSync(join(dir, "a_test.go"), [
        "func TestDirect(t *testing.T) {",
        "\tif !testconfRead() {",
        "\t\tt.Skipf(\"Missing testconf.json\")",
        "\t}",
        "}",
        "func TestThroughHelpers(t *testing.T) {",
        "\ta := newAdmin(t)",
        "\t_ = a",
        "}",
        "func TestUnitOnly(t *testing.T) {",
        "\tNewProducer(&ConfigMap{\"bootstrap.servers\": \"127.0.0.1:65533\"})",
        "}",
      ].join("\n"));
      writeFileSync(join(dir, "helpers_test.go"), [
        "func newAdmin(t *testing.T) *AdminClient {",
        "\treturn createAdminClient(t)",
        "}",
        "func createAdminClient(t *testing.T) *AdminClient {",
        "\tconf := ConfigMap{\"bootstrap.servers\": testconf.Brokers}",
        "\treturn nil",
        "}",
        "func testconfRead() bool {",
        "\treturn readTestConf(&testconf)",
        "}",
      ].join("\n"));
      expect([...testsReadingTestconf(dir)].filter((n) => n.startsWith("Test")).sort()).toEqual(["TestDirect", "TestThroughHelpers"]);
      expect(ckg.select("TestDirect", dir)).toBe(true);
      expect(ckg.select("TestUnitOnly", dir)).toBe(false);
      expect(ckg.select("BenchmarkX", dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
