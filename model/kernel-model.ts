/**
 * A scenario under a design, as a checker Model: the actions are the CPUs' next steps (with
 * each of their outcomes) and the environment's IRQs; the invariants are the scenario's rules.
 */
import { immutableCodec, UsageError, type Invariant, type Model, type WorkerSource } from '../checker/index.ts';
import { RULES, type KernelEvent, type KernelFacts, type KernelRule } from '../properties/index.ts';
import { allDesigns, withSettings, type Design } from './designs.ts';
import { designOf, type DesignDefinition } from './design-file.ts';
import { DEFAULT_GEOMETRY, linearAlias, pagesPerEntry, regionBase, tableIndex, type Geometry } from './hardware/geometry.ts';
import { KPKEYS_PKEY_PGTABLES, por_permits } from './hardware/pkeys.ts';
import { describeTlbEntry, tlbEvict } from './hardware/tlb.ts';
import { walkLatest, type WalkResult } from './hardware/walk.ts';
import type { Env } from './kernel/env.ts';
import { cpuTransitions, fnIn, K, settle } from './kernel/exec.ts';
import { takeIrq } from './kernel/entry.ts';
import { kernelOwner, linearMapReads, Recorder, recordWhile, ruleReads, type LinearMapReads } from './kernel/footprint.ts';
import { kernelSymmetry } from './kernel/symmetry.ts';
import { taskFacts } from './kernel/task-facts.ts';
import { is_lazy_mmu_mode_active } from './kernel/lazy_mmu.ts';
import { Cpu, Frame, KernelState, LazyMmuState, LocklessWalk, Mm, Oops, ProtChange, RcuCallback, Task, Violation, Warning } from './kernel/state.ts';
import { Desc } from './hardware/descriptor.ts';
import { Memory, PendingStore } from './hardware/memory.ts';
import { TlbEntry } from './hardware/tlb.ts';
import './kernel/functions.ts';
import { List } from 'immutable';
import { addBackgroundCpus } from './scenarios/backgrounds.ts';
import { PARAM_LIMITS, type Scenario, type ScenarioParams } from './scenarios/scenario.ts';

export interface KernelAction {
  readonly cpu: number;
  readonly kind: 'step' | 'irq' | 'evict';
  /** Which outcome of the step, which IRQ source, or which TLB entry is evicted. */
  readonly index: number;
  readonly label: string;
}

export interface KernelModel extends Model<KernelState, KernelAction> {
  readonly scenario: Scenario;
  readonly design: Design;
  readonly env: Env;
  readonly params: ScenarioParams;
}

export interface KernelModelOptions {
  /** Design name (default v6), a design object, or a design file's definition (`defineDesign`). */
  readonly design?: string | Design | DesignDefinition;
  /** `knob=value` overrides. */
  readonly set?: readonly string[];
  readonly params?: Partial<ScenarioParams>;
  /** Check these invariants instead of the scenario's (and the design's own). */
  readonly invariants?: readonly string[];
  /** Sees every kernel event reported while the model runs (see Env.onEvent). */
  readonly onEvent?: (e: KernelEvent, k: K) => void;
}

const CATCH_ALL = 'kernel-does-not-oops';

export { PARAM_LIMITS };

