/** Every search bound, on small models built for the purpose. */
import { describe, expect, it } from 'vitest';
import { check, UsageError, type CheckResult, type Model, type Strategy } from '../../checker/index.ts';

const labels = (r: CheckResult): string[] => (r.trace ?? []).map((t) => t.action);

/** A counter from 0 that stops at `max` (or never, with `max` = Infinity). */
function counter(max: number, name = 'counter'): Model<number, 'inc'> {
  return {
    name,
    initialStates: () => [0],
    actions: () => ['inc'],
    nextState: (s) => (s < max ? s + 1 : undefined),
    invariants: [{ name: 'non-negative', holds: (s) => s >= 0 }],
  };
}

/**
 * Two threads. T0 does a1 (x := 1), a2 (x := 2), a3 (nothing); T1 does b1 (y := x), b2
 * (nothing). The invariant fails only after the order a1, b1, a2 while b2 has not run, which
 * takes exactly two preemptions: T0 -> T1 while T0 could go on (a2), then T1 -> T0 while T1
 * could go on (b2).
 */
interface TwoThreads {
  readonly p0: number;
  readonly p1: number;
  readonly x: number;
  readonly y: number;
}
const twoThreads: Model<TwoThreads, 0 | 1> = {
  name: 'two-threads',
  initialStates: () => [{ p0: 0, p1: 0, x: 0, y: -1 }],
  actions: () => [0, 1],
  nextState(s, t) {
    if (t === 0) {
      if (s.p0 === 0) return { ...s, p0: 1, x: 1 };
      if (s.p0 === 1) return { ...s, p0: 2, x: 2 };
      if (s.p0 === 2) return { ...s, p0: 3 };
      return undefined;
    }
    if (s.p1 === 0) return { ...s, p1: 1, y: s.x };
    if (s.p1 === 1) return { ...s, p1: 2 };
    return undefined;
  },
  invariants: [{ name: 'no-read-between-a1-and-a2', holds: (s) => !(s.y === 1 && s.p0 >= 2 && s.p1 === 1) }],
  actor: (t) => t,
  formatAction: (t) => `T${t}`,
};

/** start -> done (a proper end) or start -> stuck (no action enabled, not an end). */
type Phase = 'start' | 'done' | 'stuck';
const stuckOrDone: Model<Phase, 'finish' | 'wedge'> = {
  name: 'stuck-or-done',
  initialStates: () => ['start'],
  actions: () => ['finish', 'wedge'],
  nextState: (s, a) => (s !== 'start' ? undefined : a === 'finish' ? 'done' : 'stuck'),
  invariants: [],
  isFinal: (s) => s === 'done',
};

describe('maxDepth', () => {
  it('bfs: a counter 0..100 with maxDepth 5 explores exactly 0..5, complete within the bound', () => {
    const r = check(counter(100), { maxDepth: 5 });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(6);
    expect(r.stats.generatedStates).toBe(6);
    expect(r.stats.depth).toBe(6);
    expect(r.boundsReached).toEqual({ maxDepth: true, maxPreemptions: false });
    expect(r.bounds).toEqual({ maxDepth: 5, deadlock: false });
  });

  it('dfs: the same 6 states', () => {
    const r = check(counter(100), { strategy: 'dfs', maxDepth: 5 });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(6);
    expect(r.boundsReached!.maxDepth).toBe(true);
  });

  it('maxDepth 0: only the initial state', () => {
    const r = check(counter(100), { maxDepth: 0 });
    expect([r.stats.distinctStates, r.stats.generatedStates, r.stats.depth]).toEqual([1, 1, 1]);
    expect(r.boundsReached!.maxDepth).toBe(true);
  });

  it('without maxDepth: all 101 states, the bound is not reported as reached', () => {
    const r = check(counter(100));
    expect(r.stats.distinctStates).toBe(101);
    expect(r.stats.generatedStates).toBe(101);
    expect(r.stats.depth).toBe(101);
    expect(r.boundsReached).toEqual({ maxDepth: false, maxPreemptions: false });
  });

  it.each(['bfs', 'dfs'] as Strategy[])('%s: a bound that cuts nothing is not reported as reached', (strategy) => {
    const r = check(counter(5), { strategy, maxDepth: 5 });
    expect(r.stats.distinctStates).toBe(6);
    expect(r.complete).toBe(true);
    expect(r.boundsReached!.maxDepth).toBe(false);
  });

  it('random: walks cut by maxDepth report the depth bound as reached', () => {
    const r = check(counter(Infinity), { strategy: 'random', seed: 1, maxDepth: 5, walks: 100 });
    expect(r.stats.depth).toBe(6);
    expect(r.stats.distinctStates).toBe(6);
    expect(r.boundsReached!.maxDepth).toBe(true);
  });
});

