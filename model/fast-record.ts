/**
 * `FastRecord`: the model's Record types, with Immutable.js Record semantics and a lighter
 * representation (a speed measure: what any operation returns does not change).
 *
 * An Immutable 5 Record keeps its values in an Immutable List: five objects per Record (the
 * Record, the List with its out-of-object property store, a trie node and its array), about
 * 300 bytes, and every state the checker keeps holds several new ones. A FastRecord is one
 * object with one property per field (`$0`, `$1`...; the public field names are getters), made
 * by code compiled for its type, and it keeps the checker's fingerprint of itself
 * (FINGERPRINT_MEMO) instead of a WeakMap entry. It is a Record for Immutable.js (`isRecord`,
 * `is`, `setIn`/`updateIn` and the other functional helpers, `toJS`) and for mmcheck's
 * fingerprints and state codec; its methods are the Immutable Record methods of the same names
 * (test/model/fast-record.test.ts checks them against Immutable's Record).
 */
import { getIn, hash, hasIn, is, isImmutable, List, Map as IMap, removeIn, Seq, setIn, updateIn } from 'immutable';
import type { Record as ImmutableRecord } from 'immutable';
import { FINGERPRINT_MEMO, FINGERPRINT_MEMO_LO } from '../checker/fingerprint.ts';

/** Immutable.js tells its Records by this property (immutable/src/predicates/isRecord). */
const IS_RECORD = '@@__IMMUTABLE_RECORD__@@';

interface Internals {
  /** Value of field i (one own property per field: `$0`, `$1`...). */
  _at(i: number): unknown;
  /** Writes field i (only while mutable). */
  _put(i: number, v: unknown): void;
  /** The values, in field order, as a new array. */
  _all(): unknown[];
  /** The values, in field order, written into `out` (how fingerprints read them: no new array). */
  _valuesInto(out: unknown[]): void;
  /** A copy of this Record (a new object of the same type) with field i set to v. */
  _with(i: number, v: unknown): Instance;
  /** Field `k`'s value (`notSetValue` if `k` is not a field: undefined, not Object.prototype's). */
  get(k: string, notSetValue?: unknown): unknown;
  /** This Record with field `k` set to `v`; itself when `v` is already there or `k` is not a field. */
  set(k: string, v: unknown): Instance;
  /** Set while a `withMutations` callback may write the values in place. */
  __ownerID: object | undefined;
  __altered: boolean;
  /** The checker's fingerprint of this Record, once hashed (checker/fingerprint.ts, FINGERPRINT_MEMO). */
  [FINGERPRINT_MEMO]: unknown;
  /** Its low half (FINGERPRINT_MEMO keeps the high half: no array per hashed Record). */
  [FINGERPRINT_MEMO_LO]: number;
}

/** The Record type's shape, on its prototype. */
interface Shape {
  readonly _keys: readonly string[];
  readonly _defaultValues: Record<string, unknown>;
  readonly _indices: Record<string, number>;
  readonly _name: string;
}

type Instance = Internals & Shape & FastRecordBase;

/** Values given to a constructor or to `merge`: a plain object or a keyed Immutable collection. */
type Values = Record<string, unknown> | { forEach(f: (v: unknown, k: string) => unknown): unknown } | undefined | null;

/** A plain object literal (what the model passes to constructors and `merge`): read with for-in, no key array or callback. */
function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function eachEntry(values: Values, f: (k: string, v: unknown) => void): void {
  if (values === undefined || values === null) return;
  if (isImmutable(values)) (values as { forEach(g: (v: unknown, k: string) => unknown): unknown }).forEach((v, k) => void f(k, v));
  else for (const k of Object.keys(values)) f(k, (values as Record<string, unknown>)[k]);
}

