/**
 * Lazy MMU mode: the generic nesting counters (include/linux/pgtable.h, "mm: enable lazy_mmu
 * sections to nest") and the arm64 hooks (arch/arm64/include/asm/pgtable.h), with kpkeys
 * batching (v5 patch 18, v6 patch 28): arch_enter saves POR_EL1 in
 * thread.por_el1_lazy_mmu and raises it to KPKEYS_LVL_PGTABLES for the whole batch.
 *
 * Note the windows the C code has: `if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode();`
 * runs with preemption enabled, so the counter update and the hook are two events here
 * unless the design makes them one (atomicLazyModeSwitch).
 */
import { List } from 'immutable';
import { kpkeys_level_por } from '../hardware/pkeys.ts';
import { event, K, kfunc, local, step } from './exec.ts';
import { dsb } from './hw.ts';

/**
 * The lazy MMU entry points bail out in interrupt context ('immediate', commit b81c688426a9;
 * also 'queue-only', whose queue_pte_barriers() still batches).
 */
function bailsOutHere(k: K, which: 'enable' | 'disable'): boolean {
  if (k.knobs.lazyMmuInInterrupt === 'batch' || !k.in_interrupt()) return false;
  return which === 'enable' || k.knobs.lazyMmuBailout === 'enable-and-disable';
}

/**
 * is_lazy_mmu_mode_active() (v6); with v4/v5 nesting the TIF_LAZY_MMU flag plays that role.
 * Only 'immediate' tests in_interrupt(): under 'batch' and 'queue-only' an interrupt sees the
 * interrupted task's batch as its own.
 */
export function is_lazy_mmu_mode_active(k: K): boolean {
  if (k.knobs.lazyMmuInInterrupt === 'immediate' && k.in_interrupt()) return false;
  const t = k.task;
  if (k.knobs.lazyMmuNesting === 'counters') return t.lazy_mmu_state.enable_count > 0 && t.lazy_mmu_state.pause_count === 0;
  return t.tif_lazy_mmu;
}

const batching = (k: K) => k.knobs.batchingGuard !== 'none';
const atomic = (k: K) => ({ atomic: k.knobs.atomicLazyModeSwitch });

export const emit_pte_barriers = kfunc('emit_pte_barriers', 'arch/arm64/include/asm/pgtable.h', [
  event('dsb(ishst); isb()', (k) => dsb(k).next()),
]);

export const queue_pte_barriers = kfunc(
  'queue_pte_barriers',
  'arch/arm64/include/asm/pgtable.h',
  [
    local('if (is_lazy_mmu_mode_active()) set_thread_flag(TIF_LAZY_MMU_PENDING); else emit_pte_barriers()', (k) =>
      is_lazy_mmu_mode_active(k) ? k.setTask((t) => t.set('tif_lazy_mmu_pending', true)).ret() : k.call(emit_pte_barriers),
    ),
  ],
  { inline: true },
);

export const arch_flush_lazy_mmu_mode = kfunc(
  'arch_flush_lazy_mmu_mode',
  'arch/arm64/include/asm/pgtable.h',
  [
    local('if (test_and_clear_thread_flag(TIF_LAZY_MMU_PENDING)) emit_pte_barriers()', (k) =>
      k.task.tif_lazy_mmu_pending ? k.setTask((t) => t.set('tif_lazy_mmu_pending', false)).call(emit_pte_barriers) : k.ret(),
    ),
  ],
  { inline: true },
);

export const arch_enter_lazy_mmu_mode = kfunc(
  'arch_enter_lazy_mmu_mode',
  'arch/arm64/include/asm/pgtable.h',
  [
    step(
      'set_thread_flag(TIF_LAZY_MMU); por_el1_lazy_mmu = kpkeys_set_level(KPKEYS_LVL_PGTABLES)',
      (knobs) => (knobs.batchingGuard === 'none' ? 'local' : 'event'),
      (k) => {
        k = k.setTask((t) => t.set('tif_lazy_mmu', true));
        if (!batching(k)) return k.next();
        const old = k.cpu.por_el1;
        const perLevel = k.knobs.savedPorStorage === 'per-level';
        return k
          .setCpu((c) => c.set('por_el1', kpkeys_level_por(old, 'KPKEYS_LVL_PGTABLES')))
          .setTask((t) => t.set('por_el1_lazy_mmu', perLevel ? t.por_el1_lazy_mmu.push(old) : List([old])))
          .next();
      },
    ),
  ],
  { inline: true },
);