describe('dfs with maxDepth covers everything within the bound', () => {
  /**
   * S -toA-> A -next-> B -next-> X, and B -skip-> Y; also S -toX-> X; X -next-> Y -next-> Z.
   * DFS takes toA first, so X and Y are first reached at depth 3 (the bound, not expanded).
   * Only when X is reached again at depth 1, and Y again at depth 2, does Z (depth 3) appear.
   */
  type Node = 'S' | 'A' | 'B' | 'X' | 'Y' | 'Z';
  const edges: Record<Node, [string, Node][]> = {
    S: [['toA', 'A'], ['toX', 'X']],
    A: [['next', 'B']],
    B: [['next', 'X'], ['skip', 'Y']],
    X: [['next', 'Y']],
    Y: [['next', 'Z']],
    Z: [],
  };
  const diamond: Model<Node, string> = {
    name: 'shallow-and-deep',
    initialStates: () => ['S'],
    actions: (s) => edges[s].map(([a]) => a),
    nextState: (s, a) => edges[s].find(([b]) => b === a)?.[1],
    invariants: [{ name: 'never-Z', holds: (s) => s !== 'Z' }],
  };

  it('dfs, maxDepth 3: finds Z through the shallow visit of X', () => {
    const r = check(diamond, { strategy: 'dfs', maxDepth: 3 });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('never-Z');
    expect(labels(r)).toEqual(['toX', 'next', 'next']);
    expect(r.path!.steps.map((s) => s.state)).toEqual(['X', 'Y', 'Z']);
  });

  it('dfs, maxDepth 3, no invariants: all 6 states, complete', () => {
    const r = check(diamond, { strategy: 'dfs', maxDepth: 3, invariants: [] });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(6);
    expect(r.boundsReached!.maxDepth).toBe(true);
  });

  it('bfs agrees: 6 states, and the same violation', () => {
    expect(check(diamond, { maxDepth: 3, invariants: [] }).stats.distinctStates).toBe(6);
    expect(labels(check(diamond, { maxDepth: 3 }))).toEqual(['toX', 'next', 'next']);
  });

  it('maxDepth 2: Z is out of reach for both', () => {
    for (const strategy of ['bfs', 'dfs'] as Strategy[]) {
      const r = check(diamond, { strategy, maxDepth: 2 });
      expect(r.verdict).toBe('pass');
      expect(r.stats.distinctStates).toBe(5);
    }
  });
});

describe('maxStates', () => {
  it.each(['bfs', 'dfs'] as Strategy[])('%s: stops at exactly 10 states, incomplete', (strategy) => {
    const r = check(counter(100), { strategy, maxStates: 10 });
    expect(r.verdict).toBe('incomplete');
    expect(r.stopReason).toBe('max-states');
    expect(r.complete).toBe(false);
    expect(r.stats.distinctStates).toBe(10);
    expect(r.bounds).toEqual({ maxStates: 10, deadlock: false });
  });

  it('random: stops with max-states', () => {
    const r = check(counter(Infinity), { strategy: 'random', seed: 2, maxStates: 10 });
    expect(r.verdict).toBe('incomplete');
    expect(r.stopReason).toBe('max-states');
    expect(r.complete).toBe(false);
    expect(r.stats.distinctStates).toBeGreaterThanOrEqual(10);
  });

  it('a bigger limit than the space: pass, complete', () => {
    const r = check(counter(100), { maxStates: 1000 });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stopReason).toBeUndefined();
  });
});

