/** A model that throws, and bad options: both become one precise error. */
import { describe, expect, it } from 'vitest';
import { check, createSearch, describeError, ModelError, UsageError, type CheckOptions, type Model, type Strategy } from '../../checker/index.ts';

interface Faults {
  readonly initialStates?: boolean;
  /** Throw in actions() in this state. */
  readonly actionsAt?: number;
  /** Throw in nextState() in this state. */
  readonly nextStateAt?: number;
  /** The invariant throws in this state. */
  readonly invariantAt?: number;
  readonly error?: () => unknown;
}

/** A counter 0..5 with one action "inc" that throws where it is told to. */
function faulty(f: Faults): Model<number, { kind: 'inc' }> {
  const fail = (): never => {
    throw f.error ? f.error() : new Error('kaput');
  };
  return {
    name: 'faulty',
    initialStates: () => (f.initialStates ? fail() : [0]),
    actions: (s) => (s === f.actionsAt ? fail() : [{ kind: 'inc' }]),
    nextState: (s) => (s === f.nextStateAt ? fail() : s < 5 ? s + 1 : undefined),
    invariants: [{ name: 'small', holds: (s) => (s === f.invariantAt ? fail() : s <= 5) }],
    formatAction: (a) => a.kind,
  };
}

/** Runs `check` and returns the error it throws. */
function thrown(model: Model<unknown, unknown>, options: CheckOptions = {}): Error {
  let verdict: string;
  try {
    verdict = check(model, options).verdict;
  } catch (e) {
    return e as Error;
  }
  throw new Error(`check did not throw (verdict ${verdict})`);
}

const STRATEGIES: Strategy[] = ['bfs', 'dfs', 'random'];

describe('a model that throws is a ModelError naming the model, the call, the action and the step', () => {
  it.each(STRATEGIES)('%s: in nextState', (strategy) => {
    // State 2 is reached after 2 steps; its successors are step 3.
    const e = thrown(faulty({ nextStateAt: 2 }) as Model<unknown, unknown>, { strategy, seed: 0 });
    expect(e).toBeInstanceOf(ModelError);
    expect(e.message).toBe('model "faulty" threw in nextState(action "inc") at step 3: kaput');
    const me = e as ModelError;
    expect([me.modelName, me.call, me.actionLabel, me.step]).toEqual(['faulty', 'nextState', 'inc', 3]);
    expect(me.cause).toEqual(new Error('kaput'));
  });

  it('the error name of a non-plain Error is kept', () => {
    const e = thrown(faulty({ nextStateAt: 0, error: () => new TypeError('bad state') }) as Model<unknown, unknown>);
    expect(e.message).toBe('model "faulty" threw in nextState(action "inc") at step 1: TypeError: bad state');
  });

  it('a thrown non-Error and a multi-line message give one line', () => {
    expect(thrown(faulty({ nextStateAt: 1, error: () => 'just a string' }) as Model<unknown, unknown>).message).toBe(
      'model "faulty" threw in nextState(action "inc") at step 2: just a string',
    );
    expect(thrown(faulty({ nextStateAt: 1, error: () => new RangeError('first line\nsecond line') }) as Model<unknown, unknown>).message).toBe(
      'model "faulty" threw in nextState(action "inc") at step 2: RangeError: first line',
    );
  });

  it('without formatAction, the action label is its stable rendering', () => {
    const m = { ...faulty({ nextStateAt: 0 }), formatAction: undefined };
    expect(thrown(m as Model<unknown, unknown>).message).toBe('model "faulty" threw in nextState(action "{kind:inc}") at step 1: kaput');
  });

  it.each(STRATEGIES)('%s: in initialStates', (strategy) => {
    const e = thrown(faulty({ initialStates: true }) as Model<unknown, unknown>, { strategy });
    expect(e).toBeInstanceOf(ModelError);
    expect(e.message).toBe('model "faulty" threw in initialStates: kaput');
  });

  it.each(STRATEGIES)('%s: in actions', (strategy) => {
    const e = thrown(faulty({ actionsAt: 4 }) as Model<unknown, unknown>, { strategy });
    expect(e).toBeInstanceOf(ModelError);
    expect(e.message).toBe('model "faulty" threw in actions at step 5: kaput');
  });

  it.each(STRATEGIES)('%s: in an invariant', (strategy) => {
    const e = thrown(faulty({ invariantAt: 3 }) as Model<unknown, unknown>, { strategy });
    expect(e).toBeInstanceOf(ModelError);
    expect(e.message).toBe('model "faulty" threw in invariant small at step 3: kaput');
  });

  it('an invariant that throws on the initial state: step 0', () => {
    expect(thrown(faulty({ invariantAt: 0 }) as Model<unknown, unknown>).message).toBe('model "faulty" threw in invariant small at step 0: kaput');
  });

  it('in actor, isFinal and formatAction', () => {
    const base = faulty({});
    const actor = { ...base, actor: () => { throw new Error('who?'); } };
    expect(thrown(actor as Model<unknown, unknown>).message).toBe('model "faulty" threw in actor(action "inc"): who?');
    const isFinal = { ...base, isFinal: () => { throw new Error('final?'); } };
    expect(thrown(isFinal as Model<unknown, unknown>, { deadlock: true }).message).toBe('model "faulty" threw in isFinal: final?');
    const formatAction = { ...base, formatAction: () => { throw new Error('no label'); } };
    // formatAction is only needed for traces and messages: a search without a violation never calls it.
    expect(check(formatAction as Model<unknown, unknown>).verdict).toBe('pass');
    const bad = { ...formatAction, invariants: [{ name: 'never', holds: (s: number) => s < 1 }] };
    expect(thrown(bad as Model<unknown, unknown>).message).toBe('model "faulty" threw in formatAction: no label');
  });

  it('two enabled actions with one label: found among a few successors and among many', () => {
    for (const n of [3, 20]) {
      const labels = (dup: boolean) => Array.from({ length: n }, (_, i) => (dup && i === n - 1 ? 'a1' : `a${i}`));
      const model = (dup: boolean): Model<number, string> => ({
        name: 'labels',
        initialStates: () => [0],
        actions: (s) => (s === 0 ? labels(dup) : []),
        nextState: (_s, a) => 1 + labels(dup).indexOf(a),
        invariants: [],
        formatAction: (a) => a,
      });
      expect(check(model(false) as Model<unknown, unknown>).verdict).toBe('pass');
      expect(thrown(model(true) as Model<unknown, unknown>).message).toBe(
        'model "labels" at step 1: two actions enabled in one state have the same label "a1" (formatAction must tell enabled actions apart: replay finds them by label)',
      );
    }
  });

  it('describeError', () => {
    expect(describeError(new Error('a\nb'))).toBe('a');
    expect(describeError(new SyntaxError('x'))).toBe('SyntaxError: x');
    expect(describeError(42)).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
  });
});

