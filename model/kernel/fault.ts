/**
 * What the kernel does with a fault it takes at EL1 on a kernel address (arch/arm64/mm/fault.c):
 *
 *   do_mem_abort() -> fault_info[FSC].fn
 *     TLB conflict abort (FSC 0x30): do_bad() -> die_kernel_fault("TLB conflict abort")
 *     translation fault: do_translation_fault() -> do_bad_area() -> __do_kernel_fault()
 *     permission fault:  do_page_fault() -> (no vma for a TTBR1 address) -> __do_kernel_fault()
 *   __do_kernel_fault():
 *     1. if (!is_el1_instruction_abort(esr) && fixup_exception(regs, esr)) return;
 *        the exception table has an entry for the *_nofault accessors (copy_from_kernel_nofault(),
 *        __get_kernel_nofault: EX_TYPE_KACCESS_ERR_ZERO): they return -EFAULT;
 *     2. if (WARN_RATELIMIT(is_spurious_el1_translation_fault(addr, esr, regs), "Ignoring spurious
 *        kernel translation fault at virtual address %016lx")) return;
 *        a data-abort translation fault for which `AT S1E1R` (after the exception entry, a
 *        context synchronization event) now finds a translation, or a fault other than a
 *        translation fault, is spurious: the kernel WARNs and returns, and the faulting
 *        instruction runs again (commit 42f91093b043);
 *     3. permission fault: "write to read-only memory" etc. -> die_kernel_fault();
 *     4. translation fault: if (kfence_handle_page_fault(addr, is_write, regs)) return;
 *        on a KFENCE page KFENCE reports the access (kfence_report_error(): "BUG: KFENCE: ...")
 *        and unprotects the page with kfence_unprotect(), then the access runs again;
 *     5. otherwise die_kernel_fault("paging request"): the oops.
 *
 * Outcomes: `oops` (the machine stops), `fixup` (the accessor returns -EFAULT), `warn` (a WARN is
 * printed and the access retried), `kfence` (a KFENCE report, the page unprotected, the access
 * retried). WARNs and KFENCE reports are recorded in the state (`warnings`): they are not oopses;
 * the opt-in rule kernel-does-not-warn (properties/rules.ts) flags them.
 *
 * Abstractions: the KFENCE path publishes the faulting CPU's own pending page-table stores (see
 * there: it bounds the unprotect-and-retry loop); the handler's decision is made in the faulting step (AT S1E1R's walk happens at
 * the fault); a fixup returns to the accessor's -EFAULT path in the same step; the retried access
 * is a later step, after `kernel_exit`'s eret. POR_EL1 handling on synchronous exceptions (kpkeys
 * patch 7) is not modelled: these handlers write no page tables (kfence_unprotect()'s pageattr
 * call runs with the interrupted POR_EL1).
 */
import { displayVa } from '../hardware/geometry.ts';
import { contextSynchronize, publishStores } from '../hardware/memory.ts';
import { mmuAccess, type Fault } from '../hardware/mmu.ts';
import { fnNamed, K, kfunc, event, local } from './exec.ts';
import { oops } from './hw.ts';
import { Warning } from './state.ts';
import { List } from 'immutable';

export type FaultOutcomeKind = 'oops' | 'fixup' | 'warn' | 'kfence';

export interface HandledFault {
  readonly kind: FaultOutcomeKind;
  /** The context after the handler: for `warn`/`kfence` the exception frames are on the stack. */
  readonly k: K;
  /** For labels when the handler itself has several outcomes (AT's walk). */
  readonly how: string;
}

/** The exception vector's frame: kernel_exit's eret returns to the faulting instruction, which runs again. */
export const el1h_64_sync = kfunc('el1h_64_sync', 'arch/arm64/kernel/entry.S', [
  event('kernel_exit 1: eret (the faulting instruction runs again)', (k) => k.ret()),
]);

/** The handler's frame, left to return to el1h_64_sync (the callers of kernelAccess pop it). */
export const __do_kernel_fault = kfunc('__do_kernel_fault', 'arch/arm64/mm/fault.c', [local('return', (k) => k.ret())]);

