/**
 * Breadth-first search on worker threads (`workers > 1`), with exactly the counts, verdict
 * and counterexample of the one-thread BFS (checker/bfs.ts).
 *
 * Level-synchronous: the workers hold the frontier and expand it in batches (successors,
 * fingerprints, invariants); the main thread merges each batch into the visited table in
 * the one-thread order (frontier order, then action order), so ids, parents, counts and the
 * first violation are the ones a sequential BFS finds, and it stops at the same node. The
 * main thread tells each worker which of its successors were new; those stay in the worker
 * that computed them (states cross threads only when a worker holds much more of the next
 * level than another, through the model's `codec` if it has one). Traces are rebuilt on the
 * main thread by replaying action indices, as in the one-thread search.
 *
 * The main thread waits for replies with `Atomics.wait`, so the search stays synchronous and
 * runs in slices like the others.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Model } from './model.ts';
import { ModelError, UsageError } from './errors.ts';
import { VisitedTable } from './visited.ts';
import { buildResult, Engine, NO_CONTEXT, type CheckOptions, type Finding, type Progress, type Search } from './engine.ts';
import type { CheckResult, Path, StopReason } from './result.ts';
import { pathTo } from './bfs.ts';
import type { Command, ExpandReply, Reply, WorkerInit, WorkerModelError } from './parallel-protocol.ts';

/** Frontier states per worker per batch: large enough to hide the round trip, small enough to bound memory. */
const BATCH_PER_WORKER = 4096;
/** Even out the next level when one worker holds this much more than its share. */
const IMBALANCE = 1.25;
const MIN_LEVEL_TO_BALANCE = 64;

/** A level of the search: for each node (in BFS order) the worker holding it, its index there, its id. */
interface Level {
  owner: Uint8Array;
  local: Int32Array;
  id: Int32Array;
  size: number;
}

function newLevel(capacity: number): Level {
  return { owner: new Uint8Array(capacity), local: new Int32Array(capacity), id: new Int32Array(capacity), size: 0 };
}

function pushNode(l: Level, owner: number, local: number, id: number): void {
  if (l.size === l.owner.length) {
    const cap = l.owner.length * 2;
    const o = new Uint8Array(cap);
    o.set(l.owner);
    const lo = new Int32Array(cap);
    lo.set(l.local);
    const i = new Int32Array(cap);
    i.set(l.id);
    l.owner = o;
    l.local = lo;
    l.id = i;
  }
  l.owner[l.size] = owner;
  l.local[l.size] = local;
  l.id[l.size] = id;
  l.size++;
}

export class ParallelBfsSearch<S, A> implements Search<S, A> {
  private readonly engine: Engine<S, A>;
  private readonly table = new VisitedTable({ parents: true });
  private readonly modelStates: VisitedTable | undefined;
  private readonly findings: Finding<S, A>[] = [];
  private readonly foundProperties = new Set<string>();
  private readonly nWorkers: number;
  private workers: Worker[] = [];
  private ports: MessagePort[] = [];
  private signal!: Int32Array;
  private started = false;
  private finished = false;
  private drained = false;
  private stoppedBy: StopReason | undefined;
  private level: Level = newLevel(16);
  private next: Level = newLevel(16);
  /** Steps from the initial state of the nodes of `level`. */
  private steps = 0;
  /** Next node of `level` to expand. */
  private cursor = 0;
  /** Frontier states each worker will hold at the next level. */
  private nextCount: number[];
  /** Keep bits of each worker's last batch, sent with its next command. */
  private keep: (Uint8Array | undefined)[];
  /** Workers that must advance to the next level before their next command. */
  private mustAdvance: boolean[];

  constructor(
    private readonly model: Model<S, A>,
    options: CheckOptions,
  ) {
    this.engine = new Engine(model, options);
    this.modelStates = this.engine.bounded ? new VisitedTable() : undefined;
    this.nWorkers = options.workers ?? 1;
    if (!model.workerSource)
      throw new UsageError(
        `workers > 1 needs a model a worker thread can build: "${model.name}" has no workerSource (models given with --model FILE have one)`,
      );
    this.nextCount = new Array<number>(this.nWorkers).fill(0);
    this.keep = new Array<Uint8Array | undefined>(this.nWorkers).fill(undefined);
    this.mustAdvance = new Array<boolean>(this.nWorkers).fill(false);
  }

  private get distinct(): number {
    return this.modelStates ? this.modelStates.size : this.table.size;
  }

  private get tableBytes(): number {
    return this.table.bytes + (this.modelStates?.bytes ?? 0);
  }

  // --- workers -------------------------------------------------------------------------------

