/** cont-pte-by-pte: a CONT run made read-only pte by pte while CPU1 reads it. BFS numbers are regression numbers. */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';


const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 155],
  'split-bbml2': ['pass', undefined, undefined, 320],
  'cont-remap-pte-by-pte': ['violation', 'kernel-does-not-oops', 3, 8],
  'cont-invalid-then-new': ['violation', 'cont-run-decodes-old-or-new', 5, 14],
};

expectCells('cont-pte-by-pte', CELLS);

describe('rule 9 is not vacuous', () => {
  it('writing each pte invalid first lets the reader walk an invalid pte of the run: cont-run-decodes-old-or-new before the oops', () => {
    const { result, report } = runScenario('cont-pte-by-pte', { design: 'cont-invalid-then-new' });
    expect(report.property).toBe('cont-run-decodes-old-or-new');
    expect(report.trace!.map((t) => t.action)).toEqual([
      'CPU0 W: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()',
      'CPU0 W: arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU); por_el1_lazy_mmu = kpkeys_set_level(KPKEYS_LVL_PGTABLES)',
      'CPU0 W: pageattr_pte_entry: pte_t val = __ptep_get(pte)',
      'CPU0 W: __set_pte: WRITE_ONCE(*ptep, pte)',
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees an unpublished-over entry: fault; AT S1E1R translates: spurious]',
    ]);
    const last = result.path!.steps.at(-1)!.state;
    expect(last.violations.get('cont-run-decodes-old-or-new')!.message).toBe('CPU1 took a translation fault on the first page of the CONT run during the change');
    // AT S1E1R may still see the old valid pte: __do_kernel_fault() calls the fault spurious, WARNs and retries.
    expect(last.oops).toBe(null);
    expect(report.outcome).toBe('warn');
    expect(report.warnings).toEqual(['WARNING on CPU1 (R): Ignoring spurious kernel translation fault at virtual address ffff000000010000']);
    expect(report.callTrace).toEqual(['read_cont_run']);
  });

  it('the same read oopses when AT S1E1R sees the invalid pte too (kernel-does-not-oops alone)', () => {
    const { result, report } = runScenario('cont-pte-by-pte', { design: 'cont-invalid-then-new', invariants: ['kernel-does-not-oops'] });
    expect(report.trace!.at(-1)!.action).toBe('CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees an unpublished-over entry: fault; AT S1E1R faults too]');
    const oops = result.path!.steps.at(-1)!.state.oops!;
    expect(oops.message).toBe('Unable to handle kernel paging request at virtual address ffff000000010000');
    expect(oops.details.toArray()).toContain('  FSC = 0x07: level 3 translation fault');
  });
});

describe('the hardware decides (Arm ARM: misprogramming of the Contiguous bit)', () => {
  it('in-place pte-by-pte permission change: every reachable decode of the run is RW or RO of the same pages, never an abort', async () => {
    const { kernelModel } = await import('../../model/kernel-model.ts');
    const { getScenario } = await import('../../model/scenarios/index.ts');
    const { reachable } = await import('./cells.ts');
    const states = reachable(kernelModel(getScenario('cont-pte-by-pte'), { design: 'v6' }));
    expect(states).toHaveLength(155);
    expect(states.filter((s) => s.oops !== null || s.warnings.size > 0)).toEqual([]);
    // R's TLB entries for the run: only the run's own pages, RW or RO.
    const runEntries = new Set(states.flatMap((s) => s.cpus[1].tlb.filter((e) => e.kind === 'leaf' && e.pages === 2).map((e) => `pa${e.pa} ${e.rdonly ? 'RO' : 'RW'}`).toArray()));
    expect([...runEntries].sort()).toEqual(['pa16 RO', 'pa16 RW']);
  });

  it('moving a live CONT run pte by pte: the run is misprogrammed between the stores and R takes a TLB conflict abort', () => {
    const { result, report } = runScenario('cont-pte-by-pte', { design: 'cont-remap-pte-by-pte' });
    expect(report.trace!.at(-1)!.action).toBe('CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees the new entry; CONT run misprogrammed: TLB conflict abort]');
    expect(report.message).toBe('Unable to handle kernel TLB conflict abort at virtual address ffff000000010000');
    expect(report.outcome).toBe('oops');
    expect(result.path!.steps.at(-1)!.state.oops!.details.toArray()).toContain('  FSC = 0x30: TLB conflict abort');
  });
});
