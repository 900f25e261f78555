/**
 * Structural 64-bit fingerprints.
 *
 * Why not Immutable's `hashCode()`: it is 31 bits (hundreds of collisions per million states)
 * and it is not cached on Records. Here a value hashes to two independent 32-bit lanes
 * (MurmurHash3-style mixing with different seeds), and the result of every Immutable.js node
 * is memoized on the node (FINGERPRINT_MEMO; every frozen plain object's in a WeakMap), so a
 * successor that shares most of its tree with its parent costs only the path that changed.
 *
 * Equality follows `Immutable.is` for Immutable values (unordered Maps and Sets hash the same
 * whatever their insertion order; Lists, OrderedMaps and Records are ordered) and JSON
 * equality for plain values (object key order does not matter; `undefined` members are
 * absent, as in JSON).
 *
 * Speed (this is most of a search's time on plain-object models): unordered collections
 * (plain objects, Records, Maps, Sets) combine a well-mixed 64-bit hash per (key, value) pair
 * by lane-wise addition, which is independent of order without sorting or listing keys; the
 * recursion returns its result in two module-level registers instead of allocating a pair
 * per node; small integers, booleans and strings come from tables; and each field (a key of a
 * plain object, a field of a Record type) remembers the value it last hashed with its pair
 * hash, so the fields a successor shares with the state hashed before it cost a comparison.
 *
 * Models that cache hashes themselves implement the `FINGERPRINT` protocol (see below).
 */
import { isImmutable, isIndexed, isKeyed, isOrdered, isRecord, List, Map as IMap, Range, Record as ImmutableRecord } from 'immutable';

/** A fingerprint as two unsigned 32-bit halves. */
export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
}

/**
 * The self-fingerprinting protocol: an object (typically a class instance, or a hash-consed
 * node) with a method under this key is hashed by calling it instead of walking its fields.
 * The method returns the object's 64-bit hash, as `[hi, lo]` or `{ hi, lo }` (32-bit halves).
 * Equal states must return equal pairs, and the pair must not change while the object is in
 * use; the checker mixes it with a type tag, so it may be any well-mixed 64-bit value (it
 * need not agree with the structural hash of the same fields).
 *
 *     class Pte {
 *       constructor(readonly pfn: number, readonly prot: number) { this.#h = [...]; }
 *       [FINGERPRINT]() { return this.#h; }
 *     }
 *
 * The key is `Symbol.for('mmcheck.fingerprint')`, so a model can define it without importing
 * mmcheck.
 */
export const FINGERPRINT: unique symbol = Symbol.for('mmcheck.fingerprint') as typeof FINGERPRINT;

/**
 * The memo slot: the fingerprinter keeps the hash of an Immutable.js value in this own
 * property of the value (a property read where the object already is in cache, against a
 * WeakMap probe and the ephemeron work a WeakMap costs every GC); a frozen value's hash goes to
 * the WeakMap. A Record type of the model's own may declare the property (`null` until hashed)
 * in its constructor, so its instances keep one object shape. The value must not change once
 * hashed.
 */
export const FINGERPRINT_MEMO: unique symbol = Symbol.for('mmcheck.fingerprintMemo') as typeof FINGERPRINT_MEMO;
/**
 * The memo's second slot: a type that declares it (a number, 0 until hashed) beside
 * FINGERPRINT_MEMO gets its hash as two numbers, the high half in FINGERPRINT_MEMO and the low
 * half here, with no array made per hashed value.
 */
export const FINGERPRINT_MEMO_LO: unique symbol = Symbol.for('mmcheck.fingerprintMemoLo') as typeof FINGERPRINT_MEMO_LO;

interface MemoSlot {
  [FINGERPRINT_MEMO]: readonly [number, number] | number | null | undefined;
  [FINGERPRINT_MEMO_LO]?: number;
}

export interface SelfFingerprinting {
  [FINGERPRINT](): readonly [number, number] | Fingerprint;
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
  Custom,
  Extended,
}

