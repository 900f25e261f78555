/** The memory guard's decision (checker/heap.ts), with the heap placed by the test. */
import { describe, expect, it } from 'vitest';
import { LIVE_HEAP_SHARE, pastHeapLimit } from '../../checker/heap.ts';

const MiB = 2 ** 20;

/** A collector that records its calls and leaves `left` bytes in use. */
function collector(left: number, works = true) {
  const calls: string[] = [];
  return {
    calls,
    collect: () => (calls.push('collect'), works),
    usedNow: () => (calls.push('read'), left),
  };
}

describe('pastHeapLimit', () => {
  it('under the limit (or at it) it goes on without collecting', () => {
    for (const used of [0, 99 * MiB, 100 * MiB]) {
      const c = collector(0);
      expect(pastHeapLimit(used, 100 * MiB, c.collect, c.usedNow)).toBe(false);
      expect(c.calls).toEqual([]);
    }
  });

  it('past the limit it collects, and goes on when what is left is under 9/10 of the limit', () => {
    expect(LIVE_HEAP_SHARE).toBe(0.9);
    const c = collector(89 * MiB);
    expect(pastHeapLimit(101 * MiB, 100 * MiB, c.collect, c.usedNow)).toBe(false);
    expect(c.calls).toEqual(['collect', 'read']);
  });

  it('it stops when what is left after the collection is over 9/10 of the limit, though under the limit', () => {
    // The margin: without it, a live heap at 95% of the limit would pay for a full collection at every sample.
    const c = collector(95 * MiB);
    expect(pastHeapLimit(101 * MiB, 100 * MiB, c.collect, c.usedNow)).toBe(true);
    expect(c.calls).toEqual(['collect', 'read']);
  });

  it('exactly 9/10 of the limit left goes on; a byte more stops', () => {
    const limit = 100 * MiB;
    const atShare = collector(limit * 0.9);
    expect(pastHeapLimit(limit + 1, limit, atShare.collect, atShare.usedNow)).toBe(false);
    const overShare = collector(limit * 0.9 + 1);
    expect(pastHeapLimit(limit + 1, limit, overShare.collect, overShare.usedNow)).toBe(true);
  });

  it('a Node that cannot collect on request stops at the limit, without reading the heap again', () => {
    const c = collector(0, false);
    expect(pastHeapLimit(101 * MiB, 100 * MiB, c.collect, c.usedNow)).toBe(true);
    expect(c.calls).toEqual(['collect']);
  });
});
