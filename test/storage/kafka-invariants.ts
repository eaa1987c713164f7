// Checks a partition directory the way Kafka's DumpLogSegments --verify-index-only and
// LogSegment sanity checks do, so a log dir written by Bunka is one Kafka accepts.

import type { FileSystem } from "../../src/storage/fs.ts";
import { decodeRecords, RecordBatchView, scanBatches, splitBatches } from "../../src/records/record-batch.ts";

export function kafkaIndexProblems(fs: FileSystem, dir: string): string[] {
  const problems: string[] = [];
  const logs = fs.list(dir).filter((n) => /^\d{20}\.log$/.test(n));
  for (const name of logs) {
    const base = Number(name.slice(0, 20));
    const log = fs.readFile(`${dir}/${name}`);
    const scan = scanBatches(log, true);
    if (scan.stop !== "end") problems.push(`${name}: ${scan.stop} after ${scan.validBytes} bytes`);
    const batchAt = (pos: number) => {
      const b = [...splitBatches(log.subarray(pos))][0];
      return b ? new RecordBatchView(b) : null;
    };
    const idxPath = `${dir}/${name.slice(0, 20)}.index`;
    const tiPath = `${dir}/${name.slice(0, 20)}.timeindex`;
    if (!fs.exists(idxPath)) problems.push(`${name}: no .index`);
    if (!fs.exists(tiPath)) problems.push(`${name}: no .timeindex`);
    if (!fs.exists(idxPath) || !fs.exists(tiPath)) continue;
    const idx = fs.readFile(idxPath);
    const ti = fs.readFile(tiPath);
    if (idx.length % 8) problems.push(`${name}: .index length ${idx.length}`);
    if (ti.length % 12) problems.push(`${name}: .timeindex length ${ti.length}`);
    const idv = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
    const entries: { offset: number; position: number }[] = [];
    for (let i = 0; i + 8 <= idx.length; i += 8) {
      const offset = base + idv.getInt32(i);
      const position = idv.getInt32(i + 4);
      if (entries.length && (offset <= entries.at(-1)!.offset || position <= entries.at(-1)!.position)) {
        problems.push(`${name}: index entry ${i / 8} not increasing`);
      }
      const b = batchAt(position);
      if (!b || b.lastOffset !== offset) problems.push(`${name}: index entry (${offset}, ${position}) -> batch lastOffset ${b?.lastOffset}`);
      entries.push({ offset, position });
    }
    const lookup = (target: number) => {
      let pos = 0;
      for (const e of entries) if (e.offset <= target) pos = e.position;
      return pos;
    };
    const tdv = new DataView(ti.buffer, ti.byteOffset, ti.byteLength);
    let prevTs = -1;
    for (let i = 0; i + 12 <= ti.length; i += 12) {
      const ts = Number(tdv.getBigInt64(i));
      const offset = base + tdv.getInt32(i + 8);
      if (ts <= prevTs) problems.push(`${name}: time index timestamps not increasing at entry ${i / 12}`);
      prevTs = ts;
      const found = [...splitBatches(log.subarray(lookup(offset)))].map((x) => new RecordBatchView(x)).find((v) => v.lastOffset >= offset);
      if (!found || found.lastOffset !== offset) {
        problems.push(`${name}: time index entry (${ts}, ${offset}) finds batch ending at ${found?.lastOffset}`);
        continue;
      }
      // DumpLogSegments takes the max over the records; for a compressed batch (no codecs here)
      // its maxTimestamp field, which is that max for CreateTime.
      const maxTs = found.compression ? found.maxTimestamp : Math.max(...decodeRecords(found).map((r) => r.timestamp));
      if (maxTs !== ts) problems.push(`${name}: time index entry (${ts}, ${offset}) but batch max timestamp ${maxTs}`);
    }
  }
  return problems;
}