const SEED_HI = 0x9e3779b9 | 0;
const SEED_LO = 0x85ebca6b | 0;
const PAIR_SEED_HI = 0x27d4eb2f | 0;
const PAIR_SEED_LO = 0x165667b1 | 0;

/** MurmurHash3 x86_32 round (lane hi). */
function mixHi(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** A second, independent round (lane lo): different constants and rotations. */
function mixLo(h: number, w: number): number {
  let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca77);
  j = (j << 17) | (j >>> 15);
  j = Math.imul(j, 0xc2b2ae3d);
  h ^= j;
  h = (h << 11) | (h >>> 21);
  return (Math.imul(h, 9) + 0x27d4eb2f) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

// The result registers of `hashInto` (signed 32-bit; made unsigned at the API boundary).
let rHi = 0;
let rLo = 0;

/** Sets the registers to the hash of a tagged word (a leaf). */
function leafInto(tag: Tag, w: number): void {
  rHi = fmix(mixHi(mixHi(SEED_HI, tag), w) ^ 2);
  rLo = fmix(mixLo(mixLo(SEED_LO, tag), w) ^ 2);
}

// Tables of leaf hashes: small integers (the bulk of a counter-heavy state) and constants.
const SMALL_MIN = -128;
const SMALL_MAX = 4095;
const smallInts = new Int32Array((SMALL_MAX - SMALL_MIN + 1) * 2);
for (let n = SMALL_MIN; n <= SMALL_MAX; n++) {
  leafInto(Tag.Int, n);
  smallInts[(n - SMALL_MIN) * 2] = rHi;
  smallInts[(n - SMALL_MIN) * 2 + 1] = rLo;
}
leafInto(Tag.Undefined, 0);
const UNDEFINED_HI = rHi;
const UNDEFINED_LO = rLo;
leafInto(Tag.Null, 0);
const NULL_HI = rHi;
const NULL_LO = rLo;
leafInto(Tag.False, 0);
const FALSE_HI = rHi;
const FALSE_LO = rLo;
leafInto(Tag.True, 0);
const TRUE_HI = rHi;
const TRUE_LO = rLo;

/** Ordered sequences: a running two-lane hash. Starts from the tag; ends with the length. */
function finishSequence(hi: number, lo: number, n: number): void {
  rHi = fmix(hi ^ n);
  rLo = fmix(lo ^ Math.imul(n, 0x2c1b3c6d));
}

/** Unordered collections: the lane-wise sums of pair hashes, the tag and the count. */
function finishUnordered(tag: Tag, sumHi: number, sumLo: number, n: number): void {
  rHi = fmix(mixHi(mixHi(mixHi(SEED_HI, tag), sumHi), n));
  rLo = fmix(mixLo(mixLo(mixLo(SEED_LO, tag), sumLo), n));
}

/** The hash of one (key, value) pair of an unordered collection, as an addend per lane. */
function pairHi(kHi: number, kLo: number, vHi: number, vLo: number): number {
  return fmix(mixHi(mixHi(PAIR_SEED_HI ^ kHi, vHi), vLo ^ kLo));
}
function pairLo(kHi: number, kLo: number, vHi: number, vLo: number): number {
  return fmix(mixLo(mixLo(PAIR_SEED_LO ^ kLo, vLo), vHi ^ kHi));
}

const memo = new WeakMap<object, readonly [number, number]>();

// Strings: hashed once, looked up by value (keys and enum-like values repeat endlessly).
const STRING_MEMO_LIMIT = 1 << 16;
const stringIndex = new Map<string, number>();
const stringHashes = new Int32Array(STRING_MEMO_LIMIT * 2);

const f64 = new Float64Array(1);
const f64words = new Int32Array(f64.buffer);

/** Hashes `value` into the registers rHi, rLo. Callers copy them out before recursing again. */
function hashInto(value: unknown): void {
  switch (typeof value) {
    case 'number':
      return numberInto(value);
    case 'string':
      return stringInto(value);
    case 'boolean':
      rHi = value ? TRUE_HI : FALSE_HI;
      rLo = value ? TRUE_LO : FALSE_LO;
      return;
    case 'object':
      if (value === null) {
        rHi = NULL_HI;
        rLo = NULL_LO;
        return;
      }
      return objectInto(value);
    case 'undefined':
      rHi = UNDEFINED_HI;
      rLo = UNDEFINED_LO;
      return;
    case 'bigint':
      return rawStringInto(value.toString(16), Tag.BigInt);
    case 'symbol':
      // Two distinct Symbols can share a description: hashing it would merge distinct states.
      throw new TypeError(`cannot fingerprint a Symbol (${String(value)}) inside a state: distinct Symbols with one description would look equal; use a string or a number, or define fingerprint(state)`);
    case 'function':
      throw new TypeError('cannot fingerprint a function inside a state');
  }
}

function numberInto(n: number): void {
  if ((n | 0) === n) {
    // An int32 (-0 included, as 0).
    if (n >= SMALL_MIN && n <= SMALL_MAX) {
      const i = (n - SMALL_MIN) * 2;
      rHi = smallInts[i];
      rLo = smallInts[i + 1];
    } else leafInto(Tag.Int, n);
    return;
  }
  let hi = mixHi(SEED_HI, Tag.Float);
  let lo = mixLo(SEED_LO, Tag.Float);
  if (Number.isNaN(n)) {
    hi = mixHi(mixHi(hi, 0x7ff80000), 0);
    lo = mixLo(mixLo(lo, 0x7ff80000), 0);
  } else {
    f64[0] = n;
    hi = mixHi(mixHi(hi, f64words[0]), f64words[1]);
    lo = mixLo(mixLo(lo, f64words[0]), f64words[1]);
  }
  finishSequence(hi, lo, 2);
}

/**
 * Pair hashes remembered by field (a key of the key cache, or a field of a Record type): the
 * value last hashed there and its (key, value) pair hash. Successive states share most of
 * their values, so most fields of a new object or Record are equal to the ones hashed just
 * before. Kept only for values whose hash cannot change: primitives, and Immutable values
 * that carry their hash (FINGERPRINT_MEMO); a mutable object is hashed each time.
 */
interface PairMemo {
  readonly last: unknown[];
  readonly pairs: Int32Array;
}
/** In `last`: no value hashed there yet (never equal to a value of a state). */
const NOT_HASHED = Symbol('not hashed');
function newPairMemo(n: number): PairMemo {
  return { last: new Array<unknown>(n).fill(NOT_HASHED), pairs: new Int32Array(n * 2) };
}
/**
 * Whether `v`'s hash is fixed (it was just hashed): a primitive, or an Immutable value carrying
 * its hash and not open to `withMutations` (a value in the middle of one may still change in
 * place; an Immutable value never becomes mutable again: `asMutable` makes a copy).
 */
function fixedHash(v: unknown): boolean {
  if (typeof v !== 'object') return true;
  if (v === null) return true;
  const slot = (v as MemoSlot)[FINGERPRINT_MEMO];
  return slot !== undefined && slot !== null && (v as { __ownerID?: unknown }).__ownerID === undefined;
}

// A direct-mapped cache in front of `stringIndex` for object keys: the same few keys come
// back in every state, and comparing an interned string is cheaper than a Map lookup.
const KEY_CACHE_SIZE = 512;
const keyCacheKeys: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE).fill(undefined);
const keyCacheHashes = new Int32Array(KEY_CACHE_SIZE * 2);

