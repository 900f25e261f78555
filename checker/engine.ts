/**
 * What every strategy shares: guarded calls into the model, fingerprints, invariant checks,
 * TLC-exact counters, preemption accounting, and the statistics of a finished search.
 */
import type { Invariant, Model } from './model.ts';
import { ModelError, UsageError } from './errors.ts';
import { pastHeapLimit } from './heap.ts';
import {
  extendFingerprint,
  fingerprintFromOverride,
  fingerprintInto,
  fingerprintOf,
  wordOf,
  type Fingerprint,
} from './fingerprint.ts';
import { AmpleSets, REDUCTION_MODES, type LookaheadSupport, resolveReduction, type ReductionMode, type ReductionStats } from './reduction/index.ts';
import { collisionProbability, type Bounds, type CheckResult, type Path, type StopReason, type Stats, type Strategy, type TraceStep } from './result.ts';

export interface CheckOptions {
  readonly strategy?: Strategy;
  /** Longest behaviour explored, in steps (actions) from an initial state. */
  readonly maxDepth?: number;
  /** Stop (verdict `incomplete`) once this many distinct states are found. */
  readonly maxStates?: number;
  /** Stop (verdict `incomplete`) after this many seconds. */
  readonly timeLimitSeconds?: number;
  /** Context bound: switches away from an actor that could still step. Needs `model.actor`. */
  readonly maxPreemptions?: number;
  /** A state with no enabled action that is not `isFinal` is a violation. */
  readonly deadlock?: boolean;
  /** Seed of the random strategy (default 0). */
  readonly seed?: number;
  /** Number of random walks (default 1000). */
  readonly walks?: number;
  /** Keep searching after a violation (first violation per property is kept), as TLC's -continue. */
  readonly continueAfterViolation?: boolean;
  /** Check only these invariants (by name); default all of the model's. */
  readonly invariants?: readonly string[];
  /**
   * Partial-order and symmetry reduction, where the model supports them (default `all`, see reduction/setup.ts).
   * `none` explores every interleaving: BFS then gives the shortest counterexample.
   */
  readonly reduction?: ReductionMode;
  /**
   * BFS under partial-order reduction, the cycle proviso (C3): `deferred` (the default) takes
   * ample sets without looking at their successors, records the edges that leave reduced
   * states, and checks when the search has drained that they form no cycle; if they do, the
   * search runs again with `ids`, which refuses an ample set with a successor found before the
   * state (cheap, but it also refuses edges that close no cycle).
   */
  readonly cycleProviso?: 'deferred' | 'ids';
  /**
   * Worker threads for bfs (default 1: the search runs on the calling thread). Counts, verdict
   * and counterexample are those of one worker. Needs `model.workerSource`; dfs and random
   * refuse more than one.
   */
  readonly workers?: number;
  /**
   * Stop (verdict `incomplete`, reason `max-memory`) once the JavaScript heap in use passes
   * this many bytes, sampled every MEMORY_SAMPLE_EVERY states: a clean stop with statistics
   * instead of V8 dying at its heap limit.
   */
  readonly maxMemoryBytes?: number;
  /**
   * Diagnostics of partial-order reduction: called each time an actor with enabled steps could
   * not be chosen alone at a state, with why (`visible <key>`: it and another actor, here or
   * on the others' future, write keys a checked invariant reads; `conflict <key>`: another
   * actor's future touches it; `look-ahead limit`, `cycle proviso`, ...).
   */
  readonly onReductionRefusal?: (actor: string | number, reason: string) => void;
}

/**
 * States the partial-order look-ahead may visit per question (reduction/ample.ts): enough for
 * a background CPU's whole remaining program; past it the actor is simply not reduced. A
 * complete look-ahead is handed down to the states after it, so a large one is paid once per
 * run of steps; a small limit made the two-CPU seed runs both larger and slower (when it was
 * chosen: 200 gave 10,625 states, 5,000 gave 10,299 with cpus=2, irqs=1; today, with irqs=2
 * and v6-pause-lazy-mmu-in-finish-task-switch, 300 gives 183,893 states, 5,000 154,976).
 */
