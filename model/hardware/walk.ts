/**
 * The stage-1 table walk of a kernel VA from swapper_pg_dir.
 *
 * The walker reads each level's entry as the walker sees it (memory.ts: an unpublished store
 * may be unseen), so a walk can have several outcomes; `walkOutcomes` lists them all.
 */
import { isLeaf, isValid, type Desc, type Entry } from './descriptor.ts';
import { entryBase, pagesPerEntry, tableIndex, type Geometry, type Level } from './geometry.ts';
import { readEntry, walkerViews, sameEntry, type Memory } from './memory.ts';

export interface WalkStep {
  readonly level: Level;
  readonly table: number;
  readonly index: number;
  readonly entry: Entry;
}

export type WalkResult =
  | {
      readonly ok: true;
      readonly leaf: Desc;
      readonly level: Level;
      /** The physical page `va` maps to. */
      readonly pa: number;
      readonly steps: readonly WalkStep[];
      /** Some entry on the path was read as a stale (unpublished-over) value. */
      readonly sawStale: boolean;
    }
  | { readonly ok: false; readonly level: Level; readonly steps: readonly WalkStep[]; readonly sawStale: boolean };

/** Output page of `va` inside a leaf at `level` that maps `leaf.out` at the entry's first VA. */
export function leafPa(g: Geometry, leaf: Desc, level: Level, va: number): number {
  return leaf.out + (va - entryBase(g, va, level));
}

/** The walk that sees the latest value of every entry (what software reading the tables sees). */
export function walkLatest(g: Geometry, mem: Memory, root: number, va: number): WalkResult {
  return walkWith(g, root, va, (t, i) => [readEntry(mem, t, i)])[0];
}

/** Where a hardware walk starts: the root, or a table found in the walk cache (tlb.ts). */
export interface WalkStart {
  readonly level: Level;
  readonly table: number;
}

/**
 * Every distinct outcome of a hardware walk of `va` by `cpu`'s walker (memory.ts: which values
 * it may see), from the root or from a walk-cache entry's table.
 */
export function walkOutcomes(g: Geometry, mem: Memory, root: number, va: number, opts: { readonly cpu?: number; readonly from?: WalkStart } = {}): WalkResult[] {
  return walkWith(g, root, va, (t, i) => walkerViews(mem, t, i, opts.cpu ?? -1), opts.from);
}

function walkWith(
  g: Geometry,
  root: number,
  va: number,
  views: (table: number, index: number) => Entry[],
  from?: WalkStart,
): WalkResult[] {
  const out: WalkResult[] = [];
  const go = (level: Level, table: number, steps: WalkStep[], sawStale: boolean): void => {
    const index = tableIndex(g, va, level);
    const candidates = views(table, index);
    candidates.forEach((entry, k) => {
      const stale = sawStale || k > 0;
      const path = [...steps, { level, table, index, entry }];
      if (!isValid(entry)) {
        out.push({ ok: false, level, steps: path, sawStale: stale });
      } else if (isLeaf(entry)) {
        // A block at level 0 or a page above level 3 is not a valid encoding: translation fault.
        const leaf = entry as Desc;
        const legal = leaf.type === 'page' ? level === 3 : level === 1 || level === 2;
        if (!legal) out.push({ ok: false, level, steps: path, sawStale: stale });
        else out.push({ ok: true, leaf, level, pa: leafPa(g, leaf, level, va), steps: path, sawStale: stale });
      } else if (level === 3) {
        out.push({ ok: false, level, steps: path, sawStale: stale }); // a table descriptor at level 3 is invalid
      } else {
        go((level + 1) as Level, (entry as Desc).out, path, stale);
      }
    });
  };
  if (from) go(from.level, from.table, [], false);
  else go(0, root, [], false);
  return dedupe(out);
}

function dedupe(results: WalkResult[]): WalkResult[] {
  const out: WalkResult[] = [];
  for (const r of results) {
    const dup = out.some(
      (o) =>
        o.ok === r.ok &&
        o.level === r.level &&
        (!o.ok || !r.ok || (o.pa === r.pa && o.leaf.equals(r.leaf))) &&
        sameEntry(o.steps[o.steps.length - 1].entry, r.steps[r.steps.length - 1].entry),
    );
    if (!dup) out.push(r);
  }
  return out;
}

/** First VA and size (pages) of the translation a leaf provides, CONT runs included. */
export function leafSpan(g: Geometry, leaf: Desc, level: Level, va: number): { va: number; pages: number } {
  const per = pagesPerEntry(g, level);
  if (!leaf.cont) return { va: entryBase(g, va, level), pages: per };
  const run = (level === 3 ? g.contPtes : g.contPmds) * per;
  return { va: Math.floor(va / run) * run, pages: run };
}
