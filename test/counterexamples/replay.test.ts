/**
 * trace.json round trips: every counterexample of the seed scenario is written, read back
 * and replayed to the same violation; replayed under a design that fixes it, it diverges or
 * no longer reproduces; and `mmcheck replay` says so with its exit code, or rejects a bad
 * file with one line on stderr.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { replayTrace } from '../../api/replay.ts';
import { UsageError } from '../../checker/index.ts';
import { traceFileOf } from '../../cli/outputs.ts';
import { readTraceFile, writeTraceFile, type TraceFile } from '../../counterexamples/trace-file.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = 'seed-por-reset-lazy-mmu';
const OVERLAY = 'pgtable-writes-hold-pgtables-overlay';
const SEED_CALL_TRACE_TOP = ['pageattr_pte_entry', 'walk_pgd_range', 'walk_kernel_page_table_range_lockless', 'update_range_prot', 'set_memory_pkey'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-replay-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Checks the seed under a design and saves its counterexample as trace.json would be. */
function saved(design: string, set: readonly string[] = []): { trace: TraceFile; file: string } {
  const run = runScenario(SEED, { design, set });
  expect(run.result.verdict).toBe('violation');
  const trace = traceFileOf(run.model, run.result, set);
  const file = join(dir, `${design}${set.length ? `+${set.join('+')}` : ''}.json`);
  writeTraceFile(file, trace);
  return { trace, file };
}

describe('round trip: check, write, read, replay', () => {
  it.each([
    // design, --set, property, steps, call trace length
    ['v6', [], OVERLAY, 18, 19],
    ['v5', [], OVERLAY, 19, 18],
    ['v4', [], OVERLAY, 19, 18],
    ['v6-atomic-lazy-switch', [], OVERLAY, 18, 18],
    ['v6-no-por-reset', [], OVERLAY, 18, 19],
    ['v6-no-por-reset', ['batching-guard=live-por'], 'lazy-section-restores-por', 30, 4],
  ] as const)('%s %j reproduces %s after %i steps', (design, set, property, steps, frames) => {
    const { trace, file } = saved(design, set);
    expect(trace.property).toBe(property);
    expect(trace.steps).toHaveLength(steps);
    expect(trace.callTrace).toHaveLength(frames);
    if (property === OVERLAY) expect(trace.callTrace!.slice(0, 5)).toEqual(SEED_CALL_TRACE_TOP);
    const back = readTraceFile(file);
    expect(back).toEqual(JSON.parse(JSON.stringify(trace)));
    expect(back.design).toBe(design);
    expect(back.set).toEqual(set.length ? set : undefined);
    const report = replayTrace(back);
    expect(report.status).toBe('reproduced');
    expect(report.property).toBe(property);
    expect(report.violatedAt).toBe(steps);
    expect(report.replayed).toBe(steps);
    expect(report.callTrace).toEqual(trace.callTrace);
    expect(report.message).toBe(trace.message);
    expect(report.design).toBe(set.length ? `${design}+${set.join('+')}` : design);
  });
});

describe('replaying under another design', () => {
  const v6 = () => readTraceFile(saved('v6').file);

  it('v6-guard-checks-live-por: diverges at step 18, where the guard raises POR_EL1 first', () => {
    const report = replayTrace(v6(), { design: 'v6-guard-checks-live-por' });
    expect(report.status).toBe('diverged');
    expect(report.step).toBe(18);
    expect(report.replayed).toBe(17);
    expect(report.label).toBe('CPU0 A: __set_pte: WRITE_ONCE(*ptep, pte)');
    expect(report.enabled).toContain('CPU0 A: __set_pte: kpkeys_set_level(KPKEYS_LVL_PGTABLES)');
    expect(report.enabled).not.toContain(report.label);
    expect(report.explanation).toContain('step 18');
    expect(report.callTrace).toBeUndefined();
  });

  it('v6-no-por-reset-atomic-lazy-switch: all 18 steps replay but the overlay rule holds', () => {
    const report = replayTrace(v6(), { design: 'v6-no-por-reset-atomic-lazy-switch' });
    expect(report.status).toBe('not-reproduced');
    expect(report.replayed).toBe(18);
    expect(report.violatedAt).toBeUndefined();
    expect(report.explanation).toBe(
      `the violation no longer reproduces: the trace replays all 18 steps under design v6-no-por-reset-atomic-lazy-switch but ${OVERLAY} holds`,
    );
  });

  it('the live-por trace replayed under v6 (whose --set is dropped): all 30 steps replay, the rule holds', () => {
    const trace = readTraceFile(saved('v6-no-por-reset', ['batching-guard=live-por']).file);
    const report = replayTrace(trace, { design: 'v6' });
    expect(report.status).toBe('not-reproduced');
    expect(report.replayed).toBe(30);
    expect(report.property).toBe('lazy-section-restores-por');
  });

  it('a prefix of the v6 trace (the faulting store left out) replays but does not reproduce', () => {
    const full = v6();
    const prefix: TraceFile = { ...full, steps: full.steps.slice(0, 17) };
    const file = join(dir, 'prefix.json');
    writeTraceFile(file, prefix);
    const report = replayTrace(readTraceFile(file));
    expect(report.status).toBe('not-reproduced');
    expect(report.replayed).toBe(17);
  });

  it('a property the scenario does not check is a usage error', () => {
    expect(() => replayTrace({ ...v6(), property: 'break-before-make' })).toThrow(UsageError);
  });
});

