/**
 * Seed 002: "the pte level callback may change permissions for a whole contpte block, and
 * that will be done one pte at a time, as opposed to an atomic operation for the block
 * mappings. This is fine as any access will decode either the old or the new permission until
 * the TLBI." (docs/background.md: a CONT run changed pte by pte while another CPU reads; invariant 9.)
 *
 * CPU0 (task W) makes a CONT run of two ptes read-only with set_memory_ro(); CPU1 (task R)
 * reads both pages with plain loads, before, during or after the change. A read either hits a
 * TLB entry for the whole run (filled from whichever pte the walk read) or walks a pte of the
 * run: with the ptes rewritten in place it decodes RW or RO. A design that rewrites each pte
 * as invalid first (break without the TLBI of break-before-make) lets R's walk find an invalid
 * pte: a translation fault on memory that is mapped both before and after the change. R's
 * loads are ordinary kernel reads, so that fault would also oops; invariant 9 is checked first.
 *
 * The hardware decides (model/hardware/mmu.ts, Arm ARM D8.6 "Misprogramming of the Contiguous
 * bit"): while the run's ptes disagree, a walk through the run may cache it decoded from any of
 * its entries. With permissions alone changing that is always RW or RO: old or new. A design
 * whose owner moves the live run to other physical pages pte by pte (`cont-remap-pte-by-pte`)
 * leaves entries that disagree on the output address in between: CONSTRAINED UNPREDICTABLE, and
 * the model takes the TLB conflict abort the Arm ARM allows (R's read oopses).
 *
 * Abstraction: the run sits in the linear map of every design. In the kernel a linear map
 * forced to ptes (v6 here) has no CONT runs (NO_CONT_MAPPINGS); they come from BBML2 systems,
 * where split_pmd() makes them (`split-bbml2` runs the same scenario with that linear map).
 */
import { Map as IMap } from 'immutable';
import { linearAlias, pagesPerEntry } from '../hardware/geometry.ts';
import { kernel_read } from '../kernel/access.ts';
import { kfunc, local } from '../kernel/exec.ts';
import { leafSlot, ptep_get } from '../kernel/hw.ts';
import { writeArgs, __set_pte } from '../kernel/kpkeys.ts';
import { flush_tlb_kernel_range, set_memory_ro } from '../kernel/pageattr.ts';
import { FREE_PGTABLE_PAGE } from '../kernel/state.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { call, idleTask, machine, program, runningTask } from './tasks.ts';

/**
 * (design cont-remap-pte-by-pte) The owner moves its live CONT run to the pages at `target`,
 * rewriting each pte in place, then flushes the TLB: no break-before-make. Locals: `run`, `target`.
 */
const remap_cont_run_pte_by_pte = kfunc('remap_cont_run_pte_by_pte', '(scenario: a design that remaps a live CONT run in place)', [
  local('ptep = pte_offset_kernel(pmdp, run); i = 0', (k) => {
    const slot = leafSlot(k, k.num('run'))!;
    return k.setLocals({ table: slot.table, first: slot.index, i: 0 }).next();
  }),
  local(
    '__set_pte(ptep, pfn_pte(target_pfn + i, pte_pgprot(__ptep_get(ptep))))',
    (k) => {
      const index = k.num('first') + k.num('i');
      const cur = ptep_get(k, k.num('table'), index)!;
      return k.call(__set_pte, writeArgs({ table: k.num('table'), index, level: 3, value: cur.set('out', k.num('target') + k.num('i')) }));
    },
    { name: 'loop' },
  ),
  local('for (i = 0; i < CONT_PTES; i++, ptep++)', (k) => {
    const i = k.num('i') + 1;
    return i < k.env.geometry.contPtes ? k.setLocal('i', i).goto('loop') : k.next();
  }),
  local('flush_tlb_kernel_range(run, run + CONT_PTES * PAGE_SIZE)', (k) =>
    k.setLocals({ table: undefined, first: undefined, i: undefined }).call(flush_tlb_kernel_range, { start: k.num('run'), end: k.num('run') + k.env.geometry.contPtes }),
  ),
]);

const owner = kfunc('protect_cont_run', '(scenario: the owner of a CONT run makes it read-only, or, under cont-output-change=pte-by-pte, moves it)', [
  local('set_memory_ro(run, CONT_PTES)', (k) =>
    k.knobs.contOutputChange === 'pte-by-pte'
      ? k.call(remap_cont_run_pte_by_pte, { run: k.num('run'), target: k.num('target') })
      : k.call(set_memory_ro, { start: k.num('area'), numpages: k.env.geometry.contPtes }),
  ),
]);

const reader = program('read_cont_run', '(scenario: another CPU reading the pages of the run)', [
  call('READ_ONCE(*run)', kernel_read, (k) => ({ va: k.num('run'), what: 'the first page of the CONT run' })),
  call('READ_ONCE(*(run + PAGE_SIZE))', kernel_read, (k) => ({ va: k.num('run') + 1, what: 'the second page of the CONT run' })),
]);

export const contPteByPte: Scenario = {
  name: 'cont-pte-by-pte',
  summary: 'a CONT run made read-only one pte at a time while another CPU reads it: old or new permission, never a fault',
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['cont-run-decodes-old-or-new', 'kernel-does-not-oops'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['kernel-page-present'],
  expectations: {
    v6: { verdict: 'pass', why: 'each pte goes from RW to RO in one store, so every read, by a walk or a TLB entry of the run, decodes RW or RO' },
    'split-bbml2': {
      verdict: 'pass',
      why: 'the same on a BBML2 linear map with blocks, where CONT runs really exist: the run is covered whole, so nothing splits',
    },
    'cont-remap-pte-by-pte': {
      verdict: 'violation',
      property: 'kernel-does-not-oops',
      callTrace: ['read_cont_run'],
      why: 'between the two stores the run maps two different output ranges: CONSTRAINED UNPREDICTABLE, and R takes a TLB conflict abort',
    },
    'cont-invalid-then-new': {
      verdict: 'violation',
      property: 'cont-run-decodes-old-or-new',
      callTrace: ['read_cont_run'],
      why: "R's walk finds a pte of the run invalid between its two stores: a translation fault on memory mapped before and after",
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const per = pagesPerEntry(g, 2);
    const boot = new Boot(g, 6 * per);
    // The run is the first two pages of the fifth PMD (the page tables sit below it); the last PMD is a block when the linear map has blocks.
    const run = 4 * per;
    // W's set_memory_ro() takes a vmalloc area over the run (change_memory_common() refuses a
    // linear-map address); rodata_full updates the run's linear alias page by page.
    const area = vmallocArea(boot, Array.from({ length: g.contPtes }, (_, i) => run + i));
    boot.mapLinear({
      blocks: (pa) => knobs.linearMap === 'blocks' && pa === 5 * per,
      attrs: (pa) => (pa >= run && pa < run + g.contPtes ? { cont: true } : {}),
    });
    const spare = boot.table('spare page-table page (split_pgtable_alloc)');
    const booted = boot.finish();
    const va = { run: linearAlias(g, run), target: run + per, area };
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('W', 10, 0, owner, va), runningTask('R', 11, 1, reader, va), idleTask(0), idleTask(1)],
      flags: IMap({ [FREE_PGTABLE_PAGE]: spare }),
    });
  },
};
