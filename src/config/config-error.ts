// A setting Bunka cannot start with: one ERROR line naming the key, and exit code 1 (main.ts).
export class ConfigError extends Error {}
