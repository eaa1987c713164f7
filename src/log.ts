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
