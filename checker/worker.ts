/**
 * A parallel BFS worker (see checker/parallel-bfs.ts): builds the model from its
 * `workerSource`, holds its share of the frontier, expands the states the main thread names
 * (successors, fingerprints, invariants) and keeps the successors the main thread found new.
 * States never go to the main thread; they move between workers only to even out the load.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Engine, NO_CONTEXT, type PreemptionContext } from './engine.ts';
import { ModelError, describeError } from './errors.ts';
import type { Model } from './model.ts';
import { assertCloneable } from './codec.ts';
import type { Command, ExpandReply, Reply, WorkerInit, WorkerModelError } from './parallel-protocol.ts';

interface Entry {
  readonly state: unknown;
  readonly ctx: PreemptionContext;
}

const init = (workerData as { init: WorkerInit }).init;
const port = (workerData as { port: MessagePort }).port;
const peers = (workerData as { peers: (MessagePort | null)[] }).peers;
const signal = new Int32Array(init.signal);

function reply(r: Reply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(r, transfer);
  Atomics.store(signal, init.index, 1);
  Atomics.notify(signal, init.index);
}

function failure(e: unknown): { model?: WorkerModelError; message: string } {
  if (e instanceof ModelError)
    return { model: { modelName: e.modelName, call: e.call, actionLabel: e.actionLabel, step: e.step, cause: describeError(e.cause) }, message: e.message };
  return { message: describeError(e) };
}

/** Builds the model the way `workerSource` says. */
async function buildModel(): Promise<Model<unknown, unknown>> {
  const ns = (await import(init.source.module)) as Record<string, unknown>;
  let exported = ns[init.source.export ?? 'default'];
  // A .ts file compiled as CommonJS: unwrap its interop namespace.
  if (exported && typeof exported === 'object' && (exported as { __esModule?: boolean }).__esModule && 'default' in exported)
    exported = (exported as { default: unknown }).default;
  const model = typeof exported === 'function' ? await (exported as (a: unknown) => unknown)(init.source.args) : exported;
  if (!model || typeof model !== 'object' || typeof (model as Model<unknown, unknown>).nextState !== 'function')
    throw new Error(`${init.source.module}: export "${init.source.export ?? 'default'}" is not a Model or a function returning one`);
  return model as Model<unknown, unknown>;
}

let engine: Engine<unknown, unknown>;
let model: Model<unknown, unknown>;
let frontier: (Entry | undefined)[] = [];
let next: Entry[] = [];
/** Successors of the last expanded batch, waiting for the main thread's keep bits. */
let pending: Entry[] = [];

function applyKeep(keep: Uint8Array | undefined): void {
  if (keep === undefined) return;
  for (let i = 0; i < pending.length; i++) if (keep[i] === 1) next.push(pending[i]);
  pending = [];
}

function expand(locals: Int32Array, steps: number): { r: ExpandReply; transfer: ArrayBuffer[] } {
  const e = engine;
  const n = locals.length;
  const kept = new Int32Array(n);
  const generated = new Int32Array(n);
  const flags = new Uint8Array(n);
  let cap = Math.max(16, n * 2);
  let fpHi = new Uint32Array(cap);
  let fpLo = new Uint32Array(cap);
  const bounded = e.bounded;
  let modelHi = bounded ? new Uint32Array(cap) : undefined;
  let modelLo = bounded ? new Uint32Array(cap) : undefined;
  let action = new Int32Array(cap);
  let violation = new Int16Array(cap);
  const fp = { hi: 0, lo: 0 };
  let m = 0;
  let error: ExpandReply['error'];
  nodes: for (let k = 0; k < n; k++) {
    const entry = frontier[locals[k]]!;
    frontier[locals[k]] = undefined; // expanded once: let it be collected
    let succs;
    try {
      const before = e.generated;
      succs = e.successors(entry.state, steps + 1);
      generated[k] = e.generated - before;
      if (succs.length === 0) {
        if (e.options.deadlock && !e.isFinal(entry.state)) flags[k] |= 1;
        continue;
      }
    } catch (err) {
      error = { node: k, succ: -1, ...failure(err) };
      break;
    }
    const wasCut = e.preemptionBoundReached;
    e.preemptionBoundReached = false;
    const allowed = bounded ? e.bound(succs, entry.ctx) : unbounded(succs);
    if (e.preemptionBoundReached) flags[k] |= 2;
    e.preemptionBoundReached = wasCut;
    for (let j = 0; j < allowed.length; j++) {
      const { succ, ctx } = allowed[j];
      if (m === cap) {
        cap *= 2;
        fpHi = growU32(fpHi, cap);
        fpLo = growU32(fpLo, cap);
        if (bounded) {
          modelHi = growU32(modelHi!, cap);
          modelLo = growU32(modelLo!, cap);
        }
        const a = new Int32Array(cap);
        a.set(action);
        action = a;
        const v = new Int16Array(cap);
        v.set(violation);
        violation = v;
      }
      try {
        e.nodeFingerprintInto(succ.state, ctx, fp);
        fpHi[m] = fp.hi;
        fpLo[m] = fp.lo;
        if (bounded) {
          const mf = e.fingerprint(succ.state);
          modelHi![m] = mf.hi;
          modelLo![m] = mf.lo;
        }
        const bad = e.violatedInvariant(succ.state, steps + 1);
        violation[m] = bad === undefined ? -1 : e.invariants.findIndex((i) => i.name === bad);
      } catch (err) {
        kept[k] = j;
        error = { node: k, succ: j, ...failure(err) };
        break nodes;
      }
      action[m] = succ.actionIndex;
      pending.push({ state: succ.state, ctx });
      m++;
    }
    kept[k] = allowed.length;
  }
  const r: ExpandReply = {
    t: 'expanded',
    kept,
    generated,
    flags,
    fpHi: fpHi.slice(0, m),
    fpLo: fpLo.slice(0, m),
    modelHi: modelHi?.slice(0, m),
    modelLo: modelLo?.slice(0, m),
    action: action.slice(0, m),
    violation: violation.slice(0, m),
    ...(error ? { error } : {}),
  };
  const transfer = [r.kept.buffer, r.generated.buffer, r.flags.buffer, r.fpHi.buffer, r.fpLo.buffer, r.action.buffer, r.violation.buffer];
  if (r.modelHi) transfer.push(r.modelHi.buffer, r.modelLo!.buffer);
  return { r, transfer: transfer as ArrayBuffer[] };
}