// ---------------------------------------------------------------------------------------------
// The command line

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function mmcheck(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.MMCHECK_DEBUG;
  return new Promise((done, fail) => {
    execFile(process.execPath, ['bin/mmcheck.js', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') fail(err);
      else done({ status: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

function expectOneLineError(r: Run): string {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith('mmcheck: ')).toBe(true);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('internal error');
  return lines[0];
}

describe('mmcheck replay', () => {
  const runs: Record<string, Run> = {};
  const files: Record<string, string> = {};
  let v6File = '';

  beforeAll(async () => {
    const { trace, file } = saved('v6');
    v6File = file;
    const text = readFileSync(file, 'utf8');
    const variant = (name: string, content: string) => {
      files[name] = join(dir, `cli-${name}.json`);
      writeFileSync(files[name], content);
    };
    variant('truncated', text.slice(0, Math.floor(text.length / 2)));
    variant('format', JSON.stringify({ ...trace, format: 'tla-trace' }));
    const { steps: _steps, ...noSteps } = trace;
    variant('no-steps', JSON.stringify(noSteps));
    variant('step-without-action', JSON.stringify({ ...trace, steps: trace.steps.map((s, i) => (i === 4 ? { actor: s.actor } : s)) }));
    variant('unknown-scenario', JSON.stringify({ ...trace, scenario: 'no-such-scenario' }));
    const jobs: [string, string[]][] = [
      ['reproduced', ['replay', file]],
      ['diverged', ['replay', file, '--design', 'v6-guard-checks-live-por', '--json']],
      ['not-reproduced', ['replay', file, '--design', 'v6-no-por-reset-atomic-lazy-switch', '--quiet']],
      ['design-nope', ['replay', file, '--design', 'nope']],
      ...['truncated', 'format', 'no-steps', 'step-without-action', 'unknown-scenario'].map((n) => [n, ['replay', files[n]]] as [string, string[]]),
    ];
    const results = await Promise.all(jobs.map(([, args]) => mmcheck(...args)));
    jobs.forEach(([name], i) => (runs[name] = results[i]));
  }, 120_000); // nine CLI runs at once: on a loaded 2-core machine they take longer than the 10 s default

  it('exit 0 when the recorded violation reproduces, with the splat and the schedule', () => {
    const r = runs.reproduced;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`mmcheck replay ${v6File}: ${SEED} under v6`);
    expect(lines[1]).toBe(`✓ the recorded violation of ${OVERLAY} reproduces under design v6 at step 18`);
    expect(r.stdout).toContain('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
    expect(r.stdout).toContain('Call trace:\n pageattr_pte_entry\n');
    expect(r.stdout).toContain('Schedule (18 steps, 1 IRQ, 1 preemption, 1 skipped operation):');
  });

  it('exit 1 when a step diverges, naming the step and what is enabled there', () => {
    const r = runs.diverged;
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      status: 'diverged',
      scenario: SEED,
      design: 'v6-guard-checks-live-por',
      property: OVERLAY,
      replayed: 17,
      step: 18,
      label: 'CPU0 A: __set_pte: WRITE_ONCE(*ptep, pte)',
    });
    expect(report.enabled).toContain('CPU0 A: __set_pte: kpkeys_set_level(KPKEYS_LVL_PGTABLES)');
    expect(report.explanation).toContain('enabled there: "CPU0 A: __set_pte: kpkeys_set_level(KPKEYS_LVL_PGTABLES)"');
  });

  it('exit 1 when every step replays but the violation does not happen', () => {
    const r = runs['not-reproduced'];
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout.split('\n')[1]).toBe(
      `✗ the violation no longer reproduces: the trace replays all 18 steps under design v6-no-por-reset-atomic-lazy-switch but ${OVERLAY} holds`,
    );
    expect(r.stdout.split('\n')).toHaveLength(3); // --quiet: two lines and the final newline
  });

  it('exit 2, one line: a truncated file', () => {
    const line = expectOneLineError(runs.truncated);
    expect(line.startsWith(`mmcheck: malformed trace file ${files.truncated}: not valid JSON (`)).toBe(true);
  });

  it('exit 2, one line: valid JSON with the wrong "format"', () => {
    expect(expectOneLineError(runs.format)).toBe(`mmcheck: malformed trace file ${files.format}: "format" must be "mmcheck-trace"`);
  });

  it('exit 2, one line: no "steps"', () => {
    expect(expectOneLineError(runs['no-steps'])).toBe(`mmcheck: malformed trace file ${files['no-steps']}: "steps" must be an array`);
  });

  it('exit 2, one line: a step without "action"', () => {
    expect(expectOneLineError(runs['step-without-action'])).toBe(
      `mmcheck: malformed trace file ${files['step-without-action']}: step 5 must be an object with a string "action"`,
    );
  });

  it('exit 2, one line: an unknown design', () => {
    expect(expectOneLineError(runs['design-nope']).startsWith('mmcheck: unknown design "nope"; designs: v6, ')).toBe(true);
  });

  it('exit 2, one line: an unknown scenario inside the file', () => {
    expect(expectOneLineError(runs['unknown-scenario']).startsWith(`mmcheck: unknown scenario "no-such-scenario"; scenarios: ${SEED}`)).toBe(true);
  });
});