/**
 * The pair hashes last made for each key of the cache (see PairMemo): a plain object's field
 * that has the same primitive value as when its key was last hashed costs a comparison.
 */
const keyPairs = newPairMemo(KEY_CACHE_SIZE);

/** The slot of the key cache that holds `k` (put there if it was not): its hash is at keyCacheHashes[slot * 2]. */
function keySlot(k: string): number {
  const n = k.length;
  const slot = n === 0 ? 0 : (Math.imul(k.charCodeAt(0), 31) + Math.imul(k.charCodeAt(n - 1), 7) + n) & (KEY_CACHE_SIZE - 1);
  if (keyCacheKeys[slot] === k) return slot;
  stringInto(k);
  keyCacheKeys[slot] = k;
  keyCacheHashes[slot * 2] = rHi;
  keyCacheHashes[slot * 2 + 1] = rLo;
  keyPairs.last[slot] = NOT_HASHED; // another key's pair
  return slot;
}

function keyInto(k: string): void {
  const slot = keySlot(k);
  rHi = keyCacheHashes[slot * 2];
  rLo = keyCacheHashes[slot * 2 + 1];
}

function stringInto(s: string): void {
  const i = stringIndex.get(s);
  if (i !== undefined) {
    rHi = stringHashes[i];
    rLo = stringHashes[i + 1];
    return;
  }
  rawStringInto(s, Tag.String);
  if (stringIndex.size >= STRING_MEMO_LIMIT) stringIndex.clear();
  const j = stringIndex.size * 2;
  stringHashes[j] = rHi;
  stringHashes[j + 1] = rLo;
  stringIndex.set(s, j);
}