/**
 * kpkeys_lazy_mmu_exit(): POR_EL1 = thread.por_el1_lazy_mmu (one slot, or the innermost of the
 * per-level slots). Without kpkeys batching there is nothing to restore (a local step).
 */
const restoreSavedPor = step(
  'kpkeys_restore_pkey_reg(por_el1_lazy_mmu) (kpkeys_lazy_mmu_exit())',
  (knobs) => (knobs.batchingGuard === 'none' ? 'local' : 'event'),
  (k) => {
    if (!batching(k)) return k.next();
    const slots = k.task.por_el1_lazy_mmu;
    const saved = slots.last()!;
    const perLevel = k.knobs.savedPorStorage === 'per-level' && slots.size > 1;
    return k
      .setCpu((c) => c.set('por_el1', saved))
      .setTask((t) => (perLevel ? t.set('por_el1_lazy_mmu', slots.pop()) : t))
      .next();
  },
);

/**
 * arch_leave_lazy_mmu_mode(), in the order the `lazyMmuLeaveOrder` knob says.
 *
 * 'restore-then-barriers' is the posted code: kpkeys v5 18/18 ("arm64: mm: Batch kpkeys level
 * switches", Aug 2025) adds `kpkeys_lazy_mmu_exit(); arch_flush_lazy_mmu_mode();
 * clear_thread_flag(TIF_LAZY_MMU);` with the comment "The ordering should be preserved to allow
 * kpkeys_lazy_mmu_exit() to skip any barrier when TIF_LAZY_MMU_PENDING is set": POR_EL1 is
 * written without an ISB of its own (__kpkeys_set_pkey_reg_nosync) and emit_pte_barriers()'s ISB
 * makes it take effect. v6 28/30 ("arm64: kpkeys: Batch KPKEYS_LVL_PGTABLES switches", Feb 2026)
 * keeps the order: "if an ISB is going to be issued by emit_pte_barriers() ... we skip the ISB
 * after restoring POR_EL1. This is done by checking TIF_LAZY_MMU_PENDING and ensuring that
 * POR_EL1 is restored before emit_pte_barriers() is called." Abstraction: the nosync write is modelled as taking effect at once (an IRQ in
 * between is itself a context synchronisation event, so nothing can run with the old value
 * after the write but before the ISB except this task's own next instructions).
 * 'barriers-then-restore' flushes first and restores POR_EL1 after (the order of an earlier
 * version of this model).
 *
 * clear_thread_flag(TIF_LAZY_MMU) is its own event only where something reads the flag (the
 * v4/v5 guards, v5 nesting); elsewhere it is local.
 */
export const arch_leave_lazy_mmu_mode = kfunc(
  'arch_leave_lazy_mmu_mode',
  'arch/arm64/include/asm/pgtable.h',
  [
    local('(lazy-mmu-leave-order)', (k) => (k.knobs.lazyMmuLeaveOrder === 'restore-then-barriers' ? k.goto('restore-first') : k.next())),
    // barriers-then-restore
    local('arch_flush_lazy_mmu_mode()', (k) => k.call(arch_flush_lazy_mmu_mode)),
    { ...restoreSavedPor },
    local('clear_thread_flag(TIF_LAZY_MMU)', (k) => k.setTask((t) => t.set('tif_lazy_mmu', false)).ret()),
    // restore-then-barriers (the posted code)
    { ...restoreSavedPor, name: 'restore-first' },
    local('arch_flush_lazy_mmu_mode()', (k) => k.call(arch_flush_lazy_mmu_mode)),
    step(
      'clear_thread_flag(TIF_LAZY_MMU)',
      (knobs) => (knobs.batchingGuard !== 'none' && (knobs.batchingGuard === 'v4' || knobs.batchingGuard === 'v5' || knobs.lazyMmuNesting === 'first-leave-ends') ? 'event' : 'local'),
      (k) => k.setTask((t) => t.set('tif_lazy_mmu', false)).ret(),
    ),
  ],
  { inline: true },
);

