/**
 * trace.itf.json is read by a real consumer: Quint's own ITF loader (`ofItf`, and
 * `ofItfNormalized`, which turns every state into Quint runtime values and back) reads the
 * trace of every violating matrix cell. Nulls are Option variants, a variable keeps one type
 * in every state, the scenario's parameters and the design's knobs are ITF trace parameters,
 * and nothing is `#unserializable`.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { matrixPlan } from '../../api/matrix.ts';
import { itfTraceOf } from '../../cli/outputs.ts';
import { ITF_NONE, shapesOf, toItf } from '../../counterexamples/itf.ts';
import { KernelState } from '../../model/kernel/state.ts';
import { Map as IMap, List } from 'immutable';

// Quint publishes CommonJS; its ITF module is dist/src/itf.js (quint/src/itf.ts in the Quint repository).
const quintItf = createRequire(import.meta.url)('@informalsystems/quint/dist/src/itf.js') as {
  ofItf(itf: unknown): QuintEx[];
  ofItfNormalized(itf: unknown): QuintEx[];
  toItf(vars: string[], states: QuintEx[]): { isLeft(): boolean; value: { states: Record<string, unknown>[] } };
};
interface QuintEx {
  kind: string;
}

type Itf = { '#meta': Record<string, unknown>; params: string[]; vars: string[]; states: Record<string, unknown>[] };

const violating = matrixPlan()
  .filter(({ scenario, design }) => scenario.expectations[design].verdict === 'violation')
  .map(({ scenario, design }) => {
    const { model, result } = runScenario(scenario.name, { design });
    return { name: `${scenario.name} × ${design}`, model, result, itf: JSON.parse(JSON.stringify(itfTraceOf(model, result))) as Itf };
  });

// ---- A type for ITF values, to check that a variable has one type in every state ----
type Shape =
  | { k: 'int' | 'str' | 'bool' }
  | { k: 'list' | 'set'; e: Shape | null }
  | { k: 'map'; key: Shape | null; val: Shape | null }
  | { k: 'tup'; es: Shape[] }
  | { k: 'rec'; f: Record<string, Shape> }
  | { k: 'variant'; cases: Record<string, Shape> };

function unify(a: Shape | null, b: Shape | null, where: string): Shape | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.k !== b.k) throw new Error(`${where}: ${a.k} vs ${b.k}`);
  switch (a.k) {
    case 'list':
    case 'set':
      return { k: a.k, e: unify(a.e, (b as typeof a).e, `${where}[]`) };
    case 'map':
      return { k: 'map', key: unify(a.key, (b as typeof a).key, `${where}{k}`), val: unify(a.val, (b as typeof a).val, `${where}{v}`) };
    case 'tup': {
      const bs = (b as typeof a).es;
      if (a.es.length !== bs.length) throw new Error(`${where}: tuples of ${a.es.length} and ${bs.length}`);
      return { k: 'tup', es: a.es.map((x, i) => unify(x, bs[i], `${where}.${i}`)!) };
    }
    case 'rec': {
      const bf = (b as typeof a).f;
      const keys = Object.keys(a.f);
      if (keys.join() !== Object.keys(bf).join()) throw new Error(`${where}: fields ${keys} vs ${Object.keys(bf)}`);
      return { k: 'rec', f: Object.fromEntries(keys.map((x) => [x, unify(a.f[x], bf[x], `${where}.${x}`)!])) };
    }
    case 'variant': {
      const cases = { ...a.cases };
      for (const [tag, s] of Object.entries((b as typeof a).cases)) cases[tag] = cases[tag] ? unify(cases[tag], s, `${where}#${tag}`)! : s;
      return { k: 'variant', cases };
    }
    default:
      return a;
  }
}

const unifyAll = (xs: unknown[], where: string) => xs.reduce<Shape | null>((s, x) => unify(s, shapeOf(x, where), where), null);

function shapeOf(v: unknown, where: string): Shape {
  if (typeof v === 'boolean') return { k: 'bool' };
  if (typeof v === 'string') return { k: 'str' };
  if (Array.isArray(v)) return { k: 'list', e: unifyAll(v, `${where}[]`) };
  if (typeof v !== 'object' || v === null) throw new Error(`${where}: not an ITF value: ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  if ('#unserializable' in o) throw new Error(`${where}: #unserializable`);
  if ('#bigint' in o) return { k: 'int' };
  if ('#set' in o) return { k: 'set', e: unifyAll(o['#set'] as unknown[], `${where}[]`) };
  if ('#tup' in o) return { k: 'tup', es: (o['#tup'] as unknown[]).map((x, i) => shapeOf(x, `${where}.${i}`)) };
  if ('#map' in o) {
    const entries = o['#map'] as [unknown, unknown][];
    return { k: 'map', key: unifyAll(entries.map((e) => e[0]), `${where}{k}`), val: unifyAll(entries.map((e) => e[1]), `${where}{v}`) };
  }
  const keys = Object.keys(o);
  if (keys.length === 2 && keys.includes('tag') && keys.includes('value')) return { k: 'variant', cases: { [o.tag as string]: shapeOf(o.value, `${where}#${o.tag}`) } };
  return { k: 'rec', f: Object.fromEntries(keys.map((x) => [x, shapeOf(o[x], `${where}.${x}`)])) };
}

// ---- Canonical form for comparing our ITF with Quint's normalised re-encoding ----
/** Sets and maps sorted (Quint's normalisation sorts them), `#meta` and `__` fields dropped (Quint's ofItf drops them). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const sorted = (xs: unknown[]) => xs.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if ('#set' in o) return { '#set': sorted(o['#set'] as unknown[]) };
  if ('#map' in o) return { '#map': sorted(o['#map'] as unknown[]) };
  return Object.fromEntries(
    Object.keys(o)
      .filter((k) => k !== '#meta' && !k.startsWith('__'))
      .sort()
      .map((k) => [k, canonical(o[k])]),
  );
}

describe('toItf: nulls and mixed positions', () => {
  it('writes null as Quint\'s None and a value at a nullable position as Some', () => {
    const values = [{ mm: null, n: 1 }, { mm: 2, n: 1 }];
    const shapes = shapesOf(values);
    expect([...shapes.nullable]).toEqual(['.mm']);
    expect(values.map((v) => toItf(v, shapes))).toEqual([
      { mm: { tag: 'None', value: { '#tup': [] } }, n: { '#bigint': '1' } },
      { mm: { tag: 'Some', value: { '#bigint': '2' } }, n: { '#bigint': '1' } },
    ]);
    expect(toItf(null)).toEqual(ITF_NONE);
  });

  it('tags values of several kinds at one position with their kind', () => {
    const locals = IMap<string, unknown>([['addr', 4096], ['name', 'vfree'], ['ok', true], ['old', null]]);
    const shapes = shapesOf([locals]);
    expect([...shapes.mixed]).toEqual(['{v}']);
    expect(toItf(locals, shapes)).toEqual({
      '#map': [
        ['addr', { tag: 'Some', value: { tag: 'Int', value: { '#bigint': '4096' } } }],
        ['name', { tag: 'Some', value: { tag: 'Str', value: 'vfree' } }],
        ['ok', { tag: 'Some', value: { tag: 'Bool', value: true } }],
        ['old', { tag: 'None', value: { '#tup': [] } }],
      ],
    });
    expect(toItf(List([1, 2]))).toEqual([{ '#bigint': '1' }, { '#bigint': '2' }]);
  });

  it('writes a plain object as a record, or as a map at a position the caller names (a frame\'s locals)', () => {
    const frames = [{ locals: { addr: 4096, name: 'vfree' } }, { locals: { page: 7 } }];
    const asRecords = shapesOf(frames);
    expect(toItf(frames[1], asRecords)).toEqual({ locals: { page: { '#bigint': '7' } } });
    const asMaps = shapesOf(frames, '', new Set(['.locals']));
    expect([...asMaps.mixed]).toEqual(['.locals{v}']);
    expect(frames.map((f) => toItf(f, asMaps))).toEqual([
      { locals: { '#map': [['addr', { tag: 'Int', value: { '#bigint': '4096' } }], ['name', { tag: 'Str', value: 'vfree' }]] } },
      { locals: { '#map': [['page', { tag: 'Int', value: { '#bigint': '7' } }]] } },
    ]);
  });
});

describe('the ITF trace of every violating matrix cell', () => {
  it('covers the 44 violating cells', () => {
    expect(violating).toHaveLength(44);
    for (const c of violating) expect(c.result.verdict, c.name).toBe('violation');
  });

  it.each(violating.map((c) => [c.name, c] as const))('%s: no #unserializable, one type per variable, parameters and knobs as params', (_, c) => {
    const text = JSON.stringify(c.itf);
    expect(text).not.toContain('#unserializable');
    const vars = Object.keys(new KernelState().toObject());
    expect(Object.keys(c.itf)).toEqual(['#meta', 'params', 'vars', 'states']);
    expect(c.itf.params).toEqual(['scenario_params', 'design_knobs']);
    expect(c.itf.vars).toEqual(vars);
    expect(c.itf.states).toHaveLength(c.result.path!.steps.length + 1);
    for (const s of c.itf.states) {
      expect(Object.keys(s)).toEqual(['#meta', 'scenario_params', 'design_knobs', ...vars]);
      expect(s.scenario_params).toEqual(c.itf.states[0].scenario_params);
      expect(s.design_knobs).toEqual(c.itf.states[0].design_knobs);
    }
    expect(c.itf.states[0].scenario_params).toEqual(toItf(c.model.params));
    expect(Object.keys(c.itf.states[0].design_knobs as object)).toEqual(Object.keys(c.model.design.knobs));
    // One type per variable across all states (and per list, set and map across its elements).
    for (const v of ['scenario_params', 'design_knobs', ...vars])
      expect(() => unifyAll(c.itf.states.map((s) => s[v]), v), v).not.toThrow();
    // oops is null until the kernel dies: an Option.
    const last = c.itf.states.at(-1)!;
    expect((c.itf.states[0].oops as { tag: string }).tag).toBe('None');
    expect((last.oops as { tag: string }).tag).toBe(c.result.path!.steps.at(-1)?.state.oops ? 'Some' : 'None');
  });

  it.each(violating.map((c) => [c.name, c] as const))("%s: Quint's ofItfNormalized reads it, and re-encodes the same values", (_, c) => {
    const raw = quintItf.ofItf(c.itf);
    expect(raw).toHaveLength(c.itf.states.length);
    const normalized = quintItf.ofItfNormalized(c.itf);
    expect(normalized).toHaveLength(c.itf.states.length);
    for (const ex of normalized) expect(ex.kind).toBe('app');
    const back = quintItf.toItf([...c.itf.params, ...c.itf.vars], normalized);
    expect(back.isLeft()).toBe(false);
    expect(back.value.states.map(canonical)).toEqual(c.itf.states.map(canonical));
  });
});
