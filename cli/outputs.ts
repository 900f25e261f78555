/** --out DIR and --emit-test FILE: the files a kernel counterexample is saved as. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, describeError, type CheckResult } from '../checker/index.ts';
import { toItfTrace } from '../counterexamples/itf.ts';
import { regressionTestSource } from '../counterexamples/emit-test.ts';
import { timelineHtml } from '../counterexamples/kernel/html.ts';
import { TRACE_FORMAT, TRACE_VERSION, type TraceFile } from '../counterexamples/trace-file.ts';
import { violationDetails } from '../api/check-scenario.ts';
import type { KernelAction, KernelModel } from '../model/kernel-model.ts';
import type { KernelState } from '../model/kernel/state.ts';
import type { Parsed } from './args.ts';

/** The replayable trace of a kernel counterexample. */
export function traceFileOf(model: KernelModel, r: CheckResult<KernelState, KernelAction>, set: readonly string[]): TraceFile {
  const d = violationDetails(r);
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario: model.scenario.name,
    design: model.design.name.split('+')[0],
    ...(set.length ? { set: [...set] } : {}),
    params: { ...model.params },
    invariants: model.invariants.map((i) => i.name),
    property: r.property!,
    ...(d.message ? { message: d.message } : {}),
    ...(d.callTrace ? { callTrace: d.callTrace } : {}),
    steps: r.trace ?? [],
  };
}

/** The counterexample in ITF, with the scenario's parameters and the design's knobs as trace parameters. */
export function itfTraceOf(model: KernelModel, r: CheckResult<KernelState, KernelAction>): Record<string, unknown> {
  return toItfTrace(
    r.path!,
    {
      source: `mmcheck ${model.scenario.name}`,
      description: `${model.scenario.name} under ${model.design.name}: violation of ${r.property}`,
      actions: r.trace!.map((t) => t.action),
      scenario: model.scenario.name,
      design: model.design.name,
      property: r.property,
    },
    { scenario_params: { ...model.params }, design_knobs: { ...model.design.knobs } },
  );
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${describeError(e)}`);
  }
}

export async function writeOutputs(p: Parsed, model: KernelModel, r: CheckResult<KernelState, KernelAction>): Promise<string[]> {
  const out = p.options.out as string | undefined;
  const emit = p.options['emit-test'] as string | undefined;
  if (!out && !emit) return [];
  if (r.verdict !== 'violation' || !r.path) {
    process.stderr.write('mmcheck: no counterexample to write (the check found no violation)\n');
    return [];
  }
  const trace = traceFileOf(model, r, (p.options.set as string[] | undefined) ?? []);
  const written: string[] = [];
  if (out) {
    try {
      mkdirSync(out, { recursive: true });
    } catch (e) {
      throw new UsageError(`cannot create --out directory ${out}: ${describeError(e)}`);
    }
    const tracePath = join(out, 'trace.json');
    write(tracePath, JSON.stringify(trace, null, 2) + '\n');
    const itf = itfTraceOf(model, r);
    write(join(out, 'trace.itf.json'), JSON.stringify(itf, null, 1) + '\n');
    write(join(out, 'timeline.html'), timelineHtml(model, r));
    const testPath = join(out, 'regression.test.ts');
    write(testPath, regressionTestSource(trace, testPath));
    written.push(tracePath, join(out, 'trace.itf.json'), join(out, 'timeline.html'), testPath);
  }
  if (emit) {
    write(emit, regressionTestSource(trace, emit));
    written.push(emit);
  }
  for (const f of written) process.stderr.write(`mmcheck: wrote ${f}\n`);
  return written;
}
