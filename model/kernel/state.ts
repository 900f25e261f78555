/**
 * The state of the modelled machine, as immutable records named after the kernel's fields.
 * Everything a step can change is here; everything fixed for a run (the design, the page
 * layout) is in the environment (env.ts).
 */
import { List, Map as IMap } from 'immutable';
import { FastRecord } from '../fast-record.ts';
import type { Desc } from '../hardware/descriptor.ts';
import { Memory } from '../hardware/memory.ts';
import { POR_EL1_INIT } from '../hardware/pkeys.ts';
import type { TlbEntry } from '../hardware/tlb.ts';

/** A local variable of a kernel function: what C would keep in registers or on the stack. */
export type Value = number | string | boolean | null | Desc;

export interface FrameFields {
  /** The kernel function (a name in the function table). */
  readonly fn: string;
  /** Index of the next step in that function. */
  readonly pc: number;
  /**
   * By name. A plain object, never changed in place (exec.ts makes a new one per update), like
   * the stack that holds the frame; written as a map in ITF traces (cli/outputs.ts).
   */
  readonly locals: Readonly<Record<string, Value>>;
  /**
   * Steps of this frame and the frames it calls run as one atomic step (see atomic-lazy-mode-switch).
   * Inherited: a frame pushed above an atomic frame is atomic too.
   */
  readonly atomic: boolean;
}
/** `flags` key: the page-table page a split may take (kpkeys_pgtable_alloc(), model/kernel/mm.ts), if any. */
export const FREE_PGTABLE_PAGE = 'free_pgtable_page';

/** A frame without locals (shared: locals are never changed in place). */
export const NO_LOCALS: Readonly<Record<string, Value>> = Object.freeze({});

export class Frame extends FastRecord<FrameFields>({ fn: '', pc: 0, locals: NO_LOCALS, atomic: false }, 'Frame') {}

/** The stack of a task in user space (shared: stacks are never changed in place). */
export const NO_FRAMES: readonly Frame[] = Object.freeze([]);

/** struct lazy_mmu_state (include/linux/sched.h, "mm: enable lazy_mmu sections to nest"). */
export interface LazyMmuStateFields {
  readonly enable_count: number;
  readonly pause_count: number;
}
export class LazyMmuState extends FastRecord<LazyMmuStateFields>({ enable_count: 0, pause_count: 0 }, 'lazy_mmu_state') {}

export type TaskState = 'running' | 'runnable' | 'blocked' | 'dead';

export interface TaskFields {
  readonly comm: string;
  readonly pid: number;
  /**
   * Kernel call stack, outermost first. Empty: the task has returned to user space. A plain
   * array, never changed in place (every push, pop and top update is a new array: exec.ts):
   * the stack changes at nearly every step, and the array builtins cost far less than an
   * Immutable List's update while V8 is still warming up. Records compare and hash it by value.
   */
  readonly stack: readonly Frame[];
  readonly __state: TaskState;
  /** Kernel threads (idle) have no mm. */
  readonly mm: number | null;
  readonly active_mm: number | null;
  readonly lazy_mmu_state: LazyMmuState;
  /** TIF_LAZY_MMU: set by arch_enter_lazy_mmu_mode(), cleared by arch_leave (v4/v5 guards test it). */
  readonly tif_lazy_mmu: boolean;
  /** TIF_LAZY_MMU_PENDING: barriers owed by the batch (travels with the task). */
  readonly tif_lazy_mmu_pending: boolean;
  /** thread.por_el1: POR saved at switch-out, loaded at switch-in. */
  readonly thread_por_el1: number;
  /** thread.por_el1_lazy_mmu: one slot, or one per nesting level (saved-por-storage knob). */
  readonly por_el1_lazy_mmu: List<number>;
  /** Ghost: POR_EL1 when each outermost lazy section began (invariant 4). */
  readonly ghost_section_por: List<number>;
  /** The CPU whose runqueue holds this task (task_cpu(p)); changes when the task migrates. */
  readonly cpu: number;
  /** p->cpus_mask: the CPUs the task may run on; empty means every CPU (the default for tasks; idle tasks are pinned). */
  readonly cpus_allowed: List<number>;
  readonly is_idle: boolean;
}
export class Task extends FastRecord<TaskFields>(
  {
    comm: '',
    pid: 0,
    stack: NO_FRAMES,
    __state: 'runnable',
    mm: null,
    active_mm: null,
    lazy_mmu_state: new LazyMmuState(),
    tif_lazy_mmu: false,
    tif_lazy_mmu_pending: false,
    thread_por_el1: POR_EL1_INIT,
    por_el1_lazy_mmu: List([POR_EL1_INIT]),
    ghost_section_por: List(),
    cpu: 0,
    cpus_allowed: List(),
    is_idle: false,
  },
  'task_struct',
) {}

export interface CpuFields {
  /** rq->curr: index of the running task. */
  readonly curr: number;
  readonly por_el1: number;
  /** preempt_count(), split as the kernel does. */
  readonly preempt_count: number;
  readonly hardirq_count: number;
  readonly softirq_count: number;
  /** PSTATE.I (DAIF): IRQs masked. */
  readonly irqs_disabled: boolean;
  readonly need_resched: boolean;
  /** rq->prev_mm: the mm finish_task_switch() must drop. */
  readonly prev_mm: number | null;
  /** A raised softirq: the kernel function its handler is (null: none pending). */
  readonly softirq_pending: string | null;
  readonly tlb: List<TlbEntry>;
}
export class Cpu extends FastRecord<CpuFields>(
  {
    curr: 0,
    por_el1: POR_EL1_INIT,
    preempt_count: 0,
    hardirq_count: 0,
    softirq_count: 0,
    irqs_disabled: false,
    need_resched: false,
    prev_mm: null,
    softirq_pending: null,
    tlb: List(),
  },
  'cpu',
) {}

