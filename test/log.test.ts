import { describe, expect, test } from "bun:test";
import { OnceLog, RateLimitedLog, escapeForLog } from "../src/log.ts";

describe("escapeForLog", () => {
  test("control characters, separators and backslashes are escaped; printable text is kept", () => {
    expect(escapeForLog("group-1 ü 漢")).toBe("group-1 ü 漢");
    expect(escapeForLog("a\nb\r\tc\x00\x1b[31m")).toBe("a\\x0ab\\x0d\\x09c\\x00\\x1b[31m");
    expect(escapeForLog("x\u2028y\u0085z\x7f")).toBe("x\\u2028y\\x85z\\x7f");
    expect(escapeForLog("back\\x0aslash")).toBe("back\\\\x0aslash");
    expect(escapeForLog(null)).toBe("null");
  });

  test("long strings are cut at 256 characters with the count of the rest", () => {
    const s = escapeForLog("a".repeat(1000));
    expect(s).toBe(`${"a".repeat(256)}...(744 more)`);
  });
});

describe("RateLimitedLog", () => {
  test("one line per key per interval; the next says how many were suppressed", () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      const limited = new RateLimitedLog(1000);
      limited.info("a", "first", 0);
      limited.info("a", "again", 10);
      limited.info("a", "again", 20);
      limited.info("b", "other key", 30);
      limited.info("a", "later", 1500);
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("INFO first");
    expect(lines[1]).toContain("INFO other key");
    expect(lines[2]).toContain("INFO later (2 similar line(s) suppressed)");
  });
});

describe("OnceLog", () => {
  test("one line per key; past maxKeys the oldest key is forgotten, so memory stays bounded", () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      const once = new OnceLog(2);
      for (const key of ["a", "a", "b", "a", "c", "b", "a"]) once.info(key, () => `line ${key}`);
    } finally {
      process.stderr.write = write;
    }
    // a, b logged; c evicts a; b still known; a logged again.
    expect(lines.map((l) => l.trim().split(" INFO ")[1])).toEqual(["line a", "line b", "line c", "line a"]);
  });
});
