/** What the kernel does with an EL1 fault (model/kernel/fault.ts, arch/arm64/mm/fault.c), and TLBI scope as the kernel issues it. */
import { List } from 'immutable';
import { describe, expect, it } from 'vitest';
import { linearAlias } from '../../../model/hardware/geometry.ts';
import type { Fault } from '../../../model/hardware/mmu.ts';
import { TlbEntry } from '../../../model/hardware/tlb.ts';
import { K } from '../../../model/kernel/exec.ts';
import { handleKernelFault } from '../../../model/kernel/fault.ts';
import { flushTlbKernelRange, localFlushTlbKernelRange } from '../../../model/kernel/hw.ts';
import { kernelModel } from '../../../model/kernel-model.ts';
import { getScenario } from '../../../model/scenarios/index.ts';

/** CPU1 (task R) of spurious-translation-fault at its start, under `design`. */
function start(scenario = 'spurious-translation-fault', design = 'no-ets2', cpu = 1): K {
  const m = kernelModel(getScenario(scenario), { design });
  return new K([...m.initialStates()][0], cpu, m.env);
}
const fault = (_k: K, va: number, type: Fault['type'], access: Fault['access'] = 'read'): Fault => ({ type, level: 3, overlay: false, access, va, steps: [] });
const stack = (k: K) => k.task.stack.map((f) => f.fn);

describe('__do_kernel_fault()', () => {
  const k = start();
  const mapped = linearAlias(k.env.geometry, 0); // a page mapped at boot
  const invalidPage = k.task.stack.at(-1)!.locals.addr as number; // the page W makes valid later: invalid now

  it('fixup_exception() first: a *_nofault accessor gets -EFAULT even where the fault would be spurious', () => {
    const [h, ...more] = handleKernelFault(k, fault(k, mapped, 'translation'), { nofault: true });
    expect(more).toEqual([]);
    expect([h.kind, h.k.local('fault'), h.k.s.oops, h.k.s.warnings.size]).toEqual(['fixup', 'translation', null, 0]);
    expect(stack(h.k)).toEqual(stack(k));
  });

  it('a translation fault AT S1E1R now translates is spurious: WARN, and the exception frames wait for the eret that retries', () => {
    const [h, ...more] = handleKernelFault(k, fault(k, mapped, 'translation'), { nofault: false });
    expect(more).toEqual([]);
    expect(h.kind).toBe('warn');
    expect(h.k.s.warnings.map((w) => [w.kind, w.cpu, w.task, w.message]).toArray()).toEqual([['WARN', 1, 'R', 'Ignoring spurious kernel translation fault at virtual address ffff000000000000']]);
    expect(stack(h.k)).toEqual([...stack(k), 'el1h_64_sync', '__do_kernel_fault']);
    expect(h.k.s.oops).toBe(null);
  });

  it('a translation fault AT S1E1R confirms is a "paging request" oops', () => {
    const [h, ...more] = handleKernelFault(k, fault(k, invalidPage, 'translation'), { nofault: false });
    expect(more).toEqual([]);
    expect([h.kind, h.k.s.oops?.message]).toEqual(['oops', 'Unable to handle kernel paging request at virtual address ffff000000001000']);
  });

  it('permission faults are never spurious: oops (with no fixup)', () => {
    const [h] = handleKernelFault(k, fault(k, mapped, 'permission', 'write'), { nofault: false });
    expect([h.kind, h.k.s.oops?.message]).toEqual(['oops', 'Unable to handle kernel write to read-only memory at virtual address ffff000000000000']);
    expect(handleKernelFault(k, fault(k, mapped, 'permission', 'write'), { nofault: true })[0].kind).toBe('fixup');
  });

  it('instruction aborts get no fixup; a TLB conflict abort (do_bad) always oopses', () => {
    expect(handleKernelFault(k, fault(k, invalidPage, 'translation', 'exec'), { nofault: true })[0].kind).toBe('oops');
    const [h] = handleKernelFault(k, fault(k, mapped, 'tlb-conflict'), { nofault: true });
    expect([h.kind, h.k.s.oops?.message]).toEqual(['oops', 'Unable to handle kernel TLB conflict abort at virtual address ffff000000000000']);
    expect(h.k.s.oops!.details.toArray()).toContain('  FSC = 0x30: TLB conflict abort');
  });

  it('without the spurious-fault check (spurious-fault-check=false) the same spurious fault oopses', () => {
    const kk = start('spurious-translation-fault', 'no-ets2-without-spurious-fault-check');
    expect(handleKernelFault(kk, fault(kk, mapped, 'translation'), { nofault: false })[0].kind).toBe('oops');
  });

  it('kfence_handle_page_fault(): a translation fault on a KFENCE page is reported, the page unprotected and the access retried', () => {
    const kk = start('kfence-softirq', 'v6', 0);
    const obj = kk.env.layout.vas.get('kfence object')!;
    const [h, ...more] = handleKernelFault(kk, fault(kk, obj, 'translation', 'write'), { nofault: false });
    expect(more).toEqual([]);
    expect(h.kind).toBe('kfence');
    expect(h.k.s.warnings.map((w) => [w.kind, w.message]).toArray()).toEqual([['KFENCE', `BUG: KFENCE: use-after-free write in ${kk.callTrace()[0]}`]]);
    expect(stack(h.k).slice(-4)).toEqual(['el1h_64_sync', '__do_kernel_fault', 'kfence_handle_page_fault', 'kfence_report_error']);
    expect(h.k.task.stack.at(-2)!.locals.addr).toBe(obj);
  });
});

describe('TLBI scope', () => {
  it('flush_tlb_kernel_range() (TLBI VAALE1IS) removes the range from every CPU; the local variant only from this one', () => {
    const e = new TlbEntry({ va: 5, pages: 1, pa: 5 });
    const keep = new TlbEntry({ va: 9, pages: 1, pa: 9 });
    const walk = new TlbEntry({ kind: 'walk', va: 0, pages: 16, pa: 3, level: 2 });
    let k = start();
    k = k.update((s) => s.set('cpus', s.cpus.map((c) => c.set('tlb', List([e, keep, walk])))));
    const all = flushTlbKernelRange(k, 5, 6).s.cpus.map((c) => c.tlb.toArray());
    expect(all).toEqual([[keep, walk], [keep, walk]]);
    const local = localFlushTlbKernelRange(k, 5, 6).s.cpus.map((c) => c.tlb.toArray());
    expect(local).toEqual([[e, keep, walk], [keep, walk]]);
  });
});

describe('recovered faults in the matrix', () => {
  it('kfence-softirq × lazy-mmu-queues-in-interrupt: the early KFENCE write is recovered (spurious WARN or KFENCE report), never an oops', async () => {
    const { reachable } = await import('../../scenarios/cells.ts');
    const states = reachable(kernelModel(getScenario('kfence-softirq'), { design: 'lazy-mmu-queues-in-interrupt', invariants: ['kernel-does-not-oops'] }));
    expect(states.filter((s) => s.oops !== null)).toEqual([]);
    const printed = new Set(states.flatMap((s) => s.warnings.map((w) => `${w.kind}: ${w.message}`).toArray()));
    expect([...printed].sort()).toEqual([
      'KFENCE: BUG: KFENCE: use-after-free write in kfence_guarded_alloc',
      'WARN: Ignoring spurious kernel translation fault at virtual address ffff000000002000',
    ]);
  });
});
