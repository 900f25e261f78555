/**
 * Exceptions taken from EL1 (arch/arm64/kernel/entry.S, entry-common.c) with the kpkeys v6
 * patch 7 POR_EL1 handling, per knob: entry saves POR_EL1 in pt_regs and (with the reset)
 * writes POR_EL1_INIT; kernel_exit writes pt_regs->por_el1 back.
 */
import { describe, expect, it } from 'vitest';
import { POR_EL1_INIT } from '../../../model/hardware/pkeys.ts';
import { fullStackOf, K } from '../../../model/kernel/exec.ts';
import type { Frame, KernelState } from '../../../model/kernel/state.ts';
import { type KernelModel } from '../../../model/kernel-model.ts';
import { A, model, run, end, cpu0, task, labels } from './seed-driver.ts';

/** The innermost el1h_64_irq frame of A: the exception's pt_regs. */
const irqFrame = (s: KernelState): Frame | undefined => task(s, A).stack.findLast((f) => f.fn === 'el1h_64_irq');

const ENABLE = 'lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()';
const ARCH_ENTER = 'arch_enter_lazy_mmu_mode: set_thread_flag(TIF_LAZY_MMU)';
const IRQ = 'IRQ (timer)';
const RESCHED = '[resched_curr(): set need_resched]';
const NO_RESCHED = '[no reschedule]';
const IRQ_EXIT = 'irq_exit_rcu()';
const PSI_ENTER = 'preempt_schedule_irq: preempt_disable(); local_irq_enable()';
const KERNEL_EXIT = 'el1h_64_irq: kernel_exit 1: POR_EL1 = regs->por_el1; eret';
/** The two outcomes of the timer tick, as label patterns. */
const TICK_OUTCOMES = [/^CPU0 A: arch_timer_handler_phys: sched_tick\(\).* \[resched_curr\(\): set need_resched\]$/, /^CPU0 A: arch_timer_handler_phys: sched_tick\(\).* \[no reschedule\]$/];
const HANDLER_STACK = ['arch_timer_handler_phys', 'el1_interrupt', 'el1h_64_irq', '__ptep_get_and_clear', 'vunmap_pte_range', '__vunmap_range_noflush', 'remove_vm_area', 'vfree'];

describe('IRQ entry from EL1', () => {
  it('with porResetOnEntry (v6): pt_regs saves POR_EL1 (0x57), POR_EL1 := 0x17, hardirq 1, IRQs masked', () => {
    const m = model('v6');
    expect(m.env.knobs.porResetOnEntry).toBe(true);
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ]));
    const c = cpu0(s);
    expect(c.por_el1).toBe(0x17);
    expect(c.hardirq_count).toBe(1);
    expect(c.softirq_count).toBe(0);
    expect(c.preempt_count).toBe(0);
    expect(c.irqs_disabled).toBe(true);
    expect(s.irqs_left.toArray()).toEqual([1]); // the seed allows 2 IRQs on CPU0; one is taken
    expect(irqFrame(s)!.locals).toEqual({ regs_por_el1: 0x57, regs_irqs_enabled: true, handler: 'arch_timer_handler_phys' });
    expect(irqFrame(s)!.pc).toBe(1);
    expect(fullStackOf(task(s, A))).toEqual(HANDLER_STACK);
    // The interrupted task's lazy MMU state is not touched.
    expect(task(s, A).lazy_mmu_state.enable_count).toBe(1);
    expect(task(s, A).tif_lazy_mmu).toBe(true);
    expect(task(s, A).por_el1_lazy_mmu.toArray()).toEqual([POR_EL1_INIT]);
    const ls = labels(m, s);
    expect(ls).toHaveLength(2);
    ls.forEach((l, i) => expect(l).toMatch(TICK_OUTCOMES[i]));
  });

  it('with v6-no-por-reset: POR_EL1 is unchanged (0x57), still saved in pt_regs', () => {
    const m = model('v6-no-por-reset');
    expect(m.env.knobs.porResetOnEntry).toBe(false);
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ]));
    expect(cpu0(s).por_el1).toBe(0x57);
    expect(cpu0(s).hardirq_count).toBe(1);
    expect(cpu0(s).irqs_disabled).toBe(true);
    expect(irqFrame(s)!.locals.regs_por_el1).toBe(0x57);
    expect(fullStackOf(task(s, A))).toEqual(HANDLER_STACK);
  });

  it('an IRQ in the enable window (after enable_count++, before arch_enter) saves 0x17', () => {
    const s = end(run(model('v6'), [ENABLE, IRQ]));
    expect(cpu0(s).por_el1).toBe(0x17);
    expect(irqFrame(s)!.locals.regs_por_el1).toBe(0x17);
    expect(task(s, A).lazy_mmu_state.enable_count).toBe(1);
    expect(task(s, A).tif_lazy_mmu).toBe(false);
    expect(fullStackOf(task(s, A)).slice(0, 5)).toEqual(['arch_timer_handler_phys', 'el1_interrupt', 'el1h_64_irq', 'arch_enter_lazy_mmu_mode', 'lazy_mmu_mode_enable']);
  });

  it('IRQs are offered only while unmasked and while the bound allows', () => {
    const m = model('v6', [], { params: { irqs: 2 } });
    const states = run(m, [ENABLE, ARCH_ENTER, IRQ, RESCHED, IRQ_EXIT, PSI_ENTER]);
    expect(labels(m, states[3]).some((l) => l.includes(IRQ))).toBe(false); // in the handler: masked
    expect(labels(m, states[5]).some((l) => l.includes(IRQ))).toBe(false); // irq_exit: still masked
    expect(cpu0(states[6]).irqs_disabled).toBe(false); // preempt_schedule_irq enabled them
    expect(states[6].irqs_left.toArray()).toEqual([1]);
    expect(labels(m, states[6])).toEqual(['CPU0 A: __schedule: local_irq_disable(); rq_lock(rq)', 'CPU0 A: IRQ (timer)']);
    // The nested IRQ saves the handler-path POR (0x17) in its own frame.
    const nested = end(run(m, [IRQ], states[6]));
    const frames = task(nested, A).stack.filter((f) => f.fn === 'el1h_64_irq');
    expect(frames.map((f) => f.locals.regs_por_el1)).toEqual([0x57, 0x17]);
    expect(cpu0(nested).hardirq_count).toBe(1);
    expect(cpu0(nested).preempt_count).toBe(1);
  });
});

