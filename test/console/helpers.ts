// The console's tests: the compiled ./bunka on free ports (Kafka and HTTP), spoken to over HTTP
// like the browser does, and with kafkajs (unmodified) as an independent Kafka client.

import { Kafka, logLevel } from "kafkajs";
import { startBroker, type BrokerOptions, type RunningBroker } from "../support/broker-process.ts";

export interface ConsoleBroker {
  broker: RunningBroker;
  base: string;
  kafka: Kafka;
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** The NDJSON events of a streamed search. */
  search(topic: string, query: string): Promise<any[]>;
}

export async function startConsoleBroker(opts: BrokerOptions = {}): Promise<ConsoleBroker> {
  const broker = await startBroker({
    ...opts,
    // Few internal partitions: faster start, and groups land on one partition of __consumer_offsets.
    properties: { "offsets.topic.num.partitions": 1, "transaction.state.log.num.partitions": 1, ...opts.properties },
  });
  const port = broker.ports.HTTP;
  if (port === undefined) throw new Error(`no HTTP listener:\n${broker.output()}`);
  const base = `http://127.0.0.1:${port}`;
  const timeout = () => AbortSignal.timeout(10_000);
  return {
    broker, base,
    kafka: new Kafka({ clientId: "console-test", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING }),
    async get(path) {
      const r = await fetch(`${base}${path}`, { signal: timeout() });
      return { status: r.status, body: await r.json() };
    },
    async post(path, body, headers = {}) {
      const r = await fetch(`${base}${path}`, {
        method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: timeout(),
      });
      return { status: r.status, body: await r.json() };
    },
    async search(topic, query) {
      const r = await fetch(`${base}/api/topics/${encodeURIComponent(topic)}/search?${query}`, { signal: timeout() });
      if (r.status !== 200) throw new Error(`search answered ${r.status}: ${await r.text()}`);
      return (await r.text()).trim().split("\n").map((l) => JSON.parse(l));
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    await Bun.sleep(100);
  }
}