/** The start of an outermost section: remember POR_EL1 for invariant 4. */
function ghostSectionStart(k: K): K {
  const por = k.cpu.por_el1;
  return k.setTask((t) => t.set('ghost_section_por', t.ghost_section_por.push(por)));
}

/**
 * lazy_mmu_mode_enable() / disable(). The C is `if (state->enable_count++ == 0)
 * arch_enter_lazy_mmu_mode();` and `if (--state->enable_count == 0) arch_leave_lazy_mmu_mode();
 * else arch_flush_lazy_mmu_mode();`, with preemption enabled. Nothing in the C orders the store
 * to enable_count against the arch hook's POR_EL1 write (an MSR the compiler may move past a
 * plain store), so the `lazyMmuCounterOrder` knob says which comes first: 'count-then-hook'
 * (the source order) or 'hook-then-count' (the store sunk after the hook). With the atomic
 * switch both are one step and the order does not matter.
 */
const hookThenCount = (k: K) => k.knobs.lazyMmuCounterOrder === 'hook-then-count' && !k.knobs.atomicLazyModeSwitch;

export const lazy_mmu_mode_enable = kfunc('lazy_mmu_mode_enable', 'include/linux/pgtable.h', [
  local('if (in_interrupt() || state->pause_count) return', (k) =>
    bailsOutHere(k, 'enable') || (k.knobs.lazyMmuNesting === 'counters' && k.task.lazy_mmu_state.pause_count > 0) ? k.ret() : k.next(),
  ),
  local('(lazy-mmu-counter-order)', (k) => (hookThenCount(k) ? k.goto('hook-first') : k.next())),
  // count-then-hook
  event('if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()', (k) => {
    const n = k.task.lazy_mmu_state.enable_count;
    if (n === 0) k = ghostSectionStart(k);
    k = k.setTask((t) => t.setIn(['lazy_mmu_state', 'enable_count'], n + 1));
    // v4/v5 nesting: every enter calls the hook; counters: only the outermost.
    const enter = k.knobs.lazyMmuNesting === 'first-leave-ends' || n === 0;
    return enter ? k.call(arch_enter_lazy_mmu_mode, {}, atomic(k)) : k.ret();
  }),
  local('return', (k) => k.ret()),
  // hook-then-count: the test reads the old count, the hook runs, then the store lands.
  local(
    'n = state->enable_count; if (n == 0) arch_enter_lazy_mmu_mode()',
    (k) => {
      const n = k.task.lazy_mmu_state.enable_count;
      if (n === 0) k = ghostSectionStart(k);
      k = k.setLocal('n', n);
      const enter = k.knobs.lazyMmuNesting === 'first-leave-ends' || n === 0;
      return enter ? k.call(arch_enter_lazy_mmu_mode) : k.next();
    },
    { name: 'hook-first' },
  ),
  event('state->enable_count = n + 1', (k) => {
    const n = k.num('n');
    return k.setLocal('n', undefined).setTask((t) => t.setIn(['lazy_mmu_state', 'enable_count'], n + 1)).ret();
  }),
]);

function sectionEnd(k: K): K {
  const pre = k.task.ghost_section_por.last();
  k = k.setTask((t) => t.set('ghost_section_por', t.ghost_section_por.pop()));
  return pre !== undefined ? k.observe({ kind: 'lazy-section-end', por: k.cpu.por_el1, preSectionPor: pre }) : k;
}

