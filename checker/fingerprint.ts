/**
 * Structural 64-bit fingerprints.
 *
 * Why not Immutable's `hashCode()`: it is 31 bits (hundreds of collisions per million states)
 * and it is not cached on Records. Here a value hashes to two independent 32-bit lanes
 * (MurmurHash3-style mixing with different seeds), and the result of every Immutable.js node
 * (and every frozen plain object) is memoized in a WeakMap, so a successor that shares most
 * of its tree with its parent costs only the path that changed.
 *
 * Equality follows `Immutable.is` for Immutable values (unordered Maps and Sets hash the same
 * whatever their insertion order; Lists, OrderedMaps and Records are ordered) and JSON
 * equality for plain values (object key order does not matter; `undefined` members are
 * absent, as in JSON).
 */
import { isImmutable, isIndexed, isKeyed, isOrdered, isRecord } from 'immutable';

/** A fingerprint as two unsigned 32-bit halves. */
export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
}

// Type tags keep `1`, `"1"`, `[1]` and `List([1])` apart.
const enum Tag {
  Undefined = 1,
  Null,
  False,
  True,
  Int,
  Float,
  String,
  BigInt,
  Array,
  Object,
  List,
  Map,
  Set,
  OrderedMap,
  OrderedSet,
  Record,
  Symbol,
}

const SEED_HI = 0x9e3779b9 | 0;
const SEED_LO = 0x85ebca6b | 0;

/** A running two-lane hash. Kept as module-level scratch to avoid allocation on the hot path. */
class Hasher {
  hi = SEED_HI;
  lo = SEED_LO;
  count = 0;

  reset(): void {
    this.hi = SEED_HI;
    this.lo = SEED_LO;
    this.count = 0;
  }

  word(w: number): void {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.hi ^ k;
    h = (h << 13) | (h >>> 19);
    this.hi = (Math.imul(h, 5) + 0xe6546b64) | 0;

    let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca77);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, 0xc2b2ae3d);
    let g = this.lo ^ j;
    g = (g << 11) | (g >>> 21);
    this.lo = (Math.imul(g, 9) + 0x27d4eb2f) | 0;
    this.count++;
  }

  finish(out: number[]): void {
    out[0] = fmix(this.hi ^ this.count) >>> 0;
    out[1] = fmix(this.lo ^ Math.imul(this.count, 0x2c1b3c6d)) >>> 0;
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const memo = new WeakMap<object, readonly [number, number]>();
const stringMemo = new Map<string, readonly [number, number]>();
const STRING_MEMO_LIMIT = 1 << 16;
const f64 = new Float64Array(1);
const f64words = new Int32Array(f64.buffer);

/** Hashes `value` into a fresh pair [hi, lo]. Recursion uses its own Hasher per level. */
function hashValue(value: unknown): readonly [number, number] {
  switch (typeof value) {
    case 'undefined':
      return leaf(Tag.Undefined, 0);
    case 'boolean':
      return leaf(value ? Tag.True : Tag.False, 0);
    case 'number':
      return hashNumber(value);
    case 'string':
      return hashString(value);
    case 'bigint':
      return hashString(value.toString(16), Tag.BigInt);
    case 'symbol':
      // Two distinct Symbols can share a description: hashing it would merge distinct states.
      throw new TypeError(`cannot fingerprint a Symbol (${String(value)}) inside a state: distinct Symbols with one description would look equal; use a string or a number, or define fingerprint(state)`);
    case 'function':
      throw new TypeError('cannot fingerprint a function inside a state');
    default:
      break;
  }
  if (value === null) return leaf(Tag.Null, 0);
  const obj = value as object;
  const cached = memo.get(obj);
  if (cached !== undefined) return cached;
  let result: readonly [number, number];
  if (isImmutable(obj)) {
    result = hashImmutable(obj);
    memo.set(obj, result);
  } else if (Array.isArray(obj)) {
    const h = new Hasher();
    h.word(Tag.Array);
    for (const item of obj) addPair(h, hashValue(item));
    result = finish(h);
    if (Object.isFrozen(obj)) memo.set(obj, result);
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(
        `cannot fingerprint a ${proto?.constructor?.name ?? 'class instance'} inside a state: use plain objects, arrays or Immutable.js values`,
      );
    result = hashPlainObject(obj as Record<string, unknown>);
    if (Object.isFrozen(obj)) memo.set(obj, result);
  }
  return result;
}

function leaf(tag: Tag, w: number): readonly [number, number] {
  const h = new Hasher();
  h.word(tag);
  h.word(w);
  return finish(h);
}

function finish(h: Hasher): readonly [number, number] {
  const out = [0, 0];
  h.finish(out);
  return out as unknown as readonly [number, number];
}

function addPair(h: Hasher, p: readonly [number, number]): void {
  h.word(p[0]);
  h.word(p[1]);
}

function hashNumber(n: number): readonly [number, number] {
  if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return leaf(Tag.Int, n | 0); // -0 becomes 0
  const h = new Hasher();
  h.word(Tag.Float);
  if (Number.isNaN(n)) {
    h.word(0x7ff80000);
    h.word(0);
  } else {
    f64[0] = n;
    h.word(f64words[0]);
    h.word(f64words[1]);
  }
  return finish(h);
}

function hashString(s: string, tag: Tag = Tag.String): readonly [number, number] {
  if (tag === Tag.String) {
    const cached = stringMemo.get(s);
    if (cached !== undefined) return cached;
  }
  const h = new Hasher();
  h.word(tag);
  h.word(s.length);
  let i = 0;
  for (; i + 1 < s.length; i += 2) h.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < s.length) h.word(s.charCodeAt(i));
  const result = finish(h);
  if (tag === Tag.String) {
    if (stringMemo.size >= STRING_MEMO_LIMIT) stringMemo.clear();
    stringMemo.set(s, result);
  }
  return result;
}

