/**
 * The kernel's contact points with the hardware model: stores to page tables through their
 * linear alias, loads and stores to data, barriers, TLBI, and what happens when the MMU
 * faults (die_kernel_fault: an oops with the kernel's own splat).
 */
import { List } from 'immutable';
import { encode, isLeaf, isValid, permOf, type Desc, type Entry } from '../hardware/descriptor.ts';
import { displayVa, entryOffset, LEVEL_NAMES, linearAlias, pagesPerEntry, tableIndex, type Level } from '../hardware/geometry.ts';
import { contextSynchronize, entryKey, publishStores, readEntry, storeEntry } from '../hardware/memory.ts';
import { esrOf, kernelFaultMessage, mmuAccess, type AccessOutcome, type Fault } from '../hardware/mmu.ts';
import { por_permits, type Access } from '../hardware/pkeys.ts';
import { tlbInvalidateRange } from '../hardware/tlb.ts';
import { walkLatest, type WalkResult, type WalkStep } from '../hardware/walk.ts';
import type { EntryFacts, PermFacts } from '../../properties/index.ts';
import { K, type Outcome } from './exec.ts';
import { handleKernelFault, type FaultOutcomeKind } from './fault.ts';
import { activeRecorder } from './footprint.ts';
import { Oops, type ProtChange } from './state.ts';

function entryFacts(e: Entry): EntryFacts | null {
  return e === null ? null : { type: e.type, out: e.out, perm: permOf(e as Desc) };
}

export function accessOutcomes(k: K, va: number, access: Access): AccessOutcome[] {
  const env = k.env;
  return mmuAccess(
    { geometry: env.geometry, memory: k.s.memory, root: env.layout.root, tlb: k.cpu.tlb, por: k.cpu.por_el1, cpu: k.cpuId, bbm: k.knobs.bbmLevel },
    va,
    access,
  );
}

/** Labels of an access's outcomes (what the hardware did), unique within the step. */
export function outcomeLabels(all: readonly AccessOutcome[]): string[] {
  if (all.length === 1) return [''];
  const labels = all.map((o) => o.how);
  return labels.map((l, i) => (labels.indexOf(l) === i && labels.lastIndexOf(l) === i ? l : `${l} #${labels.slice(0, i + 1).filter((x) => x === l).length}`));
}

/** Whether FEAT_BBML2_NOABORT lets live entries change size without break-before-make (rule 7's "unless BBML2"). */
export function bbml2NoAbort(k: K): boolean {
  return k.knobs.bbmLevel === '2-noabort';
}

/**
 * WRITE_ONCE(*ptep, value): a store to entry `index` of page-table page `table` at `level`,
 * through the VA the kernel uses for that page. Faults like any store; the rules see it.
 */
export function pgtableStore(
  k: K,
  table: number,
  index: number,
  level: Level,
  value: Entry,
  what: { requestedRange?: readonly [number, number] } = {},
): Outcome[] {
  const g = k.env.geometry;
  const va = k.env.layout.tableVa(table);
  const mapping = walkLatest(g, k.s.memory, k.env.layout.root, va);
  const pagePkey = mapping.ok ? mapping.leaf.poIndex : -1;
  const old = readEntry(k.s.memory, table, index);
  const first = entryVa(k, table, index, level);
  k = k.observe({
    kind: 'pgtable-store',
    pagePkey,
    porGrantsWrite: por_permits(k.cpu.por_el1, Math.max(0, pagePkey), 'write'),
    por: k.cpu.por_el1,
    level,
    old: entryFacts(old),
    new: entryFacts(value),
    bbml2: bbml2NoAbort(k),
    entryRange: [first, first + pagesPerEntry(g, level)],
    ...(what.requestedRange ? { requestedRange: what.requestedRange } : {}),
  });
  const outcomes = accessOutcomes(k, va, 'write');
  const labels = outcomeLabels(outcomes);
  return outcomes.map((o, i) => {
    const label = labels[i];
    // A faulting page-table store has no fixup, is not a KFENCE page, and a store does not retry
    // here: the page-table writers' callers cannot take a retried step, so it is an oops.
    if (!o.result.ok) return { label, k: oops(k, o.result.fault, entryOffset(index)) };
    const memory = storeEntry(k.s.memory, k.cpuId, table, index, value);
    return { label, k: k.update((s) => s.set('memory', memory)).setCpu((c) => c.set('tlb', o.tlb)) };
  });
}

/**
 * The first VA an entry maps, found from where its table hangs in swapper_pg_dir. Page-table
 * pages are found by a search of the latest tables (the model has few).
 */
export function entryVa(k: K, table: number, index: number, level: Level): number {
  const g = k.env.geometry;
  const base = tableBaseVa(k, table, level);
  return base + index * pagesPerEntry(g, level);
}