export const lazy_mmu_mode_disable = kfunc('lazy_mmu_mode_disable', 'include/linux/pgtable.h', [
  local('if (in_interrupt() || state->pause_count) return', (k) =>
    bailsOutHere(k, 'disable') || (k.knobs.lazyMmuNesting === 'counters' && k.task.lazy_mmu_state.pause_count > 0) ? k.ret() : k.next(),
  ),
  local('(lazy-mmu-counter-order)', (k) => (hookThenCount(k) ? k.goto('hook-first') : k.next())),
  // count-then-hook
  event('if (--state->enable_count == 0) arch_leave_lazy_mmu_mode(); else arch_flush_lazy_mmu_mode()', (k) => {
    const n = k.task.lazy_mmu_state.enable_count - 1;
    if (n < 0) k = k.observe({ kind: 'lazy-counter-underflow', counter: 'enable_count' });
    k = k.setTask((t) => t.setIn(['lazy_mmu_state', 'enable_count'], n));
    const leave = k.knobs.lazyMmuNesting === 'first-leave-ends' || n === 0;
    k = k.setLocal('ending', n === 0 ? true : undefined);
    return leave ? k.call(arch_leave_lazy_mmu_mode, {}, atomic(k)) : k.call(arch_flush_lazy_mmu_mode);
  }),
  local('the outermost section is over', (k) => {
    if (!k.local('ending')) return k.ret();
    return sectionEnd(k.setLocal('ending', undefined)).ret();
  }),
  // hook-then-count
  local(
    'n = state->enable_count - 1; if (n == 0) arch_leave_lazy_mmu_mode(); else arch_flush_lazy_mmu_mode()',
    (k) => {
      const n = k.task.lazy_mmu_state.enable_count - 1;
      if (n < 0) k = k.observe({ kind: 'lazy-counter-underflow', counter: 'enable_count' });
      k = k.setLocal('n', n);
      const leave = k.knobs.lazyMmuNesting === 'first-leave-ends' || n === 0;
      return leave ? k.call(arch_leave_lazy_mmu_mode) : k.call(arch_flush_lazy_mmu_mode);
    },
    { name: 'hook-first' },
  ),
  event('state->enable_count = n', (k) => {
    const n = k.num('n');
    k = k.setLocal('n', undefined).setTask((t) => t.setIn(['lazy_mmu_state', 'enable_count'], n));
    return (n === 0 ? sectionEnd(k) : k).ret();
  }),
]);

export const lazy_mmu_mode_pause = kfunc('lazy_mmu_mode_pause', 'include/linux/pgtable.h', [
  local('if (in_interrupt()) return', (k) => (bailsOutHere(k, 'enable') ? k.ret() : k.next())),
  event('if (state->pause_count++ == 0 && state->enable_count > 0) arch_leave_lazy_mmu_mode()', (k) => {
    const st = k.task.lazy_mmu_state;
    k = k.setTask((t) => t.setIn(['lazy_mmu_state', 'pause_count'], st.pause_count + 1));
    return st.pause_count === 0 && st.enable_count > 0 ? k.call(arch_leave_lazy_mmu_mode, {}, atomic(k)) : k.ret();
  }),
]);

export const lazy_mmu_mode_resume = kfunc('lazy_mmu_mode_resume', 'include/linux/pgtable.h', [
  local('if (in_interrupt()) return', (k) => (bailsOutHere(k, 'disable') ? k.ret() : k.next())),
  event('if (--state->pause_count == 0 && state->enable_count > 0) arch_enter_lazy_mmu_mode()', (k) => {
    const st = k.task.lazy_mmu_state;
    const n = st.pause_count - 1;
    if (n < 0) k = k.observe({ kind: 'lazy-counter-underflow', counter: 'pause_count' });
    k = k.setTask((t) => t.setIn(['lazy_mmu_state', 'pause_count'], n));
    return n === 0 && st.enable_count > 0 ? k.call(arch_enter_lazy_mmu_mode, {}, atomic(k)) : k.ret();
  }),
]);
