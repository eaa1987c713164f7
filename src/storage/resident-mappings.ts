// Bounds the pages of segment mappings resident in the broker (its VmRSS), as a limit in bytes
// (bunka.log.mapped.resident.bytes). Segments are read through whole-file mmaps (segment.ts); every
// page a Fetch response's view touches stays mapped in the process until the mapping is unmapped,
// which Bun does only when the array is garbage collected, and sealed segments keep theirs for
// their lifetime. So VmRSS grew by every byte ever served, though the pages are the kernel's page
// cache (Kafka reads with sendfile/read and its VmRSS never shows them).
//
// Reads are noted in chunks of CHUNK_BYTES of a mapping; past the limit, the chunks read least
// recently are released: madvise(MADV_DONTNEED) on a private, never-written file mapping takes
// the pages out of the process's page tables and leaves them in the page cache. It never loses a
// byte: a view still being written to a socket simply faults the page in again from the cache (no
// SIGBUS: the file is never truncated below a mapping, see segment.ts). So nothing waits for
// pending writes; instead, a page such a view faults back in after its chunk was released is not
// counted, and the mappings that had chunks released are swept (every page not counted released
// again) each time the limit has turned over once more, for the two turnovers after their last
// release. What escapes that (a write stalled across two turnovers) is at most a connection's
// unwritten responses, and goes when the mapping does. The price is CPU: the page table work
// unmapping would do later is done now, and a page read again after release is faulted in again.
//
// Windows (Bun.mmap's offset and size, which Bun 1.4.5 has) were not used instead: a dropped
// window is only unmapped when collected, so the bound would still need madvise, and a batch
// straddling two windows could not be one view.

/**
 * The unit reads are counted and released in: 2 MiB, a PMD. ext4 on Linux 6.18 caches files in
 * large folios and maps them whole: a mapping is 2 MiB-aligned and touching one byte made 2 MiB
 * resident (FilePmdMapped). Counted in 1 MiB chunks, a read made its neighbour resident uncounted,
 * and releasing half a PMD splits it.
 */
export const CHUNK_BYTES = 2 << 20;
/** bunka.log.mapped.resident.bytes' default. */
export const DEFAULT_MAPPED_RESIDENT_BYTES = 64 << 20;
/** How many sweeps a mapping stays in after the last release of one of its chunks. */
const SWEEPS_AFTER_RELEASE = 2;

/** Takes bytes [start, start+length) of a mapping out of the process (madvise MADV_DONTNEED). */
export type ReleasePages = (mapping: Uint8Array, start: number, length: number) => void;

interface Chunk {
  readonly mapping: MappingChunks;
  readonly index: number;
  readonly bytes: number;
}

/** The counted chunks of one live mapping. */
interface MappingChunks {
  readonly bytes: Uint8Array;
  readonly chunks: (Chunk | undefined)[];
  /** The lowest and highest chunk index ever read (the range a sweep covers). */
  low: number;
  high: number;
  /** Sweeps left to do since one of its chunks was released (0: not swept). */
  sweepsLeft: number;
}

export class ResidentMappings {
  readonly limitBytes: number;
  private readonly release: ReleasePages;
  /** Mappings read since they were mapped (unmap() forgets them). */
  private readonly mappings = new Map<Uint8Array, MappingChunks>();
  /** Counted chunks, read least recently first (a Set keeps insertion order). */
  private readonly lru = new Set<Chunk>();
  private newest: Chunk | null = null;
  private counted = 0;
  private releasedSinceSweep = 0;
  /** Totals, for tests and the curious: bytes of chunks released (sweeps not counted), sweeps done. */
  readonly stats = { releasedBytes: 0, sweeps: 0 };

  constructor(limitBytes: number, release: ReleasePages) {
    this.limitBytes = Math.max(CHUNK_BYTES, limitBytes);
    this.release = release;
  }

  /** Bytes of counted chunks: what reads may have made resident, excluding what sweeps are for. */
  get residentBytes(): number {
    return this.counted;
  }

  /** Notes that bytes [start, end) of `mapping` (a whole mapping from mmap) are about to be read. */
  read(mapping: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    let m = this.mappings.get(mapping);
    if (m === undefined) {
      m = { bytes: mapping, chunks: [], low: Infinity, high: -1, sweepsLeft: 0 };
      this.mappings.set(mapping, m);
    }
    const first = Math.floor(start / CHUNK_BYTES);
    const last = Math.floor((end - 1) / CHUNK_BYTES);
    if (first < m.low) m.low = first;
    if (last > m.high) m.high = last;
    for (let i = first; i <= last; i++) {
      let c = m.chunks[i];
      if (c === undefined) {
        c = { mapping: m, index: i, bytes: Math.min(CHUNK_BYTES, mapping.length - i * CHUNK_BYTES) };
        m.chunks[i] = c;
        this.counted += c.bytes;
      } else if (c !== this.newest) {
        this.lru.delete(c); // to the back
      } else {
        continue;
      }
      this.lru.add(c);
      this.newest = c;
    }
    if (this.counted > this.limitBytes) this.releaseOldest();
  }

  /** Releases the pages of `mapping` and forgets it (the segment drops or replaces its mapping). */
  unmap(mapping: Uint8Array): void {
    const m = this.mappings.get(mapping);
    if (m === undefined) return;
    this.mappings.delete(mapping);
    // Its views may live on in pending writes; what they fault in goes when Bun unmaps.
    for (const c of m.chunks) if (c !== undefined) this.releaseChunk(c);
  }

  private releaseOldest(): void {
    while (this.counted > this.limitBytes) {
      const c = this.lru.values().next().value as Chunk;
      this.releaseChunk(c);
      c.mapping.sweepsLeft = SWEEPS_AFTER_RELEASE;
    }
    if (this.releasedSinceSweep >= this.limitBytes) this.sweep();
  }

  private releaseChunk(c: Chunk): void {
    c.mapping.chunks[c.index] = undefined;
    this.lru.delete(c);
    if (this.newest === c) this.newest = null;
    this.counted -= c.bytes;
    this.releasedSinceSweep += c.bytes;
    this.stats.releasedBytes += c.bytes;
    this.release(c.mapping.bytes, c.index * CHUNK_BYTES, c.bytes);
  }

  /** Releases, in the mappings that had chunks released lately, every run of chunks not counted. */
  private sweep(): void {
    this.releasedSinceSweep = 0;
    this.stats.sweeps++;
    for (const m of this.mappings.values()) {
      if (m.sweepsLeft === 0) continue;
      m.sweepsLeft--;
      let runStart = -1;
      for (let i = m.low; i <= m.high + 1; i++) {
        const uncounted = i <= m.high && m.chunks[i] === undefined;
        if (uncounted && runStart < 0) runStart = i;
        if (!uncounted && runStart >= 0) {
          const start = runStart * CHUNK_BYTES;
          const length = Math.min(i * CHUNK_BYTES, m.bytes.length) - start;
          this.release(m.bytes, start, length);
          runStart = -1;
        }
      }
    }
  }
}
