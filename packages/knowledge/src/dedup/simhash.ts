/**
 * 64-bit SimHash (Charikar 2002; Manku, Jain & Das Sarma 2007 for near-duplicate web pages) over
 * character bigram shingles, which work for Chinese without segmentation and for English alike.
 * Bigrams rather than longer shingles: an edit changes fewer features, so copies stay within
 * the radius more often (per-bit flip odds grow with changed/√total features).
 *
 * Speed: instead of 64 signed counters updated per shingle, bit positions are counted with
 * bit-sliced counters — plane i holds bit i of every position's count — so adding one 32-bit
 * hash costs a short ripple-carry loop (two operations on average), not 32 additions.
 */
export interface SimHash {
  hi: number;
  lo: number;
}

const PLANES = 24; // counts up to 16.7 M shingles per document

class BitCounter {
  private readonly planes = new Int32Array(PLANES);
  add(word: number): void {
    let carry = word | 0;
    for (let i = 0; carry !== 0 && i < PLANES; i++) {
      const p = this.planes[i] as number;
      this.planes[i] = p ^ carry;
      carry &= p;
    }
  }
  /** The word whose bit b is set where more than half of `n` added words had bit b set. */
  majority(n: number): number {
    let out = 0;
    for (let b = 0; b < 32; b++) {
      let count = 0;
      for (let i = 0; i < PLANES; i++) count |= (((this.planes[i] as number) >>> b) & 1) << i;
      if (count * 2 > n) out |= 1 << b;
    }
    return out >>> 0;
  }
}

function mix(h: number): number {
  // murmur3 fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Whitespace and punctuation (ASCII, general, CJK and full-width) carry no identity. */
function isSkipped(c: number): boolean {
  if (c < 128) return c < 48 || (c > 57 && c < 65) || (c > 90 && c < 97) || c > 122;
  return (
    c === 0xa0 ||
    (c >= 0x2000 && c <= 0x206f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff01 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20)
  );
}

/**
 * SimHash of a text. Whitespace and punctuation are skipped and ASCII letters lower-cased, so
 * reflowed, re-punctuated or re-cased copies hash alike; a one-letter text hashes that letter.
 */
export function simhash(text: string): SimHash {
  const hi = new BitCounter();
  const lo = new BitCounter();
  let prev = -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (isSkipped(c)) continue;
    if (c >= 65 && c <= 90) c += 32;
    if (prev >= 0) {
      const h = Math.imul(prev, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77);
      hi.add(mix(h));
      lo.add(mix(h ^ 0x5bd1e995));
      n++;
    }
    prev = c;
  }
  if (n === 0 && prev >= 0) {
    hi.add(mix(prev));
    lo.add(mix(prev ^ 0x5bd1e995));
    n++;
  }
  return { hi: hi.majority(n), lo: lo.majority(n) };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function hamming(a: SimHash, b: SimHash): number {
  return popcount((a.hi ^ b.hi) >>> 0) + popcount((a.lo ^ b.lo) >>> 0);
}

export function simhashHex(h: SimHash): string {
  return h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");
}

export function parseSimhashHex(hex: string): SimHash {
  return { hi: Number.parseInt(hex.slice(0, 8), 16) >>> 0, lo: Number.parseInt(hex.slice(8, 16), 16) >>> 0 };
}

function bands(h: SimHash): number[] {
  return [h.hi >>> 16, h.hi & 0xffff, h.lo >>> 16, h.lo & 0xffff];
}

/**
 * Banded index for Hamming-radius queries: with the 64 bits cut into 4 bands of 16, two hashes
 * within distance 3 agree exactly on at least one band (pigeonhole), so only bucket-mates are
 * compared. Radius ≤ 3 is exact; larger radii may miss pairs.
 */
export class SimHashIndex<T = number> {
  private readonly buckets = [
    new Map<number, number[]>(),
    new Map<number, number[]>(),
    new Map<number, number[]>(),
    new Map<number, number[]>(),
  ];
  private readonly hashes: SimHash[] = [];
  private readonly items: T[] = [];

  constructor(readonly maxDistance = 3) {}

  get size(): number {
    return this.items.length;
  }

  add(h: SimHash, item: T): number {
    const id = this.items.length;
    this.hashes.push(h);
    this.items.push(item);
    bands(h).forEach((v, i) => {
      const m = this.buckets[i] as Map<number, number[]>;
      const list = m.get(v);
      if (list) list.push(id);
      else m.set(v, [id]);
    });
    return id;
  }

  /** Items within `maxDistance` of h, closest first. */
  query(h: SimHash, maxDistance = this.maxDistance): { item: T; id: number; distance: number }[] {
    const seen = new Set<number>();
    const out: { item: T; id: number; distance: number }[] = [];
    bands(h).forEach((v, i) => {
      for (const id of (this.buckets[i] as Map<number, number[]>).get(v) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const d = hamming(h, this.hashes[id] as SimHash);
        if (d <= maxDistance) out.push({ item: this.items[id] as T, id, distance: d });
      }
    });
    return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }
}
