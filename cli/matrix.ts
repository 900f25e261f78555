/** `mmcheck matrix`: the main job. Rows are scenarios, columns designs. */
import { runCell, matrixPlan, type MatrixCell } from '../api/matrix.ts';
import { RULES_BY_NAME } from '../properties/index.ts';
import { resolveDesign } from '../model/design-file.ts';
import { isDesignFilePath } from '../model/designs.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { wrap } from '../counterexamples/wrap.ts';
import { EXIT } from './exit.ts';
import { interruptedExitCode, searchPhase } from './signals.ts';
import { SEARCH_OPTIONS } from './check.ts';
import type { ReductionMode } from '../checker/reduction/index.ts';

export const MATRIX_SPEC: CommandSpec = {
  name: 'matrix',
  usage: 'mmcheck matrix [--scenario NAME]... [--design NAME|FILE]... [--deep] [--json]',
  summary:
    'Check every scenario under every design it declares and compare with its expected verdict. Exit 1 if any cell differs from its expectation.\n' +
    "A design file runs on every scenario, held to its base design's expectations (a pass always meets them; where the base is not declared, a pass is expected).",
  maxPositionals: 0,
  options: {
    scenario: { type: 'list', arg: 'NAME', help: 'only this scenario (repeatable)' },
    design: { type: 'list', arg: 'NAME|FILE', help: 'only this design (repeatable); a design file runs on every scenario' },
    json: { type: 'boolean', help: 'print an array of {scenario, design, expected, verdict, property, traceLength, distinctStates, complete}' },
    quiet: { type: 'boolean', help: 'no progress lines' },
    progress: { type: 'boolean', help: 'a progress line per cell on stderr even with --json (stdout stays JSON)' },
    reduction: SEARCH_OPTIONS.reduction,
    deep: { type: 'boolean', help: 'wider bounds: at least 2 CPUs and 2 IRQs per CPU; a BFS of up to 100000 states a cell, then a DFS of as many if it found nothing (takes minutes)' },
  },
  examples: [
    'mmcheck matrix',
    'mmcheck matrix --scenario seed-por-reset-lazy-mmu',
    'mmcheck matrix --json > matrix.json',
    'mmcheck matrix --deep --json --progress > matrix-deep.json',
    'mmcheck matrix --design examples/designs/pause-lazy-mmu-in-finish-task-switch.ts',
  ],
};

/** `✓ 730` (pass, states) or `✗1 18/508` (invariant number, steps/states); `!` marks a mismatch. */
function cellText(c: MatrixCell): string {
  const t =
    c.verdict === 'pass'
      ? `✓ ${c.distinctStates}`
      : c.verdict === 'violation'
        ? `✗${RULES_BY_NAME.get(c.property ?? '')?.number ?? '?'} ${c.traceLength}/${c.distinctStates}`
        : `… ${c.distinctStates}`;
  return c.matches ? t : `${t}!`;
}

function cellLine(c: MatrixCell): string {
  const what =
    c.verdict === 'pass'
      ? `✓ pass (${c.distinctStates} states, complete)`
      : c.verdict === 'violation'
        ? `✗ ${c.property} (${c.traceLength} steps, ${c.distinctStates} states)`
        : `${c.verdict} (${c.distinctStates} states)`;
  const exp = c.matches ? '' : `  MISMATCH: expected ${c.expected.verdict}${c.expected.property ? ` of ${c.expected.property}` : ''}`;
  const by = c.searches && c.searches.length > 1 ? ` [${c.searches.join(' then ')}]` : '';
  return `${c.scenario} × ${c.design}: ${what}${by} ${c.seconds.toFixed(2)} s${exp}`;
}

/**
 * Rows are scenarios, columns designs (D1, D2... named in a legend). A matrix wider than the
 * terminal is printed in column groups, each with the scenarios that use its designs.
 */
