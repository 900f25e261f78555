/**
 * One benchmark search in its own process (bench/run.ts starts it with a heap limit and a
 * time limit, so a long search cannot take the machine's memory or run on for ever).
 *
 *   node --max-old-space-size=MiB --import tsx bench/search-child.ts '{"model":"plain","rounds":36,"irqs":4,"workers":1,"timeLimit":60}'
 *
 * Prints one JSON line: the search's statistics, its CPU time and the process's peak RSS.
 */
import type { CheckResult, Model } from '../checker/index.ts';
import { lazyMmuPlainModel } from './models/lazy-mmu-plain.ts';
import { buildIsStale } from '../bin/build-freshness.js';

/**
 * The code the CLI runs: the compiled dist/ when it is up to date with the sources (what
 * bin/mmcheck.js picks, and all an installed package has), else the sources through tsx.
 */
const code: 'dist' | 'sources' = process.env.MMCHECK_SOURCE !== '1' && !buildIsStale() ? 'dist' : 'sources';
const load = <T>(dist: string, source: string): Promise<T> => import(code === 'dist' ? dist : source) as Promise<T>;
const { check } = await load<typeof import('../checker/index.ts')>('../dist/checker/index.js', '../checker/index.ts');
const { kernelModel } = await load<typeof import('../model/kernel-model.ts')>('../dist/model/kernel-model.js', '../model/kernel-model.ts');
const { getScenario } = await load<typeof import('../model/scenarios/index.ts')>('../dist/model/scenarios/index.js', '../model/scenarios/index.ts');

export interface ChildSpec {
  readonly model: 'plain' | 'kernel';
  /** plain: rounds and irqs of bench/models/lazy-mmu-plain.ts. */
  readonly rounds?: number;
  readonly irqs?: number;
  /** kernel: scenario, design and parameters. */
  readonly scenario?: string;
  readonly design?: string;
  readonly params?: Record<string, number>;
  readonly workers?: number;
  readonly timeLimit: number;
  /** Measure a second search of the same model, after a first one warmed the JIT up. */
  readonly warm?: boolean;
}

export interface ChildResult {
  readonly model: string;
  readonly verdict: string;
  readonly complete: boolean;
  readonly stopReason?: string;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly seconds: number;
  /** CPU seconds of the whole process (every thread: workers and the garbage collector too). */
  readonly cpuSeconds: number;
  readonly bytesPerState: number;
  readonly peakRssMiB: number;
  /** Which code ran the search: the compiled dist/ (as the CLI) or the sources. */
  readonly code: 'dist' | 'sources';
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const model: Model<unknown, unknown> =
  spec.model === 'plain'
    ? (lazyMmuPlainModel({ rounds: spec.rounds!, irqs: spec.irqs }) as Model<unknown, unknown>)
    : (kernelModel(getScenario(spec.scenario!), { design: spec.design, params: spec.params }) as unknown as Model<unknown, unknown>);
// Throughput is measured on the unreduced search: partial-order reduction changes what a state count means.
const search = (): CheckResult => check(model, { workers: spec.workers, timeLimitSeconds: spec.timeLimit, reduction: 'none' });
if (spec.warm) search();
const cpu0 = process.cpuUsage();
const r: CheckResult = search();
const cpu = process.cpuUsage(cpu0);
const out: ChildResult = {
  model: r.model,
  verdict: r.verdict,
  complete: r.complete,
  ...(r.stopReason ? { stopReason: r.stopReason } : {}),
  distinct: r.stats.distinctStates,
  generated: r.stats.generatedStates,
  depth: r.stats.depth,
  seconds: r.stats.seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  bytesPerState: r.stats.tableBytesPerState,
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  code,
};
process.stdout.write(JSON.stringify(out) + '\n');
