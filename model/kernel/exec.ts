/**
 * Kernel code as data, and the interpreter that runs it one atomic step at a time.
 *
 * A kernel function is a list of steps, each named after the line of C it stands for. An
 * `event` step is one hardware-visible event (a store, a system-register write, a barrier, a
 * counter update): interrupts and other CPUs may interleave between two events. A `local`
 * step only moves control or touches the task's own registers; it runs together with the
 * event before it, since nothing else can observe the difference. A step may have several
 * outcomes (the scheduler's pick, what a table walk sees): each becomes its own action.
 *
 * Like PlusCal's labels, this makes the windows of the real code explicit: there is an
 * interleaving point between `enable_count++` and `arch_enter_lazy_mmu_mode()` exactly
 * because they are two events.
 */
import { List } from 'immutable';
import { RULES, type KernelEvent, type KernelRule } from '../../properties/index.ts';
import type { Knobs } from '../designs.ts';
import type { Env } from './env.ts';
import { activeRecorder, rawOf } from './footprint.ts';
import { Frame, NO_LOCALS, Violation, type Cpu, type KernelState, type Task, type Value } from './state.ts';

export type StepKind = 'event' | 'local';

export interface Outcome {
  /** Tells this outcome apart from the step's other outcomes (e.g. "-> B"). */
  readonly label: string;
  readonly k: K;
}

/** A step returns the context after it, or its possible outcomes ([] = cannot proceed now). */
export type StepResult = K | readonly Outcome[];

export interface Step {
  /** The C the step stands for, e.g. `state->enable_count++`. */
  readonly label: string;
  readonly kind: StepKind | ((knobs: Knobs) => StepKind);
  /** A goto target. */
  readonly name?: string;
  readonly run: (k: K) => StepResult;
}

export interface KFunction {
  readonly name: string;
  /** Where the real code is. */
  readonly source: string;
  /** Inlined in the real kernel: not shown in kernel-style call traces. */
  readonly inline: boolean;
  readonly steps: readonly Step[];
  readonly targets: ReadonlyMap<string, number>;
}

const FUNCTIONS = new Map<string, KFunction>();

/** Declares a kernel function. Falling off the last step returns. */
export function kfunc(name: string, source: string, steps: readonly Step[], opts: { inline?: boolean } = {}): KFunction {
  if (FUNCTIONS.has(name)) throw new Error(`kernel function ${name} declared twice`);
  const f = kfunction(name, source, steps, opts);
  FUNCTIONS.set(name, f);
  return f;
}

/** A kernel function that is not declared globally: a design file's version of one (see Env.functions). */
export function kfunction(name: string, source: string, steps: readonly Step[], opts: { inline?: boolean } = {}): KFunction {
  const targets = new Map<string, number>();
  steps.forEach((s, i) => {
    if (s.name) targets.set(s.name, i);
  });
  return { name, source, inline: opts.inline ?? false, steps, targets };
}

export function fnNamed(name: string): KFunction {
  const f = FUNCTIONS.get(name);
  if (!f) throw new Error(`no kernel function named ${name}`);
  return f;
}

/**
 * The function a frame names, as this run's design has it: a design file may replace or wrap
 * kernel functions (`env.functions`) for the models built with it, never globally.
 */
export function fnIn(env: Env | undefined, name: string): KFunction {
  return env?.functions?.get(name) ?? fnNamed(name);
}

export function allFunctions(): KFunction[] {
  return [...FUNCTIONS.values()];
}

export const event = (label: string, run: (k: K) => StepResult, opts: { name?: string } = {}): Step => ({ label, kind: 'event', run, ...opts });
export const local = (label: string, run: (k: K) => StepResult, opts: { name?: string } = {}): Step => ({ label, kind: 'local', run, ...opts });
/**
 * The loop step of a pte-range walk: `while (pte++, addr += PAGE_SIZE, addr != end)`. Advances
 * `index` (and `pa`, if the frame has one) and goes back to the step named `loop` while
 * `count` ptes are left.
 */
