// Layers point one way: server → handlers → coordinators (transactions → groups) → storage →
// records / protocol, with config/ beside them (pure knowledge of Kafka's keys) and security/
// below server and handlers. Checked on the import statements of every source file.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

const SRC = join(import.meta.dir, "../src");
const files = Array.from(new Bun.Glob("**/*.ts").scanSync(SRC));

function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith(".")) out.push(relative(SRC, resolve(dirname(join(SRC, file)), spec)));
    else out.push(spec);
  }
  return out;
}

/** What each layer may not import. */
const FORBIDDEN: Record<string, RegExp[]> = {
  "storage/": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^protocol\/messages\//],
  // The record batch format: used by storage and protocol alike, knows neither.
  "records/": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^storage\//, /^protocol\/messages\//, /^config\//],
  "protocol/": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^storage\//, /^bun$/, /^config\//],
  // The transaction coordinator writes markers through the group coordinator, never the reverse.
  "groups/": [/^server\//, /^handlers\//, /^transactions\//],
  "transactions/": [/^server\//, /^handlers\//],
  "handlers/": [/^server\//],
  // The console translates HTTP into the Kafka handlers' requests; it never reaches into sockets.
  "console/": [/^server\//],
  // The authorizer: pure rules over ACL bindings, no I/O.
  "security/authorizer.ts": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^storage\//, /^protocol\//, /^bun$/, /^node:/],
  // Authentication (SASL, SCRAM, OAUTHBEARER, principals): used by server and handlers, knows neither.
  "security/": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^protocol\/messages\//, /^bun$/],
  "config/": [/^server\//, /^handlers\//, /^groups\//, /^transactions\//, /^storage\//, /^protocol\//],
  // The HTTP listener and /metrics sit on top, beside server/: nothing below reaches up to them
  // (the work is announced and counted where it happens, and read at scrape time).
  "server/": [/^http\//, /^metrics\//],
};
// Below the top: none may import http/ or metrics/.
for (const prefix of ["storage/", "records/", "protocol/", "groups/", "transactions/", "handlers/", "security/", "config/"]) {
  FORBIDDEN[prefix]!.push(/^http\//, /^metrics\//);
}

test("imports only point down the layers", () => {
  const violations: string[] = [];
  for (const file of files) {
    const rules = Object.entries(FORBIDDEN).find(([prefix]) => file.startsWith(prefix))?.[1] ?? [];
    for (const imported of importsOf(file)) {
      if (rules.some((r) => r.test(imported))) violations.push(`${file} imports ${imported}`);
    }
  }
  expect(files.length).toBeGreaterThan(50);
  expect(violations).toEqual([]);
});