const LOOKAHEAD_LIMIT = 5000;

/** States (expanded or walked) between two samples of the heap: sampling costs microseconds. */
export const MEMORY_SAMPLE_EVERY = 4096;

/** A successor with the index of the action (in `actions(state)` order) that produced it. */
export interface Successor<S, A> {
  readonly actionIndex: number;
  readonly action: A;
  readonly state: S;
  readonly actor: string | number | null;
}

export interface Progress {
  readonly distinctStates: number;
  readonly generatedStates: number;
  readonly depth: number;
  readonly queue: number;
  readonly seconds: number;
}

/** Search context under context bounding: who stepped last and how many preemptions so far. */
export interface PreemptionContext {
  readonly lastActor: string | number | null;
  readonly preemptions: number;
}

export const NO_CONTEXT: PreemptionContext = { lastActor: null, preemptions: 0 };

export function validateOptions(model: Model<unknown, unknown>, o: CheckOptions): void {
  const nonNegInt = (name: string, v: number | undefined, min = 0) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min))
      throw new UsageError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  nonNegInt('maxDepth', o.maxDepth);
  nonNegInt('maxStates', o.maxStates, 1);
  nonNegInt('maxPreemptions', o.maxPreemptions);
  nonNegInt('walks', o.walks, 1);
  nonNegInt('seed', o.seed);
  nonNegInt('workers', o.workers, 1);
  if (o.workers !== undefined && o.workers > 1 && (o.strategy ?? 'bfs') !== 'bfs')
    throw new UsageError(`workers > 1 is for the bfs strategy; ${o.strategy} runs on one thread (drop --workers or use --strategy bfs)`);
  if (o.workers !== undefined && o.workers > 255) throw new UsageError(`workers must be at most 255, got ${o.workers}`);
  if (o.cycleProviso !== undefined && o.cycleProviso !== 'deferred' && o.cycleProviso !== 'ids')
    throw new UsageError(`cycleProviso must be deferred or ids, got ${JSON.stringify(o.cycleProviso)}`);
  nonNegInt('maxMemoryBytes', o.maxMemoryBytes, 1);
  if (o.timeLimitSeconds !== undefined && !(o.timeLimitSeconds > 0))
    throw new UsageError(`timeLimitSeconds must be > 0, got ${o.timeLimitSeconds}`);
  if (o.maxPreemptions !== undefined && typeof model.actor !== 'function')
    throw new UsageError(`--max-preemptions needs a model that defines actor(action); "${model.name}" does not`);
  if (o.reduction !== undefined && !REDUCTION_MODES.includes(o.reduction))
    throw new UsageError(`reduction must be one of ${REDUCTION_MODES.join(', ')}, got ${String(o.reduction)}`);
  if (o.invariants) {
    const known = new Set(model.invariants.map((i) => i.name));
    for (const name of o.invariants)
      if (!known.has(name))
        throw new UsageError(`unknown invariant "${name}"; model "${model.name}" has: ${[...known].join(', ') || '(none)'}`);
  }
}

export class Engine<S, A> {
  readonly invariants: readonly Invariant<S>[];
  generated = 0;
  maxDepthSeen = 0;
  depthBoundReached = false;
  preemptionBoundReached = false;
  readonly startedAt = performance.now();
  private readonly heapAtStart = process.memoryUsage().heapUsed;
  private peakHeap = this.heapAtStart;
  private untilMemorySample = MEMORY_SAMPLE_EVERY;
  private readonly hasActor: boolean;
  private readonly fpOverride: ((s: S) => bigint | string) | undefined;
  /** What reduction is on (`stats.reduction`). */
  readonly reduction: ReductionStats;
  /** Which cycle proviso the search used (set by the search; reported in the stats). */
  cycleProviso: ReductionStats['cycleProviso'];
  /** Ample-set selection, when partial-order reduction is on. */
  readonly ample: AmpleSets<S> | undefined;
  /** States expanded with a proper ample set. */
  reducedStates = 0;
  /** States with an ample candidate that the cycle proviso expanded fully. */
  provisoExpansions = 0;
  private readonly canonical: ((s: S) => S) | undefined;

