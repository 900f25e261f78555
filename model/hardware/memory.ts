/**
 * Page-table memory and its visibility to the table walker.
 *
 * Only page-table pages have modelled contents (an entry per index). A CPU's own loads see
 * the latest store (coherent memory), but the table walker may not see a store until the
 * storing CPU has executed `dsb(ishst)` (emit_pte_barriers, flush_tlb_kernel_range,
 * __switch_to): until then it may see any value the entry held since it was last published.
 *
 * Abstraction: visibility is tracked per entry, not per observer, so one walk may see a newer
 * value and a later walk an older one; that over-approximates what coherence allows.
 *
 * Without FEAT_ETS2 (Enhanced Translation Synchronization, Armv8.8; the kernel's commit
 * 42f91093b043 "arm64: mm: Ignore spurious translation faults taken from the kernel"), a walk is not ordered after the CPU's earlier loads:
 * a CPU that has seen a flag set after a valid-making store was published may still walk the
 * old, invalid entry and take a translation fault, until its next context synchronization event
 * (ISB, exception entry). Publication then leaves the invalid old values visible to the other
 * CPUs' walkers (`lagging`) until they synchronize (`contextSynchronize`). Only invalid old
 * values are kept: ETS2 is about translation faults, not about which valid entry a walk finds.
 */
import { List, Map as IMap } from 'immutable';
import { FastRecord } from '../fast-record.ts';
import type { Entry } from './descriptor.ts';
import { activeRecorder, rawOf, type Recorder } from '../kernel/footprint.ts';

export interface PendingFields {
  /** CPUs whose stores to this entry are not yet published. */
  readonly cpus: List<number>;
  /** Earlier values the walker may still see (oldest first). */
  readonly stale: List<Entry>;
  /** After publication, without FEAT_ETS2: CPUs whose walks may still see the invalid `stale` values. */
  readonly lagging: List<number>;
}
export class PendingStore extends FastRecord<PendingFields>({ cpus: List(), stale: List(), lagging: List() }, 'PendingStore') {}

export interface MemoryFields {
  /** Contents of every page-table page, by page number. */
  readonly tables: IMap<number, List<Entry>>;
  /** Entries with stores the walker may not see yet, by `entryKey`. */
  readonly pending: IMap<string, PendingStore>;
}
export class Memory extends FastRecord<MemoryFields>({ tables: IMap(), pending: IMap() }, 'Memory') {}

export function entryKey(table: number, index: number): string {
  return `${table}:${index}`;
}

/*
 * Footprints (model/kernel/footprint.ts). While a step's footprint is recorded, these functions
 * note what they touch, at the grain of one entry: `mem:<table>:<index>` stands for the entry's
 * value and its pending record together. Two sets are keys of their own, so that a barrier or an
 * ISB does not read every entry: `cpu<i>.unpublished` (the entries with stores of CPU i not yet
 * published; only CPU i adds or removes them) and `cpu<i>.lagging` (the entries CPU i's walker
 * may still see stale, no FEAT_ETS2). Results are marked as derived, so that storing them back
 * into the state is no coarse write.
 */
const memKey = (key: string) => `mem:${key}`;
function derived(r: Recorder | undefined, m: Memory): Memory {
  if (r) r.derived.set(m, 'memory');
  return m;
}

/** The latest value of an entry (what a CPU load such as `__ptep_get` returns). */
export function readEntry(mem: Memory, table: number, index: number): Entry {
  const r = activeRecorder();
  if (r) {
    r.read(memKey(entryKey(table, index)));
    mem = rawOf(mem);
  }
  const t = mem.tables.get(table);
  if (t === undefined) throw new Error(`page ${table} is not a page-table page`);
  return t.get(index) ?? null;
}

/**
 * The values the table walker of `cpu` may see for an entry: the latest first, then stale ones
 * (every walker while the store is unpublished; a lagging CPU's walker after it).
 */
