/**
 * Sets of footprint keys as bit sets over interned key numbers: the look-ahead unites the
 * footprints of thousands of states per search, and a union of two such sets is a loop over a
 * few machine words where a union of string Sets hashes every key again.
 */

/** A set of key numbers, one bit each. */
export type Bits = Int32Array<ArrayBuffer>;

/** Gives each key a small number, in order of first sight (so results are deterministic). */
export class KeyIndex {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  /** Keys a checked invariant reads (bit per key number). */
  visible = new Int32Array(4);

  constructor(private readonly readByInvariant: (key: string) => boolean) {}

  id(key: string): number {
    let i = this.ids.get(key);
    if (i === undefined) {
      i = this.names.length;
      this.ids.set(key, i);
      this.names.push(key);
      if (this.readByInvariant(key)) this.visible = withBit(this.visible, i);
    }
    return i;
  }
  /** The key's number, if it has one (a key never seen is in no set). */
  known(key: string): number | undefined {
    return this.ids.get(key);
  }
  name(id: number): string {
    return this.names[id]!;
  }
  isVisible(id: number): boolean {
    return hasBit(this.visible, id);
  }
}

export function hasBit(words: Bits, id: number): boolean {
  const w = id >>> 5;
  return w < words.length && (words[w]! & (1 << (id & 31))) !== 0;
}

/** `words` with bit `id` set: the same array when it is long enough, else a longer copy. */
export function withBit(words: Bits, id: number): Bits {
  const w = id >>> 5;
  if (w >= words.length) words = grown(words, w + 1);
  words[w]! |= 1 << (id & 31);
  return words;
}

/** `into` ∪ `from`, written into `into` (or a longer copy of it, returned). */
export function unite(into: Bits, from: Bits): Bits {
  if (from.length > into.length) into = grown(into, from.length);
  for (let i = 0; i < from.length; i++) into[i]! |= from[i]!;
  return into;
}

/** Do the sets share a member? The lowest shared key number, or -1. */
export function firstShared(a: Bits, b: Bits): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const both = a[i]! & b[i]!;
    if (both !== 0) return i * 32 + (31 - Math.clz32(both & -both));
  }
  return -1;
}

export function sameBits(a: Bits, b: Bits): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/** A hash of the set (trailing zero words do not count, as in `sameBits`). */
export function hashBits(words: Bits, h: number): number {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w !== 0) h = Math.imul(h ^ w ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b) ^ (h >>> 15);
  }
  return h;
}

/** A copy without trailing zero words (what a remembered set keeps). */
export function trimmed(words: Bits): Bits {
  let n = words.length;
  while (n > 0 && words[n - 1] === 0) n--;
  return words.slice(0, n);
}

function grown(words: Bits, atLeast: number): Bits {
  const next = new Int32Array(Math.max(atLeast, words.length * 2));
  next.set(words);
  return next;
}

/** A set of keys, read by name (what a summary of the other actors' future reads or writes). */
export class KeyBits {
  constructor(
    private readonly index: KeyIndex,
    readonly words: Bits,
  ) {}
  has(key: string): boolean {
    const id = this.index.known(key);
    return id !== undefined && hasBit(this.words, id);
  }
}
