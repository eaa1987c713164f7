// Well-formed requests with bad values, straight into the handlers: for every served API and
// version, random requests that the schema allows (null strings, arrays and ids where the spec
// says nullable, zero and unknown UUIDs, negative and huge numbers, names that exist and names
// that do not) are read, handled and answered over a real log dir and group coordinator. Every
// one must be answered with a response that encodes and decodes at its version (or refused
// as Kafka refuses it); none may throw. Seeded: a failure names its seed.
//
// BUNKA_FUZZ_ITERATIONS (default 12 per API version) and BUNKA_FUZZ_SEED (default 1) run it
// longer or elsewhere, e.g. BUNKA_FUZZ_ITERATIONS=2000 bun test test/handlers/fuzz.test.ts

import { afterAll, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { refusedRequest, registeredApis, RequestError, type ApiHandler, type RequestContext } from "../../src/handlers/registry.ts";
import { startGroupCoordinator } from "../../src/groups/startup.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { CODECS, type CodecDesc } from "../protocol/schemas.generated.ts";
import { handlerHarness } from "../support/handler-harness.ts";
import { SaslAuthenticator } from "../../src/security/sasl-authenticator.ts";
import { prng, ValueFactory } from "../support/schema-values.ts";

const ITERATIONS = Number(process.env.BUNKA_FUZZ_ITERATIONS ?? 12);
const SEED = Number(process.env.BUNKA_FUZZ_SEED ?? 1);
/** How long a parked answer (JoinGroup, SyncGroup, a long-polling Fetch) is waited for. */
const PARK_MS = 20;

const { open, ctx } = handlerHarness("fuzz");
const b = open("group.initial.rebalance.delay.ms=0\nauto.create.topics.enable=false");
b.broker.groups = startGroupCoordinator(b.broker.config, b.store);
afterAll(() => b.broker.groups?.shutdown());

const topic = b.store.metadata.createTopic("target", 2, { nodeId: 1, configs: [] });
const vocabulary = {
  strings: ["target", "__consumer_offsets", "group-a", "", "consumer", "range", "1", "retention.ms", "cleanup.policy"],
  uuids: [topic.topicId, "00000000000000000000000000000000"],
};

const modules = new Map<string, Record<string, unknown>>();
for (const c of CODECS) {
  if (c.name.endsWith("Request") && !modules.has(c.module)) {
    modules.set(c.module, (await import(`../../${c.module}`)) as Record<string, unknown>);
  }
}

function requestCodec(handler: ApiHandler): { desc: CodecDesc; write: Function; readResponse: Function } {
  const desc = CODECS.find((c) => c.name === `${handler.name}Request`)!;
  const mod = modules.get(desc.module)!;
  return {
    desc,
    write: mod[`write${handler.name}Request`] as Function,
    readResponse: mod[`read${handler.name}Response`] as Function,
  };
}

let saslRound = 0;
/** A SASL_PLAINTEXT connection's authenticator, before its handshake (17) or after it (36). */
function saslConnection(apiKey: number): SaslAuthenticator {
  const mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
  const a = new SaslAuthenticator({ mechanisms, plainUsers: new Map([["target", "1"]]), maxReauthMs: new Map(), maxReceiveBytes: 524288 }, () => undefined);
  if (apiKey === 36) a.handshake(mechanisms[saslRound++ % 3]!, 1);
  return a;
}

/** What happened to one request: null when it was answered as it should be. */
async function exercise(handler: ApiHandler, version: number, request: unknown, codec: ReturnType<typeof requestCodec>): Promise<string | null> {
  const w = new Writer(256, null);
  codec.write(w, version, request);
  const r = new Reader(w.finish().slice());
  const decoded = handler.readRequest(r, version);
  if (r.failed) return "the request did not decode";
  const context: RequestContext = { ...ctx(b, handler.apiKey, version), remoteAddress: "127.0.0.1" };
  // SaslHandshake and SaslAuthenticate also meet a SASL connection waiting for them.
  if ((handler.apiKey === 17 || handler.apiKey === 36) && (version & 1) === 0) context.sasl = saslConnection(handler.apiKey);
  let result: unknown;
  try {
    result = handler.handle(decoded, context);
    if (result instanceof Promise) {
      const parked = Symbol();
      result = await Promise.race([result, Bun.sleep(PARK_MS).then(() => parked)]);
      if (result === parked) return null;
    }
  } catch (e) {
    // Refused as Kafka refuses it: the error response must encode like any other answer.
    if (!(e instanceof RequestError)) return `handle threw ${(e as Error)?.stack ?? e}`;
    const refused = refusedRequest(handler, decoded, context, e);
    if ("close" in refused) return null;
    result = refused.response;
  }
  if (result === null) return null;
  const out = new Writer(256, null);
  try {
    handler.writeResponse(out, version, result);
  } catch (e) {
    return `the response did not encode: ${(e as Error)?.stack ?? e}`;
  }
  const rr = new Reader(out.finish().slice());
  codec.readResponse(rr, version);
  if (rr.failed || rr.remaining !== 0) return "the response did not decode";
  return null;
}

test(`every served API and version answers ${ITERATIONS} random well-formed requests (seed ${SEED})`, async () => {
  const failures: string[] = [];
  let sent = 0;
  for (const handler of registeredApis()) {
    const codec = requestCodec(handler);
    for (let version = handler.minVersion; version <= handler.maxVersion; version++) {
      for (let i = 0; i < ITERATIONS; i++) {
        const seed = SEED * 1_000_000 + handler.apiKey * 10_000 + version * 1000 + i;
        const request = new ValueFactory(codec.desc, prng(seed), vocabulary).struct(codec.desc.name, version, 0);
        sent++;
        const problem = await exercise(handler, version, request, codec);
        if (problem !== null) failures.push(`${handler.name} v${version} seed ${seed}: ${problem.split("\n").slice(0, 4).join(" | ")}`);
      }
    }
  }
  expect(sent).toBeGreaterThan(100);
  expect(failures).toEqual([]);
}, 600_000);
