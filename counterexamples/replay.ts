/**
 * Replays a trace by its action labels (formatAction), not by indices, so a saved trace
 * survives model changes that do not touch the steps it uses.
 */
import { ModelError, type Model, type Path } from '../checker/index.ts';

export type ReplayOutcome<S, A> =
  | {
      /** The trace replays and the property is violated after step `violatedAt` (0 = initial state). */
      readonly status: 'reproduced';
      readonly violatedAt: number;
      readonly path: Path<S, A>;
    }
  | {
      /** Every step replays but the property holds throughout. */
      readonly status: 'not-reproduced';
      readonly path: Path<S, A>;
    }
  | {
      /** Step `step` (1-based) is not enabled; `enabled` lists what is. */
      readonly status: 'diverged';
      readonly step: number;
      readonly label: string;
      readonly enabled: readonly string[];
      readonly path: Path<S, A>;
    };

export function labelOf<S, A>(model: Model<S, A>, action: A): string {
  return model.formatAction ? model.formatAction(action) : JSON.stringify(action);
}

/** The enabled successor of `state` whose action has `label`. */
export function stepByLabel<S, A>(model: Model<S, A>, state: S, label: string): { action: A; state: S } | undefined {
  for (const action of model.actions(state)) {
    if (labelOf(model, action) !== label) continue;
    const next = model.nextState(state, action);
    if (next !== undefined) return { action, state: next };
  }
  return undefined;
}

export function enabledLabels<S, A>(model: Model<S, A>, state: S): string[] {
  const out: string[] = [];
  for (const action of model.actions(state)) if (model.nextState(state, action) !== undefined) out.push(labelOf(model, action));
  return out;
}

/**
 * Replays `labels` from the model's (first) initial state, checking `property` after each
 * step; stops at the first violation. Model exceptions become ModelError.
 */
export function replayLabels<S, A>(model: Model<S, A>, labels: readonly string[], property: string): ReplayOutcome<S, A> {
  const inv = model.invariants.find((i) => i.name === property);
  if (!inv) throw new ModelError(model.name, 'replay', undefined, undefined, new Error(`the model has no invariant named "${property}"`));
  // A trace does not record which initial state it started from: take the first that reproduces,
  // else the one that replays furthest.
  let best: ReplayOutcome<S, A> | undefined;
  for (const initial of model.initialStates()) {
    const r = replayFrom(model, initial, labels, inv);
    if (r.status === 'reproduced') return r;
    if (!best || r.path.steps.length > best.path.steps.length) best = r;
  }
  if (!best) throw new ModelError(model.name, 'initialStates', undefined, undefined, new Error('the model has no initial state'));
  return best;
}

function replayFrom<S, A>(model: Model<S, A>, initial: S, labels: readonly string[], inv: { holds(s: S): boolean }): ReplayOutcome<S, A> {
  const steps: { action: A; state: S }[] = [];
  if (!inv.holds(initial)) return { status: 'reproduced', violatedAt: 0, path: { initial, steps } };
  let state = initial;
  for (let i = 0; i < labels.length; i++) {
    let next: { action: A; state: S } | undefined;
    try {
      next = stepByLabel(model, state, labels[i]);
    } catch (e) {
      throw new ModelError(model.name, 'nextState', labels[i], i + 1, e);
    }
    if (!next) return { status: 'diverged', step: i + 1, label: labels[i], enabled: enabledLabels(model, state), path: { initial, steps } };
    steps.push(next);
    state = next.state;
    if (!inv.holds(state)) return { status: 'reproduced', violatedAt: i + 1, path: { initial, steps } };
  }
  return { status: 'not-reproduced', path: { initial, steps } };
}