describe('IRQ exit', () => {
  it('irq_exit_rcu drops the hardirq count; without need_resched the next step is kernel_exit', () => {
    const m = model('v6');
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT]));
    expect(cpu0(s).hardirq_count).toBe(0);
    expect(cpu0(s).irqs_disabled).toBe(true);
    expect(cpu0(s).por_el1).toBe(0x17);
    expect(task(s, A).stack.at(-1)!.fn).toBe('el1h_64_irq');
    expect(labels(m, s)).toEqual([`CPU0 A: ${KERNEL_EXIT}`]);
  });

  it('kernel_exit with the reset restores regs_por_el1 (0x17 -> 0x57) and unmasks IRQs', () => {
    const s = end(run(model('v6'), [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]));
    expect(cpu0(s).por_el1).toBe(0x57);
    expect(cpu0(s).irqs_disabled).toBe(false);
    expect(irqFrame(s)).toBeUndefined();
    expect(task(s, A).stack.at(-1)!.fn).toBe('__ptep_get_and_clear');
    expect(s.violations.size).toBe(0);
  });

  /** The state just before kernel_exit, with POR_EL1 changed to 0x07 behind the handler's back. */
  function beforeExitWithPor(m: KernelModel, por: number): KernelState {
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT]));
    return s.setIn(['cpus', 0, 'por_el1'], por) as KernelState;
  }

  it('kernel_exit with the reset writes pt_regs->por_el1 back whatever POR_EL1 is', () => {
    const m = model('v6');
    const s = end(run(m, [KERNEL_EXIT], beforeExitWithPor(m, 0x07)));
    expect(cpu0(s).por_el1).toBe(0x57);
  });

  it('kernel_exit without the reset (v6-no-por-reset) leaves POR_EL1 alone', () => {
    const m = model('v6-no-por-reset');
    const s = end(run(m, [KERNEL_EXIT], beforeExitWithPor(m, 0x07)));
    expect(cpu0(s).por_el1).toBe(0x07);
    expect(cpu0(s).irqs_disabled).toBe(false);
    expect(irqFrame(s)).toBeUndefined();
  });

  it('v6-no-por-reset: across a whole IRQ POR_EL1 stays 0x57', () => {
    const states = run(model('v6-no-por-reset'), [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]);
    expect(states.slice(2).map((s) => cpu0(s).por_el1)).toEqual([0x57, 0x57, 0x57, 0x57, 0x57]);
  });

  it('por-restore-on-return=false: kernel_exit leaves POR_EL1 at the reset value', () => {
    const m = model('v6', ['por-restore-on-return=false']);
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]));
    expect(cpu0(s).por_el1).toBe(0x17);
  });

  it('need_resched under full preemption: preempt_schedule_irq runs with in_interrupt() false and the exception frame open', () => {
    const m = model('v6');
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ, RESCHED, IRQ_EXIT]));
    expect(cpu0(s).need_resched).toBe(true);
    expect(new K(s, 0, m.env).in_interrupt()).toBe(false);
    expect(fullStackOf(task(s, A)).slice(0, 6)).toEqual([
      'preempt_schedule_irq',
      'raw_irqentry_exit_cond_resched',
      'arm64_exit_to_kernel_mode',
      'el1_interrupt',
      'el1h_64_irq',
      '__ptep_get_and_clear',
    ]);
    expect(cpu0(s).por_el1).toBe(0x17);
  });

  it('need_resched under preemption=none: no preempt_schedule_irq, straight to kernel_exit', () => {
    const m = model('v6', ['preemption=none']);
    const s = end(run(m, [ENABLE, ARCH_ENTER, IRQ, RESCHED, IRQ_EXIT]));
    expect(cpu0(s).need_resched).toBe(true);
    expect(task(s, A).stack.at(-1)!.fn).toBe('el1h_64_irq');
    expect(labels(m, s)).toEqual([`CPU0 A: ${KERNEL_EXIT}`]);
  });
});

