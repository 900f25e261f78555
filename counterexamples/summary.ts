/** The human-readable summary of a check result, for any model. */
import type { CheckResult, Model } from '../checker/index.ts';
import { wrap, wrapItems, wrapLines } from './wrap.ts';

export function verdictLine(r: CheckResult, describe?: (property: string) => string | undefined): string {
  const what = r.property ? `${r.property}${describe?.(r.property) ? ` — ${describe(r.property)}` : ''}` : '';
  switch (r.verdict) {
    case 'pass':
      if (r.strategy === 'random')
        return `✓ no violation found in ${r.bounds.walks} random walks (random search cannot prove there is none)`;
      return r.complete
        ? `✓ pass: every invariant holds in the whole space within the bounds${r.boundsReached?.maxDepth ? ' (the depth bound cut some paths)' : ''}`
        : '✓ pass (incomplete)';
    case 'violation':
      return `✗ violation of ${what}`;
    case 'deadlock':
      return '✗ deadlock: a state with no enabled action that is not a proper end state';
    case 'incomplete':
      return `… incomplete: stopped by ${stopWhy(r)} before a verdict; no violation found so far`;
  }
}

function stopWhy(r: CheckResult): string {
  switch (r.stopReason) {
    case 'max-states':
      return `--max-states ${r.bounds.maxStates}`;
    case 'time-limit':
      return `--time-limit ${r.bounds.timeLimitSeconds}`;
    case 'max-memory':
      return 'the memory guard (--max-memory)';
    case 'interrupted':
      return 'a signal (Ctrl-C or SIGTERM)';
    default:
      return 'a limit';
  }
}

export function statsLine(r: CheckResult): string {
  const s = r.stats;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `${n(s.distinctStates)} distinct states`,
    `${n(s.generatedStates)} generated`,
    `depth ${s.depth}`,
    `${s.seconds.toFixed(3)} s`,
    `${n(s.statesPerSecond)} states/s`,
    `${s.bytesPerState} B/state`,
    `fingerprint collision probability ${s.collisionProbability.toExponential(1)}`,
    ...reductionItem(r),
  ].join(' · ');
}

/**
 * What reduction changed the counts (they are then not the unreduced ones TLC would give):
 * partial-order reduction when it expanded a state with one actor's steps only, symmetry when on.
 */
function reductionItem(r: CheckResult): string[] {
  const red = r.stats.reduction;
  const reduced = red?.por ? (red.reducedStates ?? 0) : 0;
  if (!red || (reduced === 0 && !red.symmetry)) return [];
  const por = reduced > 0 ? [`partial-order (${reduced.toLocaleString('en-US')} states expanded with one actor's steps)`] : [];
  return [`reduction: ${[...por, ...(red.symmetry ? ['symmetry'] : [])].join(' and ')}; --reduction none for unreduced counts`];
}

/** The trace with the state after each step (the model's `formatState`, or JSON), in `width` columns. */
export function traceLines<S, A>(r: CheckResult<S, A>, model: Model<S, A>, width = Infinity): string[] {
  if (!r.path || !r.trace) return [];
  const show = (s: S) => (model.formatState ? model.formatState(s) : JSON.stringify(toPlain(s)));
  const labels = r.trace.map((t) => t.action);
  const labelWidth = Math.max(15, ...labels.map((l) => l.length)) + 2;
  const how = !r.shrunk ? '' : r.originalLength === r.trace.length ? ', fewer interrupts or preemptions than found' : `, shrunk from ${r.originalLength}`;
  const lines = wrap(`Trace (${r.trace.length} step${r.trace.length === 1 ? '' : 's'}${how}):`, width, '', '  ');
  const row = (index: number, label: string, state: string) => {
    const one = `  ${String(index).padStart(3)}  ${label.padEnd(labelWidth)}${state}`;
    if (one.length <= width) return [one];
    // Too wide: the label, then the state below it, both wrapped under the step number.
    return [...wrap(label, width, `  ${String(index).padStart(3)}  `, '         '), ...state.split('\n').flatMap((l) => wrap(l, width, '         ', '           '))];
  };
  lines.push(...row(0, '(initial state)', show(r.path.initial)));
  r.path.steps.forEach((step, i) => lines.push(...row(i + 1, labels[i], show(step.state))));
  return lines;
}

function toPlain(v: unknown): unknown {
  const maybe = v as { toJS?: () => unknown };
  return maybe && typeof maybe.toJS === 'function' ? maybe.toJS() : v;
}

/** The report of a check of any model, in `width` columns (default: no limit). */
export function renderResult<S, A>(r: CheckResult<S, A>, model: Model<S, A>, opts: { width?: number } = {}): string {
  const width = opts.width ?? Infinity;
  const describe = (p: string) => model.invariants.find((i) => i.name === p)?.description;
  const out = [
    ...wrapLines([`mmcheck: ${r.model} (${r.strategy}${r.seed !== undefined ? `, seed ${r.seed}` : ''})`], width),
    ...wrap(verdictLine(r, describe), width, '', '  '),
  ];
  const trace = traceLines(r, model, width);
  if (trace.length) out.push('', ...trace);
  out.push('', ...wrapItems(statsLine(r).split(' · '), width));
  return out.join('\n');
}
