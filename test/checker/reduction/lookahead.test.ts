/**
 * C1 by look-ahead (checker/reduction/ample.ts): an actor whose keys ownership does not settle
 * (a shared variable) may still be reduced when nothing the other actors can do from here
 * touches them, and is not when some later step of theirs does.
 */
import { describe, expect, it } from 'vitest';
import { check, type Model } from '../../../checker/index.ts';

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