function rawStringInto(s: string, tag: Tag): void {
  let hi = mixHi(mixHi(SEED_HI, tag), s.length);
  let lo = mixLo(mixLo(SEED_LO, tag), s.length);
  let i = 0;
  for (; i + 1 < s.length; i += 2) {
    const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    hi = mixHi(hi, w);
    lo = mixLo(lo, w);
  }
  if (i < s.length) {
    hi = mixHi(hi, s.charCodeAt(i));
    lo = mixLo(lo, s.charCodeAt(i));
  }
  finishSequence(hi, lo, s.length);
}

function objectInto(obj: object): void {
  // Most objects a search meets are already hashed (the unchanged parts of the parent): their slot first.
  const slot = (obj as MemoSlot)[FINGERPRINT_MEMO];
  if (slot !== undefined) {
    if (slot === null) return slotted(obj as MemoSlot); // an Immutable value with an empty slot (a FastRecord not hashed yet)
    if (typeof slot !== 'number') return fromMemo(slot);
    rHi = slot;
    rLo = (obj as MemoSlot)[FINGERPRINT_MEMO_LO]!;
    return;
  }
  if (Array.isArray(obj)) {
    if (Object.isFrozen(obj)) return memoized(obj, arrayInto);
    return arrayInto(obj);
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto === Object.prototype || proto === null) {
    if (Object.isFrozen(obj)) return memoized(obj, plainObjectInto);
    return plainObjectInto(obj as Record<string, unknown>);
  }
  const custom = (obj as Partial<SelfFingerprinting>)[FINGERPRINT];
  if (typeof custom === 'function') return customInto(obj as SelfFingerprinting);
  // Immutable collections get the memo slot on first hash (an own property: a property read
  // next time, where a WeakMap costs a hash probe and ephemeron work in every GC).
  if (isImmutable(obj)) return Object.isExtensible(obj) ? slotted(obj as unknown as MemoSlot) : memoized(obj, immutableInto);
  throw new TypeError(
    `cannot fingerprint a ${proto?.constructor?.name ?? 'class instance'} inside a state: use plain objects, arrays or Immutable.js values`,
  );
}

function fromMemo(cached: readonly [number, number]): void {
  rHi = cached[0];
  rLo = cached[1];
}

/** An Immutable value with an empty memo slot (FINGERPRINT_MEMO): hashed, and the hash kept there. */
function slotted(obj: MemoSlot): void {
  immutableInto(obj);
  if (typeof obj[FINGERPRINT_MEMO_LO] === 'number') {
    obj[FINGERPRINT_MEMO_LO] = rLo;
    obj[FINGERPRINT_MEMO] = rHi;
  } else obj[FINGERPRINT_MEMO] = [rHi, rLo];
}

