/**
 * `FastRecord`: the model's Record types, with Immutable.js Record semantics and a lighter
 * representation (a speed measure: what any operation returns does not change).
 *
 * An Immutable 5 Record keeps its values in an Immutable List: five objects per Record (the
 * Record, the List with its out-of-object property store, a trie node and its array), about
 * 300 bytes, and every state the checker keeps holds several new ones. A FastRecord keeps
 * them in one plain array (its own copy, never written once the Record is shared), and reads
 * a field by its index. It is a Record for Immutable.js (`isRecord`, `is`, `setIn`/`updateIn`
 * and the other functional helpers, `toJS`) and for mmcheck's fingerprints and state codec;
 * the methods the model uses are the Immutable Record methods of the same names.
 */
import { getIn, hash, hasIn, is, isImmutable, removeIn, Seq, setIn, updateIn } from 'immutable';
import type { Record as ImmutableRecord } from 'immutable';
import { FINGERPRINT_MEMO } from '../checker/fingerprint.ts';

/** Immutable.js tells its Records by this property (immutable/src/predicates/isRecord). */
const IS_RECORD = '@@__IMMUTABLE_RECORD__@@';

interface Internals {
  _values: unknown[];
  /** Set while a `withMutations` callback may write the values in place. */
  __ownerID: object | undefined;
  __altered: boolean;
  /** The checker's fingerprint of this Record, once hashed (checker/fingerprint.ts, FINGERPRINT_MEMO). */
  [FINGERPRINT_MEMO]: unknown;
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

function eachEntry(values: Values, f: (k: string, v: unknown) => void): void {
  if (values === undefined || values === null) return;
  if (isImmutable(values)) (values as { forEach(g: (v: unknown, k: string) => unknown): unknown }).forEach((v, k) => void f(k, v));
  else for (const k of Object.keys(values)) f(k, (values as Record<string, unknown>)[k]);
}

abstract class FastRecordBase {
  get(this: Instance, k: string, notSetValue?: unknown): unknown {
    const i = this._indices[k]; // a prototype-less object: only the fields are there
    return i === undefined ? notSetValue : this._values[i];
  }
  has(this: Instance, k: string): boolean {
    return this._indices[k] !== undefined;
  }
  set(this: Instance, k: string, v: unknown): Instance {
    if (!this.has(k)) return this;
    const i = this._indices[k];
    if (this._values[i] === v) return this;
    if (this.__ownerID) {
      this._values[i] = v;
      this.__altered = true;
      this[FINGERPRINT_MEMO] = null;
      return this;
    }
    const values = this._values.slice();
    values[i] = v;
    return make(this, values);
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
    let values: unknown[] | undefined;
    for (const it of iters)
      eachEntry(it, (k, v) => {
        if (!this.has(k)) return;
        const i = this._indices[k];
        const current = values ?? this._values;
        if (current[i] === v) return;
        values ??= this.__ownerID ? this._values : this._values.slice();
        values[i] = v;
      });
    if (values === undefined) return this;
    if (this.__ownerID) {
      this.__altered = true;
      this[FINGERPRINT_MEMO] = null;
      return this;
    }
    return make(this, values);
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
    return setIn(this as never, path as never, v) as unknown as Instance;
  }
  updateIn(this: Instance, path: readonly unknown[], notSetValue: unknown, updater?: (v: unknown) => unknown): Instance {
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
    const r = make(this, this._values.slice());
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
    for (let i = 0; i < keys.length; i++) if (!o.has(keys[i]) || !is(this._values[i], o.get(keys[i]))) return false;
    return true;
  }
  hashCode(this: Instance): number {
    // As Immutable's keyed collections: unordered, so it agrees with `equals`.
    let h = 0;
    for (let i = 0; i < this._keys.length; i++) h = (h + (hash(this._keys[i]) ^ hash(this._values[i]))) | 0;
    return h;
  }
  toObject(this: Instance): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this._keys.length; i++) o[this._keys[i]] = this._values[i];
    return o;
  }
  toJSON(this: Instance): Record<string, unknown> {
    return this.toObject();
  }
  toJS(this: Instance): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this._keys.length; i++) o[this._keys[i]] = toJS(this._values[i]);
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
    return `${this._name} { ${this._keys.map((k, i) => `${k}: ${typeof this._values[i] === 'string' ? JSON.stringify(this._values[i]) : String(this._values[i])}`).join(', ')} }`;
  }
  inspect(this: Instance): string {
    return this.toString();
  }
}

/** Immutable's deep conversion: collections and Records by their own `toJS`. */
function toJS(v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { toJS?: unknown }).toJS === 'function' ? (v as { toJS(): unknown }).toJS() : v;
}

/** Values for the next Record constructed, taken as they are (see `make`). */
let adopted: unknown[] | undefined;

/**
 * A Record of the same type with `values` (taken, not copied). Made by the type's own
 * constructor, so that every Record of a type has one object shape.
 */
function make(like: Instance, values: unknown[]): Instance {
  adopted = values;
  return new (like.constructor as new () => Instance)();
}

/**
 * A Record type, as Immutable's `Record(defaults, name)`: extend it with a class. Typed as
 * Immutable's factory, whose Record methods it implements.
 */
export function FastRecord<T extends object>(defaults: T, name: string): ImmutableRecord.Factory<T> {
  const keys = Object.keys(defaults);
  const indices: Record<string, number> = Object.create(null);
  keys.forEach((k, i) => (indices[k] = i));
  const defaultValues = defaults as Record<string, unknown>;

  class RecordType extends FastRecordBase {
    declare _values: unknown[];
    declare __ownerID: object | undefined;
    declare __altered: boolean;
    declare [FINGERPRINT_MEMO]: unknown;
    constructor(values?: Values) {
      super();
      let own = adopted;
      if (own !== undefined) adopted = undefined;
      else {
        if (values instanceof RecordType) return values;
        own = keys.map((k) => defaultValues[k]);
        eachEntry(values, (k, v) => {
          const i = indices[k];
          if (i !== undefined) own![i] = v;
        });
      }
      this._values = own;
      this.__ownerID = undefined;
      this.__altered = false;
      this[FINGERPRINT_MEMO] = null;
    }
  }
  const proto = RecordType.prototype as unknown as Record<string, unknown>;
  Object.defineProperties(proto, {
    [IS_RECORD]: { value: true },
    _keys: { value: keys },
    _defaultValues: { value: defaultValues },
    _indices: { value: indices },
    _name: { value: name },
  });
  keys.forEach((k, i) => {
    if (k in FastRecordBase.prototype) throw new Error(`Record ${name}: field "${k}" is a Record method's name`);
    Object.defineProperty(proto, k, { get: fieldGetter(i), set: fieldSetter(k) });
  });
  Object.defineProperty(RecordType, 'displayName', { value: name });
  return RecordType as unknown as ImmutableRecord.Factory<T>;
}

/**
 * A getter for one field of one Record type, compiled on its own (not one closure shared by
 * every field of every type) so that V8 sees one object shape where it reads.
 */
function fieldGetter(index: number): () => unknown {
  return new Function(`return function () { return this._values[${index | 0}]; };`)() as () => unknown;
}

/** As Immutable's: a field is assigned only inside withMutations. */
function fieldSetter(key: string): (v: unknown) => void {
  return function (this: Instance, v: unknown) {
    if (!this.__ownerID) throw new Error('Cannot set on an immutable record.');
    this.set(key, v);
  };
}
