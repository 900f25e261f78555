/**
 * FastRecord (model/fast-record.ts) behaves as an Immutable.js Record of the same fields: the
 * same values after any sequence of updates, the same equality, the same fingerprint (so a
 * search counts the same states), and it crosses threads through the state codec.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { is, isRecord, List, Map as IMap, Record as ImmutableRecord, setIn, updateIn } from 'immutable';
import { FINGERPRINT, fingerprintOf, fingerprintToHex, immutableCodec } from '../../checker/index.ts';
import { FastRecord } from '../../model/fast-record.ts';

interface Fields {
  readonly n: number;
  readonly name: string;
  readonly flag: boolean;
  readonly items: List<number>;
  readonly table: IMap<string, number>;
  readonly opt: number | null;
}
const DEFAULTS: Fields = { n: 0, name: '', flag: false, items: List(), table: IMap(), opt: null };

class Fast extends FastRecord<Fields>(DEFAULTS, 'Fast') {}
const Reference = ImmutableRecord<Fields>(DEFAULTS, 'Reference');

const fp = (v: unknown) => fingerprintToHex(fingerprintOf(v));

type Op =
  | { readonly kind: 'set'; readonly key: keyof Fields; readonly value: unknown }
  | { readonly kind: 'merge'; readonly values: Partial<Record<keyof Fields, unknown>> }
  | { readonly kind: 'remove'; readonly key: keyof Fields }
  | { readonly kind: 'setIn'; readonly path: readonly unknown[]; readonly value: number }
  | { readonly kind: 'updateIn'; readonly path: readonly unknown[]; readonly by: number; readonly notSet?: number }
  | { readonly kind: 'push'; readonly value: number }
  | { readonly kind: 'mutate'; readonly n: number; readonly name: string };

const value = (key: keyof Fields): fc.Arbitrary<unknown> =>
  ({
    n: fc.integer({ min: -3, max: 3 }),
    name: fc.constantFrom('', 'a', 'b'),
    flag: fc.boolean(),
    items: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).map((xs) => List(xs)),
    table: fc.dictionary(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 })).map((o) => IMap(o)),
    opt: fc.option(fc.integer({ min: 0, max: 2 })),
  })[key];
const keyArb = fc.constantFrom<keyof Fields>('n', 'name', 'flag', 'items', 'table', 'opt');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  keyArb.chain((key) => value(key).map((v): Op => ({ kind: 'set', key, value: v }))),
  fc.tuple(keyArb, keyArb).chain(([a, b]) => fc.tuple(value(a), value(b)).map(([va, vb]): Op => ({ kind: 'merge', values: { [a]: va, [b]: vb } }))),
  keyArb.map((key): Op => ({ kind: 'remove', key })),
  fc.tuple(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 })).map(([k, v]): Op => ({ kind: 'setIn', path: ['table', k], value: v })),
  // Paths that are there and paths that are not (a list index past the end, a missing map key, no such field).
  fc
    .tuple(fc.constantFrom<readonly unknown[]>(['items', 0], ['items', 2], ['items', 5], ['n'], ['nope'], ['table', 'x']), fc.integer({ min: 0, max: 2 }))
    .map(([path, v]): Op => ({ kind: 'setIn', path, value: v })),
  fc
    .tuple(fc.constantFrom<readonly unknown[]>(['items', 0], ['items', 1], ['n'], ['table', 'x'], ['table', 'y']), fc.integer({ min: 0, max: 1 }), fc.option(fc.constant(7), { nil: undefined }))
    .map(([path, by, notSet]): Op => ({ kind: 'updateIn', path, by, notSet })),
  fc.integer({ min: 0, max: 3 }).map((v): Op => ({ kind: 'push', value: v })),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b')).map(([n, name]): Op => ({ kind: 'mutate', n, name })),
);

type AnyRecord = ReturnType<typeof Reference> | Fast;

function apply(r: AnyRecord, op: Op): AnyRecord {
  const rec = r as ReturnType<typeof Reference>;
  switch (op.kind) {
    case 'set':
      return rec.set(op.key, op.value as never);
    case 'merge':
      return rec.merge(op.values as never);
    case 'remove':
      return rec.remove(op.key);
    case 'setIn':
      return rec.setIn(op.path, op.value);
    case 'updateIn': {
      const f = (v: unknown) => (v as number) + op.by; // by 0: the same value, so the same Record
      // Immutable's typings list updateIn(path, updater) only; its Records take a notSetValue too.
      const withNotSet = rec as unknown as { updateIn(path: readonly unknown[], notSet: unknown, f: (v: unknown) => unknown): AnyRecord };
      return op.notSet === undefined ? rec.updateIn(op.path, f) : withNotSet.updateIn(op.path, op.notSet, f);
    }
    case 'push':
      return rec.update('items', (xs) => xs.push(op.value));
    case 'mutate':
      return rec.withMutations((m) => m.set('n', op.n).set('name', op.name));
  }
}

describe('FastRecord against Immutable.Record', () => {
  it('any sequence of updates: the same fields, Immutable.is-equal, the same fingerprint', () => {
    fc.assert(
      fc.property(fc.record({ n: value('n'), name: value('name') }), fc.array(opArb, { maxLength: 8 }), (init, ops) => {
        let fast: AnyRecord = new Fast(init as Partial<Fields>);
        let ref: AnyRecord = Reference(init as Partial<Fields>);
        for (const op of ops) {
          fast = apply(fast, op);
          ref = apply(ref, op);
        }
        const f = fast as Fast;
        expect(f.toObject()).toEqual((ref as ReturnType<typeof Reference>).toObject());
        expect(is(f, new Fast(f.toObject()))).toBe(true);
        expect(f.hashCode()).toBe(new Fast(f.toObject()).hashCode());
        // The fingerprint is the Record's structural one: what an Immutable Record of the same fields gets.
        expect(fp(f)).toBe(fp(ref));
      }),
      { numRuns: 300 },
    );
  });

  it('a field holding a plain array compares, hashes and converts by its elements, as a List field would', () => {
    class Holder extends FastRecord<{ items: readonly (Fast | number)[] }>({ items: [] }, 'Holder') {}
    const a = new Holder({ items: [1, new Fast({ n: 2 })] });
    const b = new Holder({ items: [1, new Fast({ n: 2 })] });
    expect(a.items).not.toBe(b.items);
    expect(is(a, b)).toBe(true);
    expect(a.hashCode()).toBe(b.hashCode());
    expect(is(a, new Holder({ items: [1, new Fast({ n: 3 })] }))).toBe(false);
    expect(is(a, new Holder({ items: [1] }))).toBe(false);
    expect(a.toJS()).toEqual({ items: [1, { ...DEFAULTS, n: 2, items: [], table: {} }] });
  });

  it('a field holding a plain object compares, hashes and converts by its entries, in any order, as a Map field would', () => {
    class Holder extends FastRecord<{ locals: Readonly<Record<string, unknown>> }>({ locals: {} }, 'Holder') {}
    const a = new Holder({ locals: { x: 1, d: new Fast({ n: 2 }) } });
    const b = new Holder({ locals: { d: new Fast({ n: 2 }), x: 1 } });
    expect(is(a, b)).toBe(true);
    expect(a.hashCode()).toBe(b.hashCode());
    expect(is(a, new Holder({ locals: { x: 1 } }))).toBe(false);
    expect(is(a, new Holder({ locals: { x: 1, d: new Fast({ n: 3 }) } }))).toBe(false);
    expect(is(a, new Holder({ locals: { x: 1, e: new Fast({ n: 2 }) } }))).toBe(false);
    expect(a.toJS()).toEqual({ locals: { x: 1, d: { ...DEFAULTS, n: 2, items: [], table: {} } } });
  });

  it('nested Records hash as Immutable Records of the same fields, also when a field\'s own fingerprint hashes a Record on the way', () => {
    class Leaf extends FastRecord<{ n: number; s: string }>({ n: 0, s: '' }, 'Leaf') {}
    class Mid extends FastRecord<{ leaf: Leaf; k: number }>({ leaf: new Leaf(), k: 0 }, 'Mid') {}
    class Top extends FastRecord<{ a: unknown; mid: Mid; z: number }>({ a: null, mid: new Mid(), z: 0 }, 'Top') {}
    const LeafRef = ImmutableRecord({ n: 0, s: '' }, 'LeafRef');
    const MidRef = ImmutableRecord({ leaf: LeafRef(), k: 0 }, 'MidRef');
    const TopRef = ImmutableRecord({ a: null as unknown, mid: MidRef(), z: 0 }, 'TopRef');
    const fast = new Top({ a: 1, mid: new Mid({ leaf: new Leaf({ n: 2, s: 'x' }), k: 3 }), z: 4 });
    const ref = TopRef({ a: 1, mid: MidRef({ leaf: LeafRef({ n: 2, s: 'x' }), k: 3 }), z: 4 });
    expect(fp(fast)).toBe(fp(ref));
    // A field (the first) whose fingerprint is computed from a Record, while the outer Record is half hashed.
    const inner = () => new Mid({ leaf: new Leaf({ n: 5 }), k: 6 }); // fresh: nothing remembered
    const viaRecord = { [FINGERPRINT]: () => fingerprintOf(inner()) };
    const constant = fingerprintOf(inner());
    const viaConstant = { [FINGERPRINT]: () => constant };
    const mid = new Mid({ leaf: new Leaf({ n: 7, s: 'y' }), k: 8 });
    expect(fp(new Top({ a: viaRecord, mid, z: 9 }))).toBe(fp(new Top({ a: viaConstant, mid, z: 9 })));
  });

  it('two classes extending one Record type: each update keeps its own class', () => {
    const Point = FastRecord<{ x: number; y: number }>({ x: 0, y: 0 }, 'Point');
    class A extends Point {}
    class B extends Point {}
    for (let i = 0; i < 3; i++) {
      const a = new A({ x: i }).set('y', 1);
      const b = new B({ x: i }).set('y', 2);
      expect([a instanceof A, b instanceof B, a instanceof B]).toEqual([true, true, false]);
      expect([a.x, a.y, b.x, b.y]).toEqual([i, 1, i, 2]);
    }
  });

  it('reads, defaults, unknown keys', () => {
    const r = new Fast({ n: 2 });
    expect([r.n, r.name, r.flag, r.opt]).toEqual([2, '', false, null]);
    expect(r.get('n')).toBe(2);
    expect(r.get('nope' as never, 'default')).toBe('default');
    expect(r.get('toString' as never)).toBeUndefined();
    expect(r.has('n')).toBe(true);
    expect(r.has('toString' as never)).toBe(false);
    expect(r.set('nope' as never, 1 as never)).toBe(r);
    expect(isRecord(r)).toBe(true);
    expect(new Fast(r)).toBe(r);
    expect(new Fast(IMap({ n: 5 }) as never).n).toBe(5);
  });

  it('an update that changes nothing returns the same Record; one that does leaves the old one as it was', () => {
    const r = new Fast({ n: 1 });
    expect(r.set('n', 1)).toBe(r);
    expect(r.merge({ n: 1 })).toBe(r);
    expect(r.withMutations((m) => m.set('n', 1))).toBe(r);
    const s = r.set('n', 2);
    expect([r.n, s.n]).toEqual([1, 2]);
    expect(s).toBeInstanceOf(Fast);
    expect(Object.getPrototypeOf(s)).toBe(Object.getPrototypeOf(r));
  });

  it('setIn and updateIn along a present path (Record, List, Record): Immutable\'s results, and the same Record when nothing changes', () => {
    class Inner extends FastRecord<{ count: number }>({ count: 0 }, 'Inner') {}
    class Outer extends FastRecord<{ inners: List<Inner>; byName: IMap<string, Inner> }>({ inners: List(), byName: IMap() }, 'Outer') {}
    const InnerRef = ImmutableRecord({ count: 0 }, 'InnerRef');
    const OuterRef = ImmutableRecord({ inners: List<ReturnType<typeof InnerRef>>(), byName: IMap<string, ReturnType<typeof InnerRef>>() }, 'OuterRef');
    const fast = new Outer({ inners: List([new Inner({ count: 1 }), new Inner({ count: 2 })]), byName: IMap({ a: new Inner({ count: 3 }) }) });
    const ref = OuterRef({ inners: List([InnerRef({ count: 1 }), InnerRef({ count: 2 })]), byName: IMap({ a: InnerRef({ count: 3 }) }) });
    const plain = (r: { toJS(): unknown }) => r.toJS();
    for (const [path, v] of [
      [['inners', 1, 'count'], 5],
      [['byName', 'a', 'count'], 6],
      [['byName', 'b'], 7],
      [['inners', 3], 8],
    ] as const) {
      expect(plain(fast.setIn(path, v))).toEqual(plain(ref.setIn(path, v as never)));
      const inc = (x: unknown) => (x as number) + 1;
      type WithNotSet = { updateIn(path: readonly unknown[], notSet: unknown, f: (v: unknown) => unknown): { toJS(): unknown } };
      expect(plain((fast as unknown as WithNotSet).updateIn(path, 0, inc))).toEqual(plain((ref as unknown as WithNotSet).updateIn(path, 0, inc)));
    }
    expect(fast.setIn(['inners', 1, 'count'], 5).inners.get(1)).toBeInstanceOf(Inner);
    expect(fast.setIn(['inners', 1, 'count'], 2)).toBe(fast);
    expect(fast.updateIn(['byName', 'a', 'count'], (x) => x)).toBe(fast);
    expect(fast.setIn(['inners', 0, 'nope'], 1)).toBe(fast);
  });

  it('setIn and updateIn through a plain array field: a new array, as Immutable\'s setIn makes, and the same Record when nothing changes', () => {
    class Inner extends FastRecord<{ count: number }>({ count: 0 }, 'Inner') {}
    class Holder extends FastRecord<{ inners: readonly Inner[] }>({ inners: [] }, 'Holder') {}
    const h = new Holder({ inners: [new Inner({ count: 1 }), new Inner({ count: 2 })] });
    const set = h.setIn(['inners', 1, 'count'], 5);
    expect(set.inners.map((i) => i.count)).toEqual([1, 5]);
    expect(h.inners.map((i) => i.count)).toEqual([1, 2]); // not changed in place
    expect(set.inners[0]).toBe(h.inners[0]);
    expect((set.toJS() as object)).toEqual((setIn(h, ['inners', 1, 'count'], 5) as Holder).toJS());
    expect(h.updateIn(['inners', 0, 'count'], (c) => (c as number) + 1).inners[0].count).toBe(2);
    expect(h.setIn(['inners', 1, 'count'], 2)).toBe(h);
    // Past the end: Immutable's own setIn decides (it extends a copy of the array).
    expect((h.setIn(['inners', 2], new Inner({ count: 9 })).inners as readonly Inner[]).length).toBe(3);
  });

  it('fields are assigned only inside withMutations', () => {
    const r = new Fast();
    expect(() => {
      (r as unknown as { n: number }).n = 3;
    }).toThrow('Cannot set on an immutable record.');
    const s = r.withMutations((m) => {
      (m as unknown as { n: number }).n = 3;
    });
    expect([r.n, s.n]).toEqual([0, 3]);
  });

  it("Immutable's functional helpers and collections treat it as a Record", () => {
    const r = new Fast({ table: IMap({ x: 1 }) });
    expect(setIn(r, ['table', 'y'], 2).table.toObject()).toEqual({ x: 1, y: 2 });
    expect(updateIn(r, ['table', 'x'], (v) => (v as number) + 1).table.get('x')).toBe(2);
    expect(r.getIn(['table', 'x'])).toBe(1);
    expect(List([r]).includes(new Fast({ table: IMap({ x: 1 }) }))).toBe(true);
    expect(r.toJS()).toEqual({ n: 0, name: '', flag: false, items: [], table: { x: 1 }, opt: null });
    expect(JSON.stringify(new Fast({ n: 1 }))).toBe(JSON.stringify(Reference({ n: 1 })));
  });

  it('a fingerprint taken before an update does not stick to the updated Record', () => {
    const r = new Fast({ n: 1 });
    const before = fp(r);
    const s = r.set('n', 2);
    expect(fp(s)).not.toBe(before);
    expect(fp(s.set('n', 1))).toBe(before);
    const m = r.asMutable();
    expect(fp(m)).toBe(before);
    m.set('n', 2);
    expect(fp(m.asImmutable())).toBe(fp(s));
  });

  it('crosses threads through immutableCodec', () => {
    const codec = immutableCodec<Fast>([Fast]);
    const r = new Fast({ n: 3, items: List([1, 2]), table: IMap({ y: 2 }), opt: 1 });
    const back = codec.decode(structuredClone(codec.encode(r)));
    expect(back).toBeInstanceOf(Fast);
    expect(is(back, r)).toBe(true);
    expect(fp(back)).toBe(fp(r));
  });
});
