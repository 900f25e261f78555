/**
 * C1 by look-ahead (checker/reduction/ample.ts): an actor whose keys ownership does not settle
 * (a shared variable) may still be reduced when nothing the other actors can do from here
 * touches them, and is not when some later step of theirs does.
 */
import { describe, expect, it } from 'vitest';
import { check, type Model } from '../../../checker/index.ts';
import { AmpleSets } from '../../../checker/reduction/ample.ts';

interface S {
  /** P's program counter: P reads `x` three times. */
  readonly p: number;
  /** Q's program counter: Q bumps the shared `y` three times, and (when `writesX`) then writes `x`. */
  readonly q: number;
  readonly x: number;
  readonly y: number;
}

/**
 * P reads the shared `x` three times; Q bumps the shared `y`, then, in the second model, writes
 * `x`. Nobody owns `x` or `y`, so neither actor is local by ownership: only the look-ahead can
 * let one run alone.
 */
function model(writesX: boolean): Model<S, 'P' | 'Q'> {
  const qSteps = writesX ? 4 : 3;
  return {
    name: `readers (Q ${writesX ? 'writes' : 'never writes'} x)`,
    initialStates: () => [{ p: 0, q: 0, x: 0, y: 0 }],
    actions: () => ['P', 'Q'],
    nextState: (s, a) => {
      if (a === 'P') return s.p < 3 ? { ...s, p: s.p + 1 } : undefined;
      if (s.q >= qSteps) return undefined;
      return s.q === 3 ? { ...s, q: 4, x: 1 } : { ...s, q: s.q + 1, y: s.y + 1 };
    },
    invariants: [{ name: 'true', holds: () => true, reads: [] }],
    actor: (a) => a,
    por: {
      footprint: (s, actor) =>
        actor === 'P' ? { reads: ['p', 'x'], writes: ['p'] } : s.q === 3 ? { reads: ['q'], writes: ['q', 'x'] } : { reads: ['q', 'y'], writes: ['q', 'y'] },
      owner: (_s, key) => (key === 'p' ? 'P' : key === 'q' ? 'Q' : undefined),
    },
  };
}

describe('C1 by look-ahead', () => {
  it('a reader of a variable no other actor will write runs alone: 4 x 4 = 16 states unreduced (and by ownership alone), 7 reduced', () => {
    expect(check(model(false), { reduction: 'none' }).stats.distinctStates).toBe(16);
    const r = check(model(false), { reduction: 'por' });
    expect(r.stats.distinctStates).toBe(7);
  });

  it('a later write by the other actor keeps the reader\'s steps in every interleaving', () => {
    const none = check(model(true), { reduction: 'none' }).stats.distinctStates;
    expect(none).toBe(20);
    // Q bumps y alone (P never touches y): (0,0)..(0,3); from Q's write of x on, P and Q are
    // dependent and every order is kept: (0..3, 3) and (0..3, 4). 4 + 3 + 4 = 11.
    const r = check(model(true), { reduction: 'por' });
    expect(r.stats.distinctStates).toBe(11);
  });
});

interface C {
  /** P's program counter: 0 reads `x` into `seen`, 1 done. */
  readonly p: number;
  readonly seen: number;
  /** Q's program counter: a loop 0 → 1 → 2 → 3 → 0 that reads `x` at 0 and flips it at 2 and at 3. */
  readonly q: number;
  readonly x: number;
}

/**
 * The other actor's future is a cycle: Q reads `x`, then flips it twice and is back where it
 * started. The look-ahead meets the cycle's writes of `x` only at states of the cycle other
 * than the one it entered by; all the states of a strongly connected component share one
 * future, so P (a reader of `x`) must not run alone at the initial state.
 */
const loopingWriter: Model<C, 'P' | 'Q'> = {
  name: 'looping writer',
  initialStates: () => [{ p: 0, seen: 0, q: 0, x: 0 }],
  actions: () => ['P', 'Q'],
  nextState: (s, a) => {
    if (a === 'P') return s.p === 0 ? { ...s, p: 1, seen: s.x } : undefined;
    const q = (s.q + 1) % 4;
    return s.q >= 2 ? { ...s, q, x: 1 - s.x } : { ...s, q };
  },
  invariants: [{ name: 'p-reads-x-as-zero', holds: (s) => s.seen === 0, reads: ['seen'] }],
  actor: (a) => a,
  por: {
    footprint: (s, actor) =>
      actor === 'P' ? { reads: ['p', 'x'], writes: ['p', 'seen'] } : s.q === 0 ? { reads: ['q', 'x'], writes: ['q'] } : s.q === 1 ? { reads: ['q'], writes: ['q'] } : { reads: ['q', 'x'], writes: ['q', 'x'] },
    owner: (_s, key) => (key === 'p' || key === 'seen' ? 'P' : key === 'q' ? 'Q' : undefined),
  },
};

