/**
 * Footprints of kernel steps, recorded while a step runs (for partial-order reduction,
 * checker/reduction). Step code is unchanged: while a Recorder is active, `K.s`, `K.cpu` and
 * `K.task` hand out read-through views of the immutable state that note every field read and
 * every field written, by key:
 *
 * - `cpu<i>.<field>`: a CPU's registers and per-CPU data (`cpu0.por_el1`, `cpu1.tlb`);
 * - `task<j>.<field>`: a task's fields (`task2.stack` holds its frames and locals);
 * - `<field>` for the rest of the machine, coarsely (`memory`, `mms`, `mutexes`, `flags`,
 *   `irqs_left`, `violations`, `oops`, `rcu_callbacks`, ...);
 * - `*`: anything the views do not understand (an unknown method), which no CPU owns.
 *
 * Recording is off unless the checker asks for a footprint, so the normal path only pays for
 * one module-variable test per `K`.
 */
import { List } from 'immutable';
import type { Cpu, KernelState, Task } from './state.ts';

export class Recorder {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  /** Records written through an element view: their writes are already noted, by element key. */
  readonly derived = new WeakMap<object, string>();
  private readonly views = new WeakMap<object, object>();

  read(key: string): void {
    this.reads.add(key);
  }
  write(key: string): void {
    this.writes.add(key);
  }
  /** Anything at all: the conservative footprint of an access the views do not model. */
  anything(): void {
    this.reads.add('*');
    this.writes.add('*');
  }

  stateView(s: KernelState): KernelState {
    return this.cached(s, () => new Proxy(s, stateHandler(this)));
  }
  listView(list: object, prefix: 'cpu' | 'task'): object {
    return this.cached(list, () => new Proxy(list, listHandler(this, prefix)));
  }
  /** A per-CPU list of values (the IRQ budgets): element i is key `cpu<i>.<field>`. */
  perCpuView(list: object, field: string): object {
    return this.cached(list, () => new Proxy(list, perCpuHandler(this, field)));
  }
  elementView<T extends object>(rec: T, name: string): T {
    return this.cached(rec, () => new Proxy(rec, elementHandler(this, name))) as T;
  }

  private cached<T extends object>(raw: T, make: () => object): T {
    let v = this.views.get(raw);
    if (!v) {
      v = make();
      this.views.set(raw, v);
      RAW.set(v, raw);
    }
    return v as T;
  }
}

/** View -> the raw value it shows. */
const RAW = new WeakMap<object, object>();

let active: Recorder | undefined;

/** The recorder of the step running now, if the checker asked for a footprint. */
export function activeRecorder(): Recorder | undefined {
  return active;
}

/** Runs `f` with `r` recording. */
export function recordWhile<T>(r: Recorder, f: () => T): T {
  const outer = active;
  active = r;
  try {
    return f();
  } finally {
    active = outer;
  }
}

/** The raw value behind a view (or the value itself). */
export function rawOf<T>(v: T): T {
  // Views exist only while a recorder is active (they never stay in a state): nothing to unwrap otherwise.
  if (active === undefined) return v;
  return (typeof v === 'object' && v !== null ? (RAW.get(v) as T | undefined) : undefined) ?? v;
}

const LISTS = { cpus: 'cpu', tasks: 'task' } as const;
/** State fields that may hold one value per CPU (a List indexed by CPU). */
const PER_CPU_LISTS = new Set(['irqs_left']);
type ListField = keyof typeof LISTS;
const isListField = (f: unknown): f is ListField => f === 'cpus' || f === 'tasks';

type Fn = (...args: unknown[]) => unknown;

/** An Immutable Record, untyped: the views forward whatever the step asked for. */
interface AnyRecord {
  has(key: string): boolean;
  get(key: string): unknown;
  set(key: string, value: unknown): object;
}
const untyped = (x: object) => x as unknown as AnyRecord;

