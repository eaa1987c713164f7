// Bunka's version and the git commit it was built from. build/compile.ts defines both into the
// binary (bun build --define); run from source (`bun src/main.ts`) they come from package.json
// and `git describe` at start-up instead.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import packageJson from "../package.json" with { type: "json" };

declare const BUNKA_BUILD_VERSION: string | undefined;
declare const BUNKA_BUILD_COMMIT: string | undefined;

export const VERSION: string = typeof BUNKA_BUILD_VERSION === "string" ? BUNKA_BUILD_VERSION : packageJson.version;

export const COMMIT: string = typeof BUNKA_BUILD_COMMIT === "string" ? BUNKA_BUILD_COMMIT : commitOfCheckout();

/** `git describe --always --dirty` of the checkout this file is in: the commit, "-dirty" if changed; "unknown" without git. */
export function commitOfCheckout(dir = dirname(import.meta.dir)): string {
  try {
    const r = spawnSync("git", ["-C", join(dir), "describe", "--always", "--dirty", "--abbrev=12", "--exclude=*"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000,
    });
    const out = r.status === 0 ? r.stdout.trim() : "";
    return out === "" ? "unknown" : out;
  } catch {
    return "unknown";
  }
}
