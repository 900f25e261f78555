/**
 * Messages between the parallel BFS (main thread) and its workers (checker/worker.ts).
 *
 * The main thread posts a command on a worker's port, then blocks on `Atomics.wait` until the
 * worker raises its flag in a shared Int32Array, and takes the reply with
 * `receiveMessageOnPort`: the search stays synchronous (`check()` works with workers too).
 */
import type { CheckOptions } from './engine.ts';
import type { WorkerSource } from './model.ts';

export interface WorkerInit {
  readonly index: number;
  readonly source: WorkerSource;
  readonly options: CheckOptions;
  /** Flags the worker raises when a reply is posted (one Int32 per worker). */
  readonly signal: SharedArrayBuffer;
}

/**
 * Every command may carry, first, the keep bits of the worker's last batch and an `advance`
 * (make the next frontier the current one), so a level costs one round trip per worker.
 */
export type Command = (

  /** Keep these initial states (indices into `initialStates()`) as the frontier. */
  | { readonly t: 'init'; readonly initial: Int32Array }
  /** Apply `keep` to the last batch's successors, then expand frontier states `locals`. */
  | { readonly t: 'expand'; readonly keep?: Uint8Array; readonly locals: Int32Array; readonly steps: number }
  /** Depth bound reached: does any of these states have an enabled action? (They are dropped.) */
  | { readonly t: 'has-successor'; readonly keep?: Uint8Array; readonly locals: Int32Array }
  /** Move frontier states `locals` to worker `to` (over the direct channel). */
  | { readonly t: 'send'; readonly keep?: Uint8Array; readonly to: number; readonly locals: Int32Array }
  /** Append the states worker `from` sent to the frontier. */
  | { readonly t: 'receive'; readonly keep?: Uint8Array; readonly from: number }
) & { readonly advance?: boolean };

/** A model error raised in a worker, with what the main thread needs to raise the same one. */
export interface WorkerModelError {
  readonly modelName: string;
  readonly call: string;
  readonly actionLabel: string | undefined;
  readonly step: number | undefined;
  /** describeError(cause): the rest of the one-line message. */
  readonly cause: string;
}

export interface ExpandReply {
  readonly t: 'expanded';
  /** Per node: successors after the preemption bound (in action order). */
  readonly kept: Int32Array;
  /** Per node: enabled successors (counted as generated). */
  readonly generated: Int32Array;
  /** Per node: bit 0 a deadlock (no enabled action, not final), bit 1 the preemption bound cut a successor. */
  readonly flags: Uint8Array;
  /** Per successor: node fingerprint, model-state fingerprint (bounded searches), action index, violated invariant index or -1. */
  readonly fpHi: Uint32Array;
  readonly fpLo: Uint32Array;
  readonly modelHi: Uint32Array | undefined;
  readonly modelLo: Uint32Array | undefined;
  readonly action: Int32Array;
  readonly violation: Int16Array;
  /** The first error, at node `node` (index in `locals`), before successor `succ` (-1: before any). */
  readonly error?: { readonly node: number; readonly succ: number; readonly model?: WorkerModelError; readonly message: string };
}

export type Reply =
  | { readonly t: 'ready' }
  | { readonly t: 'ok' }
  | { readonly t: 'has-successor'; readonly found: boolean }
  | ExpandReply
  | { readonly t: 'failed'; readonly model?: WorkerModelError; readonly message: string };