export const nextPte = (): Step =>
  local('while (pte++, addr += PAGE_SIZE, addr != end)', (k) => {
    const left = k.num('count') - 1;
    const pa = k.local('pa');
    k = k.setLocals({ index: k.num('index') + 1, count: left, ...(typeof pa === 'number' ? { pa: pa + 1 } : {}) });
    return left > 0 ? k.goto('loop') : k.next();
  });
/** A step that is an event under some designs and local under others. */
export const step = (label: string, kind: (knobs: Knobs) => StepKind, run: (k: K) => StepResult, opts: { name?: string } = {}): Step => ({
  label,
  kind,
  run,
  ...opts,
});

/**
 * The kernel context of one CPU during one step: the state, plus helpers in the kernel's
 * vocabulary. Immutable: every helper returns a new context.
 */
export class K {
  /**
   * The state, except for one task's update not yet written into `tasks`: most of a step's
   * updates are to its own task (its frame's pc and locals, a call, a return), and the
   * settling of local steps runs several steps in a row. Writing the task back once, when the
   * state is read as a whole (`raw`, `s`), saves a new task list and a new state per update.
   * Never while a footprint is recorded: then every update is written at once (`withTask`).
   */
  private readonly base: KernelState;
  private readonly pendingTask: Task | undefined;
  private readonly pendingId: number;
  private rawCache: KernelState | undefined;

  constructor(
    state: KernelState,
    readonly cpuId: number,
    readonly env: Env,
    /** The step said where control goes next. */
    readonly moved = false,
    /** Internal (`withTask`): task `pendingId`'s new value, not yet in `state`. */
    pendingId = -1,
    pendingTask?: Task,
    /** Internal: this CPU's record in `state`, when the context it derives from knew it. */
    cpu?: Cpu,
  ) {
    this.base = activeRecorder() ? rawOf(state) : state;
    this.pendingId = pendingId;
    this.pendingTask = pendingTask;
    this.cpuCache = cpu;
  }

  /** The state itself (`s` is the same, seen through the footprint recorder when one is active). */
  get raw(): KernelState {
    const t = this.pendingTask;
    if (t === undefined) return this.base;
    return (this.rawCache ??= this.base.set('tasks', this.base.tasks.with(this.pendingId, t)));
  }

  /** The oops, if the machine died (an update to a task never changes it: no write-back needed). */
  get oops(): KernelState['oops'] {
    return this.base.oops;
  }

  /** The machine state. While a footprint is recorded (footprint.ts), a view that notes each access. */
  get s(): KernelState {
    const r = activeRecorder();
    return r ? r.stateView(this.raw) : this.raw;
  }

  private with(s: KernelState, moved = this.moved): K {
    return new K(s, this.cpuId, this.env, moved);
  }
  /** This context with task `id` replaced by `t` (kept pending: see `base`). */
  private withTask(id: number, t: Task, moved = this.moved): K {
    if (activeRecorder()) return this.with(this.raw.set('tasks', this.raw.tasks.with(id, rawOf(t))), moved);
    // Another task's update is pending: write it back first (one pending task at a time).
    const base = this.pendingTask === undefined || this.pendingId === id ? this.base : this.raw;
    return new K(base, this.cpuId, this.env, moved, id, t, this.cpuCache);
  }
  /** The same context, before its step has said where control goes (settle runs the next step in it). */
  fresh(): K {
    return new K(this.base, this.cpuId, this.env, false, this.pendingId, this.pendingTask, this.cpuCache);
  }

