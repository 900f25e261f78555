/**
 * The Informal Trace Format (ITF, Apalache ADR-015) as Quint reads and writes it:
 *   { "#meta": {...}, "params": [...], "vars": [...], "states": [ { "#meta": { "index": i }, name: value, ... } ] }
 * Integers are { "#bigint": "n" }, sets { "#set": [...] }, maps { "#map": [[k, v], ...] },
 * records are JSON objects, lists are arrays.
 *
 * ITF has no null. A position that is null in any state of the trace (a task's `mm`, an
 * empty page-table entry, `oops`) is written, in every state, as the Option variant Quint's
 * own `Option` type uses: `{ "tag": "None", "value": { "#tup": [] } }` or
 * `{ "tag": "Some", "value": v }`. So a variable has the same shape in every state, and
 * Quint's loader (`ofItf`, then `ofItfNormalized` to runtime values) reads every trace.
 * Likewise a position that holds values of several kinds (a stack frame's locals map numbers,
 * strings and page-table entries) is written as a variant tagged with the kind
 * (`{"tag": "Int", "value": {"#bigint": "3"}}`, `Str`, `Bool`, `Rec`, `List`, `Map`, `Set`).
 * A position is a path through records, list elements and map keys/values, so all entries of
 * one list or map share one shape. A plain object is a record, unless its position is one the
 * caller names as a map (`maps`: a frame's locals, whose names differ from frame to frame). A
 * non-integer number (none in the kernel model) is written as its decimal string; nothing is
 * ever `#unserializable`.
 */
import { isImmutable, isIndexed, isKeyed, isRecord } from 'immutable';
import type { Path } from '../checker/index.ts';

export type ItfValue = unknown;

/** `{tag: "None", value: ()}`: Quint's unit is the empty tuple. */
export const ITF_NONE = Object.freeze({ tag: 'None', value: Object.freeze({ '#tup': Object.freeze([]) }) });
const some = (value: ItfValue) => ({ tag: 'Some', value });

/** The children of a value: [path step, child]. Path steps: `.field`, `[]` (list or set element), `{k}`, `{v}`. */
function children(v: unknown, asMap = false): [string, unknown][] {
  if (v === null || v === undefined || typeof v !== 'object') return [];
  if (asMap && isPlainObject(v)) return Object.entries(v).flatMap(([k, x]): [string, unknown][] => [['{k}', k], ['{v}', x]]);
  if (isImmutable(v)) {
    if (isRecord(v)) return [...(v as unknown as { toSeq(): Iterable<[string, unknown]> }).toSeq()].map(([k, x]) => [`.${k}`, x]);
    const c = v as unknown as { entries(): Iterable<[unknown, unknown]>; values(): Iterable<unknown> };
    if (isKeyed(v)) return [...c.entries()].flatMap(([k, x]): [string, unknown][] => [['{k}', k], ['{v}', x]]);
    return [...c.values()].map((x) => ['[]', x]);
  }
  if (Array.isArray(v)) return v.map((x) => ['[]', x]);
  if (v instanceof Map) return [...v.entries()].flatMap(([k, x]): [string, unknown][] => [['{k}', k], ['{v}', x]]);
  if (v instanceof Set) return [...v.values()].map((x) => ['[]', x]);
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => [`.${k}`, x]);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** What a value is, for positions that hold values of several kinds (a frame's locals). */
function kindOf(v: unknown, asMap = false): string {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'Int' : 'Str';
    case 'bigint':
      return 'Int';
    case 'boolean':
      return 'Bool';
    case 'object':
      break;
    default:
      return 'Str';
  }
  if (isImmutable(v)) return isRecord(v) ? 'Rec' : isKeyed(v) ? 'Map' : isIndexed(v) ? 'List' : 'Set';
  return Array.isArray(v) ? 'List' : v instanceof Map || (asMap && isPlainObject(v)) ? 'Map' : v instanceof Set ? 'Set' : 'Rec';
}

/** How each position is written: `nullable` ones as Option, `mixed` ones (several kinds) as a variant tagged by kind. */
export interface ItfShapes {
  readonly nullable: ReadonlySet<string>;
  readonly mixed: ReadonlySet<string>;
  /** Positions whose plain objects are maps from their keys (the caller's `maps`). */
  readonly maps: ReadonlySet<string>;
}

/** The positions of `values` that hold null somewhere, and those that hold values of several kinds. */
export function shapesOf(values: Iterable<unknown>, root = '', maps: ReadonlySet<string> = new Set()): ItfShapes {
  const nullable = new Set<string>();
  const kinds = new Map<string, Set<string>>();
  const visit = (v: unknown, path: string) => {
    if (v === null || v === undefined) {
      nullable.add(path);
      return;
    }
    let k = kinds.get(path);
    if (!k) kinds.set(path, (k = new Set()));
    const asMap = maps.has(path);
    k.add(kindOf(v, asMap));
    for (const [step, x] of children(v, asMap)) visit(x, path + step);
  };
  for (const v of values) visit(v, root);
  return { nullable, mixed: new Set([...kinds].filter(([, k]) => k.size > 1).map(([path]) => path)), maps };
}

