// A classic consumer group (Kafka's ClassicGroup/ClassicGroupMember): its members, the protocol
// votes, the generation and the state machine
//
//   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
//     ▲                 ▲        │                                   │ leader's SyncGroup
//     └──last member────┘        └──────(no member left)──▶ Empty      ▼
//         leaves           member change / rejoin ◀──────────────── Stable
//
// plus Dead (deleted). Valid previous states are Kafka's (ClassicGroupState). This file holds
// data and the bookkeeping Kafka keeps beside it (members awaiting a JoinGroup answer, pending
// members that got MEMBER_ID_REQUIRED, members yet to sync, static instance ids); the decisions
// — when to rebalance, what to answer — are in group-coordinator.ts. Members' protocol metadata
// and assignments are copies owned by the group.

import { ErrorCode } from "../protocol/error-codes.ts";

export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ["PreparingRebalance"],
  PreparingRebalance: ["Stable", "CompletingRebalance", "Empty"],
  CompletingRebalance: ["PreparingRebalance"],
  Stable: ["CompletingRebalance"],
  Dead: ["Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"],
};

export const CONSUMER_PROTOCOL_TYPE = "consumer";
export const EMPTY_ASSIGNMENT = new Uint8Array(0);

export interface GroupProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

/** What a JoinGroup is answered (the handler writes it in the request's version). */
export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinGroupMember[];
}

export interface SyncGroupResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

/** An error a validation step answers with (Kafka throws ApiExceptions for these). */
export class GroupError extends Error {
  constructor(readonly errorCode: number, message = `error ${errorCode}`) {
    super(message);
  }
}