  constructor(
    readonly model: Model<S, A>,
    readonly options: CheckOptions,
  ) {
    validateOptions(model as Model<unknown, unknown>, options);
    const only = options.invariants ? new Set(options.invariants) : undefined;
    this.invariants = only ? model.invariants.filter((i) => only.has(i.name)) : model.invariants;
    this.hasActor = typeof model.actor === 'function';
    this.fpOverride = model.fingerprint ? model.fingerprint.bind(model) : undefined;
    this.reduction = resolveReduction(model as Model<unknown, unknown>, options);
    this.ample = this.reduction.por ? new AmpleSets(model.por!, this.invariants, this.lookahead()) : undefined;
    if (this.ample && options.onReductionRefusal) this.ample.onRefusal = options.onReductionRefusal;
    this.canonical = this.reduction.symmetry ? (s) => model.symmetry!.canonical(s) : undefined;
  }

  /**
   * The C1 look-ahead (reduction/ample.ts) explores the other actors' steps from a state: on
   * concrete states (symmetry plays no part), at most LOOKAHEAD_LIMIT of them per question.
   */
  private lookahead(): LookaheadSupport<S> {
    const model = this.model;
    return {
      limit: LOOKAHEAD_LIMIT,
      key: (s) => {
        const f = this.concreteFingerprint(s);
        return `${f.hi}:${f.lo}`;
      },
      successors: (s, without) => {
        if (model.por?.successorsWithout) return model.por.successorsWithout(s, without);
        const out: { actor: string | number | null; state: S }[] = [];
        for (const action of model.actions(s)) {
          const actor = model.actor!(action);
          if (actor === without) continue;
          const next = model.nextState(s, action);
          if (next !== undefined) out.push({ actor, state: next });
        }
        return out;
      },
    };
  }

  /** The cycle proviso rejected an ample candidate: explore every enabled action. */
  expandFully(succs: Successor<S, A>[]): Successor<S, A>[] {
    this.provisoExpansions++;
    return succs;
  }

  /**
   * The ample sets at `state` under partial-order reduction, best first, before the search's
   * cycle proviso: each one actor's enabled steps (none: explore all of `succs`).
   */
  *ampleCandidates(state: S, succs: Successor<S, A>[]): Generator<Successor<S, A>[], void, undefined> {
    if (!this.ample) return;
    const it = this.ample.candidates(state, succs);
    for (;;) {
      let next: IteratorResult<Successor<S, A>[], void>;
      try {
        next = it.next();
      } catch (e) {
        throw new ModelError(this.model.name, 'por (footprint/owner)', undefined, undefined, e);
      }
      if (next.done) return;
      yield next.value;
    }
  }

  /**
   * Partial-order reduction at a state: the first ample set that `provisoHolds` accepts, or
   * all of `succs` (counted as a proviso expansion when some ample set was refused).
   */
  reduce(state: S, succs: Successor<S, A>[], provisoHolds: (ample: Successor<S, A>[]) => boolean): Successor<S, A>[] {
    let refused = false;
    let taken: Successor<S, A>[] | undefined;
    for (const ample of this.ampleCandidates(state, succs)) {
      if (provisoHolds(ample)) {
        this.reducedStates++;
        taken = ample;
        break;
      }
      refused = true;
      if (ample[0].actor !== null) this.options.onReductionRefusal?.(ample[0].actor, 'cycle proviso');
    }
    if (taken === undefined) taken = refused ? this.expandFully(succs) : succs;
    try {
      this.ample!.expanded(state, taken);
    } catch (e) {
      throw new ModelError(this.model.name, 'por (footprint/owner)', undefined, undefined, e);
    }
    return taken;
  }

