/**
 * What the rules know about one task (KernelFacts.tasks): its lazy MMU counters and whether it
 * has finished. One definition for the facts (kernel-model.ts) and for the footprint key that
 * says whether a task satisfies the per-task rule over them (footprint.ts: `task<j>.lazy_balanced`).
 */
import type { KernelFacts } from '../../properties/index.ts';
import { RULES } from '../../properties/index.ts';
import type { Task } from './state.ts';

export type TaskFacts = KernelFacts['tasks'][number];

export function taskFacts(t: Task): TaskFacts {
  return {
    name: t.comm,
    enableCount: t.lazy_mmu_state.enable_count,
    pauseCount: t.lazy_mmu_state.pause_count,
    finished: t.stack.length === 0 || t.__state === 'dead',
  };
}

/** The rule over the non-idle tasks' lazy MMU counters, one task at a time (it is a conjunction over tasks). */
export const PER_TASK_RULE = 'lazy-mmu-calls-balanced';
const rule = RULES.find((r) => r.name === PER_TASK_RULE)!;

/** Does task `t` satisfy PER_TASK_RULE on its own (idle tasks are not among the facts: always)? */
export function taskBalanced(t: Task): boolean {
  return t.is_idle || rule.holds!({ tasks: [taskFacts(t)] } as unknown as KernelFacts);
}
