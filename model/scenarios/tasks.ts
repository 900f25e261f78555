/** Building blocks for scenarios: tasks in their starting positions, and simple task programs. */
import { kfunc, local, type K, type KFunction } from '../kernel/exec.ts';
import { __schedule, __switch_to, context_switch, do_idle, schedule } from '../kernel/sched.ts';
import { do_exit } from '../kernel/mm.ts';
import { Cpu, Frame, KernelState, Task, type KernelStateFields, type Value } from '../kernel/state.ts';
import type { Layout } from '../kernel/env.ts';
import type { Built } from './scenario.ts';

export const frame = (fn: KFunction, pc = 0, locals: Record<string, Value> = {}) => new Frame({ fn: fn.name, pc, locals: { ...locals } });

/** The stack of a task switched out inside __schedule(), called from `caller`. */
export function switchedOut(caller: Frame[]): readonly Frame[] {
  return [...caller, frame(__schedule, 2), frame(context_switch, 0), frame(__switch_to, 0)];
}

/** The idle task of a CPU, waiting in do_idle(). */
export function idleTask(cpu: number): Task {
  return new Task({ comm: `swapper/${cpu}`, pid: 0, is_idle: true, cpu, __state: 'runnable', stack: switchedOut([frame(do_idle, 1)]) });
}

/** A task running `fn(locals)` on `cpu` from the start. */
export function runningTask(comm: string, pid: number, cpu: number, fn: KFunction, locals: Record<string, Value> = {}, mm: number | null = null): Task {
  return new Task({ comm, pid, cpu, __state: 'running', mm, active_mm: mm, stack: [frame(fn, 0, locals)] });
}

/** CPUs, each running the given task index. */
export function cpusRunning(curr: readonly number[]): readonly Cpu[] {
  return curr.map((c) => new Cpu({ curr: c }));
}

export interface Call {
  /** The C the step stands for, e.g. `set_memory_ro(addr, 1)`. */
  readonly line: string;
  readonly fn: KFunction;
  readonly locals: (k: K) => Record<string, Value>;
}

/** A task program: a function that makes `calls` one after another. */
export function program(name: string, source: string, calls: readonly Call[]): KFunction {
  return kfunc(
    name,
    source,
    calls.map((c) => local(c.line, (k) => k.call(c.fn, c.locals(k)))),
  );
}

export const call = (line: string, fn: KFunction, locals: (k: K) => Record<string, Value> = () => ({})): Call => ({ line, fn, locals });

/**
 * A task that is runnable inside schedule() called from do_exit(): when it runs, it drops its
 * mm (exit_mm) and dies, so the mm's last reference goes to rq->prev_mm and is dropped in the
 * finish_task_switch() of whichever task runs next.
 */
export function exitingTask(comm: string, pid: number, cpu: number, mm: number): Task {
  return new Task({ comm, pid, cpu, __state: 'runnable', mm, active_mm: mm, stack: switchedOut([frame(do_exit, 0), frame(schedule, 2)]) });
}

/** What Boot.finish() returns: the boot page tables and their layout. */
export interface Booted {
  readonly memory: KernelStateFields['memory'];
  readonly layout: Layout;
  readonly roles: KernelStateFields['pgtable_role'];
}

/**
 * The machine a scenario starts from: the booted page tables, the CPUs (each running the task
 * of that index), the tasks, and any other initial state (mms, IRQ bound, RCU callbacks...).
 */
export function machine(
  booted: Booted,
  parts: { readonly running: readonly number[]; readonly tasks: readonly Task[] } & Partial<Omit<KernelStateFields, 'cpus' | 'tasks' | 'memory' | 'pgtable_role'>>,
): Built {
  const { running, tasks, ...rest } = parts;
  const state = new KernelState({ ...rest, cpus: cpusRunning(running), tasks: [...tasks], memory: booted.memory, pgtable_role: booted.roles });
  return { layout: booted.layout, state };
}
