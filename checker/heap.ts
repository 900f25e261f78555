/**
 * A full garbage collection on request, for the memory guard (engine.ts, `memoryExceeded`).
 *
 * `process.memoryUsage().heapUsed` counts garbage the collector has not reached yet: a search
 * that makes much short-lived data (partial-order look-aheads, caches that evict) can pass its
 * `maxMemoryBytes` with its live states well under it, until V8's next full collection. So the
 * guard collects before it stops a search, and stops it only if the live heap is near the limit.
 *
 * Node gives the `gc()` function only to code started with `--expose-gc`: the flag is set for
 * the moment a fresh context is made, which then has it, and cleared again.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/** Collects garbage (a full, blocking collection); false if this Node cannot be asked to. */
export function collectGarbage(): boolean {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      collector = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collector = null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (!collector) return false;
  collector();
  return true;
}

/**
 * What is left after a full collection must stay under this share of the limit: with the live
 * heap just under the limit, every sample would otherwise pay for a full collection.
 */
export const LIVE_HEAP_SHARE = 0.9;

/**
 * The memory guard's decision: `used` bytes of heap against `limit`. Under the limit, go on;
 * past it, collect garbage and stop only if what is left is over LIVE_HEAP_SHARE of the limit
 * (or if this Node cannot collect on request). `collect` and `usedNow` are the collector and
 * the heap reading (parameters so that a test can place the heap).
 */
export function pastHeapLimit(
  used: number,
  limit: number,
  collect: () => boolean = collectGarbage,
  usedNow: () => number = () => process.memoryUsage().heapUsed,
): boolean {
  if (used <= limit) return false;
  return !collect() || usedNow() > limit * LIVE_HEAP_SHARE;
}
