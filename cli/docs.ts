/** `mmcheck docs [scenarios|invariants]`: prints docs/scenarios.md or docs/invariants.md. */
import { UsageError } from '../checker/index.ts';
import { scenariosMarkdown } from '../api/scenario-docs.ts';
import { invariantsMarkdown } from '../api/invariant-docs.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { EXIT } from './exit.ts';

export const DOCS_SPEC: CommandSpec = {
  name: 'docs',
  usage: 'mmcheck docs [scenarios|invariants]',
  summary:
    'Print the scenario reference (what each scenario models, each design, every counterexample) or the invariant catalogue as Markdown (npm run docs writes both into docs/).',
  maxPositionals: 1,
  options: {},
};

export async function docsCommand(argv: string[]): Promise<number> {
  const p = parseArgs(DOCS_SPEC, argv);
  const which = p.positionals[0] ?? 'scenarios';
  if (which === 'scenarios') process.stdout.write(scenariosMarkdown());
  else if (which === 'invariants') process.stdout.write(invariantsMarkdown());
  else throw new UsageError(`unknown docs "${which}"; use scenarios or invariants`);
  return EXIT.ok;
}
