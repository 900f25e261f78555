/**
 * Structural 64-bit fingerprints: no collisions at scale, equality as `Immutable.is` (for
 * Immutable values) and as JSON (for plain values), and model-supplied overrides.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { List, Map, OrderedMap, OrderedSet, Range, Record, Set, Stack, fromJS, is } from 'immutable';
import { check, FINGERPRINT, fingerprintOf, fingerprintToHex, immutableCodec, ModelError, type Model } from '../../checker/index.ts';

const key = (v: unknown): string => fingerprintToHex(fingerprintOf(v));

/** Asserts that every value in `values` has the same fingerprint as the first. */
function expectAllSame(values: readonly unknown[]): void {
  const first = key(values[0]);
  values.forEach((v, i) => expect(key(v), `value #${i}`).toBe(first));
}

/** All permutations of a small array. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** A deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deep copy of a JSON value whose object keys are inserted in a shuffled order. */
function shuffledCopy(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffledCopy(x, rand));
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as { [k: string]: unknown });
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffledCopy(x, rand)]));
  }
  return v;
}

/** Number of equal neighbours in a sorted array = number of duplicates. */
function duplicatesInSorted(a: BigUint64Array | Uint32Array): number {
  let d = 0;
  for (let i = 1; i < a.length; i++) if (a[i] === a[i - 1]) d++;
  return d;
}

describe('no collisions at scale', () => {
  it('1,000,000 distinct Immutable Records (three small counters) get 1,000,000 distinct fingerprints', () => {
    const N = 1_000_000;
    const R = Record({ x: 0, y: 0, z: 0 });
    const all = new BigUint64Array(N);
    const hi = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      const fp = fingerprintOf(R({ x: i % 100, y: Math.floor(i / 100) % 100, z: Math.floor(i / 10_000) }));
      all[i] = (BigInt(fp.hi) << 32n) | BigInt(fp.lo);
      hi[i] = fp.hi;
    }
    all.sort();
    expect(duplicatesInSorted(all)).toBe(0);
    // Each 32-bit lane alone should behave like a random 32-bit hash: about
    // N^2 / 2^33 = 116 collisions expected. A lane that is much worse (or a constant, or a
    // copy of the other) would show here even though the 64-bit check above passes.
    hi.sort();
    const hiDup = duplicatesInSorted(hi);
    expect(hiDup).toBeGreaterThan(50);
    expect(hiDup).toBeLessThan(200);
  });

  it('500,000 distinct plain objects with nested arrays get distinct fingerprints', () => {
    const N = 500_000;
    const all = new BigUint64Array(N);
    for (let i = 0; i < N; i++) {
      const fp = fingerprintOf({ pc: [i & 7, (i >> 3) & 7], flag: [(i & 64) !== 0, (i & 128) !== 0], n: i >> 8 });
      all[i] = (BigInt(fp.hi) << 32n) | BigInt(fp.lo);
    }
    all.sort();
    expect(duplicatesInSorted(all)).toBe(0);
  });
});

