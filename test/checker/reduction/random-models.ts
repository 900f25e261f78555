/**
 * Tiny random concurrent programs with footprints, for the partial-order reduction property
 * test: processes with a program counter and local variables, shared variables, blocking
 * awaits, conditional and unconditional gotos (cycles), invariants over chosen variables.
 */
import fc from 'fast-check';
import type { Model } from '../../../checker/index.ts';

/** A variable: shared (`g`, index) or a local of the running process (`l`, index). */
export interface Var {
  readonly scope: 'g' | 'l';
  readonly index: number;
}

export type Instr =
  | { readonly op: 'assign'; readonly to: Var; readonly from: Var; readonly add: number }
  | { readonly op: 'await'; readonly v: Var; readonly equals: number }
  | { readonly op: 'goto-if'; readonly v: Var; readonly equals: number; readonly target: number }
  | { readonly op: 'goto'; readonly target: number };

export interface Spec {
  readonly shared: number;
  readonly locals: number;
  readonly programs: readonly (readonly Instr[])[];
  /** Each: "not (a == x and b == y)", over variables or program counters. */
  readonly invariants: readonly { readonly a: Atom; readonly b: Atom; readonly undeclaredReads: boolean }[];
}

/** A variable (`g`/`l` of process `proc`) or a program counter, with a value. */
export interface Atom {
  readonly kind: 'g' | 'l' | 'pc';
  readonly proc: number;
  readonly index: number;
  readonly value: number;
}

export interface RState {
  readonly pc: readonly number[];
  readonly g: readonly number[];
  readonly l: readonly (readonly number[])[];
}

const MOD = 3;

/**
 * `procs`: how many processes (default 2 to 3); `awaitWeight`: how often an instruction is an
 * await, against 4 for assignments and 1 for each kind of goto (default 1). Three processes
 * and many awaits make models where one process's write enables another's step while a third
 * keeps the state from having a single actor (the shape that needs summaries handed down with
 * care, ample.ts `expanded`).
 */
export function specArbitrary(o: { procs?: { min: number; max: number }; awaitWeight?: number } = {}): fc.Arbitrary<Spec> {
  return fc
    .record({ shared: fc.integer({ min: 1, max: 2 }), locals: fc.integer({ min: 1, max: 2 }), procs: fc.integer(o.procs ?? { min: 2, max: 3 }), len: fc.integer({ min: 1, max: 4 }) })
    .chain(({ shared, locals, procs, len }) => {
      const v = fc.oneof(
        fc.record({ scope: fc.constant('g' as const), index: fc.integer({ min: 0, max: shared - 1 }) }),
        fc.record({ scope: fc.constant('l' as const), index: fc.integer({ min: 0, max: locals - 1 }) }),
      );
      const val = fc.integer({ min: 0, max: MOD - 1 });
      const target = fc.integer({ min: 0, max: len });
      const instr: fc.Arbitrary<Instr> = fc.oneof(
        { weight: 4, arbitrary: fc.record({ op: fc.constant('assign' as const), to: v, from: v, add: fc.integer({ min: 0, max: 2 }) }) },
        { weight: o.awaitWeight ?? 1, arbitrary: fc.record({ op: fc.constant('await' as const), v, equals: val }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('goto-if' as const), v, equals: val, target }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('goto' as const), target }) },
      );
      const atom: fc.Arbitrary<Atom> = fc.oneof(
        fc.record({ kind: fc.constant('g' as const), proc: fc.constant(0), index: fc.integer({ min: 0, max: shared - 1 }), value: val }),
        fc.record({ kind: fc.constant('l' as const), proc: fc.integer({ min: 0, max: procs - 1 }), index: fc.integer({ min: 0, max: locals - 1 }), value: val }),
        fc.record({ kind: fc.constant('pc' as const), proc: fc.integer({ min: 0, max: procs - 1 }), index: fc.constant(0), value: fc.integer({ min: 0, max: len }) }),
      );
      return fc.record({
        shared: fc.constant(shared),
        locals: fc.constant(locals),
        programs: fc.array(fc.array(instr, { minLength: len, maxLength: len }), { minLength: procs, maxLength: procs }),
        invariants: fc.array(fc.record({ a: atom, b: atom, undeclaredReads: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }), { minLength: 1, maxLength: 2 }),
      });
    });
}

const key = (v: Var, proc: number): string => (v.scope === 'g' ? `g${v.index}` : `p${proc}.l${v.index}`);
const atomKey = (a: Atom): string => (a.kind === 'g' ? `g${a.index}` : a.kind === 'l' ? `p${a.proc}.l${a.index}` : `p${a.proc}.pc`);

function read(s: RState, v: Var, proc: number): number {
  return v.scope === 'g' ? s.g[v.index] : s.l[proc][v.index];
}

function atomValue(s: RState, a: Atom): number {
  return a.kind === 'g' ? s.g[a.index] : a.kind === 'l' ? s.l[a.proc][a.index] : s.pc[a.proc];
}

/**
 * The model of `spec`; `withPor` adds footprints, owners and (`listsActors`) the list of
 * actors. `lie` breaks the contract on
 * purpose (to show the property test catches an unsound reduction): 'owner' claims every
 * shared variable for its first writer, 'reads' declares no invariant reads.
 */