function memoized(obj: object, hash: (o: never) => void): void {
  const cached = memo.get(obj);
  if (cached !== undefined) return fromMemo(cached);
  hash(obj as never);
  memo.set(obj, [rHi, rLo]);
}

function arrayInto(arr: readonly unknown[]): void {
  let hi = mixHi(SEED_HI, Tag.Array);
  let lo = mixLo(SEED_LO, Tag.Array);
  const n = arr.length;
  for (let i = 0; i < n; i++) {
    hashInto(arr[i]);
    hi = mixHi(mixHi(hi, rHi), rLo);
    lo = mixLo(mixLo(lo, rLo), rHi);
  }
  finishSequence(hi, lo, n);
}

function plainObjectInto(obj: Record<string, unknown>): void {
  let sumHi = 0;
  let sumLo = 0;
  let n = 0;
  // for-in walks own enumerable string keys here (the prototype is Object.prototype or null,
  // which have none), using V8's enum cache: no key array is allocated, nothing is sorted.
  // The remembered pairs are looked up and kept here and in recordInto, written out in each:
  // one shared helper measured 5-10% slower on the bench's plain-object model.
  const last = keyPairs.last;
  const pairs = keyPairs.pairs;
  for (const key in obj) {
    const v = obj[key];
    if (v === undefined) continue;
    n++;
    const slot = keySlot(key);
    if (last[slot] === v) {
      sumHi = (sumHi + pairs[slot * 2]) | 0;
      sumLo = (sumLo + pairs[slot * 2 + 1]) | 0;
      continue;
    }
    const kHi = keyCacheHashes[slot * 2];
    const kLo = keyCacheHashes[slot * 2 + 1];
    hashInto(v);
    const pHi = pairHi(kHi, kLo, rHi, rLo);
    const pLo = pairLo(kHi, kLo, rHi, rLo);
    sumHi = (sumHi + pHi) | 0;
    sumLo = (sumLo + pLo) | 0;
    // Primitives only: a plain object or array may be changed in place. (Hashing a primitive
    // moves no key in the key cache, so the slot still holds this key.)
    if (typeof v !== 'object') {
      last[slot] = v;
      pairs[slot * 2] = pHi;
      pairs[slot * 2 + 1] = pLo;
    }
  }
  finishUnordered(Tag.Object, sumHi, sumLo, n);
}

function customInto(obj: SelfFingerprinting): void {
  const fp = obj[FINGERPRINT]();
  const h = Array.isArray(fp) ? (fp as readonly [number, number])[0] : (fp as Fingerprint).hi;
  const l = Array.isArray(fp) ? (fp as readonly [number, number])[1] : (fp as Fingerprint).lo;
  if (typeof h !== 'number' || typeof l !== 'number')
    throw new TypeError('a [FINGERPRINT]() method must return [hi, lo] or { hi, lo } (32-bit numbers)');
  finishUnordered(Tag.Custom, h | 0, l | 0, 2);
}

/** Record internals of Immutable 5 (read-only use; falls back to `get` when absent). */
interface RecordInternals {
  readonly _keys?: readonly string[];
  readonly _values?: { get(i: number): unknown };
  /** Writes the field values, in key order, into `out` (a Record type that has it: one call, no array per hash). */
  _valuesInto?(out: unknown[]): void;
  readonly _defaultValues?: Record<string, unknown>;
  get(k: string): unknown;
}

interface Collection {
  forEach(f: (v: unknown, k: unknown) => unknown): number;
}

/**
 * Small collections are read from Immutable 5's nodes directly, which skips the iterator
 * closures `forEach` allocates (most of a kernel state's collections are small, and each new
 * state hashes a few of them): a List of at most 32 elements starting at index 0 keeps them
 * in order in its tail node (what `List.get` reads too), and a Map of at most 8 entries keeps
 * its [key, value] pairs in its root's `entries`. Anything else goes through `forEach`, and
 * the fast paths are checked against `forEach` when this module loads (`fastPathsAgree`).
 */
