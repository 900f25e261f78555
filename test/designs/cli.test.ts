/**
 * Design files and `mmcheck diff` on the command line: `--design FILE` for check, matrix and
 * replay; each way a design file can be broken is one line and exit 2; the diff's verdicts,
 * regressions and exit codes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allScenarios } from '../../model/scenarios/index.ts';
import { expectOneLineError as oneLineError, mmcheck, ROOT } from '../helpers/run-cli.ts';

const EXAMPLE = 'examples/designs/pause-lazy-mmu-in-finish-task-switch.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-designs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A design file outside the repository (it finds mmcheck through the running command). */
function designFile(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `import { defineDesign, event, local, kernelFunction } from 'mmcheck/design';\n${body}\n`);
  return path;
}

describe('--design FILE', () => {
  it('check: the example design file fixes the seed crash', async () => {
    const r = await mmcheck('check', 'seed-por-reset-lazy-mmu', '--design', EXAMPLE, '--quiet');
    expect([r.status, r.stdout]).toEqual([0, '✓ pass: every invariant holds in the whole space within the bounds\n']);
  });

  it('check: a design file anywhere on disk, with --set on top', async () => {
    const copy = join(dir, 'copy-of-example.ts');
    writeFileSync(copy, readFileSync(join(ROOT, EXAMPLE), 'utf8'));
    const r = await mmcheck('check', 'seed-por-reset-lazy-mmu', '--design', copy, '--set', 'preemption=none', '--json', '--no-timing');
    const report = JSON.parse(r.stdout);
    expect([r.status, report.design, report.knobs, report.functions, report.verdict]).toEqual([
      0,
      'pause-lazy-mmu-in-finish-task-switch+preemption=none',
      ['preemption=none'],
      ['finish_task_switch'],
      'pass',
    ]);
  });

  it('matrix: a design file runs on every chosen scenario, held to its base design\'s expectations', async () => {
    const ok = await mmcheck('matrix', '--design', EXAMPLE, '--scenario', 'seed-por-reset-lazy-mmu', '--scenario', 'irq-frees-pgtable', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).map((c: { scenario: string; design: string; verdict: string }) => [c.scenario, c.design, c.verdict])).toEqual([
      ['seed-por-reset-lazy-mmu', 'pause-lazy-mmu-in-finish-task-switch', 'pass'],
      ['irq-frees-pgtable', 'pause-lazy-mmu-in-finish-task-switch', 'pass'],
    ]);
    const bad = await mmcheck('matrix', '--design', 'test/designs/fixtures/double-pause.ts', '--scenario', 'seed-por-reset-lazy-mmu', '--quiet');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/seed-por-reset-lazy-mmu × double-pause: ✗ lazy-mmu-paused-at-most-once \(\d+ steps, \d+ states\) \d+\.\d\d s  MISMATCH: expected pass/);
  });

  it('matrix --json --progress: a progress line per cell on stderr, the JSON alone on stdout', async () => {
    const r = await mmcheck('matrix', '--scenario', 'kfence-softirq', '--design', 'v6', '--json', '--progress');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).map((c: { scenario: string; design: string }) => `${c.scenario} × ${c.design}`)).toEqual(['kfence-softirq × v6']);
    expect(r.stderr).toMatch(/^\[1\/1\] kfence-softirq × v6: ✓ pass \(116 states, complete\) \d+\.\d\d s\n$/);
    const quiet = await mmcheck('matrix', '--scenario', 'kfence-softirq', '--design', 'v6', '--json');
    expect(quiet.stderr).toBe('');
  });

  it('replay: a trace recorded under a design file replays with --design FILE, and says so without it', async () => {
    const out = join(dir, 'own-invariant');
    const fixture = 'test/designs/fixtures/v6-with-own-invariants.ts';
    expect((await mmcheck('check', 'seed-por-reset-lazy-mmu', '--design', fixture, '--invariant', 'finish-task-switch-stores-hold-pgtables-overlay', '--out', out, '--quiet')).status).toBe(1);
    expect((await mmcheck('replay', join(out, 'trace.json'), '--design', fixture, '--quiet')).status).toBe(0);
    expect(oneLineError(await mmcheck('replay', join(out, 'trace.json')))).toBe(
      'mmcheck: this trace was recorded under design "v6-with-own-invariants", which is not built in (a design file?): replay it with --design FILE',
    );
  });
});

