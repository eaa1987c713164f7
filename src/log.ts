// One line per event on stderr, with a level; BUNKA_LOG_LEVEL=debug|info|warn|error (default info).

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

let threshold: number = LEVELS[(process.env.BUNKA_LOG_LEVEL as LogLevel) ?? "info"] ?? LEVELS.info;

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

function emit(level: LogLevel, msg: string): void {
  if (LEVELS[level] < threshold) return;
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${msg}\n`);
}

export const log = {
  debug: (msg: string) => emit("debug", msg),
  info: (msg: string) => emit("info", msg),
  warn: (msg: string) => emit("warn", msg),
  error: (msg: string) => emit("error", msg),
  enabled: (level: LogLevel) => LEVELS[level] >= threshold,
};

const LOG_STRING_MAX = 256;

/**
 * A client-supplied string made safe for one log line: control characters (newlines included),
 * DEL, C1 controls and Unicode line/paragraph separators become \xNN / \uNNNN escapes, a
 * backslash is doubled, and anything past 256 characters is cut with a count of what was cut.
 */
export function escapeForLog(s: string | null | undefined): string {
  if (s === null || s === undefined) return "null";
  const cut = s.length > LOG_STRING_MAX ? s.length - LOG_STRING_MAX : 0;
  const head = cut > 0 ? s.slice(0, LOG_STRING_MAX) : s;
  // eslint-disable-next-line no-control-regex
  const escaped = head.replace(/[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    if (c === "\\") return "\\\\";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
  return cut > 0 ? `${escaped}...(${cut} more)` : escaped;
}

/**
 * Logs at most one line per `intervalMs` for each key (a client cannot flood the log by
 * repeating a request); the next line that passes says how many were suppressed.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly intervalMs: number, private readonly maxKeys = 1024) {}

  info(key: string, msg: string, now = Date.now()): void {
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (seen === undefined && this.last.size >= this.maxKeys) this.last.clear();
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    log.info(suppressed > 0 ? `${msg} (${suppressed} similar line(s) suppressed)` : msg);
  }
}

/**
 * Logs a line once per key (at INFO), for events worth one line per client and no more. At most
 * `maxKeys` keys are remembered; past that the oldest is forgotten, so memory stays bounded
 * whatever clients send.
 */
export class OnceLog {
  private readonly seen = new Set<string>();
  constructor(private readonly maxKeys = 1024) {}

  info(key: string, msg: () => string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.maxKeys) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
    log.info(msg());
  }
}
