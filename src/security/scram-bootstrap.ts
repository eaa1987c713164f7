// bunka.add.scram: SCRAM credentials given in server.properties, in the form Kafka's
// `kafka-storage format --add-scram` takes (ScramParser), several separated by ";":
//
//   bunka.add.scram=SCRAM-SHA-256=[name=alice,password=alice-secret];SCRAM-SHA-512=[name=bob,password="b,ob",iterations=8192]
//
// Kafka writes these once, when the log dir is formatted. Bunka writes each at start-up when the
// user has no credential for that mechanism in __cluster_metadata yet, so the first start
// creates it and a password changed later (kafka-configs --alter) is never overwritten.

import { ConfigError } from "../config/broker-config.ts";
import type { ClusterMetadata, ScramCredentialChange } from "../storage/cluster-metadata.ts";
import { credentialFromPassword, scramMechanismByName, SCRAM_MAX_ITERATIONS } from "./scram.ts";

export interface BootstrapScramEntry {
  mechanism: string;
  name: string;
  password: string;
  iterations: number;
}

/** Splits `k=v,k="v, with commas"` as ScramParser does (quotes keep commas and "=" in a value). */
function splitFields(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf("=", i);
    if (eq < 0) throw new ConfigError(`bunka.add.scram: expected key=value in "${body.slice(i)}"`);
    const key = body.slice(i, eq).trim().toLowerCase();
    let value: string;
    let j = eq + 1;
    if (body[j] === '"') {
      const end = body.indexOf('"', j + 1);
      if (end < 0) throw new ConfigError(`bunka.add.scram: unterminated quote in the value of ${key}`);
      value = body.slice(j + 1, end);
      j = end + 1;
    } else {
      const end = body.indexOf(",", j);
      value = body.slice(j, end < 0 ? body.length : end);
      j = end < 0 ? body.length : end;
    }
    out.set(key, value);
    if (j < body.length && body[j] !== ",") throw new ConfigError(`bunka.add.scram: expected "," after the value of ${key}`);
    i = j + 1;
  }
  return out;
}

export function parseBootstrapScram(text: string): BootstrapScramEntry[] {
  const out: BootstrapScramEntry[] = [];
  for (const item of text.split(/;(?=\s*SCRAM-)/i).map((s) => s.trim()).filter((s) => s !== "")) {
    const m = /^([A-Za-z0-9-]+)=\[(.*)\]$/s.exec(item);
    if (m === null) throw new ConfigError(`bunka.add.scram: "${item.replace(/password=[^,\]]*/gi, "password=[hidden]")}" is not MECHANISM=[name=...,password=...]`);
    const mechanism = m[1]!.toUpperCase();
    const scram = scramMechanismByName(mechanism);
    if (scram === undefined) throw new ConfigError(`bunka.add.scram: ${mechanism} is not SCRAM-SHA-256 or SCRAM-SHA-512`);
    const fields = splitFields(m[2]!);
    const name = fields.get("name");
    const password = fields.get("password");
    if (!name) throw new ConfigError(`bunka.add.scram: ${mechanism} entry without a name`);
    if (password === undefined) throw new ConfigError(`bunka.add.scram: ${mechanism} entry for ${name} without a password`);
    const iterations = fields.has("iterations") ? Number(fields.get("iterations")) : scram.minIterations;
    if (!Number.isInteger(iterations) || iterations < scram.minIterations || iterations > SCRAM_MAX_ITERATIONS) {
      throw new ConfigError(`bunka.add.scram: iterations for ${name} must be ${scram.minIterations}..${SCRAM_MAX_ITERATIONS}`);
    }
    for (const key of fields.keys()) {
      if (!["name", "password", "iterations"].includes(key)) throw new ConfigError(`bunka.add.scram: unknown key ${key} (name, password, iterations)`);
    }
    out.push({ mechanism, name, password, iterations });
  }
  return out;
}

/** Writes the entries whose user has no credential for the mechanism yet; returns their "mechanism:user" names. */
export function applyBootstrapScram(metadata: ClusterMetadata, entries: readonly BootstrapScramEntry[]): string[] {
  const changes: ScramCredentialChange[] = [];
  const created: string[] = [];
  for (const e of entries) {
    const scram = scramMechanismByName(e.mechanism)!;
    if (metadata.scramCredential(scram.type, e.name) !== undefined) continue;
    changes.push({ user: e.name, mechanism: scram.type, credential: credentialFromPassword(scram, e.password, e.iterations) });
    created.push(`${e.mechanism}:${e.name}`);
  }
  metadata.alterScramCredentials(changes);
  return created;
}
