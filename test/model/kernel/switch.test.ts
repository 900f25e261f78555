/**
 * Context switch (kernel/sched/core.c context_switch, arch/arm64/kernel/process.c __switch_to
 * with the kpkeys POR_EL1 switch): the live POR_EL1 is saved in prev->thread.por_el1 and
 * next->thread.por_el1 loaded; dsb(ish) publishes page-table stores; lazy MMU state and the
 * TIF flags stay with their task.
 */
import { describe, expect, it } from 'vitest';
import { hasUnpublished } from '../../../model/hardware/memory.ts';
import { POR_EL1_INIT } from '../../../model/hardware/pkeys.ts';
import { fullStackOf } from '../../../model/kernel/exec.ts';
import type { KernelState } from '../../../model/kernel/state.ts';
import { kernelFacts } from '../../../model/kernel-model.ts';
import { A, B, model, run, end, cpu0, task } from './seed-driver.ts';

const ENABLE = 'lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()';
const ARCH_ENTER = 'arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU)';
const XCHG = '__ptep_get_and_clear: xchg_relaxed';
const IRQ = 'IRQ (timer)';
const RESCHED = '[resched_curr(): set need_resched]';
const IRQ_EXIT = 'irq_exit_rcu()';
const PSI_ENTER = 'preempt_schedule_irq: preempt_disable(); local_irq_enable()';
const RQ_LOCK = '__schedule: local_irq_disable(); rq_lock(rq)';
const SWITCH_B = '[switch to B]';
const SWITCH_A = '[switch to A]';
const A_AGAIN = '[A again: rq_unlock_irq(rq)]';
const FINISH_LOCK = 'finish_task_switch: finish_lock_switch(rq)';
const B_SCHEDULE_RET = 'B: schedule: sched_preempt_enable_no_resched()';
const EXIT_MM = 'exit_mm: mmgrab_lazy_tlb(mm)';
const TASK_DEAD = 'do_task_dead: set_special_state(TASK_DEAD)';

/** A in its lazy section (POR raised), one pte cleared and not yet published, interrupted with need_resched. */
const TO_PICK = [ENABLE, ARCH_ENTER, XCHG, IRQ, RESCHED, IRQ_EXIT, PSI_ENTER, RQ_LOCK];
const B_RUNS_AND_EXITS = [FINISH_LOCK, B_SCHEDULE_RET, EXIT_MM, TASK_DEAD, RQ_LOCK];

