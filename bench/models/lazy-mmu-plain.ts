/**
 * The engine benchmark's plain-object model: one CPU running two tasks that update page
 * tables inside lazy MMU sections and kpkeys (POR_EL1) sections, interrupted by IRQs, written
 * the way a user would write a TLA+-like spec in TypeScript: fresh plain objects and arrays
 * every step (not frozen, so no memo helps), about 20 variables, a record per task keyed by
 * task name, a stack of exception frames, and mostly counter updates.
 *
 * It is an engine workload, not a kernel model: the steps are named after the kernel
 * functions they caricature (`lazy_mmu_mode_enable`, `set_pte`, `kpkeys_set_level`,
 * `arch_leave_lazy_mmu_mode`, `el1_interrupt`), but the semantics are only as deep as needed
 * to give the checker a realistic state shape and branching (about 1.3 successors per state).
 *
 * Size knob `rounds`: how many page-table update rounds each task performs. Distinct states
 * grow roughly with rounds²; `LAZY_MMU_SIZES` lists the values that give ≈1 M, 5 M, 12 M
 * and 25 M distinct states.
 */
import type { Model } from '../../checker/index.ts';

type TaskName = 'A' | 'B';

interface Task {
  /** Program counter inside one round: the label of the next step (PlusCal style). */
  pc: Label;
  /** Rounds completed. */
  round: number;
  /** kpkeys level the task runs at (0 default, 1 pgtables). */
  level: number;
  /** POR_EL1 value saved by kpkeys_set_level, restored by kpkeys_restore_pkey_reg. */
  savedPor: number;
  /** lazy_mmu_mode_enable nesting depth. */
  lazyDepth: number;
  /** PTE writes this task has issued. */
  writes: number;
}

interface Frame {
  /** What the frame stands for. */
  kind: 'el1_interrupt';
  /** Step inside the handler. */
  pc: number;
  /** POR_EL1 on entry (restored on exception return). */
  savedPor: number;
  /** Whether lazy MMU was active on entry (the handler pauses it). */
  savedLazy: boolean;
}

export interface LazyMmuState {
  current: TaskName;
  tasks: Record<TaskName, Task>;
  frames: Frame[];
  /** POR_EL1 of the CPU (0 = default keys, 1 = pgtables keys writable). */
  por: number;
  /** TIF_LAZY_MMU: lazy MMU mode active on the CPU. */
  lazyMmu: boolean;
  /** Deferred PTE updates in the current lazy batch (indices). */
  batch: number[];
  /** Page table entries (small counters standing for PTE values). */
  ptes: number[];
  irqsLeft: number;
  irqsTaken: number;
  preemptCount: number;
  irqsMasked: boolean;
  tlbGen: number;
  flushes: number;
  switches: number;
  barriers: number;
  pendingTlbi: boolean;
  lastWriter: TaskName | '';
  faults: number;
}

export type LazyMmuAction = 'step' | 'irq' | 'switch';

const NPTES = 3;
/** Steps of one round of a task; `schedule` is the one place a task may be switched out. */
const PROGRAM = [
  'lazy_mmu_mode_enable',
  'set_pte_first',
  'set_pte_second',
  'kpkeys_set_level',
  'set_pte_protected',
  'kpkeys_restore_pkey_reg',
  'arch_leave_lazy_mmu_mode',
  'schedule',
] as const;
type Label = (typeof PROGRAM)[number];
const NEXT_LABEL = new Map<Label, Label>(PROGRAM.map((l, i) => [l, PROGRAM[(i + 1) % PROGRAM.length]]));
const HANDLER_STEPS = 3;

const other = (t: TaskName): TaskName => (t === 'A' ? 'B' : 'A');

export interface LazyMmuOptions {
  readonly rounds: number;
  readonly irqs?: number;
}

