/** The visited set: an open-addressing table of 64-bit fingerprints with dense ids. */
import { describe, expect, it } from 'vitest';
import { VisitedTable, type Fingerprint } from '../../checker/index.ts';

/** A deterministic 32-bit PRNG (xorshift32). */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const fp = (hi: number, lo: number): Fingerprint => ({ hi, lo });

describe('VisitedTable basics', () => {
  it('insert returns dense new ids 0, 1, 2, ... and -(id)-1 for a duplicate', () => {
    const t = new VisitedTable();
    expect(t.size).toBe(0);
    expect(t.insert(fp(1, 2))).toBe(0);
    expect(t.insert(fp(3, 4))).toBe(1);
    expect(t.insert(fp(5, 6))).toBe(2);
    expect(t.size).toBe(3);
    expect(t.insert(fp(1, 2))).toBe(-1);
    expect(t.insert(fp(3, 4))).toBe(-2);
    expect(t.insert(fp(5, 6))).toBe(-3);
    expect(t.size).toBe(3);
    expect(t.insert(fp(7, 8))).toBe(3);
    expect(t.size).toBe(4);
  });

  it('find gives the id, or -1', () => {
    const t = new VisitedTable();
    t.insert(fp(10, 20));
    t.insert(fp(30, 40));
    expect(t.find(fp(10, 20))).toBe(0);
    expect(t.find(fp(30, 40))).toBe(1);
    expect(t.find(fp(10, 40))).toBe(-1);
    expect(t.find(fp(30, 20))).toBe(-1);
    expect(t.find(fp(0, 0))).toBe(-1);
  });

  it('halves are compared exactly: same lo and different hi, same hi and different lo, hi/lo swapped', () => {
    const t = new VisitedTable({ initialCapacity: 16 });
    expect(t.insert(fp(1, 7))).toBe(0);
    expect(t.insert(fp(2, 7))).toBe(1);
    expect(t.insert(fp(7, 1))).toBe(2);
    expect(t.insert(fp(1, 8))).toBe(3);
    expect([fp(1, 7), fp(2, 7), fp(7, 1), fp(1, 8)].map((f) => t.find(f))).toEqual([0, 1, 2, 3]);
  });

  it('the all-zero fingerprint and the all-ones fingerprint are ordinary keys', () => {
    const t = new VisitedTable();
    expect(t.insert(fp(0, 0))).toBe(0);
    expect(t.insert(fp(0xffffffff, 0xffffffff))).toBe(1);
    expect(t.insert(fp(0, 0))).toBe(-1);
    expect(t.find(fp(0xffffffff, 0xffffffff))).toBe(1);
  });

  it('signed 32-bit halves (as produced by `| 0`) are the same keys as their unsigned forms', () => {
    const t = new VisitedTable();
    expect(t.insert(fp(-1, -2))).toBe(0);
    expect(t.find(fp(0xffffffff, 0xfffffffe))).toBe(0);
    expect(t.insert(fp(0xffffffff, 0xfffffffe))).toBe(-1);
  });

  it('without parents/depths: parentOf is -1, actionOf and depth are 0, setters are no-ops', () => {
    const t = new VisitedTable();
    const id = t.insert(fp(1, 1), 5, 6, 7);
    t.setParent(id, 9, 9);
    t.setDepth(id, 9);
    expect([t.parentOf(id), t.actionOf(id), t.depth(id)]).toEqual([-1, 0, 0]);
  });

  it('with parents and depths: the links round-trip and can be rewritten', () => {
    const t = new VisitedTable({ parents: true, depths: true });
    const a = t.insert(fp(1, 1), -1, 0, 0);
    const b = t.insert(fp(2, 2), a, 3, 1);
    const c = t.insert(fp(3, 3), b, 1, 2);
    expect([t.parentOf(a), t.actionOf(a), t.depth(a)]).toEqual([-1, 0, 0]);
    expect([t.parentOf(b), t.actionOf(b), t.depth(b)]).toEqual([a, 3, 1]);
    expect([t.parentOf(c), t.actionOf(c), t.depth(c)]).toEqual([b, 1, 2]);
    // A duplicate insert does not touch the stored links.
    expect(t.insert(fp(3, 3), a, 7, 9)).toBe(-c - 1);
    expect([t.parentOf(c), t.actionOf(c), t.depth(c)]).toEqual([b, 1, 2]);
    t.setParent(c, a, 4);
    t.setDepth(c, 1);
    expect([t.parentOf(c), t.actionOf(c), t.depth(c)]).toEqual([a, 4, 1]);
  });

  it('initial capacity: at least 16 ids, rounded up to a power of two; two slots per id', () => {
    expect(new VisitedTable({ initialCapacity: 1 }).slotCapacity).toBe(32);
    expect(new VisitedTable({ initialCapacity: 16 }).slotCapacity).toBe(32);
    expect(new VisitedTable({ initialCapacity: 17 }).slotCapacity).toBe(64);
    expect(new VisitedTable().slotCapacity).toBe(2048);
    // 32 slots * 4 B + 16 ids * (hi 4 + lo 4) B
    expect(new VisitedTable({ initialCapacity: 16 }).bytes).toBe(256);
    // + parents (4 B) + actions (1 B until an action index needs more) + depths (4 B) per id
    expect(new VisitedTable({ initialCapacity: 16, parents: true, depths: true }).bytes).toBe(400);
  });
});

