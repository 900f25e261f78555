/**
 * What the extra CPUs of `cpus=N` run: a shared menu of background work that touches the kernel
 * page tables without owning the scenario's range, so that a scenario's verdict is checked with
 * the rest of the machine busy. Each scenario declares its menu (`Scenario.backgrounds`); CPU
 * (own CPUs + i) runs the i-th entry, cycling. Every background CPU also has its idle task and
 * takes the scenario's IRQs (the timer at least), up to `irqs` of them.
 *
 * - 'ptdump': `cat /sys/kernel/debug/kernel_page_tables` (ptdump_show()), a lockless software
 *   reader of every table of swapper_pg_dir.
 * - 'kernel-page-present': kernel_page_present() of a free page, the lockless software walk
 *   hibernation's saveable_page() and debug_pagealloc use.
 * - 'set-direct-map': an unrelated permission change of a neighbouring page of the linear map,
 *   as secretmem does (mm/secretmem.c: set_direct_map_invalid_noflush(), flush_tlb_kernel_range(),
 *   later set_direct_map_default_noflush()). These are the entry points that take a linear-map
 *   address: set_memory_*() refuses one (change_memory_common()'s VM_ALLOC check).
 * - 'vmalloc': vmalloc() of one page then vfree() of it (mm/vmalloc.c): vmap_pages_pte_range()
 *   and vunmap_pte_range(), each a lazy MMU section of its own, on a pte of the vmalloc area's
 *   table that the scenario leaves empty (the last empty slot of the table that maps the start of
 *   the vmalloc region). The area shares that pte table with the scenario's own vmalloc areas, as
 *   vmalloc areas do; the scenario's range is in other entries.
 * - 'idle': the idle task, woken only by interrupts.
 *
 * The page the backgrounds use is free memory (freePage()), so it is never part of the scenario's
 * own range.
 */
import { List } from 'immutable';
import { linearAlias, pagesPerEntry, regionBase } from '../hardware/geometry.ts';
import { readEntry } from '../hardware/memory.ts';
import { walkLatest } from '../hardware/walk.ts';
import type { Layout } from '../kernel/env.ts';
import { kernel_page_present, set_direct_map_default_noflush, set_direct_map_invalid_noflush } from '../kernel/direct_map.ts';
import { flush_tlb_kernel_range } from '../kernel/pageattr.ts';
import { ptdump_show } from '../kernel/ptdump.ts';
import { vmap } from '../kernel/pte_range.ts';
import { vfree } from '../kernel/vmalloc.ts';
import { Cpu, type KernelState, type Task } from '../kernel/state.ts';
import type { Geometry } from '../hardware/geometry.ts';
import { call, idleTask, program, runningTask } from './tasks.ts';

export type BackgroundKind = 'ptdump' | 'kernel-page-present' | 'set-direct-map' | 'vmalloc' | 'idle';

export const BACKGROUND_KINDS: readonly BackgroundKind[] = ['ptdump', 'kernel-page-present', 'set-direct-map', 'vmalloc', 'idle'];

const checkPagePresent = program('check_page_present', '(background: a lockless reader of the linear map, as saveable_page() and debug_pagealloc use kernel_page_present())', [
  call('kernel_page_present(page)', kernel_page_present, (k) => ({ page: k.num('page') })),
]);

const secretmemCycle = program('secretmem_fault_then_free', 'mm/secretmem.c (secretmem_fault(), secretmem_free_folio())', [
  call('set_direct_map_invalid_noflush(page)', set_direct_map_invalid_noflush, (k) => ({ page: k.num('page') })),
  call('flush_tlb_kernel_range(addr, addr + PAGE_SIZE)', flush_tlb_kernel_range, (k) => ({ start: k.num('addr'), end: k.num('addr') + 1 })),
  call('set_direct_map_default_noflush(page)', set_direct_map_default_noflush, (k) => ({ page: k.num('page') })),
]);

/*
 * Abstractions: the vmap area is found and reserved (alloc_vmap_area(), under vmap_area_lock)
 * without modelling the search; __vmalloc_area_node()'s page allocation is the free page; the
 * lazily purged TLB flush of vfree() is not modelled (as in vfree() itself, model/kernel/vmalloc.ts).
 */
const vmallocThenVfree = program('vmalloc_then_vfree', 'mm/vmalloc.c (vmalloc(PAGE_SIZE), then vfree())', [
  call('addr = vmalloc(PAGE_SIZE): __vmalloc_node_range() -> vmap_pages_range() -> vmap_pages_pte_range()', vmap, (k) => ({
    table: k.num('table'),
    index: k.num('index'),
    count: 1,
    pa: k.num('page'),
  })),
  call('vfree(addr)', vfree, (k) => ({ start: k.num('addr'), end: k.num('addr') + 1 })),
]);

