/**
 * mmcheck's benchmark (`npm run bench`; `-- --quick` for a smoke run; `-- --long` adds the
 * engine figures at about 5, 12 and 25 million states, taking minutes).
 *
 * The engine on a plain-object model (bench/models/lazy-mmu-plain.ts), each search in a
 * child process with a heap limit and a time limit, against the targets of the engine work:
 *   - distinct states/s, at least three times TLC's single-worker rate on a model of the same
 *     shape at the same size (TLC does 38,000-89,000/s here, faster on bigger runs: the target
 *     goes from 120,000 at 1 M states to 267,000 at 25 M), from 1 M states (default) to 25 M
 *     (--long);
 *   - visited-table bytes per state, parent links included: at most 32;
 *   - parallel BFS: 1 against 2 workers (same counts; the speed-up as measured), on the
 *     plain-object model and on the kernel model.
 * A missed target prints MISSED (--quick's smaller kernel runs are measured against no target).
 * Figures are wall-clock; the CPU time of the search process is
 * shown next to them because a shared machine's load moves wall-clock figures a lot.
 *
 * Also, on a fixed model (bench/models/counters.ts):
 *   - full searches: distinct states/s, generated states/s, bytes of visited table per state;
 *   - the raw fingerprint table: M inserts/s and M lookups/s;
 *   - fingerprintOf on Immutable states: fresh states, memoized states, and successors that
 *     share their parent's tree (the case a search sees);
 *   - the kernel model's throughput on the seed scenario (irqs=5) under a passing design (in a
 *     fresh process, against the target; and once more after a first search warmed V8 up), and
 *     on the seed scenario with a second CPU (cpus=2, irqs=1), each in a child process with a time limit.
 *     A search shorter than 5 s is run in five fresh processes and its figure is their median.
 * Every child runs the code the CLI runs (compiled dist/ when it is up to date, else the sources).
 *
 * The in-process sections keep to a time budget (20 s, or 6 s with --quick); the child
 * searches have their own time limits. Not a test: it asserts nothing beyond the sanity of a
 * finished search.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { check, fingerprintOf, VisitedTable, type CheckResult, type Fingerprint, type Strategy } from '../checker/index.ts';
import { countersModel, countersSpace, countersState, type CountersState } from './models/counters.ts';
import { LAZY_MMU_SIZES } from './models/lazy-mmu-plain.ts';
import type { ChildResult, ChildSpec } from './search-child.ts';

const USAGE = 'usage: npm run bench [-- --quick | --long]';
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--quick' && a !== '--long' && a !== '--help') {
    process.stderr.write(`bench: unknown argument '${a}'; ${USAGE}\n`);
    process.exit(2);
  }
}
if (args.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const quick = args.includes('--quick');
const long = args.includes('--long');
if (quick && long) {
  process.stderr.write(`bench: --quick and --long exclude each other; ${USAGE}\n`);
  process.exit(2);
}

const SIZE = quick ? { n: 4, max: 10 } : { n: 4, max: 20 };
const BUDGET_S = quick ? 6 : 20;
const TABLE_INSERTS = quick ? 500_000 : 2_000_000;
const FP_STATES = quick ? 50_000 : 200_000;

const started = performance.now();
const remaining = () => BUDGET_S - (performance.now() - started) / 1000;

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const fmtM = (x: number) => (x / 1e6).toFixed(2);

interface Row {
  readonly what: string;
  readonly value: string;
  readonly unit: string;
  readonly note?: string;
}
const rows: Row[] = [];
const skipped: string[] = [];

function printTable(): void {
  const w0 = Math.max(...rows.map((r) => r.what.length));
  const w1 = Math.max(...rows.map((r) => r.value.length));
  const w2 = Math.max(...rows.map((r) => r.unit.length));
  const line = `${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ${'-'.repeat(w2)}`;
  console.log(line);
  for (const r of rows) console.log(`${r.what.padEnd(w0)}  ${r.value.padStart(w1)}  ${r.unit.padEnd(w2)}${r.note ? `  ${r.note}` : ''}`.trimEnd());
  console.log(line);
}

// ---------------------------------------------------------------------------------------------
// 1. Full searches of the counters model.

function search(strategy: Strategy, share: number): CheckResult | undefined {
  const limit = Math.min(remaining() * share, BUDGET_S * 0.45);
  if (limit < 0.5) {
    skipped.push(`${strategy} search (time budget)`);
    return undefined;
  }
  const model = countersModel(SIZE.n, SIZE.max);
  const r = check(model, { strategy, timeLimitSeconds: limit });
  const space = countersSpace(SIZE.n, SIZE.max);
  const s = r.stats;
  if (r.verdict === 'pass' && (s.distinctStates !== space.distinct || s.generatedStates !== space.generated))
    throw new Error(`${strategy}: expected ${space.distinct} / ${space.generated}, got ${s.distinctStates} / ${s.generatedStates}`);
  const seconds = s.seconds > 0 ? s.seconds : 1e-3;
  const how = r.complete ? 'complete' : `stopped: ${r.stopReason ?? r.verdict}`;
  rows.push({ what: `${strategy}: distinct states/s`, value: fmtInt(s.distinctStates / seconds), unit: 'states/s', note: `${fmtInt(s.distinctStates)} in ${s.seconds.toFixed(2)} s, ${how}` });
  rows.push({ what: `${strategy}: generated states/s`, value: fmtInt(s.generatedStates / seconds), unit: 'states/s', note: `${fmtInt(s.generatedStates)} generated` });
  const held = strategy === 'bfs' ? 'fingerprints + parent links' : 'fingerprints only';
  rows.push({ what: `${strategy}: visited table per state`, value: s.tableBytesPerState.toFixed(1), unit: 'B/state', note: `${held}; frontier not counted` });
  rows.push({ what: `${strategy}: search memory per state`, value: s.bytesPerState.toFixed(1), unit: 'B/state', note: 'visited table + peak heap growth (frontier, states)' });
  return r;
}

// ---------------------------------------------------------------------------------------------
// 2. The raw fingerprint table.

/** mulberry32: a deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function tableBench(): void {
  if (remaining() < 1) {
    skipped.push('fingerprint table (time budget)');
    return;
  }
  const rand = prng(1);
  const fps: Fingerprint[] = new Array(TABLE_INSERTS);
  for (let i = 0; i < TABLE_INSERTS; i++) fps[i] = { hi: rand(), lo: rand() };

  const t = new VisitedTable({ parents: true, initialCapacity: 1024 });
  let t0 = performance.now();
  for (let i = 0; i < TABLE_INSERTS; i++) t.insert(fps[i], i - 1, 0);
  const insertS = (performance.now() - t0) / 1000;

  t0 = performance.now();
  let found = 0;
  for (let i = 0; i < TABLE_INSERTS; i++) if (t.find(fps[i]) >= 0) found++;
  const findS = (performance.now() - t0) / 1000;
  if (found !== t.size) throw new Error(`table: ${found} of ${t.size} found again`);

  rows.push({ what: 'table: insert (from 1,024, growing)', value: fmtM(TABLE_INSERTS / insertS), unit: 'M inserts/s', note: `${fmtInt(t.size)} distinct fingerprints` });
  rows.push({ what: 'table: lookup (present keys)', value: fmtM(TABLE_INSERTS / findS), unit: 'M lookups/s' });
  rows.push({ what: 'table: bytes per entry (with parents)', value: (t.bytes / t.size).toFixed(1), unit: 'B/entry' });
}

// ---------------------------------------------------------------------------------------------
// 3. fingerprintOf on Immutable states.

/** Keeps the fingerprints computed (their results are otherwise unused). */
export let blackhole = 0;

