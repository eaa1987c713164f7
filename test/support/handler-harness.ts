// Handlers called directly over a real LogStore (a temp dir, or a FileSystem given), without a
// socket: request bytes → handler → response bytes → decoded response, at one version, checking
// that both sides decode completely. Shared by the admin handler tests.

import { afterAll, expect } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { handlerFor, refusedRequest, type BrokerContext, type RequestContext } from "../../src/handlers/registry.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import type { FileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { authorizerFor } from "../../src/handlers/authorization.ts";
import { ANONYMOUS, type Principal } from "../../src/security/authorizer.ts";

export interface HarnessBroker {
  broker: BrokerContext;
  store: LogStore;
  dir: string;
  props: string;
  fs?: FileSystem;
}

/** Who sends a request: a principal (User:ANONYMOUS unless given) from a client address (127.0.0.1). */
export interface Sender {
  principal?: Principal;
  host?: string;
}

/** A message's generated writer and reader, as a pair. */
export interface Codec<Req, Res> {
  spec: { apiKey: number };
  write: (w: Writer, v: number, m: Req) => void;
  read: (r: Reader, v: number) => Res;
}

/** One test file's brokers (closed and their temp dirs removed after the file's tests). */
export function handlerHarness(name: string) {
  const tmpRoots: string[] = [];
  const stores: LogStore[] = [];
  afterAll(() => {
    for (const s of stores) {
      try {
        s.close();
      } catch {
        // already closed by the test
      }
    }
    for (const d of tmpRoots) nodeFs.rmSync(d, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = nodeFs.mkdtempSync(join(tmpdir(), `bunka-${name}-`));
    tmpRoots.push(dir);
    return dir;
  }

  /** A broker over a log dir (fresh unless given), with extra server.properties lines. */
  function open(props = "", dir = tempDir(), fs?: FileSystem): HarnessBroker {
    const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${dir}\n${props}`), "test");
    const store = LogStore.open({ logDirs: [dir], fs, segmentBytes: config.logSegmentBytes });
    stores.push(store);
    // None of the admin APIs touch consumer groups. The authorizer when the props configure one.
    const authorizer = authorizerFor(config, store.metadata);
    return { broker: { config, store, clusterId: "QnVua2FGaXh0dXJlQ2x1cw", groups: undefined as never, authorizer }, store, dir, props, fs };
  }

  /** The same log dir opened again, as after a restart. */
  function reopen(b: HarnessBroker): HarnessBroker {
    b.store.close();
    return open(b.props, b.dir, b.fs);
  }

  function ctx(b: HarnessBroker, apiKey: number, apiVersion: number, sender: Sender = {}): RequestContext {
    return {
      broker: b.broker, apiKey, apiVersion, correlationId: 1, clientId: `${name}-test`,
      listener: b.broker.config.listeners[0]!, localAddress: "127.0.0.1", localPort: 9092,
      remoteAddress: sender.host ?? "127.0.0.1", principal: sender.principal ?? ANONYMOUS,
    };
  }

  /** Request bytes → handler → response bytes → decoded response, at one version. */
  async function call<Req, Res>(b: HarnessBroker, codec: Codec<Req, Res>, version: number, request: Req, sender: Sender = {}): Promise<Res> {
    const handler = handlerFor(codec.spec.apiKey)!;
    expect(version).toBeGreaterThanOrEqual(handler.minVersion);
    expect(version).toBeLessThanOrEqual(handler.maxVersion);
    const w = new Writer(256, null);
    codec.write(w, version, request);
    // As the connection delivers it: a Node Buffer (Bun's socket chunks and receive buffers are
    // Buffers, whose slice() is a view, not a copy), valid only during the handler's synchronous
    // part; overwritten right after, as the next socket read would.
    const frame = Buffer.from(w.finish());
    const r = new Reader(frame);
    const decoded = handler.readRequest(r, version);
    expect(r.failed).toBe(false);
    const context = ctx(b, codec.spec.apiKey, version, sender);
    let response;
    try {
      let result;
      try {
        result = handler.handle(decoded, context);
      } finally {
        frame.fill(0xee);
      }
      response = await result;
    } catch (e) {
      // As the connection answers a refused request: the API's error response, or a close.
      const refused = refusedRequest(handler, decoded, context, e);
      if ("close" in refused) throw e;
      response = refused.response;
    }
    const out = new Writer(256, null);
    handler.writeResponse(out, version, response);
    const rr = new Reader(out.finish().slice());
    const res = codec.read(rr, version);
    expect(rr.failed).toBe(false);
    expect(rr.remaining).toBe(0);
    return res;
  }

  return { tempDir, open, reopen, ctx, call };
}