// Every type compiles its own _at, _put, _all, _valuesInto, get, set and _with (FastRecord below).
abstract class FastRecordBase {
  has(this: Instance, k: string): boolean {
    return typeof this._indices[k] === 'number';
  }
  /** Field i set to v (a different value): in place inside withMutations, else a copy. */
  _setAt(this: Instance, i: number, v: unknown): Instance {
    if (this.__ownerID) {
      this._put(i, v);
      this.__altered = true;
      this[FINGERPRINT_MEMO] = null;
      return this;
    }
    return this._with(i, v);
  }
  remove(this: Instance, k: string): Instance {
    return this.set(k, this._defaultValues[k]);
  }
  delete(this: Instance, k: string): Instance {
    return this.remove(k);
  }
  clear(this: Instance): Instance {
    return this.withMutations((r) => {
      for (const k of this._keys) (r as Instance).set(k, this._defaultValues[k]);
    });
  }
  merge(this: Instance, ...iters: Values[]): Instance {
    if (this.__ownerID) {
      for (const it of iters) eachEntry(it, (k, v) => void this.set(k, v));
      return this;
    }
    if (iters.length === 1 && isPlainObject(iters[0])) {
      // The common case, without a callback per entry (same result as below).
      const obj = iters[0] as Record<string, unknown>;
      let values: unknown[] | undefined;
      for (const k in obj) {
        const i = this._indices[k];
        const v = obj[k];
        if (typeof i !== 'number' || (values ? values[i] : this._at(i)) === v) continue;
        values ??= this._all();
        values[i] = v;
      }
      return values === undefined ? this : make(this, values);
    }
    let values: unknown[] | undefined;
    for (const it of iters)
      eachEntry(it, (k, v) => {
        const i = this._indices[k];
        if (typeof i !== 'number' || (values ? values[i] : this._at(i)) === v) return;
        values ??= this._all();
        values[i] = v;
      });
    return values === undefined ? this : make(this, values);
  }
  update(this: Instance, key: string | ((r: Instance) => unknown), notSetValue?: unknown, updater?: (v: unknown) => unknown): unknown {
    if (typeof key === 'function') return key(this);
    return updateIn(this as never, [key], notSetValue as never, updater as never);
  }
  getIn(this: Instance, path: readonly unknown[], notSetValue?: unknown): unknown {
    return getIn(this as never, path as never, notSetValue);
  }
  hasIn(this: Instance, path: readonly unknown[]): boolean {
    return hasIn(this as never, path as never);
  }
  setIn(this: Instance, path: readonly unknown[], v: unknown): Instance {
    const r = setPresent(this, path, 0, () => v);
    return r !== ABSENT ? (r as Instance) : (setIn(this as never, path as never, v) as unknown as Instance);
  }
  updateIn(this: Instance, path: readonly unknown[], notSetValue: unknown, updater?: (v: unknown) => unknown): Instance {
    const f = updater ?? notSetValue; // updateIn(path, updater) or updateIn(path, notSetValue, updater)
    if (typeof f === 'function') {
      const r = setPresent(this, path, 0, f as (v: unknown) => unknown);
      if (r !== ABSENT) return r as Instance;
    }
    return updateIn(this as never, path as never, notSetValue as never, updater as never) as unknown as Instance;
  }
  removeIn(this: Instance, path: readonly unknown[]): Instance {
    return removeIn(this as never, path as never) as unknown as Instance;
  }
  deleteIn(this: Instance, path: readonly unknown[]): Instance {
    return this.removeIn(path);
  }
  withMutations(this: Instance, f: (r: Instance) => unknown): Instance {
    const mutable = this.asMutable();
    f(mutable);
    return mutable.__altered ? mutable.asImmutable() : this;
  }
  asMutable(this: Instance): Instance {
    if (this.__ownerID) return this;
    const r = make(this, this._all());
    r.__ownerID = {};
    return r;
  }
  asImmutable(this: Instance): Instance {
    this.__ownerID = undefined;
    this.__altered = false;
    return this;
  }
  wasAltered(this: Instance): boolean {
    return this.__altered;
  }
  equals(this: Instance, other: unknown): boolean {
    if (this === other) return true;
    if (!other || !(other as Instance)[IS_RECORD as keyof Instance]) return false;
    const o = other as Instance;
    const keys = this._keys;
    if (typeof o.has !== 'function' || (o._keys && o._keys.length !== keys.length)) return false;
    for (let i = 0; i < keys.length; i++) if (!o.has(keys[i]) || !valueEquals(this._at(i), o.get(keys[i]))) return false;
    return true;
  }
  hashCode(this: Instance): number {
    // As Immutable's keyed collections: unordered, so it agrees with `equals`.
    let h = 0;
    for (let i = 0; i < this._keys.length; i++) h = (h + (hash(this._keys[i]) ^ valueHash(this._at(i)))) | 0;
    return h;
  }
  toObject(this: Instance): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this._keys.length; i++) o[this._keys[i]] = this._at(i);
    return o;
  }
  toJSON(this: Instance): Record<string, unknown> {
    return this.toObject();
  }
  toJS(this: Instance): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this._keys.length; i++) o[this._keys[i]] = toJS(this._at(i));
    return o;
  }
  toSeq(this: Instance) {
    return Seq.Keyed(this.toObject());
  }
  entries(this: Instance) {
    return this.toSeq().entries();
  }
  [Symbol.iterator](this: Instance) {
    return this.toSeq().entries();
  }
  __iterate(this: Instance, fn: (v: unknown, k: string, r: unknown) => unknown, reverse?: boolean): number {
    return (this.toSeq() as unknown as { __iterate(f: typeof fn, r?: boolean): number }).__iterate(fn, reverse);
  }
  toString(this: Instance): string {
    const values = this._all();
    return `${this._name} { ${this._keys.map((k, i) => `${k}: ${typeof values[i] === 'string' ? JSON.stringify(values[i]) : String(values[i])}`).join(', ')} }`;
  }
  inspect(this: Instance): string {
    return this.toString();
  }
}