  get bounded(): boolean {
    return this.options.maxPreemptions !== undefined;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  timeUp(): boolean {
    const t = this.options.timeLimitSeconds;
    return t !== undefined && this.elapsedSeconds() >= t;
  }

  /** Called once per state a strategy expands: true when a sample finds the heap over the limit. */
  overMemory(): boolean {
    if (--this.untilMemorySample > 0) return false;
    this.untilMemorySample = MEMORY_SAMPLE_EVERY;
    return this.memoryExceeded();
  }

  /**
   * Samples the heap; true when over `maxMemoryBytes`. The heap in use counts garbage not
   * collected yet: past the limit, a full collection first, and true only if what is left is
   * over 9/10 of the limit.
   */
  memoryExceeded(): boolean {
    const limit = this.options.maxMemoryBytes;
    const used = this.sampleHeap();
    return limit !== undefined && pastHeapLimit(used, limit);
  }

  /** The heap in use now (kept as the peak when higher). */
  private sampleHeap(): number {
    const used = process.memoryUsage().heapUsed;
    if (used > this.peakHeap) this.peakHeap = used;
    return used;
  }

  initialStates(): S[] {
    let inits: S[];
    try {
      inits = [...this.model.initialStates()];
    } catch (e) {
      throw new ModelError(this.model.name, 'initialStates', undefined, undefined, e);
    }
    // An empty space would "pass" every invariant: a model mistake, not a verdict.
    if (inits.length === 0) throw ModelError.contract(this.model.name, 'initialStates', 'initialStates() returned no state: there is nothing to check');
    return inits;
  }

  label(action: A): string {
    if (!this.model.formatAction) return stableString(action);
    try {
      return this.model.formatAction(action);
    } catch (e) {
      throw new ModelError(this.model.name, 'formatAction', undefined, undefined, e);
    }
  }

  actorOf(action: A): string | number | null {
    if (!this.hasActor) return null;
    try {
      return this.model.actor!(action);
    } catch (e) {
      throw new ModelError(this.model.name, 'actor', this.safeLabel(action), undefined, e);
    }
  }

  private safeLabel(action: A): string {
    try {
      return this.label(action);
    } catch {
      return stableString(action);
    }
  }

  fingerprint(concrete: S): Fingerprint {
    let state = concrete;
    try {
      if (this.canonical) state = this.canonical(concrete);
    } catch (e) {
      throw new ModelError(this.model.name, 'symmetry.canonical', undefined, undefined, e);
    }
    return this.concreteFingerprint(state);
  }

  /** The fingerprint of a state as it is (no symmetry): the model's own, or the structural one. */
  private concreteFingerprint(state: S): Fingerprint {
    try {
      return this.fpOverride ? fingerprintFromOverride(this.fpOverride(state)) : fingerprintOf(state);
    } catch (e) {
      throw new ModelError(this.model.name, this.fpOverride ? 'fingerprint' : 'fingerprint (default)', undefined, undefined, e);
    }
  }

  /**
   * `nodeFingerprint` into `out`: the search's hot path, which allocates nothing for the
   * default fingerprint of an unbounded search.
   */
  nodeFingerprintInto(state: S, ctx: PreemptionContext, out: { hi: number; lo: number }): void {
    if (this.fpOverride || this.bounded || this.canonical) {
      const fp = this.nodeFingerprint(state, ctx);
      out.hi = fp.hi;
      out.lo = fp.lo;
      return;
    }
    try {
      fingerprintInto(state, out);
    } catch (e) {
      throw new ModelError(this.model.name, 'fingerprint (default)', undefined, undefined, e);
    }
  }

  /** The fingerprint of a search node: the state, plus the preemption context when bounded. */
  nodeFingerprint(state: S, ctx: PreemptionContext): Fingerprint {
    const fp = this.fingerprint(state);
    if (!this.bounded) return fp;
    return extendFingerprint(fp, ctx.lastActor === null ? 0 : wordOf(ctx.lastActor), ctx.preemptions);
  }

  /**
   * Every enabled successor of `state`, in action order. `step` is the step number of the
   * successors (for error messages). Counts each as generated.
   */
  successors(state: S, step: number): Successor<S, A>[] {
    let actions: readonly A[];
    try {
      // An array is read as it is (never written): no copy per state.
      const listed = this.model.actions(state);
      actions = Array.isArray(listed) ? (listed as readonly A[]) : [...listed];
    } catch (e) {
      throw new ModelError(this.model.name, 'actions', undefined, step, e);
    }
    const out: Successor<S, A>[] = [];
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i];
      let next: S | undefined;
      try {
        next = this.model.nextState(state, action);
      } catch (e) {
        throw new ModelError(this.model.name, 'nextState', this.safeLabel(action), step, e);
      }
      if (next === undefined) continue;
      this.generated++;
      out.push({ actionIndex: i, action, state: next, actor: this.actorOf(action) });
    }
    if (out.length > 1 && this.model.formatAction) this.requireDistinctLabels(out, step);
    return out;
  }

  /** Replay finds actions by label: two enabled actions with one label would be ambiguous. */
  private requireDistinctLabels(succs: readonly Successor<S, A>[], step: number): void {
    const seen = new Set<string>();
    for (const s of succs) {
      const label = this.label(s.action);
      if (seen.has(label))
        throw ModelError.contract(
          this.model.name,
          'formatAction',
          `two actions enabled in one state have the same label "${label}" (formatAction must tell enabled actions apart: replay finds them by label)`,
          step,
        );
      seen.add(label);
    }
  }

  /** Does `state` have an enabled action? (Not counted as generated: used to report bounds.) */
  hasSuccessor(state: S): boolean {
    try {
      for (const a of this.model.actions(state)) if (this.model.nextState(state, a) !== undefined) return true;
    } catch {
      return false; // the search itself reports model errors where they happen
    }
    return false;
  }

  /**
   * Applies the preemption bound: which successors may be taken from context `ctx`, and the
   * context after each. A switch away from `ctx.lastActor` while it could still step counts.
   */
  bound(succs: Successor<S, A>[], ctx: PreemptionContext): { succ: Successor<S, A>; ctx: PreemptionContext }[] {
    if (!this.bounded) return succs.map((succ) => ({ succ, ctx: NO_CONTEXT }));
    const limit = this.options.maxPreemptions!;
    const lastCanStep = ctx.lastActor !== null && succs.some((s) => s.actor === ctx.lastActor);
    const out: { succ: Successor<S, A>; ctx: PreemptionContext }[] = [];
    for (const succ of succs) {
      const preempts = lastCanStep && succ.actor !== ctx.lastActor;
      const preemptions = ctx.preemptions + (preempts ? 1 : 0);
      if (preemptions > limit) {
        this.preemptionBoundReached = true;
        continue;
      }
      out.push({ succ, ctx: { lastActor: succ.actor, preemptions } });
    }
    return out;
  }

  /** The name of the first invariant `state` violates, or undefined. */
  violatedInvariant(state: S, step: number): string | undefined {
    for (const inv of this.invariants) {
      let ok: boolean;
      try {
        ok = inv.holds(state);
      } catch (e) {
        throw new ModelError(this.model.name, `invariant ${inv.name}`, undefined, step, e);
      }
      if (!ok) return inv.name;
    }
    return undefined;
  }

  isFinal(state: S): boolean {
    if (!this.model.isFinal) return false;
    try {
      return this.model.isFinal(state);
    } catch (e) {
      throw new ModelError(this.model.name, 'isFinal', undefined, undefined, e);
    }
  }

  /** Trace steps (labels and actors) of a path. */
  traceOf(path: Path<S, A>): TraceStep[] {
    return path.steps.map((s) => ({ action: this.label(s.action), actor: this.actorOf(s.action) }));
  }

  stats(distinct: number, tableBytes: number): Stats {
    const seconds = this.elapsedSeconds();
    this.sampleHeap(); // a last sample of the peak
    // The table lives outside the JS heap (typed arrays); the frontier, states and paths in it.
    const searchBytes = tableBytes + (this.peakHeap - this.heapAtStart);
    return {
      distinctStates: distinct,
      generatedStates: this.generated,
      depth: this.maxDepthSeen,
      seconds: round(seconds, 3),
      statesPerSecond: seconds > 0 ? Math.round(distinct / seconds) : 0,
      bytesPerState: distinct > 0 ? round(searchBytes / distinct, 1) : 0,
      tableBytesPerState: distinct > 0 ? round(tableBytes / distinct, 1) : 0,
      collisionProbability: collisionProbability(distinct, this.generated),
      reduction: this.reduction.por
        ? {
            ...this.reduction,
            reducedStates: this.reducedStates,
            provisoExpansions: this.provisoExpansions,
            lookaheads: this.ample?.lookaheads ?? 0,
            ...(this.cycleProviso ? { cycleProviso: this.cycleProviso } : {}),
          }
        : this.reduction,
    };
  }

  bounds(): Bounds {
    const o = this.options;
    const b: Record<string, unknown> = {};
    if (o.maxDepth !== undefined) b.maxDepth = o.maxDepth;
    if (o.maxStates !== undefined) b.maxStates = o.maxStates;
    if (o.timeLimitSeconds !== undefined) b.timeLimitSeconds = o.timeLimitSeconds;
    if (o.maxPreemptions !== undefined) b.maxPreemptions = o.maxPreemptions;
    b.deadlock = o.deadlock ?? false;
    if (o.strategy === 'random') b.walks = o.walks ?? DEFAULT_WALKS;
    return b as Bounds;
  }
}

