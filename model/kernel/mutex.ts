/**
 * Sleeping locks (kernel/locking/mutex.c) and the might_sleep() checks of the calls that may
 * block (include/linux/kernel.h, kernel/sched/core.c: __might_sleep()).
 *
 * A mutex is a name in `KernelState.mutexes` (name -> owner task). Abstraction: a contended
 * mutex_lock() has no wait queue here; the acquiring step is simply not enabled until the
 * owner, running on another CPU, unlocks. That is enough for owners on other CPUs, which is
 * all the scenarios use; a mutex held by a task switched out on the same CPU would deadlock
 * the model rather than schedule.
 */
import { event, K, kfunc, local } from './exec.ts';
import { preemptionPoint } from './sched.ts';

/**
 * might_sleep(): reports the call to the rules. In atomic context (in_atomic() ||
 * irqs_disabled()) the kernel prints "BUG: sleeping function called from invalid context".
 */
export function might_sleep(k: K, call: string): K {
  return k.observe({ kind: 'might-sleep', call, atomicContext: k.inAtomicContext(), context: k.contextName() });
}

/** Locals: `lock` (the mutex's name, e.g. `pgtable_split_lock`). */
export const mutex_lock = kfunc('mutex_lock', 'kernel/locking/mutex.c', [
  local('might_sleep()', (k) => {
    k = might_sleep(k, `mutex_lock(&${String(k.local('lock'))})`);
    // might_sleep() is also might_resched(): a voluntary preemption point, unless in atomic context.
    return k.inAtomicContext() ? k.next() : preemptionPoint(k, 'cond_resched');
  }),
  event('if (!__mutex_trylock_fast(lock)) __mutex_lock_slowpath(lock)', (k) => {
    const lock = String(k.local('lock'));
    const owner = k.s.mutexes.get(lock);
    if (owner !== undefined && owner !== k.taskId) return []; // contended: waits for the owner
    // A mutex is not recursive: the owner waits for itself forever (lockdep: "possible recursive
    // locking detected"). The event is reported once; then the task stays blocked here.
    if (owner === k.taskId) return k.local('self_deadlock') ? [] : k.observe({ kind: 'recursive-lock', lock }).setLocal('self_deadlock', true).goto('lock');
    return k.update((s) => s.setIn(['mutexes', lock], k.taskId)).ret();
  }, { name: 'lock' }),
]);

export const mutex_unlock = kfunc('mutex_unlock', 'kernel/locking/mutex.c', [
  event('if (!__mutex_unlock_fast(lock)) __mutex_unlock_slowpath(lock)', (k) => {
    const lock = String(k.local('lock'));
    if (k.s.mutexes.get(lock) !== k.taskId) throw new Error(`${k.task.comm} unlocks ${lock}, which it does not hold`);
    return k.update((s) => s.deleteIn(['mutexes', lock])).ret();
  }),
]);
