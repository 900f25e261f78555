/**
 * A page-table page freed from interrupt context while the interrupted task batches
 * (docs/background.md, "Page table freed in IRQ"): the v4 guard had no in_interrupt() test.
 *
 * Task A maps two pages with vmap() (a lazy MMU section). A page-table page of an earlier
 * munmap() waits in RCU (tlb_remove_table_rcu); the timer IRQ's rcu_sched_clock_irq() raises
 * the RCU softirq, which frees it on IRQ exit: kpkeys_pgtable_free() -> set_memory_pkey()
 * writes the linear map in softirq context, on top of A's batch.
 *
 * It also holds the designs that show invariants 3, 5 and 13 broken: no POR reset (the
 * handler runs at A's raised level), no POR restore on exception return, a disable without the
 * in_interrupt() bail-out (the softirq's section decrements A's counter), and a free that
 * leaves the page at pkey PGTABLES.
 */
import { List } from 'immutable';
import { regionBase } from '../hardware/geometry.ts';
import { vmap } from '../kernel/pte_range.ts';
import { Mm, RcuCallback } from '../kernel/state.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

export const irqFreesPgtable: Scenario = {
  name: 'irq-frees-pgtable',
  summary: 'an RCU softirq frees a page-table page (set_memory_pkey) while the interrupted task batches in vmap()',
  seed: 'por-el1-reset-on-exception-entry-vs-lazy-mmu.txt',
  invariants: [
    'pgtable-writes-hold-pgtables-overlay',
    'el1-handlers-run-with-por-init',
    'lazy-section-restores-por',
    'lazy-mmu-calls-balanced',
    'pgtable-pages-carry-pgtables-pkey',
  ],
  params: { irqs: 1, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['vmalloc', 'kernel-page-present', 'idle'],
  expectations: {
    v4: {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: ['pageattr_pte_entry', 'update_range_prot', 'set_memory_pkey', 'kpkeys_pgtable_free', 'tlb_remove_table_rcu', 'rcu_core', '__do_softirq', 'el1_interrupt', 'vmap'],
      why: 'the v4 guard skips on TIF_LAZY_MMU, set by the interrupted task; the softirq runs with POR_EL1_INIT',
    },
    v5: { verdict: 'pass', why: 'the v5 guard does not skip in interrupt context' },
    v6: { verdict: 'pass', why: 'is_lazy_mmu_mode_active() is false in interrupt context, so the guard raises POR_EL1' },
    'v6-no-por-reset': {
      verdict: 'violation',
      property: 'el1-handlers-run-with-por-init',
      why: 'without the reset, an IRQ inside the batch runs its handler with page tables writable',
    },
    'v6-no-por-restore-on-return': {
      verdict: 'violation',
      property: 'el1-handlers-run-with-por-init',
      why: 'kernel_exit leaves POR_EL1_INIT: the interrupted batch loses its level',
    },
    'lazy-mmu-disable-without-bailout': {
      verdict: 'violation',
      property: 'lazy-mmu-calls-balanced',
      why: "the softirq's disable decrements A's enable_count that its enable never incremented",
    },
    'pgtable-free-keeps-pkey': {
      verdict: 'violation',
      property: 'pgtable-pages-carry-pgtables-pkey',
      why: 'the freed page keeps pkey PGTABLES: its next user faults writing it',
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const pages = [boot.alloc('page to vmap 0'), boot.alloc('page to vmap 1')];
    const other = boot.alloc('vmalloc page');
    const pgdA = boot.userPgd("A's pgd");
    const oldPte = boot.userPgd('pte table of an earlier munmap() (waiting for RCU)');
    const va = regionBase(g, 'vmalloc');
    boot.map(va + 2, other);
    const slot = boot.slot(va);
    boot.mapLinear();
    const booted = boot.finish();
    return machine(booted, {
      running: [0],
      tasks: [runningTask('A', 1, 0, vmap, { table: slot.table, index: slot.index, count: 2, pa: pages[0] }, 0), idleTask(0)],
      mms: List([new Mm({ name: "A's mm", pgd: pgdA })]),
      rcu_callbacks: List([new RcuCallback({ fn: 'tlb_remove_table_rcu', arg: oldPte })]),
    });
  },
};
