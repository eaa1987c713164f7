// Shared by the group tests: a coordinator on a fake clock and an in-memory log, and consumer
// protocol subscription/assignment bytes as Kafka's ConsumerProtocol writes them.

import { Writer } from "../../src/protocol/writer.ts";
import { DEFAULT_COORDINATOR_CONFIG, GroupCoordinator, type GroupCoordinatorConfig, type JoinGroupParams } from "../../src/groups/group-coordinator.ts";
import { MemoryCoordinatorLog } from "../../src/groups/offsets-topic.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import type { JoinGroupResult } from "../../src/groups/classic-group.ts";

export const quiet = { info() {}, warn() {}, error() {}, debug() {} };

export function coordinator(config: Partial<GroupCoordinatorConfig> = {}, records = new MemoryCoordinatorLog(50)) {
  const clock = new ManualScheduler();
  const c = new GroupCoordinator(records, clock, { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0, ...config }, quiet);
  c.load();
  return { c, clock, records };
}

/** ConsumerProtocolSubscription v0: version, topics, user data (null). */
export function subscription(topics: string[], version = 0): Uint8Array {
  const w = new Writer(64, null);
  w.int16(version);
  w.int32(topics.length);
  for (const t of topics) w.string(t);
  w.int32(-1);
  return w.finish().slice();
}

/** ConsumerProtocolAssignment v0: version, [topic, [partition]], user data (null). */
export function assignment(parts: Record<string, number[]>): Uint8Array {
  const w = new Writer(64, null);
  w.int16(0);
  const entries = Object.entries(parts);
  w.int32(entries.length);
  for (const [topic, ps] of entries) {
    w.string(topic);
    w.int32(ps.length);
    for (const p of ps) w.int32(p);
  }
  w.int32(-1);
  return w.finish().slice();
}

export function joinParams(groupId: string, over: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId, memberId: "", groupInstanceId: null, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000,
    protocolType: "consumer", protocols: [{ name: "range", metadata: subscription(["t"]) }], reason: null,
    clientId: "client", clientHost: "/127.0.0.1", apiVersion: 9, ...over,
  };
}

/** A promise's value if it has settled by the next microtasks, else "pending". */
export async function settled<T>(p: Promise<T>): Promise<T | "pending"> {
  let value: T | "pending" = "pending";
  p.then((v) => { value = v; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return value;
}

/** JoinGroup v4+: MEMBER_ID_REQUIRED, then the rejoin with the given id (still parked). */
export async function joinWithId(c: GroupCoordinator, groupId: string, over: Partial<JoinGroupParams> = {}): Promise<{ memberId: string; join: Promise<JoinGroupResult> }> {
  const first = await c.joinGroup(joinParams(groupId, over));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, join: c.joinGroup(joinParams(groupId, { ...over, memberId: first.memberId })) };
}