describe('VisitedTable growth', () => {
  it('100,000 random fingerprints from initialCapacity 16: all found again, links intact, < 40 B/state', () => {
    const N = 100_000;
    const rand = xorshift(12345);
    const his = new Uint32Array(N);
    const los = new Uint32Array(N);
    const keys = new globalThis.Set<string>();
    for (let i = 0; i < N; ) {
      const hi = rand();
      const lo = rand();
      const k = `${hi}:${lo}`;
      if (keys.has(k)) continue; // the test needs N distinct keys
      keys.add(k);
      his[i] = hi;
      los[i] = lo;
      i++;
    }

    const t = new VisitedTable({ initialCapacity: 16, parents: true, depths: true });
    const startSlots = t.slotCapacity;
    const startBytes = t.bytes;
    for (let i = 0; i < N; i++) {
      const id = t.insert(fp(his[i], los[i]), i - 1, i % 7, i % 1000);
      if (id !== i) expect.fail(`insert #${i} returned ${id}`);
    }
    expect(t.size).toBe(N);
    expect(startSlots).toBe(32);
    // The slot index doubles when more than 3/4 full: 100,000 ids need 262,144 slots.
    expect(t.slotCapacity).toBe(262_144);
    for (let i = 0; i < N; i++) {
      const f = fp(his[i], los[i]);
      if (t.find(f) !== i) expect.fail(`fingerprint #${i} found as ${t.find(f)}`);
      if (t.insert(f) !== -i - 1) expect.fail(`re-insert of #${i} did not report a duplicate`);
      if (t.parentOf(i) !== i - 1 || t.actionOf(i) !== i % 7 || t.depth(i) !== i % 1000)
        expect.fail(`links of #${i}: ${t.parentOf(i)}, ${t.actionOf(i)}, ${t.depth(i)}`);
    }
    expect(t.size).toBe(N);
    // Fingerprints never inserted are not found.
    let falseHits = 0;
    for (let i = 0; i < 10_000; i++) {
      const hi = rand();
      const lo = rand();
      if (!keys.has(`${hi}:${lo}`) && t.find(fp(hi, lo)) !== -1) falseHits++;
    }
    expect(falseHits).toBe(0);

    // 262,144 slots * 4 B + 131,072 ids * 17 B (hi, lo, parent, action (1 B), depth).
    expect(t.bytes).toBe(262_144 * 4 + 131_072 * 17);
    expect(t.bytes).toBeGreaterThan(startBytes);
    expect(t.bytes / t.size).toBeLessThan(40);
  });

  it('clustered keys (all with the same lo, or the same hi) still insert and find', () => {
    const t = new VisitedTable({ initialCapacity: 16 });
    for (let i = 0; i < 5000; i++) expect(t.insert(fp(i, 0xabcdef))).toBe(i);
    for (let i = 0; i < 5000; i++) expect(t.insert(fp(0x123456, i))).toBe(5000 + i);
    for (let i = 0; i < 5000; i++) {
      expect(t.find(fp(i, 0xabcdef))).toBe(i);
      expect(t.find(fp(0x123456, i))).toBe(5000 + i);
    }
    expect(t.size).toBe(10_000);
    expect(t.find(fp(5000, 0xabcdef))).toBe(-1);
  });

  it('fingerprints whose slot hashes are equal (same slot, same tag bits) are still told apart, before and after growth', () => {
    // The slot hash is lo ^ imul(hi, 0x9e3779b1) (visited.ts, slotOf): choose lo so that every
    // key has the same one. The index keeps the hash's top bits beside each id as a filter;
    // these keys pass it, so only the full comparison tells them apart.
    const h = 0x5eed1234;
    const sameSlot = (hi: number) => fp(hi, (h ^ Math.imul(hi, 0x9e3779b1)) >>> 0);
    const t = new VisitedTable({ initialCapacity: 16 });
    for (let i = 0; i < 300; i++) expect(t.insert(sameSlot(i * 7919))).toBe(i);
    // Interleave keys of other slots, so the table grows (and re-files every tag) in between.
    const rnd = xorshift(99);
    const others: Fingerprint[] = [];
    for (let i = 0; i < 3000; i++) others.push(fp(rnd(), rnd()));
    others.forEach((f, i) => expect(t.insert(f)).toBe(300 + i));
    for (let i = 0; i < 300; i++) expect(t.insert(sameSlot(i * 7919))).toBe(-i - 1);
    others.forEach((f, i) => expect(t.find(f)).toBe(300 + i));
    expect(t.find(sameSlot(300 * 7919))).toBe(-1);
    // Same slot hash, but hi and lo each off by one bit from a stored key: absent.
    expect(t.find(fp(7919, (h ^ Math.imul(7919, 0x9e3779b1)) >>> 0 ^ 1))).toBe(-1);
    expect(t.size).toBe(3300);
  });
});