describe('equal values get equal fingerprints', () => {
  it('Immutable.Map built by inserting keys in every order', () => {
    const entries: [string | number, unknown][] = [['a', 1], ['b', List([2])], [3, 'c'], ['d', null]];
    const maps = permutations(entries).map((p) => p.reduce((m, [k, v]) => m.set(k, v), Map<string | number, unknown>()));
    expect(maps).toHaveLength(24);
    for (const m of maps) expect(is(m, maps[0])).toBe(true);
    expectAllSame(maps);
  });

  it('Immutable.Set built by adding items in every order', () => {
    const items = [1, 'one', List([1]), Map({ one: 1 }), true];
    const sets = permutations(items).map((p) => p.reduce((s, x) => s.add(x), Set<unknown>()));
    expect(sets).toHaveLength(120);
    expectAllSame(sets);
  });

  it('nested Maps inside Lists (and Lists inside Maps)', () => {
    const a = List([Map({ x: 1, y: 2 }), Map({ p: List([Map({ q: 1, r: 2 })]) })]);
    const b = List([Map({ y: 2, x: 1 }), Map({ p: List([Map({ r: 2, q: 1 })]) })]);
    const c = List([Map<string, number>().set('y', 2).set('x', 1), Map({ p: List.of(Map<string, number>({ r: 2 }).set('q', 1)) })]);
    expect(is(a, b) && is(a, c)).toBe(true);
    expectAllSame([a, b, c]);
    expectAllSame([Map({ k: List([1, 2]), j: Set([3, 4]) }), Map({ j: Set([4, 3]), k: List.of(1, 2) })]);
  });

  it('Records of one type with the same field values, however constructed', () => {
    const R = Record({ x: 0, y: 'a', z: List<number>() });
    const values = [
      R({ x: 1, y: 'b', z: List([1]) }),
      R({ z: List([1]), y: 'b', x: 1 }),
      R().set('y', 'b').set('z', List([1])).set('x', 1),
      R().set('x', 5).set('x', 1).set('y', 'b').update('z', (z) => z.push(1)),
      R({ x: 1 }).merge({ y: 'b', z: List([1]) }),
    ];
    for (const v of values) expect(is(v, values[0])).toBe(true);
    expectAllSame(values);
    // An explicitly set default equals the default.
    expectAllSame([R(), R({ x: 0 }), R({ y: 'a', x: 0 })]);
  });

  it('plain objects with the same keys and values in any key order, nested too', () => {
    const orders = permutations(['a', 'b', 'c', 'd']).map((ks) =>
      Object.fromEntries(ks.map((k) => [k, k === 'c' ? { inner: [1, { u: 1, v: 2 }], other: 'x' } : k])),
    );
    expectAllSame(orders);
    expectAllSame([
      { p: { q: { r: 1, s: [{ t: 1, u: 2 }] }, w: null } },
      { p: { w: null, q: { s: [{ u: 2, t: 1 }], r: 1 } } },
    ]);
  });

  it('plain objects: undefined members are absent, as in JSON', () => {
    expectAllSame([{ a: 1 }, { a: 1, b: undefined }, { b: undefined, a: 1 }]);
  });

  it('frozen plain objects (memoized) hash the same as equal unfrozen ones', () => {
    const frozen = Object.freeze({ a: Object.freeze([1, 2]), b: Object.freeze({ c: 'd' }) });
    expect(key(frozen)).toBe(key({ b: { c: 'd' }, a: [1, 2] }));
    expect(key(frozen)).toBe(key(frozen)); // second time, from the memo
  });

  it('Immutable.is-equal values built different ways', () => {
    const pairs: [unknown, unknown][] = [
      [fromJS({ a: [1, 2, { b: 3 }] }), Map({ a: List([1, 2, Map({ b: 3 })]) })],
      [List([1, 2, 3]), Range(1, 4).toList()],
      [List([1, 2, 3]), List<number>().push(1).push(2).push(3)],
      [List([1, 2, 3]), List([0, 1, 2, 3, 4]).shift().pop()],
      [List([1, 2, 3]), List([1, 2, 3]).withMutations((l) => l.set(0, 9).set(0, 1))],
      [Map({ a: 1 }), Map({ a: 1, b: 2 }).delete('b')],
      [Map({ a: 1, b: 2 }), Map({ a: 1 }).merge(Map({ b: 2 }))],
      [Set([1, 2, 3]), Set([3]).union([2, 1])],
      [Set([1, 2]), Set([1, 2, 3, 4]).subtract([3, 4])],
      [OrderedMap([['a', 1], ['b', 2]]), OrderedMap([['a', 1]]).set('b', 2)],
      [List([1, 2]), Stack([1, 2])],
      [Map({ s: Set(['x', 'y']) }), Map({ s: Set(['y']).add('x') })],
    ];
    pairs.forEach(([a, b], i) => {
      expect(is(a, b), `pair #${i} is Immutable.is-equal`).toBe(true);
      expect(key(a), `pair #${i}`).toBe(key(b));
    });
  });

  it('-0 and 0 (and NaN and NaN) are the same', () => {
    expectAllSame([0, -0]);
    expectAllSame([[0], [-0]]);
    expectAllSame([{ a: 0 }, { a: -0 }]);
    expectAllSame([List([0]), List([-0])]);
    expectAllSame([NaN, Number.NaN, 0 / 0]);
    expectAllSame([1, 1.0, 2 / 2]);
  });

  it('Records of two types whose fields are declared in a different order (Immutable.is-equal)', () => {
    const XY = Record({ x: 1, y: 2 });
    const YX = Record({ y: 2, x: 1 });
    expect(is(XY(), YX())).toBe(true);
    expect(key(XY())).toBe(key(YX()));
  });
});