describe('a broken design file: one line, exit 2', () => {
  const check = async (path: string) => oneLineError(await mmcheck('check', 'seed-por-reset-lazy-mmu', '--design', path));

  it('not found', async () => {
    expect(await check('designs/nope.ts')).toBe('mmcheck: design file not found: designs/nope.ts');
  });
  it('a syntax error', async () => {
    const path = designFile('syntax.ts', 'export default defineDesign({ name: "x", base: "v6" ');
    expect(await check(path)).toMatch(new RegExp(`^mmcheck: cannot load design file ${path}: line 3:0: ERROR: Expected "}" but found end of file$`));
  });
  it('the default export is not a design', async () => {
    const path = designFile('shape.ts', 'export default { name: "x", base: "v6" };');
    expect(await check(path)).toBe(`mmcheck: design file ${path}: the default export is not a design (export default defineDesign({ name, base, ... }))`);
  });
  it('replaces a function that does not exist', async () => {
    const path = designFile('nofn.ts', 'export default defineDesign({ name: "x", functions: { finish_task_swich: { replace: [local("x", (k) => k.ret())] } } });');
    expect(await check(path)).toBe(`mmcheck: design file ${path}: replaces kernel function "finish_task_swich", which does not exist (did you mean finish_task_switch?)`);
  });
  it('a knob with a bad value', async () => {
    const path = designFile('knob.ts', 'export default defineDesign({ name: "x", knobs: { batchingGuard: "v7" } as never });');
    expect(await check(path)).toBe(`mmcheck: design file ${path}: knob batchingGuard takes "none" | "v4" | "v5" | "v6" | "live-por"; got "v7"`);
  });
  it('throws while it loads', async () => {
    const path = designFile('load-throws.ts', 'kernelFunction("no_such_function");\nexport default defineDesign({ name: "x" });');
    expect(await check(path)).toBe(`mmcheck: cannot load design file ${path}: UsageError: no kernel function named "no_such_function"`);
  });
  it('a step that throws while the model runs', async () => {
    const path = designFile(
      'step-throws.ts',
      'export default defineDesign({ name: "throws", functions: { finish_task_switch: { replace: [event("finish_lock_switch(rq)", () => { throw new Error("rq is not locked"); })] } } });',
    );
    expect(await check(path)).toMatch(/^mmcheck: model "seed-por-reset-lazy-mmu under throws" threw in (actions|nextState).*: rq is not locked$/);
  });
});

describe('mmcheck diff', () => {
  it('v6 → v6-pause-lazy-mmu-in-finish-task-switch: the seed goes from violation to pass, no regression (exit 0)', async () => {
    const r = await mmcheck('diff', 'v6', 'v6-pause-lazy-mmu-in-finish-task-switch');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Verdicts that change (2):\n  seed-por-reset-lazy-mmu: violation of pgtable-writes-hold-pgtables-overlay → pass\n  enter-window-preempt: violation of pgtable-writes-hold-pgtables-overlay → pass\n');
    expect(r.stdout).toContain('No regression: v6-pause-lazy-mmu-in-finish-task-switch violates no invariant that v6 holds.');
  });

  it('v6 → v6: no change (exit 0)', async () => {
    const r = await mmcheck('diff', 'v6', 'v6');
    expect([r.status, r.stdout]).toEqual([
      0,
      `mmcheck diff: v6 → v6 (${allScenarios().length} scenarios, the same bounds for both)\n\nNo change: every scenario gives the same verdict, reaches the same page-table stores and accesses, and the same number of states under both designs.\n`,
    ]);
  });

  it('no-batching → v6: exit 1, naming the scenarios v6 breaks, with its counterexamples', async () => {
    const r = await mmcheck('diff', 'no-batching', 'v6', '--json', '--no-timing');
    expect(r.status).toBe(1);
    const diff = JSON.parse(r.stdout);
    expect(diff.regressions).toEqual(['seed-por-reset-lazy-mmu', 'enter-window-preempt']);
    const seed = diff.scenarios.find((s: { scenario: string }) => s.scenario === 'seed-por-reset-lazy-mmu');
    expect([seed.base.verdict, seed.new.verdict, seed.new.property, seed.counterexample.trace.length]).toEqual(['pass', 'violation', 'pgtable-writes-hold-pgtables-overlay', 18]);
  });

  it('bad usage: one line, exit 2', async () => {
    expect(oneLineError(await mmcheck('diff', 'v6'))).toBe(
      'mmcheck: diff needs two designs, BASE and NEW (names or design files); usage: mmcheck diff BASE NEW [--scenario NAME]... [search options] [--json]',
    );
  });
});
