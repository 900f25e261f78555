/**
 * partial-block-overlap: set_memory_ro() on two ptes and half a PMD block. BFS numbers are
 * regression numbers.
 */
import { expectCells, finalStates, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { describeEntry } from '../../model/hardware/descriptor.ts';
import { walkLatest } from '../../model/hardware/walk.ts';
import { kernelModel, type KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const SCENARIO = getScenario('partial-block-overlap');

/** [verdict, property, trace length, distinct states] */
const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 48],
  'linear-map-blocks': ['violation', 'set-memory-return-means-done', 42, 43],
  'split-bbml2': ['pass', undefined, undefined, 85],
  'walker-without-overlap-check': ['violation', 'permission-change-stays-in-range', 20, 21],
};


/** The leaf that maps each page, as `describeEntry` shows it, with its level. */
function leaves(m: KernelModel, s: KernelState, pages: readonly number[]): string[] {
  return pages.map((va) => {
    const w = walkLatest(m.env.geometry, s.memory, m.env.layout.root, va);
    return w.ok ? `${va}: ${describeEntry(w.leaf)} L${w.level}` : `${va}: fault`;
  });
}

expectCells('partial-block-overlap', CELLS);

describe('what the range looks like afterwards', () => {
  const RANGE = [10, 11, 12, 13, 14, 15];

  it('the kernel walker without BBML2 WARNs on the alias update of the block, change_memory_common() ignores the -EINVAL and set_memory_ro() returns 0: the block half stays writable', () => {
    const m = kernelModel(SCENARIO, { design: 'linear-map-blocks', invariants: [] });
    const finals = finalStates(m);
    expect(finals).toHaveLength(1);
    const s = finals[0];
    expect(s.flags.get('warn')).toBe('WARN_ON_ONCE((next - addr) != PMD_SIZE) in pageattr_pmd_entry');
    expect(s.flags.get('set_memory_ro_ret')).toBe(0);
    expect(leaves(m, s, RANGE)).toEqual([
      '10: page(RO pkey0 pa10) L3',
      '11: page(RO pkey0 pa11) L3',
      '12: block(RW pkey0 pa12) L2',
      '13: block(RW pkey0 pa12) L2',
      '14: block(RW pkey0 pa12) L2',
      '15: block(RW pkey0 pa12) L2',
    ]);
    expect(s.oops).toBeNull();
  });

  it('with BBML2 the block is split at the end of the range first, and exactly the range becomes read-only', () => {
    const m = kernelModel(SCENARIO, { design: 'split-bbml2' });
    const finals = finalStates(m);
    expect(finals).toHaveLength(1);
    const s = finals[0];
    expect(s.flags.get('warn')).toBeUndefined();
    expect(s.flags.get('set_memory_ro_ret')).toBe(0);
    expect(leaves(m, s, RANGE)).toEqual([
      '10: page(RO pkey0 pa10) L3',
      '11: page(RO pkey0 pa11) L3',
      '12: page(RO pkey0 pa12) L3',
      '13: page(RO pkey0 pa13) L3',
      '14: page(RW CONT pkey0 pa14) L3',
      '15: page(RW CONT pkey0 pa15) L3',
    ]);
    expect(s.mutexes.isEmpty()).toBe(true);
  });

  it('v6 (PTE-only linear map) changes exactly the range', () => {
    const m = kernelModel(SCENARIO, { design: 'v6' });
    const [s] = finalStates(m);
    expect(s.flags.get('set_memory_ro_ret')).toBe(0);
    expect(leaves(m, s, RANGE).map((l) => l.includes('RO'))).toEqual([true, true, true, true, false, false]);
  });
});

describe('rule 10 is not vacuous', () => {
  it('a walker without the overlap check rewrites the whole block: permission-change-stays-in-range', () => {
    const { report } = runScenario('partial-block-overlap', { design: 'walker-without-overlap-check' });
    expect(report.property).toBe('permission-change-stays-in-range');
    expect(report.message).toBe('CPU0 rewrote a level 2 entry mapping [12, 16) for a change of [12, 13)');
    expect(report.callTrace).toEqual(['pageattr_pmd_entry', 'walk_pgd_range', 'walk_kernel_page_table_range_lockless', 'update_range_prot', 'change_memory_common', 'set_memory_ro', 'protect_range']);
    expect(report.trace!.at(-1)!.action).toBe('CPU0 C: set_pmd: WRITE_ONCE(*pmdp, pmd)');
  });
});
