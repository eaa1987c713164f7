// The object store that remote log segments go to (Kafka's RemoteStorageManager, reduced to the
// object operations it needs): puts of small bodies, uploads streamed from a file in parts (so
// that the memory an upload takes does not grow with the segment), ranged gets, listing by
// prefix, deletes. An upload that fails leaves no object behind (an S3 multipart upload is
// aborted, and nothing was visible before it completed).
// Implementations: S3ObjectStore (Bun's built-in S3 client, s3-object-store.ts) and
// MemoryObjectStore (tests, with fault injection). Every failure is an ObjectStoreError, so the
// remote log tasks can tell "the bucket is unreachable, try again later" from a bug.

export interface ObjectStore {
  /** Stores `body` under `key` (replacing any object there). */
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * Stores `source.size` bytes read from `source` under `key`, reading a part at a time (at most
   * UPLOAD_PART_BYTES per read) and holding a bounded number of parts; the object appears whole
   * or not at all.
   */
  upload(key: string, source: UploadSource): Promise<void>;
  /** The object's bytes [start, end) (end exclusive, clamped to the object's size); the whole object without a range. */
  get(key: string, range?: { start: number; end: number }): Promise<Uint8Array>;
  /** Every key that starts with `prefix`, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the object; removing a missing one is not an error (as S3's DeleteObject). */
  delete(key: string): Promise<void>;
  /** A short description for logs (endpoint and bucket). */
  readonly description: string;
}

/** A body read in parts: a sealed segment file, through an open handle (it may be unlinked meanwhile). */
export interface UploadSource {
  readonly size: number;
  /** `length` bytes at `position` (fewer only at the end). */
  read(position: number, length: number): Uint8Array;
}

/** The part size of a streamed upload (S3's minimum part is 5 MiB). */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
/** Parts of one upload in flight at once (Bun's queueSize): UPLOAD_PART_BYTES * this bounds its buffers. */
export const UPLOAD_QUEUE_PARTS = 2;

/** An object store operation that failed (unreachable endpoint, refused request, missing object). */
export class ObjectStoreError extends Error {
  constructor(message: string, readonly notFound = false) {
    super(message);
    this.name = "ObjectStoreError";
  }
}
