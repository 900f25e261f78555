/**
 * The deep matrix with and without partial-order reduction: every cell at the deep bounds
 * (`mmcheck matrix --deep`: at least two CPUs and two IRQs per CPU, a BFS capped at 100,000
 * states, then a DFS if it found nothing) under `--reduction none` and `--reduction all`, and
 * whether they agree.
 *
 *   npm run reduction-deep                                   # every cell (takes a long time)
 *   npm run reduction-deep -- --scenario seed-por-reset-lazy-mmu --time-limit 120
 *
 * Agreement: two violations of the same property; two passes; or one side incomplete (a cap or
 * the time limit) while the other found a violation or completed. A contradiction is one side
 * completing with a pass where the other found a violation, or two different violated
 * properties (both are real violations then; the capped searches met them in another order).
 * Output: Markdown, one row per cell, then the counts. Exit 1 on a contradiction.
 */
import { cellAgreement, runCell, matrixPlan, type CellAgreement, type MatrixCell } from '../api/matrix.ts';
import { allScenarios } from '../model/scenarios/index.ts';

const USAGE = 'usage: npm run reduction-deep [-- --scenario NAME]... [--time-limit S]';
const scenarios: string[] = [];
let timeLimit = 300;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--scenario') scenarios.push(argv[++i] ?? '');
  else if (a === '--time-limit') timeLimit = Number(argv[++i]);
  else {
    process.stderr.write(`reduction-deep: unknown argument '${a}'; ${USAGE}\n`);
    process.exit(2);
  }
}
const known = allScenarios().map((s) => s.name);
for (const s of scenarios)
  if (!known.includes(s)) {
    process.stderr.write(`reduction-deep: unknown scenario '${s}'; scenarios: ${known.join(', ')}\n`);
    process.exit(2);
  }
if (!(timeLimit > 0)) {
  process.stderr.write(`reduction-deep: --time-limit must be a number of seconds > 0; ${USAGE}\n`);
  process.exit(2);
}

const outcome = (c: MatrixCell) => (c.verdict === 'violation' ? `violation (${c.property})` : c.complete ? 'pass' : 'incomplete');
const WORDS: Record<CellAgreement, string> = {
  same: 'same',
  'only the second complete': 'only all complete',
  'only the first complete': 'only none complete',
  'both incomplete': 'both incomplete',
  CONTRADICTION: 'CONTRADICTION',
};

const plan = matrixPlan(scenarios.length ? { scenarios } : {});
const counts = new Map<string, number>();
process.stdout.write('| cell | none | all | states none / all | s none / all | |\n|---|---|---|---:|---:|---|\n');
for (const { scenario, design } of plan) {
  const none = runCell(scenario, design, { deep: true, reduction: 'none', timeLimitSeconds: timeLimit });
  const all = runCell(scenario, design, { deep: true, reduction: 'all', timeLimitSeconds: timeLimit });
  const agree = WORDS[cellAgreement(none, all)];
  counts.set(agree, (counts.get(agree) ?? 0) + 1);
  process.stdout.write(
    `| ${scenario.name} × ${design} | ${outcome(none)} | ${outcome(all)} | ${none.distinctStates} / ${all.distinctStates} | ${none.seconds.toFixed(1)} / ${all.seconds.toFixed(1)} | ${agree} |\n`,
  );
}
process.stdout.write(`\n${plan.length} cells: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}\n`);
process.exit(counts.has('CONTRADICTION') ? 1 : 0);
