/** split-in-atomic: KFENCE's set_memory_valid() from softirq and split_kernel_leaf_mapping()'s mutex. BFS numbers are regression numbers. */
import { expectCells, reachable, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const SCENARIO = getScenario('split-in-atomic');
const RULE = 'atomic-context-never-sleeps';

const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 627],
  'split-bbml2': ['pass', undefined, undefined, 1208],
  'pte-linear-map-without-kfence-early-return': ['pass', undefined, undefined, 627],
  'split-without-kfence-early-return': ['violation', 'atomic-context-never-sleeps', 4, 29],
};


expectCells('split-in-atomic', CELLS);

describe('rule 12 is not vacuous', () => {
  it("without the KFENCE early return the softirq reaches mutex_lock(&pgtable_split_lock)", () => {
    const { report } = runScenario('split-in-atomic', { design: 'split-without-kfence-early-return' });
    expect(report.property).toBe(RULE);
    expect(report.message).toBe('BUG: sleeping function called from invalid context: mutex_lock(&pgtable_split_lock) on CPU0 in softirq context');
    expect(report.callTrace).toEqual([
      'mutex_lock', 'split_kernel_leaf_mapping', 'update_range_prot', 'set_memory_valid', 'kfence_unprotect', 'kfence_guarded_alloc',
      'net_rx_action', '__do_softirq', 'el1_interrupt', 'el1h_64_irq',
      'mutex_lock', 'split_kernel_leaf_mapping', 'update_range_prot', 'change_memory_common', 'set_memory_ro', 'make_range_ro',
    ]);
    expect(report.trace!.map((t) => t.action)).toEqual([
      'CPU0 A: IRQ (eth0)',
      'CPU0 A: stmmac_interrupt: stmmac_napi_check(): napi_schedule(&ch->rx_napi): __raise_softirq_irqoff(NET_RX_SOFTIRQ)',
      'CPU0 A: el1_interrupt: irq_exit_rcu(): preempt_count_sub(HARDIRQ_OFFSET)',
      'CPU0 A: __do_softirq: __local_bh_disable_ip(SOFTIRQ_OFFSET); local_irq_enable()',
    ]);
  });
});

describe('the passing designs are not vacuous', () => {
  it("split-bbml2: A's own split (mutex, allocation) runs in task context, and the softirq can land while A holds the mutex", () => {
    const m = kernelModel(SCENARIO, { design: 'split-bbml2' });
    const states = reachable(m);
    const inSoftirqUnderTheMutex = states.filter((s) => s.cpus[0].softirq_count > 0 && s.mutexes.get('pgtable_split_lock') === 0);
    expect(inSoftirqUnderTheMutex.length).toBeGreaterThan(0);
    // Every run that ends has split A's block and made the KFENCE object valid.
    const finals = states.filter((s) => [...m.actions(s)].length === 0);
    expect(finals.length).toBeGreaterThan(0);
    expect(finals.every((s) => s.mutexes.isEmpty() && s.flags.get('free_pgtable_page') === undefined)).toBe(true);
  });
});
