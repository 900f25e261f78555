/** bbm-block-split: a live linear-map block split before set_memory_ro() while CPU1 reads the block. BFS numbers are regression numbers. */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';


const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 81],
  'split-bbml2': ['pass', undefined, undefined, 260],
  'split-in-place-without-bbml2': ['violation', 'break-before-make', 7, 19],
  'split-noblock-pgtable-alloc': ['violation', 'no-recursive-locking', 5, 13],
  'split-stop-machine': ['pass', undefined, undefined, 243],
  'split-break-before-make': ['violation', 'kernel-does-not-oops', 8, 24],
};

const SPLIT = [
  'CPU0 W: mutex_lock: if (!__mutex_trylock_fast(lock)) __mutex_lock_slowpath(lock)',
  'CPU0 W: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()',
  'CPU0 W: arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU); por_el1_lazy_mmu = kpkeys_set_level(KPKEYS_LVL_PGTABLES)',
  'CPU0 W: kpkeys_pgtable_alloc: page = pba_enabled() ? get_cached_page(gfp) : alloc_pages_noprof(gfp, 0)',
  'CPU0 W: split_pmd: for (i = 0; i < PTRS_PER_PTE; i++, ptep++, pfn += step) __set_pte(ptep, pfn_pte(pfn, prot))',
  'CPU0 W: split_pmd: dsb(ishst): the new entries are visible to the walker before the table is',
  'CPU0 W: set_pmd: WRITE_ONCE(*pmdp, pmd)',
];

expectCells('bbm-block-split', CELLS);

