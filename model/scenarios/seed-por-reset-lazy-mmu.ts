/**
 * Seed 000 (por-el1-reset-on-exception-entry-vs-lazy-mmu, see docs/background.md):
 *
 * "a thread entered lazy MMU mode in vunmap_pte_range() (inlined) and then an IRQ fired. On
 * the exit path of the IRQ, another thread got scheduled. Later, the original thread was
 * scheduled again, and it so happened that finish_task_switch() had some mm to drop
 * (mmdrop_lazy_tlb_sched(mm)) and we got the last reference on that mm. We then proceed to
 * free the PGD and eventually write to a linear map page table to reset the pkey."
 *
 * Task A (on CPU0) calls vfree() of a two-page vmalloc area. Task B is runnable, about to
 * exit: when it runs it drops its mm (exit_mm) and dies, so its mm's last reference is
 * dropped in the finish_task_switch() of whichever task runs next. IRQs (the timer, which
 * may set need_resched) arrive wherever IRQs are enabled, and preemption on IRQ exit is on.
 */
import { List } from 'immutable';
import { regionBase } from '../hardware/geometry.ts';
import { Mm } from '../kernel/state.ts';
import { vfree } from '../kernel/vmalloc.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { exitingTask, idleTask, machine, runningTask } from './tasks.ts';

export const POR_SEED_INVARIANTS = [
  'pgtable-writes-hold-pgtables-overlay',
  'lazy-section-restores-por',
  'lazy-mmu-calls-balanced',
  'pgtable-pages-carry-pgtables-pkey',
] as const;

const SEED_TRACE = [
  'pageattr_pte_entry',
  'update_range_prot',
  'set_memory_pkey',
  'kpkeys_pgtable_free',
  'pgd_free',
  '__mmdrop',
  'finish_task_switch',
  '__schedule',
  'preempt_schedule_irq',
  'el1_interrupt',
  '__vunmap_range_noflush',
  'vfree',
];

export const seedPorResetLazyMmu: Scenario = {
  name: 'seed-por-reset-lazy-mmu',
  summary: 'vfree() in a lazy MMU section, IRQ, preemption, the last mm reference dropped in finish_task_switch()',
  seed: 'por-el1-reset-on-exception-entry-vs-lazy-mmu.txt',
  invariants: POR_SEED_INVARIANTS,
  // Two IRQs: besides the one that preempts A, one may land anywhere else (in finish_task_switch,
  // in the free path, in B's exit) — the remedies must hold there too.
  params: { irqs: 2, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['ptdump', 'set-direct-map', 'idle'],
  expectations: {
    v6: {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'the seed splat: finish_task_switch() frees a pgd while the task is in a lazy section, the guard is skipped, POR_EL1 is not at PGTABLES',
    },
    v5: {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'TIF_LAZY_MMU is set and the free is not in interrupt context: the guard is skipped after the IRQ reset POR_EL1',
    },
    v4: {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'as v5: the v4 guard skips on TIF_LAZY_MMU alone',
    },
    'v6-atomic-lazy-switch': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'the bug as the seed tells it: arch_enter raised POR_EL1, the IRQ reset it, the switch saved the reset value',
    },
    'v6-no-por-reset': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'the window between enable_count++ and arch_enter_lazy_mmu_mode(): the nested enable only counts, POR_EL1 was never raised',
    },
    'v6-no-por-reset-atomic-lazy-switch': {
      verdict: 'pass',
      why: 'no reset and no window: whenever the section is active POR_EL1 is raised, and the switch saves and restores it',
    },
    'v6-pause-lazy-mmu-in-finish-task-switch': {
      verdict: 'pass',
      why: 'finish_task_switch() runs with lazy MMU paused, so the free takes the guard',
    },
    'v6-guard-checks-live-por': {
      verdict: 'pass',
      why: 'the guard raises POR_EL1 whenever it is not already at PGTABLES',
    },
    'no-batching': { verdict: 'pass', why: 'every write raises and restores POR_EL1 itself' },
    'v6-barriers-then-restore': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'the order inside arch_leave_lazy_mmu_mode() does not matter to the seed: the fault is in the enter window or after the reset, before any leave',
    },
    'v6-hook-then-count': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'with the enable_count store after the hook the enter window closes, but the reset still lowers POR_EL1 under the batch, and the leave window opens',
    },
    'v6-no-por-reset-hook-then-count': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      callTrace: SEED_TRACE,
      why: 'no reset, enable_count stored after the hook: the leave window (POR_EL1 restored, enable_count still 1) lets the nested section in finish_task_switch() skip its guard',
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const vmalloc = [boot.alloc('vmalloc page 0'), boot.alloc('vmalloc page 1')];
    const pgdA = boot.userPgd("A's pgd");
    const pgdB = boot.userPgd("B's pgd");
    const vmStart = regionBase(g, 'vmalloc');
    vmalloc.forEach((pa, i) => boot.map(vmStart + i, pa));
    boot.mapLinear();
    const booted = boot.finish();
    const mms = List([new Mm({ name: "A's mm", pgd: pgdA }), new Mm({ name: "B's mm", pgd: pgdB })]);
    const A = runningTask('A', 1, 0, vfree, { start: vmStart, end: vmStart + vmalloc.length }, 0);
    // B is runnable inside schedule() called from do_exit(): when it runs it exits.
    const B = exitingTask('B', 2, 0, 1);
    return machine(booted, {
      running: [0],
      tasks: [A, B, idleTask(0)],
      mms,
    });
  },
};