function stateHandler(r: Recorder): ProxyHandler<KernelState> {
  const field = (target: KernelState, name: string): unknown => {
    if (isListField(name)) return r.listView(target.get(name), LISTS[name]);
    const value = untyped(target).get(name);
    if (PER_CPU_LISTS.has(name) && List.isList(value)) return r.perCpuView(value, name);
    r.read(name);
    return value;
  };
  /** The write of `path` (setIn/updateIn/deleteIn), as keys. */
  const writePath = (target: KernelState, path: readonly unknown[], alsoRead: boolean) => {
    const [head, index, sub] = path;
    const perCpu = PER_CPU_LISTS.has(String(head)) && List.isList(untyped(target).get(String(head)));
    const key = isListField(head)
      ? path.length >= 3
        ? `${LISTS[head]}${String(index)}.${String(sub)}`
        : '*'
      : perCpu
        ? path.length === 2
          ? `cpu${String(index)}.${String(head)}`
          : '*'
        : String(head);
    if (alsoRead) r.read(key);
    if (key === '*') r.anything();
    else r.write(key);
  };
  return {
    get(target, prop) {
      if (typeof prop === 'string' && untyped(target).has(prop)) return field(target, prop);
      switch (prop) {
        case 'get':
          return (name: string) => field(target, name);
        case 'set':
          return (name: string, value: unknown) => {
            if (isListField(name)) writeList(r, target.get(name), rawOf(value), LISTS[name]);
            else if (PER_CPU_LISTS.has(name) && List.isList(untyped(target).get(name))) r.anything();
            else r.write(name);
            return untyped(target).set(name, rawOf(value));
          };
        case 'setIn':
        case 'deleteIn':
        case 'removeIn':
        case 'updateIn':
          return (path: readonly unknown[], ...rest: unknown[]) => {
            writePath(target, path, prop === 'updateIn');
            return (target[prop] as Fn).call(target, path, ...rest.map(rawOf));
          };
        default:
          r.anything();
          return bound(target, prop);
      }
    },
  };
}

/** `s.set('cpus', list)`: elements changed other than through their views are written wholesale. */
function writeList(r: Recorder, old: { size: number; get(i: number): unknown }, next: unknown, prefix: string): void {
  const list = next as { size: number; get(i: number): unknown };
  if (list.size !== old.size) return r.anything();
  for (let i = 0; i < list.size; i++) {
    const e = list.get(i);
    if (e === old.get(i) || r.derived.get(e as object) === `${prefix}${i}`) continue;
    r.anything();
  }
}

/** Iteration methods whose callbacks get element views; `size` is fixed (CPUs and tasks are never added). */
const ITERATORS = new Set(['forEach', 'map', 'some', 'every', 'find', 'findIndex']);

function listHandler(r: Recorder, prefix: 'cpu' | 'task'): ProxyHandler<object> {
  return {
    get(target, prop) {
      const list = target as { size: number; get(i: number): object | undefined };
      const view = (e: object, i: number) => r.elementView(e, `${prefix}${i}`);
      if (prop === 'size') return list.size;
      // The indices alone: CPUs and tasks are never added or removed.
      if (prop === 'keySeq' || prop === 'keys') return bound(target, prop);
      if (prop === 'get')
        return (i: number) => {
          const e = list.get(i);
          return e === undefined ? undefined : view(e, i);
        };
      if (typeof prop === 'string' && ITERATORS.has(prop))
        return (fn: (e: object, i: number) => unknown) => (target as unknown as Record<string, Fn>)[prop].call(target, (e: object, i: number) => fn(view(e, i), i));
      r.anything();
      return bound(target, prop);
    },
  };
}

function perCpuHandler(r: Recorder, field: string): ProxyHandler<object> {
  return {
    get(target, prop) {
      const list = target as { size: number; get(i: number): unknown };
      if (prop === 'size') return list.size;
      if (prop === 'get')
        return (i: number) => {
          r.read(`cpu${i}.${field}`);
          return list.get(i);
        };
      r.anything();
      return bound(target, prop);
    },
  };
}

function elementHandler(r: Recorder, name: string): ProxyHandler<object> {
  const derive = (result: object) => {
    r.derived.set(result, name);
    return result;
  };
  return {
    get(target, prop) {
      const rec = untyped(target as Cpu | Task);
      if (typeof prop === 'string' && rec.has(prop)) {
        r.read(`${name}.${prop}`);
        return rec.get(prop);
      }
      switch (prop) {
        case 'get':
          return (f: string) => {
            r.read(`${name}.${f}`);
            return rec.get(f);
          };
        case 'set':
          return (f: string, v: unknown) => {
            r.write(`${name}.${f}`);
            if (f === 'stack' && stackEmptinessChanges(rec.get(f), rawOf(v))) r.write(`${name}.stack_empty`);
            return derive(rec.set(f, rawOf(v)));
          };
        case 'merge':
          return (obj: Record<string, unknown>) => {
            for (const f of Object.keys(obj)) r.write(`${name}.${f}`);
            return derive((rec as unknown as { merge(o: object): object }).merge(obj));
          };
        case 'setIn':
        case 'updateIn':
          return (path: readonly unknown[], ...rest: unknown[]) => {
            if (prop === 'updateIn') r.read(`${name}.${String(path[0])}`);
            r.write(`${name}.${String(path[0])}`);
            return derive((rec as unknown as Record<string, Fn>)[prop].call(rec, path, ...rest.map(rawOf)) as object);
          };
        default:
          r.anything();
          return bound(target, prop);
      }
    },
  };
}