describe('different values get different fingerprints', () => {
  it.each([
    ['List([1,2]) vs List([2,1])', List([1, 2]), List([2, 1])],
    ['[1,2] vs [2,1]', [1, 2], [2, 1]],
    ['1 vs "1"', 1, '1'],
    ['[] vs {}', [], {}],
    ['null vs undefined', null, undefined],
    ['true vs 1', true, 1],
    ['false vs 0', false, 0],
    ['1 vs 1n', 1, 1n],
    ['0.1 vs 0.2', 0.1, 0.2],
    ['2^31 vs 2^31 + 1', 2 ** 31, 2 ** 31 + 1],
    ['"ab" vs "ba"', 'ab', 'ba'],
    ['"" vs []', '', []],
    ['[1] vs List([1])', [1], List([1])],
    ['{a:1} vs Map({a:1})', { a: 1 }, Map({ a: 1 })],
    ['[[1],[2]] vs [[1,2]]', [[1], [2]], [[1, 2]]],
    ['[[]] vs [[], []]', [[]], [[], []]],
    ['{a:1} vs {a:"1"}', { a: 1 }, { a: '1' }],
    ['{a:1} vs {b:1}', { a: 1 }, { b: 1 }],
    ['{a:{b:1}} vs {a:{b:2}}', { a: { b: 1 } }, { a: { b: 2 } }],
    ['List vs Set with the same items', List([1, 2]), Set([1, 2])],
    ['Map vs OrderedMap with the same entries', Map({ a: 1 }), OrderedMap({ a: 1 })],
    ['Set vs OrderedSet with the same items', Set([1]), OrderedSet([1])],
    ['OrderedMap order matters', OrderedMap([['a', 1], ['b', 2]]), OrderedMap([['b', 2], ['a', 1]])],
    ['OrderedSet order matters', OrderedSet([1, 2]), OrderedSet([2, 1])],
    ['Record vs Map with the same entries', Record({ a: 1, b: 2 })(), Map({ a: 1, b: 2 })],
    ['Map key 1 vs key "1"', Map([[1, 'x']]), Map([['1', 'x']])],
    ['Map({a:1,b:2}) vs Map({a:2,b:1})', Map({ a: 1, b: 2 }), Map({ a: 2, b: 1 })],
    ['Set([1,2]) vs Set([1,2,3])', Set([1, 2]), Set([1, 2, 3])],
  ] as [string, unknown, unknown][])('%s', (_name, a, b) => {
    expect(is(a, b)).toBe(false);
    expect(key(a)).not.toBe(key(b));
  });

  it('a function inside a state is refused', () => {
    expect(() => fingerprintOf({ f: () => 1 })).toThrow(new TypeError('cannot fingerprint a function inside a state'));
  });

  it('native Map / Set / Date are refused, not hashed as {}', () => {
    expect(() => fingerprintOf(new globalThis.Map([[1, 2]]))).toThrow(TypeError);
    expect(() => fingerprintOf(new globalThis.Set([1]))).toThrow(TypeError);
    expect(() => fingerprintOf({ at: new Date(0) })).toThrow(TypeError);
  });

  it('a model whose state is a native Set is not silently reported as a 1-state pass', () => {
    const nativeSet: Model<globalThis.Set<number>, 'add'> = {
      name: 'native-set',
      initialStates: () => [new globalThis.Set<number>()],
      actions: () => ['add'],
      nextState: (s) => (s.size < 5 ? new globalThis.Set([...s, s.size]) : undefined),
      invariants: [{ name: 'small', holds: (s) => s.size < 3 }],
    };
    // Today: "pass with 1 distinct state(s)" (the invariant is broken at the third state).
    // Expected: the default fingerprint refuses the native Set, which check() reports as a ModelError.
    let outcome: string;
    try {
      const r = check(nativeSet);
      outcome = `${r.verdict} with ${r.stats.distinctStates} distinct state(s)`;
    } catch (e) {
      outcome = e instanceof ModelError ? e.message : `not a ModelError: ${String(e)}`;
    }
    expect(outcome).toMatch(/^model "native-set" threw in fingerprint \(default\): TypeError: /);
  });
});

