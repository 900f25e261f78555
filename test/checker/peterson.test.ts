/**
 * End-to-end checks of the three strategies on Peterson's algorithm and its broken
 * no-turn variant, against the numbers TLC gives for the same PlusCal specs.
 */
import { describe, expect, it } from 'vitest';
import { check, checkAsync, resultToJson, type CheckResult, type Model } from '../../checker/index.ts';
import peterson from '../../examples/peterson.ts';
import petersonNoTurn, { type NoTurnState, type Step } from '../../examples/peterson-no-turn.ts';

/** The labels BFS reports for the shortest mutual-exclusion violation of the no-turn variant. */
const SHORTEST_NO_TURN_TRACE = ['proc 0', 'proc 0', 'proc 1', 'proc 1', 'proc 0', 'proc 1'];

/**
 * Replays a trace by its labels only (as `mmcheck replay` would): at each step, the action whose
 * `formatAction` equals the label must be enabled. Returns the final state.
 */
function replayLabels<S, A>(model: Model<S, A>, labels: readonly string[]): S {
  const inits = [...model.initialStates()];
  expect(inits).toHaveLength(1);
  let state = inits[0];
  labels.forEach((label, i) => {
    const matching = [...model.actions(state)].filter((a) => model.formatAction!(a) === label);
    expect(matching, `step ${i + 1}: exactly one action labelled "${label}"`).toHaveLength(1);
    const next = model.nextState(state, matching[0]);
    expect(next, `step ${i + 1}: "${label}" is enabled`).toBeDefined();
    state = next as S;
  });
  return state;
}

function labelsOf(r: CheckResult): string[] {
  return (r.trace ?? []).map((t) => t.action);
}

describe('Peterson (TLC: 42 distinct / 77 generated / depth 11)', () => {
  it('bfs: pass, complete, exactly the TLC counts', () => {
    const r = check(peterson);
    expect(r.model).toBe('peterson');
    expect(r.strategy).toBe('bfs');
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.property).toBeUndefined();
    expect(r.trace).toBeUndefined();
    expect(r.stopReason).toBeUndefined();
    expect(r.stats.distinctStates).toBe(42);
    expect(r.stats.generatedStates).toBe(77);
    expect(r.stats.depth).toBe(11);
    expect(r.boundsReached).toEqual({ maxDepth: false, maxPreemptions: false });
    expect(r.bounds).toEqual({ deadlock: false });
  });

  it('dfs: pass, complete, the same 42 distinct states and 77 generated', () => {
    const r = check(peterson, { strategy: 'dfs' });
    expect(r.strategy).toBe('dfs');
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(42);
    expect(r.stats.generatedStates).toBe(77);
  });

  it('random (seed 1): pass, never complete, reaches all 42 states', () => {
    const r = check(peterson, { strategy: 'random', seed: 1 });
    expect(r.strategy).toBe('random');
    expect(r.seed).toBe(1);
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(false);
    expect(r.stats.distinctStates).toBe(42);
    expect(r.bounds).toEqual({ deadlock: false, walks: 1000 });
  });

  it('checkAsync gives the same result as check', async () => {
    const r = await checkAsync(peterson);
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect([r.stats.distinctStates, r.stats.generatedStates, r.stats.depth]).toEqual([42, 77, 11]);
  });
});

