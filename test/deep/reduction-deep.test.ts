/**
 * Every matrix cell at the deep bounds (`mmcheck matrix --deep`: two CPUs or more, two IRQs per
 * CPU or more, a BFS capped at 100,000 states, then a DFS if it found nothing) under
 * `--reduction none` and `--reduction all`: the same verdict and the same violated property
 * wherever both searches finish, and never a pass over a whole space on one side where the
 * other found a violation (api/matrix.ts `cellAgreement`).
 *
 * Not part of `npm test` (minutes per cell under some designs): `npm run test:deep`. Each search
 * stops after MMCHECK_DEEP_TIME_LIMIT seconds (default 120), and a search stopped so agrees with
 * anything: a slow or busy machine gives fewer comparisons, never a false failure. The cells
 * each side could not finish are listed at the end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cellAgreement, matrixPlan, runCell, type CellAgreement } from '../../api/matrix.ts';

const TIME_LIMIT = Number(process.env.MMCHECK_DEEP_TIME_LIMIT ?? 120);
const only = process.env.MMCHECK_DEEP_SCENARIO;
const plan = matrixPlan(only ? { scenarios: only.split(',') } : {});
const tally = new Map<CellAgreement, string[]>();

describe(`the deep matrix agrees under --reduction all and none (${TIME_LIMIT} s a search)`, () => {
  for (const { scenario, design } of plan)
    it(`${scenario.name} × ${design}`, () => {
      const none = runCell(scenario, design, { deep: true, reduction: 'none', timeLimitSeconds: TIME_LIMIT });
      const all = runCell(scenario, design, { deep: true, reduction: 'all', timeLimitSeconds: TIME_LIMIT });
      const agreement = cellAgreement(none, all);
      tally.set(agreement, [...(tally.get(agreement) ?? []), `${scenario.name} × ${design}`]);
      const outcome = (c: typeof none) => [c.verdict, c.property, c.complete];
      const said = (c: typeof none) => `${c.verdict === 'violation' ? `violation of ${c.property}` : c.complete ? 'pass' : 'incomplete'} (${c.distinctStates} states, ${c.seconds.toFixed(1)} s)`;
      console.log(`${scenario.name} × ${design}: none ${said(none)}, all ${said(all)}: ${agreement}`);
      if (agreement === 'same') expect(outcome(all)).toEqual(outcome(none));
      expect(agreement, `none: ${JSON.stringify(outcome(none))}, all: ${JSON.stringify(outcome(all))}`).not.toBe('CONTRADICTION');
    });
});

afterAll(() => {
  const lines = [...tally].map(([k, cells]) => `${cells.length} ${k}${k === 'same' ? '' : `: ${cells.join(', ')}`}`);
  process.stdout.write(`\ndeep matrix, none against all: ${lines.join('; ')}\n`);
});
