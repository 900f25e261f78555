/**
 * Summaries handed down (checker/reduction/ample.ts): what the other actors can touch from a
 * state on, found by one look-ahead, holds at the successors, except after a step of the actor
 * itself that writes what the others will read: their future may change there.
 */
import { describe, expect, it } from 'vitest';
import { check, type Model } from '../../../checker/index.ts';
import { checkReductionContract } from '../../../checker/reduction/index.ts';

interface S {
  /** P's program counter: 0 writes `x`, 1 copies `z` into `pz`, 2 done. */
  readonly p: number;
  /** Q's program counter: 0 reads `x` (1: go on, 3: done), 1 writes `z`, 2 reads `pz`, 3 done. */
  readonly q: number;
  readonly x: number;
  readonly z: number;
  readonly pz: number;
  readonly bad: number;
}

/**
 * P writes the shared `x`, then reads the shared `z` into the shared `pz`. Q reads `x`: if P
 * already wrote it, Q writes `z` and then reads `pz`, raising `bad` if P saw Q's `z`. The only
 * violation needs Q's write of `z` between P's two steps. From the initial state Q's future
 * (x still 0: Q stops at once) touches neither `z` nor `pz`; after P's write of `x` it touches
 * both. A summary handed down across P's write of `x` would let P read `z` alone and lose the
 * violation.
 */
const writerChangesReader: Model<S, 'P' | 'Q'> = {
  name: 'writer changes the reader',
  initialStates: () => [{ p: 0, q: 0, x: 0, z: 0, pz: 0, bad: 0 }],
  actions: () => ['P', 'Q'],
  nextState: (s, a) => {
    if (a === 'P') {
      if (s.p === 0) return { ...s, p: 1, x: 1 };
      if (s.p === 1) return { ...s, p: 2, pz: s.z };
      return undefined;
    }
    if (s.q === 0) return { ...s, q: s.x === 1 ? 1 : 3 };
    if (s.q === 1) return { ...s, q: 2, z: 1 };
    if (s.q === 2) return { ...s, q: 3, bad: s.pz };
    return undefined;
  },
  invariants: [{ name: 'p-never-sees-q', holds: (s) => s.bad === 0, reads: ['bad'] }],
  actor: (a) => a,
  por: {
    footprint: (s, actor) => {
      if (actor === 'P') return s.p === 0 ? { reads: ['p'], writes: ['p', 'x'] } : s.p === 1 ? { reads: ['p', 'z'], writes: ['p', 'pz'] } : { reads: ['p'], writes: [] };
      if (s.q === 0) return { reads: ['q', 'x'], writes: ['q'] };
      if (s.q === 1) return { reads: ['q'], writes: ['q', 'z'] };
      if (s.q === 2) return { reads: ['q', 'pz'], writes: ['q', 'bad'] };
      return { reads: ['q'], writes: [] };
    },
    owner: (_s, key) => (key === 'p' ? 'P' : key === 'q' ? 'Q' : undefined),
  },
};

interface U {
  /** P's program counter: 0 writes `x`, 1 copies `y` into its own `l`, 2 copies `l` into `z`, 3 done. */
  readonly p: number;
  /** Q's program counter: 0 waits for `x` = 1, 1 writes `y`, 2 done. */
  readonly q: number;
  readonly x: number;
  readonly y: number;
  readonly l: number;
  readonly z: number;
}

/**
 * P writes the shared `x`, which enables Q's only step (Q waits for it), then reads the shared
 * `y` that Q writes next, and publishes what it read in `z`, which the invariant reads. R spins
 * in place (there must be a third actor enabled for P to be chosen alone at the initial state).
 * At the initial state the others' future is R's spinning alone: Q is disabled, and a
 * look-ahead sees only enabled steps. A summary handed across P's write of `x` (which no
 * enabled step reads) would let P read `y` alone after it, before Q's write, and lose the
 * violation.
 */
