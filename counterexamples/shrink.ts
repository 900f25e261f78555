/**
 * Shrinking counterexamples: fewer steps, then fewer interrupts, then fewer preemptions.
 *
 * Every candidate is re-validated by replaying it by label (replay.ts) and must violate the
 * same invariant. Delta debugging removes chunks of decreasing size, then single steps and
 * whole groups (an interrupt with its handler's steps) until none can go: the result is
 * 1-minimal. For a trace that is already shortest (bfs), a bounded search looks for one of
 * the same length with fewer interrupts or preemptions.
 */
import { check, type CheckResult, type Model, type Path } from '../checker/index.ts';
import { labelOf, replayLabels } from './replay.ts';

export interface ShrinkHooks<S, A> {
  /** Is this action an interrupt (the environment's move)? */
  readonly isInterrupt?: (action: A) => boolean;
  /** Preemptions along a path (switches away from a task that could have run on). */
  readonly preemptions?: (path: Path<S, A>) => number;
  /** Index sets to remove together (an interrupt with its handler's steps). */
  readonly groups?: (path: Path<S, A>) => number[][];
  /** A model equal to `model` but with at most `n` interrupts (for the equal-length search). */
  readonly withInterruptBound?: (n: number) => Model<S, A>;
}

interface Cost {
  readonly steps: number;
  readonly interrupts: number;
  readonly preemptions: number;
  readonly actors: number;
}

/**
 * Preemptions in the checker's sense (CHESS, loom): a switch away from the actor of the previous
 * step while that actor still had an enabled action.
 */
export function actorPreemptions<S, A>(model: Model<S, A>, path: Path<S, A>): number {
  if (!model.actor) return 0;
  let n = 0;
  let state = path.initial;
  let last: string | number | undefined;
  for (const step of path.steps) {
    const actor = model.actor(step.action);
    if (last !== undefined && actor !== last) {
      for (const a of model.actions(state))
        if (model.actor(a) === last && model.nextState(state, a) !== undefined) {
          n++;
          break;
        }
    }
    last = actor;
    state = step.state;
  }
  return n;
}

function costOf<S, A>(model: Model<S, A>, path: Path<S, A>, hooks: ShrinkHooks<S, A>): Cost {
  const actions = path.steps.map((s) => s.action);
  const actors = new Set(actions.map((a) => (model.actor ? model.actor(a) : 0)));
  return {
    steps: actions.length,
    interrupts: hooks.isInterrupt ? actions.filter(hooks.isInterrupt).length : 0,
    preemptions: hooks.preemptions ? hooks.preemptions(path) : actorPreemptions(model, path),
    actors: actors.size,
  };
}

function better(a: Cost, b: Cost): boolean {
  if (a.steps !== b.steps) return a.steps < b.steps;
  if (a.interrupts !== b.interrupts) return a.interrupts < b.interrupts;
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  return a.actors < b.actors;
}

/** Replays a candidate; the violating prefix if it reproduces `property`. */
function attempt<S, A>(model: Model<S, A>, labels: readonly string[], property: string): Path<S, A> | undefined {
  const r = replayLabels(model, labels, property);
  return r.status === 'reproduced' ? r.path : undefined;
}

const labelsOf = <S, A>(model: Model<S, A>, path: Path<S, A>) => path.steps.map((s) => labelOf(model, s.action));

