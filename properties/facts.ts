/**
 * What the rules need to know, in the kernel's words. The model reports these facts: events
 * as they happen (a store to a page table, an access, an exception return...) and a view of
 * a state. `properties/` imports nothing from `model/`; the model depends on this file.
 */

export type Access = 'read' | 'write' | 'exec';

export interface PermFacts {
  readonly rdonly: boolean;
  readonly pxn: boolean;
  readonly poIndex: number;
}

export interface EntryFacts {
  readonly type: 'table' | 'block' | 'page';
  readonly out: number;
  readonly perm: PermFacts;
}

/** Where the event happened, for violation messages. */
export interface Where {
  readonly cpu: number;
  readonly task: string;
  /** Kernel call trace, innermost first. */
  readonly callTrace: readonly string[];
}

/** A store to a page-table entry (WRITE_ONCE in __set_pte, set_pmd, ptep_get_and_clear...). */
export interface PgtableStoreEvent extends Where {
  readonly kind: 'pgtable-store';
  /** pkey of the written page (its linear alias's POIndex). */
  readonly pagePkey: number;
  /** The live POR_EL1 grants W to `pagePkey`. */
  readonly porGrantsWrite: boolean;
  readonly por: number;
  readonly level: number;
  readonly old: EntryFacts | null;
  readonly new: EntryFacts | null;
  /** The CPU has FEAT_BBM level 2 with the kernel's BBML2_NOABORT (valid -> valid block/table changes are allowed). */
  readonly bbml2: boolean;
  /** VAs the entry maps, [start, end). */
  readonly entryRange: readonly [number, number];
  /** When the store is part of a permission change: the range the caller asked for. */
  readonly requestedRange?: readonly [number, number];
}

/** A kernel load, store or fetch through the MMU. */
export interface AccessEvent extends Where {
  readonly kind: 'access';
  readonly va: number;
  readonly access: Access;
  readonly what: string;
  readonly outcome: 'ok' | 'translation-fault' | 'permission-fault' | 'tlb-conflict-abort';
  readonly viaTlb: boolean;
  /** Permission the access decoded (TLB entry or leaf), if any. */
  readonly perm?: PermFacts;
  /** Would a walk of the latest page tables allow this access? */
  readonly latestAllows: boolean;
  /** The leaf mapping `va` was made valid by a store not yet published by dsb. */
  readonly mappingUnpublished: boolean;
  /** A completed set_memory_*() covers `va` (it has returned to its caller). */
  readonly changeReturned: boolean;
  /** A set_memory_*() on `va` is in progress: the permissions before and after it. */
  readonly changeInProgress?: { readonly old: PermFacts; readonly new: PermFacts };
  /** `va` is a linear alias deliberately left unmapped (data/bss, seed 001). */
  readonly unmappedAlias: boolean;
}

/** First instruction of an exception handler entered from EL1. */
export interface HandlerEntryEvent extends Where {
  readonly kind: 'handler-entry';
  readonly por: number;
  readonly porEl1Init: number;
  readonly resetOnEntry: boolean;
}

/** Exception return to EL1 (kernel_exit). */
export interface ExceptionReturnEvent extends Where {
  readonly kind: 'exception-return';
  readonly por: number;
  /** pt_regs->por_el1: the POR the exception interrupted. */
  readonly interruptedPor: number;
}

/** The outermost lazy MMU section of a task ended (lazy_mmu_mode_disable returned). */
export interface LazySectionEndEvent extends Where {
  readonly kind: 'lazy-section-end';
  readonly por: number;
  readonly preSectionPor: number;
}

/** A lazy MMU counter would go below zero. */
export interface LazyCounterEvent extends Where {
  readonly kind: 'lazy-counter-underflow';
  readonly counter: 'enable_count' | 'pause_count';
}

/** A call that may sleep (mutex_lock, a GFP_KERNEL allocation). */
export interface MightSleepEvent extends Where {
  readonly kind: 'might-sleep';
  readonly call: string;
  readonly atomicContext: boolean;
  readonly context: string;
}

/** A task calls mutex_lock() on a mutex it already holds: it waits for itself forever. */
export interface RecursiveLockEvent extends Where {
  readonly kind: 'recursive-lock';
  readonly lock: string;
}

/** walk_kernel_page_table_range_lockless() starts on [start, end). */
export interface WalkStartEvent extends Where {
  readonly kind: 'walk-start';
  readonly range: readonly [number, number];
  /** Other lockless walks in progress, their ranges. */
  readonly concurrent: readonly (readonly [number, number])[];
}

/**
 * A set_memory_*() returned (after its TLBI). `lost`: bits a returned change set, that no
 * other change of an overlapping range touches, and that a leaf of its range no longer has.
 */
export interface ProtChangeReturnEvent extends Where {
  readonly kind: 'prot-change-return';
  readonly range: readonly [number, number];
  readonly lost: readonly { readonly range: readonly [number, number]; readonly bit: string; readonly va: number }[];
}

export type KernelEvent =
  | PgtableStoreEvent
  | AccessEvent
  | HandlerEntryEvent
  | ExceptionReturnEvent
  | LazySectionEndEvent
  | LazyCounterEvent
  | MightSleepEvent
  | RecursiveLockEvent
  | WalkStartEvent
  | ProtChangeReturnEvent
  | SetMemoryReturnEvent;

/**
 * A set_memory_*() returned to its caller. `notApplied`: pages of what it was asked to change
 * (its range, and with rodata_full the linear alias of a vmalloc area's pages) whose leaf, in
 * the latest page tables, does not carry the requested bits.
 */
export interface SetMemoryReturnEvent extends Where {
  readonly kind: 'set-memory-return';
  readonly call: string;
  readonly ret: number;
  readonly range: readonly [number, number];
  readonly notApplied: readonly { readonly va: number; readonly bit: string }[];
}

/** A view of one state, for the rules that are predicates on states. */
export interface KernelFacts {
  /** Pages hibernation had to save (kernel data/bss, pages in use) but left out of the image. */
  readonly imageLeftOut: readonly number[];
  readonly cpus: readonly {
    readonly cpu: number;
    readonly task: string;
    readonly inInterrupt: boolean;
    /** is_lazy_mmu_mode_active() for the running task. */
    readonly lazyMmuActive: boolean;
    /** The running task is in kernel code (not idle, not finished). */
    readonly inKernel: boolean;
    readonly porGrantsPgtablesWrite: boolean;
    readonly por: number;
  }[];
  readonly tasks: readonly {
    readonly name: string;
    readonly enableCount: number;
    readonly pauseCount: number;
    /** The task has returned from all the work the scenario gave it. */
    readonly finished: boolean;
  }[];
  /** Pages that are or were page tables: their lifetime and their linear alias's pkey. */
  readonly pagetablePages: readonly {
    readonly page: number;
    readonly role: 'pgtable' | 'freeing' | 'free';
    readonly pkey: number | null;
  }[];
  /** Linear aliases of text/rodata pages: writable if their leaf lacks RDONLY. */
  readonly textAliases: readonly { readonly page: number; readonly writable: boolean }[];
  /** The first oops, if the kernel died. */
  readonly oops: string | null;
  /** WARNs and KFENCE reports the kernel printed and survived (their first lines). */
  readonly warnings: readonly string[];
}