const enablerOfDisabled: Model<U, 'P' | 'Q' | 'R'> = {
  name: 'P enables Q',
  initialStates: () => [{ p: 0, q: 0, x: 0, y: 0, l: 0, z: 0 }],
  actions: () => ['P', 'Q', 'R'],
  nextState: (s, a) => {
    if (a === 'R') return { ...s };
    if (a === 'P') {
      if (s.p === 0) return { ...s, p: 1, x: 1 };
      if (s.p === 1) return { ...s, p: 2, l: s.y };
      if (s.p === 2) return { ...s, p: 3, z: s.l };
      return undefined;
    }
    if (s.q === 0) return s.x === 1 ? { ...s, q: 1 } : undefined;
    if (s.q === 1) return { ...s, q: 2, y: 1 };
    return undefined;
  },
  invariants: [{ name: 'z-stays-0', holds: (s) => s.z === 0, reads: ['z'] }],
  actor: (a) => a,
  por: {
    footprint: (s, actor) => {
      if (actor === 'R') return { reads: [], writes: [] };
      if (actor === 'P') return s.p === 0 ? { reads: ['p'], writes: ['p', 'x'] } : s.p === 1 ? { reads: ['p', 'y'], writes: ['p', 'l'] } : s.p === 2 ? { reads: ['p', 'l'], writes: ['p', 'z'] } : { reads: ['p'], writes: [] };
      return s.q === 0 ? { reads: ['q', 'x'], writes: ['q'] } : s.q === 1 ? { reads: ['q'], writes: ['q', 'y'] } : { reads: ['q'], writes: [] };
    },
    owner: (_s, key) => (key === 'p' || key === 'l' ? 'P' : key === 'q' ? 'Q' : undefined),
  },
};

interface T {
  /** P's program counter: P reads the shared `x` four times. */
  readonly p: number;
  /** Q's program counter: Q bumps the shared `y` twice. */
  readonly q: number;
  readonly y: number;
}

/**
 * P reads the shared `x` four times and Q bumps the shared `y` twice: no future step of Q
 * touches `x`. One look-ahead at the initial state finds that; every later state of P's run
 * inherits it.
 */
const longReader: Model<T, 'P' | 'Q'> = {
  name: 'long reader',
  initialStates: () => [{ p: 0, q: 0, y: 0 }],
  actions: () => ['P', 'Q'],
  nextState: (s, a) => (a === 'P' ? (s.p < 4 ? { ...s, p: s.p + 1 } : undefined) : s.q < 2 ? { ...s, q: s.q + 1, y: s.y + 1 } : undefined),
  invariants: [{ name: 'true', holds: () => true, reads: [] }],
  actor: (a) => a,
  por: {
    footprint: (_s, actor) => (actor === 'P' ? { reads: ['p', 'x'], writes: ['p'] } : { reads: ['q', 'y'], writes: ['q', 'y'] }),
    owner: (_s, key) => (key === 'p' ? 'P' : key === 'q' ? 'Q' : undefined),
  },
};