export function walkerViews(mem: Memory, table: number, index: number, cpu = -1): Entry[] {
  mem = rawOf(mem);
  const latest = readEntry(mem, table, index);
  const p = mem.pending.get(entryKey(table, index));
  if (p === undefined) return [latest];
  if (p.cpus.isEmpty() && !p.lagging.includes(cpu)) return [latest];
  const out: Entry[] = [latest];
  for (const v of p.stale) if (!out.some((o) => sameEntry(o, v))) out.push(v);
  return out;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

/** A store by `cpu` to an entry: the old value stays visible to walkers until published. */
export function storeEntry(mem: Memory, cpu: number, table: number, index: number, value: Entry): Memory {
  const r = activeRecorder();
  mem = rawOf(mem);
  const old = readEntry(mem, table, index);
  const key = entryKey(table, index);
  r?.write(memKey(key));
  const tables = mem.tables.set(table, mem.tables.get(table)!.set(index, value)); // readEntry checked the table is there
  if (sameEntry(old, value)) return derived(r, mem.set('tables', tables));
  const was = mem.pending.get(key);
  if (r) for (const c of was?.lagging ?? []) r.write(`cpu${c}.lagging`);
  const prev = was?.set('lagging', NO_CPUS) ?? new PendingStore();
  const stale = prev.stale.some((v) => sameEntry(v, old)) ? prev.stale : prev.stale.push(old);
  const cpus = prev.cpus.includes(cpu) ? prev.cpus : withCpu(prev.cpus, cpu);
  if (r && cpus !== prev.cpus) r.write(`cpu${cpu}.unpublished`);
  return derived(r, mem.set('tables', tables).setIn(['pending', key], prev.set('stale', stale).set('cpus', cpus)));
}

/**
 * `dsb(ishst)` on `cpu`: its page-table stores become visible to every table walker. Without
 * FEAT_ETS2 (`ets2: false`, with the ids of the other CPUs in `others`), the invalid old values
 * stay visible to those CPUs' walkers until their next context synchronization event; the
 * storing CPU's own barrier is followed by an ISB in every modelled path.
 */
export function publishStores(mem: Memory, cpu: number, opts: { readonly ets2: boolean; readonly others: readonly number[] } = { ets2: true, others: [] }): Memory {
  const r = activeRecorder();
  r?.read(`cpu${cpu}.unpublished`);
  mem = rawOf(mem);
  if (mem.pending.isEmpty()) return mem;
  let pending = mem.pending;
  for (const [key, p] of mem.pending) {
    if (!p.cpus.includes(cpu)) continue;
    if (r) {
      r.read(memKey(key));
      r.write(memKey(key));
      r.write(`cpu${cpu}.unpublished`);
      if (!opts.ets2) for (const c of opts.others) r.write(`cpu${c}.lagging`);
    }
    const cpus = withoutCpu(p.cpus, cpu);
    if (!cpus.isEmpty()) {
      pending = pending.set(key, p.set('cpus', cpus));
      continue;
    }
    const invalid = p.stale.filter((v) => v === null || !v.valid);
    pending =
      opts.ets2 || invalid.isEmpty() || opts.others.length === 0
        ? pending.delete(key)
        : pending.set(key, new PendingStore({ cpus, stale: invalid, lagging: List(opts.others) }));
  }
  return derived(r, mem.set('pending', pending));
}

/** A context synchronization event on `cpu` (ISB, exception entry): its walks are ordered again. */
export function contextSynchronize(mem: Memory, cpu: number): Memory {
  const r = activeRecorder();
  r?.read(`cpu${cpu}.lagging`);
  mem = rawOf(mem);
  if (!mem.pending.some((p) => p.lagging.includes(cpu))) return mem;
  let pending = mem.pending;
  for (const [key, p] of mem.pending) {
    if (!p.lagging.includes(cpu)) continue;
    if (r) {
      r.read(memKey(key));
      r.write(memKey(key));
      r.write(`cpu${cpu}.lagging`);
    }
    const lagging = withoutCpu(p.lagging, cpu);
    pending = p.cpus.isEmpty() && lagging.isEmpty() ? pending.delete(key) : pending.set(key, p.set('lagging', lagging));
  }
  return derived(r, mem.set('pending', pending));
}

// A store's CPU lists are tiny and sorted: built from arrays, not through Immutable's sort and filter Seqs.
const NO_CPUS = List<number>();
function withCpu(cpus: List<number>, cpu: number): List<number> {
  return List([...cpus.toArray(), cpu].sort((a, b) => a - b));
}
function withoutCpu(cpus: List<number>, cpu: number): List<number> {
  return cpus.size === 1 && cpus.get(0) === cpu ? NO_CPUS : List(cpus.toArray().filter((c) => c !== cpu));
}

/** Does `cpu` have stores not yet published? */
export function hasUnpublished(mem: Memory, cpu: number): boolean {
  activeRecorder()?.read(`cpu${cpu}.unpublished`);
  return rawOf(mem).pending.some((p) => p.cpus.includes(cpu));
}