describe('timeLimitSeconds', () => {
  it.each([
    ['bfs', {}],
    ['dfs', {}],
    ['random', { walks: 1_000_000_000 }],
  ] as [Strategy, object][])('%s: an infinite space stops with time-limit after 0.2 s', (strategy, extra) => {
    // That it stops at all is the test (no upper bound on the wall time: the machine may be loaded).
    const r = check(counter(Infinity, 'infinite'), { strategy, timeLimitSeconds: 0.2, ...extra });
    expect(r.verdict).toBe('incomplete');
    expect(r.stopReason).toBe('time-limit');
    expect(r.complete).toBe(false);
    expect(r.bounds.timeLimitSeconds).toBe(0.2);
    expect(r.stats.seconds).toBeGreaterThanOrEqual(0.2);
    expect(r.stats.distinctStates).toBeGreaterThan(10);
  });
});

describe('maxPreemptions', () => {
  it('unbounded: the violation, with the shortest trace T0 T1 T0', () => {
    const r = check(twoThreads);
    expect(r.verdict).toBe('violation');
    expect(labels(r)).toEqual(['T0', 'T1', 'T0']);
    expect(r.trace!.map((t) => t.actor)).toEqual([0, 1, 0]);
  });

  it.each(['bfs', 'dfs'] as Strategy[])('%s: maxPreemptions 0 and 1 pass, with the bound reached', (strategy) => {
    for (const maxPreemptions of [0, 1]) {
      const r = check(twoThreads, { strategy, maxPreemptions });
      expect(r.verdict).toBe('pass');
      expect(r.complete).toBe(true);
      expect(r.boundsReached!.maxPreemptions).toBe(true);
      expect(r.bounds.maxPreemptions).toBe(maxPreemptions);
    }
  });

  it.each(['bfs', 'dfs'] as Strategy[])('%s: maxPreemptions 2 finds the violation', (strategy) => {
    const r = check(twoThreads, { strategy, maxPreemptions: 2 });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('no-read-between-a1-and-a2');
    expect(labels(r)).toEqual(['T0', 'T1', 'T0']);
  });

  it('distinct states count model states, not (state, context) pairs', () => {
    // p1 = 0: p0 in 0..3 (4 states); p1 in {1, 2} with y = the x that b1 read: y = 0 with p0 in
    // 0..3, y = 1 with p0 in 1..3, y = 2 with p0 in 2..3 (9 states each): 4 + 2 * 9 = 22.
    const unbounded = check(twoThreads, { invariants: [] });
    expect(unbounded.stats.distinctStates).toBe(22);
    const bounded = check(twoThreads, { invariants: [], maxPreemptions: 5 });
    expect(bounded.stats.distinctStates).toBe(22);
    expect(bounded.boundsReached!.maxPreemptions).toBe(false);
    for (const strategy of ['bfs', 'dfs'] as Strategy[]) {
      // Without preemption, one thread runs to its end before the other starts:
      // initial + T0's 3 steps + then T1's 2 steps, or T1's 2 steps + then T0's 3 steps = 11.
      const none = check(twoThreads, { strategy, invariants: [], maxPreemptions: 0 });
      expect(none.stats.distinctStates).toBe(11);
    }
  });

  it('maxPreemptions on a model without actor() is a UsageError', () => {
    expect(() => check(counter(3), { maxPreemptions: 1 })).toThrow(UsageError);
    expect(() => check(counter(3), { maxPreemptions: 1 })).toThrow(
      '--max-preemptions needs a model that defines actor(action); "counter" does not',
    );
  });
});

