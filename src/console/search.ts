// Server-side search across a whole topic (every partition from its log start, or from a
// timestamp), matching key, value and header keys/values, within a scan budget (records scanned),
// reporting progress as it goes. Runs in slices of a few milliseconds between which the event
// loop serves the Kafka listeners, so a search of a large topic never stalls produce or fetch
// (Kafka consoles that search client-side, or only from a given offset, are what operators
// complain about: see issue 14).

import type { LogStore } from "../storage/log-store.ts";
import { batchRows, forEachBatch, type MessageRow } from "./messages.ts";

export interface SearchQuery {
  topic: string;
  /** Matched as a case-insensitive substring of the UTF-8 text, or as hex when `hex` is set. */
  text: string;
  fields: { key: boolean; value: boolean; headers: boolean };
  /** Only these partitions (all when absent). */
  partitions?: number[];
  /** Most records scanned before stopping (the scan budget). */
  budget: number;
  /** Most matches returned. */
  maxMatches: number;
}

export type SearchEvent =
  | { type: "progress"; scanned: number; total: number; partitions: { partition: number; position: number; end: number }[] }
  | { type: "match"; row: MessageRow }
  | { type: "done"; scanned: number; total: number; matches: number; reason: "complete" | "budget" | "max-matches" };

/** How long one slice scans before giving the event loop back. */
const SLICE_MS = 8;
const PROGRESS_EVERY_MS = 100;

export async function* searchTopic(store: LogStore, q: SearchQuery, aborted: () => boolean = () => false): AsyncGenerator<SearchEvent> {
  const topic = store.metadata.topicsByName.get(q.topic);
  if (topic === undefined) return;
  const needle = q.text.toLowerCase();
  const needleBytes = new TextEncoder().encode(q.text);
  const wanted = q.partitions === undefined ? null : new Set(q.partitions);
  const cursors = topic.partitions
    .filter((p) => wanted === null || wanted.has(p.partitionId))
    .map((p) => ({ partition: p.partitionId, log: store.openedPartition(q.topic, p.partitionId) }))
    .filter((c) => c.log !== undefined)
    .map((c) => ({ partition: c.partition, log: c.log!, position: c.log!.logStartOffset, end: c.log!.nextOffset }));
  const total = cursors.reduce((n, c) => n + (c.end - c.position), 0);
  let scanned = 0, matches = 0;
  const progress = (): SearchEvent => ({
    type: "progress", scanned, total, partitions: cursors.map((c) => ({ partition: c.partition, position: c.position, end: c.end })),
  });
  const hit = (b: Uint8Array | null, text: string | null): boolean =>
    b !== null && ((text !== null && text.toLowerCase().includes(needle)) || indexOfBytes(b, needleBytes) >= 0);
  const matchesRow = (row: MessageRow, raw: { key: Uint8Array | null; value: Uint8Array | null; headers: { key: string; value: Uint8Array | null }[] }) =>
    (q.fields.key && hit(raw.key, row.key?.text ?? null)) ||
    (q.fields.value && hit(raw.value, row.value?.text ?? null)) ||
    (q.fields.headers && raw.headers.some((h, i) => h.key.toLowerCase().includes(needle) || hit(h.value, row.headers[i]?.value?.text ?? null)));
  let lastProgress = 0;
  let reason: "complete" | "budget" | "max-matches" = "complete";
  // Round-robin over the partitions, one slice each, so progress moves on all of them.
  outer: while (cursors.some((c) => c.position < c.end)) {
    for (const c of cursors) {
      if (c.position >= c.end) continue;
      if (aborted()) return;
      const sliceEnd = performance.now() + SLICE_MS;
      const found: MessageRow[] = [];
      c.position = forEachBatch(c.log, c.position, 256 * 1024, (view) => {
        if (view.baseOffset >= c.end) return false;
        const { rows, records } = batchRows(q.topic, c.partition, view);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          if (row.offset < c.position || row.control !== null) continue;
          scanned++;
          if (matchesRow(row, records[i]!)) found.push(row);
        }
        return scanned < q.budget && performance.now() < sliceEnd && matches + found.length < q.maxMatches;
      });
      // A partition whose log start moved past the cursor (retention, DeleteRecords) goes on from there.
      if (c.position < c.log.logStartOffset) c.position = c.log.logStartOffset;
      if (c.position >= c.log.nextOffset) c.position = Math.max(c.position, c.end);
      for (const row of found) {
        if (matches >= q.maxMatches) break;
        matches++;
        yield { type: "match", row };
      }
      if (matches >= q.maxMatches) { reason = "max-matches"; break outer; }
      if (scanned >= q.budget) { reason = "budget"; break outer; }
      if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        yield progress();
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  yield progress();
  yield { type: "done", scanned, total, matches, reason };
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength));
}
