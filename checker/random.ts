/**
 * Random walks driven by fast-check.
 *
 * A walk is a sequence of choices, interpreted leniently: choice k picks among the actions
 * enabled at step k (`choice mod enabled`), and the walk ends when the choices run out, no
 * action is enabled, or the depth bound is reached. Every array of naturals is therefore a
 * valid schedule, which lets fast-check's integrated shrinking (drop elements, move values
 * towards 0 = the first enabled action) shorten a failing walk without ever producing an
 * invalid one. Shrinking keeps the property that failed first.
 *
 * Walks run in fixed batches of fast-check runs whose seeds derive from `--seed`, so the
 * result does not depend on how the driver slices time.
 */
import fc from 'fast-check';
import type { Model } from './model.ts';
import { VisitedTable } from './visited.ts';
import {
  buildResult,
  DEFAULT_RANDOM_DEPTH,
  DEFAULT_WALKS,
  Engine,
  NO_CONTEXT,
  type CheckOptions,
  type Finding,
  type Progress,
  type Search,
} from './engine.ts';
import type { CheckResult, Path, StopReason } from './result.ts';

const BATCH = 100;

interface WalkOutcome<S, A> {
  readonly property?: string;
  readonly path: Path<S, A>;
}

export class RandomSearch<S, A> implements Search<S, A> {
  private readonly engine: Engine<S, A>;
  private readonly table = new VisitedTable();
  /** Visited states that violate an invariant (by table id), so a later walk reports them too. */
  private readonly badStates = new Map<number, string>();
  private readonly walks: number;
  private readonly depth: number;
  private readonly seed: number;
  private walksDone = 0;
  private batch = 0;
  private inits: S[] | undefined;
  /** The property the first failing walk violated; shrinking must keep violating it. */
  private target: string | undefined;
  private originalLength = 0;
  private finding: Finding<S, A> | undefined;
  private finished = false;
  private stoppedBy: StopReason | undefined;
  private stopRequest: StopReason | undefined;
  private modelError: unknown;
  private deadline = Infinity;

  constructor(model: Model<S, A>, options: CheckOptions) {
    this.engine = new Engine(model, { ...options, strategy: 'random' });
    this.walks = options.walks ?? DEFAULT_WALKS;
    this.depth = options.maxDepth ?? DEFAULT_RANDOM_DEPTH;
    this.seed = options.seed ?? 0;
  }

  /** Runs one walk. Counts generated and distinct states as the other strategies do. */
  private walk(choices: readonly number[]): WalkOutcome<S, A> {
    const e = this.engine;
    const o = e.options;
    const inits = this.inits!;
    const initial = inits[(choices[0] ?? 0) % inits.length];
    const steps: { action: A; state: S }[] = [];
    const check = (state: S, n: number): string | undefined => {
      const fp = e.fingerprint(state);
      const id = this.table.insert(fp);
      if (n + 1 > e.maxDepthSeen) e.maxDepthSeen = n + 1;
      if (id < 0) return this.badStates.get(-id - 1); // invariants were checked on the first visit
      const bad = e.violatedInvariant(state, n);
      if (bad !== undefined) this.badStates.set(id, bad);
      return bad;
    };
    let bad = check(initial, 0);
    if (bad !== undefined) return { property: bad, path: { initial, steps } };
    let state = initial;
    let ctx = NO_CONTEXT;
    const limit = Math.min(this.depth, Math.max(0, choices.length - 1));
    for (let n = 1; n <= limit; n++) {
      const succs = e.successors(state, n);
      if (succs.length === 0) {
        if (o.deadlock && !e.isFinal(state)) return { property: 'deadlock', path: { initial, steps } };
        break;
      }
      const allowed = e.bound(succs, ctx);
      if (allowed.length === 0) break;
      const pick = allowed[choices[n] % allowed.length];
      ctx = pick.ctx;
      state = pick.succ.state;
      steps.push({ action: pick.succ.action, state });
      bad = check(state, n);
      if (bad !== undefined) return { property: bad, path: { initial, steps } };
    }
    if (steps.length === this.depth && !e.depthBoundReached && e.hasSuccessor(state)) e.depthBoundReached = true;
    return { path: { initial, steps } };
  }

  /** The fast-check property: a walk passes unless it violates the target property. */
  private passes = (choices: number[]): boolean => {
    if (this.stopRequest || this.modelError) return true;
    if (this.limitsHit()) return true;
    let out: WalkOutcome<S, A>;
    try {
      out = this.walk(choices);
    } catch (e) {
      // A model that throws is an input error, not a failing walk: keep it for after fc.check.
      this.modelError = e;
      return true;
    }
    if (out.property === undefined) return true;
    if (this.target === undefined) {
      this.target = out.property;
      this.originalLength = out.path.steps.length;
    }
    return out.property !== this.target;
  };

  private limitsHit(): boolean {
    const o = this.engine.options;
    if (o.maxStates !== undefined && this.table.size >= o.maxStates) this.stopRequest = 'max-states';
    else if (this.engine.timeUp()) this.stopRequest = 'time-limit';
    else if (o.maxMemoryBytes !== undefined && this.engine.memoryExceeded()) this.stopRequest = 'max-memory'; // once per walk
    return this.stopRequest !== undefined;
  }

  runSlice(deadline: number): boolean {
    if (this.finished) return true;
    this.deadline = deadline;
    if (!this.inits) this.inits = this.engine.initialStates();
    const arb = fc.array(fc.nat(), { minLength: 1, maxLength: this.depth + 1, size: 'max' });
    while (this.walksDone < this.walks) {
      if (performance.now() >= this.deadline) return false;
      const numRuns = Math.min(BATCH, this.walks - this.walksDone);
      const details = fc.check(fc.property(arb, this.passes), {
        seed: batchSeed(this.seed, this.batch),
        numRuns,
      });
      this.batch++;
      this.walksDone += numRuns;
      if (this.modelError !== undefined) throw this.modelError;
      // A violation found before a limit stopped the search is still reported.
      if (details.failed && details.counterexample) {
        const out = this.walk(details.counterexample[0]);
        if (out.property !== undefined) this.finding = { property: out.property, path: out.path };
        return this.finish();
      }
      if (this.stopRequest) return this.finish(this.stopRequest);
    }
    return this.finish();
  }

  private finish(stop?: StopReason): boolean {
    this.finished = true;
    this.stoppedBy = stop;
    return true;
  }

  progress(): Progress {
    return {
      distinctStates: this.table.size,
      generatedStates: this.engine.generated,
      depth: this.engine.maxDepthSeen,
      queue: this.walks - this.walksDone,
      seconds: this.engine.elapsedSeconds(),
    };
  }

  result(stop?: StopReason): CheckResult<S, A> {
    const reason = stop ?? this.stoppedBy;
    const findings = this.finding ? [this.finding] : [];
    const extra = this.finding
      ? { shrunk: this.finding.path.steps.length < this.originalLength, originalLength: this.originalLength }
      : {};
    // Random walks never prove the absence of a violation: complete is always false.
    return buildResult(this.engine, 'random', findings, this.table.size, this.table.bytes, false, reason, extra as never);
  }
}

/** Seeds of successive batches: a fixed function of the user's seed. */
function batchSeed(seed: number, batch: number): number {
  let h = (seed ^ Math.imul(batch + 1, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
