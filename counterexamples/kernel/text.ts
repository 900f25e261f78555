/**
 * The text report of a kernel check: verdict, the rule's words, the kernel-style fault with
 * its call trace, and the schedule: one lane per CPU, one row per step, the state that matters.
 */
import type { CheckResult } from '../../checker/index.ts';
import { RULES } from '../../properties/index.ts';
import type { KernelAction, KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { statsLine, verdictLine } from '../summary.ts';
import { scheduleCounts, stepViews, type StepView } from './steps.ts';

/** Lane width: one wide lane, or narrower ones side by side. */
const laneWidth = (cpus: number) => (cpus === 1 ? 84 : 58);

function clip(s: string, n: number): string {
  return s.length <= n ? s.padEnd(n) : `${s.slice(0, n - 1)}…`;
}

export function scheduleTable(views: readonly StepView[], cpus: number): string[] {
  const c = scheduleCounts(views);
  const lines = [
    `Schedule (${views.length} step${views.length === 1 ? '' : 's'}, ${c.irqs} IRQ${c.irqs === 1 ? '' : 's'}, ${c.preemptions} preemption${c.preemptions === 1 ? '' : 's'}):`,
  ];
  const LANE = laneWidth(cpus);
  const lanes = Array.from({ length: cpus }, (_, i) => clip(`CPU${i}`, LANE)).join(' ');
  lines.push(`  ${'#'.padStart(3)}  ${lanes} POR_EL1        lazy exc`);
  for (const v of views) {
    const text = `${v.task} ${v.isIrq ? v.what : v.choice ? `${v.fn} → ${v.choice}: ${v.what}` : `${v.fn}: ${v.what}`}`;
    const cells = Array.from({ length: cpus }, (_, i) => (i === v.cpu ? clip(text, LANE) : clip(' .', LANE))).join(' ');
    const me = v.after[v.cpu];
    const state = `0x${me.por.toString(16).padStart(2, '0')} ${me.level.padEnd(8)} ${`${me.enableCount}/${me.pauseCount}`.padStart(4)} ${String(me.exceptionDepth).padStart(3)}`;
    lines.push(`  ${String(v.index).padStart(3)}  ${cells} ${state}`);
    for (const e of v.effects) lines.push(`       ${' '.repeat(v.cpu * (LANE + 1))}↳ ${e}`);
  }
  return lines;
}

/** The splat as arm64 prints it, if the kernel died. */
export function oopsLines(s: KernelState): string[] {
  if (!s.oops) return [];
  return [s.oops.message, ...s.oops.details, 'Call trace:', ...s.oops.callTrace.map((f) => ` ${f}`), 'Kernel panic - not syncing: Oops: Fatal exception'];
}

/** What the rule saw, when no oops tells it (a WARN, a rule on states). */
export function violationLines(r: CheckResult<KernelState, KernelAction>): string[] {
  const last = r.path?.steps.length ? r.path.steps[r.path.steps.length - 1].state : r.path?.initial;
  if (!last || !r.property) return [];
  const v = last.violations.get(r.property);
  const out: string[] = [];
  if (v) out.push(`  ${v.message}`);
  const oops = oopsLines(last);
  if (oops.length) out.push('', ...oops);
  else if (v) out.push('', 'Call trace:', ...v.callTrace.map((f) => ` ${f}`));
  return out;
}

export function renderKernelResult(r: CheckResult<KernelState, KernelAction>, model: KernelModel): string {
  // A design file may add invariants of its own: the model's env knows them.
  const ruleOf = (p: string) => (model.env.rules ?? RULES).find((x) => x.name === p);
  const rule = r.property ? ruleOf(r.property) : undefined;
  const out = [
    `mmcheck: ${model.scenario.name} under ${model.design.name} (${r.strategy}${r.seed !== undefined ? `, seed ${r.seed}` : ''})`,
    verdictLine(r, (p) => ruleOf(p)?.statement),
  ];
  if (rule && r.verdict === 'violation') out.push(...violationLines(r));
  if (r.path && r.path.steps.length) {
    const views = stepViews(model, r.path);
    out.push('', ...scheduleTable(views, r.path.initial.cpus.size));
    if (r.shrunk)
      out.push(r.originalLength === r.path.steps.length ? '(of the shortest schedules, one with fewer IRQs or preemptions)' : `(shrunk from ${r.originalLength} steps)`);
  }
  out.push('', statsLine(r));
  return out.join('\n');
}
