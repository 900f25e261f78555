/** `mmcheck check`: one model (a file) under the chosen strategy and bounds. */
import { getHeapStatistics } from 'node:v8';
import { checkAsync, resultToJson, UsageError, type AsyncCheckHooks, type CheckOptions, type CheckResult, type Strategy } from '../checker/index.ts';
import { renderResult, verdictLine } from '../counterexamples/summary.ts';
import { RULES_BY_NAME } from '../properties/index.ts';
import { colourEnabled, terminalWidth } from './terminal.ts';
import { shrinkWith } from '../counterexamples/shrink.ts';
import { renderKernelResult } from '../counterexamples/kernel/text.ts';
import { buildScenarioModel, reportOf, runModelAsync, type ScenarioCheckOptions } from '../api/check-scenario.ts';
import { resolveDesign } from '../model/design-file.ts';
import type { ScenarioParams } from '../model/scenarios/index.ts';
import { PARAM_LIMITS } from '../model/kernel-model.ts';
import { checkOutputTargets, writeModelOutputs, writeScenarioOutputs } from './outputs.ts';
import { formatSize, parseArgs, type CommandSpec, type Parsed } from './args.ts';
import type { ReductionMode } from '../checker/reduction/index.ts';
import { exitCodeOf } from './exit.ts';
import { loadModelFile } from './load-model.ts';
import { progressReporter } from './progress.ts';
import { searchPhase } from './signals.ts';

/**
 * V8's heap limit (node --max-old-space-size, plus the young generation): a search that
 * reaches it dies with a native stack (exit 134), and V8 gives up a little before the limit,
 * when garbage collection stops freeing enough. --max-memory stops the search cleanly before:
 * by default at 3/5 of the old generation's share of the limit (heap_size_limit includes the
 * young generation, 48 MiB on 64-bit Node 20; measured: with --max-old-space-size=96 the limit
 * is 144 MB and V8 died with 77 MB in use, "ineffective mark-compact"), and at most at 4/5 of
 * the whole limit.
 */
export const HEAP_LIMIT = getHeapStatistics().heap_size_limit;
const OLD_SPACE_LIMIT = Math.max(HEAP_LIMIT - 48 * 2 ** 20, HEAP_LIMIT / 2);
export const DEFAULT_MAX_MEMORY = Math.floor(OLD_SPACE_LIMIT * 0.6);
const MIN_MAX_MEMORY = 32 * 2 ** 20;

/** Documented maxima of the bounds: beyond them a search cannot finish or the tables overflow. */
export const BOUND_LIMITS = {
  maxDepth: 1_000_000,
  /** Node ids of the visited table are 32-bit signed. */
  maxStates: 2 ** 31 - 1,
  maxPreemptions: 64,
  walks: 100_000_000,
  /** fast-check seeds are 32-bit. */
  seed: 2 ** 31 - 1,
  /** A week. */
  timeLimitSeconds: 604_800,
} as const;

export const SEARCH_OPTIONS = {
  strategy: { type: 'string', arg: 'NAME', choices: ['bfs', 'dfs', 'random'], help: 'search strategy (default bfs: shortest counterexample)' },
  'max-depth': { type: 'int', arg: 'N', max: BOUND_LIMITS.maxDepth, help: 'explore behaviours of at most N steps (random: walk length, default 100)' },
  'max-states': { type: 'int', arg: 'N', min: 1, max: BOUND_LIMITS.maxStates, help: 'stop after N distinct states (verdict incomplete, exit 3)' },
  'time-limit': { type: 'number', arg: 'SECONDS', max: BOUND_LIMITS.timeLimitSeconds, help: 'stop after this many seconds (verdict incomplete, exit 3)' },
  'max-memory': {
    type: 'size',
    arg: 'SIZE',
    min: MIN_MAX_MEMORY,
    max: Math.floor(HEAP_LIMIT * 0.8),
    help: `stop when the JavaScript heap in use passes SIZE and still passes 9/10 of it after a full garbage collection, e.g. 512M or 2G (verdict incomplete, exit 3); default ${formatSize(DEFAULT_MAX_MEMORY)}, 3/5 of Node's old-generation heap limit here (node --max-old-space-size=MB raises it)`,
  },
  'max-preemptions': { type: 'int', arg: 'K', max: BOUND_LIMITS.maxPreemptions, help: 'context bound: at most K switches away from an actor that could still step' },
  deadlock: { type: 'boolean', help: 'report a state with no enabled action that is not a proper end state' },
  seed: { type: 'int', arg: 'N', max: BOUND_LIMITS.seed, help: 'seed of the random strategy (default 0)' },
  walks: { type: 'int', arg: 'N', min: 1, max: BOUND_LIMITS.walks, help: 'number of random walks (default 1000)' },
  invariant: { type: 'list', arg: 'NAME', help: 'check only this invariant (repeatable)' },
  reduction: {
    type: 'string',
    arg: 'MODE',
    choices: ['all', 'por', 'symmetry', 'none'],
    help: 'reduction where the model supports it (default all): the same verdicts in fewer states; a bfs trace under partial-order reduction (por, all) may not be the shortest, none gives the shortest and the unreduced counts (docs/reduction.md)',
  },
  continue: { type: 'boolean', help: 'keep exploring after a violation (first violation per invariant is kept)' },
  workers: { type: 'int', arg: 'N', min: 1, help: 'bfs on N worker threads (default 1); same counts, verdict and trace as one' },
  json: { type: 'boolean', help: 'print one JSON object instead of text' },
  'no-timing': { type: 'boolean', help: 'leave the measurements (seconds, states/s, bytes/state) out of --json, so equal runs give identical bytes' },
  quiet: { type: 'boolean', help: 'print only the verdict line' },
  progress: { type: 'boolean', help: 'print progress on stderr even when it is not a terminal or with --json' },
} as const satisfies CommandSpec['options'];