describe('rule 7 is not vacuous', () => {
  it('without BBML2, __pmd_populate() over the live block breaks break-before-make', () => {
    const { report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2' });
    expect(report.property).toBe('break-before-make');
    expect(report.message).toBe('CPU0 replaced a live level 2 block with a table without break-before-make');
    expect(report.callTrace).toEqual(['split_pmd', 'split_kernel_leaf_mapping_locked', 'split_kernel_leaf_mapping', 'update_range_prot', 'change_memory_common', 'set_memory_ro', 'protect_part_of_block']);
    expect(report.trace!.map((t) => t.action)).toEqual(SPLIT);
  });

  it('the same store is allowed with BBML2 (the split-bbml2 run passes rule 7)', () => {
    const { report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2', set: ['bbm-level=2-noabort'], reduction: 'none' });
    expect(report.verdict).toBe('pass');
    expect(report.stats.distinctStates).toBe(260);
  });
});

describe('break-before-make on the live linear map', () => {
  it("R's read between pmd_clear() and __pmd_populate() takes a level 2 translation fault", () => {
    const { result, report } = runScenario('bbm-block-split', { design: 'split-break-before-make' });
    expect(report.trace!.map((t) => t.action)).toEqual([
      ...SPLIT.slice(0, 6),
      'CPU0 W: set_pmd: WRITE_ONCE(*pmdp, pmd)', // pmd_clear(): the block becomes pmd_none
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees an unpublished-over entry: fault; AT S1E1R faults too]',
    ]);
    const oops = result.path!.steps.at(-1)!.state.oops!;
    expect(oops.message).toBe('Unable to handle kernel paging request at virtual address ffff00000000f000');
    expect(oops.details.toArray()).toContain('  FSC = 0x06: level 2 translation fault');
    expect(oops.details.toArray()).toContain('[ffff00000000f000] pgd=1800000080004403, pud=1800000080005403, pmd=0000000000000000');
    expect([oops.cpu, oops.task]).toEqual([1, 'R']);
    expect(report.callTrace).toEqual(['read_rest_of_block']);
  });
});

describe('the seed-002 verdicts come out of the hardware (kernel-does-not-oops alone)', () => {
  const oopsOnly = { invariants: ['kernel-does-not-oops'], reduction: 'none' as const }; // exact (shortest) traces and counts

  it('the in-place split without BBML2 fails through a TLB conflict abort on R, after R cached the block', () => {
    const { result, report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2', ...oopsOnly });
    expect(report.property).toBe('kernel-does-not-oops');
    expect(report.message).toBe('Unable to handle kernel TLB conflict abort at virtual address ffff00000000f000');
    expect(report.trace!.map((t) => t.action)).toEqual([
      ...SPLIT,
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees the old entry]',
      'CPU1 R: kernel_read: READ_ONCE(*addr) [speculative walk (sees the new entry) adds an entry; TLB conflict abort: 2 entries match]',
    ]);
    const oops = result.path!.steps.at(-1)!.state.oops!;
    expect(oops.details.toArray()).toContain('  FSC = 0x30: TLB conflict abort');
    expect([oops.cpu, oops.task]).toEqual([1, 'R']);
  });

  it.each(['0', '1', '2'])('bbm-level=%s: the same conflict abort', (level) => {
    const { report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2', set: [`bbm-level=${level}`], ...oopsOnly });
    expect(report.message).toBe('Unable to handle kernel TLB conflict abort at virtual address ffff00000000f000');
  });

  it('the same split passes with bbm-level=2-noabort: R uses either translation', () => {
    const { report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2', set: ['bbm-level=2-noabort'], ...oopsOnly });
    expect([report.verdict, report.complete, report.stats.distinctStates]).toEqual(['pass', true, 260]);
  });

  it("break-before-make on the live linear map fails through the concurrent reader's translation fault, not rule 7", () => {
    const { result, report } = runScenario('bbm-block-split', { design: 'split-break-before-make', ...oopsOnly });
    expect(report.property).toBe('kernel-does-not-oops');
    expect(report.message).toBe('Unable to handle kernel paging request at virtual address ffff00000000f000');
    const last = result.path!.steps.at(-1)!.state;
    expect(last.violations.has('break-before-make')).toBe(false);
    expect(last.oops!.details.toArray()).toContain('  FSC = 0x06: level 2 translation fault');
    const rule7 = runScenario('bbm-block-split', { design: 'split-break-before-make', invariants: ['break-before-make'] }).report;
    expect(rule7.property).toBe('kernel-does-not-oops'); // the catch-all, rule 7 itself holds
  });
});

describe("the split's page-table page: kpkeys_pgtable_alloc()", () => {
  it('v6 (pba-reserve): the split takes a pre-tagged page of the reserve and calls no set_memory_pkey()', () => {
    const { report } = runScenario('bbm-block-split', { design: 'split-bbml2', reduction: 'none' });
    expect(report.verdict).toBe('pass');
    const labels = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2' }).report.trace!.map((t) => t.action);
    expect(labels.filter((l) => l.includes('kpkeys_pgtable_alloc'))).toEqual([SPLIT[3]]);
    expect(labels.some((l) => l.includes('set_memory_pkey'))).toBe(false);
  });

  it('noblock: the allocation re-enters update_range_prot() and takes pgtable_split_lock a second time (rule 17)', () => {
    const { report, result } = runScenario('bbm-block-split', { design: 'split-noblock-pgtable-alloc', reduction: 'none' }); // the shortest schedule
    expect(report.property).toBe('no-recursive-locking');
    expect(report.message).toBe('W on CPU0 takes pgtable_split_lock, which it already holds: it waits for itself forever');
    expect(report.trace!.map((t) => t.action)).toEqual([
      ...SPLIT.slice(0, 4),
      'CPU0 W: mutex_lock: if (!__mutex_trylock_fast(lock)) __mutex_lock_slowpath(lock)',
    ]);
    expect(report.callTrace).toEqual([
      'mutex_lock', 'split_kernel_leaf_mapping', 'update_range_prot', 'set_memory_pkey', 'kpkeys_pgtable_alloc',
      'split_pmd', 'split_kernel_leaf_mapping_locked', 'split_kernel_leaf_mapping', 'update_range_prot', 'change_memory_common',
      'set_memory_ro', 'protect_part_of_block',
    ]);
    // The task then waits for itself: it is blocked, it does not spin.
    const last = result.path!.steps.at(-1)!.state;
    expect(last.mutexes.get('pgtable_split_lock')).toBe(0);
  });
});
