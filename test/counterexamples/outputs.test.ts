/**
 * `mmcheck check --out DIR` and `--emit-test FILE`: the files a counterexample is saved as
 * (trace.json, trace.itf.json, timeline.html, regression.test.ts) are complete, follow their
 * formats, and are byte-identical from run to run; the checked-in regression test is what
 * the emitter writes today, passes, and fails with a clear message under a design that
 * fixes the bug.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../counterexamples/kernel/html.ts';
import { parseLabel } from '../../counterexamples/kernel/steps.ts';
import { readTraceFile } from '../../counterexamples/trace-file.ts';
import { KernelState } from '../../model/kernel/state.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = 'seed-por-reset-lazy-mmu';
const OVERLAY = 'pgtable-writes-hold-pgtables-overlay';
/** The scenario's parameters (IRQs the environment may raise, table fanout). */
const PARAMS = getScenario(SEED).params;
const CHECKED_IN = 'test/regressions/seed-por-reset-lazy-mmu.v6.test.ts';
const FILES = ['trace.json', 'trace.itf.json', 'timeline.html', 'regression.test.ts'];
/** The state's top-level fields (KernelState), which become the ITF variables. */
const VARS = Object.keys(new KernelState().toObject());

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...extraEnv };
  delete env.MMCHECK_DEBUG;
  delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') delete env[k];
  return new Promise((done, fail) => {
    execFile(process.execPath, [file, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') fail(err);
      else done({ status: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}
const mmcheck = (...args: string[]) => run('bin/mmcheck.js', args);
const vitest = (file: string, env: Record<string, string> = {}) => run('node_modules/vitest/vitest.mjs', ['run', file, '--root', ROOT], env);

let dir: string;
/** A folder beside test/regressions (same depth, so the same import paths); removed after. */
const EMIT_DIR = join(ROOT, 'test', `.mmcheck-emit-${process.pid}`);
const runs: Record<'a' | 'b' | 'pass' | 'fixed' | 'unwritable', Run> = {} as never;
const out = (which: 'a' | 'b', name: string) => join(dir, which, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-out-'));
  mkdirSync(EMIT_DIR);
  // An --out directory where trace.json cannot be written (it is a directory).
  mkdirSync(join(dir, 'unwritable', 'trace.json'), { recursive: true });
  const [a, b, pass, fixed, unwritable] = await Promise.all([
    mmcheck('check', SEED, '--design', 'v6', '--out', join(dir, 'a'), '--emit-test', join(EMIT_DIR, 'emitted.ts')),
    mmcheck('check', SEED, '--design', 'v6', '--out', join(dir, 'b')),
    vitest(CHECKED_IN),
    vitest(CHECKED_IN, { MMCHECK_DESIGN: 'v6-guard-checks-live-por' }),
    mmcheck('check', SEED, '--design', 'v6', '--out', join(dir, 'unwritable')),
  ]);
  Object.assign(runs, { a, b, pass, fixed, unwritable });
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(EMIT_DIR, { recursive: true, force: true });
});

describe('mmcheck check --out DIR', () => {
  it('exits 1 (a violation) and writes the four files', () => {
    expect(runs.a.status, runs.a.stderr).toBe(1);
    expect(runs.a.stderr.split('\n')).toEqual([
      ...FILES.map((f) => `mmcheck: wrote ${out('a', f)}`),
      `mmcheck: wrote ${join(EMIT_DIR, 'emitted.ts')}`,
      '',
    ]);
    for (const f of FILES) expect(existsSync(out('a', f)), f).toBe(true);
    expect(runs.a.stdout).toContain(`✗ violation of ${OVERLAY}`);
  });

  it('is deterministic: a second run writes byte-identical files', () => {
    expect(runs.b.status, runs.b.stderr).toBe(1);
    for (const f of FILES) expect(readFileSync(out('b', f)).equals(readFileSync(out('a', f))), f).toBe(true);
  });

  it('trace.json is a valid trace file of the 18-step counterexample', () => {
    const t = readTraceFile(out('a', 'trace.json'));
    expect(t).toMatchObject({ format: 'mmcheck-trace', version: 1, scenario: SEED, design: 'v6', property: OVERLAY, params: { ...PARAMS } });
    expect(t.set).toBeUndefined();
    expect(t.steps).toHaveLength(18);
    expect(t.callTrace![0]).toBe('pageattr_pte_entry');
    expect(t.callTrace!.at(-1)).toBe('vfree');
  });

  it('trace.itf.json follows the ITF shape: #meta, vars, one state per step plus the initial one', () => {
    const trace = readTraceFile(out('a', 'trace.json'));
    const itf = JSON.parse(readFileSync(out('a', 'trace.itf.json'), 'utf8')) as {
      '#meta': Record<string, unknown>;
      vars: string[];
      params: string[];
      states: Record<string, unknown>[];
    };
    expect(Object.keys(itf)).toEqual(['#meta', 'params', 'vars', 'states']);
    expect(itf.params).toEqual(['scenario_params', 'design_knobs']);
    expect(itf['#meta']).toEqual({
      format: 'ITF',
      source: `mmcheck ${SEED}`,
      description: `${SEED} under v6: violation of ${OVERLAY}`,
      actions: trace.steps.map((s) => s.action),
      scenario: SEED,
      design: 'v6',
      property: OVERLAY,
    });
    expect(itf.vars).toEqual(VARS);
    expect(VARS.slice(0, 8)).toEqual(['cpus', 'tasks', 'mms', 'memory', 'pgtable_role', 'irqs_left', 'violations', 'oops']);
    expect(itf.states).toHaveLength(trace.steps.length + 1);
    itf.states.forEach((s, i) => {
      expect(s['#meta']).toEqual(i === 0 ? { index: 0 } : { index: i, action: trace.steps[i - 1].action });
      expect(Object.keys(s)).toEqual(['#meta', 'scenario_params', 'design_knobs', ...VARS]);
    });
    // Integers are {"#bigint": "..."}: no bare JSON number anywhere outside #meta.
    const numbers: string[] = [];
    const walk = (v: unknown, where: string) => {
      if (typeof v === 'number') numbers.push(where);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== '#meta') walk(x, `${where}.${k}`);
    };
    itf.states.forEach((s, i) => walk(s, `states[${i}]`));
    expect(numbers).toEqual([]);
    const first = itf.states[0] as Record<string, any>;
    const last = itf.states[18] as Record<string, any>;
    // One IRQ is taken on the way.
    // irqs_left is per CPU (one CPU here).
    expect(first.irqs_left).toEqual([{ '#bigint': String(PARAMS.irqs) }]);
    expect(last.irqs_left).toEqual([{ '#bigint': String(PARAMS.irqs - 1) }]);
    expect(first.cpus[0].por_el1).toEqual({ '#bigint': '23' });
    // Immutable Maps are {"#map": [[key, value], ...]}; Lists are arrays; records are objects.
    expect(first.violations).toEqual({ '#map': [] });
    expect(first.mutexes).toEqual({ '#map': [] });
    expect(first.pgtable_role['#map']).toContainEqual([{ '#bigint': '4' }, 'pgtable']);
    expect(last.pgtable_role['#map']).toContainEqual([{ '#bigint': '4' }, 'freeing']);
    expect(last.violations['#map'].map((e: unknown[]) => e[0])).toEqual([OVERLAY]);
    expect(last.violations['#map'][0][1]).toMatchObject({ rule: OVERLAY, cpu: { '#bigint': '0' }, task: 'A' });
    expect(last.violations['#map'][0][1].callTrace[0]).toBe('pageattr_pte_entry');
    expect(Array.isArray(first.tasks)).toBe(true);
    expect(first.tasks[0].lazy_mmu_state).toEqual({ enable_count: { '#bigint': '0' }, pause_count: { '#bigint': '0' } });
    expect(first.tasks[0].stack[0].locals['#map']).toBeDefined();
    expect(first.memory.tables['#map'].length).toBeGreaterThan(0);
    // null is Quint's Option: None, or Some(value) at a position that is null in some state.
    expect(first.oops).toEqual({ tag: 'None', value: { '#tup': [] } });
    expect(last.oops.tag).toBe('Some');
    expect(last.oops.value.message).toBe(trace.message);
    expect(first.scenario_params).toEqual({ irqs: { '#bigint': String(PARAMS.irqs) }, fanout: { '#bigint': String(PARAMS.fanout) }, cpus: { '#bigint': '1' } });
  });

  it('timeline.html is self-contained and names the scenario, property, call trace and every step function', () => {
    const html = readFileSync(out('a', 'timeline.html'), 'utf8');
    expect(html).not.toContain('http://');
    expect(html).not.toContain('https://');
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect(html).toContain(SEED);
    expect(html).toContain(OVERLAY);
    expect(html).toContain('Call trace');
    const trace = readTraceFile(out('a', 'trace.json'));
    for (const s of trace.steps) expect(html, s.action).toContain(`<span class="fn">${escapeHtml(parseLabel(s.action).fn)}</span>`);
  });

  it('a file it cannot write is a one-line usage error (exit 2), trace.json included', () => {
    const r = runs.unwritable;
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr.startsWith(`mmcheck: cannot write ${join(dir, 'unwritable', 'trace.json')}: EISDIR`)).toBe(true);
  });

  it('regression.test.ts embeds trace.json and imports the replay API by a path that resolves', () => {
    const src = readFileSync(out('a', 'regression.test.ts'), 'utf8');
    const json = readFileSync(out('a', 'trace.json'), 'utf8').trimEnd();
    expect(src).toContain(`const trace: TraceFile = ${json};`);
    const m = /import \{ replayTrace \} from '([^']+)';/.exec(src);
    expect(m).not.toBeNull();
    expect(resolve(dir, 'a', m![1])).toBe(join(ROOT, 'api', 'replay.ts'));
  });
});

describe('the checked-in regression test', () => {
  it(`is what --emit-test writes today (${CHECKED_IN})`, () => {
    expect(readFileSync(join(EMIT_DIR, 'emitted.ts'), 'utf8')).toBe(readFileSync(join(ROOT, CHECKED_IN), 'utf8'));
  });

  it('passes under the recorded design', () => {
    expect(runs.pass.status, runs.pass.stdout + runs.pass.stderr).toBe(0);
    expect(runs.pass.stdout).toMatch(/Tests\s+1 passed \(1\)/);
  });

  it('fails under MMCHECK_DESIGN=v6-guard-checks-live-por, saying where the schedule stops replaying', () => {
    const output = runs.fixed.stdout + runs.fixed.stderr;
    expect(runs.fixed.status, output).not.toBe(0);
    expect(output).toContain('no longer replays');
    expect(output).toContain('step 18');
    expect(output).toMatch(/Tests\s+1 failed \(1\)/);
  });
});