/** What `setPresent` returns when the path leaves what it handles (Immutable's own setIn then does it). */
const ABSENT: unknown = Symbol('absent');

/**
 * `setIn`/`updateIn` along a path whose every key is present, through Records, Lists, Maps and
 * arrays (never changed in place: a new one): the same result as Immutable's (each level's
 * `set`, the unchanged collection when nothing changed), without its generic walk, the
 * state's hottest nested update (a CPU's counter, an mm's refcount). A missing key or another
 * kind of collection gives ABSENT.
 */
function setPresent(c: Settable, path: readonly unknown[], i: number, update: (v: unknown) => unknown): unknown {
  const key = path[i];
  const array = Array.isArray(c) ? (c as readonly unknown[]) : undefined;
  const keyed = c as Exclude<Settable, readonly unknown[]>;
  const old = array ? (Number.isInteger(key) && (key as number) >= 0 && (key as number) < array.length ? array[key as number] : ABSENT) : keyed.get(key, ABSENT);
  if (old === ABSENT) return ABSENT;
  let v: unknown;
  if (i === path.length - 1) v = update(old);
  else {
    if (!isSettable(old)) return ABSENT;
    v = setPresent(old, path, i + 1, update);
    if (v === ABSENT) return ABSENT;
  }
  if (v === old) return c;
  return array ? array.with(key as number, v) : keyed.set(key, v);
}
type Settable = { get(k: unknown, notSet: unknown): unknown; set(k: unknown, v: unknown): unknown } | readonly unknown[];
function isSettable(v: unknown): v is Settable {
  return v instanceof FastRecordBase || Array.isArray(v) || List.isList(v) || IMap.isMap(v);
}

/**
 * Field values compare as Immutable.is compares them, except plain arrays and objects: a field
 * may hold one that is never changed in place (a task's stack, a frame's locals:
 * model/kernel/state.ts), which compares and hashes by its contents, as a List or Map would.
 */
function valueEquals(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const k of keys) if (!Object.hasOwn(y, k) || !valueEquals(x[k], y[k])) return false;
    return true;
  }
  return is(a, b);
}
function valueHash(v: unknown): number {
  if (Array.isArray(v)) {
    let h = 1;
    for (const x of v) h = (Math.imul(31, h) + valueHash(x)) | 0;
    return h;
  }
  if (isPlainObject(v)) {
    // Unordered, as for a Map: equal objects may hold their keys in another order.
    let h = 0;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) h = (h + (hash(k) ^ valueHash(x))) | 0;
    return h;
  }
  return hash(v);
}

/** Immutable's deep conversion: collections and Records by their own `toJS`. */
function toJS(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toJS);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toJS(x)]));
  return v !== null && typeof v === 'object' && typeof (v as { toJS?: unknown }).toJS === 'function' ? (v as { toJS(): unknown }).toJS() : v;
}

/**
 * Every Record of a type is made by one plain constructor function of its own ("maker"),
 * compiled for the type's fields and given the type's prototype: one object shape per type,
 * with the fields inside the object. (Not by the class itself: a class whose `name` has been
 * redefined, as tsx does to keep names, is much slower to construct with `new`.)
 */
type Maker = new (values: unknown[] | undefined, src?: Instance, i?: number, v?: unknown) => Instance;
const MAKER = Symbol('FastRecord maker');

function makerFor(proto: object): Maker {
  const known = (proto as { [MAKER]?: Maker })[MAKER];
  if (known !== undefined && known.prototype === proto) return known;
  const n = (proto as Shape)._keys.length;
  const maker = new Function(
    'memo',
    'memoLo',
    // From the values (a), or as a copy of src with field i set to v (what `set` makes, without
    // an array of the values in between). One constructor, so both kinds share one object shape.
    `return function FastRecordMaker(a, src, i, v) { if (a !== undefined) { ${Array.from({ length: n }, (_, j) => `this.$${j} = a[${j}];`).join(' ')} } else { ${Array.from({ length: n }, (_, j) => `this.$${j} = i === ${j} ? v : src.$${j};`).join(' ')} } this.__ownerID = undefined; this.__altered = false; this[memo] = null; this[memoLo] = 0; };`,
  )(FINGERPRINT_MEMO, FINGERPRINT_MEMO_LO) as Maker;
  maker.prototype = proto as Instance;
  Object.defineProperty(proto, MAKER, { value: maker });
  return maker;
}