describe('model-supplied fingerprint() overrides', () => {
  /** An unbounded counter: without an override it never ends. */
  const counter = (fingerprint: (s: number) => bigint | string): Model<number, 'inc'> => ({
    name: 'counter-with-override',
    initialStates: () => [0],
    actions: () => ['inc'],
    nextState: (s) => s + 1,
    invariants: [],
    fingerprint,
  });

  it('a bigint override mapping every state to one value: exactly 1 distinct state', () => {
    const r = check(counter(() => 42n));
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(1);
    expect(r.stats.generatedStates).toBe(2);
  });

  it('a bigint override is folded to 64 bits: 1n and 2^64 + 1n are the same fingerprint', () => {
    const r = check(counter((s) => (s % 2 === 0 ? 1n : 2n ** 64n + 1n)));
    expect(r.stats.distinctStates).toBe(1);
    const r2 = check(counter((s) => (s < 3 ? -1n : 2n ** 64n - 1n)));
    expect(r2.stats.distinctStates).toBe(1);
  });

  it('a string override: the number of distinct strings is the number of distinct states', () => {
    const r = check(counter((s) => `class-${s % 7}`));
    expect(r.stats.distinctStates).toBe(7);
    expect(r.stats.generatedStates).toBe(8);
    expect(r.complete).toBe(true);
  });

  it('the override is used by dfs and random too', () => {
    expect(check(counter(() => 'same'), { strategy: 'dfs' }).stats.distinctStates).toBe(1);
    expect(check(counter((s) => BigInt(s % 3)), { strategy: 'random', walks: 50, maxDepth: 10 }).stats.distinctStates).toBe(3);
  });

  it('an override that throws is a ModelError naming the call', () => {
    const m = counter(() => {
      throw new Error('no fingerprint');
    });
    expect(() => check(m)).toThrow(new ModelError('counter-with-override', 'fingerprint', undefined, undefined, new Error('no fingerprint')).message);
    expect(() => check(m)).toThrow('model "counter-with-override" threw in fingerprint: no fingerprint');
  });
});

