// Authorization of the SCRAM credential and quota APIs, as Kafka checks it: DescribeUserScramCredentials
// needs DESCRIBE on the cluster (KafkaApis), AlterUserScramCredentials ALTER on the cluster
// (ControllerApis), DescribeClientQuotas DESCRIBE_CONFIGS on the cluster; the refusals are shaped as
// Kafka's getErrorResponse writes them.

import { afterAll, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as RT, type AclBinding } from "../../src/security/authorizer.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { handlerHarness, type Codec, type Sender } from "../support/handler-harness.ts";
import * as DU from "../../src/protocol/messages/describe-user-scram-credentials.ts";
import * as AU from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import * as DQ from "../../src/protocol/messages/describe-client-quotas.ts";
import { SCRAM_SHA_256, randomSalt, saltedPassword } from "../../src/security/scram.ts";

const { open, call } = handlerHarness("scram-authz");
const as = (name: string): Sender => ({ principal: { type: "User", name }, host: "127.0.0.1" });
const ADMIN = as("admin"), ALICE = as("alice");
const DESCRIBE: Codec<DU.DescribeUserScramCredentialsRequest, DU.DescribeUserScramCredentialsResponse> =
  { spec: DU.DESCRIBE_USER_SCRAM_CREDENTIALS, write: DU.writeDescribeUserScramCredentialsRequest, read: DU.readDescribeUserScramCredentialsResponse };
const ALTER: Codec<AU.AlterUserScramCredentialsRequest, AU.AlterUserScramCredentialsResponse> =
  { spec: AU.ALTER_USER_SCRAM_CREDENTIALS, write: AU.writeAlterUserScramCredentialsRequest, read: AU.readAlterUserScramCredentialsResponse };
const QUOTAS: Codec<DQ.DescribeClientQuotasRequest, DQ.DescribeClientQuotasResponse> =
  { spec: DQ.DESCRIBE_CLIENT_QUOTAS, write: DQ.writeDescribeClientQuotasRequest, read: DQ.readDescribeClientQuotasResponse };
const allow = (operation: number): AclBinding => ({ resourceType: RT.CLUSTER, resourceName: "kafka-cluster", patternType: Pat.LITERAL,
  principal: "User:alice", host: "*", operation, permissionType: Perm.ALLOW });

const b = open(`authorizer.class.name=${STANDARD_AUTHORIZER}\nsuper.users=User:admin\n`);
afterAll(() => b.store.close());
const salt = randomSalt();
const upsert = (name: string): AU.AlterUserScramCredentialsRequest => ({ deletions: [], upsertions: [
  { name, mechanism: SCRAM_SHA_256.type, iterations: 4096, salt, saltedPassword: saltedPassword(SCRAM_SHA_256, "pw", salt, 4096) }] });

test("without the cluster operation: refused as Kafka refuses; with it (or as a super user): served", async () => {
  const denied = await call(b, ALTER, 0, { deletions: [{ name: "zed", mechanism: 1 }], upsertions: upsert("carol").upsertions }, ALICE);
  expect(denied.results.map((r) => [r.user, r.errorCode])).toEqual([["carol", ErrorCode.CLUSTER_AUTHORIZATION_FAILED], ["zed", ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]);
  expect(denied.results[0]!.errorMessage).toContain("needs ALTER permission.");
  expect(b.store.metadata.scramCredential(SCRAM_SHA_256.type, "carol")).toBe(undefined);
  expect((await call(b, ALTER, 0, upsert("carol"), ADMIN)).results).toEqual([{ user: "carol", errorCode: 0, errorMessage: null }]);

  const d = await call(b, DESCRIBE, 0, { users: [{ name: "carol" }] }, ALICE);
  expect(d).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Cluster authorization failed.",
    results: [{ user: "", errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, credentialInfos: [] }] });
  const q = await call(b, QUOTAS, 1, { components: [], strict: false }, ALICE);
  expect(q).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Cluster authorization failed.", entries: null });

  b.store.metadata.createAcls([allow(Op.DESCRIBE), allow(Op.ALTER), allow(Op.DESCRIBE_CONFIGS)]);
  expect((await call(b, DESCRIBE, 0, { users: [{ name: "carol" }] }, ALICE)).results)
    .toEqual([{ user: "carol", errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] }]);
  expect((await call(b, ALTER, 0, { deletions: [{ name: "carol", mechanism: 1 }], upsertions: [] }, ALICE)).results)
    .toEqual([{ user: "carol", errorCode: 0, errorMessage: null }]);
  expect(await call(b, QUOTAS, 1, { components: [{ entityType: "user", matchType: 2, match: null }], strict: false }, ALICE))
    .toMatchObject({ errorCode: 0, entries: [] });
});
