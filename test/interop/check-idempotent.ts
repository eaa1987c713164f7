// Checks, with raw Fetch requests, that a topic was written by ONE idempotent producer: every
// batch of every partition carries the same producer id (>= 0) and epoch (>= 0), and the base
// sequences run gap-free from 0 in each partition. Used by the non-TypeScript interop cases.
//
//   bun test/interop/check-idempotent.ts <host:port> <topic> <partitions> [<expected records>]
//
// Prints one summary line; exit status 1 (with the reason on stdout) when the check fails.

import { connect, fetchPartition } from "./raw-fetch.ts";

const [bootstrap, topic, partitionsArg, expectedArg] = process.argv.slice(2);
if (!bootstrap || !topic || !partitionsArg) {
  console.error("usage: bun test/interop/check-idempotent.ts <host:port> <topic> <partitions> [<expected records>]");
  process.exit(2);
}
const problems: string[] = [];
const producers = new Set<string>();
let records = 0;
let batches = 0;
const client = await connect(bootstrap);
try {
  for (let p = 0; p < Number(partitionsArg); p++) {
    const got = await fetchPartition(client, topic, p);
    let sequence = 0;
    for (const { view } of got.batches) {
      batches++;
      records += view.recordCount;
      producers.add(`${view.producerId}/${view.producerEpoch}`);
      if (view.producerId < 0 || view.producerEpoch < 0) {
        problems.push(`p${p}: batch at ${view.baseOffset} has producer id ${view.producerId}, epoch ${view.producerEpoch} (not idempotent)`);
      }
      if (view.baseSequence !== sequence) problems.push(`p${p}: batch at ${view.baseOffset} has base sequence ${view.baseSequence}, expected ${sequence}`);
      sequence = view.baseSequence + view.recordCount;
    }
  }
} catch (e) {
  problems.push((e as Error).message);
} finally {
  client.close();
}
if (producers.size > 1) problems.push(`${producers.size} producer id/epoch pairs: ${[...producers].slice(0, 3).join(", ")}`);
if (expectedArg !== undefined && records !== Number(expectedArg)) problems.push(`${records} records, expected ${expectedArg}`);
if (problems.length > 0) {
  console.log(problems.slice(0, 3).join("; "));
  process.exit(1);
}
console.log(`${records} records in ${batches} batches, producer id/epoch ${[...producers][0]}, sequences gap-free`);
process.exit(0);
