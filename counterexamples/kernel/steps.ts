/**
 * A kernel trace, step by step, in the terms a kernel developer reads: which CPU ran which
 * task in which function, and what changed that matters (POR_EL1, lazy MMU counters,
 * exception depth, page-table entries written, TLB fills and invalidations, switches).
 * Derived by comparing the states before and after each step.
 */
import { describeEntry, type Entry } from '../../model/hardware/descriptor.ts';
import { kpkeysLevelOf } from '../../model/hardware/pkeys.ts';
import { displayVa } from '../../model/hardware/geometry.ts';
import type { KernelAction, KernelModel } from '../../model/kernel-model.ts';
import type { KernelState, Task } from '../../model/kernel/state.ts';
import type { SkippedOperation } from '../../model/kernel/env.ts';
import { fnIn, K, pendingStep, settle } from '../../model/kernel/exec.ts';
import { takeIrq } from '../../model/kernel/entry.ts';
import type { Path } from '../../checker/index.ts';

export interface StepView {
  readonly index: number;
  readonly cpu: number;
  readonly task: string;
  /** The function and line of C (or `IRQ (timer)`). */
  readonly fn: string;
  readonly what: string;
  /** The outcome chosen, when the step had several (`switch to B`). */
  readonly choice?: string;
  readonly isIrq: boolean;
  /** A switch away from a task that could have continued (a preemption). */
  readonly isPreemption: boolean;
  readonly effects: readonly string[];
  /** Operations the code skipped in this step (an elided TLBI, a skipped kpkeys guard). */
  readonly skipped: readonly SkippedOperation[];
  /** State after the step, per CPU, for the lanes. */
  readonly after: readonly CpuView[];
}

export interface CpuView {
  readonly cpu: number;
  readonly task: string;
  readonly por: number;
  readonly level: 'PGTABLES' | 'DEFAULT';
  readonly enableCount: number;
  readonly pauseCount: number;
  /** Open exception frames of the running task. */
  readonly exceptionDepth: number;
  readonly context: string;
}

/** Parses `CPU0 A: fn: what [choice]` and `CPU0 A: IRQ (timer)`. */
export function parseLabel(label: string): { cpu: number; task: string; fn: string; what: string; choice?: string } {
  const m = /^CPU(\d+) ([^:]+): (.*)$/.exec(label);
  if (!m) return { cpu: 0, task: '?', fn: '', what: label };
  const rest = m[3];
  const choice = /\[(.*)\]$/.exec(rest);
  const body = choice ? rest.slice(0, choice.index).trimEnd() : rest;
  const colon = body.indexOf(': ');
  const fn = colon >= 0 ? body.slice(0, colon) : body;
  const what = colon >= 0 ? body.slice(colon + 2) : '';
  return { cpu: Number(m[1]), task: m[2], fn, what, ...(choice ? { choice: choice[1] } : {}) };
}

function exceptionDepth(t: Task): number {
  return t.stack.filter((f) => f.fn === 'el1h_64_irq').length;
}