/** kfence_report_error(): "BUG: KFENCE: ..." is printed; the caller of kernelAccess pops this frame. */
export const kfence_report_error = kfunc('kfence_report_error', 'mm/kfence/report.c', [local('return', (k) => k.ret())]);

function is_kfence_address(k: K, va: number): boolean {
  const start = k.env.layout.vas.get('__kfence_pool');
  const end = k.env.layout.vas.get('__kfence_pool_end');
  return start !== undefined && end !== undefined && va >= start && va < end;
}

function warn(k: K, kind: 'WARN' | 'KFENCE', message: string): K {
  const w = new Warning({ kind, message, cpu: k.cpuId, task: k.task.comm, callTrace: List(k.callTrace()) });
  return k.update((s) => (s.warnings.some((x) => x.kind === kind && x.message === message && x.cpu === w.cpu) ? s : s.set('warnings', s.warnings.push(w))));
}

/**
 * do_mem_abort() for a fault `f` taken by the access in the current step. `nofault`: the access
 * has an exception-table entry (the *_nofault accessors).
 */
export function handleKernelFault(k: K, f: Fault, opts: { readonly nofault: boolean; readonly byteOffset?: number }): HandledFault[] {
  const g = k.env.geometry;
  // Taking the exception is a context synchronization event: the walks that follow are ordered.
  k = k.update((s) => s.set('memory', contextSynchronize(s.memory, k.cpuId)));
  // do_bad(): nothing handles a TLB conflict abort.
  if (f.type === 'tlb-conflict') return [{ kind: 'oops', k: oops(k, f, opts.byteOffset ?? 0), how: '' }];
  // 1. fixup_exception(): the *_nofault accessors return -EFAULT.
  if (f.access !== 'exec' && opts.nofault) return [{ kind: 'fixup', k: k.setLocal('fault', f.type), how: '' }];
  const rest = (kk: K, how: string): HandledFault[] => {
    if (f.type === 'permission') return [{ kind: 'oops', k: oops(kk, f, opts.byteOffset ?? 0), how }];
    // 4. kfence_handle_page_fault(): report, unprotect, retry.
    if (is_kfence_address(kk, f.va)) {
      const what = f.access === 'write' ? 'write' : 'read';
      kk = warn(kk, 'KFENCE', `BUG: KFENCE: use-after-free ${what} in ${kk.callTrace()[0] ?? 'the kernel'}`);
      // A store reaches the table walker in finite time even without a DSB; the model takes the
      // KFENCE path as that time, so that unprotect-and-retry cannot loop forever on this CPU's
      // own unpublished store (each kfence_unprotect() would start another permission change).
      kk = kk.update((s) => s.set('memory', publishStores(s.memory, kk.cpuId, { ets2: true, others: [] })));
      kk = kk
        .pushFrame(el1h_64_sync)
        .pushFrame(__do_kernel_fault)
        .pushFrame(fnNamed('kfence_handle_page_fault'), { addr: f.va })
        .pushFrame(kfence_report_error);
      return [{ kind: 'kfence', k: kk, how }];
    }
    return [{ kind: 'oops', k: oops(kk, f, opts.byteOffset ?? 0), how }];
  };
  // 2. is_spurious_el1_translation_fault(): AT S1E1R now.
  if (f.type !== 'translation' || f.access === 'exec' || !k.knobs.spuriousFaultCheck) return rest(k, '');
  const at = mmuAccess({ geometry: g, memory: k.s.memory, root: k.env.layout.root, tlb: k.cpu.tlb, por: k.cpu.por_el1, cpu: k.cpuId, bbm: k.knobs.bbmLevel }, f.va, 'read');
  const spurious = at.some((o) => o.result.ok || o.result.fault.type !== 'translation');
  const real = at.some((o) => !o.result.ok && o.result.fault.type === 'translation');
  const out: HandledFault[] = [];
  if (spurious) {
    const kk = warn(k, 'WARN', `Ignoring spurious kernel translation fault at virtual address ${displayVa(g, f.va)}`);
    out.push({ kind: 'warn', k: kk.pushFrame(el1h_64_sync).pushFrame(__do_kernel_fault), how: real ? 'AT S1E1R translates: spurious' : '' });
  }
  if (real) out.push(...rest(k, spurious ? 'AT S1E1R faults too' : ''));
  return out;
}