/** struct mm_struct: the references that decide when __mmdrop() frees the pgd. */
export interface MmFields {
  readonly name: string;
  readonly mm_users: number;
  readonly mm_count: number;
  /** The pgd's page. */
  readonly pgd: number;
  readonly freed: boolean;
}
export class Mm extends FastRecord<MmFields>({ name: '', mm_users: 1, mm_count: 1, pgd: 0, freed: false }, 'mm_struct') {}

/** A rule broken, as recorded when it happened. */
export interface ViolationFields {
  readonly rule: string;
  readonly message: string;
  readonly cpu: number;
  readonly task: string;
  readonly callTrace: List<string>;
}
export class Violation extends FastRecord<ViolationFields>({ rule: '', message: '', cpu: 0, task: '', callTrace: List() }, 'Violation') {}

/** The kernel died: what it printed. */
export interface OopsFields {
  /** "Unable to handle kernel write to read-only memory at virtual address ..." */
  readonly message: string;
  /** The rest of the splat (Mem abort info, pgd=... line). */
  readonly details: List<string>;
  readonly cpu: number;
  readonly task: string;
  readonly callTrace: List<string>;
}
export class Oops extends FastRecord<OopsFields>({ message: '', details: List(), cpu: 0, task: '', callTrace: List() }, 'Oops') {}

/**
 * Something the kernel printed and survived: a WARN (the spurious-fault WARN_RATELIMIT of
 * __do_kernel_fault()) or a KFENCE report (kfence_report_error()). Not an oops.
 */
export interface WarningFields {
  readonly kind: 'WARN' | 'KFENCE';
  /** The first line the kernel prints. */
  readonly message: string;
  readonly cpu: number;
  readonly task: string;
  readonly callTrace: List<string>;
}
export class Warning extends FastRecord<WarningFields>({ kind: 'WARN', message: '', cpu: 0, task: '', callTrace: List() }, 'Warning') {}

/** A set_memory_*() in progress or returned: ghost state for invariants 8 and 9. */
export interface ProtChangeFields {
  readonly start: number;
  readonly end: number;
  readonly old: Desc | null;
  readonly new: Desc | null;
  readonly returned: boolean;
}
export class ProtChange extends FastRecord<ProtChangeFields>({ start: 0, end: 0, old: null, new: null, returned: false }, 'ProtChange') {}

/** A lockless walk in progress: ghost state for invariant 11. */
export interface WalkFields {
  readonly task: number;
  readonly start: number;
  readonly end: number;
}
export class LocklessWalk extends FastRecord<WalkFields>({ task: 0, start: 0, end: 0 }, 'LocklessWalk') {}

export type PageRole = 'pgtable' | 'freeing' | 'free';

/** A queued call_rcu() callback: the kernel function to run and its argument. */
export interface RcuCallbackFields {
  readonly fn: string;
  readonly arg: number;
}
export class RcuCallback extends FastRecord<RcuCallbackFields>({ fn: '', arg: 0 }, 'rcu_head') {}

export interface KernelStateFields {
  /**
   * The CPUs and the tasks, indexed by CPU and task number: plain arrays, never changed in
   * place (a step makes a new one with the builtins: `with`), like a task's stack.
   */
  readonly cpus: readonly Cpu[];
  readonly tasks: readonly Task[];
  readonly mms: List<Mm>;
  readonly memory: Memory;
  /** Ghost: lifetime of every page that is or was a page table (invariant 13). */
  readonly pgtable_role: IMap<number, PageRole>;
  /** IRQs the environment may still raise, per CPU (the `irqs` bound). */
  readonly irqs_left: List<number>;
  readonly violations: IMap<string, Violation>;
  readonly oops: Oops | null;
  /** WARNs and KFENCE reports printed so far (each distinct one once). */
  readonly warnings: List<Warning>;
  /** TLB evictions the environment may still make (a bound; hardware/tlb.ts). */
  readonly evictions_left: number;
  readonly prot_changes: List<ProtChange>;
  readonly lockless_walks: List<LocklessWalk>;
  /** call_rcu() callbacks waiting for a grace period (run by the RCU softirq). */
  readonly rcu_callbacks: List<RcuCallback>;
  /** Mutexes held: name -> task index. */
  readonly mutexes: IMap<string, number>;
  /** Scenario-specific flags (a handler has run, a page was copied...). */
  readonly flags: IMap<string, Value>;
}
export class KernelState extends FastRecord<KernelStateFields>(
  {
    cpus: [],
    tasks: [],
    mms: List(),
    memory: new Memory(),
    pgtable_role: IMap(),
    irqs_left: List(),
    violations: IMap(),
    oops: null,
    warnings: List(),
    evictions_left: 0,
    prot_changes: List(),
    lockless_walks: List(),
    rcu_callbacks: List(),
    mutexes: IMap(),
    flags: IMap(),
  },
  'KernelState',
) {}