export const CHECK_SPEC: CommandSpec = {
  name: 'check',
  usage: 'mmcheck check SCENARIO [--design NAME|FILE] [--set knob=value]... [options]\n       mmcheck check --model FILE [options]',
  summary: 'Explore a scenario under a design (or a model file) and report the first invariant violation, with its trace.',
  maxPositionals: 1,
  options: {
    design: { type: 'string', arg: 'NAME|FILE', help: "the design to check the scenario under: a name (default v6; see 'mmcheck list') or a design file (docs/designs.md)" },
    set: { type: 'list', arg: 'KNOB=VALUE', help: 'override one knob of the design (repeatable)' },
    param: {
      type: 'list',
      arg: 'NAME=VALUE',
      help: `scenario parameter (repeatable): irqs=N, IRQs the environment raises on each CPU (${PARAM_LIMITS.irqs.min} to ${PARAM_LIMITS.irqs.max}); cpus=N, the scenario's CPUs plus N-1 background CPUs (${PARAM_LIMITS.cpus.min} to ${PARAM_LIMITS.cpus.max}); fanout=N, entries per page table (${PARAM_LIMITS.fanout.min} to ${PARAM_LIMITS.fanout.max}); evictions=N, TLB evictions the hardware may make (${PARAM_LIMITS.evictions.min} to ${PARAM_LIMITS.evictions.max}, default 0)`,
    },
    model: { type: 'string', arg: 'FILE', help: 'check a .ts or .js file whose default export is a Model, instead of a scenario' },
    ...SEARCH_OPTIONS,
    'no-shrink': { type: 'boolean', help: 'show dfs/random counterexamples as found, without shrinking' },
    out: {
      type: 'string',
      arg: 'DIR',
      help: 'write trace.json, trace.itf.json and regression.test.ts for a violation (scenarios: timeline.html too); all or none',
    },
    'emit-test': { type: 'string', arg: 'FILE', help: 'write a vitest regression test that replays the violation' },
  },
  examples: [
    'mmcheck check seed-por-reset-lazy-mmu --design v6',
    'mmcheck check seed-por-reset-lazy-mmu --design v6-no-por-reset --set batching-guard=live-por',
    'mmcheck check seed-por-reset-lazy-mmu --design v6 --strategy random --seed 1 --json',
    'mmcheck check --model examples/peterson-no-turn.ts',
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
    ...(o.reduction !== undefined ? { reduction: o.reduction as ReductionMode } : {}),
    workers: o.workers as number | undefined,
    maxMemoryBytes: (o['max-memory'] as number | undefined) ?? DEFAULT_MAX_MEMORY,
  };
}

/** Runs a search with progress lines (when wanted) and a clean stop on SIGINT or SIGTERM. */
async function withSearchHooks<T>(p: Parsed, run: (hooks: AsyncCheckHooks) => Promise<T>): Promise<T> {
  // On a terminal unless --json or --quiet; --progress asks for it anywhere (it goes to stderr, so JSON on stdout stays clean).
  const showProgress = !!p.options.progress || (!p.options.json && !p.options.quiet && !!process.stderr.isTTY);
  const phase = searchPhase();
  const progress = progressReporter(showProgress);
  try {
    return await run({ onProgress: progress, signal: phase.signal });
  } finally {
    progress?.finish();
    phase.done();
  }
}

