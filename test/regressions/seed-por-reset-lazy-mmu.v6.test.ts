/**
 * Regression test emitted by mmcheck for seed-por-reset-lazy-mmu under v6.
 * It rebuilds the scenario, replays the recorded schedule (18 steps) by action label and
 * asserts the violation of pgtable-writes-hold-pgtables-overlay and the call trace.
 * Run it against another design with MMCHECK_DESIGN=<design>: if the design fixes the bug, it
 * fails saying that the violation no longer reproduces, or at which step the schedule diverges.
 */
import { expect, it } from 'vitest';
import { replayTrace } from '../../api/replay.ts';
import '../../api/matchers.ts';
import type { TraceFile } from '../../counterexamples/trace-file.ts';

const trace: TraceFile = {
  "format": "mmcheck-trace",
  "version": 1,
  "scenario": "seed-por-reset-lazy-mmu",
  "design": "v6",
  "params": {
    "irqs": 2,
    "fanout": 4,
    "cpus": 1
  },
  "invariants": [
    "pgtable-writes-hold-pgtables-overlay",
    "lazy-section-restores-por",
    "lazy-mmu-calls-balanced",
    "pgtable-pages-carry-pgtables-pkey",
    "kernel-does-not-oops"
  ],
  "property": "pgtable-writes-hold-pgtables-overlay",
  "message": "Unable to handle kernel write to read-only memory at virtual address ffff00000000b000",
  "callTrace": [
    "pageattr_pte_entry",
    "walk_pgd_range",
    "walk_kernel_page_table_range_lockless",
    "update_range_prot",
    "set_memory_pkey",
    "kpkeys_pgtable_free",
    "pgd_free",
    "__mmdrop",
    "finish_task_switch",
    "__schedule",
    "preempt_schedule_irq",
    "raw_irqentry_exit_cond_resched",
    "arm64_exit_to_kernel_mode",
    "el1_interrupt",
    "el1h_64_irq",
    "lazy_mmu_mode_enable",
    "__vunmap_range_noflush",
    "remove_vm_area",
    "vfree"
  ],
  "steps": [
    {
      "action": "CPU0 A: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: IRQ (timer)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: arch_timer_handler_phys: sched_tick(); rcu_sched_clock_irq() [resched_curr(): set need_resched]",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: el1_interrupt: irq_exit_rcu(): preempt_count_sub(HARDIRQ_OFFSET)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: preempt_schedule_irq: preempt_disable(); local_irq_enable()",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: __schedule: local_irq_disable(); rq_lock(rq)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: __schedule: next = pick_next_task(rq, prev); clear_tsk_need_resched(prev) [switch to B]",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: finish_task_switch: finish_lock_switch(rq): raw_spin_rq_unlock_irq(rq); mm = rq->prev_mm; rq->prev_mm = NULL",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: schedule: sched_preempt_enable_no_resched()",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: exit_mm: mmgrab_lazy_tlb(mm); current->mm = NULL; mmput(mm)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: do_task_dead: set_special_state(TASK_DEAD); preempt_disable()",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: __schedule: local_irq_disable(); rq_lock(rq)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 B: __schedule: next = pick_next_task(rq, prev); clear_tsk_need_resched(prev) [switch to A]",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: finish_task_switch: finish_lock_switch(rq): raw_spin_rq_unlock_irq(rq); mm = rq->prev_mm; rq->prev_mm = NULL",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: mmdrop: if (unlikely(atomic_dec_and_test(&mm->mm_count))) __mmdrop(mm)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: pageattr_pte_entry: pte_t val = __ptep_get(pte)",
      "actor": "CPU0"
    },
    {
      "action": "CPU0 A: __set_pte: WRITE_ONCE(*ptep, pte)",
      "actor": "CPU0"
    }
  ]
};

const design = process.env.MMCHECK_DESIGN ?? trace.design!;

it(`seed-por-reset-lazy-mmu under ${design}: pgtable-writes-hold-pgtables-overlay`, () => {
  const replay = replayTrace(trace, design === trace.design ? {} : { design });
  expect(replay).toReproduce();
  expect(replay.property).toBe("pgtable-writes-hold-pgtables-overlay");
  expect(replay.callTrace).toEqual(trace.callTrace);
});
