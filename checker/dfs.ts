/**
 * Depth-first search, bounded by `maxDepth` when given: memory-light (the stack is the path),
 * traces are not shortest (shrink them with counterexamples/shrink.ts).
 *
 * With a depth bound, a state first reached deep may later be reached shallower; it is then
 * explored again from the shallower depth, so that everything within the bound is covered.
 */
import type { Model } from './model.ts';
import { VisitedTable } from './visited.ts';
import { buildResult, Engine, NO_CONTEXT, type CheckOptions, type Finding, type PreemptionContext, type Progress, type Search, type Successor } from './engine.ts';
import type { Fingerprint } from './fingerprint.ts';
import type { CheckResult, Path, StopReason } from './result.ts';

const fpKey = (fp: Fingerprint): string => `${fp.hi}:${fp.lo}`;

interface Frame<S, A> {
  readonly state: S;
  readonly steps: number;
  readonly ctx: PreemptionContext;
  /** The action that led here from the frame below (undefined for an initial state). */
  readonly via: A | undefined;
  succs: { succ: Successor<S, A>; ctx: PreemptionContext }[] | undefined;
  next: number;
  /** The frame's fingerprint, kept while partial-order reduction needs the stack's contents. */
  readonly key?: string;
}

export class DfsSearch<S, A> implements Search<S, A> {
  private readonly engine: Engine<S, A>;
  private readonly table: VisitedTable;
  private readonly modelStates: VisitedTable | undefined;
  private readonly stack: Frame<S, A>[] = [];
  private inits: S[] | undefined;
  private nextInit = 0;
  private readonly findings: Finding<S, A>[] = [];
  private readonly foundProperties = new Set<string>();
  private finished = false;
  private stoppedBy: StopReason | undefined;
  /** Fingerprints on the stack (partial-order reduction's stack proviso), with multiplicity. */
  private readonly onStack = new Map<string, number>();

  constructor(model: Model<S, A>, options: CheckOptions) {
    this.engine = new Engine(model, options);
    if (this.engine.ample) this.engine.cycleProviso = 'stack';
    this.table = new VisitedTable({ depths: options.maxDepth !== undefined });
    this.modelStates = this.engine.bounded ? new VisitedTable() : undefined;
  }

  private get distinct(): number {
    return this.modelStates ? this.modelStates.size : this.table.size;
  }

  /** Enters a state reached at `steps`; false when the search must stop. */
  private enter(state: S, steps: number, ctx: PreemptionContext, via: A | undefined): boolean {
    const e = this.engine;
    const fp = e.nodeFingerprint(state, ctx);
    const id = this.table.insert(fp, -1, 0, steps);
    if (id < 0) {
      // Seen before: explore again only if now reached with more depth budget left.
      const old = -id - 1;
      if (e.options.maxDepth === undefined || this.table.depth(old) <= steps) return true;
      this.table.setDepth(old, steps);
    } else {
      let isNew = true;
      if (this.modelStates) isNew = this.modelStates.insert(e.fingerprint(state)) >= 0;
      if (isNew) {
        const bad = e.violatedInvariant(state, steps);
        if (bad !== undefined && !this.foundProperties.has(bad)) {
          this.foundProperties.add(bad);
          this.findings.push({ property: bad, path: this.pathTo(state, via) });
          if (!e.options.continueAfterViolation) return false;
        }
      }
    }
    if (steps + 1 > e.maxDepthSeen) e.maxDepthSeen = steps + 1;
    if (e.ample) {
      const key = fpKey(fp);
      this.onStack.set(key, (this.onStack.get(key) ?? 0) + 1);
      this.stack.push({ state, steps, ctx, via, succs: undefined, next: 0, key });
    } else this.stack.push({ state, steps, ctx, via, succs: undefined, next: 0 });
    return true;
  }