describe('__switch_to: POR_EL1 save/load (v6-no-por-reset: A is switched out at 0x57)', () => {
  const m = model('v6-no-por-reset');

  it('before the switch: POR_EL1 0x57, a page-table store unpublished, both tasks at thread.por_el1 = 0x17', () => {
    const s = end(run(m, TO_PICK));
    expect(cpu0(s).por_el1).toBe(0x57);
    expect(hasUnpublished(s.memory, 0)).toBe(true);
    expect(s.memory.pending.size).toBe(1);
    expect(task(s, A).thread_por_el1).toBe(POR_EL1_INIT);
    expect(task(s, B).thread_por_el1).toBe(POR_EL1_INIT);
    expect([...m.actions(s)].map((a) => a.label)).toEqual([
      `CPU0 A: __schedule: next = pick_next_task(rq, prev); clear_tsk_need_resched(prev) ${A_AGAIN}`,
      `CPU0 A: __schedule: next = pick_next_task(rq, prev); clear_tsk_need_resched(prev) ${SWITCH_B}`,
    ]);
  });

  it("A -> B: A's live POR_EL1 saved in A.thread_por_el1, B's loaded; stores published", () => {
    const s = end(run(m, [...TO_PICK, SWITCH_B]));
    const c = cpu0(s);
    expect(c.curr).toBe(B);
    expect(c.por_el1).toBe(POR_EL1_INIT);
    expect(task(s, A).thread_por_el1).toBe(0x57);
    expect(task(s, B).thread_por_el1).toBe(POR_EL1_INIT);
    expect(hasUnpublished(s.memory, 0)).toBe(false);
    expect(s.memory.pending.size).toBe(0);
    expect(c.need_resched).toBe(false);
    expect(c.preempt_count).toBe(1);
    expect(c.irqs_disabled).toBe(true);
  });

  it('lazy MMU state and TIF flags stay with A while B runs', () => {
    const s = end(run(m, [...TO_PICK, SWITCH_B]));
    expect(task(s, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 1, pause_count: 0 });
    expect(task(s, A).tif_lazy_mmu).toBe(true);
    expect(task(s, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(task(s, B).lazy_mmu_state.toJS()).toEqual({ enable_count: 0, pause_count: 0 });
    expect(task(s, B).tif_lazy_mmu).toBe(false);
    const facts = kernelFacts(s, m.env);
    expect(facts.cpus[0]).toMatchObject({ task: 'B', lazyMmuActive: false, porGrantsPgtablesWrite: false, por: POR_EL1_INIT });
    expect(facts.tasks.map((t) => [t.name, t.enableCount])).toEqual([
      ['A', 1],
      ['B', 0],
    ]);
  });

  it('TIF_LAZY_MMU_PENDING travels with A, not with the CPU', () => {
    const before = end(run(m, TO_PICK)).setIn(['tasks', A, 'tif_lazy_mmu_pending'], true) as KernelState;
    const states = run(m, [SWITCH_B, ...B_RUNS_AND_EXITS, SWITCH_A], before);
    const bRunning = states[1];
    expect(task(bRunning, A).tif_lazy_mmu_pending).toBe(true);
    expect(task(bRunning, B).tif_lazy_mmu_pending).toBe(false);
    const aBack = end(states);
    expect(task(aBack, A).tif_lazy_mmu_pending).toBe(true);
    expect(task(aBack, A).lazy_mmu_state.enable_count).toBe(1);
  });

  it("A's frames stay inside __schedule; B resumes in finish_task_switch", () => {
    const s = end(run(m, [...TO_PICK, SWITCH_B]));
    expect(task(s, A).__state).toBe('runnable');
    expect(task(s, B).__state).toBe('running');
    expect(fullStackOf(task(s, A)).slice(0, 6)).toEqual([
      '__switch_to',
      'context_switch',
      '__schedule',
      'preempt_schedule_irq',
      'raw_irqentry_exit_cond_resched',
      'arm64_exit_to_kernel_mode',
    ]);
    expect(task(s, A).stack.findLast((f) => f.fn === '__schedule')!.pc).toBe(2);
    expect(fullStackOf(task(s, B))).toEqual(['finish_task_switch', 'context_switch', '__schedule', 'schedule', 'do_exit']);
  });

  it("B -> A: B's live POR_EL1 saved in B.thread_por_el1, A's 0x57 loaded; rq->prev_mm is B's mm", () => {
    const beforeSwitchBack = end(run(m, [...TO_PICK, SWITCH_B, ...B_RUNS_AND_EXITS]));
    // B's live POR_EL1 is whatever B left there: make it recognisable.
    const s0 = beforeSwitchBack.setIn(['cpus', 0, 'por_el1'], 0x37) as KernelState;
    const s = end(run(m, [SWITCH_A], s0));
    const c = cpu0(s);
    expect(c.curr).toBe(A);
    expect(c.por_el1).toBe(0x57);
    expect(task(s, B).thread_por_el1).toBe(0x37);
    expect(task(s, A).thread_por_el1).toBe(0x57);
    expect(task(s, B).__state).toBe('dead');
    expect(task(s, B).mm).toBeNull();
    expect(task(s, B).active_mm).toBeNull();
    expect(c.prev_mm).toBe(1);
    expect(task(s, A).__state).toBe('running');
    expect(fullStackOf(task(s, A)).slice(0, 4)).toEqual(['finish_task_switch', 'context_switch', '__schedule', 'preempt_schedule_irq']);
    expect(task(s, A).lazy_mmu_state.enable_count).toBe(1);
    expect(task(s, A).tif_lazy_mmu).toBe(true);
  });

  it('picking A again is no switch: no POR save/load and no dsb', () => {
    const s = end(run(m, [...TO_PICK, A_AGAIN]));
    const c = cpu0(s);
    expect(c.curr).toBe(A);
    expect(c.por_el1).toBe(0x57);
    expect(c.need_resched).toBe(false);
    expect(c.irqs_disabled).toBe(false);
    expect(task(s, A).thread_por_el1).toBe(POR_EL1_INIT);
    expect(hasUnpublished(s.memory, 0)).toBe(true);
    expect(task(s, A).stack.at(-1)!.fn).toBe('preempt_schedule_irq');
  });
});

describe('__switch_to under v6 (POR reset on entry): the switch saves the reset value', () => {
  it("A is switched out at 0x17 although its section raised POR_EL1, and comes back at 0x17 before kernel_exit", () => {
    const m = model('v6');
    const states = run(m, [...TO_PICK, SWITCH_B, ...B_RUNS_AND_EXITS, SWITCH_A]);
    const bRunning = states[TO_PICK.length + 1];
    expect(task(bRunning, A).thread_por_el1).toBe(POR_EL1_INIT);
    expect(task(bRunning, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    const aBack = end(states);
    expect(cpu0(aBack).por_el1).toBe(POR_EL1_INIT);
    expect(task(aBack, A).lazy_mmu_state.enable_count).toBe(1);
    // pt_regs still holds the raised value, for kernel_exit.
    expect(task(aBack, A).stack.findLast((f) => f.fn === 'el1h_64_irq')!.locals.regs_por_el1).toBe(0x57);
  });
});
