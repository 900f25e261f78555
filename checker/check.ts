/**
 * Entry points: pick a strategy, run it to the end (sync, for tests and the library API) or
 * in slices (async, for the command line: progress lines and a clean stop on Ctrl-C).
 */
import type { Model } from './model.ts';
import type { CheckOptions, Progress, Search } from './engine.ts';
import type { CheckResult } from './result.ts';
import { BfsSearch } from './bfs.ts';
import { ParallelBfsSearch } from './parallel-bfs.ts';
import { DfsSearch } from './dfs.ts';
import { RandomSearch } from './random.ts';
import { UsageError } from './errors.ts';

export function createSearch<S, A>(model: Model<S, A>, options: CheckOptions = {}): Search<S, A> {
  switch (options.strategy ?? 'bfs') {
    case 'bfs':
      return (options.workers ?? 1) > 1 ? new ParallelBfsSearch(model, options) : new BfsSearch(model, options);
    case 'dfs':
      return new DfsSearch(model, options);
    case 'random':
      return new RandomSearch(model, options);
    default:
      throw new UsageError(`unknown strategy "${String(options.strategy)}"; use bfs, dfs or random`);
  }
}

/** Runs a search to its end. */
export function check<S, A>(model: Model<S, A>, options: CheckOptions = {}): CheckResult<S, A> {
  const search = createSearch(model, options);
  while (!search.runSlice(Infinity));
  return search.result();
}

export interface AsyncCheckHooks {
  /** Called about every `progressEvery` seconds while the search runs. */
  readonly onProgress?: (p: Progress) => void;
  readonly progressEvery?: number;
  /** Aborting stops the search; the result is `incomplete` with reason `interrupted`. */
  readonly signal?: AbortSignal;
}

/** Runs a search in slices of ~50 ms, yielding to the event loop between them. */
export async function checkAsync<S, A>(
  model: Model<S, A>,
  options: CheckOptions = {},
  hooks: AsyncCheckHooks = {},
): Promise<CheckResult<S, A>> {
  const search = createSearch(model, options);
  const every = (hooks.progressEvery ?? 1) * 1000;
  let nextReport = performance.now() + every;
  for (;;) {
    if (hooks.signal?.aborted) return search.result('interrupted');
    const done = search.runSlice(performance.now() + 50);
    if (done) return search.result();
    if (hooks.onProgress && performance.now() >= nextReport) {
      hooks.onProgress(search.progress());
      nextReport = performance.now() + every;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
