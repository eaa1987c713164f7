// Random values of any generated message at any version, from the field descriptors in
// test/protocol/schemas.generated.ts: nulls where the spec allows them, range ends, -1, 0,
// long and non-ASCII strings. Shared by the codec round trips and the handler fuzz.

import type { CodecDesc, FieldDesc } from "../protocol/schemas.generated.ts";

/** Deterministic PRNG (mulberry32) so a failure names a reproducible seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const CHARS = ["a", "b", "z", "0", "-", "_", ".", " ", "é", "ß", "日", "本", "🙂"];

export const inRange = (r: [number, number] | null, v: number): boolean => r !== null && v >= r[0] && v <= r[1];

/** Values to draw from half of the time instead of random ones (names and ids that exist). */
export interface Vocabulary {
  strings?: readonly string[];
  uuids?: readonly string[];
}

export class ValueFactory {
  constructor(
    private readonly codec: CodecDesc,
    private readonly rnd: () => number,
    private readonly vocabulary: Vocabulary = {},
  ) {}

  private fields(struct: string): FieldDesc[] {
    const f = this.codec.structs[struct];
    if (f === undefined) throw new Error(`${this.codec.name}: no struct ${struct}`);
    return f;
  }

  defaultStruct(struct: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields(struct)) out[f.name] = this.defaultOf(f);
    return out;
  }

  defaultOf(f: FieldDesc): unknown {
    if (f.default !== undefined) return f.default;
    if (f.type.startsWith("[]")) return [];
    if (f.type.startsWith("struct:")) return this.defaultStruct(f.type.slice(7));
    if (f.type === "bytes" || f.type === "records") return new Uint8Array(0);
    throw new Error(`${this.codec.name}.${f.name}: no default for ${f.type}`);
  }

  struct(struct: string, version: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields(struct)) {
      out[f.name] = inRange(f.versions, version) ? this.field(f, version, depth) : this.defaultOf(f);
    }
    return out;
  }

  private field(f: FieldDesc, version: number, depth: number): unknown {
    const rnd = this.rnd;
    if (inRange(f.nullable, version) && rnd() < 0.2) return null;
    // Sometimes exactly the default, which a tagged field then leaves off the wire.
    if (f.tagged !== null && rnd() < 0.2) return this.defaultOf(f);
    if (f.type.startsWith("[]")) {
      const elem = f.type.slice(2);
      const n = depth > 3 ? 0 : Math.floor(rnd() * (rnd() < 0.1 ? 40 : 4));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(this.value(elem, version, depth + 1));
      return out;
    }
    return this.value(f.type, version, depth);
  }

  private value(type: string, version: number, depth: number): unknown {
    const rnd = this.rnd;
    if (type.startsWith("struct:")) return this.struct(type.slice(7), version, depth + 1);
    const range = INT_RANGES[type];
    if (range !== undefined) {
      const p = rnd();
      if (p < 0.1) return range[0];
      if (p < 0.2) return range[1];
      if (p < 0.3) return Math.max(range[0], -1);
      if (p < 0.4) return 0;
      const span = range[1] - range[0];
      const v = Math.floor(range[0] + rnd() * (span + 1) * (p < 0.7 ? 1 : rnd() ** 6));
      return Math.min(range[1], Math.max(range[0], v)) || 0;
    }
    switch (type) {
      case "bool":
        return rnd() < 0.5;
      case "float64":
        return rnd() < 0.2 ? 0 : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 20 - 10);
      case "uuid": {
        const known = this.vocabulary.uuids;
        if (known !== undefined && known.length > 0 && rnd() < 0.5) return known[Math.floor(rnd() * known.length)];
        let s = "";
        for (let i = 0; i < 32; i++) s += Math.floor(rnd() * 16).toString(16);
        return s;
      }
      case "string": {
        const known = this.vocabulary.strings;
        if (known !== undefined && known.length > 0 && rnd() < 0.5) return known[Math.floor(rnd() * known.length)];
        const n = rnd() < 0.05 ? 130 + Math.floor(rnd() * 200) : Math.floor(rnd() * 12);
        let s = "";
        for (let i = 0; i < n; i++) s += CHARS[Math.floor(rnd() * CHARS.length)];
        return s;
      }
      case "bytes":
      case "records": {
        const n = rnd() < 0.05 ? 128 + Math.floor(rnd() * 300) : Math.floor(rnd() * 20);
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
        return b;
      }
    }
    throw new Error(`unknown type ${type}`);
  }
}