function fingerprintBench(): void {
  if (remaining() < 1) {
    skipped.push('fingerprintOf (time budget)');
    return;
  }
  const rand = prng(2);
  const { n, max } = SIZE;
  const fresh: CountersState[] = new Array(FP_STATES);
  for (let i = 0; i < FP_STATES; i++) fresh[i] = countersState(Array.from({ length: n }, () => rand() % (max + 1)));

  let sink = 0;
  let t0 = performance.now();
  for (const s of fresh) sink ^= fingerprintOf(s).lo;
  const coldS = (performance.now() - t0) / 1000;

  t0 = performance.now();
  for (const s of fresh) sink ^= fingerprintOf(s).lo;
  const memoS = (performance.now() - t0) / 1000;

  // Successors of already-fingerprinted states: only the changed path is hashed again.
  const succs = fresh.map((s, i) => {
    const k = i % n;
    return s.set('counters', s.counters.set(k, (s.counters.get(k)! + 1) % (max + 1)));
  });
  t0 = performance.now();
  for (const s of succs) sink ^= fingerprintOf(s).lo;
  const succS = (performance.now() - t0) / 1000;

  const note = `${fmtInt(FP_STATES)} Record{ counters: List(${n}) } states`;
  rows.push({ what: 'fingerprintOf: fresh states', value: fmtM(FP_STATES / coldS), unit: 'M states/s', note });
  rows.push({ what: 'fingerprintOf: same states again (memo)', value: fmtM(FP_STATES / memoS), unit: 'M states/s' });
  rows.push({ what: 'fingerprintOf: successors (parent hashed)', value: fmtM(FP_STATES / succS), unit: 'M states/s' });
  blackhole ^= sink;
}

