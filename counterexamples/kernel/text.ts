/**
 * The text report of a kernel check: verdict, the rule's words, the kernel-style fault with
 * its call trace, and the schedule: one lane per CPU, one row per step, and the state after
 * the step of the CPU that took it (labelled with that CPU). Everything fits `width` columns:
 * long text wraps (nothing is cut), and a legend explains every abbreviation.
 */
import type { CheckResult } from '../../checker/index.ts';
import { RULES } from '../../properties/index.ts';
import type { KernelAction, KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { statsLine, verdictLine } from '../summary.ts';
import { columns, painter, wrap, wrapItems, wrapLines, type Paint } from '../wrap.ts';
import { invariantStatus } from './explain.ts';
import { scheduleCounts, stepViews, type CpuView, type StepView } from './steps.ts';

export interface TextOptions {
  /** Terminal columns (default 80). */
  readonly width?: number;
  /** ANSI colour (default off). */
  readonly colour?: boolean;
}

/** `  ###  `: the step number column. */
const INDEX = 7;
/** `CPU0 0x17 DEFAULT    1/0   0`: the state column. */
const STATE = 28;
/** Narrower lanes than this and the schedule is printed one step per block instead. */
const MIN_LANE = 24;

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

function stateCell(c: CpuView): string {
  return `${`CPU${c.cpu}`.padEnd(4)} ${hex(c.por)} ${c.level.padEnd(8)} ${`${c.enableCount}/${c.pauseCount}`.padStart(5)} ${String(c.exceptionDepth).padStart(3)}`;
}
const STATE_HEADER = `${'CPU'.padEnd(4)} ${'POR_EL1'.padEnd(13)} ${'lazy'.padStart(5)} ${'exc'.padStart(3)}`;

/**
 * A step's text in `width` columns: `task function: line of C` on one line when it fits;
 * otherwise the task and function (and the outcome chosen) first, the C wrapped under them.
 */
function stepLines(v: StepView, withCpu: boolean, width: number, first = '', rest = '  '): string[] {
  const who = `${withCpu ? `CPU${v.cpu} ` : ''}${v.task}`;
  if (v.isIrq) return wrap(`${who} ${v.what}`, width, first, rest);
  const head = `${who} ${v.fn}${v.choice ? ` → ${v.choice}` : ''}:`;
  const one = `${head} ${v.what}`;
  if (columns(first) + columns(one) <= width) return [first + one];
  return [...wrap(head, width, first, rest), ...wrap(v.what, width, rest, rest)];
}

type Kind = 'plain' | 'irq' | 'preempt' | 'bad' | 'skip' | 'head';
interface Line {
  readonly text: string;
  readonly kind: Kind;
}

/** What follows a step: its effects (↳) and the operations it skipped (↷). */
function notes(v: StepView): { text: string; kind: Kind }[] {
  return [
    ...v.effects.map((e) => ({ text: `↳ ${e}`, kind: (/^(VIOLATION|OOPS)/.test(e) ? 'bad' : 'plain') as Kind })),
    ...v.skipped.map((o) => ({ text: `↷ skipped ${o.op} in ${o.fn}: ${o.why}`, kind: 'skip' as Kind })),
  ];
}

function stepKind(v: StepView): Kind {
  return v.isIrq ? 'irq' : v.isPreemption ? 'preempt' : 'plain';
}

/** Lanes side by side, the acting CPU's state at the right. */
function laneRows(views: readonly StepView[], cpus: number, lane: number): Line[] {
  const out: Line[] = [];
  const pad = (s: string) => s.padEnd(lane);
  const row = (index: string, cpu: number, text: string, state: string) =>
    `  ${index.padStart(3)}  ${Array.from({ length: cpus }, (_, i) => pad(i === cpu ? text : '')).join(' ')} ${state}`.trimEnd();
  out.push({
    text: `  ${'#'.padStart(3)}  ${Array.from({ length: cpus }, (_, i) => pad(`CPU${i}`)).join(' ')} ${STATE_HEADER}`.trimEnd(),
    kind: 'head',
  });
  for (const v of views) {
    const kind = stepKind(v);
    const text = stepLines(v, false, lane);
    const me = v.after[v.cpu];
    out.push({ text: `  ${String(v.index).padStart(3)}  ${Array.from({ length: cpus }, (_, i) => pad(i === v.cpu ? text[0] : '.')).join(' ')} ${stateCell(me)}`.trimEnd(), kind });
    for (const t of text.slice(1)) out.push({ text: row('', v.cpu, t, ''), kind });
    for (const n of notes(v)) for (const t of wrap(n.text, lane, '', '  ')) out.push({ text: row('', v.cpu, t, ''), kind: n.kind });
  }
  return out;
}

/** One step per block, for terminals too narrow for lanes: the state on its own line. */
function blockRows(views: readonly StepView[], cpus: number, width: number): Line[] {
  const out: Line[] = wrap('step, then the state after it of the CPU that took it', width, `  ${'#'.padStart(3)}  `, ' '.repeat(INDEX)).map((text) => ({ text, kind: 'head' }));
  const indent = ' '.repeat(INDEX);
  for (const v of views) {
    const kind = stepKind(v);
    const text = stepLines(v, cpus > 1, width, `  ${String(v.index).padStart(3)}  `, `${indent}  `);
    for (const t of text) out.push({ text: t, kind });
    const me = v.after[v.cpu];
    for (const t of wrap(`state: CPU${me.cpu} POR_EL1 ${hex(me.por)} ${me.level}, lazy ${me.enableCount}/${me.pauseCount}, exc ${me.exceptionDepth}`, width, indent, `${indent}  `))
      out.push({ text: t, kind: 'plain' });
    for (const n of notes(v)) for (const t of wrap(n.text, width, indent, `${indent}  `)) out.push({ text: t, kind: n.kind });
  }
  return out;
}

/** The legend: every abbreviation and mark the schedule uses. */
function legend(width: number): string[] {
  return wrap(
    'Legend: the state column is the CPU named in it (the one that took the step), after the step: ' +
      'POR_EL1 and its kpkeys level (PGTABLES grants write to page tables, DEFAULT does not); ' +
      'lazy = enable_count/pause_count of the task\u2019s lazy_mmu_state; exc = exception depth (open el1h_64_irq frames). ' +
      '"." = that CPU did not step; → the outcome a step chose; ↳ what the step changed; ' +
      '↷ an operation the design let the code skip (it did not run).',
    width,
    '',
    '  ',
  );
}

const PAINT: Partial<Record<Kind, Paint>> = { irq: 'yellow', preempt: 'magenta', bad: 'red', skip: 'cyan', head: 'bold' };

export function scheduleTable(views: readonly StepView[], cpus: number, opts: TextOptions = {}): string[] {
  const width = Math.max(20, opts.width ?? 80);
  const paint = painter(opts.colour ?? false);
  const c = scheduleCounts(views);
  const skipped = views.reduce((n, v) => n + v.skipped.length, 0);
  const title = `Schedule (${views.length} step${views.length === 1 ? '' : 's'}, ${c.irqs} IRQ${c.irqs === 1 ? '' : 's'}, ${c.preemptions} preemption${c.preemptions === 1 ? '' : 's'}${skipped ? `, ${skipped} skipped operation${skipped === 1 ? '' : 's'}` : ''}):`;
  const lane = Math.floor((width - INDEX - 1 - STATE - (cpus - 1)) / cpus);
  const rows = lane >= MIN_LANE ? laneRows(views, cpus, lane) : blockRows(views, cpus, width);
  return [
    ...wrap(title, width, '', '  '),
    ...rows.map((l) => {
      const p = PAINT[l.kind];
      const text = p ? paint(l.text, p) : l.text;
      return opts.colour ? text.replace(/\bPGTABLES\b/g, (m) => paint(m, 'green')) : text;
    }),
    '',
    ...legend(width),
  ];
}

/** The splat as arm64 prints it, if the kernel died. */
export function oopsLines(s: KernelState): string[] {
  if (!s.oops) return [];
  return [s.oops.message, ...s.oops.details, 'Call trace:', ...s.oops.callTrace.map((f) => ` ${f}`), 'Kernel panic - not syncing: Oops: Fatal exception'];
}

/**
 * What the rule saw, when no oops tells it (a WARN, a rule on states). A rule on states that
 * fails with no recorded message (the initial state may already break it) is explained from
 * the state: which CPU, task, page or alias breaks it.
 */
export function violationLines(r: CheckResult<KernelState, KernelAction>, model?: KernelModel): string[] {
  const last = r.path?.steps.length ? r.path.steps[r.path.steps.length - 1].state : r.path?.initial;
  if (!last || !r.property) return [];
  const v = last.violations.get(r.property);
  const out: string[] = [];
  if (v) out.push(`  ${v.message}`);
  else if (model) {
    const status = invariantStatus(model, last).find((i) => i.name === r.property);
    if (status && !status.holds) out.push(...status.why.map((w) => `  ${w}`));
  }
  // WARNs and KFENCE reports the kernel survived (model/kernel/fault.ts), as dmesg shows them.
  for (const w of last.warnings)
    out.push(
      '',
      w.kind === 'WARN' ? '------------[ cut here ]------------' : '==================================================================',
      w.message,
      ...(w.kind === 'WARN' ? [`WARNING: CPU: ${w.cpu} at arch/arm64/mm/fault.c __do_kernel_fault`] : []),
      'Call trace:',
      ...w.callTrace.map((f) => ` ${f}`),
      w.kind === 'WARN' ? '---[ end trace ]--- (recovered: the access was retried)' : '(recovered: KFENCE unprotected the page and the access was retried)',
    );
  const oops = oopsLines(last);
  if (oops.length) out.push('', ...oops);
  else if (v) out.push('', 'Call trace:', ...v.callTrace.map((f) => ` ${f}`));
  return out;
}

export function renderKernelResult(r: CheckResult<KernelState, KernelAction>, model: KernelModel, opts: TextOptions = {}): string {
  const width = Math.max(20, opts.width ?? 80);
  const paint = painter(opts.colour ?? false);
  // A design file may add invariants of its own: the model's env knows them.
  const ruleOf = (p: string) => (model.env.rules ?? RULES).find((x) => x.name === p);
  const rule = r.property ? ruleOf(r.property) : undefined;
  const verdict = verdictLine(r, (p) => ruleOf(p)?.statement);
  const head = wrapLines([`mmcheck: ${model.scenario.name} under ${model.design.name} (${r.strategy}${r.seed !== undefined ? `, seed ${r.seed}` : ''})`], width);
  const verdictLines = wrap(verdict, width, '', '  ').map((l) => paint(l, r.verdict === 'pass' ? 'green' : r.verdict === 'incomplete' ? 'yellow' : 'red'));
  const out = [...head, ...verdictLines];
  if (rule && r.verdict === 'violation') out.push(...wrapLines(violationLines(r, model), width));
  if (r.path && r.path.steps.length) {
    const views = stepViews(model, r.path);
    out.push('', ...scheduleTable(views, r.path.initial.cpus.length, { width, colour: opts.colour }));
    if (r.shrunk)
      out.push(
        ...wrap(
          r.originalLength === r.path.steps.length ? '(of the shortest schedules, one with fewer IRQs or preemptions)' : `(shrunk from ${r.originalLength} steps)`,
          width,
        ),
      );
  }
  out.push('', ...wrapItems(statsLine(r).split(' · '), width));
  return out.join('\n');
}
