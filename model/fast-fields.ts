/**
 * Faster field reads for the model's Immutable Records (a speed measure only: what a read
 * returns does not change).
 *
 * Immutable 5 defines each field of a Record as a getter that calls `get(name)`, which tests
 * the name, looks up its index and walks the value List. A Record's values are a List of at
 * most 32 entries (one per field) whose elements all live in the List's tail node, so a
 * getter with the index built in can read the tail node directly. `fastFields(Cls)` installs
 * such getters on the Record subclass's own prototype, where they shadow Immutable's; a
 * Record with more than 32 fields keeps Immutable's getters.
 */
type RecordClass = { new (): object; prototype: object };

interface RecordInternals {
  readonly _keys: readonly string[];
  readonly _defaultValues: Record<string, unknown>;
}

/** The most elements a List keeps in its tail node (Immutable's node size). */
const TAIL_SIZE = 32;

export function fastFields(...classes: RecordClass[]): void {
  for (const cls of classes) {
    // The first construction sets up the Record type's keys and defaults.
    const probe = new cls() as unknown as RecordInternals;
    const keys = probe._keys;
    const defaults = probe._defaultValues;
    if (!keys || !defaults || keys.length > TAIL_SIZE) continue;
    keys.forEach((key, index) => {
      Object.defineProperty(cls.prototype, key, { configurable: true, get: fieldGetter(index, defaults[key]), set: fieldSetter(key) });
    });
  }
}

/**
 * A getter made for one field of one Record type. It is compiled on its own (not a closure
 * shared by every field of every type) so that V8 sees one object shape at its reads, instead
 * of every Record type at a shared site.
 */
function fieldGetter(index: number, fallback: unknown): () => unknown {
  const make = new Function(
    'fallback',
    `return function () { const tail = this._values._tail; const v = tail ? tail.array[${index | 0}] : undefined; return v === undefined ? fallback : v; };`,
  ) as (fallback: unknown) => () => unknown;
  return make(fallback);
}

/** As Immutable's field setter: assignment only inside withMutations. */
function fieldSetter(key: string): (v: unknown) => void {
  return function (this: { __ownerID: unknown; set(k: string, v: unknown): unknown }, v: unknown) {
    if (!this.__ownerID) throw new Error('Cannot set on an immutable record.');
    this.set(key, v);
  };
}