  // The running CPU, task and frame, looked up once per context (a context never changes).
  // While a footprint is recorded they are views, kept for the footprint they note reads in
  // (a view notes reads as its fields are read, not when it is handed out, so keeping it misses
  // none; after the recorder's reset, a new footprint, they are made again).
  private cpuCache: Cpu | undefined;
  private taskCache: Task | undefined;
  private viewsFor: object | undefined;
  private cpuView: Cpu | undefined;
  private taskView: Task | undefined;
  private viewed(): boolean {
    const footprint = activeRecorder()?.footprint;
    if (footprint === undefined) return false;
    if (this.viewsFor !== footprint) {
      this.viewsFor = footprint;
      this.cpuView = this.taskView = undefined;
    }
    return true;
  }

  get knobs(): Knobs {
    return this.env.knobs;
  }
  get cpu(): Cpu {
    if (this.viewed()) return (this.cpuView ??= this.s.cpus[this.cpuId]); // a view, noting each read
    return (this.cpuCache ??= this.base.cpus[this.cpuId]);
  }
  /** rq->curr */
  get taskId(): number {
    return this.cpu.curr;
  }
  get task(): Task {
    if (this.viewed()) return (this.taskView ??= this.s.tasks[this.taskId]);
    if (this.taskCache !== undefined) return this.taskCache;
    const id = this.taskId;
    return (this.taskCache = this.pendingTask !== undefined && this.pendingId === id ? this.pendingTask : this.base.tasks[id]);
  }
  get frame(): Frame {
    const stack = this.task.stack;
    return stack[stack.length - 1];
  }
  local(name: string): Value | undefined {
    return localIn(this.frame, name);
  }
  num(name: string): number {
    const v = localIn(this.frame, name);
    if (typeof v !== 'number') throw new Error(`${this.frame.fn}: local ${name} is not a number (${String(v)})`);
    return v;
  }

  update(f: (s: KernelState) => KernelState): K {
    return this.with(rawOf(f(this.s)));
  }
  setCpu(f: (c: Cpu) => Cpu, cpu = this.cpuId): K {
    const c = cpu === this.cpuId ? this.cpu : this.s.cpus[cpu];
    // The CPUs are not where a pending task update is: it stays pending.
    const base = this.base;
    const next = rawOf(f(c));
    const mine = cpu === this.cpuId ? next : this.cpuCache;
    return new K(base.set('cpus', base.cpus.with(cpu, next)), this.cpuId, this.env, this.moved, this.pendingId, this.pendingTask, mine);
  }
  setTask(f: (t: Task) => Task, task = this.taskId): K {
    const t = task === this.taskId ? this.task : this.s.tasks[task];
    return this.withTask(task, rawOf(f(t)));
  }
  private setTop(f: (fr: Frame) => Frame, moved = this.moved): K {
    // The hottest update (every step moves its frame's pc): written out, without setTask's closure.
    const task = this.task;
    const stack = task.stack;
    const top = stack.length - 1;
    return this.withTask(this.taskId, rawOf(task.set('stack', stack.with(top, f(stack[top])))), moved);
  }
  setLocal(name: string, v: Value | undefined): K {
    return this.setTop((fr) => withLocal(fr, name, v));
  }
  setLocals(values: Record<string, Value | undefined>): K {
    return this.setTop((fr) => {
      for (const n in values) fr = withLocal(fr, n, values[n]);
      return fr;
    });
  }

