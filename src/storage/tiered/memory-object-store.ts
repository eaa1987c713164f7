// An in-memory ObjectStore for tests, with the faults the remote log tasks must survive: the
// store unreachable (every operation fails), a chosen operation failing (`failWhen`), reads held
// up (`delay`: a slow or stuck bucket), and a hook
// run before an operation lands (to simulate a crash at that point). An upload reads its source a
// part at a time, calling the hooks with "part" before each read, and the object appears only
// after the last part (as an S3 multipart upload appears at CompleteMultipartUpload). It counts operations, so a
// test can tell a segment was uploaded once and not twice.

import { ObjectStoreError, UPLOAD_PART_BYTES, type ObjectStore, type UploadSource } from "./object-store.ts";

export type ObjectOperation = "put" | "part" | "get" | "list" | "delete";

export class MemoryObjectStore implements ObjectStore {
  readonly description = "memory";
  private readonly objects = new Map<string, Uint8Array>();
  /** Every operation fails while true (the bucket is unreachable). */
  unreachable = false;
  /** An operation for which this returns true fails (before it changes anything). */
  failWhen: ((op: ObjectOperation, key: string) => boolean) | null = null;
  /** Awaited before an operation runs, when it returns a promise (a slow or stuck bucket). */
  delay: ((op: ObjectOperation, key: string) => Promise<void> | null) | null = null;
  /** Called before an operation lands; a throw from it fails the operation (a crash there). */
  before: ((op: ObjectOperation, key: string) => void) | null = null;
  readonly counts = { put: 0, get: 0, list: 0, delete: 0 };
  /** The part size of upload() (tests make it small to fail an upload in its middle). */
  partBytes = UPLOAD_PART_BYTES;
  /** The most bytes one upload read from its source at once (tests: uploads stream). */
  largestUploadRead = 0;
  /** Puts per key (a segment uploaded twice shows 2). */
  readonly putsByKey = new Map<string, number>();

  private check(op: ObjectOperation, key: string): void {
    if (this.unreachable) throw new ObjectStoreError(`${op} ${key}: object store unreachable`);
    if (this.failWhen?.(op, key)) throw new ObjectStoreError(`${op} ${key}: injected failure`);
    this.before?.(op, key);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    this.check("put", key);
    this.counts.put++;
    this.putsByKey.set(key, (this.putsByKey.get(key) ?? 0) + 1);
    this.objects.set(key, body.slice());
  }

  async upload(key: string, source: UploadSource): Promise<void> {
    this.check("put", key);
    const parts: Uint8Array[] = [];
    for (let position = 0; position < source.size;) {
      this.check("part", key);
      const part = source.read(position, Math.min(this.partBytes, source.size - position));
      if (part.length === 0) throw new Error(`upload of ${key}: the source ended at ${position} of ${source.size} bytes`);
      this.largestUploadRead = Math.max(this.largestUploadRead, part.length);
      parts.push(part.slice());
      position += part.length;
      await Promise.resolve();
    }
    const body = new Uint8Array(source.size);
    let at = 0;
    for (const p of parts) {
      body.set(p, at);
      at += p.length;
    }
    this.counts.put++;
    this.putsByKey.set(key, (this.putsByKey.get(key) ?? 0) + 1);
    this.objects.set(key, body);
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Uint8Array> {
    await this.delay?.("get", key);
    this.check("get", key);
    this.counts.get++;
    const body = this.objects.get(key);
    if (body === undefined) throw new ObjectStoreError(`get ${key}: no such key`, true);
    return range === undefined ? body.slice() : body.slice(range.start, Math.min(range.end, body.length));
  }

  async list(prefix: string): Promise<string[]> {
    this.check("list", prefix);
    this.counts.list++;
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.check("delete", key);
    this.counts.delete++;
    this.objects.delete(key);
  }

  /** The keys held now (tests). */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** Total bytes held (tests). */
  get bytes(): number {
    let n = 0;
    for (const b of this.objects.values()) n += b.length;
    return n;
  }
}
