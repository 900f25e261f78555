/**
 * mmcheck's command line: parses, calls, prints. Errors in input become one line on stderr
 * and exit code 2; nothing here knows how a search works.
 */
import { readFileSync } from 'node:fs';
import { ModelError, UsageError, describeError } from '../checker/index.ts';
import { helpText, type CommandSpec } from './args.ts';
import { EXIT } from './exit.ts';
import { checkCommand, CHECK_SPEC } from './check.ts';
import { listCommand, LIST_SPEC } from './list.ts';
import { replayCommand, REPLAY_SPEC } from './replay.ts';
import { matrixCommand, MATRIX_SPEC } from './matrix.ts';
import { docsCommand, DOCS_SPEC } from './docs.ts';
import { diffCommand, DIFF_SPEC } from './diff.ts';

interface Command {
  readonly spec: CommandSpec;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  matrix: { spec: MATRIX_SPEC, run: matrixCommand },
  check: { spec: CHECK_SPEC, run: checkCommand },
  list: { spec: LIST_SPEC, run: listCommand },
  replay: { spec: REPLAY_SPEC, run: replayCommand },
  docs: { spec: DOCS_SPEC, run: docsCommand },
  diff: { spec: DIFF_SPEC, run: diffCommand },
};

function mainHelp(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(8)}${c.spec.summary.split('\n')[0]}`);
  return [
    'mmcheck: a model checker for arm64 Linux kernel memory-management designs',
    '',
    'usage: mmcheck <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    "Run 'mmcheck <command> --help' for a command's options.",
    '',
    'exit codes: 0 pass, 1 violation or deadlock, 2 bad usage or input, 3 stopped by a limit, 130 Ctrl-C',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `mmcheck ${pkg.version}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) process.stdout.write(helpText(COMMANDS[topic].spec) + '\n');
    else process.stdout.write(mainHelp() + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(version() + '\n');
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (see 'mmcheck --help')`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText(command.spec) + '\n');
    return EXIT.ok;
  }
  return command.run(rest);
}

/** Runs the CLI and exits; every known error becomes a single line. */
export async function runCli(argv: string[]): Promise<never> {
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelError) process.stderr.write(`mmcheck: ${e.message}\n`);
    else {
      process.stderr.write(`mmcheck: internal error: ${describeError(e)} (set MMCHECK_DEBUG=1 for the stack)\n`);
      if (process.env.MMCHECK_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    }
    code = EXIT.usage;
  }
  // Let stdout drain before exiting (large JSON on a pipe).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