  // Control flow.
  next(): K {
    return this.setTop(advancePc, true);
  }
  /** Jump to a named step of the current function. */
  goto(name: string): K {
    const target = fnIn(this.env, this.frame.fn).targets.get(name);
    if (target === undefined) throw new Error(`${this.frame.fn} has no step named ${name}`);
    return this.setTop((fr) => fr.set('pc', target), true);
  }
  /** Calls `fn` with `locals`; returns to the step after this one. */
  call(fn: KFunction, locals: Record<string, Value> = {}, opts: { atomic?: boolean } = {}): K {
    const task = this.task;
    const stack = task.stack;
    const atomic = (opts.atomic ?? false) || inAtomicFrame(task);
    const frame = new Frame({ fn: fn.name, pc: 0, locals: localsOf(locals), atomic });
    // The caller's frame moves past the call and the callee's goes on top: one new stack.
    const top = stack.length - 1;
    const next = stack.with(top, advancePc(stack[top]));
    next.push(frame);
    return this.withTask(this.taskId, rawOf(task.set('stack', next)), true);
  }
  /**
   * Pushes a frame without advancing the current one: an exception taken here, or the frames a
   * task leaves behind when it is switched out.
   */
  pushFrame(fn: KFunction, locals: Record<string, Value> = {}, pc = 0): K {
    const frame = new Frame({ fn: fn.name, pc, locals: localsOf(locals), atomic: inAtomicFrame(this.task) });
    return this.setTask((t) => t.set('stack', [...t.stack, frame]));
  }
  /** Returns to the caller; a value lands in the caller's local `ret`. */
  ret(value?: Value): K {
    const task = this.task;
    const stack = task.stack.slice(0, -1);
    const caller = stack.length - 1;
    if (value !== undefined && caller >= 0) stack[caller] = withLocal(stack[caller], 'ret', value);
    return this.withTask(this.taskId, rawOf(task.set('stack', stack)), true);
  }
  /** Takes the callee's return value out of the locals (so it does not linger in the state). */
  takeRet(): [Value | undefined, K] {
    const v = this.local('ret');
    return [v, this.setLocal('ret', undefined)];
  }

  /** in_interrupt(): hardirq or softirq count non-zero on this CPU. */
  in_interrupt(): boolean {
    return this.cpu.hardirq_count > 0 || this.cpu.softirq_count > 0;
  }
  /** in_atomic() || irqs_disabled(): where might_sleep() complains. */
  inAtomicContext(): boolean {
    const c = this.cpu;
    return c.preempt_count > 0 || c.hardirq_count > 0 || c.softirq_count > 0 || c.irqs_disabled;
  }
  contextName(): string {
    const c = this.cpu;
    if (c.hardirq_count > 0) return 'hardirq context';
    if (c.softirq_count > 0) return 'softirq context';
    if (c.irqs_disabled) return 'a section with IRQs disabled';
    if (c.preempt_count > 0) return 'a preempt-disabled section';
    return 'task context';
  }

  /** Kernel-style call trace of the running task, innermost first, inlined functions left out. */
  callTrace(taskId = this.taskId): string[] {
    return callTraceOf(this.s.tasks[taskId], this.env);
  }

  /** Ghost: tells a watcher (Env.onSkipped) that the code skips `op` here; the state does not change. */
  skipped(op: string, why: string): K {
    this.env.onSkipped?.({ cpu: this.cpuId, task: this.task.comm, fn: this.frame.fn, op, why });
    return this;
  }

  /** Reports an event to the rules; violations of the checked rules are recorded. */
  observe(e: DistributiveOmit<KernelEvent, 'cpu' | 'task' | 'callTrace'>): K {
    const task = this.task;
    const full = Object.assign(new ObservedEvent(this.cpuId, task, this.env), e) as unknown as KernelEvent;
    this.env.onEvent?.(full, this);
    // The violations, and the state as a whole (a pending task update written back), are read
    // only when a rule fires: a step that breaks no rule does not depend on what other CPUs
    // broke (and a footprint need not say it reads them).
    const recorder = activeRecorder();
    let s: KernelState | undefined;
    for (const rule of checkedRules(this.env)) {
      const message = rule.check!(full);
      if (message === undefined) continue;
      recorder?.read('violations');
      s ??= this.raw;
      if (s.violations.has(rule.name)) continue;
      recorder?.write('violations');
      s = s.setIn(
        ['violations', rule.name],
        new Violation({ rule: rule.name, message, cpu: this.cpuId, task: task.comm, callTrace: List(full.callTrace) }),
      );
    }
    return s === undefined || s === this.raw ? this : this.with(s);
  }
}

