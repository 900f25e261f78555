/**
 * Every bad input found by trying mmcheck as a new user: each is refused with one clear line
 * on stderr and the right exit code (2 for bad input; 3 when the memory guard stops a search),
 * never a silent wrong answer, a native crash or "[object Object]".
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, ModelError, UsageError, type Model } from '../../checker/index.ts';
import { checkScenario } from '../../api/check-scenario.ts';
import { expectOneLineError, mmcheck, runNode } from '../helpers/run-cli.ts';

let dir: string;
const file = (name: string) => join(dir, name);
const model = (name: string, body: string) => writeFileSync(file(name), body);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-bad-input-'));
  model('empty.ts', `export default { name: 'empty', initialStates: () => [], actions: () => [], nextState: () => undefined, invariants: [] };\n`);
  model(
    'forever.ts',
    `export default { name: 'forever', initialStates: () => [0], actions: () => ['inc'], nextState: (s: number) => s + 1, invariants: [] };\n`,
  );
  // Two successors per state, never a repeat: BFS's frontier doubles at every level.
  model(
    'grow.ts',
    `export default {
  name: 'grow',
  initialStates: () => [1],
  actions: () => ['left', 'right'],
  nextState: (s: number, a: string) => (a === 'left' ? 2 * s : 2 * s + 1),
  invariants: [{ name: 'true', holds: () => true }],
  formatAction: (a: string) => a,
};
`,
  );
  model('no-default.ts', `export const model = { name: 'named' };\n`);
  model('number-default.ts', `export default 42;\n`);
  model(
    'throws-object.ts',
    `export default {
  name: 'throws-object',
  initialStates: () => [0],
  actions: () => ['inc'],
  nextState: () => { throw { code: 42, why: 'no' }; },
  invariants: [],
  formatAction: (a: string) => a,
};
`,
  );
  model(
    'duplicate-labels.ts',
    `export default {
  name: 'duplicate-labels',
  initialStates: () => [0],
  actions: () => [{ to: 1 }, { to: 2 }],
  nextState: (s: number, a: { to: number }) => (s === 0 ? a.to : undefined),
  invariants: [],
  formatAction: () => 'go',
};
`,
  );
  model(
    'symbols.ts',
    `export default {
  name: 'symbols',
  initialStates: () => [{ who: Symbol('cpu') }],
  actions: () => [],
  nextState: () => undefined,
  invariants: [],
};
`,
  );
  mkdirSync(file('a-directory'));
  writeFileSync(file('plain-file'), 'not a directory\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('refused with exit 2 and one line', () => {
  it('a model with no initial states (it would "pass" every invariant)', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('empty.ts')))).toBe(
      'mmcheck: model "empty": initialStates() returned no state: there is nothing to check',
    );
  });

  it('--design "" (not silently the default design)', async () => {
    expect(expectOneLineError(await mmcheck('check', 'seed-por-reset-lazy-mmu', '--design', ''))).toBe(
      'mmcheck: --design needs a value (NAME|FILE); got an empty string',
    );
  });

  it('--param irqs=1000000000 (over the documented maximum)', async () => {
    expect(expectOneLineError(await mmcheck('check', 'seed-por-reset-lazy-mmu', '--param', 'irqs=1000000000'))).toBe(
      'mmcheck: --param irqs=1000000000 is out of range: irqs must be from 0 to 8',
    );
  });

  it('--param fanout=17 and a bound over its maximum', async () => {
    expect(expectOneLineError(await mmcheck('check', 'seed-por-reset-lazy-mmu', '--param', 'fanout=17'))).toBe(
      'mmcheck: --param fanout=17 is out of range: fanout must be from 2 to 16',
    );
    expect(expectOneLineError(await mmcheck('check', '--model', file('forever.ts'), '--max-depth', '2000000'))).toBe(
      'mmcheck: --max-depth 2000000 is over its maximum of 1000000',
    );
  });

  it('an --out that cannot be created, before the search (nothing on stdout: no verdict was lost)', async () => {
    const out = join(file('plain-file'), 'out');
    expect(expectOneLineError(await mmcheck('check', '--model', file('forever.ts'), '--out', out))).toBe(
      `mmcheck: cannot create --out directory ${out}: ${file('plain-file')} is not a directory`,
    );
  });

  it('an --emit-test that is a directory, before the search', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('forever.ts'), '--emit-test', file('a-directory')))).toBe(
      `mmcheck: cannot write --emit-test ${file('a-directory')}: it is a directory`,
    );
  });

  it('a model file without a default export, and one whose default export is not an object', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('no-default.ts')))).toBe(
      `mmcheck: model file ${file('no-default.ts')} has no default export (export default a Model object)`,
    );
    expect(expectOneLineError(await mmcheck('check', '--model', file('number-default.ts')))).toBe(
      `mmcheck: model file ${file('number-default.ts')}: the default export is a number, not a Model object`,
    );
  });

  it('a directory given as the model file ("is a directory", not "not found")', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('a-directory')))).toBe(
      `mmcheck: model file ${file('a-directory')} is a directory (give the .ts or .js file that default-exports the Model)`,
    );
  });

  it('a model that throws a non-Error: its JSON, not "[object Object]"', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('throws-object.ts')))).toBe(
      'mmcheck: model "throws-object" threw in nextState(action "inc") at step 1: a non-Error was thrown: {"code":42,"why":"no"}',
    );
  });

  it('two enabled actions with the same label in one state (replay could not tell them apart)', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('duplicate-labels.ts')))).toBe(
      'mmcheck: model "duplicate-labels" at step 1: two actions enabled in one state have the same label "go" (formatAction must tell enabled actions apart: replay finds them by label)',
    );
  });

  it('a Symbol in a state (distinct Symbols would fingerprint alike)', async () => {
    expect(expectOneLineError(await mmcheck('check', '--model', file('symbols.ts')))).toBe(
      'mmcheck: model "symbols" threw in fingerprint (default): TypeError: cannot fingerprint a Symbol (Symbol(cpu)) inside a state: distinct Symbols with one description would look equal; use a string or a number, or define fingerprint(state)',
    );
  });

  it('bare `mmcheck`: the help on stderr, exit 2', async () => {
    const r = await mmcheck();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('mmcheck: a model checker for arm64 Linux kernel memory-management designs');
    expect(r.stderr).toContain('usage: mmcheck <command> [options]');
  });
});

describe.concurrent('the memory guard', () => {
  it('an unbounded model stops with exit 3, the statistics so far and a hint, not a V8 crash (134)', async () => {
    // A small heap, so that the default --max-memory (3/5 of it) is reached in seconds.
    const r = await runNode('bin/mmcheck.js', ['check', '--model', file('grow.ts'), '--json'], { NODE_OPTIONS: '--max-old-space-size=96' });
    expect([r.status, r.signal], r.stderr.slice(0, 500)).toEqual([3, null]);
    expect(r.stderr).toMatch(
      /^mmcheck: stopped by the memory guard: the heap passed \d+M \(--max-memory\); bound the search \(--max-depth, --max-preemptions, --max-states, a smaller --param\) or give it more \(node --max-old-space-size=MB and --max-memory\)\n$/,
    );
    const result = JSON.parse(r.stdout);
    expect([result.verdict, result.stopReason, result.complete]).toEqual(['incomplete', 'max-memory', false]);
    expect(result.stats.distinctStates).toBeGreaterThan(100_000);
    // The frontier is counted: far more than the visited table alone.
    expect(result.stats.bytesPerState).toBeGreaterThan(result.stats.tableBytesPerState);
  });

  it('--max-memory beyond what Node can give is refused', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', file('grow.ts'), '--max-memory', '1024G'));
    expect(line).toMatch(/^mmcheck: --max-memory 1024G is over its maximum of \d+M$/);
  });
});

describe('the library refuses the same inputs', () => {
  it('no initial states is a ModelError', () => {
    const empty: Model<number, string> = { name: 'empty', initialStates: () => [], actions: () => [], nextState: () => undefined, invariants: [] };
    expect(() => check(empty)).toThrow(ModelError);
  });

  it('a Symbol in a state is a ModelError naming the problem (two distinct Symbols are not merged)', () => {
    const a = Symbol('x');
    const b = Symbol('x');
    const m: Model<{ s: symbol }, string> = {
      name: 'two-symbols',
      initialStates: () => [{ s: a }],
      actions: () => ['swap'],
      nextState: (st) => ({ s: st.s === a ? b : a }),
      invariants: [],
    };
    expect(() => check(m)).toThrow(/cannot fingerprint a Symbol \(Symbol\(x\)\) inside a state/);
  });

  it('parameters over their maximum are a UsageError', () => {
    expect(() => checkScenario('seed-por-reset-lazy-mmu', { params: { irqs: 9 } })).toThrow(UsageError);
    expect(() => checkScenario('seed-por-reset-lazy-mmu', { params: { irqs: 9 } })).toThrow('irqs must be an integer from 0 to 8, got 9');
  });

  it('maxMemoryBytes stops a search with stop reason max-memory', () => {
    const grow: Model<number, string> = {
      name: 'grow',
      initialStates: () => [1],
      actions: () => ['l', 'r'],
      nextState: (s, a) => (a === 'l' ? 2 * s : 2 * s + 1),
      invariants: [],
    };
    // 1 byte: the first sample of the heap is over it.
    const r = check(grow, { maxMemoryBytes: 1 });
    expect([r.verdict, r.stopReason]).toEqual(['incomplete', 'max-memory']);
    expect(r.stats.distinctStates).toBeGreaterThanOrEqual(4096);
  });

  /**
   * A model that keeps its last `ring` allocations (as a cache that evicts would): each lives
   * long enough to reach V8's old generation and dies there, so the heap in use runs far ahead
   * of what is live until the next full collection.
   */
  const garbageMaker = (ring: number): Model<number, string> => {
    const kept: unknown[] = new Array(ring);
    let at = 0;
    return {
      name: 'garbage-maker',
      initialStates: () => [0],
      actions: (s) => {
        for (let i = 0; i < 20; i++) {
          kept[at] = { s, i, pair: [s, i] };
          at = (at + 1) % ring;
        }
        return s < 300_000 ? ['next'] : [];
      },
      nextState: (s) => s + 1,
      invariants: [],
    };
  };

  it('the memory guard stops on live data, not on garbage: a search whose heap passes the limit only with garbage finishes', () => {
    // About 25 MB live against a 64 MiB guard (without the collection before stopping, this
    // stopped at 24,576 states with 65 MiB in use).
    const r = check(garbageMaker(200_000), { maxMemoryBytes: 64 * 2 ** 20 });
    expect([r.verdict, r.complete, r.stats.distinctStates]).toEqual(['pass', true, 300_001]);
  });

  it('the memory guard still stops a search whose live data passes the limit', () => {
    // About 250 MB live against the same guard.
    const r = check(garbageMaker(2_000_000), { maxMemoryBytes: 64 * 2 ** 20 });
    expect([r.verdict, r.stopReason]).toEqual(['incomplete', 'max-memory']);
    expect(r.stats.distinctStates).toBeLessThan(300_001);
  });
});
