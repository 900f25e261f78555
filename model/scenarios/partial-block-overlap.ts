/**
 * Seed 002, "We require that the start and end of a given range do not partially overlap block
 * mappings ... Return -EINVAL in case a partial block mapping is detected" (docs/background.md:
 * set_memory_*() on part of a PMD block without a split).
 *
 * Task C calls set_memory_ro() on a vmalloc area of four pages (change_memory_common() refuses a
 * linear-map address); with rodata_full it also makes their linear alias read-only, page by page:
 * two mapped by ptes, then the first half of a PMD block. It then writes to the page just past its range, in the same block (data the
 * caller does not own, and which must stay writable).
 *
 * - The kernel's walker on a block-mapped linear map without BBML2 (nothing splits:
 *   split_kernel_leaf_mapping() returns at once) makes the two ptes read-only, reaches the
 *   block, WARNs and returns -EINVAL, which change_memory_common() ignores for alias updates: the
 *   vmalloc range changes and set_memory_ro() returns 0 with the block's half of the alias still
 *   writable (rule 15, set-memory-return-means-done). Invariant 10 holds.
 * - With BBML2 the block is split at the range's end first, and the walk changes exactly the range.
 * - A walker without the overlap check rewrites the whole block: the page beside the range
 *   becomes read-only too (invariant 10), and C's write to it would fault.
 * - v6's linear map is PTE-only (force_pte_mapping()): there is no block to overlap.
 */
import { Map as IMap } from 'immutable';
import { linearAlias, pagesPerEntry } from '../hardware/geometry.ts';
import { kernel_write } from '../kernel/access.ts';
import { kfunc, local } from '../kernel/exec.ts';
import { set_memory_ro } from '../kernel/pageattr.ts';
import { FREE_PGTABLE_PAGE } from '../kernel/state.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

/** The caller: a vmalloc area whose pages' linear aliases end in the middle of a PMD block. Locals: `area`, `numpages`, `neighbour`. */
const protect_range = kfunc('protect_range', '(scenario: a set_memory_ro() caller whose range ends inside a PMD block)', [
  local('ret = set_memory_ro(area, numpages)', (k) => k.call(set_memory_ro, { start: k.num('area'), numpages: k.num('numpages') })),
  local('(the caller sees ret)', (k) => {
    const [ret, kk] = k.takeRet();
    return kk.update((s) => s.setIn(['flags', 'set_memory_ro_ret'], ret ?? 0)).next();
  }),
  local('WRITE_ONCE(*neighbour, v)', (k) => k.call(kernel_write, { va: k.num('neighbour'), what: 'the page beside the range' })),
]);

export const partialBlockOverlap: Scenario = {
  name: 'partial-block-overlap',
  summary: 'set_memory_ro() on two ptes and half a PMD block: WARN and -EINVAL, or (without the check) the whole block rewritten',
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['permission-change-stays-in-range', 'break-before-make', 'set-memory-return-means-done'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['set-direct-map'],
  expectations: {
    v6: { verdict: 'pass', why: "v6's linear map is PTE-only (force_pte_mapping()): every page of the range has its own pte and only those change" },
    'linear-map-blocks': {
      verdict: 'violation',
      property: 'set-memory-return-means-done',
      why: "nothing splits without BBML2: the linear-alias update of the block's first page WARNs and returns -EINVAL, which change_memory_common() ignores; the vmalloc range changes and set_memory_ro() returns 0 with half the alias still writable",
    },
    'split-bbml2': {
      verdict: 'pass',
      why: 'split_kernel_leaf_mapping() first splits the block at the range end (in place, allowed by BBML2), so the walk changes exactly the range',
    },
    'walker-without-overlap-check': {
      verdict: 'violation',
      property: 'permission-change-stays-in-range',
      callTrace: ['pageattr_pmd_entry', 'walk_pgd_range', 'update_range_prot', 'set_memory_ro', 'protect_range'],
      why: 'pageattr_pmd_entry() rewrites the whole block read-only, including the half the caller did not ask for',
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const per = pagesPerEntry(g, 2);
    const boot = new Boot(g, 4 * per);
    // The last PMD of memory is a block when the linear map has blocks; the tables sit below it.
    const blockStart = 3 * per;
    const area = vmallocArea(boot, [blockStart - 2, blockStart - 1, blockStart, blockStart + 1]);
    boot.mapLinear({ blocks: (pa) => knobs.linearMap === 'blocks' && pa === blockStart });
    const spare = boot.table('spare page-table page (split_pgtable_alloc)');
    const range = { area, numpages: 4, neighbour: linearAlias(g, blockStart + 2) };
    const booted = boot.finish();
    return machine(booted, {
      running: [0],
      tasks: [runningTask('C', 10, 0, protect_range, range), idleTask(0)],
      flags: IMap({ [FREE_PGTABLE_PAGE]: spare }),
    });
  },
};