/** The last empty pte of the table that maps the start of the vmalloc region: where the background's area goes. */
export function freeVmallocSlot(g: Geometry, s: KernelState, layout: Layout): { table: number; index: number; va: number } {
  const base = regionBase(g, 'vmalloc');
  const w = walkLatest(g, s.memory, layout.root, base);
  const last = w.steps[w.steps.length - 1];
  if (!last || last.level !== 3) throw new Error("backgrounds: 'vmalloc' needs the scenario to map the start of the vmalloc region with a pte table");
  for (let i = g.fanout - 1; i >= 0; i--) {
    if (readEntry(s.memory, last.table, i) === null) return { table: last.table, index: i, va: base - last.index + i };
  }
  throw new Error("backgrounds: 'vmalloc' found no empty pte in the vmalloc area's table");
}

/**
 * The highest page no one allocated at boot, mapped nowhere but the linear map, whose linear alias
 * is a plain writable pte: free memory. Where every such page is inside a block of the linear map,
 * the highest free page in a block (its set_direct_map_*() then splits the block, or fails on it,
 * as the design's linear map allows). A page of a scenario's vmalloc area is never free: secretmem
 * toggling its alias would undo the scenario's own set_memory_ro() alias update, a race the kernel
 * cannot have, since secretmem only touches pages it allocated.
 */
export function freePage(g: Geometry, s: KernelState, layout: Layout): number {
  let inBlock: number | undefined;
  for (let p = pagesPerEntry(g, 0) - 1; p >= 0; p--) {
    if (layout.pageNames.has(p) || layout.mappedElsewhere.has(p) || s.pgtable_role.has(p)) continue;
    const w = walkLatest(g, s.memory, layout.root, linearAlias(g, p));
    if (!w.ok || w.leaf.rdonly || w.leaf.cont || w.leaf.poIndex !== 0) continue;
    if (w.leaf.type === 'page') return p;
    inBlock ??= p;
  }
  if (inBlock !== undefined) return inBlock;
  throw new Error('backgrounds: no free page with a plain writable linear alias');
}

function backgroundTask(kind: BackgroundKind, cpu: number, page: number, g: Geometry, slot: () => { table: number; index: number; va: number }): Task | null {
  const pid = 100 + cpu;
  const pinned = List([cpu]);
  switch (kind) {
    case 'ptdump':
      return runningTask('cat', pid, cpu, ptdump_show).set('cpus_allowed', pinned);
    case 'kernel-page-present':
      return runningTask('kpp-reader', pid, cpu, checkPagePresent, { page }).set('cpus_allowed', pinned);
    case 'set-direct-map':
      return runningTask('secretmem', pid, cpu, secretmemCycle, { page, addr: linearAlias(g, page) }).set('cpus_allowed', pinned);
    case 'vmalloc': {
      const { table, index, va } = slot();
      return runningTask('vmalloc', pid, cpu, vmallocThenVfree, { page, table, index, addr: va }).set('cpus_allowed', pinned);
    }
    case 'idle':
      return null;
  }
}

/**
 * Adds `extra` CPUs to a scenario's initial state, each running the next background of `menu`
 * (and its idle task). Tasks keep their indices; the new ones go at the end.
 */
export function addBackgroundCpus(s: KernelState, layout: Layout, g: Geometry, menu: readonly BackgroundKind[], extra: number): KernelState {
  if (extra <= 0) return s;
  const kinds = menu.length ? menu : (['idle'] as const);
  const needsPage = kinds.some((k) => k !== 'ptdump' && k !== 'idle');
  const page = needsPage ? freePage(g, s, layout) : -1;
  const slot = () => freeVmallocSlot(g, s, layout);
  let cpus = s.cpus;
  let tasks = s.tasks;
  for (let i = 0; i < extra; i++) {
    const cpu = s.cpus.length + i;
    const bg = backgroundTask(kinds[i % kinds.length], cpu, page, g, slot);
    const idle = idleTask(cpu);
    cpus = [...cpus, new Cpu({ curr: tasks.length })];
    // Without a background the CPU has just switched to its idle task.
    tasks = bg ? [...tasks, bg, idle] : [...tasks, idle.set('__state', 'running')];
  }
  return s.merge({ cpus, tasks });
}
