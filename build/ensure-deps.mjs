// Runs before `npm start` / `npm test`: installs the pinned dev dependencies (Bun itself comes
// from the `bun` package on npm) when node_modules is missing or older than the lockfile.
import { existsSync, statSync } from "node:fs";
import { execSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const stale = !existsSync(join(root, "node_modules", ".bin", "bun")) ||
  !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  const cmd = existsSync(lock) ? "npm ci" : "npm install";
  console.error(`[bunka] installing dependencies (${cmd})`);
  execSync(`${cmd} --no-audit --no-fund --loglevel=error`, { cwd: root, stdio: "inherit" });
}
