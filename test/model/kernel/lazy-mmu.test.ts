/**
 * Lazy MMU mode steps (include/linux/pgtable.h, arch/arm64/include/asm/pgtable.h with kpkeys
 * batching): the counters, the arch hooks, nesting, and the in_interrupt() bail-out.
 *
 * The seed scenario's model is driven by action labels: task A runs vfree() ->
 * vunmap_pte_range(), a lazy section; B is runnable and exits when it runs.
 */
import { List } from 'immutable';
import { beforeAll, describe, expect, it } from 'vitest';
import { POR_EL1_INIT } from '../../../model/hardware/pkeys.ts';
import { cpuTransitions, fnNamed, fullStackOf, K, settle } from '../../../model/kernel/exec.ts';
import { leafSlot } from '../../../model/kernel/hw.ts';
import { writeArgs } from '../../../model/kernel/kpkeys.ts';
import { Desc } from '../../../model/hardware/descriptor.ts';
import { hasUnpublished } from '../../../model/hardware/memory.ts';
import { regionBase } from '../../../model/hardware/geometry.ts';
import { is_lazy_mmu_mode_active } from '../../../model/kernel/lazy_mmu.ts';
import type { KernelState } from '../../../model/kernel/state.ts';
import { type KernelModel } from '../../../model/kernel-model.ts';
import { A, B, model, initial, run, end, cpu0, task, top, labels } from './seed-driver.ts';

const ENABLE = 'lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()';
const ARCH_ENTER = 'arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU)';
const XCHG = '__ptep_get_and_clear: xchg_relaxed';
const DISABLE = 'lazy_mmu_mode_disable: if (--state->enable_count == 0)';
const ARCH_LEAVE = 'arch_leave_lazy_mmu_mode: kpkeys_restore_pkey_reg';
const IRQ = 'IRQ (timer)';
const RESCHED = '[resched_curr(): set need_resched]';
const NO_RESCHED = '[no reschedule]';
const IRQ_EXIT = 'irq_exit_rcu()';
const PSI_ENTER = 'preempt_schedule_irq: preempt_disable(); local_irq_enable()';
const RQ_LOCK = '__schedule: local_irq_disable(); rq_lock(rq)';
const SWITCH_B = '[switch to B]';
const SWITCH_A = '[switch to A]';
const FINISH_LOCK = 'finish_task_switch: finish_lock_switch(rq)';
const B_SCHEDULE_RET = 'B: schedule: sched_preempt_enable_no_resched()';
const EXIT_MM = 'exit_mm: mmgrab_lazy_tlb(mm)';
const TASK_DEAD = 'do_task_dead: set_special_state(TASK_DEAD)';
const MMDROP = 'mmdrop: if (unlikely(atomic_dec_and_test(&mm->mm_count))) __mmdrop(mm)';
const PTE_GET = 'pageattr_pte_entry: pte_t val = __ptep_get(pte)';
const SET_PTE = '__set_pte: WRITE_ONCE(*ptep, pte)';
const EMIT = 'emit_pte_barriers: dsb(ishst); isb()';
const FLUSH_TLB = 'flush_tlb_kernel_range: dsb(ishst)';
const PSI_EXIT = 'preempt_schedule_irq: local_irq_disable(); sched_preempt_enable_no_resched()';
const KERNEL_EXIT = 'el1h_64_irq: kernel_exit 1';

/** A enters its section, clears the first pte, is interrupted and preempted; B runs, exits, and A is back in finish_task_switch(). */
const TO_NESTED_ENABLE = [ENABLE, ARCH_ENTER, XCHG, IRQ, RESCHED, IRQ_EXIT, PSI_ENTER, RQ_LOCK, SWITCH_B, FINISH_LOCK, B_SCHEDULE_RET, EXIT_MM, TASK_DEAD, RQ_LOCK, SWITCH_A, FINISH_LOCK, MMDROP];

