/**
 * Splitting a live PMD block of the linear map (split_kernel_leaf_mapping() before a
 * permission change; invariant 7 of docs/invariants.md).
 *
 * CPU0 (task W) makes the first two pages of a PMD block read-only: update_range_prot() first
 * splits the block at the range's end (split_pmd(): a pte table of CONT runs replaces the
 * block), then walks the two ptes. CPU1 (task R) reads the last page of the same block, which
 * nobody is changing: the linear map is live memory, used by everyone.
 *
 * - BBML2_NOABORT (split-bbml2): the table replaces the block in place; both translations are
 *   allowed to coexist in TLBs and map the same memory with the same permissions. R reads
 *   through the block, the old TLB entry or the new ptes.
 * - In place without BBML2: the architecture requires break-before-make for a block -> table
 *   change (TLB conflict aborts, or a mix of the two translations): invariant 7.
 * - Break-before-make without BBML2: the block is invalidated and flushed from every TLB before
 *   the table goes in. That satisfies the architecture, but the linear map is live: R's read in
 *   that window takes a translation fault on memory that is mapped before and after the split,
 *   and the kernel oopses. This is why the kernel splits live linear-map blocks only with BBML2
 *   (and keeps the linear map PTE-mapped otherwise). Without R the design would pass.
 * - v6's linear map is PTE-only: nothing to split.
 */
import { Map as IMap } from 'immutable';
import { linearAlias, pagesPerEntry } from '../hardware/geometry.ts';
import { kernel_read } from '../kernel/access.ts';
import { set_memory_ro } from '../kernel/pageattr.ts';
import { FREE_PGTABLE_PAGE } from '../kernel/state.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { call, idleTask, machine, program, runningTask } from './tasks.ts';

const owner = program('protect_part_of_block', '(scenario: a caller making part of a PMD block read-only)', [
  call('set_memory_ro(area, 2)', set_memory_ro, (k) => ({ start: k.num('area'), numpages: 2 })),
]);

const reader = program('read_rest_of_block', '(scenario: another CPU using memory in the same block)', [
  call('READ_ONCE(*other)', kernel_read, (k) => ({ va: k.num('other'), what: 'a page of the block outside the range' })),
  call('READ_ONCE(*other)', kernel_read, (k) => ({ va: k.num('other'), what: 'a page of the block outside the range' })),
]);

export const bbmBlockSplit: Scenario = {
  name: 'bbm-block-split',
  summary: 'a live PMD block of the linear map split before set_memory_ro() while another CPU reads the block: BBML2, in place, or break-before-make',
  seed: 'permission-change-on-block-mappings.txt',
  invariants: [
    'break-before-make',
    'permission-change-stays-in-range',
    'atomic-context-never-sleeps',
    'pgtable-writes-hold-pgtables-overlay',
    'no-recursive-locking',
    'kernel-does-not-oops',
  ],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['ptdump'],
  expectations: {
    v6: { verdict: 'pass', why: "v6's linear map is PTE-only (force_pte_mapping()): split_kernel_leaf_mapping() has nothing to split" },
    'split-bbml2': {
      verdict: 'pass',
      why: 'BBML2_NOABORT allows the table to replace the live block in place; R reads through either translation',
    },
    'split-in-place-without-bbml2': {
      verdict: 'violation',
      property: 'break-before-make',
      callTrace: ['split_pmd', 'split_kernel_leaf_mapping_locked', 'split_kernel_leaf_mapping', 'update_range_prot', 'set_memory_ro'],
      why: '__pmd_populate() replaces a live block with a table without break-before-make on a CPU without BBML2',
    },
    'split-noblock-pgtable-alloc': {
      verdict: 'violation',
      property: 'no-recursive-locking',
      callTrace: [
        'mutex_lock',
        'split_kernel_leaf_mapping',
        'update_range_prot',
        'set_memory_pkey',
        'kpkeys_pgtable_alloc',
        'split_pmd',
        'split_kernel_leaf_mapping_locked',
        'split_kernel_leaf_mapping',
      ],
      why: "the split's page-table page comes from kpkeys' minimal allocator, whose set_memory_pkey() re-enters update_range_prot() and takes pgtable_split_lock again: why v6 splits from a reserve of pre-tagged pages",
    },
    'split-stop-machine': {
      verdict: 'pass',
      why: 'break-before-make while every other CPU is parked in stop_machine(): nobody can read the block while it is unmapped',
    },
    'split-break-before-make': {
      verdict: 'violation',
      property: 'kernel-does-not-oops',
      callTrace: ['read_rest_of_block'],
      why: "break-before-make is architecturally safe, but R's read of the live block between pmd_clear() and __pmd_populate() takes a level 2 translation fault",
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const per = pagesPerEntry(g, 2);
    const boot = new Boot(g, 4 * per);
    // The last two PMDs of memory are blocks when the linear map has blocks; the tables sit below.
    const block = 3 * per;
    const area = vmallocArea(boot, [block, block + 1]);
    boot.mapLinear({ blocks: (pa) => knobs.linearMap === 'blocks' && pa >= block });
    const spare = boot.table('spare page-table page (split_pgtable_alloc)');
    const va = { area, other: linearAlias(g, block + per - 1) };
    const booted = boot.finish();
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('W', 10, 0, owner, va), runningTask('R', 11, 1, reader, va), idleTask(0), idleTask(1)],
      flags: IMap({ [FREE_PGTABLE_PAGE]: spare }),
    });
  },
};
