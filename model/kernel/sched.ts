/**
 * The scheduler paths of the seed 000 splat (kernel/sched/core.c, arch/arm64/kernel/process.c):
 * preempt_schedule_irq -> __schedule -> context_switch -> __switch_to, and on the other side
 * finish_task_switch, which drops rq->prev_mm.
 *
 * A task that is not running sits inside __schedule: its stack ends in
 * `__schedule / context_switch / __switch_to`, and when it is switched back in it continues
 * with finish_task_switch(), in its own context, before returning to whatever called
 * __schedule (for a preempted task: the IRQ exit path, before the exception return).
 */
import { event, K, kfunc, local, type Outcome } from './exec.ts';
import type { Task } from './state.ts';
import { dsb } from './hw.ts';
import { lazy_mmu_mode_pause, lazy_mmu_mode_resume } from './lazy_mmu.ts';
import { mmdrop_lazy_tlb_sched } from './mm.ts';

export const __switch_to = kfunc('__switch_to', 'arch/arm64/kernel/process.c', []);

export const finish_task_switch = kfunc('finish_task_switch', 'kernel/sched/core.c', [
  local('lazy_mmu_mode_pause()', (k) => (k.knobs.pauseLazyMmuInFinishTaskSwitch ? k.call(lazy_mmu_mode_pause) : k.next())),
  event('finish_lock_switch(rq): raw_spin_rq_unlock_irq(rq); mm = rq->prev_mm; rq->prev_mm = NULL', (k) => {
    const mm = k.cpu.prev_mm;
    return k.setCpu((c) => c.merge({ irqs_disabled: false, prev_mm: null })).setLocal('mm', mm).next();
  }),
  local('if (mm) mmdrop_lazy_tlb_sched(mm)', (k) => {
    const mm = k.local('mm');
    return typeof mm === 'number' ? k.call(mmdrop_lazy_tlb_sched, { mm }) : k.next();
  }),
  local('lazy_mmu_mode_resume()', (k) => (k.knobs.pauseLazyMmuInFinishTaskSwitch ? k.call(lazy_mmu_mode_resume) : k.ret())),
]);

/** context_switch() is inlined into __schedule; its frame marks where a switched-out task resumes. */
export const context_switch = kfunc(
  'context_switch',
  'kernel/sched/core.c',
  [local('finish_task_switch(prev)', (k) => k.call(finish_task_switch))],
  { inline: true },
);

/**
 * context_switch(rq, prev, next) up to and including switch_to(): the mm hand-over, then
 * __switch_to()'s permission_overlay_switch() and dsb(ish), then cpu_switch_to(). IRQs are
 * off and the rq is locked throughout, so one step.
 */
function switchTo(k: K, next: number): K {
  const prevId = k.taskId;
  const prev = k.task;
  const nextTask = k.s.tasks[next];
  // context_switch(): lazy TLB mm hand-over.
  if (nextTask.mm === null) {
    const mm = prev.active_mm;
    k = k.setTask((t) => t.set('active_mm', mm), next);
    if (prev.mm !== null && mm !== null) k = k.update((s) => s.updateIn(['mms', mm, 'mm_count'], (n) => (n as number) + 1));
    else k = k.setTask((t) => t.set('active_mm', null), prevId);
  } else if (prev.mm === null) {
    // From a kernel thread or an exiting task: "will mmdrop_lazy_tlb() in finish_task_switch()".
    const mm = prev.active_mm;
    k = k.setCpu((c) => c.set('prev_mm', mm)).setTask((t) => t.set('active_mm', null), prevId);
  }
  // prev stays inside __schedule: it resumes at context_switch's finish_task_switch().
  k = k.next().pushFrame(context_switch).pushFrame(__switch_to);
  // __switch_to(): permission_overlay_switch(), dsb(ish), cpu_switch_to().
  const por = k.cpu.por_el1;
  k = k.setTask((t) => t.merge({ thread_por_el1: por, __state: t.__state === 'running' ? 'runnable' : t.__state }), prevId);
  k = dsb(k);
  k = k.setCpu((c) => c.merge({ curr: next, por_el1: nextTask.thread_por_el1 }));
  // set_task_cpu(): a task pulled from another runqueue now belongs to this one.
  return k.setTask((t) => t.merge({ __state: 'running', cpu: k.cpuId }), next);
}

/** p->cpus_mask allows `cpu` (an empty mask: every CPU). */
export function cpuAllowed(t: Task, cpu: number): boolean {
  return t.cpus_allowed.isEmpty() || t.cpus_allowed.includes(cpu);
}

/**
 * The tasks pick_next_task() may return on this CPU: prev if it can keep running, the runnable
 * tasks of this CPU's runqueue, and runnable tasks of other runqueues whose affinity allows this
 * CPU (load balancing pulls them here: abstraction, the balancer's policy is a free choice).
 * The idle task only when nothing else can run.
 */
function candidates(k: K): number[] {
  const out: number[] = [];
  k.s.tasks.forEach((t, i) => {
    if (t.is_idle) return;
    if (i === k.taskId) {
      if (t.__state === 'running') out.push(i);
      return;
    }
    // Whose runqueue first: a CPU reads the state of the tasks it may run, no others (footprint.ts).
    if (!(t.cpu === k.cpuId || (k.knobs.taskMigration && cpuAllowed(t, k.cpuId)))) return;
    if (t.__state === 'runnable') out.push(i);
  });
  if (out.length === 0) out.push(k.s.tasks.findIndex((t) => t.is_idle && t.cpu === k.cpuId));
  return out;
}