/** Delta debugging over the steps, then single steps and groups, to a 1-minimal trace. */
export function shrinkPath<S, A>(model: Model<S, A>, path: Path<S, A>, property: string, hooks: ShrinkHooks<S, A> = {}): Path<S, A> {
  let best = attempt(model, labelsOf(model, path), property);
  if (!best) return path; // does not replay by label: leave it alone
  let bestCost = costOf(model, best, hooks);
  const tryLabels = (labels: string[]): boolean => {
    const p = attempt(model, labels, property);
    if (!p) return false;
    const c = costOf(model, p, hooks);
    if (!better(c, bestCost)) return false;
    best = p;
    bestCost = c;
    return true;
  };
  // Chunks of decreasing size (ddmin's complements).
  for (let size = Math.floor(best.steps.length / 2); size >= 1; size = Math.floor(size / 2)) {
    let start = 0;
    while (start < best.steps.length) {
      const labels = labelsOf(model, best);
      if (!tryLabels([...labels.slice(0, start), ...labels.slice(start + size)])) start += size;
    }
  }
  // Runs of one actor's own steps, not necessarily contiguous in the trace (another actor's
  // steps may sit in between), at every offset, largest first.
  if (model.actor) {
    for (let changed = true; changed; ) {
      changed = false;
      const actorOf = best.steps.map((st) => model.actor!(st.action));
      search: for (const actor of new Set(actorOf)) {
        const mine = actorOf.flatMap((a, i) => (a === actor ? [i] : []));
        for (let size = mine.length; size >= 2; size--) {
          for (let start = 0; start + size <= mine.length; start++) {
            const drop = new Set(mine.slice(start, start + size));
            if (tryLabels(labelsOf(model, best).filter((_, i) => !drop.has(i)))) {
              changed = true;
              break search;
            }
          }
        }
      }
    }
  }
  // 1-minimality: single steps and groups, until nothing can go.
  for (let changed = true; changed; ) {
    changed = false;
    const groups = [...(hooks.groups ? hooks.groups(best) : []), ...best.steps.map((_, i) => [i])];
    for (const g of groups) {
      const drop = new Set(g);
      const labels = labelsOf(model, best).filter((_, i) => !drop.has(i));
      if (tryLabels(labels)) {
        changed = true;
        break;
      }
    }
  }
  return best;
}

/**
 * For a shortest trace: look for one of the same length with fewer interrupts (then fewer
 * preemptions) by bounded breadth-first searches.
 */
export function fewerAtSameLength<S, A>(model: Model<S, A>, path: Path<S, A>, property: string, hooks: ShrinkHooks<S, A>): Path<S, A> {
  let best = path;
  let cost = costOf(model, best, hooks);
  const budget = { maxDepth: best.steps.length, maxStates: 200_000, invariants: [property] };
  if (hooks.withInterruptBound) {
    while (cost.interrupts > 0) {
      const r = check(hooks.withInterruptBound(cost.interrupts - 1), budget);
      if (r.verdict !== 'violation' || r.property !== property || !r.path) break;
      const c = costOf(model, r.path, hooks);
      if (c.steps > cost.steps || c.interrupts >= cost.interrupts) break;
      best = replayOnto(model, r.path, property) ?? best;
      cost = costOf(model, best, hooks);
    }
  }
  // The checker's own context bound measures preemptions as actorPreemptions() does.
  if (model.actor && cost.preemptions > 0 && hooks.preemptions === undefined) {
    for (let k = cost.preemptions - 1; k >= 0; k--) {
      const r = check(model, { ...budget, maxPreemptions: k });
      if (r.verdict !== 'violation' || r.property !== property || !r.path || r.path.steps.length > cost.steps) break;
      best = r.path;
      cost = costOf(model, best, hooks);
    }
  }
  return best;
}

/** A path found on a bounded copy of the model, replayed on the model itself. */
function replayOnto<S, A>(model: Model<S, A>, path: Path<S, A>, property: string): Path<S, A> | undefined {
  const labels = path.steps.map((s) => labelOf(model, s.action));
  return attempt(model, labels, property);
}

/** Shrinks the counterexample of a result; bfs traces keep their length. */
export function shrinkWith<S, A>(model: Model<S, A>, r: CheckResult<S, A>, hooks: ShrinkHooks<S, A>): CheckResult<S, A> {
  if (r.verdict !== 'violation' || !r.path || !r.property) return r;
  const originalLength = r.originalLength ?? r.path.steps.length;
  let path = r.strategy === 'bfs' ? r.path : shrinkPath(model, r.path, r.property, hooks);
  path = fewerAtSameLength(model, path, r.property, hooks);
  if (path === r.path) return { ...r, shrunk: r.shrunk ?? false, originalLength };
  const trace = path.steps.map((s) => ({ action: labelOf(model, s.action), actor: model.actor ? model.actor(s.action) : null }));
  return { ...r, path, trace, shrunk: path.steps.length < originalLength || r.shrunk === true || path !== r.path, originalLength };
}