describe('Peterson without turn (TLC: shortest violation 6 steps; space 25 / 47 / depth 9)', () => {
  it('bfs: the shortest mutual-exclusion violation, exactly 6 steps', () => {
    const r = check(petersonNoTurn);
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('mutual-exclusion');
    expect(r.complete).toBe(false);
    expect(labelsOf(r)).toEqual(SHORTEST_NO_TURN_TRACE);
    expect(r.trace!.map((t) => t.actor)).toEqual([0, 0, 1, 1, 0, 1]);
    // The in-memory path matches the trace and ends in the bad state.
    expect(r.path!.initial).toEqual({ pc: ['a0', 'a0'], flag: [false, false] });
    expect(r.path!.steps.map((s) => s.action)).toEqual([0, 0, 1, 1, 0, 1].map((proc) => ({ proc })));
    expect(r.path!.steps.at(-1)!.state).toEqual({ pc: ['cs', 'cs'], flag: [true, true] });
    expect(r.violations).toBeUndefined();
  });

  it('bfs: the trace replays by label to a state with both processes in cs', () => {
    const r = check(petersonNoTurn);
    const end = replayLabels(petersonNoTurn, labelsOf(r));
    expect(end.pc).toEqual(['cs', 'cs']);
  });

  it('bfs with continueAfterViolation: the whole space, 25 / 47 / 9, one violation kept', () => {
    const r = check(petersonNoTurn, { continueAfterViolation: true });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('mutual-exclusion');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(25);
    expect(r.stats.generatedStates).toBe(47);
    expect(r.stats.depth).toBe(9);
    expect(labelsOf(r)).toEqual(SHORTEST_NO_TURN_TRACE);
    expect(r.violations).toEqual([
      { property: 'mutual-exclusion', trace: SHORTEST_NO_TURN_TRACE.map((action) => ({ action, actor: Number(action.slice(5)) })) },
    ]);
  });

  it('bfs with invariants: [] checks nothing: pass over the whole space, 25 / 47 / 9', () => {
    const r = check(petersonNoTurn, { invariants: [] });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.property).toBeUndefined();
    expect(r.stats.distinctStates).toBe(25);
    expect(r.stats.generatedStates).toBe(47);
    expect(r.stats.depth).toBe(9);
  });

  it('bfs with invariants: ["mutual-exclusion"] is the same as checking all', () => {
    const r = check(petersonNoTurn, { invariants: ['mutual-exclusion'] });
    expect(r.verdict).toBe('violation');
    expect(labelsOf(r)).toEqual(SHORTEST_NO_TURN_TRACE);
  });

  it('dfs finds the violation; its trace replays to both pcs in cs', () => {
    const r = check(petersonNoTurn, { strategy: 'dfs' });
    expect(r.strategy).toBe('dfs');
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('mutual-exclusion');
    expect(r.complete).toBe(false);
    // DFS traces are not shortest, but never shorter than the shortest one.
    expect(r.trace!.length).toBeGreaterThanOrEqual(6);
    const end = replayLabels(petersonNoTurn, labelsOf(r));
    expect(end.pc).toEqual(['cs', 'cs']);
    expect(r.path!.steps.at(-1)!.state).toEqual(end);
    expect(r.path!.steps.length).toBe(r.trace!.length);
  });

  it('random (seed 1) finds the violation; its trace replays to both pcs in cs', () => {
    const r = check(petersonNoTurn, { strategy: 'random', seed: 1 });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('mutual-exclusion');
    expect(r.complete).toBe(false);
    expect(r.seed).toBe(1);
    expect(r.trace!.length).toBeGreaterThanOrEqual(6);
    const end: NoTurnState = replayLabels<NoTurnState, Step>(petersonNoTurn, labelsOf(r));
    expect(end.pc).toEqual(['cs', 'cs']);
    // The shrunk walk is no longer than the one first found.
    expect(r.originalLength).toBeGreaterThanOrEqual(r.trace!.length);
    expect(r.shrunk).toBe(r.trace!.length < r.originalLength!);
  });

  it('random: the same seed gives byte-identical JSON (timing left out)', () => {
    const a = JSON.stringify(resultToJson(check(petersonNoTurn, { strategy: 'random', seed: 1 }), { timing: false }));
    const b = JSON.stringify(resultToJson(check(petersonNoTurn, { strategy: 'random', seed: 1 }), { timing: false }));
    expect(a).toBe(b);
    expect(JSON.parse(a)).not.toHaveProperty('stats.seconds');
    expect(JSON.parse(a)).not.toHaveProperty('stats.statesPerSecond');
    expect(JSON.parse(a)).not.toHaveProperty('path');
    const c = JSON.stringify(resultToJson(check(peterson, { strategy: 'random', seed: 3, walks: 200 }), { timing: false }));
    const d = JSON.stringify(resultToJson(check(peterson, { strategy: 'random', seed: 3, walks: 200 }), { timing: false }));
    expect(c).toBe(d);
  });

  it('resultToJson keeps timing by default', () => {
    const j = resultToJson(check(peterson));
    expect(j).toHaveProperty('stats.seconds');
    expect(j).toHaveProperty('stats.statesPerSecond');
    expect(j).not.toHaveProperty('path');
  });
});
