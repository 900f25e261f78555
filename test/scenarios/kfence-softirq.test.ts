/** kfence-softirq: KFENCE's set_memory_valid() in softirq on top of a lazy MMU section. BFS numbers are regression numbers. */
import { expectCells, reachable, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const SCENARIO = getScenario('kfence-softirq');

const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 116],
  'no-batching': ['pass', undefined, undefined, 116],
  'lazy-mmu-batches-in-interrupt': ['pass', undefined, undefined, 126],
  'lazy-mmu-queues-in-interrupt': ['violation', 'no-access-before-pte-barriers', 10, 91],
  'v6-lazy-mmu-batches-in-interrupt': ['violation', 'pgtable-writes-hold-pgtables-overlay', 8, 77],
};


/** The softirq runs with A's TIF_LAZY_MMU_PENDING set: a barrier is owed on A's behalf. */
const deferredInSoftirq = (s: KernelState) => s.cpus[0].softirq_count > 0 && s.tasks[0].tif_lazy_mmu_pending;

expectCells('kfence-softirq', CELLS);

describe('barrier batching in interrupt context', () => {
  it("batching in softirq defers the KFENCE pte's barrier onto A, and the softirq's own lazy_mmu_mode_disable() flushes it", () => {
    const batch = reachable(kernelModel(SCENARIO, { design: 'lazy-mmu-batches-in-interrupt' }));
    expect(batch.some(deferredInSoftirq)).toBe(true);
    // b81c688426a9: in interrupt context the barrier is emitted at the store.
    expect(reachable(kernelModel(SCENARIO, { design: 'no-batching' })).some(deferredInSoftirq)).toBe(false);
  });

  it('with the v6 kpkeys guard, the nested softirq section skips the guard under POR_EL1_INIT: overlay fault (shortest: in the enable window)', () => {
    const { result, report } = runScenario('kfence-softirq', { design: 'v6-lazy-mmu-batches-in-interrupt' });
    expect(report.message).toBe('Unable to handle kernel write to read-only memory at virtual address ffff000000008010');
    expect(report.callTrace).toEqual([
      'pageattr_pte_entry', 'walk_pgd_range', 'walk_kernel_page_table_range_lockless', 'update_range_prot', 'set_memory_valid',
      'kfence_unprotect', 'kfence_guarded_alloc', 'net_rx_action', '__do_softirq', 'el1_interrupt', 'el1h_64_irq',
      'lazy_mmu_mode_enable', '__vunmap_range_noflush', 'remove_vm_area', 'vfree',
    ]);
    const last = result.path!.steps.at(-1)!.state;
    expect(last.violations.get('pgtable-writes-hold-pgtables-overlay')!.message).toBe(
      'pageattr_pte_entry on CPU0 (A) stored to a PGTABLES page with POR_EL1 = 0x17 (pkey1 R)',
    );
    expect(last.oops!.details.toArray()).toContain('  GCS = 0, Overlay = 1, DirtyBit = 0, Xs = 0');
    expect(report.trace!.slice(0, 2).map((t) => t.action)).toEqual([
      'CPU0 A: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()',
      'CPU0 A: IRQ (eth0)',
    ]);
  });

  it('without the enable window (atomic lazy mode switch) it faults after the IRQ entry reset POR_EL1', () => {
    const { report } = runScenario('kfence-softirq', { design: 'v6-lazy-mmu-batches-in-interrupt', set: ['atomic-lazy-mode-switch=true'] });
    expect([report.verdict, report.property, report.trace?.length, report.stats.distinctStates]).toEqual(['violation', 'pgtable-writes-hold-pgtables-overlay', 8, 52]);
  });
});

describe('one KFENCE object: a NIC IRQ on each CPU allocates it once', () => {
  it('with cpus=2 the second net_rx_action() finds kfence_freelist empty, so v6 passes (it was a false rule-6 alarm: both CPUs unprotecting one object)', () => {
    const { report } = runScenario('kfence-softirq', { design: 'v6', params: { cpus: 2, irqs: 1 }, reduction: 'none' });
    expect([report.verdict, report.complete, report.stats.distinctStates]).toEqual(['pass', true, 6897]);
    const m = kernelModel(getScenario('kfence-softirq'), { design: 'v6', params: { cpus: 2, irqs: 1 } });
    // Never two CPUs in softirq context inside kfence_unprotect() at once.
    const both = reachable(m).filter((s) => s.tasks.filter((t) => t.stack.some((f) => f.fn === 'kfence_unprotect')).length > 1);
    expect(both).toEqual([]);
  });
});