// ---------------------------------------------------------------------------------------------
// 4. Searches in child processes: the engine on the plain-object model, workers, the kernel.

/**
 * The engine's target at each size: three times TLC's single-worker distinct states/s on a
 * model of the same shape, at about the same number of states, measured on this machine (TLC's
 * faster runs: 0.96 M in 24 s, 4.7 M in 118 s, 12.6 M in 170 s, 26.7 M in 300 s).
 */
const TLC_RATE: Record<string, number> = { '≈0.19 M': 0.96e6 / 24, '≈1 M': 0.96e6 / 24, '≈5 M': 4.7e6 / 118, '≈12 M': 12.6e6 / 170, '≈25 M': 26.7e6 / 300 };
const TARGET_BYTES = 32;
const CHILD = fileURLToPath(new URL('./search-child.ts', import.meta.url));

function runChild(spec: ChildSpec, heapMiB: number): ChildResult | string {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', CHILD, JSON.stringify(spec)], {
    encoding: 'utf8',
    // The search stops itself at its time limit; this only catches a child that hangs.
    timeout: (spec.timeLimit + 60) * 1000,
    maxBuffer: 1 << 20,
  });
  process.stderr.write(`bench: ${JSON.stringify(spec)}: ${r.status === 0 ? r.stdout.trim() : `exit ${r.status ?? r.signal}`}\n`);
  if (r.error) return `child failed: ${r.error.message}`;
  if (r.status !== 0) return `child exited ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-1)[0] ?? ''}`;
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as ChildResult;
}

const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

function searchNote(c: ChildResult): string {
  const how = c.complete ? 'complete' : `stopped: ${c.stopReason ?? c.verdict}`;
  return `${fmtInt(c.distinct)} distinct / ${fmtInt(c.generated)} generated in ${c.seconds.toFixed(c.seconds < 10 ? 2 : 1)} s (${c.cpuSeconds.toFixed(1)} CPU s), ${how}, peak RSS ${c.peakRssMiB} MiB, ${c.code === 'dist' ? 'compiled dist/' : 'sources (dist/ stale or absent)'}`;
}

/** The plain-object model at one size: states/s and bytes/state against their targets. */
function plainBench(label: string, rounds: number, timeLimit: number, heapMiB: number): ChildResult | undefined {
  const c = runChild({ model: 'plain', rounds, irqs: 4, timeLimit }, heapMiB);
  if (typeof c === 'string') {
    rows.push({ what: `plain ${label}: distinct states/s`, value: '-', unit: 'states/s', note: `MISSED: ${c}` });
    return undefined;
  }
  const rate = c.distinct / Math.max(c.seconds, 1e-3);
  const cpuRate = c.distinct / Math.max(c.cpuSeconds, 1e-3);
  const target = 3 * TLC_RATE[label];
  rows.push({
    what: `plain ${label}: distinct states/s`,
    value: fmtInt(rate),
    unit: 'states/s',
    note: `target >= ${fmtInt(target)} (3 × TLC's ${fmtInt(TLC_RATE[label])}/s at this size): ${mark(rate >= target && c.complete)} · ${fmtInt(cpuRate)} per CPU second · rounds=${rounds}, irqs=4: ${searchNote(c)}`,
  });
  rows.push({
    what: `plain ${label}: visited table per state`,
    value: c.bytesPerState.toFixed(1),
    unit: 'B/state',
    note: `target <= ${TARGET_BYTES} (fingerprints + parent links + action indices): ${mark(c.bytesPerState <= TARGET_BYTES)}`,
  });
  return c;
}