function tableBaseVa(k: K, table: number, level: Level): number {
  const g = k.env.geometry;
  const mem = k.s.memory;
  if (level === 0) return 0;
  // Search the parent level for the table descriptor pointing at `table`.
  const find = (t: number, l: Level, base: number): number | undefined => {
    for (let i = 0; i < g.fanout; i++) {
      const e = readEntry(mem, t, i);
      if (e === null || e.type !== 'table') continue;
      const childBase = base + i * pagesPerEntry(g, l);
      if (l + 1 === level && e.out === table) return childBase;
      if (l + 1 < level) {
        const r = find(e.out, (l + 1) as Level, childBase);
        if (r !== undefined) return r;
      }
    }
    return undefined;
  };
  const r = find(k.env.layout.root, 0, 0);
  if (r === undefined) throw new Error(`page ${table} is not a level ${level} table in swapper_pg_dir`);
  return r;
}

export interface AccessInfo {
  /** What is accessed, for messages ("the zero page"). */
  readonly what: string;
  /** A fault is fixed up through the exception table (copy_*_nofault) instead of oopsing. */
  readonly nofault?: boolean;
}

/** An access's outcome; `fault` says how the kernel handled a fault (fault.ts). */
export interface AccessStepOutcome extends Outcome {
  readonly fault?: FaultOutcomeKind;
}

/**
 * A kernel load/store/fetch of `va`: the rules see it; a fault goes to the kernel's fault
 * handling (fault.ts): oops, -EFAULT through the exception table (`info.nofault`), or a WARN or
 * KFENCE report after which the access runs again. For those, the exception's frames are on the
 * stack with the handler's frame on top: the caller's `ret()` returns from the handler, and
 * kernel_exit's eret then re-runs the faulting step.
 */
export function kernelAccess(k: K, va: number, access: Access, info: AccessInfo): AccessStepOutcome[] {
  const outcomes = accessOutcomes(k, va, access);
  const labels = outcomeLabels(outcomes);
  // What software sees in the tables now, and the change covering `va`: the same for every outcome.
  const latest = walkLatest(k.env.geometry, k.s.memory, k.env.layout.root, va);
  const changeReturned = changesCovering(k, va).some((c) => c.returned);
  return outcomes.flatMap((o, i): AccessStepOutcome[] => {
    const label = labels[i];
    const r = o.result;
    const kk = k.observe({
      kind: 'access',
      va,
      access,
      what: info.what,
      outcome: r.ok ? 'ok' : r.fault.type === 'translation' ? 'translation-fault' : r.fault.type === 'tlb-conflict' ? 'tlb-conflict-abort' : 'permission-fault',
      viaTlb: r.via === 'tlb',
      ...(r.perm ? { perm: r.perm } : {}),
      latestAllows: latestAllows(k, latest, access),
      mappingUnpublished: mappingUnpublished(k, latest, changeReturned),
      changeReturned,
      ...changeInProgress(k, va),
      unmappedAlias: !latest.ok && k.env.layout.unmappedAliasPages.some((p) => linearAlias(k.env.geometry, p) === va),
    });
    if (!r.ok) {
      const handled = handleKernelFault(kk.setCpu((c) => c.set('tlb', o.tlb)), r.fault, { nofault: info.nofault ?? false });
      return handled.map((h) => ({ label: [label, h.how].filter(Boolean).join('; '), k: h.k, fault: h.kind }));
    }
    return [{ label, k: kk.setCpu((c) => c.set('tlb', o.tlb)) }];
  });
}

function latestAllows(k: K, w: WalkResult, access: Access): boolean {
  if (!w.ok) return false;
  if (access === 'write' && w.leaf.rdonly) return false;
  if (access === 'exec' && w.leaf.pxn) return false;
  return por_permits(k.cpu.por_el1, w.leaf.poIndex, access);
}

/**
 * Some entry on the path to `va` was made valid by a store the walker may not see yet, and
 * this access relies on it: the store is this CPU's own (the barriers are owed here), or the
 * permission change that made it has returned. A CPU racing with a change still in progress
 * elsewhere is the caller's exclusivity problem, not a missing barrier.
 */
function mappingUnpublished(k: K, w: WalkResult, returned: boolean): boolean {
  return w.steps.some((st) => {
    const p = k.s.memory.pending.get(entryKey(st.table, st.index));
    // Published stores a lagging walker (no FEAT_ETS2) may still miss are not missing barriers.
    if (p === undefined || p.cpus.isEmpty() || !isValid(st.entry) || !p.stale.some((old) => !isValid(old))) return false;
    return returned || p.cpus.includes(k.cpuId);
  });
}

/** The permission changes (ghost state) covering page `va`; its footprint is that page's key only (footprint.ts). */
function changesCovering(k: K, va: number): ProtChange[] {
  activeRecorder()?.read(`prot_changes@${va}`);
  const out: ProtChange[] = [];
  const changes = k.raw.prot_changes;
  for (let i = 0; i < changes.size; i++) {
    const c = changes.get(i)!;
    if (va >= c.start && va < c.end) out.push(c);
  }
  return out;
}

function changeInProgress(k: K, va: number): { changeInProgress?: { old: PermFacts; new: PermFacts } } {
  const c = changesCovering(k, va).find((c) => !c.returned && c.old !== null && c.new !== null);
  return c ? { changeInProgress: { old: permOf(c.old!), new: permOf(c.new!) } } : {};
}