function hashPlainObject(obj: Record<string, unknown>): readonly [number, number] {
  const keys = Object.keys(obj).sort();
  const h = new Hasher();
  h.word(Tag.Object);
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    addPair(h, hashString(key));
    addPair(h, hashValue(v));
  }
  return finish(h);
}

const recordKeys = new WeakMap<object, readonly string[]>();

function sortedRecordKeys(obj: object, rec: { toSeq(): { keySeq(): Iterable<string> } }): readonly string[] {
  const type = Object.getPrototypeOf(obj) as object;
  let keys = recordKeys.get(type);
  if (keys === undefined) {
    keys = [...rec.toSeq().keySeq()].sort();
    recordKeys.set(type, keys);
  }
  return keys;
}

/** Sorts pairs so that unordered collections hash independently of insertion order. */
function sortPairs(pairs: (readonly [number, number])[]): void {
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function hashImmutable(obj: object): readonly [number, number] {
  const h = new Hasher();
  if (isRecord(obj)) {
    h.word(Tag.Record);
    // Immutable.is compares Records by their entries, whatever the declared field order: hash
    // the fields in sorted order (cached per Record type).
    const rec = obj as unknown as { get(k: string): unknown; toSeq(): { keySeq(): Iterable<string> } };
    for (const k of sortedRecordKeys(obj, rec)) {
      addPair(h, hashString(k));
      addPair(h, hashValue(rec.get(k)));
    }
    return finish(h);
  }
  const coll = obj as unknown as {
    entries(): IterableIterator<[unknown, unknown]>;
    values(): IterableIterator<unknown>;
    size: number;
  };
  if (isKeyed(obj)) {
    if (isOrdered(obj)) {
      h.word(Tag.OrderedMap);
      for (const [k, v] of coll.entries()) {
        addPair(h, hashValue(k));
        addPair(h, hashValue(v));
      }
      return finish(h);
    }
    h.word(Tag.Map);
    const entries: (readonly [number, number])[] = [];
    for (const [k, v] of coll.entries()) {
      const e = new Hasher();
      addPair(e, hashValue(k));
      addPair(e, hashValue(v));
      entries.push(finish(e));
    }
    sortPairs(entries);
    for (const e of entries) addPair(h, e);
    return finish(h);
  }
  if (isIndexed(obj)) {
    h.word(Tag.List);
    for (const v of coll.values()) addPair(h, hashValue(v));
    return finish(h);
  }
  // Sets (and any other unkeyed, unindexed collection).
  if (isOrdered(obj)) {
    h.word(Tag.OrderedSet);
    for (const v of coll.values()) addPair(h, hashValue(v));
    return finish(h);
  }
  h.word(Tag.Set);
  const items: (readonly [number, number])[] = [];
  for (const v of coll.values()) items.push(hashValue(v));
  sortPairs(items);
  for (const e of items) addPair(h, e);
  return finish(h);
}

/** The default structural fingerprint of a state. */
export function fingerprintOf(value: unknown): Fingerprint {
  const [hi, lo] = hashValue(value);
  return { hi, lo };
}

/** Folds a model-supplied fingerprint (`bigint` or `string`) into two 32-bit halves. */
export function fingerprintFromOverride(fp: bigint | string): Fingerprint {
  if (typeof fp === 'bigint') {
    const v = BigInt.asUintN(64, fp);
    return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
  }
  const [hi, lo] = hashString(fp);
  return { hi, lo };
}

/** Mixes extra words (search context such as preemption counters) into a fingerprint. */
export function extendFingerprint(fp: Fingerprint, ...words: number[]): Fingerprint {
  const h = new Hasher();
  h.word(fp.hi);
  h.word(fp.lo);
  for (const w of words) h.word(w);
  const out = [0, 0];
  h.finish(out);
  return { hi: out[0], lo: out[1] };
}

/** A string key for a small word (for example an actor name) used in `extendFingerprint`. */
export function wordOf(value: string | number): number {
  return hashValue(value)[0];
}

export function fingerprintToHex(fp: Fingerprint): string {
  return fp.hi.toString(16).padStart(8, '0') + fp.lo.toString(16).padStart(8, '0');
}