/** A Record of the same type as `like`, with `values` (taken, not copied). */
function make(like: Instance, values: unknown[]): Instance {
  return new (makerFor(Object.getPrototypeOf(like) as object))(values);
}

/** A Record of type `type` from constructor arguments (`values` itself if it is one already). */
function construct(type: new () => object, values: Values, defaults: readonly unknown[], indices: Record<string, number>): object {
  if (values instanceof type) return values;
  const out = defaults.slice(); // the defaults in field order

  if (isPlainObject(values)) {
    const obj = values as Record<string, unknown>;
    for (const k in obj) {
      const i = indices[k];
      if (typeof i === 'number') out[i] = obj[k];
    }
  }
  else
    eachEntry(values, (k, v) => {
      const i = indices[k];
      if (typeof i === 'number') out[i] = v;
    });
  return new (makerFor(type.prototype as object))(out);
}

/**
 * A Record type, as Immutable's `Record(defaults, name)`: extend it with a class. Typed as
 * Immutable's factory, whose Record methods it implements.
 *
 * The type's constructor and accessors are compiled for its fields (the field index is in the
 * code): each Record is one object with one property per field, which V8 keeps inside the
 * object only when the constructor's own code assigns them.
 */
export function FastRecord<T extends object>(defaults: T, name: string): ImmutableRecord.Factory<T> {
  const keys = Object.keys(defaults);
  // A plain object (V8 keeps its properties fast, unlike a prototype-less one's): its
  // inherited names (toString...) are told apart from the fields by their type.
  const indices: Record<string, number> = {};
  keys.forEach((k, i) => (indices[k] = i));
  const defaultValues = defaults as Record<string, unknown>;
  const n = keys.length;
  const each = (f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

  // A derived constructor may return an object without calling super(): the Record comes from the type's maker.
  const RecordType = new Function(
    'Base',
    'construct',
    'indices',
    'defaultsInOrder',
    'makerFor',
    `let maker; // the maker of the prototype this type's Records have (the class that extends this one)
    return class extends Base {
      constructor(values) {
        return construct(new.target, values, defaultsInOrder, indices);
      }
      _with(i, v) {
        const proto = Object.getPrototypeOf(this);
        if (maker === undefined || maker.prototype !== proto) maker = makerFor(proto);
        return new maker(undefined, this, i, v);
      }
      _at(i) { switch (i) { ${each((i) => `case ${i}: return this.$${i};`)} } }
      _put(i, v) { switch (i) { ${each((i) => `case ${i}: this.$${i} = v; return;`)} } }
      _all() { return [${Array.from({ length: n }, (_, i) => `this.$${i}`).join(', ')}]; }
      _valuesInto(out) { ${each((i) => `out[${i}] = this.$${i};`)} }
      // get and set by field name, compiled for the type: a switch on the name, not a lookup of its index.
      get(k, notSetValue) { switch (k) { ${each((i) => `case ${JSON.stringify(keys[i])}: return this.$${i};`)} default: return notSetValue; } }
      set(k, v) { switch (k) { ${each((i) => `case ${JSON.stringify(keys[i])}: return this.$${i} === v ? this : this._setAt(${i}, v);`)} default: return this; } }
    };`,
  )(FastRecordBase, construct, indices, keys.map((k) => defaultValues[k]), makerFor) as new (values?: Values) => Instance;

  const proto = RecordType.prototype as unknown as Record<string, unknown>;
  Object.defineProperties(proto, {
    [IS_RECORD]: { value: true },
    _keys: { value: keys },
    _defaultValues: { value: defaultValues },
    _indices: { value: indices },
    _name: { value: name },
  });
  keys.forEach((k, i) => {
    if (k in FastRecordBase.prototype || k in proto || /^\$\d+$/.test(k)) throw new Error(`Record ${name}: field "${k}" has a name the Record uses itself`);
    Object.defineProperty(proto, k, { get: fieldGetter(i), set: fieldSetter(k) });
  });
  Object.defineProperty(RecordType, 'displayName', { value: name });
  Object.defineProperty(RecordType, 'name', { value: name });
  return RecordType as unknown as ImmutableRecord.Factory<T>;
}

/** A getter for one field of one Record type, compiled on its own (V8 sees one shape where it reads). */
function fieldGetter(index: number): () => unknown {
  return new Function(`return function () { return this.$${index | 0}; };`)() as () => unknown;
}

/** As Immutable's: a field is assigned only inside withMutations. */
function fieldSetter(key: string): (v: unknown) => void {
  return function (this: Instance, v: unknown) {
    if (!this.__ownerID) throw new Error('Cannot set on an immutable record.');
    this.set(key, v);
  };
}