export const DEFAULT_WALKS = 1000;
export const DEFAULT_RANDOM_DEPTH = 100;

/** A search that can be run in slices, so a driver can print progress and honour Ctrl-C. */
export interface Search<S, A> {
  /** Runs until finished or until `deadline` (a `performance.now()` time). True when finished. */
  runSlice(deadline: number): boolean;
  progress(): Progress;
  /** The result; `stop` says why the driver stopped it early. */
  result(stop?: StopReason): CheckResult<S, A>;
}

export interface Finding<S, A> {
  readonly property: string;
  readonly path: Path<S, A>;
}

/** Builds the final result from what a strategy found. */
export function buildResult<S, A>(
  engine: Engine<S, A>,
  strategy: Strategy,
  findings: readonly Finding<S, A>[],
  distinct: number,
  tableBytes: number,
  exhausted: boolean,
  stop: StopReason | undefined,
  extra: Partial<CheckResult<S, A>> = {},
): CheckResult<S, A> {
  const first = findings[0];
  const verdict = first ? (first.property === 'deadlock' ? 'deadlock' : 'violation') : stop ? 'incomplete' : 'pass';
  const base: CheckResult<S, A> = {
    model: engine.model.name,
    strategy,
    ...(strategy === 'random' ? { seed: engine.options.seed ?? 0 } : {}),
    verdict,
    complete: exhausted && !stop,
    ...(first ? { property: first.property } : {}),
    ...(stop ? { stopReason: stop } : {}),
    ...(first ? { trace: engine.traceOf(first.path) } : {}),
    stats: engine.stats(distinct, tableBytes),
    bounds: engine.bounds(),
    boundsReached: { maxDepth: engine.depthBoundReached, maxPreemptions: engine.preemptionBoundReached },
    ...(first ? { path: first.path } : {}),
    ...(engine.options.continueAfterViolation
      ? { violations: findings.map((f) => ({ property: f.property, trace: engine.traceOf(f.path) })) }
      : {}),
    ...extra,
  };
  return base;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A deterministic rendering of an action without `formatAction` (sorted keys). */
export function stableString(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? value : String(value);
  if (Array.isArray(value)) return `[${value.map(stableString).join(',')}]`;
  const obj = value as Record<string, unknown>;
  if (typeof (obj as { toJS?: unknown }).toJS === 'function') return stableString((obj as { toJS(): unknown }).toJS());
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${k}:${stableString(obj[k])}`)
    .join(',')}}`;
}
