// Feature levels (KIP-584) as ApiVersions reports them and the transaction coordinator uses them.
// Finalized levels come from the metadata log's FeatureLevelRecords (a log dir formatted by
// Kafka has them); a feature without a record has the level Kafka 4.3.1's `kafka-storage format`
// writes by default, when Bunka supports that level. Bunka advertises only the features whose
// protocol it serves: metadata.version and transaction.version (KIP-890's version 2: EndTxn
// bumps the epoch, Produce v12 adds the partition to the transaction). Kafka 4.3.1 also lists
// group.version, kraft.version, share.version, streams.version and
// eligible.leader.replicas.version; Bunka serves none of their protocols (KIP-848, KIP-932,
// KIP-1071 groups), so it neither supports nor finalizes them.

import type { ClusterMetadata } from "../storage/cluster-metadata.ts";

export interface SupportedFeature {
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The level a log dir without a FeatureLevelRecord for it has (Kafka 4.3.1's format default). */
  defaultLevel: number;
}

export const TRANSACTION_VERSION = "transaction.version";

/** Measured against Kafka 4.3.1's ApiVersions v4 (supportedFeatures, finalizedFeatures). */
export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: "metadata.version", minVersion: 7, maxVersion: 30, defaultLevel: 30 },
  { name: TRANSACTION_VERSION, minVersion: 0, maxVersion: 2, defaultLevel: 2 },
];

export interface FinalizedFeatures {
  /** Kafka's finalizedFeaturesEpoch: the metadata offset the levels were read at. */
  epoch: number;
  levels: Map<string, number>;
}

/** The finalized level of each supported feature (level 0 is not listed, as in Kafka). */
export function finalizedFeatures(metadata: ClusterMetadata): FinalizedFeatures {
  const levels = new Map<string, number>();
  for (const f of SUPPORTED_FEATURES) {
    const recorded = metadata.features.get(f.name);
    const level = Math.min(recorded ?? f.defaultLevel, f.maxVersion);
    if (level > 0) levels.set(f.name, level);
  }
  return { epoch: Math.max(0, metadata.nextOffset - 1), levels };
}

/** The finalized transaction.version (0 when absent). */
export function transactionVersionLevel(metadata: ClusterMetadata): number {
  return finalizedFeatures(metadata).levels.get(TRANSACTION_VERSION) ?? 0;
}