/** Successors as `bound` returns them, for an unbounded search. */
function unbounded<T>(succs: readonly T[]): { succ: T; ctx: PreemptionContext }[] {
  const out = new Array<{ succ: T; ctx: PreemptionContext }>(succs.length);
  for (let i = 0; i < succs.length; i++) out[i] = { succ: succs[i], ctx: NO_CONTEXT };
  return out;
}

function growU32(a: Uint32Array, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

function handle(cmd: Command): void {
  if (cmd.t !== 'init') applyKeep(cmd.keep);
  if (cmd.advance) {
    frontier = next;
    next = [];
  }
  switch (cmd.t) {
    case 'init': {
      const inits = engine.initialStates();
      frontier = Array.from(cmd.initial, (i) => ({ state: inits[i], ctx: NO_CONTEXT }));
      return reply({ t: 'ok' });
    }
    case 'expand': {
      const { r, transfer } = expand(cmd.locals, cmd.steps);
      return reply(r, transfer);
    }
    case 'has-successor': {
      let found = false;
      for (const i of cmd.locals) {
        const entry = frontier[i]!;
        frontier[i] = undefined;
        if (!found && engine.hasSuccessor(entry.state)) found = true;
      }
      return reply({ t: 'has-successor', found });
    }
    case 'send': {
      const codec = model.codec;
      const out = Array.from(cmd.locals, (i) => {
        const entry = frontier[i]!;
        frontier[i] = undefined;
        if (!codec) assertCloneable(entry.state, model.name);
        return { s: codec ? codec.encode(entry.state) : entry.state, a: entry.ctx.lastActor, p: entry.ctx.preemptions };
      });
      peers[cmd.to]!.postMessage(out);
      return reply({ t: 'ok' });
    }
    case 'receive': {
      const got = receiveFrom(peers[cmd.from]!);
      const codec = model.codec;
      for (const x of got) {
        const ctx = x.a === null && x.p === 0 ? NO_CONTEXT : { lastActor: x.a, preemptions: x.p };
        frontier.push({ state: codec ? codec.decode(x.s) : x.s, ctx });
      }
      return reply({ t: 'ok' });
    }
  }
}

function receiveFrom(p: MessagePort): { s: unknown; a: string | number | null; p: number }[] {
  const m = receiveMessageOnPort(p);
  if (m === undefined) throw new Error('internal: a worker-to-worker transfer did not arrive');
  return m.message as { s: unknown; a: string | number | null; p: number }[];
}

async function main(): Promise<void> {
  try {
    model = await buildModel();
    engine = new Engine(model, init.options);
  } catch (e) {
    return reply({ t: 'failed', ...failure(e) });
  }
  port.on('message', (cmd: Command) => {
    try {
      handle(cmd);
    } catch (e) {
      reply({ t: 'failed', ...failure(e) });
    }
  });
  reply({ t: 'ready' });
}

if (parentPort !== null) void main();
