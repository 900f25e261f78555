/**
 * Parallel BFS (`workers > 1`) gives exactly what one worker gives: the same JSON (counts,
 * verdict, trace), whatever the bounds, and the same one-line errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, ModelError, resultToJson, UsageError, type CheckOptions, type Model } from '../../checker/index.ts';
import peterson from '../../examples/peterson.ts';
import petersonNoTurn from '../../examples/peterson-no-turn.ts';
import { countersModel, countersSpace } from '../../bench/models/counters.ts';
import { lazyMmuPlainModel } from '../../bench/models/lazy-mmu-plain.ts';
import { gridModel, immutableGridModel } from './fixtures/worker-models.ts';

const fileModel = <S, A>(model: Model<S, A>, file: string): Model<S, A> => ({
  ...model,
  workerSource: { module: pathToFileURL(fileURLToPath(new URL(file, import.meta.url))).href },
});
const PETERSON = fileModel(peterson, '../../examples/peterson.ts');
const PETERSON_NO_TURN = fileModel(petersonNoTurn, '../../examples/peterson-no-turn.ts');

/** The `--json --no-timing` text of a search. */
function json(model: Model<unknown, unknown>, options: CheckOptions): string {
  return JSON.stringify(resultToJson(check(model, options), { timing: false }), null, 2);
}

function expectSameAsOneWorker(model: Model<unknown, unknown>, options: CheckOptions, workers: number[] = [2]): string {
  const one = json(model, options);
  for (const n of workers) expect(json(model, { ...options, workers: n }), `${n} workers`).toBe(one);
  return one;
}

describe('the same result as one worker', () => {
  it('Peterson: pass, with its exact counts', () => {
    const one = JSON.parse(expectSameAsOneWorker(PETERSON as Model<unknown, unknown>, {}));
    expect([one.verdict, one.stats.distinctStates]).toEqual(['pass', check(peterson).stats.distinctStates]);
  });

  it('Peterson without turn: the violation and its shortest trace (and with --continue)', () => {
    const one = JSON.parse(expectSameAsOneWorker(PETERSON_NO_TURN as Model<unknown, unknown>, {}));
    expect(one.verdict).toBe('violation');
    expect(one.trace).toHaveLength(6);
    expectSameAsOneWorker(PETERSON_NO_TURN as Model<unknown, unknown>, { continueAfterViolation: true, deadlock: true });
  });

  it('the counters model (Immutable Records, moved between workers by its codec): every state, exact counts', () => {
    const model = countersModel(4, 8) as Model<unknown, unknown>;
    const one = JSON.parse(expectSameAsOneWorker(model, {}));
    const space = countersSpace(4, 8);
    expect([one.stats.distinctStates, one.stats.generatedStates]).toEqual([space.distinct, space.generated]);
    expectSameAsOneWorker(model, { maxStates: 3000 });
    expectSameAsOneWorker(model, { maxPreemptions: 2, maxDepth: 12 });
    expectSameAsOneWorker(model, { maxDepth: 7, invariants: ['in-range'] });
  });

  it('the plain-object lazy MMU model: exact counts, and its deadlock', () => {
    const model = lazyMmuPlainModel({ rounds: 4, irqs: 2 }) as Model<unknown, unknown>;
    const one = JSON.parse(expectSameAsOneWorker(model, {}, [2, 3]));
    expect([one.verdict, one.stats.distinctStates, one.stats.generatedStates]).toEqual(['pass', 4555, 5436]);
    // A task done while the other still runs and no IRQ is left is a deadlock (not isFinal).
    expect(JSON.parse(expectSameAsOneWorker(model, { deadlock: true })).verdict).toBe('deadlock');
  });

  it('a violation deep in a wide level: the first one in BFS order, at the same node', () => {
    const model = gridModel({ size: 40, violationAt: 41 }) as Model<unknown, unknown>;
    const one = JSON.parse(expectSameAsOneWorker(model, {}, [2, 3]));
    expect(one.verdict).toBe('violation');
    expect(one.trace).toHaveLength(21);
    expectSameAsOneWorker(model, { continueAfterViolation: true, deadlock: true });
  });
});

