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
  private readonly scratch = { hi: 0, lo: 0 };
  /** The id `visit` gave the state it was handed, or -1 if the state was already known (its fingerprint is in `scratch`). */
  private visitedId = -1;

  /** The deferred cycle proviso is on: edges leaving reduced states, as (from, to) node ids. */
  private readonly deferred: boolean;
  private reducedEdges = new Int32Array(0);
  private reducedEdgeCount = 0;
  /** The search run again with the `ids` proviso, when the deferred check found a cycle. */
  private rerun: BfsSearch<S, A> | undefined;

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: CheckOptions,
  ) {
    this.engine = new Engine(model, options);
    this.modelStates = this.engine.bounded ? new VisitedTable() : undefined;
    this.deferred = this.engine.ample !== undefined && options.cycleProviso !== 'ids';
    if (this.engine.ample) this.engine.cycleProviso = this.deferred ? 'deferred' : 'ids';
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
    this.visitedId = id;
    if (id < 0) return true;
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
    if (this.rerun) return this.rerun.runSlice(deadline);
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
        const record = this.deferred && explored.length < succs.length;
        for (const succ of explored) {
          if (!this.visit(succ.state, node.id, succ.actionIndex, node.steps + 1, NO_CONTEXT)) return this.finish();
          if (record) this.recordReducedEdge(node.id, this.visitedId >= 0 ? this.visitedId : this.table.find(this.scratch));
        }
        continue;
      }
      for (const { succ, ctx } of e.bound(explored, node.ctx)) {
        if (!this.visit(succ.state, node.id, succ.actionIndex, node.steps + 1, ctx)) return this.finish();
      }
    }
    if (this.deferred && this.reducedEdgesHaveCycle()) return this.searchAgainWithIds(deadline);
    return this.finish();
  }

  /**
   * Partial-order reduction at `node`: the first ample set none of whose successors was seen
   * before the node itself (the cycle proviso, C3). Node ids grow in the order states are
   * found, so every edge that leaves a reduced state goes to a larger id; a cycle cannot
   * always go up, so the edge where it goes down leaves a fully expanded state, and every
   * cycle holds one. This is the depth proviso of Bošnački, Leue & Lluch Lafuente (STTT 2009:
   * refuse a successor at a depth no greater than the node's) with the order refined from
   * BFS levels to ids: a successor found later in the node's own level is accepted too.
   */
  private ample(node: Node<S>, succs: Successor<S, A>[]): Successor<S, A>[] {
    const e = this.engine;
    if (this.deferred) return e.reduce(node.state, succs, () => true);
    return e.reduce(node.state, succs, (ample) =>
      ample.every((succ) => {
        const id = this.table.find(e.fingerprint(succ.state));
        return id < 0 || id > node.id;
      }),
    );
  }

  private recordReducedEdge(from: number, to: number): void {
    if (this.reducedEdgeCount * 2 === this.reducedEdges.length) {
      const grown = new Int32Array(Math.max(1024, this.reducedEdges.length * 2));
      grown.set(this.reducedEdges);
      this.reducedEdges = grown;
    }
    this.reducedEdges[this.reducedEdgeCount * 2] = from;
    this.reducedEdges[this.reducedEdgeCount * 2 + 1] = to;
    this.reducedEdgeCount++;
  }

  /**
   * The deferred cycle proviso (C3): every cycle of the reduced graph must pass a fully
   * expanded state, i.e. the edges that leave reduced states must form no cycle (a cycle of
   * them would be one through reduced states only). Kahn's algorithm on those edges: a node
   * left with incoming edges after every source-free node is peeled off lies on a cycle.
   */
  private reducedEdgesHaveCycle(): boolean {
    const m = this.reducedEdgeCount;
    if (m === 0) return false;
    const edges = this.reducedEdges;
    const n = this.table.size;
    const indegree = new Int32Array(n);
    const outStart = new Int32Array(n + 1);
    for (let k = 0; k < m; k++) {
      outStart[edges[2 * k] + 1]++;
      indegree[edges[2 * k + 1]]++;
    }
    for (let v = 0; v < n; v++) outStart[v + 1] += outStart[v];
    const fill = outStart.slice(0, n);
    const targets = new Int32Array(m);
    for (let k = 0; k < m; k++) targets[fill[edges[2 * k]]++] = edges[2 * k + 1];
    const ready: number[] = [];
    for (let v = 0; v < n; v++) if (indegree[v] === 0 && outStart[v + 1] > outStart[v]) ready.push(v);
    let removed = 0;
    while (ready.length > 0) {
      const v = ready.pop()!;
      for (let k = outStart[v]; k < outStart[v + 1]; k++) {
        removed++;
        const t = targets[k];
        if (--indegree[t] === 0 && outStart[t + 1] > outStart[t]) ready.push(t);
      }
    }
    return removed < m;
  }

  /** The reduced graph had a cycle of reduced states: search again with the `ids` proviso. */
  private searchAgainWithIds(deadline: number): boolean {
    const o = this.options;
    const left = o.timeLimitSeconds === undefined ? undefined : Math.max(0, o.timeLimitSeconds - this.engine.elapsedSeconds());
    this.rerun = new BfsSearch(this.model, { ...o, cycleProviso: 'ids', ...(left === undefined ? {} : { timeLimitSeconds: left }) });
    this.rerun.engine.cycleProviso = 'deferred, then ids';
    return this.rerun.runSlice(deadline);
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
    if (this.rerun) return this.rerun.progress();
    return {
      distinctStates: this.distinct,
      generatedStates: this.engine.generated,
      depth: this.engine.maxDepthSeen,
      queue: this.queue.length - this.head,
      seconds: this.engine.elapsedSeconds(),
    };
  }

  result(stop?: StopReason): CheckResult<S, A> {
    if (this.rerun) return this.rerun.result(stop);
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