describe('bad options are UsageErrors', () => {
  const ok = faulty({}) as Model<unknown, unknown>;
  it.each([
    [{ maxDepth: -1 }, 'maxDepth must be an integer >= 0, got -1'],
    [{ maxDepth: 1.5 }, 'maxDepth must be an integer >= 0, got 1.5'],
    [{ maxStates: 0 }, 'maxStates must be an integer >= 1, got 0'],
    [{ maxPreemptions: -2 }, 'maxPreemptions must be an integer >= 0, got -2'],
    [{ walks: 0 }, 'walks must be an integer >= 1, got 0'],
    [{ strategy: 'random', walks: 0 }, 'walks must be an integer >= 1, got 0'],
    [{ seed: -1 }, 'seed must be an integer >= 0, got -1'],
    [{ timeLimitSeconds: 0 }, 'timeLimitSeconds must be > 0, got 0'],
    [{ timeLimitSeconds: NaN }, 'timeLimitSeconds must be > 0, got NaN'],
    [{ invariants: ['nope'] }, 'unknown invariant "nope"; model "faulty" has: small'],
    [{ strategy: 'sideways' }, 'unknown strategy "sideways"; use bfs, dfs or random'],
  ] as [CheckOptions, string][])('%o', (options, message) => {
    expect(() => check(ok, options)).toThrow(UsageError);
    expect(() => check(ok, options)).toThrow(message);
    // Refused before the search starts: createSearch itself throws.
    expect(() => createSearch(ok, options)).toThrow(message);
  });

  it('a model without invariants lists (none)', () => {
    const none = { ...ok, invariants: [] };
    expect(() => check(none, { invariants: ['x'] })).toThrow('unknown invariant "x"; model "faulty" has: (none)');
  });

  it('UsageError and ModelError have their names', () => {
    expect(new UsageError('m').name).toBe('UsageError');
    expect(new ModelError('m', 'c', undefined, undefined, 1).name).toBe('ModelError');
  });
});