/** The memory guard stopped the search: say what to do about it (after the statistics). */
function memoryHint(r: CheckResult, p: Parsed): void {
  if (r.stopReason !== 'max-memory') return;
  const limit = formatSize((p.options['max-memory'] as number | undefined) ?? DEFAULT_MAX_MEMORY);
  process.stderr.write(
    `mmcheck: stopped by the memory guard: the heap passed ${limit} (--max-memory); bound the search (--max-depth, --max-preemptions, --max-states, a smaller --param) or give it more (node --max-old-space-size=MB and --max-memory)\n`,
  );
}

/** `--param irqs=2` into scenario parameters, each within its documented range. */
export function scenarioParams(p: Parsed): Partial<ScenarioParams> {
  const out: Record<string, number> = {};
  const names = Object.keys(PARAM_LIMITS);
  for (const setting of (p.options.param as string[] | undefined) ?? []) {
    const m = /^([a-z]+)=(\d+)$/.exec(setting);
    const limits = m ? PARAM_LIMITS[m[1] as keyof ScenarioParams] : undefined;
    if (!m || !limits) throw new UsageError(`--param takes ${names.map((n) => `${n}=N`).join(' or ')}, got "${setting}"`);
    const value = Number(m[2]);
    if (value < limits.min || value > limits.max)
      throw new UsageError(`--param ${setting} is out of range: ${m[1]} must be from ${limits.min} to ${limits.max}`);
    out[m[1]!] = value;
  }
  return out;
}

async function checkScenarioCommand(name: string, p: Parsed): Promise<number> {
  const opts: ScenarioCheckOptions = {
    ...searchOptions(p),
    ...(p.options.design ? { design: await resolveDesign(p.options.design as string) } : {}),
    ...(p.options.set ? { set: p.options.set as string[] } : {}),
    params: scenarioParams(p),
    shrink: !p.options['no-shrink'],
  };
  const built = buildScenarioModel(name, opts); // bad names and knobs fail here, before any search
  checkOutputTargets(p); // and files it could not write
  const { model, result } = await withSearchHooks(p, (hooks) => runModelAsync(built, opts, hooks));
  writeScenarioOutputs(p, model, result);
  if (p.options.json) process.stdout.write(JSON.stringify(reportOf(model, result, !p.options['no-timing']), null, 2) + '\n');
  else if (p.options.quiet) process.stdout.write(verdictLine(result, (r) => RULES_BY_NAME.get(r)?.statement) + '\n');
  else process.stdout.write(renderKernelResult(result, model, { width: terminalWidth(), colour: colourEnabled() }) + '\n');
  memoryHint(result, p);
  return exitCodeOf(result);
}

export async function checkCommand(argv: string[]): Promise<number> {
  const p = parseArgs(CHECK_SPEC, argv);
  const file = p.options.model as string | undefined;
  const scenario = p.positionals[0];
  if (file && scenario) throw new UsageError('give either a SCENARIO or --model FILE, not both');
  if (!file && !scenario) throw new UsageError("check needs a SCENARIO or --model FILE (see 'mmcheck list' and 'mmcheck check --help')");
  if (scenario) return checkScenarioCommand(scenario, p);
  for (const o of ['design', 'set', 'param'] as const)
    if (p.options[o] !== undefined) throw new UsageError(`--${o} applies to scenarios, not to --model files`);
  const model = await loadModelFile(file!);
  checkOutputTargets(p);
  const raw = await withSearchHooks(p, (hooks) => checkAsync(model, searchOptions(p), hooks));
  // dfs and random counterexamples are shrunk (generic: by steps and by actor preemptions).
  const result = p.options['no-shrink'] ? raw : shrinkWith(model, raw, {});
  writeModelOutputs(p, model, file!, result);
  if (p.options.json) process.stdout.write(JSON.stringify(resultToJson(result, { timing: !p.options['no-timing'] }), null, 2) + '\n');
  else if (p.options.quiet) process.stdout.write(renderResult(result, model, { width: Infinity }).split('\n')[1] + '\n');
  else process.stdout.write(renderResult(result, model, { width: terminalWidth() }) + '\n');
  memoryHint(result, p);
  return exitCodeOf(result);
}
