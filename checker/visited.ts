/**
 * The visited set: 64-bit fingerprints in an open-addressing table of typed arrays.
 *
 * States themselves are never kept here (they live only in the frontier). Each distinct
 * state gets a dense id; per id we keep its fingerprint, its parent id and the index of the
 * action that reached it, so a trace can be rebuilt by replaying from the initial state, and
 * (for depth-bounded DFS) the depth at which it was first reached.
 *
 * Memory (what `bytes` counts), per distinct state: the hash index holds one 32-bit id per
 * slot at a load of 3/8 to 3/4 (5.3 to 10.7 B); the per-id columns are 8 B of fingerprint,
 * 4 B of parent id and 1 B of action index (widened to 2 or 4 B only when a model has that
 * many actions), plus 4 B of depth for depth-bounded DFS. The columns are stored in chunks
 * of 2^18 ids, so growing never copies them and never leaves more than one chunk unused.
 */
import type { Fingerprint } from './fingerprint.ts';

const EMPTY = 0;
const MAX_LOAD = 0.75;
const CHUNK_BITS = 18;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

export interface VisitedTableOptions {
  /** Keep parent links and action indices (BFS needs them to rebuild traces). */
  readonly parents?: boolean;
  /** Keep the depth at which each state was reached (depth-bounded DFS re-explores shallower hits). */
  readonly depths?: boolean;
  readonly initialCapacity?: number;
}

type ActionColumn = Uint8Array | Uint16Array | Uint32Array;

export class VisitedTable {
  /**
   * The hash index, 2^k slots: EMPTY, or id + 1 in the low k bits (ids stay below 2^k, the
   * load being at most 3/4) and the top 32 - k bits of the fingerprint's hash above them, so
   * a probe passes most other fingerprints without reading their column (a cache miss each
   * at tens of millions of states).
   */
  private slots: Uint32Array;
  private mask: number;
  /** Fingerprints by id: [hi, lo] interleaved, in chunks. */
  private readonly fps: Uint32Array[] = [];
  private readonly parentIds: Int32Array[] | undefined;
  private actionIdx: ActionColumn[] | undefined;
  private readonly depthOf: Uint32Array[] | undefined;
  /** Ids the allocated columns can hold. */
  private capacity: number;
  private count = 0;

  constructor(options: VisitedTableOptions = {}) {
    const cap = Math.min(CHUNK, Math.max(16, nextPow2(options.initialCapacity ?? 1024)));
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap * 2 - 1;
    this.capacity = cap;
    this.fps.push(new Uint32Array(cap * 2));
    if (options.parents) {
      this.parentIds = [new Int32Array(cap)];
      this.actionIdx = [new Uint8Array(cap)];
    }
    if (options.depths) this.depthOf = [new Uint32Array(cap)];
  }

  get size(): number {
    return this.count;
  }

  /** Number of slots in the hash index (for tests of growth). */
  get slotCapacity(): number {
    return this.slots.length;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    let b = this.slots.byteLength;
    for (const c of this.fps) b += c.byteLength;
    for (const c of this.parentIds ?? []) b += c.byteLength;
    for (const c of this.actionIdx ?? []) b += c.byteLength;
    for (const c of this.depthOf ?? []) b += c.byteLength;
    return b;
  }

  /** The id of `fp`, or -1. */
  find(fp: Fingerprint): number {
    return this.findHiLo(fp.hi, fp.lo);
  }

