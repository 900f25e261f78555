/**
 * The Informal Trace Format (ITF) used by Quint and Apalache:
 *   { "#meta": {...}, "vars": [...], "states": [ { "#meta": { "index": i }, var: value, ... } ] }
 * Integers are { "#bigint": "n" }, sets { "#set": [...] }, maps { "#map": [[k, v], ...] },
 * records are JSON objects, lists are arrays. Values ITF cannot express (null, a non-integer
 * number) are { "#unserializable": "..." }.
 */
import { isImmutable, isIndexed, isKeyed, isRecord } from 'immutable';
import type { Path } from '../checker/index.ts';

export type ItfValue = unknown;

export function toItf(v: unknown): ItfValue {
  if (v === null || v === undefined) return { '#unserializable': String(v) };
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? { '#bigint': String(v) } : { '#unserializable': String(v) };
    case 'bigint':
      return { '#bigint': v.toString() };
    case 'object':
      break;
    default:
      return { '#unserializable': String(v) };
  }
  if (isImmutable(v)) {
    if (isRecord(v)) {
      const out: Record<string, ItfValue> = {};
      for (const [k, x] of (v as unknown as { toSeq(): Iterable<[string, unknown]> }).toSeq()) out[k] = toItf(x);
      return out;
    }
    const c = v as unknown as { entries(): Iterable<[unknown, unknown]>; values(): Iterable<unknown> };
    if (isKeyed(v)) return { '#map': [...c.entries()].map(([k, x]) => [toItf(k), toItf(x)]) };
    if (isIndexed(v)) return [...c.values()].map(toItf);
    // Sets, ordered or not, are ITF sets.
    return { '#set': [...c.values()].map(toItf) };
  }
  if (Array.isArray(v)) return v.map(toItf);
  if (v instanceof Map) return { '#map': [...v.entries()].map(([k, x]) => [toItf(k), toItf(x)]) };
  if (v instanceof Set) return { '#set': [...v.values()].map(toItf) };
  const out: Record<string, ItfValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toItf(x);
  return out;
}

/** The state's top-level fields become ITF variables; a non-record state is one variable `state`. */
function varsOf(state: unknown): Record<string, ItfValue> {
  const itf = toItf(state);
  if (typeof itf === 'object' && itf !== null && !Array.isArray(itf) && !Object.keys(itf).some((k) => k.startsWith('#')))
    return itf as Record<string, ItfValue>;
  return { state: itf };
}

export interface ItfMeta {
  readonly source: string;
  readonly description: string;
  /** Labels of the actions, one per state after the first. */
  readonly actions: readonly string[];
  readonly [key: string]: unknown;
}

export function toItfTrace<S, A>(path: Path<S, A>, meta: ItfMeta): Record<string, unknown> {
  const states = [path.initial, ...path.steps.map((s) => s.state)];
  const converted = states.map(varsOf);
  const vars = Object.keys(converted[0] ?? {});
  return {
    '#meta': { format: 'ITF', ...meta },
    vars,
    states: converted.map((s, index) => ({ '#meta': { index, ...(index > 0 ? { action: meta.actions[index - 1] } : {}) }, ...s })),
  };
}
