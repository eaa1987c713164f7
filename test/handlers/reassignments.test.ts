// AlterPartitionReassignments (45) and ListPartitionReassignments (46) on a cluster of one,
// through the handler registry and the bytes of every served version. Expected answers are what
// Apache Kafka 4.3.1's single node answered to the same requests from its own AdminClient
// (2026-12-02, test/interop/kafka-run.sh): nothing is ever being reassigned, a reassignment onto
// the only broker changes nothing, any other broker, an empty list or a broker twice is
// INVALID_REPLICA_ASSIGNMENT, a cancel is NO_REASSIGNMENT_IN_PROGRESS, with Kafka's messages.
// The empty list cannot be sent by the Java AdminClient (it refuses one); its message is
// ReplicationControlManager.validateManualPartitionAssignment's.

import { describe, expect, test } from "bun:test";
import "../../src/handlers/45-alter-partition-reassignments.ts";
import "../../src/handlers/46-list-partition-reassignments.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import * as AR from "../../src/protocol/messages/alter-partition-reassignments.ts";
import * as LR from "../../src/protocol/messages/list-partition-reassignments.ts";
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType } from "../../src/security/authorizer.ts";
import { handlerHarness, type Codec, type Sender } from "../support/handler-harness.ts";

const { open, call } = handlerHarness("reassignments");
const ALTER: Codec<AR.AlterPartitionReassignmentsRequest, AR.AlterPartitionReassignmentsResponse> = {
  spec: AR.ALTER_PARTITION_REASSIGNMENTS, write: AR.writeAlterPartitionReassignmentsRequest, read: AR.readAlterPartitionReassignmentsResponse,
};
const LIST: Codec<LR.ListPartitionReassignmentsRequest, LR.ListPartitionReassignmentsResponse> = {
  spec: LR.LIST_PARTITION_REASSIGNMENTS, write: LR.writeListPartitionReassignmentsRequest, read: LR.readListPartitionReassignmentsResponse,
};

function broker(props = "") {
  const b = open(`node.id=3\n${props}`);
  b.store.metadata.createTopic("t", 2, { nodeId: 3 });
  return b;
}

const alter = (partitions: AR.AlterPartitionReassignmentsRequestReassignablePartition[], topic = "t"): AR.AlterPartitionReassignmentsRequest =>
  ({ timeoutMs: 60000, allowReplicationFactorChange: true, topics: [{ name: topic, partitions }] });

describe("AlterPartitionReassignments on one node", () => {
  for (const version of [0, 1]) {
    test(`v${version}: onto this node, nothing changes; anything else is refused with Kafka's code and message`, async () => {
      const b = broker();
      const res = await call(b, ALTER, version, {
        ...alter([
          { partitionIndex: 0, replicas: [3] },
          { partitionIndex: 1, replicas: [3, 99] },
          { partitionIndex: 0, replicas: [3, 3] },
          { partitionIndex: 1, replicas: [] },
          { partitionIndex: 0, replicas: null },
          { partitionIndex: 7, replicas: [3] },
          { partitionIndex: 1, replicas: [-1] },
        ]),
        allowReplicationFactorChange: version === 0,
      });
      expect(res.errorCode).toBe(ErrorCode.NONE);
      expect(res.errorMessage).toBeNull();
      expect(res.responses).toHaveLength(1);
      expect(res.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.errorMessage])).toEqual([
        [0, ErrorCode.NONE, null],
        [1, ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker 99, but no such broker is registered."],
        [0, ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the broker 3 more than once."],
        [1, ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list."],
        [0, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, "No partition reassignment is in progress."],
        [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition t:7."],
        [1, ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker -1, but no such broker is registered."],
      ]);
      // Nothing moved: the partitions still have this node as their only replica.
      expect(b.store.metadata.topicsByName.get("t")!.partitions.map((p) => p.replicas)).toEqual([[3], [3]]);
    });
  }

  test("an unknown topic: UNKNOWN_TOPIC_OR_PARTITION for each of its partitions", async () => {
    const res = await call(broker(), ALTER, 1, alter([{ partitionIndex: 0, replicas: [3] }, { partitionIndex: 1, replicas: null }], "nope"));
    expect(res.responses[0]!.partitions.map((p) => [p.errorCode, p.errorMessage])).toEqual([
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named nope."],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named nope."],
    ]);
  });
});

describe("ListPartitionReassignments on one node", () => {
  test("all, or named topics (known or not): nothing is being reassigned", async () => {
    const b = broker();
    for (const topics of [null, [{ name: "t", partitionIndexes: [0, 1] }, { name: "nope", partitionIndexes: [0] }]]) {
      expect(await call(b, LIST, 0, { timeoutMs: 60000, topics })).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] });
    }
  });
});

describe("authorization", () => {
  const AUTHZ = `authorizer.class.name=${STANDARD_AUTHORIZER}\nsuper.users=User:admin\n`;
  const ALICE: Sender = { principal: { type: "User", name: "alice" } };
  const grant = (b: ReturnType<typeof broker>, operation: number) => b.store.metadata.createAcls([{
    resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME, patternType: PatternType.LITERAL,
    principal: "User:alice", host: "*", operation, permissionType: AclPermissionType.ALLOW,
  }]);

  test("Alter needs ALTER on the cluster, List DESCRIBE: else the request answers CLUSTER_AUTHORIZATION_FAILED throughout", async () => {
    const b = broker(AUTHZ);
    const refused = await call(b, ALTER, 1, alter([{ partitionIndex: 0, replicas: [3] }, { partitionIndex: 1, replicas: [3] }]), ALICE);
    expect(refused.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(refused.errorMessage).toContain("needs ALTER permission");
    expect(refused.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const listRefused = await call(b, LIST, 0, { timeoutMs: 60000, topics: [{ name: "t", partitionIndexes: [1] }] }, ALICE);
    expect(listRefused.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(listRefused.topics).toEqual([{ name: "t", partitions: [{ partitionIndex: 1, replicas: [], addingReplicas: [], removingReplicas: [] }] }]);

    grant(b, AclOperation.DESCRIBE);
    expect((await call(b, LIST, 0, { timeoutMs: 60000, topics: null }, ALICE)).errorCode).toBe(ErrorCode.NONE);
    expect((await call(b, ALTER, 1, alter([{ partitionIndex: 0, replicas: [3] }]), ALICE)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    grant(b, AclOperation.ALTER);
    const allowed = await call(b, ALTER, 1, alter([{ partitionIndex: 0, replicas: [3] }]), ALICE);
    expect([allowed.errorCode, allowed.responses[0]!.partitions[0]!.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  });
});