  private pop(): void {
    const top = this.stack.pop()!;
    if (top.key === undefined) return;
    const n = this.onStack.get(top.key)!;
    if (n > 1) this.onStack.set(top.key, n - 1);
    else this.onStack.delete(top.key);
  }

  /**
   * Partial-order reduction at `top`: the first ample set none of whose successors is on the
   * DFS stack (the stack proviso, which closes every cycle of the reduced
   * graph at a fully expanded state; Peled 1993, Holzmann & Peled 1994).
   */
  private ample(top: Frame<S, A>, succs: Successor<S, A>[]): Successor<S, A>[] {
    const e = this.engine;
    return e.reduce(top.state, succs, (ample) => !ample.some((succ) => this.onStack.has(fpKey(e.fingerprint(succ.state)))));
  }

  /** The path from the initial state at the bottom of the stack, plus `state` if given. */
  private pathTo(state: S | undefined, via: A | undefined): Path<S, A> {
    const frames = this.stack;
    const initial = frames.length > 0 ? frames[0].state : (state as S);
    const steps: { action: A; state: S }[] = [];
    for (let i = 1; i < frames.length; i++) steps.push({ action: frames[i].via as A, state: frames[i].state });
    if (frames.length > 0 && via !== undefined) steps.push({ action: via, state: state as S });
    return { initial, steps };
  }

  runSlice(deadline: number): boolean {
    if (this.finished) return true;
    const e = this.engine;
    const o = e.options;
    if (!this.inits) this.inits = e.initialStates();
    let n = 0;
    for (;;) {
      if ((++n & 63) === 0) {
        if (e.timeUp()) return this.finish('time-limit');
        if (performance.now() >= deadline) return false;
      }
      if (o.maxStates !== undefined && this.distinct >= o.maxStates) return this.finish('max-states');
      if (e.overMemory()) return this.finish('max-memory');
      if (this.stack.length === 0) {
        if (this.nextInit >= this.inits.length) return this.finish();
        const s = this.inits[this.nextInit++];
        e.generated++;
        if (!this.enter(s, 0, NO_CONTEXT, undefined)) return this.finish();
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (top.succs === undefined) {
        if (o.maxDepth !== undefined && top.steps >= o.maxDepth) {
          if (!e.depthBoundReached && e.hasSuccessor(top.state)) e.depthBoundReached = true;
          this.pop();
          continue;
        }
        const succs = e.successors(top.state, top.steps + 1);
        if (succs.length === 0 && o.deadlock && !e.isFinal(top.state) && !this.foundProperties.has('deadlock')) {
          this.foundProperties.add('deadlock');
          this.findings.push({ property: 'deadlock', path: this.pathTo(undefined, undefined) });
          if (!o.continueAfterViolation) return this.finish();
        }
        top.succs = e.bound(e.ample ? this.ample(top, succs) : succs, top.ctx);
      }
      if (top.next >= top.succs.length) {
        this.pop();
        continue;
      }
      const { succ, ctx } = top.succs[top.next++];
      if (!this.enter(succ.state, top.steps + 1, ctx, succ.action)) return this.finish();
    }
  }

  private finish(stop?: StopReason): boolean {
    this.finished = true;
    this.stoppedBy = stop;
    return true;
  }

  progress(): Progress {
    return {
      distinctStates: this.distinct,
      generatedStates: this.engine.generated,
      depth: this.engine.maxDepthSeen,
      queue: this.stack.length,
      seconds: this.engine.elapsedSeconds(),
    };
  }

  result(stop?: StopReason): CheckResult<S, A> {
    const reason = stop ?? this.stoppedBy;
    const drained = this.finished && this.stack.length === 0 && this.nextInit >= (this.inits?.length ?? 0);
    const exhausted = drained && (this.findings.length === 0 || !!this.engine.options.continueAfterViolation);
    const bytes = this.table.bytes + (this.modelStates?.bytes ?? 0);
    return buildResult(this.engine, 'dfs', this.findings, this.distinct, bytes, exhausted, reason);
  }
}