export class ClassicGroupMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: GroupProtocol[];
  assignment: Uint8Array = EMPTY_ASSIGNMENT;
  /** Resolves this member's parked JoinGroup, when there is one. */
  awaitingJoin: ((r: JoinGroupResult) => void) | null = null;
  /** Resolves this member's parked SyncGroup, when there is one. */
  awaitingSync: ((r: SyncGroupResult) => void) | null = null;
  /** Joined during the current rebalance and not yet answered: its session is not yet kept by waiting. */
  isNew = false;

  constructor(init: {
    memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string;
    rebalanceTimeoutMs: number; sessionTimeoutMs: number; protocolType: string; protocols: GroupProtocol[];
    assignment?: Uint8Array;
  }) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
    if (init.assignment) this.assignment = init.assignment;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** The metadata this member gave for a protocol (empty if it does not support it). */
  metadata(protocolName: string | null): Uint8Array {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_ASSIGNMENT;
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && bytesEqual(p.metadata, this.protocols[i]!.metadata));
  }

  /** The first of this member's protocols (its order is its preference) among the candidates. */
  vote(candidates: Set<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    if (!p) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }

  /**
   * A member parked in JoinGroup or SyncGroup keeps its session alive by waiting — except a new
   * member, which can still expire while it waits (Kafka's new-member join timeout).
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }
}

export class ClassicGroup {
  readonly groupId: string;
  private stateValue: GroupState;
  private previousStateValue: GroupState;
  /** When the group entered its current state (-1: unknown, a group loaded from an old record). */
  stateTimestamp: number;
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  /** In join order (Kafka elects the first remaining member when the leader leaves). */
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  private awaitingJoinCount = 0;
  /** Protocol name → how many members support it. */
  private readonly supportedProtocols = new Map<string, number>();
  /** Topics the members subscribe to (consumer protocol), null when not known. */
  subscribedTopics: Set<string> | null = null;
  /** A member joined during the initial rebalance delay: extend it. */
  newMemberAdded = false;
  private readonly clock: () => number;

  constructor(groupId: string, clock: () => number, loaded?: {
    state: GroupState; generationId: number; protocolType: string | null; protocolName: string | null;
    leaderId: string | null; stateTimestamp: number;
  }) {
    this.groupId = groupId;
    this.clock = clock;
    this.stateValue = loaded?.state ?? "Empty";
    this.previousStateValue = this.stateValue;
    this.stateTimestamp = loaded ? loaded.stateTimestamp : clock();
    this.generationId = loaded?.generationId ?? 0;
    this.protocolType = loaded?.protocolType ?? null;
    this.protocolName = loaded?.protocolName ?? null;
    this.leaderId = loaded?.leaderId ?? null;
  }

  get state(): GroupState {
    return this.stateValue;
  }

  get previousState(): GroupState {
    return this.previousStateValue;
  }

  is(state: GroupState): boolean {
    return this.stateValue === state;
  }

  transitionTo(state: GroupState): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.stateValue)) {
      throw new Error(`group ${this.groupId}: invalid transition from ${this.stateValue} to ${state}`);
    }
    this.previousStateValue = this.stateValue;
    this.stateValue = state;
    this.stateTimestamp = this.clock();
  }

  /** PreparingRebalance can be entered from here. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.stateValue);
  }

  /** Kafka's isEmpty: the Empty state (a group with no members, or only pending ones). */
  get isEmpty(): boolean {
    return this.stateValue === "Empty";
  }

  get numMembers(): number {
    return this.members.size;
  }

  get numAwaitingJoin(): number {
    return this.awaitingJoinCount;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const m = this.members.get(memberId);
    if (!m) throw new Error(`group ${this.groupId} has no member ${memberId}`);
    return m;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    if (this.members.has(memberId)) throw new Error(`pending member ${memberId} is already a member`);
    this.pendingJoinMembers.add(memberId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  /** The largest rebalance timeout of the members. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  add(member: ClassicGroupMember, onJoin: ((r: JoinGroupResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.protocolType !== member.protocolType) throw new Error("the group's and the member's protocol type differ");
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = onJoin;
    if (onJoin) this.awaitingJoinCount++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed) {
      this.members.delete(memberId);
      this.countProtocols(removed, -1);
      if (removed.isAwaitingJoin) this.awaitingJoinCount--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Updates a rejoining member's protocols and timeouts and parks (or un-parks) its JoinGroup. */
  updateMember(member: ClassicGroupMember, protocols: GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number,
    onJoin: ((r: JoinGroupResult) => void) | null): void {
    this.countProtocols(member, -1);
    member.protocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (onJoin && !member.isAwaitingJoin) this.awaitingJoinCount++;
    else if (!onJoin && member.isAwaitingJoin) this.awaitingJoinCount--;
    member.awaitingJoin = onJoin;
  }

  /** Answers the member's parked JoinGroup; false if it had none. */
  completeJoin(member: ClassicGroupMember, result: JoinGroupResult): boolean {
    const resolve = member.awaitingJoin;
    if (!resolve) return false;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    resolve(result);
    return true;
  }

  /** Answers the member's parked SyncGroup; false if it had none. */
  completeSync(member: ClassicGroupMember, result: SyncGroupResult): boolean {
    const resolve = member.awaitingSync;
    if (!resolve) return false;
    member.awaitingSync = null;
    resolve(result);
    return true;
  }

  /**
   * A static member rejoined with an unknown member id: it gets a new id, keeps everything else,
   * and whoever still waits under the old id is fenced.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (!old) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    if (old.isAwaitingJoin) {
      this.completeJoin(old, { ...joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId), protocolType: null, protocolName: null });
    }
    this.completeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const fresh = new ClassicGroupMember({
      memberId: newMemberId, groupInstanceId: old.groupInstanceId, clientId: old.clientId, clientHost: old.clientHost,
      rebalanceTimeoutMs: old.rebalanceTimeoutMs, sessionTimeoutMs: old.sessionTimeoutMs,
      protocolType: old.protocolType, protocols: old.protocols, assignment: old.assignment,
    });
    this.members.set(newMemberId, fresh);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return fresh;
  }

  /**
   * Keeps the leader if it rejoined, else elects the first member that did. False when nobody
   * rejoined (or the group has no leader).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /**
   * Validates a member id (and its instance id, when given): UNKNOWN_MEMBER_ID, or
   * FENCED_INSTANCE_ID when the instance id now belongs to another member id.
   */
  validateMember(memberId: string, groupInstanceId: string | null): void {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID);
      if (existing !== memberId) throw new GroupError(ErrorCode.FENCED_INSTANCE_ID);
    }
    if (!this.members.has(memberId)) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID);
  }

  /** Could a member with these protocols join? (Empty: any non-empty type and list.) */
  supportsProtocols(protocolType: string, protocolNames: Iterable<string>): boolean {
    const names = [...protocolNames];
    if (this.stateValue === "Empty") return protocolType !== "" && names.length > 0;
    return this.protocolType === protocolType && names.some((n) => (this.supportedProtocols.get(n) ?? 0) === this.members.size);
  }

  /** The protocol every member supports that most members prefer. */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best!;
  }

  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo("CompletingRebalance");
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo("Empty");
    }
    this.pendingSyncMembers.clear();
  }

  /** The members as the leader's JoinGroup answer lists them (metadata of the chosen protocol). */
  joinResponseMembers(): JoinGroupMember[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(this.protocolName),
    }));
  }

  /** Member id → assignment. */
  assignments(): Map<string, Uint8Array> {
    return new Map([...this.members.values()].map((m) => [m.memberId, m.assignment]));
  }

  /**
   * The topics of the consumer protocol subscriptions (version prefix, then the v0 topic list
   * every version starts with); null if the protocol type is not "consumer" or a subscription
   * cannot be read.
   */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const parsed = subscriptionTopics(m.metadata(this.protocolName));
      if (parsed === null) return null;
      for (const t of parsed) topics.add(t);
    }
    return topics;
  }

  /** Kafka's isSubscribedToTopic: unknown subscriptions count as subscribed only for the consumer protocol. */
  isSubscribedToTopic(topic: string): boolean {
    if (this.subscribedTopics !== null) return this.subscribedTopics.has(topic);
    return this.usesConsumerProtocol();
  }

  usesConsumerProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  private countProtocols(member: ClassicGroupMember, delta: number): void {
    for (const p of member.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + delta);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** ConsumerProtocolSubscription: int16 version, then (v0 prefix) [topics: int32 count, int16-length strings]. */
export function subscriptionTopics(bytes: Uint8Array): string[] | null {
  if (bytes.length < 6) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 2;
  const count = dv.getInt32(pos);
  pos += 4;
  if (count < 0) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 2 > bytes.length) return null;
    const len = dv.getInt16(pos);
    pos += 2;
    if (len < 0 || pos + len > bytes.length) return null;
    topics.push(utf8.decode(bytes.subarray(pos, pos + len)));
    pos += len;
  }
  return topics;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
