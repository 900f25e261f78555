/**
 * Footprints of kernel steps, recorded while a step runs (for partial-order reduction,
 * checker/reduction). Step code is unchanged: while a Recorder is active, `K.s`, `K.cpu` and
 * `K.task` hand out read-through views of the immutable state that note every field read and
 * every field written, by key:
 *
 * - `cpu<i>.<field>`: a CPU's registers and per-CPU data (`cpu0.por_el1`, `cpu1.tlb`);
 * - `task<j>.<field>`: a task's fields (`task2.stack` holds its frames and locals);
 * - `mem:<table>:<index>` for one page-table entry (hardware/memory.ts), `cpu<i>.unpublished`
 *   and `cpu<i>.lagging` for the sets of entries a barrier or an ISB of CPU i touches;
 * - `<field>` for the rest of the machine, coarsely (`mms`, `mutexes`, `flags`,
 *   `irqs_left`, `violations`, `oops`, `rcu_callbacks`, ...);
 * - `*`: anything the views do not understand (an unknown method), which no CPU owns.
 *
 * Recording is off unless the checker asks for a footprint, so the normal path only pays for
 * one module-variable test per `K`.
 */
import { List } from 'immutable';
import type { Cpu, KernelState, Task } from './state.ts';
import { PER_TASK_RULE, taskBalanced } from './task-facts.ts';

export class Recorder {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  /** Records written through an element view: their writes are already noted, by element key. */
  // Maps, not WeakMaps: a recorder lives for one footprint, and weak entries cost the collector.
  readonly derived = new Map<object, string>();
  private readonly views = new Map<object, object>();

  /** Which footprint is being recorded (a new token at each reset): views kept for another are stale. */
  footprint: object = {};

  /**
   * Forgets what was recorded, to record another footprint: the views' handlers (made once
   * per recorder) are kept. Not while recording.
   */
  reset(): void {
    if (active === this) throw new Error('Recorder.reset() while it records');
    this.footprint = {};
    this.reads.clear();
    this.writes.clear();
    this.derived.clear();
    this.views.clear();
    this.tlbViews.clear();
    for (const f of this.resets) f();
  }
  private readonly resets: (() => void)[] = [];
  /** `f` runs at every reset (a handler's own views of raw objects are forgotten with the rest). */
  onReset(f: () => void): void {
    this.resets.push(f);
  }

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
    let v = this.views.get(s);
    if (v === undefined) this.views.set(s, (v = new Proxy(s, (this.stateHandler ??= stateHandler(this)) as ProxyHandler<object>)));
    return v as KernelState;
  }
  listView(list: object, prefix: 'cpu' | 'task'): object {
    let v = this.views.get(list);
    if (v === undefined) this.views.set(list, (v = new Proxy(list, (this.listHandlers[prefix] ??= listHandler(this, prefix)))));
    return v;
  }
  // Handlers shared by every view of their kind (each step makes new states and lists).
  private stateHandler: ProxyHandler<KernelState> | undefined;
  private readonly listHandlers: { cpu?: ProxyHandler<object>; task?: ProxyHandler<object> } = {};
  /** A per-CPU list of values (the IRQ budgets): element i is key `cpu<i>.<field>`. */
  perCpuView(list: object, field: string): object {
    let handler = this.perCpuHandlers.get(field);
    if (handler === undefined) this.perCpuHandlers.set(field, (handler = perCpuHandler(this, field)));
    return this.views.get(list) ?? this.remember(list, handler);
  }
  private readonly perCpuHandlers = new Map<string, ProxyHandler<object>>();
  /** CPU `cpu`'s TLB (`cpu0`), page by page: `cpu0.tlb@<page>` (hardware/tlb.ts notes its accesses). */
  tlbView(tlb: object, cpu: string): object {
    let views = this.tlbViews.get(cpu);
    if (!views) this.tlbViews.set(cpu, (views = new Map()));
    let v = views.get(tlb);
    if (!v) {
      let handler = this.tlbHandlers.get(cpu);
      if (handler === undefined) this.tlbHandlers.set(cpu, (handler = tlbHandler(this, `${cpu}.tlb`)));
      v = new Proxy(tlb, handler);
      views.set(tlb, v);
      this.derived.set(v, `${cpu}.tlb`);
    }
    return v;
  }
  /** TLB views by CPU: one raw list (the empty List) can be several CPUs' TLB at once. */
  private readonly tlbViews = new Map<string, Map<object, object>>();
  private readonly tlbHandlers = new Map<string, ProxyHandler<object>>();

  /**
   * Page-table memory, entry by entry: `mem:<table>:<index>` (hardware/memory.ts's functions
   * note their own accesses, with the same keys); any other use of the record is everything.
   */
  memoryView(mem: object): object {
    return this.views.get(mem) ?? this.remember(mem, (this.memoryHandler ??= memoryHandler(this)));
  }
  private memoryHandler: ProxyHandler<object> | undefined;
  elementView<T extends object>(rec: T, name: string): T {
    let v = this.views.get(rec);
    if (v === undefined) {
      // One handler per CPU or task, shared by every view of its records (views are made by the thousand).
      let handler = this.elementHandlers.get(name);
      if (handler === undefined) this.elementHandlers.set(name, (handler = elementHandler(this, name)));
      v = new Proxy(rec, handler);
      this.views.set(rec, v);
    }
    return v as T;
  }
  private readonly elementHandlers = new Map<string, ProxyHandler<object>>();

  /** A view of `raw` through `handler`, which answers `RAW` itself. */
  private remember(raw: object, handler: ProxyHandler<object>): object {
    const v = new Proxy(raw, handler);
    this.views.set(raw, v);
    return v;
  }
}

