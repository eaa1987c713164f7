// Producer ids for idempotent and transactional producers (Kafka's broker-side
// RPCProducerIdManager). Ids come in blocks of 1000 (ProducerIdsBlock), each recorded as a
// ProducerIdsRecord in the KRaft metadata log before any id of it is used
// (ClusterMetadata.allocateProducerIds), so ids never repeat, across restarts too: a restart
// starts a new block, skipping what was left of the old one, as a restarted Kafka broker does. A
// log dir written by Kafka continues after its last ProducerIdsRecord.

import type { ClusterMetadata } from "../storage/cluster-metadata.ts";

/** The block being handed out, per metadata model. */
const blocks = new WeakMap<ClusterMetadata, { next: number; end: number }>();

/** The next unused producer id, allocating (and recording) a new block when needed; throws if it cannot. */
export function nextProducerId(metadata: ClusterMetadata, nodeId: number): number {
  let block = blocks.get(metadata);
  if (block === undefined || block.next >= block.end) {
    const { firstProducerId, size } = metadata.allocateProducerIds(undefined, nodeId);
    block = { next: firstProducerId, end: firstProducerId + size };
    blocks.set(metadata, block);
  }
  return block.next++;
}