/**
 * `task<j>.stack_empty` is a key of its own (written only when the task enters or leaves the
 * kernel), so that the rules that only ask whether a task is in the kernel do not make every
 * step of it visible. It belongs to the same CPU as the stack.
 */
function stackEmptinessChanges(old: unknown, next: unknown): boolean {
  return (old as { isEmpty(): boolean }).isEmpty() !== (next as { isEmpty(): boolean }).isEmpty();
}

function bound(target: object, prop: string | symbol): unknown {
  const v = Reflect.get(target, prop, target);
  return typeof v === 'function' ? (v as Fn).bind(target) : v;
}

/** Per-CPU fields only their CPU touches (the TLB is not: other CPUs' TLBI broadcasts reach it). */
const CPU_PRIVATE = new Set(['curr', 'por_el1', 'preempt_count', 'hardirq_count', 'softirq_count', 'irqs_disabled', 'need_resched', 'prev_mm', 'softirq_pending', 'irqs_left']);
/** Task fields no step writes. */
const TASK_CONSTANT = new Set(['comm', 'pid', 'is_idle']);
/** Task fields other CPUs' schedulers read or write when tasks may migrate (pick_next_task, set_task_cpu). */
const TASK_RUNQUEUE = new Set(['__state', 'cpu', 'cpus_allowed']);

/**
 * Who owns a key (checker/reduction/types.ts has the contract): a CPU's private registers
 * belong to it. Without task migration a task's fields belong to the CPU it is pinned to (its
 * `cpu` never changes). With migration (`migrates`), another CPU's scheduler may look at a
 * runnable task and pull it: the runqueue fields are shared, and the other fields belong to
 * the CPU running the task (nobody else touches a running task). A spent IRQ budget is
 * constant; everything else is shared.
 */
export function kernelOwner(migrates: boolean): (s: KernelState, key: string) => string | null | undefined {
  return (s, key) => {
    if (key.includes('*')) return undefined;
    const dot = key.indexOf('.');
    if (dot < 0) return key === 'irqs_left' && (s.irqs_left as unknown) === 0 ? null : undefined;
    const head = key.slice(0, dot);
    const field = key.slice(dot + 1);
    if (head.startsWith('cpu')) return CPU_PRIVATE.has(field) ? head.toUpperCase() : undefined;
    if (!head.startsWith('task')) return undefined;
    if (TASK_CONSTANT.has(field) || (!migrates && field === 'cpu')) return null;
    const index = Number(head.slice(4));
    const task = s.tasks.get(index);
    if (!task) return undefined;
    if (!migrates) return `CPU${task.cpu}`;
    if (TASK_RUNQUEUE.has(field)) return undefined;
    const running = s.cpus.findIndex((c) => c.curr === index);
    return running >= 0 ? `CPU${running}` : undefined;
  };
}

/** The owner function of a model without task migration (today's scenarios). */
export const ownerOf = kernelOwner(false);

/**
 * What each state predicate (`KernelRule.holds`, through KernelFacts) reads, by the facts it
 * uses; every rule also reads `violations`, where the event rules record. A rule with a `holds`
 * missing here reads everything.
 */
const FACT_READS = {
  cpus: ['cpu*.curr', 'cpu*.por_el1', 'cpu*.hardirq_count', 'cpu*.softirq_count', 'task*.comm', 'task*.stack_empty', 'task*.is_idle', 'task*.lazy_mmu_state', 'task*.tif_lazy_mmu'],
  tasks: ['task*.comm', 'task*.is_idle', 'task*.lazy_mmu_state', 'task*.stack_empty', 'task*.__state'],
  pagetablePages: ['pgtable_role', 'memory'],
  textAliases: ['memory'],
  oops: ['oops'],
  warnings: ['warnings'],
  imageLeftOut: ['flags'],
} as const;
const RULE_FACTS: Readonly<Record<string, readonly (keyof typeof FACT_READS)[]>> = {
  'lazy-mmu-active-implies-pgtables-level': ['cpus'],
  'lazy-mmu-calls-balanced': ['tasks'],
  'pgtable-pages-carry-pgtables-pkey': ['pagetablePages'],
  'linear-alias-protected': ['textAliases'],
  'kernel-does-not-oops': ['oops'],
  'kernel-does-not-warn': ['warnings'],
  'hibernation-image-complete': ['imageLeftOut'],
};

/** The keys rule `name` reads, or undefined (everything) for a state predicate not listed. */
export function ruleReads(name: string, hasHolds: boolean): readonly string[] | undefined {
  if (!hasHolds) return ['violations'];
  const facts = RULE_FACTS[name];
  return facts ? ['violations', ...facts.flatMap((f) => FACT_READS[f])] : undefined;
}
