/**
 * Symmetry of the kernel model (checker/reduction, `--reduction symmetry`): a scenario may
 * declare CPUs interchangeable, each with the tasks pinned to it (matched in task order), when
 * they run the same programs. A state is fingerprinted by its canonical representative: the
 * least (by fingerprint) of its images under every permutation of those CPUs, as TLC's
 * SYMMETRY sets. A permutation renumbers CPUs and tasks everywhere they appear: the CPU array
 * and each CPU's `curr` (and per-CPU IRQ budgets, where the model has them), the task array and
 * each task's `cpu` (and affinity mask), mutex owners, lockless walks
 * (a set: their order only orders a message), and the CPUs owing barriers for pending
 * page-table stores. What only names the actors in reports (task names and pids, the text of a
 * recorded violation or oops) is left out of the canonical form. Traces stay concrete: the
 * search keeps the states it reached.
 *
 * Limits, which keep every merge a true symmetry: the permission changes in progress
 * (`prot_changes`) are indexed by position from the tasks' locals (`change`, set by
 * __change_memory_common()), and their order can decide which one an access reports. When
 * they are all alike, positions are interchangeable and the `change` locals are renumbered in
 * task order; a state holding two different ones is not merged with any other. A scenario declaring symmetry must keep no CPU or task
 * number in locals or `flags`; the model checks that the declared CPUs start alike.
 */
import { is, List } from 'immutable';
import { fingerprintOf, UsageError } from '../../checker/index.ts';
import type { SymmetrySupport } from '../../checker/reduction/index.ts';
import { localIn } from './exec.ts';
import { KernelState, LocklessWalk, Oops, Violation, type Cpu, type Task } from './state.ts';

/** The interchangeable CPUs, from `Scenario.symmetry`. */
export interface KernelSymmetrySpec {
  readonly cpus: readonly number[];
}

interface Renumbering {
  readonly cpu: readonly number[];
  readonly task: readonly number[];
}

export function kernelSymmetry(initial: KernelState, spec: KernelSymmetrySpec, scenario: string): SymmetrySupport<KernelState> {
  const n = initial.cpus.length;
  const tasksOf = (cpu: number) => initial.tasks.flatMap((t, i) => (t.cpu === cpu ? [i] : []));
  for (const c of spec.cpus)
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new UsageError(`scenario ${scenario} declares CPU${c} interchangeable, but it has ${n} CPUs`);
  const renumberings = permutations([...spec.cpus]).map((image): Renumbering => {
    const cpu = Array.from({ length: n }, (_, i) => i);
    const task = Array.from({ length: initial.tasks.length }, (_, i) => i);
    spec.cpus.forEach((from, k) => {
      const to = image[k];
      cpu[from] = to;
      const a = tasksOf(from);
      const b = tasksOf(to);
      if (a.length !== b.length) throw new UsageError(`scenario ${scenario}: CPU${from} and CPU${to} are declared interchangeable but have different tasks`);
      a.forEach((t, j) => (task[t] = b[j]));
    });
    return { cpu, task };
  });
  if (!changesAlike(initial)) throw new UsageError(`scenario ${scenario}: CPUs ${spec.cpus.join(', ')} start with different permission changes in progress`);
  const canonicalInitial = normalise(initial);
  for (const r of renumberings)
    if (!is(normalise(renumber(initial, r)), canonicalInitial))
      throw new UsageError(`scenario ${scenario}: CPUs ${spec.cpus.join(', ')} are declared interchangeable but do not start alike`);
  return {
    canonical(s) {
      if (!changesAlike(s)) return normalise(s, false);
      let best: KernelState | undefined;
      let bestFp: { hi: number; lo: number } | undefined;
      for (const r of renumberings) {
        const c = normalise(renumber(s, r));
        const fp = fingerprintOf(c);
        if (!bestFp || fp.hi < bestFp.hi || (fp.hi === bestFp.hi && fp.lo < bestFp.lo)) {
          best = c;
          bestFp = fp;
        }
      }
      return best!;
    },
  };
}

function renumber(s: KernelState, r: Renumbering): KernelState {
  const cpus: Cpu[] = Array(s.cpus.length);
  s.cpus.forEach((c, i) => (cpus[r.cpu[i]] = c.set('curr', r.task[c.curr])));
  const tasks: Task[] = Array(s.tasks.length);
  s.tasks.forEach((t, i) => {
    let moved = t.set('cpu', r.cpu[t.cpu]);
    // p->cpus_mask, where the model has it: CPU numbers too.
    const allowed = (t as unknown as { cpus_allowed?: List<number> }).cpus_allowed;
    if (List.isList(allowed)) moved = moved.merge({ cpus_allowed: allowed.map((c) => r.cpu[c]).sort() } as never);
    tasks[r.task[i]] = moved;
  });
  // The IRQ budget: one for all, or one per CPU (then permuted with the CPUs).
  const budget = s.irqs_left as unknown as number | List<number>;
  const irqs = List.isList(budget) ? { irqs_left: List(budget.toArray().map((_, i) => budget.get(r.cpu.indexOf(i))!)) as never } : {};
  return s.merge({
    ...irqs,
    cpus,
    tasks,
    mutexes: s.mutexes.map((owner) => r.task[owner]),
    lockless_walks: s.lockless_walks
      .map((w) => new LocklessWalk({ ...w.toObject(), task: r.task[w.task] }))
      .sortBy((w) => [w.task, w.start, w.end], compareTuples),
    memory: s.memory.set(
      'pending',
      s.memory.pending.map((p) => p.set('cpus', p.cpus.map((c) => r.cpu[c]).sort())),
    ),
  });
}

/** Every permission change in progress is the same change (so their positions are interchangeable). */
function changesAlike(s: KernelState): boolean {
  const first = s.prot_changes.first();
  return first === undefined || s.prot_changes.every((c) => is(c, first));
}

/**
 * Drops what only names actors in reports; with all permission changes alike, renumbers the
 * `change` locals in order of first appearance (tasks in order, outermost frame first).
 */
function normalise(s: KernelState, renumberChanges = true): KernelState {
  const renumbered = new Map<number, number>();
  const changeIndex = (v: number) => {
    if (!renumbered.has(v)) renumbered.set(v, renumbered.size);
    return renumbered.get(v)!;
  };
  return s.merge({
    tasks: s.tasks.map((t) =>
      t.merge({
        comm: '',
        pid: 0,
        stack: t.stack.map((f) => {
          const c = localIn(f, 'change');
          return renumberChanges && typeof c === 'number' ? f.set('locals', { ...f.locals, change: changeIndex(c) }) : f;
        }),
      }),
    ),
    violations: s.violations.map((v) => new Violation({ rule: v.rule })),
    oops: s.oops ? new Oops({ message: s.oops.message }) : null,
  });
}

function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}
