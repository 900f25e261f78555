/**
 * The reduction table of docs/reduction.md: distinct states and seconds of every design of the
 * given scenarios under `--reduction none`, `por`, `symmetry` and `all` (bfs, default bounds).
 *
 *   npm run reduction-table                       # every scenario with two or more CPUs, and the seed with cpus=2
 *   npm run reduction-table -- tlbi-elision:irqs=2 seed-por-reset-lazy-mmu:cpus=2,irqs=2
 *   npm run reduction-table -- seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6+no-batching   # only these designs
 *   npm run reduction-table -- --with-defaults seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6   # the defaults, then these
 *   npm run reduction-table -- --time-limit 120 --stdout
 *
 * A case is `SCENARIO[:param=N,...][@DESIGN+DESIGN...]` (parameters as `mmcheck check --param`). Each run stops
 * after --time-limit seconds (default 60): the table then shows `≥N` (incomplete). The table
 * replaces the one between the markers in docs/reduction.md unless --stdout is given. For a
 * scenario without symmetry the `symmetry` column repeats the `none` run and `all` the `por`
 * run (the same searches). Seconds
 * are wall-clock on whatever machine runs it: compare them within one table only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runScenario } from '../api/check-scenario.ts';
import { allScenarios, getScenario } from '../model/scenarios/index.ts';
import { kernelModel } from '../model/kernel-model.ts';
import type { ReductionMode } from '../checker/reduction/index.ts';
import { parseCase } from './case-spec.ts';

const MODES: readonly ReductionMode[] = ['none', 'por', 'symmetry', 'all'];
/** The seed's failing design and its four passing remedies. */
const SEED_DESIGNS = ['v6', 'v6-pause-lazy-mmu-in-finish-task-switch', 'v6-no-por-reset-atomic-lazy-switch', 'v6-guard-checks-live-por', 'no-batching'];
/** Besides the scenarios with two CPUs by default: the seed scenario with a background CPU (ptdump), under those designs. */
const TWO_CPU_SEED = [
  { irqs: 1, designs: SEED_DESIGNS },
  // Two IRQs per CPU (the default with cpus=2): half a million to 1.2 million states unreduced for the passing remedies.
  { irqs: 2, designs: SEED_DESIGNS },
].map(({ irqs, designs }) => ({ scenario: 'seed-por-reset-lazy-mmu', params: { cpus: 2, irqs }, designs, timeLimit: 420 }));
const BEGIN = '<!-- reduction-table:begin -->';
const END = '<!-- reduction-table:end -->';

function parseArgs(argv: string[]) {
  let timeLimit = 60;
  let stdout = false;
  let withDefaults = false;
  /** `timeLimit`: seconds per run for this case (default: --time-limit). */
  const cases: { scenario: string; params: Record<string, number>; designs?: string[]; timeLimit?: number }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--stdout') stdout = true;
    else if (a === '--with-defaults') withDefaults = true;
    else if (a === '--time-limit') timeLimit = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else cases.push(parseCase(a));
  }
  if (!(timeLimit > 0)) throw new Error('--time-limit must be > 0');
  const given = cases.splice(0);
  if (given.length === 0 || withDefaults)
    for (const s of allScenarios()) {
      const design = Object.keys(s.expectations)[0];
      if ([...kernelModel(s, { design }).initialStates()][0].cpus.length >= 2) cases.push({ scenario: s.name, params: {} });
    }
  if (given.length === 0) cases.push(...TWO_CPU_SEED);
  cases.push(...given);
  return { timeLimit, stdout, cases };
}

function main(): void {
  const { timeLimit, stdout, cases } = parseArgs(process.argv.slice(2));
  const rows = [
    '| scenario | params | design | verdict | states none | por | symmetry | all | none ÷ all | seconds none / por / symmetry / all |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const { scenario, params, designs, timeLimit: caseLimit } of cases) {
    for (const design of designs ?? Object.keys(getScenario(scenario).expectations)) {
      // Without symmetry support, `symmetry` is the `none` search and `all` the `por` one: run each once.
      const hasSymmetry = kernelModel(getScenario(scenario), { design, params }).symmetry !== undefined;
      const done = new Map<ReductionMode, ReturnType<typeof runScenario>['report']>();
      const runs = MODES.map((reduction) => {
        const same = hasSymmetry ? reduction : reduction === 'symmetry' ? 'none' : reduction === 'all' ? 'por' : reduction;
        let report = done.get(same);
        if (!report) {
          report = runScenario(scenario, { design, params, reduction: same, timeLimitSeconds: caseLimit ?? timeLimit, shrink: false }).report;
          done.set(same, report);
        }
        return report;
      });
      const states = runs.map((r) => `${r.complete || r.verdict !== 'incomplete' ? '' : '≥'}${r.stats.distinctStates}`);
      // No ratio when either search stopped early: a lower bound over a lower bound says nothing.
      const finished = (r: (typeof runs)[number]) => r.complete || r.verdict !== 'incomplete';
      const ratio = finished(runs[0]) && finished(runs[3]) ? `${(runs[0].stats.distinctStates / runs[3].stats.distinctStates).toFixed(2)}×` : '—';
      const verdicts = new Set(runs.filter((r) => r.verdict !== 'incomplete').map((r) => `${r.verdict}${r.property ? ` (${r.property})` : ''}`));
      const verdict = verdicts.size === 1 ? [...verdicts][0] : verdicts.size === 0 ? 'incomplete' : `DIFFER: ${[...verdicts].join(' / ')}`;
      const paramText = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ') || 'default';
      rows.push(`| ${scenario} | ${paramText} | ${design} | ${verdict} | ${states.join(' | ')} | ${ratio} | ${runs.map((r) => r.stats.seconds.toFixed(2)).join(' / ')} |`);
      process.stderr.write(`${scenario} ${paramText} ${design}: ${states.join(' / ')}\n`);
    }
  }
  const table = rows.join('\n');
  if (stdout) {
    process.stdout.write(table + '\n');
    return;
  }
  const file = new URL('../docs/reduction.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/reduction.md has no ${BEGIN} ... ${END} markers`);
  writeFileSync(file, `${doc.slice(0, from + BEGIN.length)}\n${table}\n${doc.slice(to)}`);
  process.stderr.write(`wrote ${rows.length - 2} rows into docs/reduction.md\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`reduction-table: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
