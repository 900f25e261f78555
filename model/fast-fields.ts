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

/** Immutable's List tail node: what `List.get` returns from for a List of at most 32 elements. */
interface SmallList {
  readonly _tail: { readonly array: readonly unknown[] } | null | undefined;
}

const TAIL_SIZE = 32;

export function fastFields(...classes: RecordClass[]): void {
  for (const cls of classes) {
    // The first construction sets up the Record type's keys and defaults.
    const probe = new cls() as unknown as RecordInternals;
    const keys = probe._keys;
    const defaults = probe._defaultValues;
    if (!keys || !defaults || keys.length > TAIL_SIZE) continue;
    keys.forEach((key, index) => {
      const fallback = defaults[key];
      Object.defineProperty(cls.prototype, key, {
        configurable: true,
        get(this: { _values: SmallList }) {
          const tail = this._values._tail;
          const v = tail ? tail.array[index] : undefined;
          return v === undefined ? fallback : v;
        },
        // As Immutable's: assignment only inside withMutations.
        set(this: { __ownerID: unknown; set(k: string, v: unknown): unknown }, v: unknown) {
          if (!this.__ownerID) throw new Error('Cannot set on an immutable record.');
          this.set(key, v);
        },
      });
    });
  }
}