describe('the handler-entry and exception-return rule events (el1-handlers-run-with-por-init)', () => {
  const RULE = 'el1-handlers-run-with-por-init';

  it('v6-no-por-reset: an IRQ taken after arch_enter records a violation', () => {
    const m = model('v6-no-por-reset', [], { invariants: [RULE] });
    expect(m.invariants.map((i) => i.name)).toEqual([RULE, 'kernel-does-not-oops']);
    const [, , atEnter, inIrq] = run(m, [ENABLE, ARCH_ENTER, IRQ]);
    expect(atEnter.violations.size).toBe(0);
    expect([...inIrq.violations.keys()]).toEqual([RULE]);
    const v = inIrq.violations.get(RULE)!;
    expect(v.message).toBe('IRQ handler on CPU0 entered with POR_EL1 = 0x57 (pkey1 RW), not POR_EL1_INIT');
    expect(v.cpu).toBe(0);
    expect(v.task).toBe('A');
    expect(v.callTrace.toArray()).toEqual(['arch_timer_handler_phys', 'el1_interrupt', 'el1h_64_irq', '__vunmap_range_noflush', 'remove_vm_area', 'vfree']);
    expect(m.invariants[0].holds(inIrq)).toBe(false);
    expect(m.invariants[0].holds(atEnter)).toBe(true);
  });

  it('v6-no-por-reset: an IRQ in the window (POR_EL1 still 0x17) records nothing', () => {
    const m = model('v6-no-por-reset', [], { invariants: [RULE] });
    const s = end(run(m, [ENABLE, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]));
    expect(s.violations.size).toBe(0);
  });

  it('v6-no-por-reset without that invariant checked: nothing is recorded', () => {
    const s = end(run(model('v6-no-por-reset'), [ENABLE, ARCH_ENTER, IRQ]));
    expect(s.violations.size).toBe(0);
  });

  it('v6: entry with the reset and exit with the restore record nothing', () => {
    const m = model('v6', [], { invariants: [RULE] });
    const states = run(m, [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]);
    expect(states.map((s) => s.violations.size)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('por-restore-on-return=false: the exception return records a violation', () => {
    const m = model('v6', ['por-restore-on-return=false'], { invariants: [RULE] });
    const states = run(m, [ENABLE, ARCH_ENTER, IRQ, NO_RESCHED, IRQ_EXIT, KERNEL_EXIT]);
    expect(states[5].violations.size).toBe(0);
    const v = end(states).violations.get(RULE)!;
    expect(v.message).toBe('exception return on CPU0 left POR_EL1 = 0x17 (pkey1 R), interrupted code had 0x57 (pkey1 RW)');
    expect(v.callTrace.toArray()).toEqual(['el1h_64_irq', '__vunmap_range_noflush', 'remove_vm_area', 'vfree']);
  });
});
