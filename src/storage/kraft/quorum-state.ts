// quorum-state: the KRaft election state file in `__cluster_metadata-0` (Kafka's
// FileQuorumStateStore, QuorumStateData JSON). Kafka reads it at start-up (QuorumState.initialize):
// a missing file, or one whose epoch is below the last epoch in the metadata log, makes Kafka warn
// ("Epoch from quorum store file ... is smaller than last written epoch"); a leader id equal to the
// local node makes it start resigned in that epoch; no leader and no vote makes it start
// unattached in that epoch and hold an election, as after any restart.
//
// Bunka keeps the file as an unattached node would: the metadata log's last epoch, no leader,
// no vote, data_version 0 (the version Kafka 4.3.1 writes with static controller.quorum.voters),
// currentVoters this node. A file whose data_version Bunka does not know was written by a newer
// Kafka: the start is refused (QuorumStateTooNewError).

import type { FileSystem } from "../fs.ts";

export const QUORUM_STATE_FILE = "quorum-state";
/** The highest QuorumStateData version Kafka 4.3.1 reads and writes. */
export const MAX_QUORUM_STATE_VERSION = 1;

export interface QuorumStateFile {
  clusterId: string;
  leaderId: number;
  leaderEpoch: number;
  votedId: number;
  appliedOffset: number;
  currentVoters: { voterId: number }[];
  data_version: number;
}

export class QuorumStateTooNewError extends Error {
  constructor(path: string, version: number) {
    super(`${path} has data_version ${version}; this Bunka understands up to ${MAX_QUORUM_STATE_VERSION} ` +
      "(a newer Apache Kafka has run on this log dir; Bunka refuses to start rather than misread it)");
    this.name = "QuorumStateTooNewError";
  }
}

export function readQuorumState(fs: FileSystem, dir: string): QuorumStateFile | null {
  const path = `${dir}/${QUORUM_STATE_FILE}`;
  if (!fs.exists(path)) return null;
  const parsed = JSON.parse(new TextDecoder().decode(fs.readFile(path))) as QuorumStateFile;
  if (typeof parsed.data_version === "number" && parsed.data_version > MAX_QUORUM_STATE_VERSION) {
    throw new QuorumStateTooNewError(path, parsed.data_version);
  }
  return parsed;
}

/** The file's text exactly as Kafka's QuorumStateDataJsonConverter lays it out (no spaces). */
export function formatQuorumState(epoch: number, voters: readonly number[]): string {
  const state: QuorumStateFile = {
    clusterId: "",
    leaderId: -1,
    leaderEpoch: epoch,
    votedId: -1,
    appliedOffset: 0,
    currentVoters: voters.map((voterId) => ({ voterId })),
    data_version: 0,
  };
  return JSON.stringify(state);
}

/**
 * Writes quorum-state for the metadata log's last epoch unless the file already says that epoch
 * or a later one (then Kafka, or an earlier Bunka, wrote it and it stays as it is).
 */
export function keepQuorumState(fs: FileSystem, dir: string, epoch: number, voters: readonly number[]): void {
  const current = readQuorumState(fs, dir);
  if (current && current.leaderEpoch >= epoch) return;
  fs.writeFileAtomic(`${dir}/${QUORUM_STATE_FILE}`, new TextEncoder().encode(formatQuorumState(epoch, voters)));
}
