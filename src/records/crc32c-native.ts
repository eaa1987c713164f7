// CRC-32C with the x86-64 SSE4.2 `crc32` instruction, compiled at start-up by Bun's TinyCC
// (`cc` in bun:ffi), which exists inside a `bun build --compile` binary too. crc32c.ts chooses it
// after a self-test; this file only builds it, or says why it could not.
//
// Facts that shape it (found on Bun 1.4.5, x86-64):
// - TinyCC's assembler has no `crc32` mnemonic: the instructions are spelled as bytes, with
//   fixed registers, inside asm blocks whose operands pin the C variables to those registers.
// - TinyCC keeps variables on the stack between statements; a C loop of one-instruction asm
//   blocks ran 3-streams at ~5 GB/s, the same loops written as one asm block each ~12-14 GB/s.
// - One `crc32q` has a 3-cycle latency and a 1-cycle throughput (Intel, AMD Zen), so three
//   independent streams over adjacent blocks, merged with a "shift by a block of zeros" table
//   (the CRC is linear), run ~2× one stream (~6.8 GB/s) on 1 MiB.
// - TinyCC cannot read Bun's embedded file system (/$bunfs), so the source is written to a
//   temporary file for the compile and removed at once; no headers are included.
// - Start-up cost: the first cc() in a process takes ~20-40 ms on this loaded 2-core VM (an empty
//   function too: TinyCC's own start), this source ~3-12 ms more; the self-test ~0.5 ms.
// - ARMv8 has CRC32C instructions too, but TinyCC's arm64 assembler is a stub (no operands), and
//   hand-written machine code nobody here can run would risk a SIGILL at start-up: not built.

import { cc } from "bun:ffi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * crc32c_sse42(bytes, offset, length, crc): the CRC-32C of bytes[offset, offset + length)
 * continued from crc; offset, length and crc as int32 (`| 0`), offset + length within bytes.
 */
export type NativeCrc32c = (bytes: Uint8Array, offset: number, length: number, crc: number) => number;

export type NativeBuild = { ok: true; fn: NativeCrc32c } | { ok: false; reason: string };

const LONG = 8192; // bytes per stream from 24 KiB up (1 MiB librdkafka batches)
const SHORT = 512; // bytes per stream from 1.5 KiB up (16 KiB Java batches)