export function randomModel(spec: Spec, withPor: boolean, lie?: 'owner' | 'reads', listsActors = true): Model<RState, number> {
  const procs = spec.programs.length;
  const PROCS = Array.from({ length: procs }, (_, i) => i);
  // Static ownership of shared variables: written by one process only and read by no other.
  const writers = new Map<number, Set<number>>();
  const readers = new Map<number, Set<number>>();
  const note = (m: Map<number, Set<number>>, i: number, p: number) => m.set(i, (m.get(i) ?? new Set()).add(p));
  spec.programs.forEach((prog, p) =>
    prog.forEach((ins) => {
      if (ins.op === 'assign') {
        if (ins.to.scope === 'g') note(writers, ins.to.index, p);
        if (ins.from.scope === 'g') note(readers, ins.from.index, p);
      } else if (ins.op !== 'goto' && ins.v.scope === 'g') note(readers, ins.v.index, p);
    }),
  );
  const sharedOwner = (i: number): number | null | undefined => {
    const w = writers.get(i);
    if (!w) return null;
    const [p] = w;
    if (lie === 'owner') return p;
    if (w.size > 1) return undefined;
    return [...(readers.get(i) ?? [])].every((r) => r === p) ? p : undefined;
  };

  const model: Model<RState, number> = {
    name: 'random',
    initialStates: () => [{ pc: Array(procs).fill(0), g: Array(spec.shared).fill(0), l: Array.from({ length: procs }, () => Array(spec.locals).fill(0)) }],
    actions: () => spec.programs.map((_, p) => p),
    nextState(s, p) {
      const prog = spec.programs[p];
      const pc = s.pc[p];
      if (pc >= prog.length) return undefined;
      const ins = prog[pc];
      const jump = (to: number): RState => ({ ...s, pc: s.pc.map((x, i) => (i === p ? to : x)) });
      switch (ins.op) {
        case 'assign': {
          const value = (read(s, ins.from, p) + ins.add) % MOD;
          const next = jump(pc + 1);
          if (ins.to.scope === 'g') return { ...next, g: next.g.map((x, i) => (i === ins.to.index ? value : x)) };
          return { ...next, l: next.l.map((ls, q) => (q === p ? ls.map((x, i) => (i === ins.to.index ? value : x)) : ls)) };
        }
        case 'await':
          return read(s, ins.v, p) === ins.equals ? jump(pc + 1) : undefined;
        case 'goto-if':
          return jump(read(s, ins.v, p) === ins.equals ? ins.target : pc + 1);
        case 'goto':
          return jump(ins.target);
      }
    },
    invariants: spec.invariants.map((inv, i) => ({
      name: `inv${i}`,
      holds: (s: RState) => !(atomValue(s, inv.a) === inv.a.value && atomValue(s, inv.b) === inv.b.value),
      ...(lie === 'reads' ? { reads: [] } : inv.undeclaredReads ? {} : { reads: [atomKey(inv.a), atomKey(inv.b)] }),
    })),
    actor: (p) => p,
    isFinal: (s) => s.pc.every((pc, p) => pc >= spec.programs[p].length),
    formatAction: (p) => `P${p}`,
  };
  if (!withPor) return model;
  return {
    ...model,
    por: {
      footprint(s, actor) {
        const p = actor as number;
        const reads = [`p${p}.pc`];
        const writes: string[] = [];
        const ins = spec.programs[p][s.pc[p]];
        if (ins) {
          writes.push(`p${p}.pc`);
          if (ins.op === 'assign') {
            reads.push(key(ins.from, p));
            writes.push(key(ins.to, p));
          } else if (ins.op !== 'goto') reads.push(key(ins.v, p));
        }
        return { reads, writes };
      },
      ...(listsActors ? { actors: () => PROCS } : {}),
      owner(_s, k) {
        const m = /^p(\d+)\./.exec(k);
        if (m) return Number(m[1]);
        return sharedOwner(Number(k.slice(1)));
      },
    },
  };
}

/**
 * A symmetric variant of `spec`: every process runs the first program, and the invariants are
 * symmetric ("no shared g == x while some process is at pc c", "no two processes at pcs c and
 * c'"). `canonical` sorts the processes by (pc, locals), as a TLC SYMMETRY set of processes.
 */
export function symmetricModel(spec: Spec, withPor: boolean): Model<RState, number> {
  const programs = spec.programs.map(() => spec.programs[0]);
  const base = randomModel({ ...spec, programs, invariants: [] }, withPor);
  const procs = programs.length;
  const invariants = spec.invariants.map((inv, i) => {
    const c = inv.a.kind === 'pc' ? inv.a.value : 0;
    const c2 = inv.b.kind === 'pc' ? inv.b.value : programs[0].length;
    if (inv.a.kind === 'g')
      return { name: `inv${i}`, reads: [`g${inv.a.index}`, 'p*.pc'], holds: (s: RState) => !(s.g[inv.a.index] === inv.a.value && s.pc.some((pc) => pc === c2)) };
    return {
      name: `inv${i}`,
      reads: ['p*.pc'],
      holds: (s: RState) => !s.pc.some((pc, p) => pc === c && s.pc.some((pc2, q) => q !== p && pc2 === c2)),
    };
  });
  const order = (s: RState) =>
    Array.from({ length: procs }, (_, p) => p).sort((x, y) => s.pc[x] - s.pc[y] || compareLists(s.l[x], s.l[y]));
  return {
    ...base,
    name: 'random-symmetric',
    invariants,
    symmetry: {
      canonical(s) {
        const o = order(s);
        return { pc: o.map((p) => s.pc[p]), g: s.g, l: o.map((p) => s.l[p]) };
      },
    },
  };
}

function compareLists(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
