/**
 * KFENCE in softirq on top of a lazy MMU section (docs/background.md, commit b81c688426a9 "arm64/mm:
 * Disable barrier batching in interrupt contexts"; invariants 6, 1 and 5).
 *
 * Task A on CPU0 is in vfree(), inside vunmap_pte_range()'s lazy MMU section. A network IRQ
 * raises NET_RX_SOFTIRQ; on the IRQ exit path net_rx_action() allocates from KFENCE, which
 * unprotects the object's page with set_memory_valid(addr, 1, 1) (update_range_prot() brackets
 * its walk with a lazy MMU section of its own) and at once writes the canary next to the
 * object. The write relies on the new pte being visible to the walker: the dsb(ishst) must have
 * been emitted by then.
 *
 * - v6 and kpkeys without batching: lazy MMU bails out in interrupt context, so the pte store's
 *   queue_pte_barriers() emits the barrier at once.
 * - Lazy MMU batching in interrupt context (before b81c688426a9), without kpkeys batching: the
 *   softirq's section nests in A's (lazy_mmu_state counters), its queue_pte_barriers() sets
 *   TIF_LAZY_MMU_PENDING on A, but its own lazy_mmu_mode_disable() then calls
 *   arch_flush_lazy_mmu_mode(), which emits the barrier before KFENCE writes: invariant 6 holds.
 *   The barrier would only be owed past the softirq if its section end did not flush (enable and
 *   disable bailing out in interrupt context while is_lazy_mmu_mode_active() does not): a design
 *   the lazy MMU model (lazy_mmu.ts) has no knob for.
 * - The same with v6's kpkeys batching: the nested softirq section skips the kpkeys write guard
 *   (is_lazy_mmu_mode_active() is true) while POR_EL1 is not at PGTABLES: the IRQ landed in A's
 *   window between enable_count++ and arch_enter_lazy_mmu_mode() (the shortest counterexample),
 *   or after it and the IRQ entry wrote POR_EL1_INIT (with the atomic lazy mode switch). The
 *   pte store faults on the overlay (invariant 1): the seed-000 fault, from interrupt context.
 */
import { linearAlias, regionBase } from '../hardware/geometry.ts';
import { vfree } from '../kernel/vmalloc.ts';
import { kfencePoolVas } from '../kernel/kfence.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

export const kfenceSoftirq: Scenario = {
  name: 'kfence-softirq',
  summary: "KFENCE's set_memory_valid() in softirq on top of a task's lazy MMU section, then a write to the object",
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['no-access-before-pte-barriers', 'pgtable-writes-hold-pgtables-overlay', 'lazy-mmu-calls-balanced'],
  params: { irqs: 1, fanout: 4, cpus: 1 },
  irqSources: [{ name: 'eth0', handler: 'stmmac_interrupt' }, TIMER_TICK],
  backgrounds: ['idle', 'kernel-page-present'],
  expectations: {
    v6: { verdict: 'pass', why: 'lazy MMU bails out in interrupt context: the softirq emits its barrier at the pte store, and takes the kpkeys guard' },
    'no-batching': { verdict: 'pass', why: 'the same without kpkeys batching: the barrier is emitted at the store, before KFENCE writes the canary' },
    'lazy-mmu-batches-in-interrupt': {
      verdict: 'pass',
      why: "the softirq's section nests in A's and its barrier is queued on A, but its own lazy_mmu_mode_disable() flushes it before KFENCE writes",
    },
    'lazy-mmu-queues-in-interrupt': {
      verdict: 'violation',
      property: 'no-access-before-pte-barriers',
      why: "the softirq's own lazy section bails out, but queue_pte_barriers() sees A's batch and defers the barrier to A: KFENCE writes the canary through a pte the walker may not see",
    },
    'v6-lazy-mmu-batches-in-interrupt': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: ['pageattr_pte_entry', 'update_range_prot', 'set_memory_valid', 'kfence_unprotect', 'kfence_guarded_alloc', 'net_rx_action', '__do_softirq', 'vfree'],
      why: "nested in A's section the softirq skips the kpkeys guard, but POR_EL1 is not at PGTABLES (A's arch_enter has not run yet, or the IRQ entry reset it): the pte store faults on the overlay",
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const vmallocPage = boot.alloc('vmalloc page');
    const object = boot.alloc('KFENCE object page (freed: protected)');
    const vmStart = regionBase(g, 'vmalloc');
    boot.map(vmStart, vmallocPage);
    boot.mapLinear({ attrs: (pa) => (pa === object ? { valid: false } : {}) });
    const kfence = linearAlias(g, object);
    const booted = boot.finish({ vas: kfencePoolVas(kfence) });
    return machine(booted, {
      running: [0],
      tasks: [runningTask('A', 1, 0, vfree, { start: vmStart, end: vmStart + 1 }), idleTask(0)],
    });
  },
};
