/** `mmcheck diff BASE NEW`: what a design changes compared with another (api/diff.ts). */
import { UsageError } from '../checker/index.ts';
import { diffDesigns, newRunOf, type DesignDiff, type DiffSide, type ScenarioDiff } from '../api/diff.ts';
import { renderKernelResult } from '../counterexamples/kernel/text.ts';
import { resolveDesign } from '../model/design-file.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { scenarioParams, searchOptions, SEARCH_OPTIONS } from './check.ts';
import { EXIT } from './exit.ts';

// Not --workers: the reachable-event summary is collected in this thread, as the search explores.
const { json, 'no-timing': noTiming, quiet: _q, progress: _p, workers: _w, ...SEARCH } = SEARCH_OPTIONS;

export const DIFF_SPEC: CommandSpec = {
  name: 'diff',
  usage: 'mmcheck diff BASE NEW [--scenario NAME]... [search options] [--json]',
  summary:
    'Compare two designs (names or design files) on every scenario at the same bounds: verdicts that change, with NEW\'s counterexample, and where both pass, which page-table stores and accesses became reachable or unreachable (function, POR_EL1 level, lazy MMU state, exception depth); state counts under each.\n' +
    'Exit 1 if NEW violates an invariant that BASE holds on some scenario (a regression), 0 otherwise.',
  maxPositionals: 2,
  options: {
    scenario: { type: 'list', arg: 'NAME', help: 'only this scenario (repeatable; default: every scenario)' },
    param: { type: 'list', arg: 'NAME=VALUE', help: 'scenario parameter for both designs: irqs=N, fanout=N (repeatable)' },
    ...SEARCH,
    'max-states': { ...SEARCH['max-states'], help: 'stop each search after N distinct states (its verdict is then incomplete, and claims no regression)' },
    'time-limit': { ...SEARCH['time-limit'], help: 'stop each search after this many seconds (incomplete, as --max-states)' },
    json,
    'no-timing': noTiming,
  },
  examples: [
    'mmcheck diff v6 v6-pause-lazy-mmu-in-finish-task-switch',
    'mmcheck diff v6 examples/designs/pause-lazy-mmu-in-finish-task-switch.ts --scenario seed-por-reset-lazy-mmu',
    'mmcheck diff no-batching v6 --json',
  ],
};

const scenarios = (n: number) => `${n} scenario${n === 1 ? '' : 's'}`;

function verdictText(s: DiffSide): string {
  if (s.verdict === 'pass') return s.complete ? 'pass' : 'pass (incomplete)';
  if (s.verdict === 'violation') return `violation of ${s.property}`;
  return s.verdict;
}

function indent(text: string, by: string): string[] {
  return text.split('\n').map((l) => (l ? by + l : l));
}

/** The diff as text: changes first, then what is reachable, then state counts. */
export function renderDiff(diff: DesignDiff): string {
  const lines = [`mmcheck diff: ${diff.base} → ${diff.new} (${scenarios(diff.scenarios.length)}, the same bounds for both)`];
  if (diff.unchanged) {
    lines.push('', `No change: every scenario gives the same verdict, reaches the same page-table stores and accesses, and the same number of states under both designs.`);
    return lines.join('\n');
  }
  const flips = diff.scenarios.filter((d) => d.verdictChanged);
  lines.push('', flips.length ? `Verdicts that change (${flips.length}):` : 'Verdicts that change: none');
  for (const d of flips) lines.push(`  ${d.scenario}: ${verdictText(d.base)} → ${verdictText(d.new)}${d.regression ? '   REGRESSION' : ''}`);
  for (const d of flips.filter((x) => x.counterexample)) {
    const run = newRunOf(d);
    lines.push('', `${d.scenario} under ${diff.new}${d.regression ? ` (${diff.base} holds ${d.new.property} here)` : ''}:`);
    // The counterexample as `mmcheck check` shows it (80 columns with the indent), without its header and its statistics.
    if (run) {
      const text = renderKernelResult(run.result, run.model, { width: 78 }).split('\n');
      const statistics = text.lastIndexOf(''); // the statistics follow the last blank line
      lines.push(...indent(text.slice(1, statistics).join('\n').trimEnd(), '  '));
    }
  }
  const moved = diff.scenarios.filter((d) => d.nowReachable.length || d.noLongerReachable.length);
  lines.push('', moved.length ? `Where both pass, what ${diff.new} changes (${scenarios(moved.length)}):` : `Where both pass: the same page-table stores and accesses are reachable.`);
  for (const d of moved) {
    lines.push(`  ${d.scenario}:`);
    for (const e of d.nowReachable) lines.push(`    + now reachable:      ${e}`);
    for (const e of d.noLongerReachable) lines.push(`    - no longer reachable: ${e}`);
  }
  lines.push('', `Distinct states (${diff.base} → ${diff.new}):`);
  const w = Math.max(...diff.scenarios.map((d) => d.scenario.length));
  for (const d of diff.scenarios) lines.push(`  ${d.scenario.padEnd(w)}  ${stateCell(d.base)} → ${stateCell(d.new)}${d.base.distinctStates === d.new.distinctStates && !d.verdictChanged ? '' : '  *'}`);
  lines.push(
    '',
    diff.regressions.length
      ? `${diff.regressions.length} regression${diff.regressions.length > 1 ? 's' : ''}: ${diff.new} violates an invariant ${diff.base} holds in ${diff.regressions.join(', ')}`
      : `No regression: ${diff.new} violates no invariant that ${diff.base} holds.`,
  );
  return lines.join('\n');
}

function stateCell(s: DiffSide): string {
  const mark = s.verdict === 'pass' ? '✓' : s.verdict === 'violation' ? '✗' : '…';
  return `${mark} ${s.distinctStates}`;
}

export async function diffCommand(argv: string[]): Promise<number> {
  const p = parseArgs(DIFF_SPEC, argv);
  if (p.positionals.length !== 2) throw new UsageError(`diff needs two designs, BASE and NEW (names or design files); usage: ${DIFF_SPEC.usage}`);
  const [base, next] = await Promise.all(p.positionals.map(resolveDesign));
  const diff = diffDesigns(base, next, {
    ...searchOptions(p),
    ...(p.options.scenario ? { scenarios: p.options.scenario as string[] } : {}),
    params: scenarioParams(p),
    timing: !p.options['no-timing'],
  });
  if (p.options.json) process.stdout.write(JSON.stringify(diff, null, 2) + '\n');
  else process.stdout.write(renderDiff(diff) + '\n');
  return diff.regressions.length ? EXIT.violation : EXIT.ok;
}

export type { ScenarioDiff };
