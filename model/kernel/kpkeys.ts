/**
 * kpkeys-guarded page-table writers (the kpkeys series: __set_pte, set_pmd, set_pud and
 * __ptep_get_and_clear run inside a `kpkeys_hardened_pgtables` guard).
 *
 * The guard raises POR_EL1 to KPKEYS_LVL_PGTABLES with kpkeys_set_level(), the store happens,
 * and kpkeys_restore_pkey_reg() puts the old value back. While a lazy MMU batch has already
 * raised POR_EL1 the guard is skipped; when exactly is the `batchingGuard` knob.
 */
import { kpkeys_level_por, KPKEYS_PKEY_PGTABLES, por_permits } from '../hardware/pkeys.ts';
import { Desc } from '../hardware/descriptor.ts';
import type { Level } from '../hardware/geometry.ts';
import { event, K, kfunc, local, type KFunction } from './exec.ts';
import { pgtableStore } from './hw.ts';
import { is_lazy_mmu_mode_active, queue_pte_barriers } from './lazy_mmu.ts';

/** Is the per-write guard skipped here? */
export function kpkeysGuardSkipped(k: K): boolean {
  switch (k.knobs.batchingGuard) {
    case 'none':
      return false;
    case 'v4': // skip while TIF_LAZY_MMU, even in an interrupt handler
      return k.task.tif_lazy_mmu;
    case 'v5': // skip while TIF_LAZY_MMU && !in_interrupt()
      return k.task.tif_lazy_mmu && !k.in_interrupt();
    case 'v6': // skip while is_lazy_mmu_mode_active()
      return is_lazy_mmu_mode_active(k);
    case 'live-por': // skip only if POR_EL1 already grants write to page tables
      return por_permits(k.cpu.por_el1, KPKEYS_PKEY_PGTABLES, 'write');
  }
}

/** Why the guard was skipped, in the words of the design's condition (for counterexamples). */
function guardSkipReason(k: K): string {
  switch (k.knobs.batchingGuard) {
    case 'none':
      return 'never skipped';
    case 'v4':
      return 'TIF_LAZY_MMU is set (batching-guard=v4)';
    case 'v5':
      return 'TIF_LAZY_MMU is set and !in_interrupt() (batching-guard=v5)';
    case 'v6':
      return `is_lazy_mmu_mode_active() (batching-guard=v6), with POR_EL1 = 0x${k.cpu.por_el1.toString(16).padStart(2, '0')}`;
    case 'live-por':
      return 'POR_EL1 already grants W to pkey PGTABLES (batching-guard=live-por)';
  }
}

/** Locals a writer takes: the entry (`table`, `index`, `level`) and the new value. */
export interface WriteArgs {
  readonly table: number;
  readonly index: number;
  readonly level: Level;
  readonly value: Desc | null;
  /** For permission changes: the range asked for (invariant 10). */
  readonly req_start?: number;
  readonly req_end?: number;
}

export function writeArgs(a: WriteArgs): Record<string, number | Desc | null> {
  const out: Record<string, number | Desc | null> = { table: a.table, index: a.index, level: a.level, value: a.value };
  if (a.req_start !== undefined) out.req_start = a.req_start;
  if (a.req_end !== undefined) out.req_end = a.req_end;
  return out;
}

function guardedWriter(name: string, source: string, storeLabel: string, queuesBarriers: boolean): KFunction {
  return kfunc(
    name,
    source,
    [
      local('guard(kpkeys_hardened_pgtables): skipped while batching?', (k) =>
        kpkeysGuardSkipped(k) ? k.skipped('kpkeys_set_level(KPKEYS_LVL_PGTABLES) and kpkeys_restore_pkey_reg()', guardSkipReason(k)).goto('store') : k.next(),
      ),
      event('kpkeys_set_level(KPKEYS_LVL_PGTABLES)', (k) => {
        const old = k.cpu.por_el1;
        return k.setCpu((c) => c.set('por_el1', kpkeys_level_por(old, 'KPKEYS_LVL_PGTABLES'))).setLocal('saved_por', old).next();
      }),
      event(
        storeLabel,
        (k) => {
          const reqStart = k.local('req_start');
          const reqEnd = k.local('req_end');
          const outcomes = pgtableStore(
            k,
            k.num('table'),
            k.num('index'),
            k.num('level') as Level,
            (k.local('value') ?? null) as Desc | null,
            typeof reqStart === 'number' && typeof reqEnd === 'number' ? { requestedRange: [reqStart, reqEnd] } : {},
          );
          return outcomes.map((o) => ({ label: o.label, k: o.k.local('saved_por') !== undefined ? o.k.next() : o.k.goto('barriers') }));
        },
        { name: 'store' },
      ),
      event('kpkeys_restore_pkey_reg(saved_por)', (k) => {
        const saved = k.num('saved_por');
        return k.setCpu((c) => c.set('por_el1', saved)).setLocal('saved_por', undefined).next();
      }),
      local(
        queuesBarriers ? 'if (pte_valid_not_user(pte)) queue_pte_barriers()' : 'clearing an entry emits no barrier (the TLBI after it does)',
        (k) => {
          const v = k.local('value');
          return queuesBarriers && v instanceof Desc && v.valid ? k.call(queue_pte_barriers) : k.ret();
        },
        { name: 'barriers' },
      ),
    ],
    { inline: true },
  );
}

export const __set_pte = guardedWriter('__set_pte', 'arch/arm64/include/asm/pgtable.h', 'WRITE_ONCE(*ptep, pte)', true);
export const set_pmd = guardedWriter('set_pmd', 'arch/arm64/include/asm/pgtable.h', 'WRITE_ONCE(*pmdp, pmd)', true);
export const set_pud = guardedWriter('set_pud', 'arch/arm64/include/asm/pgtable.h', 'WRITE_ONCE(*pudp, pud)', true);
export const __ptep_get_and_clear = guardedWriter(
  '__ptep_get_and_clear',
  'arch/arm64/include/asm/pgtable.h',
  'xchg_relaxed(&pte_val(*ptep), 0)',
  false,
);

/** The writer for a level: set_pud at level 1, set_pmd at 2, __set_pte at 3. */
export function writerFor(level: Level): KFunction {
  return level === 1 ? set_pud : level === 2 ? set_pmd : __set_pte;
}