  private spawn(): void {
    const W = this.nWorkers;
    this.signal = new Int32Array(new SharedArrayBuffer(4 * W));
    const here = import.meta.url;
    // Sources (.ts, run through tsx) or a compiled build (.js): the worker entry is a sibling.
    const entry = new URL(`./worker${here.endsWith('.ts') ? '.ts' : '.js'}`, here).href;
    const source = this.model.workerSource!;
    const needsTsx = /\.[mc]?ts$/.test(entry) || /\.[mc]?ts$/.test(source.module);
    const tsx = needsTsx ? tsxApis() : [];
    // Direct channels between every pair of workers, for moving states to even out the load.
    const peers: (MessagePort | null)[][] = Array.from({ length: W }, () => new Array<MessagePort | null>(W).fill(null));
    for (let a = 0; a < W; a++)
      for (let b = a + 1; b < W; b++) {
        const ch = new MessageChannel();
        peers[a][b] = ch.port1;
        peers[b][a] = ch.port2;
      }
    // A callback cannot cross to a worker (and the parallel search does not reduce).
    const { workers: _w, onReductionRefusal: _r, ...options } = this.engine.options;
    for (let w = 0; w < W; w++) {
      const ch = new MessageChannel();
      const init: WorkerInit = { index: w, source, options, signal: this.signal.buffer as SharedArrayBuffer };
      const myPeers = peers[w];
      const transfer = [ch.port2, ...myPeers.filter((p): p is MessagePort => p !== null)];
      const worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: { init, port: ch.port2, peers: myPeers, boot: { entry, tsx } },
        transferList: transfer,
        stdout: false,
        stderr: false,
      });
      worker.unref();
      this.workers.push(worker);
      this.ports.push(ch.port1);
    }
    for (let w = 0; w < W; w++) this.await(w, 'ready');
  }

  private post(w: number, cmd: Command, transfer: ArrayBuffer[] = []): void {
    this.ports[w].postMessage(cmd, transfer);
  }

  /** Blocks until worker `w` replies; raises its failure as the one-thread search would. */
  private await<T extends Reply['t']>(w: number, t: T): Extract<Reply, { t: T }> {
    const sig = this.signal;
    while (Atomics.load(sig, w) === 0) Atomics.wait(sig, w, 0, 1000);
    Atomics.store(sig, w, 0);
    const m = receiveMessageOnPort(this.ports[w]);
    if (m === undefined) throw new Error(`internal: worker ${w} signalled without a reply`);
    const r = m.message as Reply;
    if (r.t === 'failed') {
      this.close();
      throw this.errorFrom(r.model, r.message, t === 'ready' ? 'worker setup' : 'worker');
    }
    if (r.t !== t) throw new Error(`internal: worker ${w} replied ${r.t}, expected ${t}`);
    return r as Extract<Reply, { t: T }>;
  }

  private errorFrom(model: WorkerModelError | undefined, message: string, call: string): Error {
    if (model) return new ModelError(model.modelName, model.call, model.actionLabel, model.step, model.cause);
    return new ModelError(this.model.name, call, undefined, undefined, message);
  }

  private close(): void {
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
    this.workers = [];
    this.ports = [];
  }

  // --- the search ----------------------------------------------------------------------------

  private start(): boolean {
    const e = this.engine;
    // Initial states: visited on the main thread exactly as the one-thread search does.
    const inits = e.initialStates();
    const keep: number[] = [];
    const fp = { hi: 0, lo: 0 };
    for (let i = 0; i < inits.length; i++) {
      const s = inits[i];
      e.generated++;
      e.nodeFingerprintInto(s, NO_CONTEXT, fp);
      const id = this.table.insertHiLo(fp.hi, fp.lo, -1, i);
      if (id < 0) continue;
      const isNewModelState = this.modelStates ? this.modelStates.insert(e.fingerprint(s)) >= 0 : true;
      if (1 > e.maxDepthSeen) e.maxDepthSeen = 1;
      if (isNewModelState) {
        const bad = e.violatedInvariant(s, 0);
        if (bad !== undefined && !this.record(bad, id)) return false;
      }
      pushNode(this.level, 0, keep.length, id);
      keep.push(i);
    }
    this.spawn();
    this.post(0, { t: 'init', initial: Int32Array.from(keep) });
    this.await(0, 'ok');
    return true;
  }

  /** Records a violation of `property` at node `id`; false when the search must stop. */
  private record(property: string, id: number): boolean {
    if (this.foundProperties.has(property)) return true;
    this.foundProperties.add(property);
    this.findings.push({ property, path: this.rebuild(id) });
    return !!this.engine.options.continueAfterViolation;
  }

  runSlice(deadline: number): boolean {
    if (this.finished) return true;
    const e = this.engine;
    if (!this.started) {
      this.started = true;
      if (!this.start()) return this.finish();
    }
    for (;;) {
      if (this.cursor >= this.level.size) {
        if (!this.advance()) {
          this.drained = true;
          return this.finish();
        }
      }
      if (e.timeUp()) return this.finish('time-limit');
      // The main thread holds the visited table and merges: its heap is the one to guard.
      if (e.options.maxMemoryBytes !== undefined && e.memoryExceeded()) return this.finish('max-memory');
      const stop = this.batch();
      if (stop !== undefined) return this.finish(stop === 'stop' ? undefined : stop);
      if (performance.now() >= deadline) return false;
    }
  }

  /** Expands and merges the next batch of the level; a reason when the search must stop. */
  private batch(): StopReason | 'stop' | undefined {
    const e = this.engine;
    const o = e.options;
    const W = this.nWorkers;
    const lv = this.level;
    const g0 = this.cursor;
    const g1 = Math.min(lv.size, g0 + BATCH_PER_WORKER * W);
    const counts = new Array<number>(W).fill(0);
    for (let g = g0; g < g1; g++) counts[lv.owner[g]]++;
    const locals = counts.map((c) => new Int32Array(c));
    const fill = new Array<number>(W).fill(0);
    for (let g = g0; g < g1; g++) {
      const w = lv.owner[g];
      locals[w][fill[w]++] = lv.local[g];
    }
    this.cursor = g1;

    if (o.maxDepth !== undefined && this.steps >= o.maxDepth) {
      // Depth bound: these nodes are not expanded; the one-thread search still stops at max-states first.
      if (o.maxStates !== undefined && this.distinct >= o.maxStates) return 'max-states';
      if (e.depthBoundReached) return undefined; // known already: the states are dropped at the next advance
      for (let w = 0; w < W; w++) if (counts[w] > 0) this.send(w, { t: 'has-successor', locals: locals[w] });
      for (let w = 0; w < W; w++) if (counts[w] > 0 && this.await(w, 'has-successor').found) e.depthBoundReached = true;
      return undefined;
    }

    for (let w = 0; w < W; w++) if (counts[w] > 0) this.send(w, { t: 'expand', locals: locals[w], steps: this.steps });
    const replies: (ExpandReply | undefined)[] = new Array<ExpandReply | undefined>(W).fill(undefined);
    for (let w = 0; w < W; w++) if (counts[w] > 0) replies[w] = this.await(w, 'expanded');
    const keeps = replies.map((r) => (r ? new Uint8Array(r.fpHi.length) : undefined));
    const nodeAt = new Array<number>(W).fill(0);
    const succAt = new Array<number>(W).fill(0);
    const fp = { hi: 0, lo: 0 };
    for (let g = g0; g < g1; g++) {
      if (o.maxStates !== undefined && this.distinct >= o.maxStates) return 'max-states';
      const w = lv.owner[g];
      const r = replies[w]!;
      const k = nodeAt[w]++;
      const err = r.error;
      if (err && err.node === k && err.succ === -1) throw this.fail(err);
      e.generated += r.generated[k];
      if (r.flags[k] & 2) e.preemptionBoundReached = true;
      if (r.generated[k] === 0) {
        if (r.flags[k] & 1 && !this.record('deadlock', lv.id[g])) return 'stop';
        continue;
      }
      const parent = lv.id[g];
      const kept = r.kept[k];
      for (let j = 0; j < kept; j++) {
        const m = succAt[w]++;
        fp.hi = r.fpHi[m];
        fp.lo = r.fpLo[m];
        const id = this.table.insertHiLo(fp.hi, fp.lo, parent, r.action[m]);
        if (id < 0) continue;
        const isNewModelState = this.modelStates ? this.modelStates.insertHiLo(r.modelHi![m], r.modelLo![m]) >= 0 : true;
        if (this.steps + 2 > e.maxDepthSeen) e.maxDepthSeen = this.steps + 2;
        const v = r.violation[m];
        if (isNewModelState && v >= 0 && !this.record(e.invariants[v].name, id)) return 'stop';
        keeps[w]![m] = 1;
        pushNode(this.next, w, this.nextCount[w]++, id);
      }
      if (err && err.node === k) throw this.fail(err);
    }
    for (let w = 0; w < W; w++) if (keeps[w]) this.keep[w] = keeps[w];
    return undefined;
  }

  private fail(err: NonNullable<ExpandReply['error']>): Error {
    this.close();
    return this.errorFrom(err.model, err.message, 'worker');
  }

  /** Sends a command, with the keep bits of the worker's previous batch and a pending advance. */
  private send(w: number, cmd: Command): void {
    const keep = this.keep[w];
    const advance = this.mustAdvance[w];
    this.keep[w] = undefined;
    this.mustAdvance[w] = false;
    const full = keep || advance ? { ...cmd, ...(keep ? { keep } : {}), ...(advance ? { advance } : {}) } : cmd;
    this.post(w, full, keep ? [keep.buffer as ArrayBuffer] : []);
  }

  /** Moves to the next level; false when it is empty (the search is over). */
  private advance(): boolean {
    const W = this.nWorkers;
    // The workers advance with their next command (their next frontier is the main thread's `next`).
    for (let w = 0; w < W; w++) this.mustAdvance[w] = true;
    this.level = this.next;
    this.next = newLevel(Math.max(16, this.level.size));
    const counts = this.nextCount;
    this.nextCount = new Array<number>(W).fill(0);
    this.cursor = 0;
    this.steps++;
    if (this.level.size === 0) return false;
    this.balance(counts);
    return true;
  }

  /** Moves states from workers holding too many of this level to workers holding too few. */
  private balance(counts: number[]): void {
    const lv = this.level;
    const W = this.nWorkers;
    if (lv.size < MIN_LEVEL_TO_BALANCE) return;
    const share = Math.ceil(lv.size / W);
    if (Math.max(...counts) <= share * IMBALANCE) return;
    // Take the donors' last nodes (in BFS order) and hand them to the workers below their share.
    const moves: { from: number; to: number; globals: number[] }[] = [];
    const deficit = counts.map((c) => Math.max(0, share - c));
    for (let g = lv.size - 1; g >= 0; g--) {
      const from = lv.owner[g];
      if (counts[from] <= share) continue;
      const to = deficit.findIndex((d) => d > 0);
      if (to < 0) break;
      let mv = moves.find((x) => x.from === from && x.to === to);
      if (!mv) moves.push((mv = { from, to, globals: [] }));
      mv.globals.push(g);
      counts[from]--;
      deficit[to]--;
    }
    for (const mv of moves) {
      this.send(mv.from, { t: 'send', to: mv.to, locals: Int32Array.from(mv.globals, (g) => lv.local[g]) });
      this.await(mv.from, 'ok');
      this.send(mv.to, { t: 'receive', from: mv.from });
      this.await(mv.to, 'ok');
      for (const g of mv.globals) {
        lv.owner[g] = mv.to;
        lv.local[g] = counts[mv.to]++;
      }
    }
  }

  private finish(stop?: StopReason): boolean {
    this.finished = true;
    this.stoppedBy = stop;
    this.close();
    return true;
  }

  /** Rebuilds the path to `id` by replaying action indices from its initial state. */
  private rebuild(id: number): Path<S, A> {
    return pathTo(this.engine, this.table, id);
  }

  progress(): Progress {
    return {
      distinctStates: this.distinct,
      generatedStates: this.engine.generated,
      depth: this.engine.maxDepthSeen,
      queue: this.level.size - this.cursor + this.next.size,
      seconds: this.engine.elapsedSeconds(),
    };
  }

  result(stop?: StopReason): CheckResult<S, A> {
    if (!this.finished) this.close();
    const reason = stop ?? this.stoppedBy;
    const exhausted = this.drained && (this.findings.length === 0 || !!this.engine.options.continueAfterViolation);
    return buildResult(this.engine, 'bfs', this.findings, this.distinct, this.tableBytes, exhausted, reason);
  }
}

/** tsx's loaders, so a worker can import TypeScript (sources, or a user's .ts model). */
function tsxApis(): string[] {
  try {
    const require = createRequire(import.meta.url);
    // The ESM hooks' entry is the .mjs next to the CommonJS one `require` resolves.
    const esm = require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
    return [require.resolve('tsx/cjs/api'), pathToFileURL(esm).href];
  } catch {
    return [];
  }
}

/** The worker's first code: load tsx if needed, then the worker entry; report a load failure as a reply. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  for (const api of workerData.boot.tsx) (api.startsWith('file:') ? await import(api) : require(api)).register();
  await import(workerData.boot.entry);
})().catch((e) => {
  const { init, port } = workerData;
  port.postMessage({ t: 'failed', message: String((e && e.message) || e).split('\\n')[0] });
  const s = new Int32Array(init.signal);
  Atomics.store(s, init.index, 1);
  Atomics.notify(s, init.index);
});
`;
