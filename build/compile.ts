// bun build --compile src/main.ts → ./bunka, one self-contained executable. Built under a
// temporary name and renamed, so a broker starting concurrently never runs a half-written file.
// The version (package.json) and the commit (git describe) are defined into it for --version and
// the start-up line (src/version.ts).
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { COMMIT, VERSION } from "../src/version.ts";

const root = join(import.meta.dir, "..");
const out = join(root, "bunka");
const tmp = `${out}.${process.pid}.tmp`;
const started = performance.now();
const result = Bun.spawnSync([process.execPath, "build", "--compile", "--minify-syntax", "--sourcemap=none",
  "--define", `BUNKA_BUILD_VERSION=${JSON.stringify(VERSION)}`, "--define", `BUNKA_BUILD_COMMIT=${JSON.stringify(COMMIT)}`,
  // The log cleaner's worker is an entry point of its own (Bun bundles each worker separately).
  join(root, "src/main.ts"), join(root, "src/storage/log-cleaner-worker.ts"), "--outfile", tmp], { stdout: "inherit", stderr: "inherit" });
if (result.exitCode !== 0) {
  await rm(tmp, { force: true });
  process.exit(result.exitCode ?? 1);
}
await rename(tmp, out);
console.error(`[bunka] built ${out} (${VERSION}, ${COMMIT}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
