/** bbm-block-split: a live linear-map block split before set_memory_ro() while CPU1 reads the block. BFS numbers are regression numbers. */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';


const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 22],
  'split-bbml2': ['pass', undefined, undefined, 59],
  'split-in-place-without-bbml2': ['violation', 'break-before-make', 7, 14],
  'split-stop-machine': ['pass', undefined, undefined, 54],
  'split-break-before-make': ['violation', 'kernel-does-not-oops', 8, 17],
};

const SPLIT = [
  'CPU0 W: mutex_lock: if (!__mutex_trylock_fast(lock)) __mutex_lock_slowpath(lock)',
  'CPU0 W: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()',
  'CPU0 W: arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU); por_el1_lazy_mmu = kpkeys_set_level(KPKEYS_LVL_PGTABLES)',
  'CPU0 W: split_pmd: pte_phys = split_pgtable_alloc(TABLE_PTE): pagetable_alloc(GFP_PGTABLE_KERNEL, 0)',
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
    expect(report.callTrace).toEqual(['split_pmd', 'split_kernel_leaf_mapping_locked', 'split_kernel_leaf_mapping', 'update_range_prot', 'set_memory_ro', 'protect_part_of_block']);
    expect(report.trace!.map((t) => t.action)).toEqual(SPLIT);
  });

  it('the same store is allowed with BBML2 (the split-bbml2 run passes rule 7)', () => {
    const { report } = runScenario('bbm-block-split', { design: 'split-in-place-without-bbml2', set: ['bbml2=true'], reduction: 'none' });
    expect(report.verdict).toBe('pass');
    expect(report.stats.distinctStates).toBe(59);
  });
});

describe('break-before-make on the live linear map', () => {
  it("R's read between pmd_clear() and __pmd_populate() takes a level 2 translation fault", () => {
    const { result, report } = runScenario('bbm-block-split', { design: 'split-break-before-make' });
    expect(report.trace!.map((t) => t.action)).toEqual([
      ...SPLIT.slice(0, 6),
      'CPU0 W: set_pmd: WRITE_ONCE(*pmdp, pmd)', // pmd_clear(): the block becomes pmd_none
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees an unpublished-over entry: fault]',
    ]);
    const oops = result.path!.steps.at(-1)!.state.oops!;
    expect(oops.message).toBe('Unable to handle kernel paging request at virtual address ffff00000000b000');
    expect(oops.details.toArray()).toContain('  FSC = 0x06: level 2 translation fault');
    expect(oops.details.toArray()).toContain('[ffff00000000b000] pgd=1800000080001403, pud=1800000080002403, pmd=0000000000000000');
    expect([oops.cpu, oops.task]).toEqual([1, 'R']);
    expect(report.callTrace).toEqual(['read_rest_of_block']);
  });
});
