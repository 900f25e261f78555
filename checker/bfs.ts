/**
 * Breadth-first search with TLC's counting: the first violation found has a shortest trace.
 *
 * Invariants are checked on every new distinct state (initial states included), as TLC does.
 * Only fingerprints and parent links are kept; a trace is rebuilt by replaying action
 * indices from the initial state.
 */
import type { Model } from './model.ts';
import { ModelError } from './errors.ts';
import { VisitedTable } from './visited.ts';
import { buildResult, Engine, NO_CONTEXT, type CheckOptions, type Finding, type PreemptionContext, type Progress, type Search, type Successor } from './engine.ts';
import type { CheckResult, Path, StopReason } from './result.ts';

interface Node<S> {
  readonly state: S;
  readonly id: number;
  /** Steps from the initial state. */
  readonly steps: number;
  readonly ctx: PreemptionContext;
}

export class BfsSearch<S, A> implements Search<S, A> {
  private readonly engine: Engine<S, A>;
  private readonly table = new VisitedTable({ parents: true });
  /** Model states seen, when the table holds (state, preemption context) nodes. */
  private readonly modelStates: VisitedTable | undefined;
  private queue: Node<S>[] = [];
  private head = 0;
  private readonly findings: Finding<S, A>[] = [];
  private readonly foundProperties = new Set<string>();
  private started = false;
  private initialIndex = 0;
  private finished = false;
  private stoppedBy: StopReason | undefined;
  /** levelStart[d]: the first id at BFS depth d (ids are assigned level by level). */
  private readonly levelStart: number[] = [];
  private readonly scratch = { hi: 0, lo: 0 };

  constructor(model: Model<S, A>, options: CheckOptions) {
    this.engine = new Engine(model, options);
    this.modelStates = this.engine.bounded ? new VisitedTable() : undefined;
  }

  private get distinct(): number {
    return this.modelStates ? this.modelStates.size : this.table.size;
  }

  private get tableBytes(): number {
    return this.table.bytes + (this.modelStates?.bytes ?? 0);
  }

  /** Records a new node; returns false when the search must stop (a violation, no -continue). */
  private visit(state: S, parent: number, action: number, steps: number, ctx: PreemptionContext): boolean {
    const e = this.engine;
    const fp = this.scratch;
    e.nodeFingerprintInto(state, ctx, fp);
    const id = this.table.insertHiLo(fp.hi, fp.lo, parent, action);
    if (id < 0) return true;
    if (steps >= this.levelStart.length) this.levelStart.push(id);
    let isNewModelState = true;
    if (this.modelStates) isNewModelState = this.modelStates.insert(e.fingerprint(state)) >= 0;
    if (steps + 1 > e.maxDepthSeen) e.maxDepthSeen = steps + 1;
    if (isNewModelState) {
      const bad = e.violatedInvariant(state, steps);
      if (bad !== undefined && !this.foundProperties.has(bad)) {
        this.foundProperties.add(bad);
        this.findings.push({ property: bad, path: this.rebuild(id) });
        if (!e.options.continueAfterViolation) return false;
      }
    }
    this.queue.push({ state, id, steps, ctx });
    return true;
  }