/** `cpu0`, `task3`: made once each (reused strings are hashed once). */
const ELEMENT_NAMES = { cpu: [] as string[], task: [] as string[] };
function elementName(prefix: 'cpu' | 'task', i: number): string {
  return (ELEMENT_NAMES[prefix][i] ??= `${prefix}${i}`);
}
/** `cpu0.por_el1`, `task3.stack`: made once each. */
const FIELD_KEYS = new Map<string, Map<string, string>>();
function fieldKey(name: string, f: string): string {
  let keys = FIELD_KEYS.get(name);
  if (keys === undefined) FIELD_KEYS.set(name, (keys = new Map()));
  let key = keys.get(f);
  if (key === undefined) keys.set(f, (key = `${name}.${f}`));
  return key;
}

/** A view answers this key with the raw value it shows (`rawOf`). */
const RAW = Symbol('raw');


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

/**
 * The raw value behind the view a shared view method was called on. Those methods take their
 * view from `this`: one detached from its view (`const g = view.get; g(0)`) is a model error.
 */
function targetOf<T>(view: object): T {
  const raw = (view as { [RAW]?: T } | undefined)?.[RAW];
  if (raw === undefined) throw new Error('a footprint view method was called without its view (detached from it)');
  return raw;
}

/** The raw value behind a view (or the value itself). */
export function rawOf<T>(v: T): T {
  // Views exist only while a recorder is active (they never stay in a state): nothing to unwrap otherwise.
  if (active === undefined || typeof v !== 'object' || v === null) return v;
  return ((v as { [RAW]?: T })[RAW] as T | undefined) ?? v;
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
    if (name === 'memory') return r.memoryView(value as object);
    r.read(name);
    if (name === 'prot_changes') for (const c of value as Iterable<RangeRecord>) readRange(r, c);
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
        : head === 'memory'
          ? '*'
          : String(head);
    if (head === 'prot_changes') {
      // One change's own fields: its pages (the list's order and size are unchanged).
      const c = path.length >= 3 && typeof index === 'number' ? (untyped(target).get('prot_changes') as List<RangeRecord>).get(index) : undefined;
      if (c === undefined) return r.anything();
      if (alsoRead) readRange(r, c);
      return writeRange(r, c);
    }
    if (alsoRead) r.read(key);
    if (key === '*') r.anything();
    else r.write(key);
  };
  // Shared by every state view (see listHandler's `get`).
  const get = function (this: object, name: string) {
    return field(targetOf<KernelState>(this), name);
  };
  const set = function (this: object, name: string, value: unknown) {
    const target = targetOf<KernelState>(this);
    if (isListField(name)) writeList(r, target.get(name), rawOf(value), LISTS[name]);
    else if (PER_CPU_LISTS.has(name) && List.isList(untyped(target).get(name))) r.anything();
    else if (name === 'prot_changes') writeProtChanges(r, untyped(target).get(name) as List<RangeRecord>, rawOf(value) as List<RangeRecord>);
    else if (name === 'memory') {
      // Written entry by entry by hardware/memory.ts, which marks what it returns.
      const raw = rawOf(value) as object;
      if (raw !== untyped(target).get(name) && r.derived.get(raw) !== 'memory') r.anything();
    } else r.write(name);
    return untyped(target).set(name, rawOf(value));
  };
  return {
    get(target, prop) {
      if (prop === RAW) return target;
      if (typeof prop === 'string' && untyped(target).has(prop)) return field(target, prop);
      switch (prop) {
        case 'get':
          return get;
        case 'set':
          return set;
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

/**
 * The permission changes in progress (`prot_changes`): `prot_changes` is the list itself (its
 * order and size: a change's index is kept in its caller's locals), `prot_changes@<page>` every
 * change covering that page. Reading the list reads all its changes' pages; a reader of the
 * changes covering one page (hw.ts: changesCovering) reads only that page's key.
 */
interface RangeRecord {
  readonly start: number;
  readonly end: number;
}
function readRange(r: Recorder, c: RangeRecord): void {
  for (let p = c.start; p < c.end; p++) r.read(`prot_changes@${p}`);
}
function writeRange(r: Recorder, c: RangeRecord): void {
  for (let p = c.start; p < c.end; p++) r.write(`prot_changes@${p}`);
}
function writeProtChanges(r: Recorder, old: List<RangeRecord>, next: List<RangeRecord>): void {
  if (old.size !== next.size) r.write('prot_changes');
  for (let i = 0; i < Math.max(old.size, next.size); i++) {
    const a = old.get(i);
    const b = next.get(i);
    if (a === b) continue;
    if (a) writeRange(r, a);
    if (b) writeRange(r, b);
    if (a && b) r.write('prot_changes');
  }
}

/** `s.set('cpus', list)`: elements changed other than through their views are written wholesale. */
function writeList(r: Recorder, old: readonly unknown[], next: unknown, prefix: string): void {
  const list = next as readonly unknown[];
  if (list.length !== old.length) return r.anything();
  for (let i = 0; i < list.length; i++) {
    const e = rawOf(list[i]);
    if (e === old[i] || r.derived.get(e as object) === `${prefix}${i}`) continue;
    r.anything();
  }
}

/** Iteration methods whose callbacks get element views; `length` is fixed (CPUs and tasks are never added). */
const ITERATORS = new Set(['forEach', 'map', 'some', 'every', 'find', 'findIndex']);

/** `i` if `prop` is an array index (`"0"`, `"12"`), else -1. */
function arrayIndex(prop: string | symbol): number {
  if (typeof prop !== 'string') return -1;
  const i = Number(prop);
  return Number.isInteger(i) && i >= 0 && String(i) === prop ? i : -1;
}

function listHandler(r: Recorder, prefix: 'cpu' | 'task'): ProxyHandler<object> {
  const view = (e: object, i: number) => r.elementView(e, elementName(prefix, i));
  return {
    get(target, prop) {
      if (prop === RAW) return target;
      const list = target as readonly object[];
      const i = arrayIndex(prop);
      if (i >= 0) {
        const e = list[i];
        return e === undefined ? undefined : view(e, i);
      }
      // The indices alone: CPUs and tasks are never added or removed.
      if (prop === 'length') return list.length;
      if (prop === 'keys') return bound(target, prop);
      if (typeof prop === 'string' && ITERATORS.has(prop))
        // A callback's record (map's) is stored raw: the views stay out of states.
        return (fn: (e: object, i: number) => unknown) => (target as unknown as Record<string, Fn>)[prop].call(target, (e: object, i: number) => rawOf(fn(view(e, i), i)));
      r.anything();
      return bound(target, prop);
    },
  };
}

/** Whose TLB a list is (`cpu0.tlb`), if it is a TLB view or a TLB list a step derived from one. */
export function tlbTag(r: Recorder, tlb: object): string | undefined {
  const tag = r.derived.get(tlb);
  return tag !== undefined && tag.endsWith('.tlb') ? tag : undefined;
}

/** A TLB seen through the recorder: tlb.ts's functions note pages; `equals` compares lists others already read. */
function tlbHandler(r: Recorder, tag: string): ProxyHandler<object> {
  return {
    get(target, prop) {
      if (prop === RAW) return target;
      if (prop === 'size') return bound(target, prop);
      if (prop === 'equals') return (other: object) => (target as { equals(o: object): boolean }).equals(rawOf(other));
      if (prop === 'includes')
        return (e: { va: number; pages: number }) => {
          for (let p = e.va; p < e.va + e.pages; p++) r.read(`${tag}@${p}`);
          return (target as { includes(e: object): boolean }).includes(e);
        };
      r.anything();
      return bound(target, prop);
    },
  };
}

function memoryHandler(r: Recorder): ProxyHandler<object> {
  // The views of the tables and of the pending stores, made once per raw object (a walk asks
  // for the same ones again and again), and methods shared by every view (see listHandler's `get`).
  const tablesViews = new Map<object, object>();
  const tableViews = new Map<number, Map<object, object>>();
  const pendingViews = new Map<object, object>();
  r.onReset(() => {
    tablesViews.clear();
    tableViews.clear();
    pendingViews.clear();
  });
  const getTable = function (this: object, table: number) {
    const t = targetOf<{ get(t: number): object | undefined }>(this).get(table);
    if (t === undefined) return undefined;
    let views = tableViews.get(table);
    if (views === undefined) tableViews.set(table, (views = new Map()));
    let v = views.get(t);
    if (v === undefined) views.set(t, (v = new Proxy(t, handlerOf(table))));
    return v;
  };
  const tablesHandler: ProxyHandler<object> = {
    get(target, prop) {
      if (prop === RAW) return target;
      if (prop === 'get') return getTable;
      r.anything();
      return bound(target, prop);
    },
  };
  // One handler per table, made on first use.
  const tableHandlers = new Map<number, ProxyHandler<object>>();
  const handlerOf = (table: number) => {
    let h = tableHandlers.get(table);
    if (h === undefined) tableHandlers.set(table, (h = tableHandler(table)));
    return h;
  };
  const tableHandler = (table: number): ProxyHandler<object> => {
    const get = function (this: object, index: number) {
      r.read(memKey(table, index));
      return targetOf<{ get(i: number): unknown }>(this).get(index);
    };
    return {
      get(target, prop) {
        if (prop === RAW) return target;
        if (prop === 'get') return get;
        if (prop === 'size') return (target as { size: number }).size;
        r.anything();
        return bound(target, prop);
      },
    };
  };
  const getPending = function (this: object, key: string) {
    r.read(`mem:${key}`);
    return targetOf<{ get(k: string): unknown }>(this).get(key);
  };
  const pendingHandler: ProxyHandler<object> = {
    get(target, prop) {
      if (prop === RAW) return target;
      if (prop === 'get') return getPending;
      r.anything();
      return bound(target, prop);
    },
  };
  const viewIn = (views: Map<object, object>, raw: object, handler: ProxyHandler<object>) => {
    let v = views.get(raw);
    if (v === undefined) views.set(raw, (v = new Proxy(raw, handler)));
    return v;
  };
  return {
    get(target, prop) {
      if (prop === RAW) return target;
      if (prop === 'tables') return viewIn(tablesViews, untyped(target).get('tables') as object, tablesHandler);
      if (prop === 'pending') return viewIn(pendingViews, untyped(target).get('pending') as object, pendingHandler);
      r.anything();
      return bound(target, prop);
    },
  };
}

/** `mem:<table>:<index>`, made once each (a walk reads the same entries again and again). */
const MEM_KEYS = new Map<number, string[]>();
function memKey(table: number, index: number): string {
  let keys = MEM_KEYS.get(table);
  if (keys === undefined) MEM_KEYS.set(table, (keys = []));
  return (keys[index] ??= `mem:${table}:${index}`);
}

function perCpuHandler(r: Recorder, field: string): ProxyHandler<object> {
  return {
    get(target, prop) {
      if (prop === RAW) return target;
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
  const isTask = name.startsWith('task');
  /** The changed record, seen through a view again (a chained `.set()` is recorded too). */
  const derive = (result: object, before: object) => {
    if (isTask) {
      // Whether the task satisfies the per-task rule is a function of these: a step that
      // decides it does not write the derived key must not see them change under it.
      r.read(fieldKey(name, 'lazy_mmu_state'));
      r.read(fieldKey(name, 'stack_empty'));
      r.read(fieldKey(name, '__state'));
      if (taskBalanced(before as Task) !== taskBalanced(result as Task)) r.write(`${name}.lazy_balanced`);
    }
    r.derived.set(result, name);
    return r.elementView(result, name);
  };
  const isCpu = name.startsWith('cpu');
  const field = (rec: AnyRecord, f: string) => {
    if (f === 'tlb' && isCpu) return r.tlbView(rec.get(f) as object, name);
    r.read(fieldKey(name, f));
    return rec.get(f);
  };
  // Shared by every view of this CPU's or task's records (Recorder.elementView): nothing per view
  // here, and the methods find their record through `this` (see listHandler's `get`).
  const get = function (this: object, f: string) {
    return field(untyped(targetOf<object>(this)), f);
  };
  const set = function (this: object, f: string, v: unknown) {
    const target = targetOf<object>(this);
    const rec = untyped(target);
    if (f === 'tlb' && isCpu) {
      // The pages of the entries that come or go (what determined them was read through the TLB's view).
      const raw = rawOf(v) as List<{ va: number; pages: number }>;
      const was = rec.get(f) as List<{ va: number; pages: number }>;
      if (raw !== was) for (const e of [...was.filter((x) => !raw.includes(x)), ...raw.filter((x) => !was.includes(x))]) for (let p = e.va; p < e.va + e.pages; p++) r.write(`${name}.tlb@${p}`);
      return derive(rec.set(f, raw), target);
    }
    r.write(fieldKey(name, f));
    if (f === 'stack' && stackEmptinessChanges(rec.get(f), rawOf(v))) r.write(`${name}.stack_empty`);
    return derive(rec.set(f, rawOf(v)), target);
  };
  return {
    get(target, prop) {
      if (prop === RAW) return target;
      const rec = untyped(target as Cpu | Task);
      if (typeof prop === 'string' && rec.has(prop)) return field(rec, prop);
      switch (prop) {
        case 'get':
          return get;
        case 'set':
          return set;
        case 'merge':
          return (obj: Record<string, unknown>) => {
            for (const f of Object.keys(obj)) r.write(`${name}.${f}`);
            return derive((rec as unknown as { merge(o: object): object }).merge(obj), target);
          };
        case 'setIn':
        case 'updateIn':
          return (path: readonly unknown[], ...rest: unknown[]) => {
            if (prop === 'updateIn') r.read(`${name}.${String(path[0])}`);
            r.write(`${name}.${String(path[0])}`);
            return derive((rec as unknown as Record<string, Fn>)[prop].call(rec, path, ...rest.map(rawOf)) as object, target);
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
  return ((old as readonly unknown[]).length === 0) !== ((next as readonly unknown[]).length === 0);
}

function bound(target: object, prop: string | symbol): unknown {
  const v = Reflect.get(target, prop, target);
  return typeof v === 'function' ? (v as Fn).bind(target) : v;
}

/** Per-CPU fields only their CPU touches (the TLB is not: other CPUs' TLBI broadcasts reach it). */
const CPU_PRIVATE = new Set(['unpublished', 'curr', 'por_el1', 'preempt_count', 'hardirq_count', 'softirq_count', 'irqs_disabled', 'need_resched', 'prev_mm', 'softirq_pending', 'irqs_left']);
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
    const task = s.tasks[index];
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
  // Read task by task (task-facts.ts): whether each satisfies the per-task rule, written only when that changes.
  tasks: ['task*.comm', 'task*.is_idle', 'task*.lazy_balanced'],
  pagetablePages: ['pgtable_role', 'mem:*'],
  textAliases: ['mem:*'],
  oops: ['oops'],
  warnings: ['warnings'],
  imageLeftOut: ['flags'],
} as const;
const RULE_FACTS: Readonly<Record<string, readonly (keyof typeof FACT_READS)[]>> = {
  'lazy-mmu-active-implies-pgtables-level': ['cpus'],
  [PER_TASK_RULE]: ['tasks'],
  'pgtable-pages-carry-pgtables-pkey': ['pagetablePages'],
  'linear-alias-protected': ['textAliases'],
  'kernel-does-not-oops': ['oops'],
  'kernel-does-not-warn': ['warnings'],
  'hibernation-image-complete': ['imageLeftOut'],
};

/**
 * The keys rule `name` reads, or undefined (everything) for a state predicate not listed.
 * `linearMap`: the entries the walks of linear-map aliases can read (`linearMapReads`), for
 * the rules that walk them; without it they read all of memory.
 */
export function ruleReads(name: string, hasHolds: boolean, linearMap?: LinearMapReads): readonly string[] | undefined {
  if (!hasHolds) return ['violations'];
  const facts = RULE_FACTS[name];
  if (!facts) return undefined;
  const reads = facts.flatMap((f) => FACT_READS[f] as readonly string[]);
  return ['violations', ...(linearMap ? reads.flatMap((k) => (k === 'mem:*' ? linearMap.patterns : [k])) : reads)];
}

/**
 * What a walk of a linear-map alias (`__va(page)`, from swapper_pg_dir) can read: the root's
 * linear-map entry, every entry of the tables below it, and every entry of a page that is no
 * page table yet (a split may make it one). The tables of other regions (vmalloc, the kernel
 * image) and user pgds are left out: the rules that walk linear aliases
 * (pgtable-pages-carry-pgtables-pkey, linear-alias-protected) do not see their stores. Checked
 * on every state the rules look at (`covers`, kernel-model.ts): a walk that leaves this set is
 * a model error, not a silent blind spot.
 */
export interface LinearMapReads {
  readonly patterns: readonly string[];
  covers(table: number, index: number): boolean;
}
export function linearMapReads(s: KernelState, root: number, rootIndex: number, pages: number): LinearMapReads {
  const tables = s.memory.tables;
  const subtree = new Set<number>();
  const visit = (table: number) => {
    if (subtree.has(table)) return;
    subtree.add(table);
    for (const e of tables.get(table) ?? []) if (e !== null && e.valid && e.type === 'table' && tables.has(e.out)) visit(e.out);
  };
  const top = tables.get(root)?.get(rootIndex);
  if (top && top.valid && top.type === 'table') visit(top.out);
  const notYetTables: number[] = [];
  for (let p = 0; p < pages; p++) if (!tables.has(p)) notYetTables.push(p);
  const patterns = [`mem:${root}:${rootIndex}`, ...[...subtree, ...notYetTables].sort((a, b) => a - b).map((t) => `mem:${t}:*`)];
  const open = new Set([...subtree, ...notYetTables]);
  return { patterns, covers: (table, index) => (table === root ? index === rootIndex : open.has(table)) };
}