export const __schedule = kfunc('__schedule', 'kernel/sched/core.c', [
  event('local_irq_disable(); rq_lock(rq)', (k) => k.setCpu((c) => c.set('irqs_disabled', true)).next()),
  event('next = pick_next_task(rq, prev); clear_tsk_need_resched(prev)', (k): Outcome[] =>
    candidates(k).map((next) => {
      const kk = k.setCpu((c) => c.set('need_resched', false));
      const comm = k.s.tasks[next].comm;
      if (next === k.taskId) return { label: `${comm} again: rq_unlock_irq(rq)`, k: kk.setCpu((c) => c.set('irqs_disabled', false)).ret() };
      return { label: `switch to ${comm}`, k: switchTo(kk, next) };
    }),
  ),
  local('return', (k) => k.ret()),
]);

export const preempt_schedule_irq = kfunc('preempt_schedule_irq', 'kernel/sched/core.c', [
  event(
    'preempt_disable(); local_irq_enable()',
    (k) => k.setCpu((c) => c.merge({ preempt_count: c.preempt_count + 1, irqs_disabled: false })).next(),
    { name: 'loop' },
  ),
  local('__schedule(SM_PREEMPT)', (k) => k.call(__schedule)),
  event('local_irq_disable(); sched_preempt_enable_no_resched(); while (need_resched())', (k) => {
    k = k.setCpu((c) => c.merge({ irqs_disabled: true, preempt_count: c.preempt_count - 1 }));
    return k.cpu.need_resched ? k.goto('loop') : k.ret();
  }),
]);

export const schedule = kfunc('schedule', 'kernel/sched/core.c', [
  event('preempt_disable()', (k) => k.setCpu((c) => c.set('preempt_count', c.preempt_count + 1)).next()),
  local('__schedule(SM_NONE)', (k) => k.call(__schedule)),
  event('sched_preempt_enable_no_resched()', (k) => k.setCpu((c) => c.set('preempt_count', c.preempt_count - 1)).next()),
]);

/** The idle loop: waits for need_resched, then schedules. */
export const do_idle = kfunc('do_idle', 'kernel/sched/idle.c', [
  event(
    'while (!need_resched()) cpuidle_idle_call(); schedule_idle()',
    (k) => (k.cpu.need_resched ? k.setCpu((c) => c.set('preempt_count', c.preempt_count + 1)).call(__schedule) : []),
    { name: 'loop' },
  ),
  event('preempt_enable()', (k) => k.setCpu((c) => c.set('preempt_count', c.preempt_count - 1)).goto('loop')),
]);

/** The frames a switched-out task leaves: it is inside `caller` -> __schedule, about to finish the switch. */
export function switchedOutFrames(): { fn: typeof __schedule; pc: number }[] {
  return [
    { fn: __schedule, pc: 2 },
    { fn: context_switch, pc: 0 },
    { fn: __switch_to, pc: 0 },
  ];
}

/**
 * preempt_schedule() (kernel/sched/core.c), the slow path of preempt_enable() under
 * CONFIG_PREEMPT: preempt_disable(); __schedule(SM_PREEMPT); preempt_enable_no_resched();
 * while (need_resched()).
 */
export const preempt_schedule = kfunc('preempt_schedule', 'kernel/sched/core.c', [
  event('preempt_disable_notrace()', (k) => k.setCpu((c) => c.set('preempt_count', c.preempt_count + 1)).next(), { name: 'loop' }),
  local('__schedule(SM_PREEMPT)', (k) => k.call(__schedule)),
  event('preempt_enable_no_resched_notrace(); while (need_resched())', (k) => {
    k = k.setCpu((c) => c.set('preempt_count', c.preempt_count - 1));
    return k.cpu.need_resched ? k.goto('loop') : k.ret();
  }),
]);

/** Can the running task be preempted here: nothing holds preemption off, IRQs are on, the tick asked for it. */
function mayReschedule(k: K): boolean {
  const c = k.cpu;
  return c.need_resched && c.preempt_count === 0 && c.hardirq_count === 0 && c.softirq_count === 0 && !c.irqs_disabled;
}

/**
 * A preemption point inside a step, where the kernel may call schedule() on its own:
 * - 'preempt_enable': the end of a preempt-disabled section (spin_unlock(), put_cpu()...):
 *   `if (unlikely(preempt_count_dec_and_test())) __preempt_schedule();` (include/linux/preempt.h),
 *   a point under CONFIG_PREEMPT ('full', 'rt');
 * - 'cond_resched': cond_resched() or might_sleep()'s might_resched() (include/linux/kernel.h,
 *   kernel/sched/core.c __cond_resched()), a point under PREEMPT_NONE/VOLUNTARY ('none'); under
 *   PREEMPT_DYNAMIC 'full' it is a no-op, since preemption already happens at IRQ exit and
 *   preempt_enable().
 * need_resched comes only from the tick, so these points add schedules only after a tick whose
 * IRQ exit could not preempt (IRQs were off, or preemption was disabled, in the interrupted
 * code). Abstraction: the preempt-disabled section itself is fused with the step before it.
 */
export function preemptionPoint(k: K, at: 'preempt_enable' | 'cond_resched'): K {
  const mode = k.knobs.preemption;
  const point = at === 'preempt_enable' ? mode !== 'none' : mode === 'none';
  return point && mayReschedule(k) ? k.call(preempt_schedule) : k.next();
}