// Encodings (Intel SDM, CRC32: F2 REX.W 0F 38 F1 /r; the F2 prefix goes before REX):
//   f2 48 0f 38 f1 06       crc32q (%rsi), %rax
//   f2 48 0f 38 f1 96 d32   crc32q d32(%rsi), %rdx
//   f2 48 0f 38 f1 be d32   crc32q d32(%rsi), %rdi
//   f2    0f 38 f0 06       crc32b (%rsi), %eax
const SOURCE = `
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

/* Three streams at p, p+B, p+2B, B/8 words each, in one asm block (crcs in rax, rdx, rdi). */
#define THREE(B, c0, c1, c2, p, words) __asm__( \\
  "1:\\n" \\
  ".byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x06\\n" \\
  ".byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x96\\n.long " #B "\\n" \\
  ".byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xbe\\n.long 2*" #B "\\n" \\
  "add $8, %%rsi\\ndec %%rcx\\njnz 1b\\n" \\
  : "+a"(c0), "+d"(c1), "+D"(c2), "+S"(p), "+c"(words) : : "cc", "memory")

/* tab[k][b]: the CRC register b << 8k after n more zero bytes, for n = LONG and SHORT. */
static u32 tab_long[4][256], tab_short[4][256];

static u64 one_stream(u64 c, const u8 *p, u64 n) {
  u64 w = n >> 3, r = n & 7;
  if (w) __asm__("1:\\n.byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x06\\nadd $8, %%rsi\\ndec %%rcx\\njnz 1b\\n"
                 : "+a"(c), "+S"(p), "+c"(w) : : "cc", "memory");
  if (r) __asm__("1:\\n.byte 0xf2, 0x0f, 0x38, 0xf0, 0x06\\ninc %%rsi\\ndec %%rcx\\njnz 1b\\n"
                 : "+a"(c), "+S"(p), "+c"(r) : : "cc", "memory");
  return c;
}

static void make_shift(u32 t[4][256], u64 n) {
  static u8 zeros[${LONG}];
  u32 bit[32];
  for (int i = 0; i < 32; i++) bit[i] = (u32)one_stream((u64)1 << i, zeros, n);
  for (int k = 0; k < 4; k++)
    for (int b = 0; b < 256; b++) {
      u32 v = 0;
      for (int i = 0; i < 8; i++) if (b >> i & 1) v ^= bit[8 * k + i];
      t[k][b] = v;
    }
}

static u64 shift(u32 t[4][256], u64 c) {
  return t[0][c & 0xff] ^ t[1][c >> 8 & 0xff] ^ t[2][c >> 16 & 0xff] ^ t[3][c >> 24];
}

/* CPUID.1:ECX bit 20 (SSE4.2); rbx, which cpuid writes, is callee-saved: kept in rsi. */
int crc32c_sse42_init(void) {
  u64 a = 1, c = 0;
  __asm__("mov %%rbx, %%rsi\\ncpuid\\nmov %%rsi, %%rbx\\n" : "+a"(a), "+c"(c) : : "rsi", "rdx", "cc");
  if (!(c >> 20 & 1)) return 0;
  make_shift(tab_long, ${LONG});
  make_shift(tab_short, ${SHORT});
  return 1;
}

u32 crc32c_sse42(const u8 *p, int offset, int length, int crc_in) {
  u32 n = (u32)length, crc = (u32)crc_in;
  u64 c = ~crc;
  p += offset;
  while (n >= 3 * ${LONG}) {
    u64 c1 = 0, c2 = 0, w = ${LONG} / 8;
    THREE(${LONG}, c, c1, c2, p, w);
    c = shift(tab_long, c) ^ c1;
    c = shift(tab_long, c) ^ c2;
    p += 2 * ${LONG};
    n -= 3 * ${LONG};
  }
  while (n >= 3 * ${SHORT}) {
    u64 c1 = 0, c2 = 0, w = ${SHORT} / 8;
    THREE(${SHORT}, c, c1, c2, p, w);
    c = shift(tab_short, c) ^ c1;
    c = shift(tab_short, c) ^ c2;
    p += 2 * ${SHORT};
    n -= 3 * ${SHORT};
  }
  return ~(u32)one_stream(c & 0xffffffffu, p, n);
}
`;

/** Compiles the SSE4.2 CRC-32C, or says why there is none here. */
export function buildNativeCrc32c(): NativeBuild {
  if (process.arch !== "x64") return { ok: false, reason: `no native CRC-32C for ${process.arch} (x86-64 SSE4.2 only)` };
  let dir: string | null = null;
  try {
    dir = mkdtempSync(join(tmpdir(), "bunka-crc32c-"));
    const path = join(dir, "crc32c.c");
    writeFileSync(path, SOURCE);
    const { symbols } = cc({
      source: path,
      symbols: {
        crc32c_sse42_init: { args: [], returns: "i32" },
        // i32, not u32: on Bun 1.4.5 a u32 argument arrives mangled (1 as 0, 2654435761 as the
        // low word of its double), while i32 arguments arrive intact.
        crc32c_sse42: { args: ["ptr", "i32", "i32", "i32"], returns: "u32" },
      },
    });
    if (symbols.crc32c_sse42_init() !== 1) return { ok: false, reason: "this CPU has no SSE4.2 (CPUID)" };
    return { ok: true, fn: symbols.crc32c_sse42 as unknown as NativeCrc32c };
  } catch (e) {
    const { code, message } = e as { code?: string; message?: string };
    return { ok: false, reason: `bun:ffi cc failed: ${code ?? ""}${code && message ? " " : ""}${(message ?? String(e)).split("\n")[0]}` };
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}