describe('C1 by look-ahead on a cyclic future', () => {
  it('a write met inside a cycle of the other actor counts for every state of the cycle: the violation is found as without reduction', () => {
    const none = check(loopingWriter, { reduction: 'none' });
    expect([none.verdict, none.property, none.stats.distinctStates]).toEqual(['violation', 'p-reads-x-as-zero', 9]);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = check(loopingWriter, { reduction: 'por', strategy });
      expect([r.verdict, r.property]).toEqual(['violation', 'p-reads-x-as-zero']);
    }
  });
});

describe('the look-ahead remembers futures', () => {
  /**
   * Q's steps: r1 → A, r2 → A, then the cycle A → B → C → D → A, writing `x` at C and D. P
   * reads `y` at r1 and `x` at r2. The look-ahead for P at r1 finds Q's whole future (no
   * conflict with `y`) and remembers it for A, B, C and D; the one at r2 meets A and must take
   * the cycle's writes of `x` from what it remembers.
   */
  const qNext: Record<string, string> = { r1: 'A', r2: 'A', A: 'B', B: 'C', C: 'D', D: 'A' };
  const make = () =>
    new AmpleSets<string>(
      {
        footprint: (s, actor) =>
          actor === 'P'
            ? { reads: s === 'r1' ? ['y'] : s === 'r2' ? ['x'] : [], writes: [] }
            : s === 'C' || s === 'D'
              ? { reads: ['q', 'x'], writes: ['q', 'x'] }
              : { reads: ['q'], writes: ['q'] },
        owner: (_s, key) => (key === 'q' ? 'Q' : undefined),
      },
      [{ name: 'true', holds: () => true, reads: [] }],
      {
        limit: 100,
        key: (s) => s,
        successors: (s, without) => [
          ...(without !== 'Q' && qNext[s] ? [{ actor: 'Q', state: qNext[s]! }] : []),
          ...(without !== 'P' && s.startsWith('r') ? [{ actor: 'P', state: `${s}-p` }] : []),
        ],
      },
    );
  const enabled = [{ actor: 'P' }, { actor: 'Q' }];
  const chosen = (ample: AmpleSets<string>, s: string) => [...ample.candidates(s, enabled)].map((c) => c.map((e) => e.actor).join());

  it('a future found inside a cycle belongs to every state of the cycle, writes met past the entry included', () => {
    const ample = make();
    expect(chosen(ample, 'r1')).toEqual(['Q', 'P']);
    expect(ample.lookaheads).toBe(1);
    // From r2, P's look-ahead stops at A, whose future it knows: it writes x (at C and D).
    expect(chosen(ample, 'r2')).toEqual(['Q']);
    expect(chosen(make(), 'r2')).toEqual(['Q']);
  });
});

describe('the look-ahead budget', () => {
  interface B {
    /** P's counter: each step also writes the shared `z` (the same value), so no summary crosses it. */
    readonly p: number;
    /** Q's counter: each step reads the shared `y`, which nobody writes. */
    readonly q: number;
  }
  const M = 150;
  const L = 1500;
  /**
   * At every state of P's, its look-ahead explores Q's whole remaining chain (new states each
   * time: P's counter is part of them) and finds no conflict: about M × L successor
   * computations, against M states the reduced search would expand. The budget stops that.
   */
  const costly: Model<B, 'P' | 'Q'> = {
    name: 'costly look-aheads',
    initialStates: () => [{ p: 0, q: 0 }],
    actions: () => ['P', 'Q'],
    nextState: (s, a) => (a === 'P' ? (s.p < M ? { ...s, p: s.p + 1 } : undefined) : s.q < L ? { ...s, q: s.q + 1 } : undefined),
    invariants: [{ name: 'true', holds: () => true, reads: [] }],
    actor: (a) => a,
    por: {
      footprint: (_s, actor) => (actor === 'P' ? { reads: ['p'], writes: ['p', 'z'] } : { reads: ['q', 'y'], writes: ['q'] }),
      owner: (_s, key) => (key === 'p' ? 'P' : key === 'q' ? 'Q' : undefined),
    },
  };

  it('look-aheads stop once they have cost far more than the search: the actor is then not chosen (sound, less reduced)', () => {
    const refusals = new Map<string, number>();
    const r = check(costly, { reduction: 'por', onReductionRefusal: (actor, why) => refusals.set(`${String(actor)} ${why}`, (refusals.get(`${String(actor)} ${why}`) ?? 0) + 1) });
    const none = check(costly, { reduction: 'none' });
    expect([r.verdict, none.verdict, none.stats.distinctStates]).toEqual(['pass', 'pass', (M + 1) * (L + 1)]);
    expect(refusals.get('P look-ahead budget')).toBeGreaterThan(0);
    // Before the budget ran out P ran alone; after, every interleaving is kept.
    expect(r.stats.distinctStates).toBeGreaterThan(M);
    expect(r.stats.distinctStates).toBeLessThan(none.stats.distinctStates);
    expect(check(costly, { reduction: 'por' }).stats).toEqual({ ...r.stats, seconds: expect.any(Number), statesPerSecond: expect.any(Number), bytesPerState: expect.any(Number) });
  });
});