export function matrixTable(cells: readonly MatrixCell[], width = 120): string[] {
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  const designs = [...new Set(cells.map((c) => c.design))];
  const at = new Map(cells.map((c) => [`${c.scenario}\u0000${c.design}`, c]));
  const w0 = Math.max(...scenarios.map((s) => s.length)) + 2;
  const colWidth = (d: number) => Math.max(`D${d + 1}`.length, ...scenarios.map((s) => cellText(at.get(`${s}\u0000${designs[d]}`) ?? ({ matches: true, verdict: 'pass', distinctStates: 0 } as MatrixCell)).length)) + 2;
  const lines = ['Designs (columns):'];
  designs.forEach((d, i) => lines.push(`  D${String(i + 1).padEnd(3)}${d}`));
  let first = 0;
  while (first < designs.length) {
    let last = first;
    let used = w0 + colWidth(first);
    while (last + 1 < designs.length && used + colWidth(last + 1) <= width) used += colWidth(++last);
    const cols = designs.slice(first, last + 1).map((_, j) => first + j);
    lines.push('', `${''.padEnd(w0)}${cols.map((d) => `D${d + 1}`.padEnd(colWidth(d))).join('')}`.trimEnd());
    for (const s of scenarios) {
      if (!cols.some((d) => at.has(`${s}\u0000${designs[d]}`))) continue;
      const row = cols.map((d) => {
        const c = at.get(`${s}\u0000${designs[d]}`);
        return (c ? cellText(c) : '·').padEnd(colWidth(d));
      });
      lines.push(`${s.padEnd(w0)}${row.join('')}`.trimEnd());
    }
    first = last + 1;
  }
  lines.push(
    '',
    ...wrap(
      '✓ N: pass, N states, whole bounded space · ✗I S/N: violates invariant I (numbered below; docs/invariants.md), S steps, N states · · not declared · ! differs from expectation',
      width,
      '',
      '  ',
    ),
  );
  // The invariants the ✗I numbers name, as they appear in the table.
  const numbered = [...new Set(cells.filter((c) => c.verdict === 'violation').map((c) => c.property ?? ''))]
    .map((name) => [RULES_BY_NAME.get(name)?.number ?? '?', name] as const)
    .sort((a, b) => Number(a[0]) - Number(b[0]));
  if (numbered.length) lines.push('Invariants (✗I):', ...numbered.map(([n, name]) => `  ${String(n).padStart(2)}  ${name}`));
  return lines;
}

export async function matrixCommand(argv: string[]): Promise<number> {
  const p = parseArgs(MATRIX_SPEC, argv);
  const plan = matrixPlan({
    ...(p.options.scenario ? { scenarios: p.options.scenario as string[] } : {}),
    ...(p.options.design ? { designs: await Promise.all((p.options.design as string[]).map((d) => (isDesignFilePath(d) ? resolveDesign(d) : d))) } : {}),
  });
  const progress = !!p.options.progress || (!p.options.json && !p.options.quiet);
  const interrupt = searchPhase();
  const cells: MatrixCell[] = [];
  const t0 = performance.now();
  try {
    for (const [i, { scenario, design, proposed }] of plan.entries()) {
      if (interrupt.signal.aborted) break;
      const cell = runCell(scenario, proposed ?? design, { deep: !!p.options.deep, ...(p.options.reduction ? { reduction: p.options.reduction as ReductionMode } : {}) });
      cells.push(cell);
      if (progress) process.stderr.write(`[${String(i + 1).padStart(String(plan.length).length)}/${plan.length}] ${cellLine(cell)}\n`);
      await new Promise<void>((r) => setImmediate(r)); // let Ctrl-C in between cells
    }
  } finally {
    interrupt.done();
  }
  const mismatches = cells.filter((c) => !c.matches);
  if (p.options.json) {
    const out = cells.map(({ scenario, design, expected, verdict, property, traceLength, distinctStates, complete }) => ({
      scenario,
      design,
      expected,
      verdict,
      ...(property ? { property } : {}),
      ...(traceLength !== undefined ? { traceLength } : {}),
      distinctStates,
      complete,
    }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const lines = matrixTable(cells, Math.max(80, process.stdout.columns ?? 120));
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    lines.push(
      '',
      `${cells.length} cells in ${secs} s: ${cells.filter((c) => c.verdict === 'pass').length} pass, ${cells.filter((c) => c.verdict === 'violation').length} violations, ${mismatches.length} differ from expectation${cells.length < plan.length ? ` (interrupted after ${cells.length} of ${plan.length})` : ''}`,
    );
    for (const m of mismatches) lines.push(`  ${cellLine(m)}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (cells.length < plan.length) return interruptedExitCode();
  return mismatches.length ? EXIT.violation : EXIT.ok;
}
