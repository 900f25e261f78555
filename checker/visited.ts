/**
 * The visited set: 64-bit fingerprints in an open-addressing table of typed arrays.
 *
 * States themselves are never kept here (they live only in the frontier). Each distinct
 * state gets a dense id; per id we keep its fingerprint, its parent id and the index of the
 * action that reached it, so a trace can be rebuilt by replaying from the initial state, and
 * (for depth-bounded DFS) the depth at which it was first reached.
 */
import type { Fingerprint } from './fingerprint.ts';

const EMPTY = 0;
const MAX_LOAD = 0.75;

export interface VisitedTableOptions {
  /** Keep parent links and action indices (BFS needs them to rebuild traces). */
  readonly parents?: boolean;
  /** Keep the depth at which each state was reached (depth-bounded DFS re-explores shallower hits). */
  readonly depths?: boolean;
  readonly initialCapacity?: number;
}

export class VisitedTable {
  private slots: Uint32Array; // id + 1, or EMPTY
  private mask: number;
  private fpHi: Uint32Array;
  private fpLo: Uint32Array;
  private parentIds: Int32Array | undefined;
  private actionIdx: Uint32Array | undefined;
  private depthOf: Uint32Array | undefined;
  private count = 0;

  constructor(options: VisitedTableOptions = {}) {
    const cap = Math.max(16, nextPow2(options.initialCapacity ?? 1024));
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap * 2 - 1;
    this.fpHi = new Uint32Array(cap);
    this.fpLo = new Uint32Array(cap);
    if (options.parents) {
      this.parentIds = new Int32Array(cap);
      this.actionIdx = new Uint32Array(cap);
    }
    if (options.depths) this.depthOf = new Uint32Array(cap);
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
    let b = this.slots.byteLength + this.fpHi.byteLength + this.fpLo.byteLength;
    if (this.parentIds) b += this.parentIds.byteLength + this.actionIdx!.byteLength;
    if (this.depthOf) b += this.depthOf.byteLength;
    return b;
  }

  /** The id of `fp`, or -1. */
  find(fp: Fingerprint): number {
    const hi = fp.hi >>> 0;
    const lo = fp.lo >>> 0;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === EMPTY) return -1;
      const id = s - 1;
      if (this.fpLo[id] === lo && this.fpHi[id] === hi) return id;
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Inserts `fp` if absent. Returns the new id (>= 0), or `-(existing id) - 1` when present.
   */
  insert(fp: Fingerprint, parent = -1, action = 0, depth = 0): number {
    const hi = fp.hi >>> 0;
    const lo = fp.lo >>> 0;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === EMPTY) break;
      const id = s - 1;
      if (this.fpLo[id] === lo && this.fpHi[id] === hi) return -id - 1;
      i = (i + 1) & this.mask;
    }
    const id = this.count;
    if (id >= this.fpHi.length) this.growIds();
    this.fpHi[id] = hi;
    this.fpLo[id] = lo;
    if (this.parentIds) {
      this.parentIds[id] = parent;
      this.actionIdx![id] = action;
    }
    if (this.depthOf) this.depthOf[id] = depth;
    this.slots[i] = id + 1;
    this.count++;
    if (this.count > this.slots.length * MAX_LOAD) this.growSlots();
    return id;
  }

  parentOf(id: number): number {
    return this.parentIds ? this.parentIds[id] : -1;
  }

  actionOf(id: number): number {
    return this.actionIdx ? this.actionIdx[id] : 0;
  }

  depth(id: number): number {
    return this.depthOf ? this.depthOf[id] : 0;
  }

  setDepth(id: number, depth: number): void {
    if (this.depthOf) this.depthOf[id] = depth;
  }

  /** Rewrites how `id` was reached (DFS found a shorter path). */
  setParent(id: number, parent: number, action: number): void {
    if (this.parentIds) {
      this.parentIds[id] = parent;
      this.actionIdx![id] = action;
    }
  }

  private growIds(): void {
    const cap = this.fpHi.length * 2;
    this.fpHi = grow(this.fpHi, new Uint32Array(cap));
    this.fpLo = grow(this.fpLo, new Uint32Array(cap));
    if (this.parentIds) {
      this.parentIds = grow(this.parentIds, new Int32Array(cap));
      this.actionIdx = grow(this.actionIdx!, new Uint32Array(cap));
    }
    if (this.depthOf) this.depthOf = grow(this.depthOf, new Uint32Array(cap));
  }

  private growSlots(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      const hi = this.fpHi[id];
      const lo = this.fpLo[id];
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
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