describe('summaries handed down to successors', () => {
  it.each(['bfs', 'dfs'] as const)('%s: not across a step that changes what the other actor will do (the violation is kept)', (strategy) => {
    const none = check(writerChangesReader, { strategy, reduction: 'none', continueAfterViolation: true });
    expect([none.verdict, none.property]).toEqual(['violation', 'p-never-sees-q']);
    const reduced = check(writerChangesReader, { strategy, reduction: 'por', continueAfterViolation: true });
    expect([reduced.verdict, reduced.property]).toEqual(['violation', 'p-never-sees-q']);
    expect(reduced.trace?.map((t) => t.actor)).toEqual(['P', 'Q', 'Q', 'P', 'Q']);
  });

  it.each(['bfs', 'dfs'] as const)('%s: not across a step of the actor that enables another actor\'s step (the violation is kept)', (strategy) => {
    const none = check(enablerOfDisabled, { strategy, reduction: 'none' });
    expect([none.verdict, none.property, none.stats.distinctStates]).toEqual(['violation', 'z-stays-0', 12]);
    const reduced = check(enablerOfDisabled, { strategy, reduction: 'por' });
    expect([reduced.verdict, reduced.property]).toEqual(['violation', 'z-stays-0']);
    expect(reduced.trace?.map((t) => t.actor)).toEqual(['P', 'Q', 'Q', 'P', 'P']);
    expect(checkReductionContract(enablerOfDisabled).problems).toEqual([]);
  });

  it('the refusals, with why (CheckOptions.onReductionRefusal)', () => {
    const reasons: string[] = [];
    check(writerChangesReader, { reduction: 'por', continueAfterViolation: true, onReductionRefusal: (actor, why) => reasons.push(`${actor}: ${why}`) });
    // Initial state: P writes x, which Q reads next. After P's write (Q runs alone there): Q
    // writes z, which P reads next. After Q's write of z: Q's next step writes `bad`, which
    // the invariant reads (allowed alone: P's future writes nothing an invariant reads), but
    // reads pz, which P writes (P's conflict is found first).
    expect(reasons).toEqual(['P: conflict x', 'Q: conflict x', 'P: conflict z', 'P: conflict z', 'Q: conflict z', 'P: conflict pz', 'Q: conflict pz']);
  });

  it('exact counts: 15 states unreduced, 14 reduced (Q alone after P\'s write of x; every other state has two dependent actors or one)', () => {
    expect(check(writerChangesReader, { reduction: 'none', continueAfterViolation: true }).stats.distinctStates).toBe(15);
    const reduced = check(writerChangesReader, { reduction: 'por', continueAfterViolation: true });
    expect(reduced.stats.distinctStates).toBe(14);
    // Two at the initial state, two after P's write (P's conflicts; Q's succeeds), one for P
    // after Q's read of x (Q's own summary came across Q's own step: exact, its conflict with
    // Q's write of z stands without a look-ahead), two after Q's write of z (Q's visible step
    // needs one too; P's conflicts).
    expect(reduced.stats.reduction?.lookaheads).toBe(7);
  });

  it('a reader the other actor never disturbs runs alone along its whole run: 5 x 3 = 15 states unreduced, 7 reduced', () => {
    expect(check(longReader, { reduction: 'none' }).stats.distinctStates).toBe(15);
    const r = check(longReader, { reduction: 'por' });
    expect(r.stats.distinctStates).toBe(7);
    expect(r.stats.reduction?.reducedStates).toBe(4);
    // One look-ahead, at the initial state; P's later states inherit what it found.
    expect(r.stats.reduction?.lookaheads).toBe(1);
  });
});

describe('successorsWithout (the look-ahead\'s own successor function)', () => {
  const withSuccessors = (lie: boolean): Model<T, 'P' | 'Q'> => ({
    ...longReader,
    por: {
      ...longReader.por!,
      successorsWithout: (s, actor) => {
        const other = actor === 'P' ? 'Q' : 'P';
        const next = longReader.nextState(s, other);
        // The lie: Q's last step is left out, as if Q stopped one step early.
        if (next === undefined || (lie && other === 'Q' && s.q === 1)) return [];
        return [{ actor: other, state: next }];
      },
    },
  });

  it('a model that gives it explores the same: 7 states, one look-ahead; the contract checker agrees', () => {
    const r = check(withSuccessors(false), { reduction: 'por' });
    expect([r.stats.distinctStates, r.stats.reduction?.lookaheads]).toEqual([7, 1]);
    expect(checkReductionContract(withSuccessors(false)).problems).toEqual([]);
  });

  it('the contract checker catches one that leaves a step out', () => {
    const problems = checkReductionContract(withSuccessors(true)).problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toBe('successorsWithout(state, P) gives 0 successors, not the 1 of the other actors\' enabled steps (or not the same states, in action order)');
  });
});

describe('actors (the list of every actor)', () => {
  it('the contract checker catches a list that leaves out an actor with a step enabled', () => {
    const lying: Model<U, 'P' | 'Q' | 'R'> = { ...enablerOfDisabled, por: { ...enablerOfDisabled.por!, actors: () => ['P', 'R'] } };
    expect(checkReductionContract(lying).problems[0]).toBe('actors(state) leaves out Q, which has a step enabled there');
    const honest: Model<U, 'P' | 'Q' | 'R'> = { ...enablerOfDisabled, por: { ...enablerOfDisabled.por!, actors: () => ['P', 'Q', 'R'] } };
    expect(checkReductionContract(honest).problems).toEqual([]);
    // With the list, the look-ahead sees Q's await read x: P's write of x is not crossed, and the violation stays.
    const r = check(honest, { reduction: 'por' });
    expect([r.verdict, r.property]).toEqual(['violation', 'z-stays-0']);
  });
});