interface SmallList {
  readonly size: number;
  readonly _origin?: number;
  readonly _capacity?: number;
  readonly _tail?: { readonly array: readonly unknown[] } | null;
}
interface SmallMap {
  readonly size: number;
  readonly _root?: { readonly entries?: readonly (readonly [unknown, unknown])[] } | null;
}

const TAIL_SIZE = 32;
const NO_ITEMS: readonly unknown[] = [];
let fastPaths = true;

/** The elements of a List that lives in its tail node, or undefined. */
function tailArray(list: SmallList): readonly unknown[] | undefined {
  if (!fastPaths || list._origin !== 0 || list._capacity !== list.size || list.size > TAIL_SIZE) return undefined;
  const tail = list._tail;
  if (tail) return tail.array;
  return list.size === 0 ? NO_ITEMS : undefined;
}

/** The [key, value] pairs of a Map whose root holds them all, or undefined. */
function rootEntries(map: SmallMap): readonly (readonly [unknown, unknown])[] | undefined {
  if (!fastPaths) return undefined;
  const root = map._root;
  if (!root) return map.size === 0 ? (NO_ITEMS as readonly (readonly [unknown, unknown])[]) : undefined;
  const entries = root.entries;
  return Array.isArray(entries) && entries.length === map.size ? entries : undefined;
}

// Accumulators shared by the forEach callbacks below (collections nest: saved and restored).
let accHi = 0;
let accLo = 0;
let accN = 0;

function unorderedEntry(v: unknown, k: unknown): void {
  hashInto(k);
  const kHi = rHi;
  const kLo = rLo;
  hashInto(v);
  accHi = (accHi + pairHi(kHi, kLo, rHi, rLo)) | 0;
  accLo = (accLo + pairLo(kHi, kLo, rHi, rLo)) | 0;
  accN++;
}

function unorderedItem(v: unknown): void {
  hashInto(v);
  accHi = (accHi + pairHi(UNDEFINED_HI, UNDEFINED_LO, rHi, rLo)) | 0;
  accLo = (accLo + pairLo(UNDEFINED_HI, UNDEFINED_LO, rHi, rLo)) | 0;
  accN++;
}

function orderedEntry(v: unknown, k: unknown): void {
  hashInto(k);
  accHi = mixHi(mixHi(accHi, rHi), rLo);
  accLo = mixLo(mixLo(accLo, rLo), rHi);
  hashInto(v);
  accHi = mixHi(mixHi(accHi, rHi), rLo);
  accLo = mixLo(mixLo(accLo, rLo), rHi);
  accN++;
}

function orderedItem(v: unknown): void {
  hashInto(v);
  accHi = mixHi(mixHi(accHi, rHi), rLo);
  accLo = mixLo(mixLo(accLo, rLo), rHi);
  accN++;
}

function immutableInto(obj: object): void {
  if (isRecord(obj)) return recordInto(obj as unknown as RecordInternals);
  const savedHi = accHi;
  const savedLo = accLo;
  const savedN = accN;
  const coll = obj as unknown as Collection;
  let tag: Tag;
  let ordered: boolean;
  if (isKeyed(obj)) {
    ordered = isOrdered(obj);
    tag = ordered ? Tag.OrderedMap : Tag.Map;
  } else if (isIndexed(obj)) {
    ordered = true;
    tag = Tag.List;
  } else {
    // Sets (and any other unkeyed, unindexed collection).
    ordered = isOrdered(obj);
    tag = ordered ? Tag.OrderedSet : Tag.Set;
  }
  if (ordered) {
    accHi = mixHi(SEED_HI, tag);
    accLo = mixLo(SEED_LO, tag);
    accN = 0;
    const items = tag === Tag.List ? tailArray(obj as SmallList) : undefined;
    if (items !== undefined) for (let i = 0, n = (obj as SmallList).size; i < n; i++) orderedItem(items[i]);
    else coll.forEach(tag === Tag.OrderedMap ? orderedEntry : orderedItem);
    finishSequence(accHi, accLo, accN);
  } else {
    accHi = 0;
    accLo = 0;
    accN = 0;
    const entries = tag === Tag.Map ? rootEntries(obj as SmallMap) : undefined;
    if (entries !== undefined) for (let i = 0; i < entries.length; i++) unorderedEntry(entries[i][1], entries[i][0]);
    else coll.forEach(tag === Tag.Map ? unorderedEntry : unorderedItem);
    finishUnordered(tag, accHi, accLo, accN);
  }
  accHi = savedHi;
  accLo = savedLo;
  accN = savedN;
}

