/**
 * A CPU's TLB: cached leaf translations (VA range, output page, permissions, POIndex).
 *
 * Invalid entries are never cached. A cached entry stays until a TLBI removes it, even after
 * the page tables change: that is what makes a missing flush_tlb_kernel_range() a bug.
 * Abstraction: a successful walk always fills the TLB and nothing is evicted, the worst case
 * for staleness; a CONT leaf fills one entry for its whole run with the walked entry's bits.
 */
import { List, Record as ImmutableRecord } from 'immutable';
import type { Desc } from './descriptor.ts';
import type { Geometry, Level } from './geometry.ts';
import { leafSpan } from './walk.ts';

export interface TlbEntryFields {
  /** First VA (page) of the cached translation. */
  readonly va: number;
  readonly pages: number;
  /** Output page of `va`. */
  readonly pa: number;
  readonly level: Level;
  readonly rdonly: boolean;
  readonly pxn: boolean;
  readonly poIndex: number;
}
export class TlbEntry extends ImmutableRecord<TlbEntryFields>(
  { va: 0, pages: 1, pa: 0, level: 3, rdonly: false, pxn: true, poIndex: 0 },
  'TlbEntry',
) {}

export function tlbLookup(tlb: List<TlbEntry>, va: number): TlbEntry | undefined {
  return tlb.find((e) => va >= e.va && va < e.va + e.pages);
}

/** The entry a walk of `va` that found `leaf` at `level` (mapping `pa`) caches. */
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

/** Adds an entry, replacing any it overlaps; kept sorted so equal TLBs are equal values. */
export function tlbFill(tlb: List<TlbEntry>, entry: TlbEntry): List<TlbEntry> {
  const kept = tlb.filter((e) => e.va + e.pages <= entry.va || e.va >= entry.va + entry.pages);
  return kept.push(entry).sortBy((e) => e.va);
}

/** TLBI by VA range: drops every entry that overlaps [start, end). */
export function tlbInvalidateRange(tlb: List<TlbEntry>, start: number, end: number): List<TlbEntry> {
  return tlb.filter((e) => e.va + e.pages <= start || e.va >= end);
}

/** Output page of `va` through a cached entry. */
export function tlbPa(e: TlbEntry, va: number): number {
  return e.pa + (va - e.va);
}