export function kernelModel(scenario: Scenario, options: KernelModelOptions = {}): KernelModel {
  const base = designOf(options.design ?? 'v6');
  const design = withSettings(base, options.set ?? []);
  const params: ScenarioParams = { ...scenario.params, ...options.params };
  for (const [name, { min, max }] of Object.entries(PARAM_LIMITS)) {
    const v = params[name as keyof ScenarioParams] ?? 0; // evictions is optional (default 0)
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
  const evictions = params.evictions ?? 0;
  const geometry: Geometry = { ...DEFAULT_GEOMETRY, fanout: params.fanout };
  // A design file may add invariants of its own: checked in every scenario run under it.
  const ownRules = design.invariants ?? [];
  const rules: readonly KernelRule[] = ownRules.length ? [...RULES, ...ownRules] : RULES;
  const rulesByName = new Map(rules.map((r) => [r.name, r]));
  const names = [...(options.invariants ?? [...scenario.invariants, ...ownRules.map((r) => r.name)])];
  for (const n of names) if (!rulesByName.has(n)) throw new UsageError(`unknown invariant "${n}"; invariants: ${[...rulesByName.keys()].join(', ')}`);
  if (!names.includes(CATCH_ALL)) names.push(CATCH_ALL);

  const built = scenario.build({ knobs: design.knobs, geometry, params });
  const env: Env = {
    design,
    knobs: design.knobs,
    geometry,
    layout: built.layout,
    recorded: new Set(names),
    ...(design.functions?.size ? { functions: design.functions } : {}),
    ...(ownRules.length ? { rules } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
  // cpus=N: N-1 more CPUs running the scenario's backgrounds; irqs=N on every CPU.
  let initial = addBackgroundCpus(built.state, built.layout, geometry, scenario.backgrounds, params.cpus - 1);
  initial = initial.set('irqs_left', List(initial.cpus.map(() => params.irqs)));
  if (evictions > 0) initial = initial.set('evictions_left', evictions);
  initial.cpus.forEach((_, cpu) => {
    initial = settle(new K(initial, cpu, env), []).raw;
  });

  // IRQ labels, made once per (CPU, task, source): reused strings are flat and hashed already.
  const irqLabels = new Map<number, string>();
  const irqLabel = (cpu: number, taskId: number, comm: string, source: number, name: string): string => {
    if (taskId >= 4096 || source >= 256) return `CPU${cpu} ${comm}: IRQ (${name})`;
    const key = (cpu * 4096 + taskId) * 256 + source; // a task's comm never changes
    let label = irqLabels.get(key);
    if (label === undefined) irqLabels.set(key, (label = `CPU${cpu} ${comm}: IRQ (${name})`));
    return label;
  };

  type Succ = { action: KernelAction; state: KernelState };
  /** CPU `cpu`'s enabled steps from `s`: its task's next step (every outcome), the IRQs it may take, TLB evictions. */
  const stepsOfCpu = (s: KernelState, cpu: number, out: Succ[]) => {
    const prefix = `CPU${cpu}`;
    const steps = cpuTransitions(s, cpu, env, prefix);
    for (let index = 0; index < steps.length; index++) out.push({ action: { cpu, kind: 'step', index, label: steps[index].label }, state: steps[index].state });
    const c = s.cpus[cpu];
    const task = s.tasks[c.curr];
    if (s.irqs_left.get(cpu)! > 0 && !c.irqs_disabled && task.stack.length > 0) {
      const sources = scenario.irqSources;
      for (let index = 0; index < sources.length; index++) {
        const src = sources[index];
        const label = irqLabel(cpu, c.curr, task.comm, index, src.name);
        out.push({ action: { cpu, kind: 'irq', index, label }, state: takeIrq(new K(s, cpu, env), fnIn(env, src.handler)).raw });
      }
    }
    // The TLB may evict any entry at any time (Arm ARM D8.16 "TLB behavior"): bounded by `evictions`.
    if (s.evictions_left > 0)
      c.tlb.forEach((e, index) => {
        const label = `${prefix}: TLB evicts ${describeTlbEntry(e)}`;
        const state = s.set('evictions_left', s.evictions_left - 1).setIn(['cpus', cpu, 'tlb'], tlbEvict(c.tlb, index));
        out.push({ action: { cpu, kind: 'evict', index, label }, state });
      });
  };

  /**
   * Footprints of CPUs' candidate steps (partial-order reduction): their running task's next
   * step (every outcome, or the reads that keep it blocked) and the IRQs it may take, recorded
   * while the very steps that give the successors run. The oops is left out: it only halts the
   * machine (checker/reduction/types.ts). Recording starts when the checker first asks for a
   * footprint (a search without partial-order reduction never pays for it); the footprints of
   * the last few states whose steps ran are kept (the checker asks about a state right after
   * its successors, or during a look-ahead from it).
   */
  let recording = false;
  type Fp = { reads: string[]; writes: string[] };
  const recent: { state: KernelState; byCpu: (Fp | undefined)[] }[] = [];
  const RECENT = 4;
  const remember = (s: KernelState, cpu: number, fp: Fp) => {
    let e = recent.find((x) => x.state === s);
    if (!e) {
      if (recent.length >= RECENT) recent.pop();
      recent.unshift((e = { state: s, byCpu: [] }));
    }
    e.byCpu[cpu] = fp;
  };
  /** One recorder, reset for each footprint (its views' handlers are made once). */
  const recorder = new Recorder();
  /** `stepsOfCpu`, and, while recording, CPU `cpu`'s footprint from the same run. */
  const successorsOfCpu = (s: KernelState, cpu: number, out: Succ[]) => {
    if (!recording) return stepsOfCpu(s, cpu, out);
    const r = recorder;
    r.reset();
    recordWhile(r, () => {
      const c = s.cpus[cpu];
      r.read(`cpu${cpu}.curr`);
      r.read(`task${c.curr}.stack`);
      stepsOfCpu(s, cpu, out);
      // TLB evictions (an environment step of this CPU) take any entry: everything.
      if (s.evictions_left > 0) r.anything();
      // IRQs: enabled while unmasked, in the kernel, and the environment has some left.
      r.read(`cpu${cpu}.irqs_disabled`);
      const task = s.tasks[c.curr];
      if (c.irqs_disabled || task.stack.length === 0 || scenario.irqSources.length === 0) return;
      r.read(`cpu${cpu}.irqs_left`);
    });
    remember(s, cpu, { reads: [...r.reads], writes: [...r.writes] });
  };

  // The checker asks actions(s) and then nextState(s, a) for each action: keep the successors
  // of the last state asked about. (A cache keyed by every state, even a WeakMap, keeps the
  // whole explored graph alive: the initial state is held here, its successors are values of
  // its entry, their successors of theirs...)
  let lastState: KernelState | undefined;
  let lastSuccessors: Succ[] = [];
  /** Whether the footprints of lastState's steps were recorded with them. */
  let lastRecorded = false;
  const computeSuccessors = (s: KernelState) => {
    if (s === lastState) return lastSuccessors;
    const out: Succ[] = [];
    if (s.oops === null) for (let cpu = 0; cpu < s.cpus.length; cpu++) successorsOfCpu(s, cpu, out);
    lastState = s;
    lastSuccessors = out;
    lastRecorded = recording;
    return out;
  };
  const cpuOf = (actor: string | number) => Number(String(actor).slice(3));
  const footprint = (s: KernelState, actor: string | number): Fp => {
    recording = true;
    const cpu = cpuOf(actor);
    const known = recent.find((x) => x.state === s)?.byCpu[cpu];
    if (known) return known;
    successorsOfCpu(s, cpu, []);
    return recent.find((x) => x.state === s)!.byCpu[cpu]!;
  };
  /** Every CPU may step (an idle CPU waits for need_resched, a CPU in user space for an IRQ...); CPUs never come or go. */
  const cpuActors = initial.cpus.map((_, cpu) => `CPU${cpu}`);
  const actors = (): readonly string[] => cpuActors;
  /** The look-ahead's question: the steps of every CPU but `actor`'s (footprints recorded on the way). */
  const successorsWithout = (s: KernelState, actor: string | number) => {
    const skip = cpuOf(actor);
    let out: Succ[];
    // A look-ahead starts at the state the search just expanded: its steps (and their footprints) are known.
    if (s === lastState && lastRecorded) out = lastSuccessors.filter((x) => x.action.cpu !== skip);
    else {
      out = [];
      if (s.oops === null) for (let cpu = 0; cpu < s.cpus.length; cpu++) if (cpu !== skip) successorsOfCpu(s, cpu, out);
    }
    return out.map((x) => ({ actor: cpuActors[x.action.cpu]!, state: x.state }));
  };

  // The checker evaluates every invariant of one state before the next state: keep the facts
  // of the last state asked about (a cache keyed by every state costs the garbage collector).
  let factsState: KernelState | undefined;
  let lastFacts: KernelFacts | undefined;
  const facts = (s: KernelState): KernelFacts => {
    if (s !== factsState || lastFacts === undefined) {
      lastFacts = kernelFacts(s, env);
      factsState = s;
    }
    return lastFacts;
  };

  // What walks of linear aliases can read (the rules that walk them declare it; checked in kernelFacts).
  const linearMap = linearMapReads(initial, env.layout.root, tableIndex(geometry, regionBase(geometry, 'linear map'), 0), pagesPerEntry(geometry, 0));
  LINEAR_MAP_READS.set(env, linearMap);
  const invariants: Invariant<KernelState>[] = names.map((name) => {
    const rule = rulesByName.get(name)!;
    return {
      name,
      description: rule.statement,
      // `size` first: nearly every state has broken no rule, and it is a field, not a lookup.
      holds: (s: KernelState) => (s.violations.size === 0 || !s.violations.has(name)) && (rule.holds ? rule.holds(facts(s)) : true),
      ...readsOf(name, rule.holds !== undefined, linearMap),
    };
  });

  return {
    name: `${scenario.name} under ${design.name}`,
    scenario,
    design,
    env,
    params,
    initialStates: () => [initial],
    actions: (s) => computeSuccessors(s).map((x) => x.action),
    nextState: (s, a) => {
      const found = computeSuccessors(s).find((x) => x.action.label === a.label);
      return found?.state;
    },
    invariants,
    actor: (a) => cpuActors[a.cpu] ?? `CPU${a.cpu}`, // the made strings: one per CPU, not one per step
    ...workerSupport(scenario, options),
    // TLB evictions (evictions > 0) are environment steps whose footprints the views do not record:
    // no partial-order reduction then (the search explores every interleaving).
    ...(evictions > 0 ? {} : { por: { footprint, successorsWithout, actors, owner: kernelOwner(Boolean((design.knobs as unknown as { taskMigration?: unknown }).taskMigration)) } }),
    ...(scenario.symmetry ? { symmetry: kernelSymmetry(initial, scenario.symmetry, scenario.name) } : {}),
    isFinal: (s) => s.oops !== null || !s.tasks.some((t) => t.__state === 'blocked'),
    formatAction: (a) => a.label,
    formatState: (s) => summariseState(s),
  };
}

function readsOf(name: string, hasHolds: boolean, linearMap: LinearMapReads): { reads?: readonly string[] } {
  const reads = ruleReads(name, hasHolds, linearMap);
  return reads ? { reads } : {};
}

/** Per model (its env): what the rules that walk linear aliases declare they read. */
const LINEAR_MAP_READS = new WeakMap<Env, LinearMapReads>();

const pagetablePagesCache = new WeakMap<object, WeakMap<object, KernelFacts['pagetablePages']>>();
const textAliasesCache = new WeakMap<object, WeakMap<object, KernelFacts['textAliases']>>();

/**
 * Facts made from linear-alias walks (pagetablePages, textAliases), remembered per `key` with
 * the page-table pages the walks read: a state whose memory holds the very same entries for
 * those pages (most steps store to other tables, or only publish stores) gets them without
 * walking again. The walks read the latest entries only (walkLatest), so the pending stores
 * play no part. Each walk is checked against what the rules declare they read (footprint.ts,
 * linearMapReads).
 */
function sameWalkedTables<T>(env: Env, key: object, memory: Memory, compute: (walk: (page: number) => WalkResult) => T): T {
  let byKey = WALKED_FACTS.get(env);
  if (!byKey) WALKED_FACTS.set(env, (byKey = new WeakMap()));
  const known = byKey.get(key);
  if (known && known.tables.every(([t, entries]) => memory.tables.get(t) === entries)) return known.value as T;
  const g = env.geometry;
  const declared = LINEAR_MAP_READS.get(env);
  const read = new Set<number>();
  const value = compute((page) => {
    const w = walkLatest(g, memory, env.layout.root, linearAlias(g, page));
    for (const st of w.steps) {
      if (declared && !declared.covers(st.table, st.index))
        throw new Error(`the walk of page ${page}'s linear alias reads entry ${st.index} of page ${st.table}, outside what the rules declare they read (model/kernel/footprint.ts, linearMapReads)`);
      read.add(st.table);
    }
    return w;
  });
  byKey.set(key, { tables: [...read].map((t) => [t, memory.tables.get(t)] as const), value });
  return value;
}
const WALKED_FACTS = new WeakMap<Env, WeakMap<object, { readonly tables: readonly (readonly [number, unknown])[]; readonly value: unknown }>>();

/** `compute()`, memoized on two values (compared by identity). */
function memoOn<T>(a: object, b: object, cache: WeakMap<object, WeakMap<object, T>>, compute: () => T): T {
  let inner = cache.get(a);
  if (!inner) cache.set(a, (inner = new WeakMap()));
  let v = inner.get(b);
  if (v === undefined) inner.set(b, (v = compute()));
  return v;
}

/** The facts the rules read, from one state; each part is computed only if a rule asks for it. */
export function kernelFacts(s: KernelState, env: Env): KernelFacts {
  return new StateFacts(s, env);
}

type Facts<K extends keyof KernelFacts> = KernelFacts[K];

/** KernelFacts of one state, each computed on first read (a class: the rules read facts of every state). */
class StateFacts implements KernelFacts {
  private cpusCache: Facts<'cpus'> | undefined;
  private tasksCache: Facts<'tasks'> | undefined;
  private pagesCache: Facts<'pagetablePages'> | undefined;
  private aliasesCache: Facts<'textAliases'> | undefined;
  private warningsCache: Facts<'warnings'> | undefined;
  private leftOutCache: Facts<'imageLeftOut'> | undefined;

  constructor(
    private readonly s: KernelState,
    private readonly env: Env,
  ) {}

  get oops(): string | null {
    return this.s.oops ? this.s.oops.message : null;
  }

  get cpus(): Facts<'cpus'> {
    const { s, env } = this;
    return (this.cpusCache ??= s.cpus
      .map((c, cpu) => {
        const task = s.tasks[c.curr];
        const k = new K(s, cpu, env);
        return {
          cpu,
          task: task.comm,
          inInterrupt: k.in_interrupt(),
          lazyMmuActive: is_lazy_mmu_mode_active(k),
          inKernel: task.stack.length > 0 && !task.is_idle,
          porGrantsPgtablesWrite: por_permits(c.por_el1, KPKEYS_PKEY_PGTABLES, 'write'),
          por: c.por_el1,
        };
      }));
  }

  // A plain loop: checked on every state.
  get tasks(): Facts<'tasks'> {
    if (this.tasksCache) return this.tasksCache;
    const out: Facts<'tasks'>[number][] = [];
    const tasks = this.s.tasks;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i];
      if (!t.is_idle) out.push(taskFacts(t)); // one definition with footprint.ts's task<j>.lazy_balanced
    }
    return (this.tasksCache = out);
  }

  // pagetablePages and textAliases depend only on the page tables (and the pages' roles), which
  // most steps leave alone: computed once per Memory value, and shared by Memory values that
  // hold the same tables for the walks (sameWalkedTables).
  get pagetablePages(): Facts<'pagetablePages'> {
    const { s, env } = this;
    return (this.pagesCache ??= memoOn(s.memory, s.pgtable_role, pagetablePagesCache, () =>
      sameWalkedTables(env, s.pgtable_role, s.memory, (walk) => {
        const out: Facts<'pagetablePages'>[number][] = [];
        s.pgtable_role.forEach((role, page) => {
          const w = walk(page);
          out.push({ page, role, pkey: w.ok ? w.leaf.poIndex : null });
        });
        return out;
      }),
    ));
  }

  get textAliases(): Facts<'textAliases'> {
    const { s, env } = this;
    return (this.aliasesCache ??= memoOn(s.memory, env.layout, textAliasesCache, () =>
      sameWalkedTables(env, env.layout, s.memory, (walk) =>
        env.layout.textPages.map((page) => {
          const w = walk(page);
          return { page, writable: w.ok && !w.leaf.rdonly };
        }),
      ),
    ));
  }

  get warnings(): Facts<'warnings'> {
    return (this.warningsCache ??= this.s.warnings.map((w) => w.message).toArray());
  }

  get imageLeftOut(): Facts<'imageLeftOut'> {
    if (this.leftOutCache) return this.leftOutCache;
    const leftOut = this.s.flags.get('hibernate_left_out');
    return (this.leftOutCache = leftOut === undefined ? [] : String(leftOut).split(' ').map(Number));
  }
}

/** One line per CPU: what runs, at which POR level, in which context. */
export function summariseState(s: KernelState): string {
  return s.cpus
    .map((c, i) => {
      const t = s.tasks[c.curr];
      const ctx = [c.hardirq_count ? `hardirq ${c.hardirq_count}` : '', c.softirq_count ? `softirq ${c.softirq_count}` : '', c.preempt_count ? `preempt ${c.preempt_count}` : '']
        .filter(Boolean)
        .join(', ');
      const lazy = t.lazy_mmu_state;
      return `CPU${i}: ${t.comm} POR=0x${c.por_el1.toString(16)} lazy=${lazy.enable_count}/${lazy.pause_count}${ctx ? ` (${ctx})` : ''}${s.oops ? ' OOPS' : ''}`;
    })
    .join('; ');
}

/** Every Record type a kernel state holds: how states cross between worker threads. */
const KERNEL_CODEC = immutableCodec<KernelState>([
  KernelState, Cpu, Task, Frame, LazyMmuState, Mm, Violation, Oops, Warning, ProtChange, LocklessWalk, RcuCallback,
  Memory, PendingStore, TlbEntry, Desc,
]);

/** What a worker needs to build the same model (`--workers N`). */
interface KernelWorkerArgs {
  readonly scenario: string;
  /** A design name, or the file a design was loaded from. */
  readonly design: string | { readonly file: string };
  readonly set?: readonly string[];
  readonly params?: Partial<ScenarioParams>;
  readonly invariants?: readonly string[];
}

/**
 * The worker source and state codec, when a worker can rebuild this model: the scenario is a
 * registered one and the design is a name or a design file. A design object made in code has
 * no file to load, so such a model runs on one thread (the checker says so for --workers).
 */
function workerSupport(scenario: Scenario, o: KernelModelOptions): { workerSource?: WorkerSource; codec: typeof KERNEL_CODEC } {
  const d = o.design ?? 'v6';
  // A registered design goes by name (the command line resolves --design NAME to its object).
  const design =
    typeof d === 'string' ? d : (d as Design).file !== undefined ? { file: (d as Design).file! } : allDesigns().includes(d as Design) ? (d as Design).name : undefined;
  if (design === undefined || !scenario.name) return { codec: KERNEL_CODEC };
  const args: KernelWorkerArgs = {
    scenario: scenario.name,
    design,
    ...(o.set?.length ? { set: o.set } : {}),
    ...(o.params ? { params: o.params } : {}),
    ...(o.invariants ? { invariants: o.invariants } : {}),
  };
  return { workerSource: { module: import.meta.url, export: 'kernelModelForWorker', args }, codec: KERNEL_CODEC };
}

/** A worker thread's copy of a kernel model (see `workerSupport`). */
export async function kernelModelForWorker(args: KernelWorkerArgs): Promise<KernelModel> {
  const { getScenario } = await import('./scenarios/index.ts');
  const { loadDesignFile } = await import('./design-file.ts');
  const design = typeof args.design === 'string' ? args.design : await loadDesignFile(args.design.file);
  return kernelModel(getScenario(args.scenario), {
    design,
    ...(args.set ? { set: args.set } : {}),
    ...(args.params ? { params: args.params } : {}),
    ...(args.invariants ? { invariants: args.invariants } : {}),
  });
}
