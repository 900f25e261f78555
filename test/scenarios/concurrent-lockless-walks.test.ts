/**
 * concurrent-lockless-walks: set_memory_ro() and set_memory_x() of one page from two CPUs.
 * BFS numbers are regression numbers.
 */
import { expectCells, finalStates, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { walkLatest } from '../../model/hardware/walk.ts';
import { kernelModel, type KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { getScenario } from '../../model/scenarios/index.ts';
import { ruleNamed } from '../../properties/index.ts';

const SCENARIO = getScenario('concurrent-lockless-walks');
const RULE = 'no-concurrent-lockless-walks';

const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 57],
  'concurrent-walks-shared-range': ['violation', 'no-concurrent-lockless-walks', 12, 79],
};


/** The page's final permissions, e.g. `RO X`. */
function perms(m: KernelModel, s: KernelState): string {
  // The module page's vmalloc VA (set_memory_*() take a vmalloc area, not its linear alias).
  const w = walkLatest(m.env.geometry, s.memory, m.env.layout.root, 64);
  if (!w.ok) return 'unmapped';
  return `${w.leaf.rdonly ? 'RO' : 'RW'} ${w.leaf.pxn ? 'NX' : 'X'}`;
}

expectCells('concurrent-lockless-walks', CELLS);

describe('rule 11 is not vacuous', () => {
  it('shared ownership: the second walk starts while the first is in progress', () => {
    const { report } = runScenario('concurrent-lockless-walks', { design: 'concurrent-walks-shared-range' });
    expect(report.property).toBe(RULE);
    expect(report.message).toBe('CPU1 (P1) started a lockless walk of [64, 65) while another walk of an overlapping range is in progress');
    expect(report.callTrace).toEqual(['walk_kernel_page_table_range_lockless', 'update_range_prot', 'change_memory_common', 'set_memory_x', 'make_page_x']);
  });

  it('the lost update itself: with the pre-seed-002 apply_to_page_range() walker (no walk-start to flag), a returned change loses its bit', () => {
    const { report } = runScenario('concurrent-lockless-walks', { design: 'v6', set: ['pageattr-walker=pte-only', 'walk-ownership=shared'], reduction: 'none' });
    expect([report.verdict, report.property, report.trace?.length, report.stats.distinctStates]).toEqual(['violation', RULE, 20, 222]);
    expect(report.message).toBe('lost update: the PTE_RDONLY change of [64, 65) is gone from page 64 when CPU0 (P0) returned from its change of [64, 65)');
    expect(report.callTrace).toEqual(['change_memory_common', 'set_memory_ro', 'make_page_ro']);
    const labels = report.trace!.map((t) => t.action);
    // Two reads of the vmalloc pte, one of the linear alias (set_memory_ro()'s rodata_full update).
    expect(labels.filter((l) => l.includes('change_page_range: pte_t pte = __ptep_get(ptep)'))).toHaveLength(3);
    // ...and serialised by the owner, the same walker keeps both changes.
    const serialised = runScenario('concurrent-lockless-walks', { design: 'v6', set: ['pageattr-walker=pte-only'] }).report;
    expect([serialised.verdict, serialised.complete, serialised.stats.distinctStates]).toEqual(['pass', true, 57]);
  });

  it('the lost-update check reports a bit a returned change set and nobody else touched', () => {
    const check = ruleNamed(RULE)!.check!;
    const where = { cpu: 1, task: 'P1', callTrace: ['set_memory_x'] };
    expect(check({ kind: 'prot-change-return', range: [8, 9], lost: [], ...where })).toBeUndefined();
    expect(check({ kind: 'prot-change-return', range: [8, 9], lost: [{ range: [8, 9], bit: 'PTE_RDONLY', va: 8 }], ...where })).toBe(
      'lost update: the PTE_RDONLY change of [8, 9) is gone from page 8 when CPU1 (P1) returned from its change of [8, 9)',
    );
  });
});

describe('what the two changes leave', () => {
  it('serialised by the owner (v6), every run ends read-only and executable', () => {
    const m = kernelModel(SCENARIO, { design: 'v6' });
    const finals = finalStates(m);
    expect(finals.length).toBeGreaterThan(0);
    expect([...new Set(finals.map((s) => perms(m, s)))]).toEqual(['RO X']);
    expect(finals.every((s) => s.mutexes.isEmpty() && s.violations.isEmpty())).toBe(true);
  });

  it('racing (shared, rule 11 not checked), some runs lose one of the two updates', () => {
    const m = kernelModel(SCENARIO, { design: 'concurrent-walks-shared-range', invariants: [] });
    const outcomes = [...new Set(finalStates(m).map((s) => perms(m, s)))].sort();
    expect(outcomes).toEqual(['RO NX', 'RO X', 'RW X']);
  });
});
