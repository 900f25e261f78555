/**
 * Exceptions taken from EL1: IRQ entry and exit (arch/arm64/kernel/entry.S, entry-common.c,
 * kernel/softirq.c, kernel/entry/common.c), with the kpkeys v6 patch 7 POR_EL1 handling.
 *
 * The IRQ itself is the environment's move (`takeIrq`): it may arrive wherever the running
 * CPU has IRQs unmasked, a bounded number of times per run.
 */
import { POR_EL1_INIT } from '../hardware/pkeys.ts';
import { event, fnNamed, K, kfunc, local, localIn, settle, type KFunction } from './exec.ts';
import { preempt_schedule_irq } from './sched.ts';

/**
 * An IRQ is taken from EL1 on this CPU: the exception masks IRQs, kernel_entry saves POR_EL1
 * in pt_regs and (patch 7) writes POR_EL1_INIT, then enter_from_kernel_mode() and
 * irq_enter_rcu() raise the hardirq count. One atomic step: IRQs are masked throughout.
 */
export function takeIrq(k: K, handler: KFunction): K {
  const por = k.cpu.por_el1;
  const reset = k.knobs.porResetOnEntry;
  k = k
    .setCpu((c) => c.merge({ irqs_disabled: true, por_el1: reset ? POR_EL1_INIT : por, hardirq_count: c.hardirq_count + 1 }))
    .update((s) => s.updateIn(['irqs_left', k.cpuId], (n) => (n as number) - 1))
    .pushFrame(el1h_64_irq, { regs_por_el1: por, regs_irqs_enabled: true, handler: handler.name });
  k = settle(k, []);
  return k.observe({ kind: 'handler-entry', por: k.cpu.por_el1, porEl1Init: POR_EL1_INIT, resetOnEntry: reset });
}

/** The IRQ vector and kernel_exit: the frame that holds pt_regs for this exception. */
export const el1h_64_irq = kfunc('el1h_64_irq', 'arch/arm64/kernel/entry.S', [
  local('el1h_64_irq_handler(regs)', (k) => k.call(el1_interrupt, { handler: k.local('handler') as string })),
  event('kernel_exit 1: POR_EL1 = regs->por_el1; eret', (k) => {
    const saved = k.num('regs_por_el1');
    const restore = k.knobs.porResetOnEntry && k.knobs.porRestoreOnReturn;
    k = k.setCpu((c) => c.merge({ por_el1: restore ? saved : c.por_el1, irqs_disabled: !k.local('regs_irqs_enabled') }));
    if (k.knobs.porResetOnEntry) k = k.observe({ kind: 'exception-return', por: k.cpu.por_el1, interruptedPor: saved });
    return k.ret();
  }),
]);

export const el1_interrupt = kfunc('el1_interrupt', 'arch/arm64/kernel/entry-common.c', [
  local('do_interrupt_handler(regs, handler)', (k) => k.call(fnNamed(k.local('handler') as string))),
  event('irq_exit_rcu(): preempt_count_sub(HARDIRQ_OFFSET)', (k) => k.setCpu((c) => c.set('hardirq_count', c.hardirq_count - 1)).next()),
  local('if (!in_interrupt() && local_softirq_pending()) invoke_softirq()', (k) =>
    !k.in_interrupt() && k.cpu.softirq_pending ? k.call(__do_softirq) : k.next(),
  ),
  local('arm64_exit_to_kernel_mode(regs)', (k) => k.call(arm64_exit_to_kernel_mode)),
]);

export const __do_softirq = kfunc('__do_softirq', 'kernel/softirq.c', [
  event('__local_bh_disable_ip(SOFTIRQ_OFFSET); local_irq_enable()', (k) => {
    const handler = k.cpu.softirq_pending!;
    return k
      .setCpu((c) => c.merge({ softirq_count: c.softirq_count + 1, irqs_disabled: false, softirq_pending: null }))
      .setLocal('handler', handler)
      .next();
  }),
  local('h->action(h)', (k) => k.call(fnNamed(k.local('handler') as string))),
  event('local_irq_disable(); __local_bh_enable(SOFTIRQ_OFFSET)', (k) =>
    k.setCpu((c) => c.merge({ irqs_disabled: true, softirq_count: c.softirq_count - 1 })).next(),
  ),
]);

/** The exception frame of the running task's innermost exception. */
function exceptionFrameLocal(k: K, name: string) {
  const stack = k.task.stack;
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i];
    if (frame.fn === 'el1h_64_irq') return localIn(frame, name);
  }
  return undefined;
}

export const arm64_exit_to_kernel_mode = kfunc('arm64_exit_to_kernel_mode', 'arch/arm64/kernel/entry-common.c', [
  local('if (!regs_irqs_disabled(regs)) raw_irqentry_exit_cond_resched()', (k) =>
    exceptionFrameLocal(k, 'regs_irqs_enabled') && k.knobs.preemption !== 'none' ? k.call(raw_irqentry_exit_cond_resched) : k.ret(),
  ),
]);

export const raw_irqentry_exit_cond_resched = kfunc('raw_irqentry_exit_cond_resched', 'kernel/entry/common.c', [
  local('if (!preempt_count() && need_resched()) preempt_schedule_irq()', (k) => {
    const c = k.cpu;
    const preemptible = c.preempt_count === 0 && c.hardirq_count === 0 && c.softirq_count === 0;
    return preemptible && c.need_resched ? k.call(preempt_schedule_irq) : k.ret();
  }),
]);

/**
 * The timer interrupt: the tick may decide the running task should be preempted, and
 * rcu_sched_clock_irq() raises the RCU softirq when callbacks are waiting.
 */
export const arch_timer_handler_phys = kfunc('arch_timer_handler_phys', 'drivers/clocksource/arm_arch_timer.c', [
  event('sched_tick(); rcu_sched_clock_irq()', (k) => {
    if (!k.s.rcu_callbacks.isEmpty()) k = k.setCpu((c) => c.set('softirq_pending', 'rcu_core'));
    return [
      { label: 'resched_curr(): set need_resched', k: k.setCpu((c) => c.set('need_resched', true)).next() },
      { label: 'no reschedule', k: k.next() },
    ];
  }),
]);