/** One worker against two on the same search: the same counts, and the speed-up as measured. */
function workersBench(what: string, spec: ChildSpec, describe: string): void {
  const one = runChild({ ...spec, workers: 1 }, 2048);
  const two = runChild({ ...spec, workers: 2 }, 2048);
  if (typeof one === 'string' || typeof two === 'string') {
    rows.push({ what: `${what}, 2 workers vs 1: speed-up`, value: '-', unit: '×', note: `MISSED: ${typeof one === 'string' ? one : two}` });
    return;
  }
  const same = one.distinct === two.distinct && one.generated === two.generated && one.verdict === two.verdict;
  rows.push({
    what: `${what}, 1 worker: distinct states/s`,
    value: fmtInt(one.distinct / one.seconds),
    unit: 'states/s',
    note: `${describe}: ${searchNote(one)}`,
  });
  rows.push({
    what: `${what}, 2 workers: distinct states/s`,
    value: fmtInt(two.distinct / two.seconds),
    unit: 'states/s',
    note: `${searchNote(two)}; counts ${same ? 'identical' : 'DIFFERENT (a bug)'}`,
  });
  rows.push({
    what: `${what}, 2 workers vs 1: speed-up`,
    value: (one.seconds / two.seconds).toFixed(2),
    unit: '×',
    note: `wall clock, on ${os.availableParallelism()} available CPUs shared with whatever else runs (load ${loadNow()})`,
  });
}

/**
 * The kernel targets of issue 8: ten times the distinct states/s measured before the speed work
 * (about 4,000/s on one CPU, about 1,000/s with a second CPU, through the CLI). Measured again
 * on 2026-11-28 on an idle machine, the code before the speed work (c6bd1ab) gave 12,148 states
 * in 1.135 s through the CLI (10,703/s), and 0.94-1.27 s in later searches in one process:
 * the issue's figure was taken on a busier machine, so the targets are more than ten times that.
 */
const KERNEL_TARGET = { 'kernel bfs, 1 CPU': 40_000, 'kernel bfs, 2 CPUs': 10_000 } as Record<string, number>;

/** Fresh processes per short kernel figure: a search of a fraction of a second varies by 10% from run to run. */
const SHORT_RUNS = 5;