export function cpuViews(s: KernelState): CpuView[] {
  return s.cpus
    .map((c, cpu) => {
      const t = s.tasks[c.curr];
      const ctx = c.hardirq_count ? 'hardirq' : c.softirq_count ? 'softirq' : c.preempt_count ? `preempt-off` : t.stack.length === 0 ? 'user' : 'task';
      return {
        cpu,
        task: t.comm,
        por: c.por_el1,
        level: kpkeysLevelOf(c.por_el1),
        enableCount: t.lazy_mmu_state.enable_count,
        pauseCount: t.lazy_mmu_state.pause_count,
        exceptionDepth: exceptionDepth(t),
        context: ctx,
      };
    });
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/** What changed between two states, in short phrases. */
export function effects(model: KernelModel, before: KernelState, after: KernelState): string[] {
  const out: string[] = [];
  const names = model.env.layout.pageNames;
  const g = model.env.geometry;
  after.cpus.forEach((c, cpu) => {
    const b = before.cpus[cpu];
    if (b.curr !== c.curr) out.push(`CPU${cpu}: ${before.tasks[b.curr].comm} -> ${after.tasks[c.curr].comm}`);
    if (b.por_el1 !== c.por_el1) out.push(`CPU${cpu} POR_EL1 ${hex(b.por_el1)} -> ${hex(c.por_el1)} (${kpkeysLevelOf(c.por_el1)})`);
    if (b.need_resched !== c.need_resched) out.push(`CPU${cpu} need_resched ${c.need_resched ? 'set' : 'cleared'}`);
    if (b.prev_mm !== c.prev_mm && c.prev_mm !== null) out.push(`rq->prev_mm = ${after.mms.get(c.prev_mm)!.name}`);
    const filled = c.tlb.filter((e) => !b.tlb.includes(e));
    const dropped = b.tlb.filter((e) => !c.tlb.includes(e));
    const span = (e: { va: number; pages: number }) => `${displayVa(g, e.va)}${e.pages > 1 ? ` (${e.pages} pages)` : ''}`;
    const lvl = (e: { level: number }) => ['pgd', 'pud', 'pmd', 'pte'][e.level];
    for (const e of filled)
      out.push(e.kind === 'walk' ? `CPU${cpu} walk cache fill ${span(e)} (${lvl(e)} table)` : `CPU${cpu} TLB fill ${span(e)} ${e.rdonly ? 'RO' : 'RW'} pkey${e.poIndex}`);
    if (dropped.size) out.push(`CPU${cpu} TLB ${after.evictions_left < before.evictions_left ? 'evicts' : 'invalidate'} ${dropped.map(span).join(', ')}`);
  });
  after.warnings.skip(before.warnings.size).forEach((w) => out.push(`${w.kind === 'WARN' ? 'WARNING' : 'KFENCE'} (CPU${w.cpu}, recovered): ${w.message}`));
  after.tasks.forEach((t, i) => {
    const b = before.tasks[i];
    const bl = b.lazy_mmu_state;
    const al = t.lazy_mmu_state;
    if (bl.enable_count !== al.enable_count) out.push(`${t.comm} enable_count ${bl.enable_count} -> ${al.enable_count}`);
    if (bl.pause_count !== al.pause_count) out.push(`${t.comm} pause_count ${bl.pause_count} -> ${al.pause_count}`);
    if (!b.por_el1_lazy_mmu.equals(t.por_el1_lazy_mmu)) out.push(`${t.comm} por_el1_lazy_mmu = ${t.por_el1_lazy_mmu.map(hex).join(', ')}`);
    if (b.thread_por_el1 !== t.thread_por_el1) out.push(`${t.comm} thread.por_el1 = ${hex(t.thread_por_el1)}`);
    if (b.tif_lazy_mmu_pending !== t.tif_lazy_mmu_pending) out.push(`${t.comm} TIF_LAZY_MMU_PENDING ${t.tif_lazy_mmu_pending ? 'set' : 'cleared'}`);
    if (exceptionDepth(b) !== exceptionDepth(t)) out.push(`${t.comm} exception depth ${exceptionDepth(b)} -> ${exceptionDepth(t)}`);
    if (b.__state !== t.__state && t.__state === 'dead') out.push(`${t.comm} TASK_DEAD`);
    if (b.mm !== t.mm && t.mm === null) out.push(`${t.comm}->mm = NULL`);
  });
  after.mms.forEach((m, i) => {
    const b = before.mms.get(i)!;
    if (b.mm_count !== m.mm_count) out.push(`${m.name} mm_count ${b.mm_count} -> ${m.mm_count}`);
  });
  after.memory.tables.forEach((entries, table) => {
    const old = before.memory.tables.get(table);
    entries.forEach((e, index) => {
      const o = old?.get(index) ?? null;
      if (!sameEntry(o, e)) out.push(`${names.get(table) ?? `page ${table}`}[${index}]: ${describeEntry(o)} ⇒ ${describeEntry(e)}`);
    });
  });
  if (before.memory.pending.size > 0 && after.memory.pending.size < before.memory.pending.size) out.push('stores published (dsb)');
  after.pgtable_role.forEach((role, page) => {
    if (before.pgtable_role.get(page) !== role) out.push(`${names.get(page) ?? `page ${page}`}: ${role}`);
  });
  after.violations.forEach((v, rule) => {
    if (!before.violations.has(rule)) out.push(`VIOLATION ${rule}: ${v.message}`);
  });
  if (after.oops && !before.oops) out.push(`OOPS: ${after.oops.message}`);
  return out;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

/**
 * The operations skipped in one step: the step is run again from the state before it, with a
 * ghost watcher (Env.onSkipped) that the checker never sets. Nothing is stored in the state, so
 * the explored state space is the same with or without this.
 */
export function skippedOperations(model: KernelModel, before: KernelState, action: KernelAction): SkippedOperation[] {
  let sink: SkippedOperation[] = [];
  const env = { ...model.env, onSkipped: (op: SkippedOperation) => sink.push(op) };
  if (action.kind === 'irq') {
    const src = model.scenario.irqSources[action.index];
    if (src) takeIrq(new K(before, action.cpu, env), fnIn(env, src.handler));
    return sink;
  }
  // As cpuTransitions does: run the step once, then settle only the outcome this action took.
  const p = pendingStep(before, action.cpu, env);
  if (!p?.step) return [];
  const r = p.step.run(new K(before, action.cpu, env));
  const common = sink;
  const base = `CPU${action.cpu} ${p.task.comm}: ${p.frame.fn}: ${p.step.label}`;
  for (const o of r instanceof K ? [{ label: '', k: r }] : r) {
    if ((o.label ? `${base} [${o.label}]` : base) !== action.label) continue;
    sink = [...common];
    settle(o.k, []);
    return sink;
  }
  return common;
}

/** The step views of a path. */
export function stepViews(model: KernelModel, path: Path<KernelState, KernelAction>): StepView[] {
  const out: StepView[] = [];
  let prev = path.initial;
  path.steps.forEach((st, i) => {
    const p = parseLabel(st.action.label);
    const isIrq = st.action.kind === 'irq';
    const switched = prev.cpus[st.action.cpu].curr !== st.state.cpus[st.action.cpu].curr;
    const prevTask = prev.tasks[prev.cpus[st.action.cpu].curr]!;
    // A switch is a preemption when the task switched away from could have run on.
    const isPreemption = switched && st.state.tasks[prev.cpus[st.action.cpu].curr]!.__state === 'runnable' && !prevTask.is_idle;
    out.push({
      index: i + 1,
      cpu: st.action.cpu,
      task: p.task,
      fn: isIrq ? 'IRQ' : p.fn,
      what: isIrq ? `${p.fn}` : p.what,
      ...(p.choice ? { choice: p.choice } : {}),
      isIrq,
      isPreemption,
      effects: effects(model, prev, st.state),
      skipped: skippedOperations(model, prev, st.action),
      after: cpuViews(st.state),
    });
    prev = st.state;
  });
  return out;
}

/** Interrupts and preemptions in a path, for summaries. */
export function scheduleCounts(views: readonly StepView[]): { irqs: number; preemptions: number } {
  return { irqs: views.filter((v) => v.isIrq).length, preemptions: views.filter((v) => v.isPreemption).length };
}
