/** `mmcheck docs`: prints docs/scenarios.md, generated from the scenarios. */
import { scenariosMarkdown } from '../api/scenario-docs.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { EXIT } from './exit.ts';

export const DOCS_SPEC: CommandSpec = {
  name: 'docs',
  usage: 'mmcheck docs > docs/scenarios.md',
  summary: 'Print the scenario reference (what each scenario models, each design, every counterexample) as Markdown.',
  maxPositionals: 0,
  options: {},
};

export async function docsCommand(argv: string[]): Promise<number> {
  parseArgs(DOCS_SPEC, argv);
  process.stdout.write(scenariosMarkdown());
  return EXIT.ok;
}
