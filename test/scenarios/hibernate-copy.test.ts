/**
 * Seed 001, hibernation with data/bss unmapped from the linear map: verdicts per design,
 * regression numbers (BFS), and what each run leaves behind (the image, the WARN, the alias).
 */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { buildScenarioModel, runScenario } from '../../api/check-scenario.ts';
import { linearAlias } from '../../model/hardware/geometry.ts';
import { walkLatest } from '../../model/hardware/walk.ts';
import type { KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';

const SCENARIO = 'hibernate-copy';
const RULE = 'linear-alias-protected';
const REMOVED = 3; // the page removed from the direct map
const DATA = [4, 5, 6, 7]; // kernel data/bss, one PMD block's worth


/** One CPU, no IRQs: the run is a single path. Follows it to the end. */
function finalState(design: string): { m: KernelModel; s: KernelState; steps: number } {
  const m = buildScenarioModel(SCENARIO, { design });
  let s = [...m.initialStates()][0];
  let steps = 0;
  for (;;) {
    const actions = [...m.actions(s)];
    if (actions.length === 0) break;
    expect(actions.length).toBe(1);
    s = m.nextState(s, actions[0])!;
    steps++;
  }
  return { m, s, steps };
}

const aliasValid = (m: KernelModel, s: KernelState, page: number) => walkLatest(m.env.geometry, s.memory, m.env.layout.root, linearAlias(m.env.geometry, page)).ok;

/** [verdict, property, trace length, distinct states] under BFS (distinct = generated: one path). */
const EXPECTED: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 59, 59],
  'pte-only-pageattr': ['pass', undefined, undefined, 59, 59],
  'data-bss-block-present-invalid': ['pass', undefined, undefined, 39, 39],
  'data-bss-block': ['violation', 'set-memory-return-means-done', 11, 12, 12],
  'data-bss-block-pte-only-pageattr': ['pass', undefined, undefined, 20, 20],
  'hibernate-relies-on-safe-copy-page': ['violation', 'hibernation-image-complete', 30, 31, 31],
};

expectCells(SCENARIO, EXPECTED, { invariants: [RULE, 'no-access-before-pte-barriers', 'no-stale-tlb-after-permission-change', 'set-memory-return-means-done', 'hibernation-image-complete'] });

describe('what each run leaves behind', () => {
  it('v6: both pages are in the image, and both aliases are unmapped again afterwards', () => {
    const { m, s, steps } = finalState('v6');
    expect(steps).toBe(58);
    expect(s.oops).toBeNull();
    expect(s.flags.get('hibernate_image')).toBe(`${REMOVED} ${DATA[0]}`);
    expect(s.flags.get('hibernate_left_out')).toBeUndefined();
    expect(s.flags.get('warn')).toBeUndefined();
    expect([REMOVED, ...DATA].map((p) => aliasValid(m, s, p))).toEqual([false, false, false, false, false]);
  });

  it('pte-only-pageattr: the same result through apply_to_page_range()', () => {
    const { m, s } = finalState('pte-only-pageattr');
    expect(s.flags.get('hibernate_image')).toBe(`${REMOVED} ${DATA[0]}`);
    expect(s.flags.get('warn')).toBeUndefined();
    expect([REMOVED, ...DATA].map((p) => aliasValid(m, s, p))).toEqual([false, false, false, false, false]);
  });

  it('data-bss-block-pte-only-pageattr: apply_to_page_range() WARNs and returns -EINVAL; data/bss is never unmapped', () => {
    const { m, s } = finalState('data-bss-block-pte-only-pageattr');
    expect(s.oops).toBeNull();
    expect(s.flags.get('warn')).toBe('WARN_ON_ONCE(pmd_leaf(*pmd)) in apply_to_pmd_range');
    expect(s.flags.get('data_bss_unmap_ret')).toBe(-22);
    expect(s.flags.get('data_bss_map_ret')).toBe(-22);
    expect(s.flags.get('hibernate_image')).toBe(`${REMOVED} ${DATA[0]}`);
    // The hardening is lost: the data/bss alias is still mapped read-write.
    expect(DATA.map((p) => aliasValid(m, s, p))).toEqual([true, true, true, true]);
    expect(aliasValid(m, s, REMOVED)).toBe(false);
  });

  it('hibernate-relies-on-safe-copy-page: saveable_page() leaves the reserved data/bss page out of the image', () => {
    const { report } = runScenario(SCENARIO, { design: 'hibernate-relies-on-safe-copy-page' });
    expect([report.verdict, report.property]).toEqual(['violation', 'hibernation-image-complete']);
    const { s } = finalState('hibernate-relies-on-safe-copy-page');
    expect(s.oops).toBeNull();
    expect(s.flags.get('hibernate_image')).toBe(String(REMOVED));
    expect(s.flags.get('hibernate_left_out')).toBe(String(DATA[0]));
  });

  it('data-bss-block: the re-map is skipped silently, then kernel_page_present() reads the invalid block as a pte table', () => {
    // Rule 15 stops the default run at the silent re-map; rule 14 alone shows what follows.
    const { report: first } = runScenario(SCENARIO, { design: 'data-bss-block' });
    expect(first.detail).toBe('set_memory_valid([4, 8)) returned 0 on CPU0 (init), but page 4 does not have PTE_VALID set');
    const { report, result } = runScenario(SCENARIO, { design: 'data-bss-block', invariants: [RULE] });
    const path = result.path!;
    const s = path.steps[path.steps.length - 1].state;
    // No pmd store between the boot-time unmap and the fault: set_memory_valid(.., 1) changed nothing.
    const labels = report.trace!.map((t) => t.action);
    expect(labels.filter((l) => l.includes('set_pmd: WRITE_ONCE(*pmdp, pmd)'))).toHaveLength(1);
    expect(labels[labels.length - 1]).toBe('CPU0 init: kernel_page_present: ptep = pte_offset_kernel(pmdp, addr); return pte_valid(__ptep_get(ptep))');
    expect(s.violations.get(RULE)!.message).toBe(
      'CPU0 (init) accessed init_task (.data) (the output page of an invalid PMD block, read as a page table) through its unmapped linear alias',
    );
    expect(report.message).toBe('Unable to handle kernel paging request at virtual address ffff000000004000');
    expect(s.oops!.details.toArray()).toContain('  FSC = 0x06: level 2 translation fault');
    expect(s.flags.get('hibernate_image')).toBe(String(REMOVED));
  });
});