describe('VisitedTable columns sized to need', () => {
  it('action indices above 255 and above 65,535 widen the action column and keep earlier ones', () => {
    const t = new VisitedTable({ parents: true, initialCapacity: 16 });
    const base = t.bytes;
    for (let i = 0; i < 10; i++) t.insert(fp(i, i), i - 1, i);
    expect(t.bytes).toBe(base);
    t.insert(fp(100, 100), 3, 300);
    // 16 ids: the action column went from 1 to 2 bytes per id.
    expect(t.bytes).toBe(base + 16);
    t.insert(fp(101, 101), 4, 70_000);
    expect(t.bytes).toBe(base + 48);
    expect(Array.from({ length: 10 }, (_, i) => t.actionOf(i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([t.actionOf(10), t.parentOf(10), t.actionOf(11), t.parentOf(11)]).toEqual([300, 3, 70_000, 4]);
    t.setParent(2, 9, 65_536 * 3);
    expect([t.parentOf(2), t.actionOf(2)]).toEqual([9, 196_608]);
  });

  it('600,000 ids span three column chunks: parent links intact, under 32 B per state', () => {
    const N = 600_000;
    const rand = xorshift(99);
    const t = new VisitedTable({ parents: true });
    const his = new Uint32Array(N);
    const los = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      his[i] = rand();
      los[i] = i; // distinct by construction
      if (t.insert(fp(his[i], los[i]), i - 1, i % 200) !== i) expect.fail(`insert #${i}`);
    }
    for (let i = 0; i < N; i += 997) {
      expect(t.find(fp(his[i], los[i]))).toBe(i);
      expect([t.parentOf(i), t.actionOf(i)]).toEqual([i - 1, i % 200]);
    }
    expect(t.find(fp(his[N - 1], los[N - 1]))).toBe(N - 1);
    expect(t.parentOf(N - 1)).toBe(N - 2);
    // 2^20 slots * 4 B + three chunks of 2^18 ids * 13 B (hi, lo, parent, 1-byte action).
    expect(t.slotCapacity).toBe(2 ** 20);
    expect(t.bytes).toBe(2 ** 20 * 4 + 3 * 2 ** 18 * 13);
    expect(t.bytes / t.size).toBeLessThan(32);
  });
});
