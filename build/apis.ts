// What build/generate.ts generates codecs for. Adding an API (or a record type) is one line here
// followed by `bun run generate`; the generator reads the matching JSON files from Kafka's
// message specs (../shared/kafka-specs next to the repository, or $KAFKA_SPECS).

/** An API the broker serves: requests are decoded and responses encoded at every version in [min, max]. */
export interface ServedApi {
  /** Spec name without the Request/Response suffix, e.g. "Fetch" (message/FetchRequest.json). */
  name: string;
  min: number;
  max: number;
}

export const SERVED: readonly ServedApi[] = [
  { name: "Produce", min: 3, max: 12 },
  { name: "Fetch", min: 4, max: 16 },
  { name: "ApiVersions", min: 0, max: 4 },
  { name: "DescribeTopicPartitions", min: 0, max: 0 },
  { name: "Metadata", min: 0, max: 12 },
  { name: "ListOffsets", min: 1, max: 8 },
  { name: "OffsetForLeaderEpoch", min: 2, max: 4 },
  { name: "CreateTopics", min: 2, max: 7 },
  { name: "DeleteTopics", min: 1, max: 6 },
  { name: "CreatePartitions", min: 0, max: 3 },
  { name: "DescribeConfigs", min: 1, max: 4 },
  { name: "DescribeCluster", min: 0, max: 1 },
  { name: "InitProducerId", min: 0, max: 5 },
  { name: "FindCoordinator", min: 0, max: 6 },
  { name: "JoinGroup", min: 0, max: 9 },
  { name: "SyncGroup", min: 0, max: 5 },
  { name: "Heartbeat", min: 0, max: 4 },
  { name: "LeaveGroup", min: 0, max: 5 },
  { name: "OffsetCommit", min: 2, max: 9 },
  { name: "OffsetFetch", min: 1, max: 9 },
  { name: "ListGroups", min: 0, max: 5 },
  { name: "DescribeGroups", min: 0, max: 5 },
  { name: "DeleteGroups", min: 0, max: 2 },
  { name: "OffsetDelete", min: 0, max: 0 },
  { name: "DeleteRecords", min: 0, max: 2 },
  { name: "AlterConfigs", min: 0, max: 2 },
  { name: "IncrementalAlterConfigs", min: 0, max: 1 },
  { name: "DescribeLogDirs", min: 1, max: 5 },
  { name: "AddPartitionsToTxn", min: 0, max: 5 },
  { name: "AddOffsetsToTxn", min: 0, max: 4 },
  { name: "EndTxn", min: 0, max: 5 },
  { name: "WriteTxnMarkers", min: 1, max: 2 },
  { name: "TxnOffsetCommit", min: 0, max: 5 },
  { name: "DescribeProducers", min: 0, max: 0 },
  { name: "DescribeTransactions", min: 0, max: 0 },
  { name: "ListTransactions", min: 0, max: 2 },
  { name: "SaslHandshake", min: 0, max: 1 },
  { name: "SaslAuthenticate", min: 0, max: 2 },
  { name: "DescribeUserScramCredentials", min: 0, max: 0 },
  { name: "AlterUserScramCredentials", min: 0, max: 0 },
  { name: "DescribeClientQuotas", min: 0, max: 1 },
  { name: "AlterPartitionReassignments", min: 0, max: 1 },
  { name: "ListPartitionReassignments", min: 0, max: 0 },
  { name: "DescribeAcls", min: 1, max: 3 },
  { name: "CreateAcls", min: 1, max: 3 },
  { name: "DeleteAcls", min: 1, max: 3 },
];

/** Request/response headers (message/*.json), generated for all their versions into messages/headers.ts. */
export const HEADERS: readonly string[] = ["RequestHeader", "ResponseHeader"];

/** KRaft metadata records (metadata/*.json), all versions, into src/storage/metadata/records.ts. */
export const METADATA_RECORDS: readonly string[] = [
  "TopicRecord",
  "PartitionRecord",
  "PartitionChangeRecord",
  "RemoveTopicRecord",
  "FeatureLevelRecord",
  "ConfigRecord",
  "RegisterBrokerRecord",
  "ProducerIdsRecord",
  "BeginTransactionRecord",
  "EndTransactionRecord",
  "NoOpRecord",
  "UserScramCredentialRecord",
  "RemoveUserScramCredentialRecord",
  "AccessControlEntryRecord",
  "RemoveAccessControlEntryRecord",
];

/** __consumer_offsets records (group-coordinator/*.json), all versions, into src/storage/group/records.ts. */
export const GROUP_RECORDS: readonly string[] = [
  "LegacyOffsetCommitKey",
  "OffsetCommitKey",
  "OffsetCommitValue",
  "GroupMetadataKey",
  "GroupMetadataValue",
];

/** __transaction_state records (transaction-coordinator/*.json), all versions, into src/storage/transaction/records.ts. */
export const TRANSACTION_RECORDS: readonly string[] = [
  "TransactionLogKey",
  "TransactionLogValue",
];
