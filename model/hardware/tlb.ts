/**
 * A CPU's TLB, as the Arm ARM lets it behave (DDI 0487, D8.16 "Translation Lookaside Buffers":
 * "TLB behavior", "TLB maintenance", "TLB conflict aborts"):
 *
 * - It holds leaf translations (VA range, output page, permissions, POIndex) and, in its walk
 *   cache, table descriptors of the levels above (D8.16, "TLB behavior": entries from any level of
 *   the walk may be cached). Entries that would give a translation fault (invalid entries) are never cached.
 * - It may hold several entries for one VA: after a live block is replaced by a table without
 *   break-before-make, the old block entry and the new page entry can both be present
 *   (D8.16, "TLB behavior": any translation the tables give may be allocated at any time, e.g.
 *   by a speculative walk). Which entry a lookup uses, and whether it raises a TLB conflict abort,
 *   is mmu.ts's business.
 * - It may evict any entry at any time (a bounded environment step, kernel-model.ts).
 * - A cached entry stays until a TLBI covering it or an eviction, even after the tables change:
 *   that is what makes a missing flush_tlb_kernel_range() a bug.
 *
 * The list is kept sorted so that equal TLBs are equal values (state fingerprints).
 */
import { List } from 'immutable';
import { FastRecord } from '../fast-record.ts';
import type { Desc } from './descriptor.ts';
import { entryBase, pagesPerEntry, type Geometry, type Level } from './geometry.ts';
import { leafSpan } from './walk.ts';
import { activeRecorder, rawOf, tlbTag, type Recorder } from '../kernel/footprint.ts';

/*
 * Footprints (model/kernel/footprint.ts): while a step's footprint is recorded, these functions
 * note the pages of a CPU's TLB they read or change, `cpu<i>.tlb@<page>`: a lookup of `va`
 * reads its page; a fill writes the pages the new entry covers; an invalidation writes the
 * pages of its range and of every entry it drops. A TLB whose CPU is not known (not seen
 * through a CPU's view, nor derived from one) counts as everything.
 */
function tlbAccess(tlb: List<TlbEntry>): { r: Recorder; tag: string } | undefined {
  const r = activeRecorder();
  if (!r) return undefined;
  const tag = tlbTag(r, tlb as object);
  if (tag === undefined) {
    r.anything();
    return undefined;
  }
  return { r, tag };
}
function notePages(a: { r: Recorder; tag: string } | undefined, from: number, pages: number, write: boolean): void {
  if (!a) return;
  for (let p = from; p < from + pages; p++) {
    a.r.read(`${a.tag}@${p}`);
    if (write) a.r.write(`${a.tag}@${p}`);
  }
}
function derivedTlb(a: { r: Recorder; tag: string } | undefined, tlb: List<TlbEntry>): List<TlbEntry> {
  // Empty lists are shared values: never tagged (a later use of one counts as everything).
  if (a && tlb.size > 0) a.r.derived.set(tlb as object, a.tag);
  return tlb;
}

export interface TlbEntryFields {
  /** 'leaf': a cached translation; 'walk': a walk-cache entry (a table descriptor at `level`). */
  readonly kind: 'leaf' | 'walk';
  /** First VA (page) of the cached translation, or of the range the table descriptor covers. */
  readonly va: number;
  readonly pages: number;
  /** Output page of `va` (leaf), or the next-level table's page (walk). */
  readonly pa: number;
  readonly level: Level;
  readonly rdonly: boolean;
  readonly pxn: boolean;
  readonly poIndex: number;
}
export class TlbEntry extends FastRecord<TlbEntryFields>(
  { kind: 'leaf', va: 0, pages: 1, pa: 0, level: 3, rdonly: false, pxn: true, poIndex: 0 },
  'TlbEntry',
) {}

const covers = (e: TlbEntry, va: number) => va >= e.va && va < e.va + e.pages;

/** Every cached leaf translation of `va` (several after a change without break-before-make). */
export function tlbLookup(tlb: List<TlbEntry>, va: number): TlbEntry[] {
  notePages(tlbAccess(tlb), va, 1, false);
  tlb = rawOf(tlb);
  const hits: TlbEntry[] = [];
  for (let i = 0; i < tlb.size; i++) {
    const e = tlb.get(i)!;
    if (e.kind === 'leaf' && covers(e, va)) hits.push(e);
  }
  return hits;
}

/**
 * Do these hits for `va` disagree on more than permissions? Entries of different sizes (a block
 * and a page, a CONT run and a page) or different output addresses are what break-before-make
 * exists to keep apart (D8.16, "Using break-before-make when updating translation
 * table entries"): a lookup that finds them may raise a TLB conflict abort (D8.16, "TLB conflict
 * aborts"). Entries that differ only in permissions or POIndex are the "old or new permission"
 * case: the architecture lets a lookup use either, with no abort.
 */
export function tlbHitsConflict(hits: readonly TlbEntry[], va: number): boolean {
  return hits.some((a) => hits.some((b) => a.va !== b.va || a.pages !== b.pages || tlbPa(a, va) !== tlbPa(b, va)));
}