const advancePc = (fr: Frame): Frame => fr.set('pc', fr.pc + 1);

/**
 * An event as the rules see it: the step's own fields, the CPU and the task, and the call trace,
 * built only if something reads it (most events break no rule). A class, not an object literal
 * with a getter: V8 makes one of those through the runtime, for every event.
 */
class ObservedEvent {
  readonly task: string;
  #trace: string[] | undefined;
  readonly #task: Task;
  readonly #env: Env;
  constructor(
    readonly cpu: number,
    task: Task,
    env: Env,
  ) {
    this.task = task.comm;
    this.#task = task;
    this.#env = env;
  }
  get callTrace(): string[] {
    return (this.#trace ??= callTraceOf(this.#task, this.#env));
  }
}

/** The rules whose `check` sees events in this run (checked ones, with a check), found once per run. */
const CHECKED_RULES = new WeakMap<Env, readonly KernelRule[]>();
function checkedRules(env: Env): readonly KernelRule[] {
  let rules = CHECKED_RULES.get(env);
  if (rules === undefined) CHECKED_RULES.set(env, (rules = (env.rules ?? RULES).filter((r) => r.check !== undefined && env.recorded.has(r.name))));
  return rules;
}

/** A frame's locals from the C call's arguments (a copy: the caller's object is its own). */
function localsOf(values: Record<string, Value>): Readonly<Record<string, Value>> {
  let out: Record<string, Value> | undefined;
  for (const n in values) {
    const v = values[n];
    if (v !== undefined) (out ??= {})[n] = v;
  }
  return out ?? NO_LOCALS;
}

/** Local `name` of a frame (never a property every object has: values are never functions). */
export function localIn(frame: Frame, name: string): Value | undefined {
  const v = frame.locals[name];
  return typeof v === 'function' ? undefined : v;
}

/** The frame with local `name` set to `v` (`undefined`: removed); the frame itself when nothing changes. */
function withLocal(fr: Frame, name: string, v: Value | undefined): Frame {
  const locals = fr.locals;
  if (v === undefined) {
    if (!Object.hasOwn(locals, name)) return fr;
    const out: Record<string, Value> = {};
    for (const n in locals) if (n !== name) out[n] = locals[n];
    return fr.set('locals', out);
  }
  if (localIn(fr, name) === v) return fr;
  return fr.set('locals', { ...locals, [name]: v });
}

type DistributiveOmit<T, Keys extends PropertyKey> = T extends unknown ? Omit<T, Keys> : never;

export function callTraceOf(task: Task, env?: Env): string[] {
  const out: string[] = [];
  for (let i = task.stack.length - 1; i >= 0; i--) {
    const f = task.stack[i];
    if (!fnIn(env, f.fn).inline) out.push(f.fn);
  }
  return out;
}

/** The full call stack including inlined functions, innermost first. */
export function fullStackOf(task: Task): string[] {
  return task.stack.map((f) => f.fn).reverse(); // map made a new array: reversing it in place is safe
}

export function stepAt(frame: Frame, env?: Env): Step | undefined {
  return fnIn(env, frame.fn).steps[frame.pc];
}

/**
 * Does a frame of the task's stack run atomically? A frame pushed above an atomic frame is
 * atomic itself (call(), pushFrame()), so the top frame tells (this runs before every step).
 */
function inAtomicFrame(task: Task): boolean {
  return task.stack.at(-1)?.atomic ?? false;
}

function kindOf(st: Step, knobs: Knobs): StepKind {
  return typeof st.kind === 'function' ? st.kind(knobs) : st.kind;
}

/** What the CPU would execute next: the running task's top step, if it is in the kernel. */
export function pendingStep(s: KernelState, cpu: number, env?: Env): { task: Task; frame: Frame; step: Step | undefined } | undefined {
  const c = s.cpus[cpu];
  const task = s.tasks[c.curr];
  const frame = task.stack.at(-1);
  if (!frame) return undefined;
  return { task, frame, step: stepAt(frame, env) };
}

export interface Transition {
  /** Action label: which step (and which outcome) this is. */
  readonly label: string;
  readonly state: KernelState;
}

const MAX_SETTLE = 10_000;

/**
 * Runs local steps (and every step inside an atomic region) until the running task is at an
 * event, finished, or the machine died. Returns the labels of the events it ran.
 */
export function settle(k: K, chained: string[]): K {
  for (let n = 0; n < MAX_SETTLE; n++) {
    // The oops only halts the machine: not part of a step's footprint (checker/reduction/types.ts).
    if (k.oops) return k;
    // pendingStep(), read through the context (its running task may be pending).
    const task = k.task;
    const frame = task.stack.at(-1);
    if (!frame) return k;
    const step = stepAt(frame, k.env);
    if (!step) {
      // Fell off the end of the function: return.
      k = k.fresh().ret();
      continue;
    }
    const atomic = inAtomicFrame(task);
    const kind = kindOf(step, k.knobs);
    if (kind === 'event' && !atomic) return k;
    const r = step.run(k.fresh());
    let next: K;
    if (r instanceof K) next = r;
    else if (r.length === 1) next = r[0].k;
    else throw new Error(`${frame.fn}: step "${step.label}" has ${r.length} outcomes inside ${atomic ? 'an atomic region' : 'a local step'}`);
    if (!next.moved) throw new Error(`${frame.fn}: step "${step.label}" did not say where control goes`);
    if (kind === 'event') chained.push(`${frame.fn}: ${step.label}`);
    k = next;
  }
  throw new Error('settle: no event reached after 10000 local steps (a loop without an event)');
}

/** The transitions of one CPU: its running task's next step, with each of its outcomes. */
export function cpuTransitions(s: KernelState, cpu: number, env: Env, prefix: string): Transition[] {
  const p = pendingStep(s, cpu, env);
  if (!p || !p.step || s.oops) return [];
  const r = p.step.run(new K(s, cpu, env));
  const outcomes: readonly Outcome[] = r instanceof K ? [{ label: '', k: r }] : r;
  const labels = transitionLabels(p.step, prefix, p.task.comm, p.frame.fn);
  return outcomes.map((o) => {
    if (!o.k.moved) throw new Error(`${p.frame.fn}: step "${p.step!.label}" did not say where control goes`);
    const chained: string[] = [];
    const k = settle(o.k, chained);
    return { label: o.label ? labels.withOutcome(o.label) : labels.base, state: k.raw };
  });
}

interface StepLabels {
  readonly prefix: string;
  readonly comm: string;
  readonly fn: string;
  /** `CPU0 A: vfree: ...`. */
  readonly base: string;
  /** `CPU0 A: __schedule: ... [-> B]`, one per outcome label. */
  withOutcome(outcome: string): string;
}

/**
 * The labels of a step's transitions, made once per (step, CPU, task, function) and reused:
 * the search makes a label for every transition and compares them, and a reused string is
 * already flat with its hash cached.
 */
const labelsOfStep = new WeakMap<Step, StepLabels[]>();

function transitionLabels(step: Step, prefix: string, comm: string, fn: string): StepLabels {
  let known = labelsOfStep.get(step);
  if (known === undefined) labelsOfStep.set(step, (known = []));
  for (const l of known) if (l.prefix === prefix && l.comm === comm && l.fn === fn) return l;
  const base = `${prefix} ${comm}: ${fn}: ${step.label}`;
  const outcomes = new Map<string, string>();
  const labels: StepLabels = {
    prefix,
    comm,
    fn,
    base,
    withOutcome(outcome) {
      let label = outcomes.get(outcome);
      if (label === undefined) outcomes.set(outcome, (label = `${base} [${outcome}]`));
      return label;
    },
  };
  known.push(labels);
  return labels;
}
