/**
 * The terminal report fits the terminal: `mmcheck check` prints in lines of at most the
 * terminal's width (stdout's columns, or COLUMNS when stdout is not a terminal, or 80), wraps
 * instead of cutting, labels the state column with its CPU, explains every abbreviation, and
 * colours only when it should. Progress rewrites one line in place on a terminal.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { colourEnabled, terminalWidth } from '../../cli/terminal.ts';
import { progressLine, progressReporter } from '../../cli/progress.ts';
import { renderKernelResult, scheduleTable } from '../../counterexamples/kernel/text.ts';
import { stepViews } from '../../counterexamples/kernel/steps.ts';
import { columns, stripAnsi, wrap } from '../../counterexamples/wrap.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = 'seed-por-reset-lazy-mmu';

function mmcheck(args: string[], env: Record<string, string | undefined>): Promise<{ status: number; stdout: string; stderr: string }> {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of Object.keys(full)) if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV' || full[k] === undefined) delete full[k];
  return new Promise((done, fail) => {
    execFile(process.execPath, ['bin/mmcheck.js', ...args], { cwd: ROOT, env: full as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') fail(err);
      else done({ status: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

const widest = (text: string) => Math.max(...text.split('\n').map((l) => columns(stripAnsi(l))));
const scheduleOf = (text: string) => text.slice(text.indexOf('Schedule ('));

describe('mmcheck check fits the terminal', () => {
  it('COLUMNS=80: the seed counterexample under v6 prints every line in at most 80 columns', async () => {
    const r = await mmcheck(['check', SEED, '--design', 'v6'], { COLUMNS: '80', NO_COLOR: undefined, FORCE_COLOR: undefined });
    expect(r.status).toBe(1);
    expect(widest(r.stdout)).toBeLessThanOrEqual(80);
    expect(widest(scheduleOf(r.stdout))).toBe(80);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('Schedule (18 steps, 1 IRQ, 1 preemption, 1 skipped operation):');
    expect(lines).toContain('    #  CPU0                                         CPU  POR_EL1        lazy exc');
    expect(lines).toContain('    1  A lazy_mmu_mode_enable:                      CPU0 0x17 DEFAULT    1/0   0');
    expect(lines).toContain('   18  A __set_pte: WRITE_ONCE(*ptep, pte)          CPU0 0x17 DEFAULT    2/0   1');
    // The skipped guard is on the schedule, wrapped under step 17.
    expect(lines).toContain('       ↷ skipped');
    expect(r.stdout).toContain('(batching-guard=v6), with POR_EL1 = 0x17');
    expect(r.stdout).not.toContain('…');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('COLUMNS=120: the two-CPU tlbi-elision counterexample prints in at most 120 columns, one lane per CPU', async () => {
    const r = await mmcheck(['check', 'tlbi-elision', '--design', 'tlbi-elision-rw-to-ro', '--reduction', 'none'], { COLUMNS: '120', NO_COLOR: '1' });
    expect(r.status).toBe(1);
    expect(widest(r.stdout)).toBeLessThanOrEqual(120);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('    #  CPU0                                      CPU1                                      CPU  POR_EL1        lazy exc');
    expect(lines).toContain('   14  .                                         P copy_to_kernel_nofault → walker sees    CPU1 0x17 DEFAULT    0/0   0');
    // The elided TLBI, wrapped in CPU0's lane under step 15.
    const at = lines.lastIndexOf('       ↷ skipped flush_tlb_kernel_range(start,');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('   15  W emit_pte_barriers:')));
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '         start + size) for pages [1, 2) in',
      '         __change_memory_common: the change only',
      '         sets PTE_RDONLY',
      '         (tlbi-elision=also-rw-to-ro)',
    ]);
    expect(r.stdout).not.toContain('…');
  });

  it('with no COLUMNS and no terminal, 80 columns; a narrow terminal gets one block per step', async () => {
    const r = await mmcheck(['check', 'tlbi-elision', '--design', 'tlbi-elision-rw-to-ro'], { COLUMNS: undefined, NO_COLOR: '1' });
    expect(widest(r.stdout)).toBeLessThanOrEqual(80);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('    #  step, then the state after it of the CPU that took it');
    expect(lines).toContain('       state: CPU1 POR_EL1 0x17 DEFAULT, lazy 0/0, exc 0');
    const { model, result } = runScenario(SEED, { design: 'v6' });
    expect(widest(renderKernelResult(result, model, { width: 50 }))).toBeLessThanOrEqual(50);
  });

  it('says when reduction changed the counts, and how to get the unreduced ones', () => {
    const flat = (r: ReturnType<typeof runScenario>) => renderKernelResult(r.result, r.model, { width: 1000 });
    const twoCpus = runScenario(SEED, { design: 'v6', params: { cpus: 2, irqs: 1 } });
    expect(twoCpus.result.stats.reduction?.reducedStates).toBe(1838);
    expect(flat(twoCpus)).toContain("2,711 distinct states · 5,828 generated · depth 24 · ");
    expect(flat(twoCpus)).toContain(" · reduction: partial-order (1,838 states expanded with one actor's steps); --reduction none for unreduced counts");
    // One CPU: nothing to reorder, the counts are the unreduced ones, and the line says nothing.
    expect(flat(runScenario(SEED, { design: 'v6' }))).not.toContain('reduction:');
    expect(flat(runScenario(SEED, { design: 'v6', params: { cpus: 2, irqs: 1 }, reduction: 'none' }))).not.toContain('reduction:');
  });

  it('explains every abbreviation in a legend', async () => {
    const { model, result } = runScenario(SEED, { design: 'v6' });
    const text = renderKernelResult(result, model, { width: 100 });
    const legend = text.slice(text.indexOf('Legend:')).replace(/\n {2}/g, ' ');
    for (const term of ['lazy = enable_count/pause_count', 'exc = exception depth', 'POR_EL1 and its kpkeys level', 'the CPU named in it', '↳ what the step changed', '↷ an operation the design let the code skip', '→ the outcome'])
      expect(legend).toContain(term);
  });

  it('says which alias is writable when the initial state already breaks the rule', async () => {
    const r = await mmcheck(['check', 'data-bss-linear-alias', '--design', 'rodata-alias-writable'], { COLUMNS: '120', NO_COLOR: '1' });
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'mmcheck: data-bss-linear-alias under rodata-alias-writable (bfs)',
      '✗ violation of linear-alias-protected — The linear alias of text/rodata is never writable; an unmapped alias is never',
      '  accessed.',
      '  the linear alias of swapper_pg_dir (page 0) at ffff000000000000 is writable: its leaf entry lacks PTE_RDONLY',
      '  the linear alias of _stext (kernel text) (page 1) at ffff000000001000 is writable: its leaf entry lacks PTE_RDONLY',
    ]);
  });

  it('colours only on a terminal, or with FORCE_COLOR; NO_COLOR wins', async () => {
    const forced = await mmcheck(['check', SEED, '--design', 'v6'], { COLUMNS: '100', FORCE_COLOR: '1', NO_COLOR: undefined });
    expect(forced.stdout).toContain('\u001b[31m✗ violation of pgtable-writes-hold-pgtables-overlay');
    expect(widest(forced.stdout)).toBeLessThanOrEqual(100);
    const both = await mmcheck(['check', SEED, '--design', 'v6'], { COLUMNS: '100', FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(both.stdout).not.toContain('\u001b[');
    // The same text apart from the colour codes (up to the stats, which hold timings).
    const untimed = (t: string) => t.slice(0, t.lastIndexOf('\n\n'));
    expect(untimed(stripAnsi(forced.stdout))).toBe(untimed(both.stdout));
  });
});

describe('terminal width and colour', () => {
  it('width: the terminal\u2019s columns, else COLUMNS, else 80', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '90' })).toBe(132);
    expect(terminalWidth({ isTTY: false, columns: 132 }, { COLUMNS: '90' })).toBe(90);
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBe(80);
    expect(terminalWidth({}, {})).toBe(80);
  });

  it('colour: NO_COLOR off, FORCE_COLOR on (unless 0 or false), else only on a terminal', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('wrap never exceeds the width and never loses or cuts a character', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', '↳', '-', '>', '(', ')'), minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 40 }), fc.integer({ min: 8, max: 120 }), (words, width) => {
        const text = words.join(' ');
        const lines = wrap(text, width, '  ', '    ');
        for (const l of lines) expect(columns(l)).toBeLessThanOrEqual(width);
        expect(lines.map((l, i) => l.slice(i === 0 ? 2 : 4)).join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
      }),
    );
  });

  it('every schedule of the seed fits widths from 20 to 160', () => {
    const { model, result } = runScenario('tlbi-elision', { design: 'tlbi-elision-rw-to-ro' });
    const views = stepViews(model, result.path!);
    for (let width = 20; width <= 160; width += 7) for (const l of scheduleTable(views, 2, { width })) expect(columns(l), `${width}: ${l}`).toBeLessThanOrEqual(width);
  });
});

describe('progress', () => {
  const p = { distinctStates: 12345, generatedStates: 23456, depth: 17, queue: 321, seconds: 2.4 };

  it('has states, states/s, queue, depth and elapsed time; on a narrow terminal only what fits', () => {
    expect(progressLine(p)).toBe('progress: 12,345 states · 5,144 states/s · queue 321 · depth 17 · 2 s · 23,456 generated');
    expect(progressLine(p, 50)).toBe('progress: 12,345 states · 5,144 states/s');
  });

  it('on a terminal rewrites one line in place and clears it at the end', () => {
    const writes: string[] = [];
    const r = progressReporter(true, { isTTY: true, columns: 60, write: (s: string) => writes.push(s) })!;
    r(p);
    r({ ...p, distinctStates: 20000, seconds: 3 });
    r.finish();
    expect(writes).toEqual([
      '\rprogress: 12,345 states · 5,144 states/s · queue 321\u001b[K',
      '\rprogress: 20,000 states · 6,667 states/s · queue 321\u001b[K',
      '\r\u001b[K',
    ]);
    expect(writes.join('')).not.toContain('\n');
    // A terminal that reports no width (a pseudo-terminal with 0 columns) counts as 80.
    const zero: string[] = [];
    progressReporter(true, { isTTY: true, columns: 0, write: (x: string) => zero.push(x) })!(p);
    expect(zero).toEqual(['\rprogress: 12,345 states · 5,144 states/s · queue 321 · depth 17 · 2 s\u001b[K']);
  });

  it('elsewhere (--progress into a file or pipe) prints plain lines', () => {
    const writes: string[] = [];
    const r = progressReporter(true, { isTTY: false, write: (s: string) => writes.push(s) })!;
    r(p);
    r.finish();
    expect(writes).toEqual(['progress: 12,345 states · 5,144 states/s · queue 321 · depth 17 · 2 s · 23,456 generated\n']);
    expect(progressReporter(false)).toBeUndefined();
  });
});