/** The deepest walk-cache entry covering `va`: the walk may start from its table. */
export function walkCacheLookup(tlb: List<TlbEntry>, va: number): TlbEntry | undefined {
  notePages(tlbAccess(tlb), va, 1, false);
  tlb = rawOf(tlb);
  let best: TlbEntry | undefined;
  for (let i = 0; i < tlb.size; i++) {
    const e = tlb.get(i)!;
    if (e.kind === 'walk' && covers(e, va) && (!best || e.level > best.level)) best = e;
  }
  return best;
}

/** The leaf entry a walk of `va` that found `leaf` at `level` (mapping `pa`) caches. */
export function tlbEntryFor(g: Geometry, leaf: Desc, level: Level, va: number, pa: number): TlbEntry {
  const span = leafSpan(g, leaf, level, va);
  return new TlbEntry({
    va: span.va,
    pages: span.pages,
    pa: pa - (va - span.va),
    level,
    rdonly: leaf.rdonly,
    pxn: leaf.pxn,
    poIndex: leaf.poIndex,
  });
}

/** The walk-cache entry for a table descriptor at `level` on the path to `va`, pointing at `table`. */
export function walkEntryFor(g: Geometry, level: Level, va: number, table: number): TlbEntry {
  return new TlbEntry({ kind: 'walk', va: entryBase(g, va, level), pages: pagesPerEntry(g, level), pa: table, level, pxn: false });
}

const order = (e: TlbEntry) => `${e.kind === 'leaf' ? 0 : 1}:${String(e.va).padStart(6, '0')}:${e.level}:${e.pages}:${e.pa}:${e.rdonly ? 1 : 0}${e.pxn ? 1 : 0}${e.poIndex}`;

/**
 * Does `a` sort strictly before `b` by `order`? The same answer as comparing the strings, most
 * often without making them: the kind first, then the VA (six digits: numeric order), then the
 * level (one digit); only a tie on all three compares the strings.
 */
function ordersBefore(a: TlbEntry, b: TlbEntry): boolean {
  if (a.kind !== b.kind) return a.kind === 'leaf';
  if (a.va !== b.va && sixDigits(a.va) && sixDigits(b.va)) return a.va < b.va;
  if (a.va === b.va && a.level !== b.level) return a.level < b.level;
  return order(a) < order(b);
}

const sixDigits = (v: number) => Number.isInteger(v) && v >= 0 && v < 1e6;

/** Adds an entry (overlapping entries stay: the TLB may hold both); sorted, no duplicates. */
export function tlbFill(tlb: List<TlbEntry>, entry: TlbEntry): List<TlbEntry> {
  const a = tlbAccess(tlb);
  notePages(a, entry.va, entry.pages, true);
  tlb = rawOf(tlb);
  if (tlb.includes(entry)) return derivedTlb(a, tlb);
  // Every TLB is kept sorted (fills insert in order; invalidation and eviction only drop
  // entries): the new entry goes where sortBy would put it, after every entry ordered before it.
  const entries = tlb.toArray();
  let at = 0;
  while (at < entries.length && !ordersBefore(entry, entries[at])) at++;
  entries.splice(at, 0, entry);
  return derivedTlb(a, List(entries));
}

/**
 * TLBI by VA for [start, end). `last-level` is TLBI VAALE1(IS) (the kernel's
 * flush_tlb_kernel_range()): only leaf entries go, the walk cache stays (D8.16, "TLB
 * maintenance": the last-level variants need not invalidate cached table entries); `all-levels` is TLBI VAAE1(IS)
 * (flush_tlb_kernel_pgtable()): walk-cache entries covering the range go too.
 */
export function tlbInvalidateRange(tlb: List<TlbEntry>, start: number, end: number, scope: 'last-level' | 'all-levels' = 'last-level'): List<TlbEntry> {
  const a = tlbAccess(tlb);
  notePages(a, start, end - start, true);
  tlb = rawOf(tlb);
  const kept = (e: TlbEntry) => (e.kind === 'walk' && scope === 'last-level') || e.va + e.pages <= start || e.va >= end;
  // An entry dropped changes every lookup it covered.
  if (a) for (const e of tlb) if (!kept(e)) notePages(a, e.va, e.pages, true);
  return derivedTlb(a, tlb.filter(kept));
}

/** TLBI VMALLE1(IS): everything goes. */
export function tlbInvalidateAll(): List<TlbEntry> {
  return List();
}

/** The TLB drops entry `index` (eviction: allowed at any time, D8.16 "TLB behavior"). */
export function tlbEvict(tlb: List<TlbEntry>, index: number): List<TlbEntry> {
  return tlb.delete(index);
}

/** Output page of `va` through a cached leaf entry. */
export function tlbPa(e: TlbEntry, va: number): number {
  return e.pa + (va - e.va);
}

/** `leaf pmd va8+4 -> pa4 RW pkey0`, `walk pud va0+16 -> table 3`: an entry in traces. */
export function describeTlbEntry(e: TlbEntry): string {
  const lvl = ['pgd', 'pud', 'pmd', 'pte'][e.level];
  if (e.kind === 'walk') return `walk-cache ${lvl} va${e.va}+${e.pages} -> table pa${e.pa}`;
  return `${lvl} va${e.va}+${e.pages} -> pa${e.pa} ${e.rdonly ? 'RO' : 'RW'}${e.pxn ? '' : ' X'} pkey${e.poIndex}`;
}
