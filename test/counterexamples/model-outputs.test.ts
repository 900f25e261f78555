/**
 * `--out` and `--emit-test` for a model file (not only for scenarios): trace.json names the
 * model relative to itself and replays by label, trace.itf.json is ITF, and the emitted
 * regression test imports the model, replays the trace and passes. No kernel timeline.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceFile } from '../../counterexamples/trace-file.ts';
import { mmcheck, ROOT, runNode, type Run } from '../helpers/run-cli.ts';

const MODEL = 'examples/peterson-no-turn.ts';
const LABELS = ['proc 0', 'proc 0', 'proc 1', 'proc 1', 'proc 1', 'proc 0'];
let dir: string;
/** Beside test/regressions, so vitest's include pattern finds the emitted test. */
const EMIT_DIR = join(ROOT, 'test', `.mmcheck-emit-model-${process.pid}`);
const EMITTED = join(EMIT_DIR, 'peterson-no-turn.test.ts');
let checked: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-model-out-'));
  mkdirSync(EMIT_DIR);
  checked = await mmcheck('check', '--model', MODEL, '--out', join(dir, 'out'), '--emit-test', EMITTED);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(EMIT_DIR, { recursive: true, force: true });
});

describe('mmcheck check --model FILE --out DIR --emit-test FILE', () => {
  it('exits 1 (the violation) and writes trace.json, trace.itf.json, regression.test.ts and the emitted test', () => {
    expect(checked.status, checked.stderr).toBe(1);
    expect(checked.stderr.split('\n')).toEqual([
      ...['trace.json', 'trace.itf.json', 'regression.test.ts'].map((f) => `mmcheck: wrote ${join(dir, 'out', f)}`),
      `mmcheck: wrote ${EMITTED}`,
      '',
    ]);
    expect(existsSync(join(dir, 'out', 'timeline.html'))).toBe(false);
    expect(checked.stdout).toContain('✗ violation of mutual-exclusion');
  });

  it('trace.json names the model relative to its own directory, with the 6-step trace', () => {
    const t = readTraceFile(join(dir, 'out', 'trace.json'));
    expect(resolve(dir, 'out', t.model!)).toBe(join(ROOT, MODEL));
    expect(t.scenario).toBeUndefined();
    expect(t.property).toBe('mutual-exclusion');
    expect(t.steps.map((s) => s.action)).toEqual(LABELS);
  });

  it('trace.itf.json has one ITF state per step plus the initial one', () => {
    const itf = JSON.parse(readFileSync(join(dir, 'out', 'trace.itf.json'), 'utf8'));
    expect(itf['#meta']).toMatchObject({ format: 'ITF', source: 'mmcheck peterson-no-turn', actions: LABELS, property: 'mutual-exclusion' });
    expect(itf.vars).toEqual(['pc', 'flag']);
    expect(itf.states).toHaveLength(7);
    expect(itf.states[6].pc).toEqual(['cs', 'cs']);
  });

  it('mmcheck replay reproduces it from the trace file alone (exit 0)', async () => {
    const r = await mmcheck('replay', join(dir, 'out', 'trace.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('✓ the recorded violation of mutual-exclusion reproduces under model peterson-no-turn at step 6');
  });

  it('the emitted regression test imports the model and passes', async () => {
    const src = readFileSync(EMITTED, 'utf8');
    expect(src).toContain("import model from '../../examples/peterson-no-turn.ts';");
    expect(src).toContain("import { replayModelTrace } from '../../api/replay.ts';");
    const r = await runNode('node_modules/vitest/vitest.mjs', ['run', EMITTED, '--root', ROOT]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+1 passed \(1\)/);
  });
});