const recordKeys = new WeakMap<object, readonly string[]>();

/**
 * Immutable.is compares Records by their entries, whatever the declared field order, so the
 * fields combine unordered. The values are read from the Record's own value list when it has
 * one (Immutable 5), which skips `get`'s key lookup; otherwise through `get`.
 */
function recordInto(rec: RecordInternals): void {
  const keys = rec._keys ?? publicRecordKeys(rec);
  const defaults = rec._defaultValues;
  // A Record type that writes its values out (the model's FastRecord) does so into this depth's
  // scratch array: a field's value may be a Record too, hashed before this loop ends, at the
  // next depth (and so may one inside a custom [FINGERPRINT]() that a field calls).
  const into = rec._keys !== undefined && defaults !== undefined ? rec._valuesInto : undefined;
  let items: readonly unknown[] | undefined;
  let values: RecordInternals['_values'];
  if (typeof into === 'function') {
    const out = (scratch[depth] ??= []);
    into.call(rec, out);
    items = out;
  } else {
    values = rec._values;
    if (rec._keys !== undefined && values !== undefined && defaults !== undefined)
      items = Array.isArray(values) ? (values as readonly unknown[]) : tailArray(values as unknown as SmallList);
  }
  const direct = rec._keys !== undefined && values !== undefined && defaults !== undefined;
  const table = keyTableOf(keys);
  const keyHashes = table.hashes;
  const last = table.last;
  const pairs = table.pairs;
  let sumHi = 0;
  let sumLo = 0;
  depth++;
  try {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let v: unknown;
      if (items !== undefined) {
        v = items[i];
        if (v === undefined) v = defaults![k];
      } else if (direct) {
        v = values!.get(i);
        if (v === undefined) v = defaults![k];
      } else v = rec.get(k);
      // Remembered pairs as in plainObjectInto (written out in both, for speed).
      if (last[i] === v) {
        sumHi = (sumHi + pairs[i * 2]) | 0;
        sumLo = (sumLo + pairs[i * 2 + 1]) | 0;
        continue;
      }
      const kHi = keyHashes[i * 2];
      const kLo = keyHashes[i * 2 + 1];
      hashInto(v);
      const pHi = pairHi(kHi, kLo, rHi, rLo);
      const pLo = pairLo(kHi, kLo, rHi, rLo);
      sumHi = (sumHi + pHi) | 0;
      sumLo = (sumLo + pLo) | 0;
      if (fixedHash(v)) {
        last[i] = v;
        pairs[i * 2] = pHi;
        pairs[i * 2 + 1] = pLo;
      }
    }
  } finally {
    depth--;
  }
  finishUnordered(Tag.Record, sumHi, sumLo, keys.length);
}

/** recordInto's scratch arrays, one per nesting depth of Records being hashed. */
const scratch: unknown[][] = [];
let depth = 0;

/** A Record type's field names: their hashes, and the pair hashes last made per field (PairMemo). */
interface KeyTable extends PairMemo {
  readonly hashes: Int32Array;
}
/** Made once per type (kept on its key list). */
const KEY_TABLE = Symbol('mmcheck.keyTable');
function keyTableOf(keys: readonly string[]): KeyTable {
  const known = (keys as { [KEY_TABLE]?: KeyTable })[KEY_TABLE];
  if (known !== undefined) return known;
  const hashes = new Int32Array(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    keyInto(keys[i]);
    hashes[i * 2] = rHi;
    hashes[i * 2 + 1] = rLo;
  }
  const table: KeyTable = { hashes, ...newPairMemo(keys.length) };
  if (Object.isExtensible(keys)) Object.defineProperty(keys, KEY_TABLE, { value: table });
  return table;
}

