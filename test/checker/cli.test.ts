/** `mmcheck check` as a user runs it: exit codes, one-line errors, text and JSON output. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, mmcheck } from '../helpers/run-cli.ts';

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-cli-'));
  // A model outside the project, importing a sibling .ts file.
  writeFileSync(
    file('helper.ts'),
    `export const LIMIT: number = 3;
export function inc(n: number): number { return n + 1; }
`,
  );
  writeFileSync(
    file('outside.ts'),
    `import { LIMIT, inc } from './helper.ts';
interface S { readonly n: number }
const model = {
  name: 'outside',
  initialStates: (): S[] => [{ n: 0 }],
  actions: (_s: S): string[] => ['inc'],
  nextState: (s: S, _a: string): S | undefined => (s.n < LIMIT ? { n: inc(s.n) } : undefined),
  invariants: [{ name: 'at-most-limit', holds: (s: S): boolean => s.n <= LIMIT }],
};
export default model;
`,
  );
  writeFileSync(
    file('thrower.ts'),
    `export default {
  name: 'thrower',
  initialStates: () => [0],
  actions: () => ['inc'],
  nextState: (s: number) => { if (s === 1) throw new TypeError('kaput'); return s + 1; },
  invariants: [],
  formatAction: (a: string) => a,
};
`,
  );
  writeFileSync(file('syntax.ts'), 'export default { name: "broken", \n');
  writeFileSync(file('not-a-model.ts'), 'export default { hello: 1 };\n');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('exit codes and text output', () => {
  it('0: peterson passes', async () => {
    const r = await mmcheck('check', '--model', 'examples/peterson.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('mmcheck: peterson (bfs)');
    expect(lines[1]).toBe('✓ pass: every invariant holds in the whole space within the bounds');
    expect(r.stdout).toContain('42 distinct states · 77 generated · depth 11 · ');
  });

  it('1: peterson-no-turn violates mutual exclusion, with its 6-step trace', async () => {
    const r = await mmcheck('check', '--model', 'examples/peterson-no-turn.ts');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('✗ violation of mutual-exclusion');
    // The BFS trace keeps its length; the shrinker finds one of equal length with fewer preemptions.
    expect(r.stdout).toContain('Trace (6 steps, fewer interrupts or preemptions than found):');
    expect(r.stdout).toContain('pc=[cs,cs] flag=[true,true]');
    expect(r.stdout).toContain('21 distinct states · 32 generated · depth 7 · ');
  });

  it('3: stopped by --max-states 5', async () => {
    const r = await mmcheck('check', '--model', 'examples/peterson.ts', '--max-states', '5');
    expect(r.status, r.stderr).toBe(3);
    // The verdict wraps at the terminal width (80 here), continuing with a two-space indent.
    expect(r.stdout.replace(/\n {2}/g, ' ')).toContain('… incomplete: stopped by --max-states 5 before a verdict; no violation found so far');
    expect(r.stdout).toContain('5 distinct states · ');
  });

  it('a .ts model outside the project, importing a sibling .ts file, loads and checks', async () => {
    const r = await mmcheck('check', '--model', file('outside.ts'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('mmcheck: outside (bfs)');
    expect(r.stdout).toContain('4 distinct states · 4 generated · depth 4 · ');
  });
});

describe('2: bad usage or input is one line on stderr', () => {
  it('missing --model', async () => {
    const line = expectOneLineError(await mmcheck('check'));
    expect(line).toContain('needs a SCENARIO or --model FILE');
  });

  it('unknown option', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', 'examples/peterson.ts', '--bogus'));
    expect(line).toBe("mmcheck: unknown option --bogus for 'mmcheck check'; see 'mmcheck check --help'");
  });

  it('bad integer', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', 'examples/peterson.ts', '--max-depth', 'ten'));
    expect(line).toBe("mmcheck: --max-depth must be an integer >= 0; got 'ten'");
  });

  it('nonexistent model file', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', 'examples/no-such-model.ts'));
    expect(line).toBe('mmcheck: model file not found: examples/no-such-model.ts');
  });

  it('a model file with a syntax error', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', file('syntax.ts')));
    expect(line.startsWith(`mmcheck: cannot load model file ${file('syntax.ts')}: `)).toBe(true);
  });

  it('a file whose default export is not a model', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', file('not-a-model.ts')));
    expect(line).toBe(
      `mmcheck: model file ${file('not-a-model.ts')}: the default export is not a Model (missing or wrong: name, initialStates, actions, nextState, invariants)`,
    );
  });

  it('a model that throws in nextState: the model, the action and the step, no stack trace', async () => {
    const line = expectOneLineError(await mmcheck('check', '--model', file('thrower.ts')));
    expect(line.startsWith('mmcheck: model "')).toBe(true);
    expect(line).toContain('nextState(action "inc")');
    expect(line).toContain('at step 2');
    expect(line).toBe('mmcheck: model "thrower" threw in nextState(action "inc") at step 2: TypeError: kaput');
  });
});

describe('--json', () => {
  it('parses, with every documented field', async () => {
    const r = await mmcheck('check', '--model', 'examples/peterson-no-turn.ts', '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.model).toBe('peterson-no-turn');
    expect(j.strategy).toBe('bfs');
    expect(j.verdict).toBe('violation');
    expect(j.complete).toBe(false);
    expect(j.property).toBe('mutual-exclusion');
    // The BFS trace (0 0 1 1 0 1, three preemptions) with preemptions shrunk at equal length: two.
    expect(j.trace).toEqual([
      { action: 'proc 0', actor: 0 },
      { action: 'proc 0', actor: 0 },
      { action: 'proc 1', actor: 1 },
      { action: 'proc 1', actor: 1 },
      { action: 'proc 1', actor: 1 },
      { action: 'proc 0', actor: 0 },
    ]);
    expect([j.shrunk, j.originalLength]).toEqual([true, 6]);
    expect(Object.keys(j.stats).sort()).toEqual(
      ['bytesPerState', 'collisionProbability', 'depth', 'distinctStates', 'generatedStates', 'reduction', 'seconds', 'statesPerSecond', 'tableBytesPerState'].sort(),
    );
    // Peterson declares no footprints and no symmetry: the default (all) leaves it unreduced, silently.
    expect(j.stats.reduction).toEqual({ requested: 'all', por: false, symmetry: false });
    expect(j.stats.distinctStates).toBe(21);
    expect(j.stats.generatedStates).toBe(32);
    expect(j.stats.depth).toBe(7);
    expect(typeof j.stats.seconds).toBe('number');
    expect(typeof j.stats.statesPerSecond).toBe('number');
    // The visited table alone, and the table plus the heap the search grew (a measurement).
    expect(j.stats.tableBytesPerState).toBeGreaterThan(0);
    expect(j.stats.bytesPerState).toBeGreaterThanOrEqual(j.stats.tableBytesPerState);
    expect(j.stats.collisionProbability).toBe((21 * (32 - 21)) / 2 ** 64);
    expect(j.bounds).toEqual({ deadlock: false });
    expect(j.boundsReached).toEqual({ maxDepth: false, maxPreemptions: false });
    expect(j).not.toHaveProperty('path');
  });

  it('random with the same seed and --no-timing twice: byte-identical stdout', async () => {
    const args = ['check', '--model', 'examples/peterson-no-turn.ts', '--strategy', 'random', '--seed', '7', '--json', '--no-timing'];
    const a = await mmcheck(...args);
    const b = await mmcheck(...args);
    expect(a.status, a.stderr).toBe(1);
    expect(b.status).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    const j = JSON.parse(a.stdout);
    expect(j.strategy).toBe('random');
    expect(j.seed).toBe(7);
    expect(j.verdict).toBe('violation');
    expect(j.bounds).toEqual({ deadlock: false, walks: 1000 });
    expect(j.stats).not.toHaveProperty('seconds');
    expect(j.stats).not.toHaveProperty('statesPerSecond');
    expect(j.stats).not.toHaveProperty('bytesPerState'); // measured, so left out of --no-timing
    expect(j.stats.tableBytesPerState).toBeGreaterThan(0);
  });
});