export function lazyMmuPlainModel({ rounds, irqs = 2 }: LazyMmuOptions): Model<LazyMmuState, LazyMmuAction> {
  const task = (): Task => ({ pc: 'lazy_mmu_mode_enable', round: 0, level: 0, savedPor: 0, lazyDepth: 0, writes: 0 });
  const initial: LazyMmuState = {
    current: 'A',
    tasks: { A: task(), B: task() },
    frames: [],
    por: 0,
    lazyMmu: false,
    batch: [],
    ptes: new Array<number>(NPTES).fill(0),
    irqsLeft: irqs,
    irqsTaken: 0,
    preemptCount: 0,
    irqsMasked: false,
    tlbGen: 0,
    flushes: 0,
    switches: 0,
    barriers: 0,
    pendingTlbi: false,
    lastWriter: '',
    faults: 0,
  };
  const done = (t: Task) => t.round >= rounds;
  const ACTIONS: readonly LazyMmuAction[] = ['step', 'irq', 'switch'];

  function withTask(s: LazyMmuState, name: TaskName, t: Task): Record<TaskName, Task> {
    return name === 'A' ? { A: t, B: s.tasks.B } : { A: s.tasks.A, B: t };
  }

  /** One step of the top exception frame (el1_interrupt → handler → exception return). */
  function handlerStep(s: LazyMmuState): LazyMmuState {
    const top = s.frames[s.frames.length - 1];
    if (top.pc < HANDLER_STEPS) {
      // The handler runs with default keys and lazy MMU paused (arch_enter_lazy_mmu_mode is per task).
      const frames = s.frames.slice(0, -1);
      frames.push({ ...top, pc: top.pc + 1 });
      return { ...s, frames, por: 0, lazyMmu: false, barriers: s.barriers + (top.pc === 1 ? 1 : 0) };
    }
    // Exception return restores POR_EL1 and the lazy MMU state saved on entry.
    return { ...s, frames: s.frames.slice(0, -1), por: top.savedPor, lazyMmu: top.savedLazy, preemptCount: s.preemptCount - 1 };
  }

  function taskStep(s: LazyMmuState): LazyMmuState | undefined {
    const name = s.current;
    const t = s.tasks[name];
    if (done(t)) return undefined;
    const next = NEXT_LABEL.get(t.pc)!;
    switch (t.pc) {
      case 'lazy_mmu_mode_enable':
        return { ...s, lazyMmu: true, tasks: withTask(s, name, { ...t, pc: next, lazyDepth: t.lazyDepth + 1 }) };
      case 'set_pte_first':
      case 'set_pte_second':
      case 'set_pte_protected': {
        const idx = (t.writes + (name === 'A' ? 0 : 1)) % NPTES;
        const ptes = s.ptes.slice();
        ptes[idx] = (ptes[idx] + 1) & 3;
        if (s.lazyMmu) {
          const batch = s.batch.includes(idx) ? s.batch : [...s.batch, idx];
          return { ...s, ptes, batch, lastWriter: name, tasks: withTask(s, name, { ...t, pc: next, writes: t.writes + 1 }) };
        }
        return { ...s, ptes, tlbGen: s.tlbGen + 1, pendingTlbi: true, lastWriter: name, tasks: withTask(s, name, { ...t, pc: next, writes: t.writes + 1 }) };
      }
      case 'kpkeys_set_level':
        return { ...s, por: 1, tasks: withTask(s, name, { ...t, pc: next, level: 1, savedPor: s.por }) };
      case 'kpkeys_restore_pkey_reg':
        return { ...s, por: t.savedPor, tasks: withTask(s, name, { ...t, pc: next, level: 0 }) };
      case 'arch_leave_lazy_mmu_mode':
        return {
          ...s,
          lazyMmu: false,
          batch: [],
          flushes: s.flushes + (s.batch.length > 0 ? 1 : 0),
          tlbGen: s.tlbGen + (s.batch.length > 0 ? 1 : 0),
          pendingTlbi: false,
          tasks: withTask(s, name, { ...t, pc: next, lazyDepth: t.lazyDepth - 1 }),
        };
      case 'schedule':
        return { ...s, tasks: withTask(s, name, { ...t, pc: next, round: t.round + 1 }) };
    }
  }

  return {
    name: `lazy-mmu-plain(rounds=${rounds}, irqs=${irqs})`,
    initialStates: () => [initial],
    actions: () => ACTIONS,
    nextState(s, a) {
      switch (a) {
        case 'step':
          return s.frames.length > 0 ? handlerStep(s) : taskStep(s);
        case 'irq':
          // el1_interrupt: only between task steps (no nesting), while IRQs remain.
          if (s.irqsLeft === 0 || s.frames.length > 0 || s.irqsMasked || done(s.tasks[s.current])) return undefined;
          return {
            ...s,
            frames: [{ kind: 'el1_interrupt', pc: 0, savedPor: s.por, savedLazy: s.lazyMmu }],
            irqsLeft: s.irqsLeft - 1,
            irqsTaken: s.irqsTaken + 1,
            preemptCount: s.preemptCount + 1,
          };
        case 'switch': {
          // __schedule at the task's schedule point, to the other task if it has work left.
          const t = s.tasks[s.current];
          if (s.frames.length > 0 || t.pc !== 'schedule' || done(s.tasks[other(s.current)])) return undefined;
          return {
            ...s,
            current: other(s.current),
            switches: Math.min(s.switches + 1, 3),
            tasks: withTask(s, s.current, { ...t, pc: 'lazy_mmu_mode_enable', round: t.round + 1 }),
          };
        }
      }
    },
    invariants: [
      {
        name: 'handler-default-keys',
        description: 'An IRQ handler never runs with the pgtables key writable.',
        holds: (s) => s.frames.length === 0 || s.frames[s.frames.length - 1].pc === 0 || s.por === 0,
      },
      {
        name: 'batch-bounded',
        description: 'A lazy batch never holds more entries than there are PTEs.',
        holds: (s) => s.batch.length <= NPTES,
      },
    ],
    actor: (a) => (a === 'irq' ? 'irq' : 'cpu'),
    isFinal: (s) => done(s.tasks.A) && done(s.tasks.B),
    // Worker threads build the same model by calling this factory with the same options.
    workerSource: { module: import.meta.url, export: 'lazyMmuPlainModel', args: { rounds, irqs } },
  };
}

/**
 * `rounds` for the benchmark's sizes (irqs = 4). Measured: rounds 16 → 185,829 distinct
 * states, 26 → 509,009, 36 → 991,789, 79 → 4,886,385, 171 → 23,130,169; distinct grows as
 * about rounds^2.01, which gives 80 → ≈5.0 M; measured: 124 → 12,122,205 and 178 → 25,071,297 (`npm run bench --
 * --long` prints the exact counts).
 */
export const LAZY_MMU_SIZES = { '0.19M': 16, '0.5M': 26, '1M': 36, '5M': 80, '12M': 124, '25M': 178 } as const;

export default lazyMmuPlainModel({ rounds: 20 });
