// The object store that remote log segments go to (Kafka's RemoteStorageManager, reduced to the
// four object operations it needs): whole-object puts, ranged gets, listing by prefix, deletes.
// Implementations: S3ObjectStore (Bun's built-in S3 client, s3-object-store.ts) and
// MemoryObjectStore (tests, with fault injection). Every failure is an ObjectStoreError, so the
// remote log tasks can tell "the bucket is unreachable, try again later" from a bug.

export interface ObjectStore {
  /** Stores `body` under `key` (replacing any object there). */
  put(key: string, body: Uint8Array): Promise<void>;
  /** The object's bytes [start, end) (end exclusive, clamped to the object's size); the whole object without a range. */
  get(key: string, range?: { start: number; end: number }): Promise<Uint8Array>;
  /** Every key that starts with `prefix`, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the object; removing a missing one is not an error (as S3's DeleteObject). */
  delete(key: string): Promise<void>;
  /** A short description for logs (endpoint and bucket). */
  readonly description: string;
}

/** An object store operation that failed (unreachable endpoint, refused request, missing object). */
export class ObjectStoreError extends Error {
  constructor(message: string, readonly notFound = false) {
    super(message);
    this.name = "ObjectStoreError";
  }
}
