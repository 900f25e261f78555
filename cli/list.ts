/** `mmcheck list`: scenarios, designs, invariants and knobs, one line each. */
import { allDesigns, knobDiff, KNOB_SPECS } from '../model/designs.ts';
import { allScenarios } from '../model/scenarios/index.ts';
import { RULES } from '../properties/index.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { EXIT } from './exit.ts';
import { UsageError } from '../checker/index.ts';

export const LIST_SPEC: CommandSpec = {
  name: 'list',
  usage: 'mmcheck list [scenarios|designs|invariants|knobs] [--json]',
  summary: 'List scenarios, designs, invariants and design knobs with one-line descriptions (docs/invariants.md explains each invariant).',
  maxPositionals: 1,
  options: { json: { type: 'boolean', help: 'print JSON' } },
  examples: ['mmcheck list', 'mmcheck list designs'],
};

const SECTIONS = ['scenarios', 'designs', 'invariants', 'knobs'] as const;

export async function listCommand(argv: string[]): Promise<number> {
  const p = parseArgs(LIST_SPEC, argv);
  const which = p.positionals[0];
  if (which !== undefined && !(SECTIONS as readonly string[]).includes(which))
    throw new UsageError(`unknown list "${which}"; use one of ${SECTIONS.join(', ')}`);
  const data = {
    scenarios: allScenarios().map((s) => ({ name: s.name, summary: s.summary, designs: Object.keys(s.expectations), invariants: s.invariants })),
    designs: allDesigns().map((d) => ({ name: d.name, description: d.description, knobs: knobDiff(d) })),
    invariants: RULES.map((r) => ({ name: r.name, number: r.number, statement: r.statement })),
    knobs: Object.values(KNOB_SPECS).map((k) => ({ name: k.flag, values: k.values })),
  };
  const shown = which ? [which as (typeof SECTIONS)[number]] : [...SECTIONS];
  if (p.options.json) {
    const out = which ? data[shown[0]] : data;
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT.ok;
  }
  const lines: string[] = [];
  const table = (rows: [string, string][]) => {
    const w = Math.max(...rows.map(([a]) => a.length)) + 2;
    for (const [a, b] of rows) lines.push(`  ${a.padEnd(w)}${b}`);
  };
  for (const section of shown) {
    if (lines.length) lines.push('');
    lines.push(`${section}:`);
    if (section === 'scenarios') table(data.scenarios.map((s) => [s.name, s.summary]));
    if (section === 'designs') table(data.designs.map((d) => [d.name, d.description]));
    if (section === 'invariants') table(data.invariants.map((r) => [r.name, `${r.number ? `(${r.number}) ` : ''}${r.statement}`]));
    if (section === 'knobs') table(data.knobs.map((k) => [k.name, k.values.join(' | ')]));
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
