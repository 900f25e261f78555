/**
 * mmcheck's benchmark (`npm run bench`, or `npm run bench -- --quick`).
 *
 * Measures, on a fixed model (bench/models/counters.ts):
 *   - full searches: distinct states/s, generated states/s, bytes of visited table per state;
 *   - the raw fingerprint table: M inserts/s and M lookups/s;
 *   - fingerprintOf on Immutable states: fresh states, memoized states, and successors that
 *     share their parent's tree (the case a search sees);
 *   - the kernel model's throughput on the seed scenario under a passing design.
 *
 * The whole run keeps to a time budget (20 s, or 6 s with --quick): each search gets a time
 * limit from what is left, and a section that no longer fits is reported as skipped.
 * Not a test: it asserts nothing beyond the sanity of a finished search.
 */
import os from 'node:os';
import { check, fingerprintOf, VisitedTable, type CheckResult, type Fingerprint, type Strategy } from '../checker/index.ts';
import { countersModel, countersSpace, countersState, type CountersState } from './models/counters.ts';
import { kernelModel } from '../model/kernel-model.ts';
import { getScenario } from '../model/scenarios/index.ts';

const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--quick' && a !== '--help') {
    process.stderr.write(`bench: unknown argument '${a}'; usage: npm run bench [-- --quick]\n`);
    process.exit(2);
  }
}
if (args.includes('--help')) {
  process.stdout.write('usage: npm run bench [-- --quick]\n');
  process.exit(0);
}
const quick = args.includes('--quick');

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
// 4. The kernel model: the seed scenario under a passing design, explored completely.

function kernelBench(): void {
  if (remaining() < 2) {
    skipped.push('kernel model (time budget)');
    return;
  }
  const irqs = quick ? 2 : 4;
  const model = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'no-batching', params: { irqs } });
  const r = check(model, { timeLimitSeconds: Math.min(remaining() * 0.8, 10) });
  const s = r.stats;
  const seconds = s.seconds > 0 ? s.seconds : 1e-3;
  const how = r.complete ? 'complete' : `stopped: ${r.stopReason ?? r.verdict}`;
  const note = `seed-por-reset-lazy-mmu × no-batching, irqs=${irqs}: ${fmtInt(s.distinctStates)} in ${s.seconds.toFixed(2)} s, ${how}`;
  rows.push({ what: 'kernel bfs: distinct states/s', value: fmtInt(s.distinctStates / seconds), unit: 'states/s', note });
  rows.push({ what: 'kernel bfs: generated states/s', value: fmtInt(s.generatedStates / seconds), unit: 'states/s' });
}

// ---------------------------------------------------------------------------------------------

const space = countersSpace(SIZE.n, SIZE.max);
const cpus = os.cpus();
console.log(`mmcheck bench${quick ? ' --quick' : ''}`);
console.log(`node ${process.version} · ${os.platform()}/${os.arch()} · ${cpus.length} CPUs (os.cpus().length)${cpus[0] ? ` · ${cpus[0].model.trim()}` : ''}`);
console.log(
  `model: ${SIZE.n} counters 0..${SIZE.max} (bench/models/counters.ts): ${fmtInt(space.distinct)} distinct / ${fmtInt(space.generated)} generated states · budget ${BUDGET_S} s`,
);
console.log('');

search('bfs', 0.5);
tableBench();
fingerprintBench();
search('dfs', 0.8);
kernelBench();

printTable();
if (skipped.length) console.log(`skipped: ${skipped.join('; ')}`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s · peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