/**
 * dsb(ishst): this CPU's page-table stores become visible to every table walker (without
 * FEAT_ETS2, other CPUs' walks may still miss a valid-making store until they synchronize).
 */
export function dsb(k: K): K {
  const others: number[] = [];
  for (let c = 0; c < k.s.cpus.length; c++) if (c !== k.cpuId) others.push(c);
  return k.update((s) => s.set('memory', publishStores(s.memory, k.cpuId, { ets2: k.knobs.ets2, others })));
}

/** isb(): a context synchronization event on this CPU. */
export function isb(k: K): K {
  return k.update((s) => s.set('memory', contextSynchronize(s.memory, k.cpuId)));
}

/**
 * flush_tlb_kernel_range() (arch/arm64/include/asm/tlbflush.h): dsb(ishst); TLBI VAALE1IS for
 * each page of [start, end); dsb(ish); isb(). The broadcast (IS) TLBI removes the leaf entries
 * of the range from every CPU's TLB once the dsb(ish) completes (Arm ARM D8.16 "TLB
 * maintenance": completion by DSB); last-level, so walk-cache entries stay; the isb orders this
 * CPU's later walks.
 */
export function flushTlbKernelRange(k: K, start: number, end: number): K {
  k = dsb(k);
  k = k.update((s) => s.set('cpus', s.cpus.map((c) => c.set('tlb', tlbInvalidateRange(c.tlb, start, end, 'last-level')))));
  return isb(k);
}

/** local_flush_tlb_kernel_range()-style TLBI VAALE1 (not broadcast): only this CPU's TLB. */
export function localFlushTlbKernelRange(k: K, start: number, end: number): K {
  k = dsb(k);
  k = k.setCpu((c) => c.set('tlb', tlbInvalidateRange(c.tlb, start, end, 'last-level')));
  return isb(k);
}

/** die_kernel_fault(): the oops, printed the way arm64 prints it, and the machine stops. */
export function oops(k: K, fault: Fault, byteOffset: number): K {
  const g = k.env.geometry;
  const addr = displayVa(g, fault.va, byteOffset);
  const esr = esrOf(fault);
  const fsc = Number(esr & 0x3fn);
  // show_pte() walks the tables in software; a hardware walk from the root shows what the walker saw.
  const steps: readonly WalkStep[] = fault.steps.length && fault.steps[0].level === 0 ? fault.steps : walkLatest(g, k.s.memory, k.env.layout.root, fault.va).steps;
  const pfn = (page: number) => BigInt(page) + 0x80000n; // physical memory starts at 2 GiB, as on FVP
  const levels = steps.map((st) => `${LEVEL_NAMES[st.level]}=${encode(st.entry, pfn).toString(16).padStart(16, '0')}`);
  const details = [
    'Mem abort info:',
    `  ESR = 0x${esr.toString(16).padStart(16, '0')}`,
    `  EC = 0x${fault.access === 'exec' ? '21: IABT' : '25: DABT'} (current EL), IL = 32 bits`,
    fault.type === 'tlb-conflict'
      ? `  FSC = 0x${fsc.toString(16).padStart(2, '0')}: TLB conflict abort`
      : `  FSC = 0x${fsc.toString(16).padStart(2, '0')}: level ${fault.level} ${fault.type} fault`,
    'Data abort info:',
    `  CM = 0, WnR = ${fault.access === 'write' ? 1 : 0}, TnD = 0, TagAccess = 0`,
    `  GCS = 0, Overlay = ${fault.overlay ? 1 : 0}, DirtyBit = 0, Xs = 0`,
    'swapper pgtable: 4k pages, 48-bit VAs',
    `[${addr}] ${levels.join(', ')}`,
    `Internal error: Oops: ${esr.toString(16).padStart(16, '0')} [#1] SMP`,
    `CPU: ${k.cpuId} PID: ${k.task.pid} Comm: ${k.task.comm}`,
  ];
  const trace = k.callTrace();
  return k.update((s) =>
    s.set(
      'oops',
      new Oops({
        message: `Unable to handle kernel ${kernelFaultMessage(fault)} at virtual address ${addr}`,
        details: List(details),
        cpu: k.cpuId,
        task: k.task.comm,
        callTrace: List(trace),
      }),
    ),
  );
}

/** The latest entry at `index` of `table`. */
export function ptep_get(k: K, table: number, index: number): Entry {
  return readEntry(k.s.memory, table, index);
}

/** The leaf (and its table slot) that maps `va` in the latest tables, for the page-table walkers. */
export function leafSlot(k: K, va: number): { table: number; index: number; level: Level; entry: Entry } | undefined {
  const g = k.env.geometry;
  const w = walkLatest(g, k.s.memory, k.env.layout.root, va);
  const last = w.steps[w.steps.length - 1];
  if (!last) return undefined;
  return { table: last.table, index: last.index, level: last.level, entry: last.entry };
}

export { isLeaf, tableIndex };
