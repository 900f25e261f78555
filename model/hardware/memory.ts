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
 */
import { List, Map as IMap, Record as ImmutableRecord } from 'immutable';
import type { Entry } from './descriptor.ts';

export interface PendingFields {
  /** CPUs whose stores to this entry are not yet published. */
  readonly cpus: List<number>;
  /** Earlier values the walker may still see (oldest first). */
  readonly stale: List<Entry>;
}
export class PendingStore extends ImmutableRecord<PendingFields>({ cpus: List(), stale: List() }, 'PendingStore') {}

export interface MemoryFields {
  /** Contents of every page-table page, by page number. */
  readonly tables: IMap<number, List<Entry>>;
  /** Entries with stores the walker may not see yet, by `entryKey`. */
  readonly pending: IMap<string, PendingStore>;
}
export class Memory extends ImmutableRecord<MemoryFields>({ tables: IMap(), pending: IMap() }, 'Memory') {}

export function entryKey(table: number, index: number): string {
  return `${table}:${index}`;
}

/** The latest value of an entry (what a CPU load such as `__ptep_get` returns). */
export function readEntry(mem: Memory, table: number, index: number): Entry {
  const t = mem.tables.get(table);
  if (t === undefined) throw new Error(`page ${table} is not a page-table page`);
  return t.get(index) ?? null;
}

/** The values the table walker may see for an entry: the latest first, then stale ones. */
export function walkerViews(mem: Memory, table: number, index: number): Entry[] {
  const latest = readEntry(mem, table, index);
  const p = mem.pending.get(entryKey(table, index));
  if (p === undefined) return [latest];
  const out: Entry[] = [latest];
  for (const v of p.stale) if (!out.some((o) => sameEntry(o, v))) out.push(v);
  return out;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

/** A store by `cpu` to an entry: the old value stays visible to walkers until published. */
export function storeEntry(mem: Memory, cpu: number, table: number, index: number, value: Entry): Memory {
  const old = readEntry(mem, table, index);
  const key = entryKey(table, index);
  const tables = mem.tables.setIn([table, index], value);
  if (sameEntry(old, value)) return mem.set('tables', tables);
  const prev = mem.pending.get(key) ?? new PendingStore();
  const stale = prev.stale.some((v) => sameEntry(v, old)) ? prev.stale : prev.stale.push(old);
  const cpus = prev.cpus.includes(cpu) ? prev.cpus : prev.cpus.push(cpu).sort();
  return mem.set('tables', tables).setIn(['pending', key], prev.set('stale', stale).set('cpus', cpus));
}

/** `dsb(ishst)` on `cpu`: its page-table stores become visible to every walker. */
export function publishStores(mem: Memory, cpu: number): Memory {
  if (mem.pending.isEmpty()) return mem;
  let pending = mem.pending;
  for (const [key, p] of mem.pending) {
    if (!p.cpus.includes(cpu)) continue;
    const cpus = p.cpus.filter((c) => c !== cpu);
    pending = cpus.isEmpty() ? pending.delete(key) : pending.set(key, p.set('cpus', cpus));
  }
  return mem.set('pending', pending);
}

/** Does `cpu` have stores not yet published? */
export function hasUnpublished(mem: Memory, cpu: number): boolean {
  return mem.pending.some((p) => p.cpus.includes(cpu));
}
