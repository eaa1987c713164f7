// An ObjectStore on S3-compatible object storage through Bun's built-in S3 client (Bun.S3Client):
// put = PutObject, get = GetObject with a Range header (S3File.slice), list = ListObjectsV2 (all
// pages), delete = DeleteObject. Keys are `prefix + key`. Path-style addressing
// (`<endpoint>/<bucket>/<key>`), which every S3-compatible server serves; virtual-hosted style
// only when asked for (bunka.remote.storage.s3.virtual.hosted.style=true).

import { S3Client } from "bun";
import { ObjectStoreError, type ObjectStore } from "./object-store.ts";

export interface S3StoreSettings {
  /** e.g. http://127.0.0.1:8333; unset: AWS's own endpoint for the region. */
  endpoint?: string;
  bucket: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Prepended to every key ("" or ending in "/"). */
  prefix: string;
  virtualHostedStyle?: boolean;
}

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(settings: S3StoreSettings) {
    this.client = new S3Client({
      bucket: settings.bucket,
      endpoint: settings.endpoint,
      region: settings.region,
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      sessionToken: settings.sessionToken,
      virtualHostedStyle: settings.virtualHostedStyle ?? false,
    });
    this.prefix = settings.prefix;
    this.description = `s3 ${settings.endpoint ?? "(AWS)"} bucket ${settings.bucket}${settings.prefix ? ` prefix ${settings.prefix}` : ""}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.call(`put ${key}`, () => this.client.write(this.prefix + key, body));
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Uint8Array> {
    const file = this.client.file(this.prefix + key);
    const bytes = await this.call(`get ${key}`, () => (range === undefined ? file : file.slice(range.start, range.end)).arrayBuffer());
    return new Uint8Array(bytes);
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.call(`list ${prefix}`, () => this.client.list({ prefix: this.prefix + prefix, continuationToken }));
      for (const o of page.contents ?? []) keys.push(o.key.slice(this.prefix.length));
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.call(`delete ${key}`, () => this.client.delete(this.prefix + key));
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new ObjectStoreError(`${this.description}: ${what}: ${code ?? ""} ${(e as Error).message ?? e}`.trim(), code === "NoSuchKey");
    }
  }
}