const NO_SHAPES: ItfShapes = { nullable: new Set(), mixed: new Set(), maps: new Set() };

/** One value in ITF, written as `shapes` says for its position. */
export function toItf(v: unknown, shapes: ItfShapes = NO_SHAPES, path = ''): ItfValue {
  // A null at a position not known as nullable (a caller converting a lone value) is still an Option.
  if (v === null || v === undefined) return ITF_NONE;
  const value = shapes.mixed.has(path) ? { tag: kindOf(v, shapes.maps.has(path)), value: plain(v, shapes, path) } : plain(v, shapes, path);
  return shapes.nullable.has(path) ? some(value) : value;
}

function plain(v: unknown, shapes: ItfShapes, path: string): ItfValue {
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? { '#bigint': String(v) } : String(v);
    case 'bigint':
      return { '#bigint': v.toString() };
    case 'object':
      break;
    default:
      return String(v);
  }
  const at = (step: string, x: unknown) => toItf(x, shapes, path + step);
  if (isImmutable(v)) {
    if (isRecord(v)) return recordOf(children(v), at);
    const c = v as unknown as { entries(): Iterable<[unknown, unknown]>; values(): Iterable<unknown> };
    if (isKeyed(v)) return { '#map': [...c.entries()].map(([k, x]) => [at('{k}', k), at('{v}', x)]) };
    if (isIndexed(v)) return [...c.values()].map((x) => at('[]', x));
    // Sets, ordered or not, are ITF sets.
    return { '#set': [...c.values()].map((x) => at('[]', x)) };
  }
  if (Array.isArray(v)) return v.map((x) => at('[]', x));
  if (v instanceof Map) return { '#map': [...v.entries()].map(([k, x]) => [at('{k}', k), at('{v}', x)]) };
  if (v instanceof Set) return { '#set': [...v.values()].map((x) => at('[]', x)) };
  if (shapes.maps.has(path) && isPlainObject(v)) return { '#map': Object.entries(v).map(([k, x]) => [at('{k}', k), at('{v}', x)]) };
  return recordOf(children(v), at);
}

function recordOf(fields: [string, unknown][], at: (step: string, x: unknown) => ItfValue): Record<string, ItfValue> {
  const out: Record<string, ItfValue> = {};
  for (const [step, x] of fields) out[step.slice(1)] = at(step, x);
  return out;
}

/** The state's top-level fields become ITF variables; a non-record state is one variable `state`. */
function fieldsOf(state: unknown): [string, unknown][] {
  if (state !== null && typeof state === 'object' && !Array.isArray(state) && !(state instanceof Map) && !(state instanceof Set)) {
    if (!isImmutable(state) || isRecord(state)) return children(state).map(([step, x]) => [step.slice(1), x]);
  }
  return [['state', state]];
}

export interface ItfMeta {
  readonly source: string;
  readonly description: string;
  /** Labels of the actions, one per state after the first. */
  readonly actions: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * A path as an ITF trace. `params` are the trace's parameters (ADR-015: names listed in
 * `params`, and the same value in every state): for a kernel trace, the scenario's parameters
 * and the design's knobs. `maps` are the positions whose plain objects are written as maps
 * (e.g. `.tasks[].stack[].locals`).
 */
export function toItfTrace<S, A>(path: Path<S, A>, meta: ItfMeta, params: Readonly<Record<string, unknown>> = {}, maps: readonly string[] = []): Record<string, unknown> {
  const states = [path.initial, ...path.steps.map((s) => s.state)].map(fieldsOf);
  const vars = states[0].map(([k]) => k);
  const paramNames = Object.keys(params);
  const clash = paramNames.find((p) => vars.includes(p));
  if (clash) throw new Error(`ITF parameter ${clash} has the name of a state variable`);
  const shapes = shapesOf([...states.flatMap((fields) => fields.map(([k, x]) => ({ [k]: x }))), params], '', new Set(maps));
  const paramValues = Object.fromEntries(paramNames.map((p) => [p, toItf(params[p], shapes, `.${p}`)]));
  return {
    '#meta': { format: 'ITF', ...meta },
    ...(paramNames.length ? { params: paramNames } : {}),
    vars,
    states: states.map((fields, index) => {
      const out: Record<string, ItfValue> = { '#meta': { index, ...(index > 0 ? { action: meta.actions[index - 1] } : {}) }, ...paramValues };
      for (const [k, x] of fields) out[k] = toItf(x, shapes, `.${k}`);
      return out;
    }),
  };
}