function kernelBench(what: string, spec: ChildSpec): void {
  let c = runChild(spec, 2048);
  const params = Object.entries(spec.params ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  let label = `${spec.scenario} × ${spec.design}${params ? `, ${params}` : ''}`;
  if (typeof c === 'string') {
    rows.push({ what: `${what}: distinct states/s`, value: '-', unit: 'states/s', note: `${label}: ${c}` });
    return;
  }
  if (c.seconds < 5) {
    // A short search: the median of SHORT_RUNS fresh processes (each its own warm-up), with the range.
    const runs = [c];
    for (let i = 1; i < SHORT_RUNS; i++) {
      const more = runChild(spec, 2048);
      if (typeof more !== 'string') runs.push(more);
    }
    runs.sort((a, b) => a.seconds - b.seconds);
    c = runs[(runs.length - 1) >> 1];
    label += ` (median of ${runs.length} processes: ${runs[0].seconds.toFixed(3)}-${runs[runs.length - 1].seconds.toFixed(3)} s)`;
  }
  const rate = c.distinct / Math.max(c.seconds, 1e-3);
  // The targets hold at the bounds they were set at (irqs=5 on one CPU, irqs=1 on two): --quick's
  // smaller runs say how fast they went, not whether a target was met.
  const target = KERNEL_TARGET[what];
  const goal = target === undefined ? '' : quick ? 'no target at --quick bounds · ' : `target >= ${fmtInt(target)}: ${mark(rate >= target)} · `;
  rows.push({ what: `${what}: distinct states/s`, value: fmtInt(rate), unit: 'states/s', note: `${goal}${label}: ${searchNote(c)}` });
  rows.push({ what: `${what}: generated states/s`, value: fmtInt(c.generated / Math.max(c.seconds, 1e-3)), unit: 'states/s' });
}

const loadNow = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

// ---------------------------------------------------------------------------------------------

const space = countersSpace(SIZE.n, SIZE.max);
const cpus = os.cpus();
console.log(`mmcheck bench${quick ? ' --quick' : long ? ' --long' : ''}`);
console.log(
  `node ${process.version} · ${os.platform()}/${os.arch()} · ${cpus.length} CPUs (os.cpus().length), ${os.availableParallelism()} available (os.availableParallelism())${cpus[0] ? ` · ${cpus[0].model.trim()}` : ''} · load average ${loadNow()}`,
);
console.log(
  `counters model: ${SIZE.n} counters 0..${SIZE.max} (bench/models/counters.ts): ${fmtInt(space.distinct)} distinct / ${fmtInt(space.generated)} generated states · budget ${BUDGET_S} s`,
);
console.log('plain-object model: bench/models/lazy-mmu-plain.ts (one CPU, two tasks, lazy MMU + kpkeys + IRQ frames, ~1.2 successors per state)');
console.log('');

search('bfs', 0.5);
tableBench();
fingerprintBench();
search('dfs', 0.8);

if (quick) {
  plainBench('≈0.19 M', LAZY_MMU_SIZES['0.19M'], 30, 1024);
  workersBench('plain bfs', { model: 'plain', rounds: LAZY_MMU_SIZES['0.19M'], irqs: 4, timeLimit: 30 }, `rounds=${LAZY_MMU_SIZES['0.19M']}`);
} else {
  plainBench('≈1 M', LAZY_MMU_SIZES['1M'], 120, 2048);
  workersBench('plain bfs', { model: 'plain', rounds: LAZY_MMU_SIZES['0.5M'], irqs: 4, timeLimit: 90 }, `rounds=${LAZY_MMU_SIZES['0.5M']}`);
}
if (long) {
  plainBench('≈5 M', LAZY_MMU_SIZES['5M'], 300, 4096);
  plainBench('≈12 M', LAZY_MMU_SIZES['12M'], 900, 6144);
  plainBench('≈25 M', LAZY_MMU_SIZES['25M'], 1800, 8192);
}
/** The seed scenario under a passing design (the design the issue's figures were taken on). */
const seed = (params: Record<string, number>, extra: Partial<ChildSpec> = {}): ChildSpec => ({
  model: 'kernel',
  scenario: 'seed-por-reset-lazy-mmu',
  design: 'v6-pause-lazy-mmu-in-finish-task-switch',
  params,
  timeLimit: quick ? 10 : 60,
  ...extra,
});
kernelBench('kernel bfs, 1 CPU', seed({ irqs: quick ? 2 : 5 }));
// What a longer run sees once V8 has compiled the model (not the target's figure: the cold one is).
kernelBench('kernel bfs, 1 CPU, warm', seed({ irqs: quick ? 2 : 5 }, { warm: true }));
kernelBench('kernel bfs, 2 CPUs', seed({ cpus: 2, irqs: quick ? 0 : 1 }));
// Worker threads on the kernel model (each rebuilds it from its scenario and design names).
workersBench('kernel bfs, 2 CPUs', seed({ cpus: 2, irqs: quick ? 0 : 1 }), 'seed-por-reset-lazy-mmu × v6-pause-lazy-mmu-in-finish-task-switch');

printTable();
if (skipped.length) console.log(`skipped: ${skipped.join('; ')}`);
console.log(`load average now ${loadNow()} (figures measured on a loaded machine are low; the CPU-second rates are less sensitive to load)`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s · peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
