/** `mmcheck check`: one model (a file) under the chosen strategy and bounds. */
import { checkAsync, resultToJson, UsageError, type CheckOptions, type Model, type Strategy } from '../checker/index.ts';
import { renderResult } from '../counterexamples/summary.ts';
import { parseArgs, type CommandSpec, type Parsed } from './args.ts';
import { exitCodeOf } from './exit.ts';
import { loadModelFile } from './load-model.ts';
import { interruptSignal, progressReporter } from './progress.ts';

export const SEARCH_OPTIONS = {
  strategy: { type: 'string', arg: 'NAME', choices: ['bfs', 'dfs', 'random'], help: 'search strategy (default bfs: shortest counterexample)' },
  'max-depth': { type: 'int', arg: 'N', help: 'explore behaviours of at most N steps (random: walk length, default 100)' },
  'max-states': { type: 'int', arg: 'N', min: 1, help: 'stop after N distinct states (verdict incomplete, exit 3)' },
  'time-limit': { type: 'number', arg: 'SECONDS', help: 'stop after this many seconds (verdict incomplete, exit 3)' },
  'max-preemptions': { type: 'int', arg: 'K', help: 'context bound: at most K switches away from an actor that could still step' },
  deadlock: { type: 'boolean', help: 'report a state with no enabled action that is not a proper end state' },
  seed: { type: 'int', arg: 'N', help: 'seed of the random strategy (default 0)' },
  walks: { type: 'int', arg: 'N', min: 1, help: 'number of random walks (default 1000)' },
  invariant: { type: 'list', arg: 'NAME', help: 'check only this invariant (repeatable)' },
  continue: { type: 'boolean', help: 'keep exploring after a violation (first violation per invariant is kept)' },
  json: { type: 'boolean', help: 'print one JSON object instead of text' },
  'no-timing': { type: 'boolean', help: 'leave seconds and states/s out of --json, so equal runs give identical bytes' },
  quiet: { type: 'boolean', help: 'print only the verdict line' },
  progress: { type: 'boolean', help: 'print progress lines on stderr even when it is not a terminal' },
} as const satisfies CommandSpec['options'];

export const CHECK_SPEC: CommandSpec = {
  name: 'check',
  usage: 'mmcheck check --model FILE [options]',
  summary: 'Explore a model and report the first invariant violation, with its trace and statistics.',
  maxPositionals: 0,
  options: {
    model: { type: 'string', arg: 'FILE', help: 'a .ts or .js file whose default export is a Model' },
    ...SEARCH_OPTIONS,
  },
  examples: [
    'mmcheck check --model examples/peterson.ts',
    'mmcheck check --model examples/peterson-no-turn.ts --strategy random --seed 1 --json',
  ],
};

/** Search options from parsed flags. */
export function searchOptions(p: Parsed): CheckOptions {
  const o = p.options;
  return {
    strategy: (o.strategy as Strategy | undefined) ?? 'bfs',
    maxDepth: o['max-depth'] as number | undefined,
    maxStates: o['max-states'] as number | undefined,
    timeLimitSeconds: o['time-limit'] as number | undefined,
    maxPreemptions: o['max-preemptions'] as number | undefined,
    deadlock: (o.deadlock as boolean | undefined) ?? false,
    seed: o.seed as number | undefined,
    walks: o.walks as number | undefined,
    invariants: o.invariant as string[] | undefined,
    continueAfterViolation: (o.continue as boolean | undefined) ?? false,
  };
}

export async function runSearch<S, A>(model: Model<S, A>, options: CheckOptions, p: Parsed) {
  const showProgress = !p.options.json && !p.options.quiet && (process.stderr.isTTY || !!p.options.progress);
  const interrupt = interruptSignal();
  try {
    return await checkAsync(model, options, { onProgress: progressReporter(showProgress), signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
}

export async function checkCommand(argv: string[]): Promise<number> {
  const p = parseArgs(CHECK_SPEC, argv);
  const file = p.options.model as string | undefined;
  if (!file) throw new UsageError("check needs --model FILE (see 'mmcheck check --help')");
  const model = await loadModelFile(file);
  const result = await runSearch(model, searchOptions(p), p);
  if (p.options.json) process.stdout.write(JSON.stringify(resultToJson(result, { timing: !p.options['no-timing'] }), null, 2) + '\n');
  else if (p.options.quiet) process.stdout.write(renderResult(result, model).split('\n')[1] + '\n');
  else process.stdout.write(renderResult(result, model) + '\n');
  return exitCodeOf(result);
}