function publicRecordKeys(rec: object): readonly string[] {
  const type = Object.getPrototypeOf(rec) as object;
  let keys = recordKeys.get(type);
  if (keys === undefined) {
    keys = [...(rec as unknown as { toSeq(): { keySeq(): Iterable<string> } }).toSeq().keySeq()];
    recordKeys.set(type, keys);
  }
  return keys;
}

/**
 * The default structural fingerprint of a state, into `out` (no allocation: the search's hot
 * path). Halves are unsigned.
 */
export function fingerprintInto(value: unknown, out: { hi: number; lo: number }): void {
  hashInto(value);
  out.hi = rHi >>> 0;
  out.lo = rLo >>> 0;
}

/**
 * Do the fast paths give what `forEach` gives, on collections of the shapes they take and
 * decline? Run once at load, with fresh values (nothing memoized); off if not (another
 * Immutable version).
 */
function fastPathsAgree(): boolean {
  const samples = (): unknown[] => {
    const R = ImmutableRecord<{ a: number; b: List<number>; c: string }>({ a: 1, b: List<number>(), c: 'x' });
    return [
      List([1, 2, 3]),
      List([1, 2, 3]).push(4).pop().set(1, 7),
      List<unknown>([1, 2]).setSize(5).set(4, 'x'),
      List([1, 2, 3]).shift(),
      Range(0, 40).toList(),
      List(),
      IMap({ a: 1, b: List([2]) }),
      IMap({ a: 1 }).delete('a'),
      IMap(Range(0, 20).map((i) => [i, i] as [number, number])),
      new R({ a: 2, b: List([3, 4]) }),
      new R(),
    ];
  };
  const fast = samples().map(fingerprintOf);
  fastPaths = false;
  const slow = samples().map(fingerprintOf);
  return fast.every((f, i) => f.hi === slow[i].hi && f.lo === slow[i].lo);
}
fastPaths = fastPathsAgree();

/** The default structural fingerprint of a state. */
export function fingerprintOf(value: unknown): Fingerprint {
  hashInto(value);
  return { hi: rHi >>> 0, lo: rLo >>> 0 };
}

/** Folds a model-supplied fingerprint (`bigint` or `string`) into two 32-bit halves. */
export function fingerprintFromOverride(fp: bigint | string): Fingerprint {
  if (typeof fp === 'bigint') {
    const v = BigInt.asUintN(64, fp);
    return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
  }
  stringInto(fp);
  return { hi: rHi >>> 0, lo: rLo >>> 0 };
}

/** Mixes extra words (search context such as preemption counters) into a fingerprint. */
export function extendFingerprint(fp: Fingerprint, ...words: number[]): Fingerprint {
  let hi = mixHi(mixHi(mixHi(SEED_HI, Tag.Extended), fp.hi | 0), fp.lo | 0);
  let lo = mixLo(mixLo(mixLo(SEED_LO, Tag.Extended), fp.lo | 0), fp.hi | 0);
  for (const w of words) {
    hi = mixHi(hi, w | 0);
    lo = mixLo(lo, w | 0);
  }
  finishSequence(hi, lo, words.length + 2);
  return { hi: rHi >>> 0, lo: rLo >>> 0 };
}

/** A string key for a small word (for example an actor name) used in `extendFingerprint`. */
export function wordOf(value: string | number): number {
  hashInto(value);
  return rHi;
}

export function fingerprintToHex(fp: Fingerprint): string {
  return fp.hi.toString(16).padStart(8, '0') + fp.lo.toString(16).padStart(8, '0');
}