describe('deadlock', () => {
  it.each(['bfs', 'dfs'] as Strategy[])('%s: a counter stuck at 3 is a deadlock with deadlock: true', (strategy) => {
    const r = check(counter(3), { strategy, deadlock: true });
    expect(r.verdict).toBe('deadlock');
    expect(r.property).toBe('deadlock');
    expect(r.complete).toBe(false);
    expect(labels(r)).toEqual(['inc', 'inc', 'inc']);
    expect(r.path!.steps.at(-1)!.state).toBe(3);
    expect(r.bounds.deadlock).toBe(true);
  });

  it('random: finds the deadlock too', () => {
    const r = check(counter(3), { strategy: 'random', seed: 1, deadlock: true });
    expect(r.verdict).toBe('deadlock');
    expect(r.property).toBe('deadlock');
    expect(labels(r)).toEqual(['inc', 'inc', 'inc']);
  });

  it('without deadlock: pass', () => {
    const r = check(counter(3));
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(4);
  });

  it('a stuck state for which isFinal is true is not a deadlock', () => {
    const done = { ...counter(3), isFinal: (s: number) => s === 3 };
    for (const strategy of ['bfs', 'dfs', 'random'] as Strategy[]) {
      const r = check(done, { strategy, deadlock: true, seed: 1 });
      expect(r.verdict).toBe('pass');
    }
  });

  it('isFinal only excuses the final states: the other stuck state is the deadlock', () => {
    const r = check(stuckOrDone, { deadlock: true });
    expect(r.verdict).toBe('deadlock');
    expect(labels(r)).toEqual(['wedge']);
    expect(r.path!.steps[0].state).toBe('stuck');
    expect(check(stuckOrDone, { strategy: 'dfs', deadlock: true }).path!.steps.map((s) => s.state)).toEqual(['stuck']);
    expect(check(stuckOrDone).verdict).toBe('pass');
  });

  it('continueAfterViolation keeps exploring after the deadlock', () => {
    const r = check(stuckOrDone, { deadlock: true, continueAfterViolation: true });
    expect(r.verdict).toBe('deadlock');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(3);
    expect(r.violations).toEqual([{ property: 'deadlock', trace: [{ action: 'wedge', actor: null }] }]);
  });
});

describe('a violation found before a limit stops the search is reported', () => {
  /**
   * An unbounded counter whose invariant fails at 10; the first failing check does not return
   * before `stallUntil` (a performance.now() time), so a time limit that ends earlier has
   * certainly expired when the violation is found, however fast or loaded the machine.
   */
  function failsAtTen(stallUntil = 0): Model<number, 'inc'> {
    let stalled = false;
    return {
      name: 'fails-at-ten',
      initialStates: () => [0],
      actions: () => ['inc'],
      nextState: (s) => s + 1,
      invariants: [
        {
          name: 'below-ten',
          holds: (s) => {
            if (s < 10) return true;
            if (!stalled) {
              stalled = true;
              while (performance.now() < stallUntil);
            }
            return false;
          },
        },
      ],
    };
  }
  const TEN_INCS = Array.from({ length: 10 }, () => 'inc');

  it.each(['bfs', 'dfs', 'random'] as Strategy[])('%s: maxStates 11 (the bad state is the 11th): violation', (strategy) => {
    const r = check(failsAtTen(), { strategy, seed: 1, maxStates: 11 });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('below-ten');
    expect(labels(r)).toEqual(TEN_INCS);
  });

  it.each(['bfs', 'dfs', 'random'] as Strategy[])('%s: the time limit expires just after the violation is found: violation', (strategy) => {
    // The limit (0.5 s from the start) is long enough for the 10 steps on any machine.
    const r = check(failsAtTen(performance.now() + 1000), { strategy, seed: 1, timeLimitSeconds: 0.5 });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('below-ten');
    expect(r.stopReason).toBeUndefined();
    expect(labels(r)).toEqual(TEN_INCS);
  });
});
