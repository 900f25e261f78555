/**
 * Every checked invariant at one state: holds or not, and if not, what exactly breaks it
 * (which CPU, task, page or alias), in a maintainer's words. A rule on events is broken when
 * the state records its violation (with the event's message); a rule on states is explained
 * from the same facts its predicate reads (kernelFacts), so a violation with no step at all
 * (the initial state already breaks it) still says what is wrong.
 */
import { kernelFacts, type KernelModel } from '../../model/kernel-model.ts';
import { displayVa, linearAlias } from '../../model/hardware/geometry.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { RULES_BY_NAME } from '../../properties/index.ts';

export interface InvariantStatus {
  readonly name: string;
  /** The rule's number (0: the catch-all). */
  readonly number: number;
  readonly holds: boolean;
  /** What breaks it, one line per offender (empty when it holds). */
  readonly why: readonly string[];
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/** Offenders of a rule on states, from the facts its `holds` reads. */
function stateOffenders(model: KernelModel, s: KernelState, rule: string): string[] {
  const f = kernelFacts(s, model.env);
  const g = model.env.geometry;
  const pageName = (p: number) => `${model.env.layout.pageNames.get(p) ?? 'page'} (page ${p})`;
  switch (rule) {
    case 'lazy-mmu-active-implies-pgtables-level':
      return f.cpus
        .filter((c) => c.inKernel && !c.inInterrupt && c.lazyMmuActive && !c.porGrantsPgtablesWrite)
        .map((c) => `CPU${c.cpu} (${c.task}) is in lazy MMU mode in task context with POR_EL1 = ${hex(c.por)}, which does not grant W to pkey PGTABLES`);
    case 'lazy-mmu-calls-balanced':
      return f.tasks
        .filter((t) => t.enableCount < 0 || t.pauseCount < 0 || (t.finished && (t.enableCount !== 0 || t.pauseCount !== 0)))
        .map((t) => `${t.name}: enable_count ${t.enableCount}, pause_count ${t.pauseCount}${t.finished ? ' after it finished its work' : ''}`);
    case 'pgtable-pages-carry-pgtables-pkey':
      return f.pagetablePages
        .filter((p) => (p.role === 'pgtable' ? p.pkey !== 1 : p.role === 'free' ? p.pkey === 1 : false))
        .map((p) =>
          p.role === 'pgtable'
            ? `${pageName(p.page)} is a page table but its linear alias has ${p.pkey === null ? 'no mapping' : `pkey ${p.pkey}`}, not PGTABLES (1)`
            : `${pageName(p.page)} was freed but its linear alias still has pkey PGTABLES (1)`,
        );
    case 'linear-alias-protected':
      return f.textAliases
        .filter((t) => t.writable)
        .map((t) => `the linear alias of ${pageName(t.page)} at ${displayVa(g, linearAlias(g, t.page))} is writable: its leaf entry lacks PTE_RDONLY`);
    case 'kernel-does-not-oops':
      return f.oops === null ? [] : [f.oops];
    case 'kernel-does-not-warn':
      return [...f.warnings];
    default:
      return [];
  }
}

/** The status of every invariant the model checks, at state `s`. */
export function invariantStatus(model: KernelModel, s: KernelState): InvariantStatus[] {
  return model.invariants.map((inv) => {
    const number = RULES_BY_NAME.get(inv.name)?.number ?? -1;
    if (inv.holds(s)) return { name: inv.name, number, holds: true, why: [] };
    const recorded = s.violations.get(inv.name);
    const why = recorded ? [recorded.message] : stateOffenders(model, s, inv.name);
    return { name: inv.name, number, holds: false, why: why.length ? why : ['the rule\u2019s predicate fails on this state'] };
  });
}