describe('errors', () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelError);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };

  it('a model that throws in a worker: the one-line ModelError of one worker', () => {
    const m = gridModel({ size: 30, nextStateThrowsAt: 25 }) as Model<unknown, unknown>;
    const one = message(() => check(m));
    expect(one).toBe('model "grid" threw in nextState(action "diag") at step 13: RangeError: off the map at 13,12');
    expect(message(() => check(m, { workers: 2 }))).toBe(one);
    const inv = gridModel({ size: 30, invariantThrowsAt: 20 }) as Model<unknown, unknown>;
    const invOne = message(() => check(inv));
    expect(invOne).toBe('model "grid" threw in invariant below at step 10: cannot tell');
    expect(message(() => check(inv, { workers: 2 }))).toBe(invOne);
  });

  it('Immutable states without a codec cannot cross threads: a clear error, not a wrong count', () => {
    const msg = message(() => check(immutableGridModel(40) as Model<unknown, unknown>, { workers: 2 }));
    expect(msg).toMatch(/^model "immutable-grid" threw in worker: TypeError: states of model "immutable-grid" cannot cross threads as they are \(an Immutable\.js value inside a state\): give the model a codec/);
    expect(msg).not.toContain('\n');
  });

  it('a worker that cannot build the model: one line', () => {
    const m = { ...peterson, workerSource: { module: pathToFileURL('/nonexistent/model.ts').href } } as Model<unknown, unknown>;
    const msg = message(() => check(m, { workers: 2 }));
    expect(msg).toMatch(/^model "peterson" threw in worker setup: .*nonexistent/);
    expect(msg).not.toContain('\n');
  });

  it('usage errors: no workerSource, dfs/random with workers, workers 0', () => {
    expect(() => check(peterson, { workers: 2 })).toThrow(UsageError);
    expect(() => check(peterson, { workers: 2 })).toThrow('workers > 1 needs a model a worker thread can build: "peterson" has no workerSource');
    expect(() => check(PETERSON, { workers: 2, strategy: 'dfs' })).toThrow('workers > 1 is for the bfs strategy; dfs runs on one thread');
    expect(() => check(PETERSON, { workers: 2, strategy: 'random' })).toThrow(UsageError);
    expect(() => check(PETERSON, { workers: 0 })).toThrow('workers must be an integer >= 1, got 0');
  });
});

describe('mmcheck check --workers', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/mmcheck.js', 'check', ...args], { cwd: ROOT, encoding: 'utf8' });

  it('--model FILE --json --no-timing: byte-identical output with 1 and 2 workers', () => {
    const one = run('--model', 'examples/peterson-no-turn.ts', '--json', '--no-timing');
    const two = run('--model', 'examples/peterson-no-turn.ts', '--json', '--no-timing', '--workers', '2');
    expect(one.status).toBe(1);
    expect(two.status).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    expect(JSON.parse(two.stdout).trace).toHaveLength(6);
  });

  it('a --model file that throws in a worker: one line on stderr, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmcheck-workers-'));
    const file = join(dir, 'throws.ts');
    writeFileSync(
      file,
      `export default {
  name: 'throws-late',
  initialStates: () => [0],
  actions: () => ['a', 'b'],
  nextState: (s: number, a: string) => { if (s >= 40) throw new Error('boom at ' + s); return a === 'a' ? s + 1 : s + 2; },
  invariants: [],
};
`,
    );
    const r = run('--model', file, '--workers', '2');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('mmcheck: model "throws-late" threw in nextState(action "a") at step 21: boom at 40\n');
    expect(run('--model', file).stderr).toBe(r.stderr);
  });
});
