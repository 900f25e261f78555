/**
 * The deep-matrix comparison of `--reduction all` against `none`, cell by cell (see
 * reduction-deep.*.test.ts): every matrix cell at the deep bounds (`mmcheck matrix --deep`: two
 * CPUs or more, two IRQs per CPU or more, a BFS capped at 100,000 states, then a DFS if it found
 * nothing) under both: the same verdict and the same violated property wherever both searches
 * finish, and never a pass over a whole space on one side where the other found a violation
 * (api/matrix.ts `cellAgreement`).
 *
 * Each search stops after MMCHECK_DEEP_TIME_LIMIT seconds (default 120), and a search stopped so
 * agrees with anything: a slow or busy machine gives fewer comparisons, never a false failure.
 * Each cell prints its outcome as it finishes; the cells each side could not finish are listed
 * at the end. MMCHECK_DEEP_SCENARIO=a,b runs only those scenarios.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cellAgreement, matrixPlan, runCell, type CellAgreement, type MatrixCell } from '../../api/matrix.ts';

const TIME_LIMIT = Number(process.env.MMCHECK_DEEP_TIME_LIMIT ?? 120);

/** Declares the tests of part `part` (0-based) of `parts`: the matrix's cells, dealt out in turn. */
export function deepCells(part: number, parts: number): void {
  const only = process.env.MMCHECK_DEEP_SCENARIO;
  const plan = matrixPlan(only ? { scenarios: only.split(',') } : {}).filter((_, i) => i % parts === part);
  const tally = new Map<CellAgreement, string[]>();
  const outcome = (c: MatrixCell) => [c.verdict, c.property, c.complete];
  const said = (c: MatrixCell) =>
    `${c.verdict === 'violation' ? `violation of ${c.property}` : c.complete ? 'pass' : 'incomplete'} (${c.distinctStates} states, ${c.seconds.toFixed(1)} s)`;

  describe(`the deep matrix agrees under --reduction all and none (${TIME_LIMIT} s a search; part ${part + 1} of ${parts})`, () => {
    for (const { scenario, design } of plan)
      it(`${scenario.name} × ${design}`, () => {
        const none = runCell(scenario, design, { deep: true, reduction: 'none', timeLimitSeconds: TIME_LIMIT });
        const all = runCell(scenario, design, { deep: true, reduction: 'all', timeLimitSeconds: TIME_LIMIT });
        const agreement = cellAgreement(none, all);
        tally.set(agreement, [...(tally.get(agreement) ?? []), `${scenario.name} × ${design}`]);
        console.log(`${scenario.name} × ${design}: none ${said(none)}, all ${said(all)}: ${agreement}`);
        if (agreement === 'same') expect(outcome(all)).toEqual(outcome(none));
        expect(agreement, `none: ${JSON.stringify(outcome(none))}, all: ${JSON.stringify(outcome(all))}`).not.toBe('CONTRADICTION');
      });
  });

  afterAll(() => {
    const lines = [...tally].map(([k, cells]) => `${cells.length} ${k}${k === 'same' ? '' : `: ${cells.join(', ')}`}`);
    console.log(`deep matrix part ${part + 1} of ${parts}, none against all: ${lines.join('; ')}`);
  });
}
