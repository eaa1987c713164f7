// An S3-compatible server for the tiered storage tests: gofakes3 (test/support/s3-server-dist.sh
// builds it into the cache), started on a free port with its filesystem backend in a temp dir, so
// that stopping and starting it again (an outage) keeps the bucket's objects. Tests that need it
// call s3ServerBinary() and skip, saying why, when it is missing (no Go on the machine).

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync, type Subprocess } from "bun";

const DIST = join(import.meta.dir, "s3-server-dist.sh");

/** The server binary, built (74 s on a fresh machine, once) if Go is there; null if it cannot be. */
export function s3ServerBinary(): string | null {
  const cached = join(process.env.BUNKA_CACHE ?? join(process.env.HOME ?? "/root", ".cache/bunka"), "gofakes3-v1.2.0/bin/gofakes3");
  if (existsSync(cached)) return cached;
  const built = spawnSync(["bash", DIST], { stdout: "pipe", stderr: "inherit" });
  const path = built.stdout.toString().trim();
  return built.exitCode === 0 && existsSync(path) ? path : null;
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

export class S3TestServer {
  readonly endpoint: string;
  private proc: Subprocess | null = null;
  private readonly dataDir: string;

  private constructor(private readonly binary: string, readonly port: number, readonly bucket: string) {
    this.endpoint = `http://127.0.0.1:${port}`;
    this.dataDir = mkdtempSync(join(tmpdir(), "bunka-s3-"));
  }

  /** Starts a server with `bucket` made (on `port`, else a free one); throws if it does not answer within 10 s. */
  static async start(binary: string, bucket = "bunka-tiered", port = freePort()): Promise<S3TestServer> {
    const server = new S3TestServer(binary, port, bucket);
    await server.resume();
    const made = await fetch(`${server.endpoint}/${bucket}`, { method: "PUT" });
    if (!made.ok && made.status !== 409) throw new Error(`making bucket ${bucket}: HTTP ${made.status} ${await made.text()}`);
    return server;
  }

  /** The server process's pid while it runs (its CPU time in /proc, for the benchmarks), else null. */
  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** The credentials Bun's S3 client signs with (gofakes3 accepts any). */
  get settings() {
    return { endpoint: this.endpoint, bucket: this.bucket, region: "us-east-1", accessKeyId: "bunka", secretAccessKey: "bunka-secret", prefix: "" };
  }

  /** Starts the process again on the same port and data (after pause()). */
  async resume(): Promise<void> {
    if (this.proc !== null) return;
    this.repairMetadata();
    this.proc = Bun.spawn([this.binary, "-backend", "fs", "-fs.path", this.dataDir, "-fs.create", "-host", `127.0.0.1:${this.port}`], {
      stdout: "ignore", stderr: "ignore",
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await fetch(`${this.endpoint}/`, { signal: AbortSignal.timeout(500) });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`S3 test server on ${this.endpoint} did not answer within 10 s`);
        await Bun.sleep(50);
      }
    }
  }

  /**
   * Real S3's PUT is atomic; gofakes3's fs backend (v1.2.0) writes an object's file, then its
   * metadata file (<data>/metadata/<bucket>/..., naming <data>/buckets/<bucket>/<key>) in place. pause() killing it in the middle of a
   * PUT can leave an object without metadata or with a truncated JSON one, and either fails every
   * later LIST over it with "InternalError" (seen once in a full test run; loadMeta, missing the
   * file, hashes the metadata path instead of the object's). Before a restart, as S3 would: a PUT
   * that did not finish never happened. Unreadable metadata files go, then every object file
   * that no metadata file names.
   */
  private repairMetadata(): void {
    const metaRoot = join(this.dataDir, "metadata");
    if (!existsSync(metaRoot)) return;
    const named = new Set<string>(); // "<bucket>/<key>", as the metadata's File field names it
    for (const name of readdirSync(metaRoot, { recursive: true }) as string[]) {
      const path = join(metaRoot, name);
      if (!statSync(path).isFile()) continue;
      try {
        named.add((JSON.parse(readFileSync(path, "utf8")) as { File: string }).File);
      } catch {
        rmSync(path, { force: true });
      }
    }
    const objects = join(this.dataDir, "buckets"); // <bucket>/<key>
    if (!existsSync(objects)) return;
    for (const name of readdirSync(objects, { recursive: true }) as string[]) {
      const path = join(objects, name);
      if (statSync(path).isFile() && !named.has(name)) rmSync(path, { force: true });
    }
  }

  /** Stops the process (the bucket unreachable); its data stays for resume(). */
  async pause(): Promise<void> {
    const p = this.proc;
    if (p === null) return;
    this.proc = null;
    p.kill();
    await p.exited;
  }

  /** Stops the server and removes its data. */
  async stop(): Promise<void> {
    await this.pause();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
