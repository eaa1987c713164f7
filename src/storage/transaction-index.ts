// The aborted-transaction index of one segment, `<base offset, 20 digits>.txnindex` (Kafka's
// TransactionIndex and AbortedTxn). One entry per transaction whose ABORT marker was written in
// the segment (the transaction's data may begin in an earlier segment), in marker order:
//
//     version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 |
//     lastStableOffset int64                                      = 34 bytes, big-endian
//
// firstOffset is the transaction's first data offset, lastOffset its marker's offset, and
// lastStableOffset the partition's LSO once that marker was written (the first offset of the
// earliest other open transaction, else lastOffset + 1): a read_committed fetch that ends below
// it needs no entries of later segments (collect's `complete`).
//
// As Kafka's, the file is created only when its first entry is appended (a segment without
// aborts has none; a missing file reads as empty). Entries are appended with the marker and made
// durable with the segment (flush); recovery rebuilds the index of every segment it recovers, so
// a torn tail entry (a crash) is never trusted: whole entries are read, a partial one ignored.
// The file is renamed and deleted with its segment (PartitionLog owns one per segment).

import type { AppendFile, FileSystem } from "./fs.ts";
import { getInt64, setInt64 } from "../records/int64.ts";

export const TXN_INDEX_SUFFIX = ".txnindex";
export const ABORTED_TXN_SIZE = 34;
const CURRENT_VERSION = 0;

/** One entry (Kafka's AbortedTxn). */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(t: AbortedTxn): Uint8Array {
  const out = new Uint8Array(ABORTED_TXN_SIZE);
  const dv = new DataView(out.buffer);
  dv.setInt16(0, CURRENT_VERSION);
  setInt64(dv, 2, t.producerId);
  setInt64(dv, 10, t.firstOffset);
  setInt64(dv, 18, t.lastOffset);
  setInt64(dv, 26, t.lastStableOffset);
  return out;
}

/** Every whole entry of an index file's bytes; throws on an entry of a newer version (as Kafka). */
export function decodeAbortedTxns(bytes: Uint8Array, path = "transaction index"): AbortedTxn[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: AbortedTxn[] = [];
  for (let p = 0; p + ABORTED_TXN_SIZE <= bytes.length; p += ABORTED_TXN_SIZE) {
    const version = dv.getInt16(p);
    if (version > CURRENT_VERSION) {
      throw new Error(`Unexpected aborted transaction version ${version} in transaction index ${path}, current version is ${CURRENT_VERSION}`);
    }
    out.push({ producerId: getInt64(dv, p + 2), firstOffset: getInt64(dv, p + 10), lastOffset: getInt64(dv, p + 18), lastStableOffset: getInt64(dv, p + 26) });
  }
  return out;
}

/** What collect found in one index (Kafka's TxnIndexSearchResult). */
export interface TxnIndexSearchResult {
  abortedTransactions: AbortedTxn[];
  /** No later segment can hold an entry overlapping the range. */
  complete: boolean;
}

export class TransactionIndex {
  private file: AppendFile | null = null;
  /** The entries, read once from the file (a few per abort; small). */
  private entries: AbortedTxn[] | null = null;
  /** Appended since the last flush. */
  private dirty = false;

  constructor(private readonly fs: FileSystem, private path: string) {}

  get filePath(): string {
    return this.path;
  }

  all(): readonly AbortedTxn[] {
    return this.loaded();
  }

  private loaded(): AbortedTxn[] {
    if (this.entries === null) {
      this.entries = this.fs.exists(this.path) ? decodeAbortedTxns(this.fs.readFile(this.path), this.path) : [];
    }
    return this.entries;
  }

  /** Appends an entry; its lastOffset must be above the previous one's (Kafka's check). */
  append(txn: AbortedTxn): void {
    const entries = this.loaded();
    const last = entries.at(-1);
    if (last !== undefined && last.lastOffset >= txn.lastOffset) {
      throw new Error(`The last offset of appended transactions must increase sequentially, but ${txn.lastOffset} is not greater than current last offset ${last.lastOffset} of index ${this.path}`);
    }
    const file = this.openFile();
    // A partial entry left by a crash is overwritten, never followed.
    const whole = entries.length * ABORTED_TXN_SIZE;
    if (file.size !== whole) file.truncate(whole);
    file.append(encodeAbortedTxn(txn));
    entries.push(txn);
    this.dirty = true;
  }

  /** Kafka's collectAbortedTxns: entries overlapping [fetchOffset, upperBoundOffset). */
  collect(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    const abortedTransactions: AbortedTxn[] = [];
    for (const t of this.all()) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) abortedTransactions.push(t);
      if (t.lastStableOffset >= upperBoundOffset) return { abortedTransactions, complete: true };
    }
    return { abortedTransactions, complete: false };
  }

  /** Removes every entry (recovery rebuilds it). */
  reset(): void {
    this.entries = [];
    if (this.file !== null) this.file.truncate(0);
    else if (this.fs.exists(this.path)) this.fs.truncate(this.path, 0);
    this.dirty = true;
  }

  /** fsyncs appended entries, if any. */
  flush(): void {
    if (!this.dirty) return;
    this.file?.sync();
    this.dirty = false;
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }

  /** The file's new name after its segment's files were renamed (it is closed first). */
  renamedTo(path: string): void {
    this.close();
    this.path = path;
  }

  private openFile(): AppendFile {
    this.file ??= this.fs.open(this.path);
    return this.file;
  }
}
