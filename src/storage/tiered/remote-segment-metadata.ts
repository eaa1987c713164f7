// The remote segments of one partition (Kafka's RemoteLogSegmentMetadata and its state machine,
// RemoteLogSegmentState), kept durably in `<partition dir>/remote-log-segments.json`, rewritten
// atomically (temp file, fsync, rename: FileSystem.writeFileAtomic) at every state change.
//
// Why a file in the log dir and not Kafka's __remote_log_metadata topic or the bucket: one node
// has one reader and one writer of this state; the topic would be a second log with its own
// recovery for what fits in a small JSON file; keeping it in the bucket would make every start
// and every state change a round trip to a store that may be unreachable, and produce must keep
// working then. The file lives next to the log-start-offset checkpoint it must agree with, and
// the objects carry enough (the segment id and base offset in their key) to audit the bucket.
//
// States, as Kafka's: COPY_SEGMENT_STARTED is written before the first object is put, so an
// upload cut short (a crash, the bucket gone) leaves an entry that says which objects to remove;
// COPY_SEGMENT_FINISHED is written after the last put, and only such segments are read or let
// the local copy go; DELETE_SEGMENT_STARTED is written before the first delete, so a delete cut
// short is finished at the next start; the entry goes once every object is gone. A segment that is
// uploaded again after a failed upload gets a new id, so its objects never mix with the old ones.

import type { FileSystem } from "../fs.ts";

export type RemoteSegmentState = "COPY_SEGMENT_STARTED" | "COPY_SEGMENT_FINISHED" | "DELETE_SEGMENT_STARTED";

export interface RemoteSegment {
  /** 32 hex digits, new for every upload attempt (Kafka's RemoteLogSegmentId.id). */
  id: string;
  baseOffset: number;
  /** The last offset in the segment (inclusive, as Kafka's endOffset). */
  endOffset: number;
  /** The newest record timestamp (-1 if none). */
  maxTimestamp: number;
  /** Bytes of the .log object. */
  sizeInBytes: number;
  /** Bytes of the .index object. */
  indexSize: number;
  /** Bytes of the .txnindex object (0: no aborted transaction ended in the segment). */
  txnIndexSize: number;
  /** Bytes of the .timeindex object. */
  timeIndexSize: number;
  state: RemoteSegmentState;
  /** The leader epochs that start in the segment (or continue into it), as Kafka records segmentLeaderEpochs. */
  leaderEpochs: { epoch: number; startOffset: number }[];
  /** When the upload finished (ms). */
  eventTimestampMs: number;
}

export const REMOTE_SEGMENTS_FILE = "remote-log-segments.json";

export class RemoteSegmentMetadata {
  private segments: RemoteSegment[];
  private readonly path: string;
  private closed = false;

  constructor(private readonly fs: FileSystem, partitionDir: string) {
    this.path = `${partitionDir}/${REMOTE_SEGMENTS_FILE}`;
    this.segments = fs.exists(this.path) ? parse(fs.readFile(this.path), this.path) : [];
  }

  /** Every entry, in base offset order. */
  get all(): readonly RemoteSegment[] {
    return this.segments;
  }

  /** The segments that are readable: uploaded in full and not being deleted. */
  get finished(): RemoteSegment[] {
    return this.segments.filter((s) => s.state === "COPY_SEGMENT_FINISHED");
  }

  /** Adds or replaces (by id) an entry and writes the file; throws (the state unchanged) if it could not be written. */
  put(segment: RemoteSegment): void {
    const next = this.segments.filter((s) => s.id !== segment.id);
    next.push(segment);
    next.sort((a, b) => a.baseOffset - b.baseOffset || a.eventTimestampMs - b.eventTimestampMs);
    this.write(next);
  }

  /** Removes an entry and writes the file. */
  remove(id: string): void {
    this.write(this.segments.filter((s) => s.id !== id));
  }

  /** No write after this (the partition's tier stopped: its dir may be renamed, or a new topic's by now). */
  close(): void {
    this.closed = true;
  }

  private write(next: RemoteSegment[]): void {
    if (this.closed) throw new Error(`${this.path}: the partition's remote tier is stopped`);
    this.fs.writeFileAtomic(this.path, new TextEncoder().encode(JSON.stringify({ version: 1, segments: next }, null, 1)));
    this.segments = next;
  }
}

function parse(bytes: Uint8Array, path: string): RemoteSegment[] {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as { version?: number; segments?: RemoteSegment[] };
  if (doc.version !== 1 || !Array.isArray(doc.segments)) throw new Error(`${path}: not a version 1 remote segment list`);
  return doc.segments;
}