describe('property: fingerprints of JSON values follow JSON equality', () => {
  it('v, its JSON round trip and a key-shuffled deep copy have one fingerprint', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (v, seed) => {
        const k = key(v);
        expect(key(JSON.parse(JSON.stringify(v)))).toBe(k);
        expect(key(shuffledCopy(v, prng(seed)))).toBe(k);
      }),
      { numRuns: 500, seed: 20240607 },
    );
  });

  it('two JSON values with different JSON (up to key order) have different fingerprints', () => {
    const canonical = (v: unknown): string =>
      JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(canonical(a) !== canonical(b));
        expect(key(a)).not.toBe(key(b));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('the FINGERPRINT protocol (models that cache their own hashes)', () => {
  class Hashed {
    calls = 0;
    constructor(
      readonly label: string,
      private readonly h: readonly [number, number],
    ) {}
    [FINGERPRINT](): readonly [number, number] {
      this.calls++;
      return this.h;
    }
  }

  it('an object with a [FINGERPRINT]() method is hashed by calling it, not by walking its fields', () => {
    const a = new Hashed('a', [1, 2]);
    const b = new Hashed('b', [1, 2]); // different fields, same self-declared hash
    const c = new Hashed('a', [1, 3]);
    expect(key(a)).toBe(key(b));
    expect(key(a)).not.toBe(key(c));
    expect(a.calls).toBe(2); // once per fingerprint: the model caches, the checker does not

    // Nested, and as { hi, lo }; the key is Symbol.for('mmcheck.fingerprint').
    const plain = { [Symbol.for('mmcheck.fingerprint')]: () => ({ hi: 1, lo: 2 }) };
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    const custom = Object.assign(Object.create({ [FINGERPRINT]: () => ({ hi: 1, lo: 2 }) }) as object, {});
    expect(key({ x: [custom] })).toBe(key({ x: [a] }));
  });

  it('the pair is tagged: it is not the same fingerprint as a value that happens to hash to it', () => {
    const raw = fingerprintOf([7, 8]);
    expect(key(new Hashed('x', [raw.hi, raw.lo]))).not.toBe(key([7, 8]));
  });

  it('a method returning something else is an error', () => {
    const bad = Object.create({ [FINGERPRINT]: () => 'nope' }) as object;
    expect(() => fingerprintOf(bad)).toThrow('a [FINGERPRINT]() method must return [hi, lo] or { hi, lo } (32-bit numbers)');
  });

  it('a search over self-fingerprinting states counts them by their declared hashes', () => {
    // Counter states 0..9 whose declared hash is the value mod 4: 4 distinct states.
    const model: Model<Hashed, 'inc'> = {
      name: 'hashed',
      initialStates: () => [new Hashed('0', [0, 0])],
      actions: () => ['inc'],
      nextState: (s) => (Number(s.label) < 9 ? new Hashed(String(Number(s.label) + 1), [(Number(s.label) + 1) % 4, 0]) : undefined),
      invariants: [],
    };
    const r = check(model);
    expect([r.stats.distinctStates, r.stats.generatedStates]).toEqual([4, 5]);
  });
});

describe('immutableCodec: states that cross worker threads come back equal', () => {
  it('Records, Lists, Maps, Sets, OrderedMaps, Stacks and plain values round-trip with the same fingerprint', () => {
    const Inner = Record({ a: 0, tags: Set<string>() });
    const Outer = Record({ list: List<unknown>(), map: Map<string, unknown>(), inner: Inner(), plain: {} as unknown, om: OrderedMap<string, number>(), st: Stack<number>() });
    const codec = immutableCodec<unknown>([Outer, Inner]);
    const v = Outer({
      list: List([1, 'two', Inner({ a: 3, tags: Set(['x', 'y']) }), null]),
      map: Map<string, unknown>({ k: List([OrderedSet([3, 1, 2])]), u: undefined }),
      inner: Inner({ a: 9 }),
      plain: { arr: [1, { deep: List([2]) }], s: 's', b: true },
      om: OrderedMap([['z', 1], ['a', 2]]),
      st: Stack([1, 2, 3]),
    });
    const wire = structuredClone(codec.encode(v));
    const back = codec.decode(wire);
    // Immutable.is compares plain objects by reference, so compare without the plain member too.
    expect(is((back as typeof v).set('plain', null), v.set('plain', null))).toBe(true);
    expect(key(back)).toBe(key(v));
    expect((back as typeof v).plain).toEqual({ arr: [1, { deep: List([2]) }], s: 's', b: true });
    expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(v));
  });

  it('Records declared as classes (class X extends Record(...)) come back as instances of the class', () => {
    class Point extends Record({ x: 0, y: 0 }) {
      norm(): number {
        return Math.abs(this.x) + Math.abs(this.y);
      }
    }
    const codec = immutableCodec<List<Point>>([Point]);
    const v = List([new Point({ x: 1, y: -2 }), new Point()]);
    const back = codec.decode(structuredClone(codec.encode(v)));
    expect(back.get(0)).toBeInstanceOf(Point);
    expect(back.get(0)!.norm()).toBe(3);
    expect(is(back, v)).toBe(true);
    expect(key(back)).toBe(key(v));
  });

  it('a Record type the codec was not given is an error naming the fix', () => {
    const Unlisted = Record({ a: 0 }, 'Unlisted');
    expect(() => immutableCodec([]).encode(List([Unlisted()]))).toThrow('immutableCodec: a Record type not in the list (Unlisted): pass it to immutableCodec([...])');
  });
});

describe('small Lists, Maps and Records are read from their nodes (the fast paths agree with forEach)', () => {
  type ListOp = { readonly kind: 'push' | 'pop' | 'shift' | 'unshift' | 'set' | 'setSize'; readonly n: number };
  const listOp = fc.record({ kind: fc.constantFrom<ListOp['kind']>('push', 'pop', 'shift', 'unshift', 'set', 'setSize'), n: fc.integer({ min: 0, max: 40 }) });
  const applyOp = (l: List<number | undefined>, op: ListOp): List<number | undefined> =>
    op.kind === 'push' ? l.push(op.n) : op.kind === 'pop' ? l.pop() : op.kind === 'shift' ? l.shift() : op.kind === 'unshift' ? l.unshift(op.n) : op.kind === 'set' ? l.set(op.n % (l.size + 1), op.n) : l.setSize(op.n);

  it('a List after any updates (across the 32-element tail) hashes as the List of its elements', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40 }), fc.array(listOp, { maxLength: 12 }), (start, ops) => {
        const l = ops.reduce(applyOp, List<number | undefined>(start));
        expect(key(l)).toBe(key(List(l.toArray())));
        expect(key(l)).not.toBe(key(l.push(-1)));
      }),
      { numRuns: 300 },
    );
  });

  it('a Map after any updates (across the 8-entry root array) hashes as the Map of its entries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }), (ops) => {
        let m = Map<number, number>();
        for (const [k, keep, v] of ops) m = keep ? m.set(k, v) : m.delete(k);
        expect(key(m)).toBe(key(Map(m.entrySeq().toArray().reverse())));
        expect(key(m)).not.toBe(key(m.set(-1, 0)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the FINGERPRINT_MEMO slot (an Immutable value that keeps its own hash)', () => {
  it('an object with a null slot is hashed as the Immutable value it is, and its hash is kept in the slot', async () => {
    const { FINGERPRINT_MEMO } = await import('../../checker/fingerprint.ts');
    const Point = Record({ x: 0, y: 0 }, 'Point');
    const slotted = Object.assign(Point({ x: 1, y: 2 }), { [FINGERPRINT_MEMO]: null as unknown });
    const plain = Point({ x: 1, y: 2 });
    expect(key(slotted)).toBe(key(plain));
    expect(slotted[FINGERPRINT_MEMO]).not.toBeNull();
    // Later reads come from the slot: one holding another value's hash is believed (the protocol's contract).
    const other = Object.assign(Point({ x: 9 }), { [FINGERPRINT_MEMO]: null as unknown });
    key(other);
    slotted[FINGERPRINT_MEMO] = other[FINGERPRINT_MEMO];
    expect(key(slotted)).toBe(key(Point({ x: 9 })));
  });

  it('with FINGERPRINT_MEMO_LO declared too, the hash is kept as two numbers (no array), and read back from them', async () => {
    const { FINGERPRINT_MEMO, FINGERPRINT_MEMO_LO } = await import('../../checker/fingerprint.ts');
    const Point = Record({ x: 0, y: 0 }, 'Point');
    const twoSlots = (x: number) => Object.assign(Point({ x, y: 2 }), { [FINGERPRINT_MEMO]: null as unknown, [FINGERPRINT_MEMO_LO]: 0 });
    const a = twoSlots(1);
    expect(key(a)).toBe(key(Point({ x: 1, y: 2 })));
    expect([typeof a[FINGERPRINT_MEMO], typeof a[FINGERPRINT_MEMO_LO]]).toEqual(['number', 'number']);
    // The memo is what later reads see: another value's two halves are believed.
    const b = twoSlots(9);
    key(b);
    a[FINGERPRINT_MEMO] = b[FINGERPRINT_MEMO];
    a[FINGERPRINT_MEMO_LO] = b[FINGERPRINT_MEMO_LO];
    expect(key(a)).toBe(key(Point({ x: 9, y: 2 })));
  });
});

describe('pair hashes remembered by field (successive states share most of their values)', () => {
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
  const small = fc.constantFrom<unknown>(0, 1, 2, '0', '1', true, false, null, -1);

  it('a sequence of plain objects over a few keys and values: equal fingerprints exactly for equal objects', () => {
    const obj = fc.record({ pc: small, round: small, level: small, nested: fc.option(fc.record({ pc: small, level: small }), { nil: undefined }) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(obj, { minLength: 2, maxLength: 12 }), (states) => {
        const keys = states.map(key); // hashed in order: each after the one before
        for (let i = 0; i < states.length; i++)
          for (let j = 0; j < i; j++) expect(keys[i] === keys[j]).toBe(canonical(states[i]) === canonical(states[j]));
      }),
      { numRuns: 300, seed: 424242 },
    );
  });

  it('a sequence of Records sharing Lists: equal fingerprints exactly for Immutable.is-equal Records', () => {
    const R = Record({ a: 0 as unknown, b: List<number>(), c: '' as unknown }, 'R');
    const lists = [List<number>(), List([1]), List([1, 2]), List([1])];
    const rec = fc.record({ a: small, b: fc.constantFrom(...lists), c: small });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 2, maxLength: 12 }), (fields) => {
        const states = fields.map((f) => R(f));
        const keys = states.map(key);
        for (let i = 0; i < states.length; i++) for (let j = 0; j < i; j++) expect(keys[i] === keys[j]).toBe(is(states[i], states[j]));
      }),
      { numRuns: 300, seed: 99 },
    );
  });

  it('two keys that share a slot of the key cache do not share their remembered pairs', () => {
    // The key cache's slot of a key (checker/fingerprint.ts, keySlot).
    const slotOf = (k: string) => (Math.imul(k.charCodeAt(0), 31) + Math.imul(k.charCodeAt(k.length - 1), 7) + k.length) & 511;
    const k1 = 'ab';
    let k2 = '';
    for (let c0 = 97; c0 < 123 && !k2; c0++) for (let c1 = 97; c1 < 123 && !k2; c1++) if (String.fromCharCode(c0, c1) !== k1 && slotOf(String.fromCharCode(c0, c1)) === slotOf(k1)) k2 = String.fromCharCode(c0, c1);
    expect(k2).not.toBe('');
    const first = key({ [k1]: 5 });
    const second = key({ [k2]: 5 });
    expect(second).not.toBe(first);
    expect(key({ [k1]: 5 })).toBe(first);
    expect(key({ [k2]: 5 })).toBe(second);
  });
});