describe('lazy_mmu_mode_enable: the counter and arch_enter_lazy_mmu_mode()', () => {
  it('initially A is at the counter update, with the in_interrupt() check already passed', () => {
    const s = initial(model());
    expect(fullStackOf(task(s, A))).toEqual(['lazy_mmu_mode_enable', 'vunmap_pte_range', '__vunmap_range_noflush', 'remove_vm_area', 'vfree']);
    expect(task(s, A).stack.at(-1)!.pc).toBe(2); // past the in_interrupt() check and the counter-order branch
    expect(task(s, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 0, pause_count: 0 });
    expect(cpu0(s).por_el1).toBe(POR_EL1_INIT);
    expect(labels(model(), s)).toEqual([`CPU0 A: ${ENABLE}`, `CPU0 A: ${IRQ}`]);
  });

  it('by default enable_count++ and arch_enter are two steps: enable_count is 1 while POR_EL1 is still 0x17', () => {
    const m = model();
    const [, s1, s2] = run(m, [ENABLE, ARCH_ENTER]);
    expect(task(s1, A).lazy_mmu_state.enable_count).toBe(1);
    expect(cpu0(s1).por_el1).toBe(0x17);
    expect(task(s1, A).tif_lazy_mmu).toBe(false);
    expect(task(s1, A).ghost_section_por.toArray()).toEqual([0x17]);
    expect(fullStackOf(task(s1, A)).slice(0, 2)).toEqual(['arch_enter_lazy_mmu_mode', 'lazy_mmu_mode_enable']);
    // The window: an IRQ may come between the two.
    expect(labels(m, s1)).toEqual([`CPU0 A: ${ARCH_ENTER}; por_el1_lazy_mmu = kpkeys_set_level(KPKEYS_LVL_PGTABLES)`, `CPU0 A: ${IRQ}`]);

    expect(task(s2, A).lazy_mmu_state.enable_count).toBe(1);
    expect(cpu0(s2).por_el1).toBe(0x57);
    expect(task(s2, A).tif_lazy_mmu).toBe(true);
    expect(top(s2, A)).toBe('__ptep_get_and_clear');
  });

  it("arch_enter saves POR_EL1_INIT in por_el1_lazy_mmu and raises POR_EL1 to 0x57", () => {
    const [, , s2] = run(model(), [ENABLE, ARCH_ENTER]);
    expect(task(s2, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(cpu0(s2).por_el1).toBe(0x57);
    expect(task(s2, A).tif_lazy_mmu_pending).toBe(false);
    expect(s2.violations.size).toBe(0);
  });

  it('arch_enter saves the live POR_EL1, whatever it is', () => {
    const m = model();
    const [, s1] = run(m, [ENABLE]);
    const odd = s1.setIn(['cpus', 0, 'por_el1'], 0x07) as KernelState;
    const [, s2] = run(m, [ARCH_ENTER], odd);
    expect(task(s2, A).por_el1_lazy_mmu.toArray()).toEqual([0x07]);
    expect(cpu0(s2).por_el1).toBe(0x57);
  });

  it("under atomic-lazy-mode-switch=true enable_count++ and arch_enter are one step", () => {
    const m = model('v6', ['atomic-lazy-mode-switch=true']);
    expect(m.env.knobs.atomicLazyModeSwitch).toBe(true);
    const [, s1] = run(m, [ENABLE]);
    expect(task(s1, A).lazy_mmu_state.enable_count).toBe(1);
    expect(cpu0(s1).por_el1).toBe(0x57);
    expect(task(s1, A).tif_lazy_mmu).toBe(true);
    expect(task(s1, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(top(s1, A)).toBe('__ptep_get_and_clear');
    expect(labels(m, s1)).toEqual([`CPU0 A: ${XCHG}(&pte_val(*ptep), 0)`, `CPU0 A: ${IRQ}`]);
  });

  it('the named design v6-atomic-lazy-switch does the same', () => {
    const [, s1] = run(model('v6-atomic-lazy-switch'), [ENABLE]);
    expect(task(s1, A).lazy_mmu_state.enable_count).toBe(1);
    expect(cpu0(s1).por_el1).toBe(0x57);
  });

  it('saved-por-storage=per-level pushes a slot per arch_enter', () => {
    const [, , s2] = run(model('v6', ['saved-por-storage=per-level']), [ENABLE, ARCH_ENTER]);
    expect(task(s2, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT, POR_EL1_INIT]);
  });

  it('batching-guard=none: arch_enter neither saves nor raises POR_EL1 and is not a step of its own', () => {
    const m = model('no-batching');
    const [, s1] = run(m, [ENABLE]);
    expect(task(s1, A).lazy_mmu_state.enable_count).toBe(1);
    expect(task(s1, A).tif_lazy_mmu).toBe(true);
    expect(cpu0(s1).por_el1).toBe(POR_EL1_INIT);
    expect(task(s1, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(top(s1, A)).toBe('__ptep_get_and_clear');
  });
});

describe('lazy_mmu_mode_disable: the outermost one calls arch_leave', () => {
  it('the whole section of vunmap_pte_range(): disable drops the count, arch_leave restores POR_EL1', () => {
    const m = model();
    const states = run(m, [ENABLE, ARCH_ENTER, XCHG, XCHG, DISABLE, ARCH_LEAVE]);
    const [, , , , , afterDisable, afterLeave] = states;
    expect(task(afterDisable, A).lazy_mmu_state.enable_count).toBe(0);
    expect(cpu0(afterDisable).por_el1).toBe(0x57);
    expect(task(afterDisable, A).tif_lazy_mmu).toBe(true);
    expect(fullStackOf(task(afterDisable, A)).slice(0, 2)).toEqual(['arch_leave_lazy_mmu_mode', 'lazy_mmu_mode_disable']);

    expect(task(afterLeave, A).lazy_mmu_state.enable_count).toBe(0);
    expect(cpu0(afterLeave).por_el1).toBe(POR_EL1_INIT);
    expect(task(afterLeave, A).tif_lazy_mmu).toBe(false);
    expect(task(afterLeave, A).ghost_section_por.size).toBe(0);
    expect(task(afterLeave, A).stack.length).toBe(0);
    expect(afterLeave.violations.size).toBe(0);
    expect(m.actions(afterLeave)).toEqual([]);
    // Clearing ptes queues no barrier: the two stores are still unpublished (the lazy vmap purge flushes later).
    expect(task(afterLeave, A).tif_lazy_mmu_pending).toBe(false);
    expect(afterLeave.memory.pending.size).toBe(2);
  });

  it('arch_leave restores the saved value, not POR_EL1_INIT', () => {
    const m = model();
    const [, , , , , afterDisable] = run(m, [ENABLE, ARCH_ENTER, XCHG, XCHG, DISABLE]);
    const saved37 = afterDisable.setIn(['tasks', A, 'por_el1_lazy_mmu'], List([0x37])) as KernelState;
    const [, afterLeave] = run(m, [ARCH_LEAVE], saved37);
    expect(cpu0(afterLeave).por_el1).toBe(0x37);
  });

  it('under atomic-lazy-mode-switch the counter update and arch_leave are one step', () => {
    const m = model('v6', ['atomic-lazy-mode-switch=true']);
    const [, , , , afterDisable] = run(m, [ENABLE, XCHG, XCHG, DISABLE]);
    expect(task(afterDisable, A).lazy_mmu_state.enable_count).toBe(0);
    expect(cpu0(afterDisable).por_el1).toBe(POR_EL1_INIT);
    expect(task(afterDisable, A).tif_lazy_mmu).toBe(false);
    expect(task(afterDisable, A).stack.length).toBe(0);
  });
});

describe('nested sections: the finish_task_switch() path of the seed (pgd_free -> update_range_prot)', () => {
  // Without the POR reset, A is switched out at 0x57 and back in at 0x57: the nested section completes.
  const m = model('v6-no-por-reset');
  let beforeNested: KernelState;
  let afterNested: KernelState;
  beforeAll(() => {
    const states = run(m, [...TO_NESTED_ENABLE, ENABLE]);
    beforeNested = states[states.length - 2];
    afterNested = end(states);
  });

  it('A reaches the nested lazy_mmu_mode_enable() in pgd_free with its own section still open', () => {
    expect(fullStackOf(task(beforeNested, A)).slice(0, 9)).toEqual([
      'lazy_mmu_mode_enable',
      'update_range_prot',
      '__change_memory_common',
      'set_memory_pkey',
      'kpkeys_pgtable_free',
      'pgd_free',
      '__mmdrop',
      'mmdrop',
      'mmdrop_lazy_tlb_sched',
    ]);
    expect(task(beforeNested, A).lazy_mmu_state.enable_count).toBe(1);
    expect(cpu0(beforeNested).por_el1).toBe(0x57);
  });

  it('the nested enable only counts: no arch_enter, the saved slot is not overwritten', () => {
    expect(task(afterNested, A).lazy_mmu_state.enable_count).toBe(2);
    expect(cpu0(afterNested).por_el1).toBe(0x57);
    expect(task(afterNested, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(task(afterNested, A).ghost_section_por.toArray()).toEqual([POR_EL1_INIT]);
    expect(top(afterNested, A)).toBe('pageattr_pte_entry');
    expect(fullStackOf(task(afterNested, A))).not.toContain('arch_enter_lazy_mmu_mode');
  });

  it('inside the nested section the write queues barriers (TIF_LAZY_MMU_PENDING); the nested disable flushes them without leaving', () => {
    const [, afterGet, afterStore, afterDisable, afterEmit] = run(m, [PTE_GET, SET_PTE, DISABLE, EMIT], afterNested);
    expect(cpu0(afterGet).por_el1).toBe(0x57);
    // v6 guard skipped (lazy MMU active), the store went through at 0x57 and is not yet published.
    expect(afterStore.oops).toBeNull();
    expect(cpu0(afterStore).por_el1).toBe(0x57);
    expect(task(afterStore, A).tif_lazy_mmu_pending).toBe(true);
    expect(afterStore.memory.pending.size).toBe(1);
    expect(afterStore.memory.pending.first()!.cpus.toArray()).toEqual([0]);

    expect(task(afterDisable, A).lazy_mmu_state.enable_count).toBe(1);
    expect(task(afterDisable, A).tif_lazy_mmu_pending).toBe(false);
    expect(task(afterDisable, A).tif_lazy_mmu).toBe(true);
    expect(cpu0(afterDisable).por_el1).toBe(0x57);
    expect(fullStackOf(task(afterDisable, A)).slice(0, 3)).toEqual(['emit_pte_barriers', 'arch_flush_lazy_mmu_mode', 'lazy_mmu_mode_disable']);
    expect(afterEmit.memory.pending.size).toBe(0);
    expect(task(afterEmit, A).ghost_section_por.toArray()).toEqual([POR_EL1_INIT]);
  });

  it('A then returns from the IRQ and its outermost disable restores POR_EL1_INIT, with no violation', () => {
    const tail = run(m, [PTE_GET, SET_PTE, DISABLE, EMIT, FLUSH_TLB, PSI_EXIT, KERNEL_EXIT, XCHG, DISABLE, ARCH_LEAVE], afterNested);
    const afterOuterDisable = tail[tail.length - 2];
    const last = end(tail);
    expect(task(afterOuterDisable, A).lazy_mmu_state.enable_count).toBe(0);
    expect(cpu0(afterOuterDisable).por_el1).toBe(0x57);
    expect(cpu0(last).por_el1).toBe(POR_EL1_INIT);
    expect(task(last, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 0, pause_count: 0 });
    expect(task(last, A).tif_lazy_mmu).toBe(false);
    expect(task(last, A).stack.length).toBe(0);
    expect(last.violations.size).toBe(0);
    expect(last.oops).toBeNull();
    expect(last.mms.get(1)!.freed).toBe(true);
    expect(last.pgtable_role.get(last.mms.get(1)!.pgd)).toBe('free');
  });

  it('with the POR reset (v6) the nested enable happens at POR_EL1_INIT and the write faults', () => {
    const v6 = model('v6');
    const s = run(v6, [...TO_NESTED_ENABLE, ENABLE, PTE_GET, SET_PTE]);
    const nested = s[s.length - 3];
    expect(task(nested, A).lazy_mmu_state.enable_count).toBe(2);
    expect(cpu0(nested).por_el1).toBe(POR_EL1_INIT);
    expect(task(nested, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(end(s).oops!.message).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
    expect([...end(s).violations.keys()]).toEqual(['pgtable-writes-hold-pgtables-overlay']);
  });
});

describe('pause/resume around finish_task_switch() (design v6-pause-lazy-mmu-in-finish-task-switch)', () => {
  const m = model('v6-pause-lazy-mmu-in-finish-task-switch');
  const PAUSE = 'lazy_mmu_mode_pause: if (state->pause_count++ == 0 && state->enable_count > 0)';
  const RESUME = 'lazy_mmu_mode_resume: if (--state->pause_count == 0 && state->enable_count > 0)';
  const TO_A_PAUSED = [ENABLE, ARCH_ENTER, XCHG, IRQ, RESCHED, IRQ_EXIT, PSI_ENTER, RQ_LOCK, SWITCH_B, PAUSE, FINISH_LOCK, RESUME, B_SCHEDULE_RET, EXIT_MM, TASK_DEAD, RQ_LOCK, SWITCH_A, PAUSE, ARCH_LEAVE];
  let states: KernelState[] = [];
  beforeAll(() => {
    states = run(m, [...TO_A_PAUSED, FINISH_LOCK, MMDROP, PTE_GET, '__set_pte: kpkeys_set_level', SET_PTE, '__set_pte: kpkeys_restore_pkey_reg', EMIT, FLUSH_TLB, RESUME, ARCH_ENTER]);
  });
  /** The state after the `n`th step of the path. */
  const at = (n: number) => states[n];

  it("B's pause and resume only count (B is not in a section)", () => {
    const bPaused = at(10);
    expect(task(bPaused, B).lazy_mmu_state.toJS()).toEqual({ enable_count: 0, pause_count: 1 });
    expect(cpu0(bPaused).por_el1).toBe(POR_EL1_INIT);
    expect(task(at(12), B).lazy_mmu_state.toJS()).toEqual({ enable_count: 0, pause_count: 0 });
  });

  it("A's outermost pause calls arch_leave: POR_EL1 back to the saved value, TIF_LAZY_MMU cleared", () => {
    const paused = at(18);
    expect(task(paused, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 1, pause_count: 1 });
    expect(fullStackOf(task(paused, A)).slice(0, 3)).toEqual(['arch_leave_lazy_mmu_mode', 'lazy_mmu_mode_pause', 'finish_task_switch']);
    const left = at(19);
    expect(cpu0(left).por_el1).toBe(POR_EL1_INIT);
    expect(task(left, A).tif_lazy_mmu).toBe(false);
  });

  it('while paused the nested enable returns at once and the write takes the kpkeys guard', () => {
    const atWalk = at(21);
    expect(top(atWalk, A)).toBe('pageattr_pte_entry');
    expect(task(atWalk, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 1, pause_count: 1 });
    expect(cpu0(at(23)).por_el1).toBe(0x57);
    expect(at(24).oops).toBeNull();
    expect(cpu0(at(25)).por_el1).toBe(POR_EL1_INIT);
    // Not batching: queue_pte_barriers() emitted the barrier at once.
    expect(task(at(25), A).tif_lazy_mmu_pending).toBe(false);
    expect(top(at(25), A)).toBe('emit_pte_barriers');
  });

  it('the outermost resume calls arch_enter again: POR_EL1 raised, the live value saved', () => {
    const resumed = at(28);
    expect(task(resumed, A).lazy_mmu_state.toJS()).toEqual({ enable_count: 1, pause_count: 0 });
    expect(fullStackOf(task(resumed, A)).slice(0, 2)).toEqual(['arch_enter_lazy_mmu_mode', 'lazy_mmu_mode_resume']);
    const entered = end(states);
    expect(cpu0(entered).por_el1).toBe(0x57);
    expect(task(entered, A).tif_lazy_mmu).toBe(true);
    expect(task(entered, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    expect(entered.violations.size).toBe(0);
  });
});

describe('the in_interrupt() bail-out (commit b81c688426a9)', () => {
  /** The initial state with A back at the start of lazy_mmu_mode_enable, on a CPU in hardirq (or softirq) context. */
  function inInterrupt(m: KernelModel, which: 'hardirq_count' | 'softirq_count' = 'hardirq_count'): KernelState {
    const s = initial(m);
    const stack = task(s, A).stack;
    return s
      .setIn(['tasks', A, 'stack'], stack.with(stack.length - 1, stack.at(-1)!.set('pc', 0)))
      .setIn(['cpus', 0, which], 1) as KernelState;
  }
  const enableSteps = fnNamed('lazy_mmu_mode_enable').steps;
  const disableSteps = fnNamed('lazy_mmu_mode_disable').steps;

  it("'immediate' (v6): enable in hardirq context returns at once; enable_count is untouched", () => {
    const m = model('v6');
    expect(m.env.knobs.lazyMmuInInterrupt).toBe('immediate');
    const k = new K(inInterrupt(m), 0, m.env);
    expect(k.in_interrupt()).toBe(true);
    const r = enableSteps[0].run(k) as K;
    expect(r.moved).toBe(true);
    expect(r.task.lazy_mmu_state.enable_count).toBe(0);
    expect(fullStackOf(r.task)).toEqual(['vunmap_pte_range', '__vunmap_range_noflush', 'remove_vm_area', 'vfree']);
    expect(r.cpu.por_el1).toBe(POR_EL1_INIT);
  });

  it("'immediate': the same in softirq context", () => {
    const m = model('v6');
    const r = enableSteps[0].run(new K(inInterrupt(m, 'softirq_count'), 0, m.env)) as K;
    expect(r.task.lazy_mmu_state.enable_count).toBe(0);
    expect(r.frame.fn).toBe('vunmap_pte_range');
  });

  it("'batch': enable in hardirq context counts on the interrupted task and enters", () => {
    const m = model('v6', ['lazy-mmu-in-interrupt=batch']);
    const k0 = new K(inInterrupt(m), 0, m.env);
    const r0 = enableSteps[0].run(k0) as K;
    expect(r0.frame.fn).toBe('lazy_mmu_mode_enable');
    expect(r0.frame.pc).toBe(1);
    // Step 1 is the lazy-mmu-counter-order branch (count-then-hook: on to step 2).
    const rb = enableSteps[1].run(new K(r0.s, 0, m.env)) as K;
    expect(rb.frame.pc).toBe(2);
    const r1 = enableSteps[2].run(new K(rb.s, 0, m.env)) as K;
    expect(r1.task.lazy_mmu_state.enable_count).toBe(1);
    expect(r1.frame.fn).toBe('arch_enter_lazy_mmu_mode');
  });

  it('outside interrupt context enable goes on to the counter', () => {
    const m = model('v6');
    const s = inInterrupt(m).setIn(['cpus', 0, 'hardirq_count'], 0) as KernelState;
    const r = enableSteps[0].run(new K(s, 0, m.env)) as K;
    expect(r.frame.fn).toBe('lazy_mmu_mode_enable');
    expect(r.frame.pc).toBe(1);
  });

  it('enable with pause_count > 0 (counters) returns at once', () => {
    const m = model('v6');
    const s = inInterrupt(m).setIn(['cpus', 0, 'hardirq_count'], 0).setIn(['tasks', A, 'lazy_mmu_state', 'pause_count'], 1) as KernelState;
    const r = enableSteps[0].run(new K(s, 0, m.env)) as K;
    expect(r.frame.fn).toBe('vunmap_pte_range');
    expect(r.task.lazy_mmu_state.enable_count).toBe(0);
  });

  it("disable in hardirq context returns at once under 'enable-and-disable'", () => {
    const m = model('v6');
    const k = new K(inInterrupt(m), 0, m.env).pushFrame(fnNamed('lazy_mmu_mode_disable'));
    const r = disableSteps[0].run(k) as K;
    expect(r.moved).toBe(true);
    expect(r.task.lazy_mmu_state.enable_count).toBe(0);
    expect(r.frame.fn).toBe('lazy_mmu_mode_enable');
    expect(r.s.violations.size).toBe(0);
  });

  it("with lazy-mmu-bailout=enable-only, disable in hardirq context underflows enable_count (recorded)", () => {
    const m = model('v6', ['lazy-mmu-bailout=enable-only']);
    const k = new K(inInterrupt(m), 0, m.env).pushFrame(fnNamed('lazy_mmu_mode_disable'));
    const atCounter = settle(k, []);
    expect(atCounter.frame.fn).toBe('lazy_mmu_mode_disable');
    expect(atCounter.frame.pc).toBe(2); // past the bail-out and the counter-order branch
    const r = disableSteps[2].run(new K(atCounter.s, 0, m.env)) as K;
    expect(r.task.lazy_mmu_state.enable_count).toBe(-1);
    const v = r.s.violations.get('lazy-mmu-calls-balanced')!;
    expect(v.message).toBe('enable_count of A would go below zero');
    expect(v.task).toBe('A');
  });

  it('is_lazy_mmu_mode_active() is false in interrupt context under immediate, true under batch', () => {
    const base = (m: KernelModel) => inInterrupt(m).setIn(['tasks', A, 'lazy_mmu_state', 'enable_count'], 1) as KernelState;
    const imm = model('v6');
    expect(is_lazy_mmu_mode_active(new K(base(imm), 0, imm.env))).toBe(false);
    expect(is_lazy_mmu_mode_active(new K(base(imm).setIn(['cpus', 0, 'hardirq_count'], 0) as KernelState, 0, imm.env))).toBe(true);
    const batch = model('v6', ['lazy-mmu-in-interrupt=batch']);
    expect(is_lazy_mmu_mode_active(new K(base(batch), 0, batch.env))).toBe(true);
  });

  describe('through the scenario: the pgd freed from softirq (PREEMPT_RT: mmdrop_sched defers to RCU)', () => {
    // A is preempted in its section; B exits; A's finish_task_switch() defers the free to RCU;
    // a second IRQ runs the RCU softirq on its exit, which frees the pgd in softirq context.
    const PATH = [
      ENABLE, ARCH_ENTER, XCHG, IRQ, RESCHED, IRQ_EXIT, PSI_ENTER, RQ_LOCK, SWITCH_B,
      FINISH_LOCK, B_SCHEDULE_RET, EXIT_MM, TASK_DEAD, RQ_LOCK, SWITCH_A,
      FINISH_LOCK, 'mmdrop_sched: if (atomic_dec_and_test', PSI_EXIT, KERNEL_EXIT,
      IRQ, NO_RESCHED, IRQ_EXIT, '__do_softirq: __local_bh_disable_ip(SOFTIRQ_OFFSET)',
    ];

    it("'immediate': the softirq's update_range_prot() does not touch A's enable_count; the guard raises POR_EL1 for the write", () => {
      const m = model('v6', ['preemption=rt'], { params: { irqs: 2 } });
      const states = run(m, [...PATH, PTE_GET, '__set_pte: kpkeys_set_level(KPKEYS_LVL_PGTABLES)', SET_PTE]);
      const inSoftirq = states[PATH.length];
      expect(cpu0(inSoftirq).softirq_count).toBe(1);
      expect(top(inSoftirq, A)).toBe('pageattr_pte_entry');
      expect(fullStackOf(task(inSoftirq, A))).toContain('rcu_core');
      expect(task(inSoftirq, A).lazy_mmu_state.enable_count).toBe(1);
      expect(cpu0(inSoftirq).por_el1).toBe(POR_EL1_INIT);
      const stored = end(states);
      expect(stored.oops).toBeNull();
      expect(cpu0(stored).por_el1).toBe(0x57);
      expect(stored.violations.size).toBe(0);
    });

    it("'batch': the softirq counts on A (enable_count 2), the guard is skipped and the write faults", () => {
      const m = model('v6', ['preemption=rt', 'lazy-mmu-in-interrupt=batch'], { params: { irqs: 2 } });
      const states = run(m, [...PATH, ENABLE, PTE_GET, SET_PTE]);
      const counted = states[PATH.length + 1];
      expect(cpu0(counted).softirq_count).toBe(1);
      expect(task(counted, A).lazy_mmu_state.enable_count).toBe(2);
      expect(cpu0(counted).por_el1).toBe(POR_EL1_INIT);
      expect(end(states).oops!.message).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
      expect(end(states).oops!.callTrace.toArray()).toEqual([
        'pageattr_pte_entry',
        'walk_pgd_range',
        'walk_kernel_page_table_range_lockless',
        'update_range_prot',
        'set_memory_pkey',
        'kpkeys_pgtable_free',
        'pgd_free',
        '__mmdrop',
        '__mmdrop_delayed',
        'rcu_core',
        '__do_softirq',
        'el1_interrupt',
        'el1h_64_irq',
        '__vunmap_range_noflush',
        'remove_vm_area',
        'vfree',
      ]);
    });
  });
});

describe('queue_pte_barriers() after a page-table write: only valid kernel entries owe barriers', () => {
  /**
   * `s` with a __set_pte() of the first vmalloc pte pushed on A (as if called from where A is),
   * storing `make(old entry)`; local steps run, so A is at the writer's first event.
   */
  function withSetPte(m: KernelModel, s: KernelState, make: (old: Desc) => Desc): KernelState {
    const k = new K(s, 0, m.env);
    const slot = leafSlot(k, regionBase(m.env.geometry, 'vmalloc'))!;
    expect(slot.level).toBe(3);
    const value = make(slot.entry as Desc);
    return settle(k.pushFrame(fnNamed('__set_pte'), writeArgs({ table: slot.table, index: slot.index, level: 3, value })), []).s;
  }

  /** Runs CPU0's next event (it must have one outcome), then its local steps. */
  function step(m: KernelModel, s: KernelState, expectLabel: string): KernelState {
    const ts = cpuTransitions(s, 0, m.env, 'CPU0');
    expect(ts.map((t) => t.label)).toEqual([expectLabel]);
    return ts[0].state;
  }

  const STORE = 'CPU0 A: __set_pte: WRITE_ONCE(*ptep, pte)';
  const RAISE = 'CPU0 A: __set_pte: kpkeys_set_level(KPKEYS_LVL_PGTABLES)';
  const RESTORE = 'CPU0 A: __set_pte: kpkeys_restore_pkey_reg(saved_por)';

  it('inside an active section a valid store sets TIF_LAZY_MMU_PENDING and emits nothing', () => {
    const m = model('v6');
    const inSection = end(run(m, [ENABLE, ARCH_ENTER]));
    const s0 = withSetPte(m, inSection, (old) => old.set('rdonly', true));
    const s1 = step(m, s0, STORE);
    expect(task(s1, A).tif_lazy_mmu_pending).toBe(true);
    expect(hasUnpublished(s1.memory, 0)).toBe(true);
    expect(top(s1, A)).toBe('__ptep_get_and_clear');
  });

  it('outside lazy MMU mode a valid store emits dsb(ishst); isb() at once', () => {
    const m = model('v6');
    const s0 = withSetPte(m, initial(m), (old) => old.set('rdonly', true));
    const s3 = step(m, step(m, step(m, s0, RAISE), STORE), RESTORE);
    expect(top(s3, A)).toBe('emit_pte_barriers');
    const s4 = step(m, s3, 'CPU0 A: emit_pte_barriers: dsb(ishst); isb()');
    expect(hasUnpublished(s4.memory, 0)).toBe(false);
  });

  // BUG (model/kernel/kpkeys.ts:83): the writer queues barriers whenever `value` is a Desc, also
  // when PTE_VALID is clear (set_memory_valid(addr, n, 0)); the kernel's __set_pte_complete()
  // and set_pmd()/set_pud() queue them only `if (pte_valid_not_user(pte))` / `if (pmd_valid(pmd))`.
  it('inside an active section a store with PTE_VALID clear does not set TIF_LAZY_MMU_PENDING', () => {
    const m = model('v6');
    const inSection = end(run(m, [ENABLE, ARCH_ENTER]));
    const s0 = withSetPte(m, inSection, (old) => old.set('valid', false));
    const s1 = step(m, s0, STORE);
    expect(task(s1, A).tif_lazy_mmu_pending).toBe(false);
  });

  it('outside lazy MMU mode a store with PTE_VALID clear emits no barrier (the TLBI after it does)', () => {
    const m = model('v6');
    const s0 = withSetPte(m, initial(m), (old) => old.set('valid', false));
    const s3 = step(m, step(m, step(m, s0, RAISE), STORE), RESTORE);
    expect(fullStackOf(task(s3, A))[0]).toBe('lazy_mmu_mode_enable');
    expect(hasUnpublished(s3.memory, 0)).toBe(true);
  });
});