  findHiLo(hi: number, lo: number): number {
    hi >>>= 0;
    lo >>>= 0;
    const mask = this.mask;
    const slots = this.slots;
    const h = slotOf(hi, lo);
    const tag = h & ~mask;
    let i = h & mask;
    for (;;) {
      const s = slots[i];
      if (s === EMPTY) return -1;
      if ((s & ~mask) === tag) {
        const id = (s & mask) - 1;
        const c = this.fps[id >>> CHUNK_BITS];
        const o = (id & CHUNK_MASK) * 2;
        if (c[o + 1] === lo && c[o] === hi) return id;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Inserts `fp` if absent. Returns the new id (>= 0), or `-(existing id) - 1` when present.
   */
  insert(fp: Fingerprint, parent = -1, action = 0, depth = 0): number {
    return this.insertHiLo(fp.hi, fp.lo, parent, action, depth);
  }

  /** `insert` with the fingerprint's halves as arguments (no object on the hot path). */
  insertHiLo(hi: number, lo: number, parent = -1, action = 0, depth = 0): number {
    hi >>>= 0;
    lo >>>= 0;
    const mask = this.mask;
    const slots = this.slots;
    const h = slotOf(hi, lo);
    const tag = h & ~mask;
    let i = h & mask;
    for (;;) {
      const s = slots[i];
      if (s === EMPTY) break;
      if ((s & ~mask) === tag) {
        const id = (s & mask) - 1;
        const c = this.fps[id >>> CHUNK_BITS];
        const o = (id & CHUNK_MASK) * 2;
        if (c[o + 1] === lo && c[o] === hi) return -id - 1;
      }
      i = (i + 1) & mask;
    }
    const id = this.count;
    if (id >= this.capacity) this.growIds();
    const chunk = id >>> CHUNK_BITS;
    const at = id & CHUNK_MASK;
    const c = this.fps[chunk];
    c[at * 2] = hi;
    c[at * 2 + 1] = lo;
    if (this.parentIds) {
      this.parentIds[chunk][at] = parent;
      this.setAction(id, action);
    }
    if (this.depthOf) this.depthOf[chunk][at] = depth;
    slots[i] = tag | (id + 1);
    this.count++;
    if (this.count > slots.length * MAX_LOAD) this.growSlots();
    return id;
  }

  parentOf(id: number): number {
    return this.parentIds ? this.parentIds[id >>> CHUNK_BITS][id & CHUNK_MASK] : -1;
  }

  actionOf(id: number): number {
    return this.actionIdx ? this.actionIdx[id >>> CHUNK_BITS][id & CHUNK_MASK] : 0;
  }

  depth(id: number): number {
    return this.depthOf ? this.depthOf[id >>> CHUNK_BITS][id & CHUNK_MASK] : 0;
  }

  setDepth(id: number, depth: number): void {
    if (this.depthOf) this.depthOf[id >>> CHUNK_BITS][id & CHUNK_MASK] = depth;
  }

  /** Rewrites how `id` was reached (DFS found a shorter path). */
  setParent(id: number, parent: number, action: number): void {
    if (this.parentIds) {
      this.parentIds[id >>> CHUNK_BITS][id & CHUNK_MASK] = parent;
      this.setAction(id, action);
    }
  }

  private setAction(id: number, action: number): void {
    let cols = this.actionIdx!;
    if (action > 0xff && cols[0] instanceof Uint8Array) cols = this.widenActions(action > 0xffff ? 4 : 2);
    else if (action > 0xffff && cols[0] instanceof Uint16Array) cols = this.widenActions(4);
    cols[id >>> CHUNK_BITS][id & CHUNK_MASK] = action;
  }

  /** A model with more than 255 (or 65,535) actions in a state: widen the action column. */
  private widenActions(bytes: 2 | 4): ActionColumn[] {
    const cols = this.actionIdx!.map((c) => {
      const wide = bytes === 2 ? new Uint16Array(c.length) : new Uint32Array(c.length);
      wide.set(c);
      return wide;
    });
    this.actionIdx = cols;
    return cols;
  }

  /** Doubles the first chunk up to full size, then adds full chunks (never copied again). */
  private growIds(): void {
    if (this.capacity < CHUNK) {
      const cap = this.capacity * 2;
      this.fps[0] = grow(this.fps[0], new Uint32Array(cap * 2));
      if (this.parentIds) {
        this.parentIds[0] = grow(this.parentIds[0], new Int32Array(cap));
        const a = this.actionIdx![0];
        const wide = a instanceof Uint8Array ? new Uint8Array(cap) : a instanceof Uint16Array ? new Uint16Array(cap) : new Uint32Array(cap);
        wide.set(a);
        this.actionIdx![0] = wide;
      }
      if (this.depthOf) this.depthOf[0] = grow(this.depthOf[0], new Uint32Array(cap));
      this.capacity = cap;
      return;
    }
    this.fps.push(new Uint32Array(CHUNK * 2));
    if (this.parentIds) {
      this.parentIds.push(new Int32Array(CHUNK));
      const a = this.actionIdx![0];
      this.actionIdx!.push(a instanceof Uint8Array ? new Uint8Array(CHUNK) : a instanceof Uint16Array ? new Uint16Array(CHUNK) : new Uint32Array(CHUNK));
    }
    if (this.depthOf) this.depthOf.push(new Uint32Array(CHUNK));
    this.capacity += CHUNK;
  }

  private growSlots(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      const c = this.fps[id >>> CHUNK_BITS];
      const o = (id & CHUNK_MASK) * 2;
      const h = slotOf(c[o], c[o + 1]);
      let i = h & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = (h & ~mask) | (id + 1);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Where a fingerprint's probe starts (both halves count, so clustered halves still spread). */
function slotOf(hi: number, lo: number): number {
  return lo ^ Math.imul(hi, 0x9e3779b1);
}

function grow<T extends Uint32Array | Int32Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
