/** cont-pte-by-pte: a CONT run made read-only pte by pte while CPU1 reads it. BFS numbers are regression numbers. */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';


const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 157],
  'split-bbml2': ['pass', undefined, undefined, 295],
  'cont-invalid-then-new': ['violation', 'cont-run-decodes-old-or-new', 14, 57],
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
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker sees an unpublished-over entry: fault]',
    ]);
    const last = result.path!.steps.at(-1)!.state;
    expect(last.violations.get('cont-run-decodes-old-or-new')!.message).toBe('CPU1 took a translation fault on the first page of the CONT run during the change');
    // The same read is an ordinary kernel load: it oopses too, reported after the specific rule.
    expect(last.oops!.message).toBe('Unable to handle kernel paging request at virtual address ffff000000008000');
    expect(last.oops!.details.toArray()).toContain('  FSC = 0x07: level 3 translation fault');
    expect(report.callTrace).toEqual(['read_cont_run']);
  });
});
