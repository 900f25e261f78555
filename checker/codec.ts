/**
 * State codecs: how states cross between worker threads (`Model.codec`, parallel BFS).
 *
 * Structured clone keeps plain objects, arrays and primitives, but turns a class instance or
 * an Immutable.js value into a plain object of its internals, which would hash and step as a
 * different state. `immutableCodec` encodes Immutable values as tagged arrays and rebuilds
 * them on the other side; Records are rebuilt through the Record types the model lists.
 */
import { List, Map, OrderedMap, OrderedSet, Set, Stack, isImmutable, isIndexed, isKeyed, isOrdered, isRecord, isStack } from 'immutable';
import type { StateCodec } from './model.ts';

/** A Record type: the factory `Record({...})` returns, or a class that extends one. */
export interface RecordType {
  new (values?: Record<string, unknown>): unknown;
  readonly prototype: object;
}

// Tags of encoded non-primitive values: [tag, ...payload].
const enum T {
  Array,
  Object,
  Record,
  List,
  Map,
  OrderedMap,
  Set,
  OrderedSet,
  Stack,
}

/**
 * A codec for states built from Immutable.js values (and plain objects, arrays, primitives).
 * `recordTypes` lists every Record type that can occur in a state; meeting another one is an
 * error naming it.
 */
export function immutableCodec<S>(recordTypes: readonly RecordType[]): StateCodec<S> {
  const index = new globalThis.Map<object, number>(recordTypes.map((r, i) => [r.prototype, i]));
  // `new` works for both kinds of Record type (a class must be called with it).
  const keysOf = recordTypes.map((R) => [...(new R() as { toSeq(): { keySeq(): Iterable<string> } }).toSeq().keySeq()]);

  function encode(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return [T.Array, ...v.map(encode)];
    if (isRecord(v)) {
      const i = index.get(Object.getPrototypeOf(v) as object);
      if (i === undefined)
        throw new TypeError(
          `immutableCodec: a Record type not in the list (${(v as { _name?: string })._name ?? (v as object).constructor?.name ?? 'unnamed'}): pass it to immutableCodec([...])`,
        );
      const rec = v as unknown as { get(k: string): unknown };
      return [T.Record, i, ...keysOf[i].map((k) => encode(rec.get(k)))];
    }
    if (isImmutable(v)) {
      const c = v as unknown as { forEach(f: (x: unknown, k: unknown) => void): void };
      const out: unknown[] = [];
      if (isKeyed(v)) {
        out.push(isOrdered(v) ? T.OrderedMap : T.Map);
        c.forEach((x, k) => out.push(encode(k), encode(x)));
      } else {
        out.push(isStack(v) ? T.Stack : isIndexed(v) ? T.List : isOrdered(v) ? T.OrderedSet : T.Set);
        c.forEach((x) => out.push(encode(x)));
      }
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(`immutableCodec: cannot encode a ${proto?.constructor?.name ?? 'class instance'}`);
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encode(x);
    return [T.Object, o];
  }

  function decode(x: unknown): unknown {
    if (!Array.isArray(x)) return x;
    const tag = x[0] as T;
    switch (tag) {
      case T.Array:
        return x.slice(1).map(decode);
      case T.Object: {
        const o: Record<string, unknown> = {};
        for (const [k, y] of Object.entries(x[1] as Record<string, unknown>)) o[k] = decode(y);
        return o;
      }
      case T.Record: {
        const i = x[1] as number;
        const values: Record<string, unknown> = {};
        keysOf[i].forEach((k, j) => (values[k] = decode(x[j + 2])));
        return new recordTypes[i](values);
      }
      case T.List:
        return List(x.slice(1).map(decode));
      case T.Stack:
        return Stack(x.slice(1).map(decode));
      case T.Set:
        return Set(x.slice(1).map(decode));
      case T.OrderedSet:
        return OrderedSet(x.slice(1).map(decode));
      case T.Map:
      case T.OrderedMap: {
        const entries: [unknown, unknown][] = [];
        for (let j = 1; j < x.length; j += 2) entries.push([decode(x[j]), decode(x[j + 1])]);
        return tag === T.Map ? Map(entries) : OrderedMap(entries);
      }
      default:
        throw new TypeError(`immutableCodec: unknown tag ${String(tag)}`);
    }
  }

  return { encode: (s) => encode(s), decode: (d) => decode(d) as S };
}

/**
 * Throws unless `v` survives structured clone as an equal state: primitives, plain objects
 * and arrays only (what a model without a codec may send between workers).
 */
export function assertCloneable(v: unknown, modelName: string): void {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function') throw new TypeError(`states of model "${modelName}" cannot cross threads: a function inside a state`);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) assertCloneable(x, modelName);
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    const what = isImmutable(v) ? 'an Immutable.js value' : `a ${proto?.constructor?.name ?? 'class instance'}`;
    throw new TypeError(
      `states of model "${modelName}" cannot cross threads as they are (${what} inside a state): give the model a codec (for example immutableCodec([...Record types]), exported by mmcheck)`,
    );
  }
  for (const k in v) assertCloneable((v as Record<string, unknown>)[k], modelName);
}