  runSlice(deadline: number): boolean {
    if (this.finished) return true;
    const e = this.engine;
    const o = e.options;
    if (!this.started) {
      this.started = true;
      for (const s of e.initialStates()) {
        e.generated++;
        if (!this.visit(s, -1, this.initialIndex++, 0, NO_CONTEXT)) return this.finish();
      }
    }
    let n = 0;
    while (this.head < this.queue.length) {
      if ((++n & 63) === 0) {
        const now = performance.now();
        if (e.timeUp()) return this.finish('time-limit');
        if (now >= deadline) return false;
      }
      if (o.maxStates !== undefined && this.distinct >= o.maxStates) return this.finish('max-states');
      if (e.overMemory()) return this.finish('max-memory');
      const node = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as Node<S>; // let the state be collected
      if (this.head > 65536 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (o.maxDepth !== undefined && node.steps >= o.maxDepth) {
        if (!e.depthBoundReached && e.hasSuccessor(node.state)) e.depthBoundReached = true;
        continue;
      }
      const succs = e.successors(node.state, node.steps + 1);
      if (succs.length === 0) {
        if (o.deadlock && !e.isFinal(node.state) && !this.foundProperties.has('deadlock')) {
          this.foundProperties.add('deadlock');
          this.findings.push({ property: 'deadlock', path: this.rebuild(node.id) });
          if (!o.continueAfterViolation) return this.finish();
        }
        continue;
      }
      const explored = e.ample ? this.ample(node, succs) : succs;
      if (!e.bounded) {
        for (const succ of explored)
          if (!this.visit(succ.state, node.id, succ.actionIndex, node.steps + 1, NO_CONTEXT)) return this.finish();
        continue;
      }
      for (const { succ, ctx } of e.bound(explored, node.ctx)) {
        if (!this.visit(succ.state, node.id, succ.actionIndex, node.steps + 1, ctx)) return this.finish();
      }
    }
    return this.finish();
  }

  /**
   * Partial-order reduction at `node`: the first ample set none of whose successors was
   * already seen at a depth no greater than the node's (the BFS cycle proviso:
   * an edge of the reduced graph that does not go one level deeper leaves a fully expanded
   * state, so every cycle holds one; after Bošnački, Leue & Lluch Lafuente, STTT 2009).
   */
  private ample(node: Node<S>, succs: Successor<S, A>[]): Successor<S, A>[] {
    const e = this.engine;
    return e.reduce(node.state, succs, (ample) =>
      ample.every((succ) => {
        const id = this.table.find(e.fingerprint(succ.state));
        return id < 0 || this.depthOfId(id) > node.steps;
      }),
    );
  }


  /** The BFS depth of a node id, from the level boundaries. */
  private depthOfId(id: number): number {
    let lo = 0;
    let hi = this.levelStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.levelStart[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private finish(stop?: StopReason): boolean {
    this.finished = true;
    this.stoppedBy = stop;
    return true;
  }

  /** Rebuilds the path to `id` by replaying action indices from its initial state. */
  private rebuild(id: number): Path<S, A> {
    return pathTo(this.engine, this.table, id);
  }

  progress(): Progress {
    return {
      distinctStates: this.distinct,
      generatedStates: this.engine.generated,
      depth: this.engine.maxDepthSeen,
      queue: this.queue.length - this.head,
      seconds: this.engine.elapsedSeconds(),
    };
  }

  result(stop?: StopReason): CheckResult<S, A> {
    const reason = stop ?? this.stoppedBy;
    const drained = this.finished && this.head >= this.queue.length;
    const exhausted = drained && (this.findings.length === 0 || !!this.engine.options.continueAfterViolation);
    return buildResult(this.engine, 'bfs', this.findings, this.distinct, this.tableBytes, exhausted, reason);
  }
}

/** The path to node `id` of a table with parent links, rebuilt by replaying its action indices. */
export function pathTo<S, A>(engine: Engine<S, A>, table: VisitedTable, id: number): Path<S, A> {
  const indices: number[] = [];
  let cur = id;
  for (;;) {
    const parent = table.parentOf(cur);
    indices.push(table.actionOf(cur));
    if (parent < 0) break;
    cur = parent;
  }
  indices.reverse();
  return replayIndices(engine, indices);
}

/**
 * Replays `[initialIndex, actionIndex...]` and returns the path. Throws if the model does not
 * reproduce a state (a nondeterministic model).
 */
export function replayIndices<S, A>(engine: Engine<S, A>, indices: readonly number[]): Path<S, A> {
  const inits = engine.initialStates();
  const initial = inits[indices[0]];
  const steps: { action: A; state: S }[] = [];
  let state = initial;
  for (let k = 1; k < indices.length; k++) {
    const actions = [...engine.model.actions(state)];
    const action = actions[indices[k]];
    const next = action === undefined ? undefined : engine.model.nextState(state, action);
    if (next === undefined)
      throw new ModelError(engine.model.name, 'actions', undefined, k, new Error('the model is not deterministic: replaying its trace, an action is no longer enabled'));
    steps.push({ action, state: next });
    state = next;
  }
  return { initial, steps };
}
