/**
 * --out DIR and --emit-test FILE: the files a counterexample is saved as. Their targets are
 * checked before the search (a verdict is never lost to an unwritable path), and they are
 * written together: each to a temporary file, then all renamed, in one synchronous phase that
 * no signal handler can run inside. An interrupted run leaves every file or none.
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError, describeError, type CheckResult, type Model } from '../checker/index.ts';
import { toItfTrace } from '../counterexamples/itf.ts';
import { modelRegressionTestSource, regressionTestSource } from '../counterexamples/emit-test.ts';
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

/** A frame's locals: a map from name to value in ITF (each frame has its own names). */
const KERNEL_ITF_MAPS = ['.tasks[].stack[].locals'];

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
    KERNEL_ITF_MAPS,
  );
}

/**
 * The replayable trace of a counterexample of a model file. `model` is the file's path relative
 * to the directory of the trace (which is how `mmcheck replay` finds it), so a folder of
 * outputs can move together with its model.
 */
export function modelTraceFileOf(modelFile: string, traceDir: string, r: CheckResult): TraceFile {
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    model: relativePath(traceDir, modelFile),
    property: r.property!,
    steps: r.trace ?? [],
  };
}

function relativePath(fromDir: string, to: string): string {
  const p = relative(resolve(fromDir), resolve(to)).split('\\').join('/');
  return p.startsWith('.') || p.startsWith('/') ? p : `./${p}`;
}

/** The files --out writes (scenarios add timeline.html). */
const OUT_FILES = ['trace.json', 'trace.itf.json', 'timeline.html', 'regression.test.ts'];

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The nearest existing directory at or above `path`, for a directory still to be created. */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) p = dirname(p);
  return p;
}

function requireWritableDir(dir: string, what: string): void {
  if (!isDirectory(dir)) throw new UsageError(`${what}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${what}: ${dir} is not writable`);
  }
}

/** Fails (one line, exit 2) before the search when an output could not be written. */
export function checkOutputTargets(p: Parsed): void {
  const out = p.options.out as string | undefined;
  const emit = p.options['emit-test'] as string | undefined;
  if (out !== undefined) {
    if (existsSync(out)) {
      requireWritableDir(out, `cannot write into --out ${out}`);
      for (const f of OUT_FILES) if (isDirectory(join(out, f))) throw new UsageError(`cannot write ${join(out, f)}: it is a directory`);
    } else requireWritableDir(nearestExisting(out), `cannot create --out directory ${out}`);
  }
  if (emit !== undefined) {
    if (isDirectory(emit)) throw new UsageError(`cannot write --emit-test ${emit}: it is a directory`);
    const parent = dirname(resolve(emit));
    if (!existsSync(parent)) throw new UsageError(`cannot write --emit-test ${emit}: directory ${dirname(emit)} does not exist`);
    requireWritableDir(parent, `cannot write --emit-test ${emit}`);
  }
}

export interface OutputFile {
  readonly path: string;
  readonly text: string;
}

/** Writes every file to a temporary sibling, then renames them all; nothing is left half-written. */
export function writeAll(files: readonly OutputFile[], outDir: string | undefined): void {
  if (outDir !== undefined) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`cannot create --out directory ${outDir}: ${describeError(e)}`);
    }
  }
  const temps: string[] = [];
  try {
    for (const f of files) {
      const temp = `${f.path}.${process.pid}.tmp`;
      temps.push(temp);
      try {
        writeFileSync(temp, f.text);
      } catch (e) {
        throw new UsageError(`cannot write ${f.path}: ${describeError(e)}`);
      }
    }
    files.forEach((f, i) => {
      try {
        renameSync(temps[i]!, f.path);
      } catch (e) {
        throw new UsageError(`cannot write ${f.path}: ${describeError(e)}`);
      }
    });
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
  for (const f of files) process.stderr.write(`mmcheck: wrote ${f.path}\n`);
}

function nothingToWrite(p: Parsed, r: CheckResult): boolean {
  if (p.options.out === undefined && p.options['emit-test'] === undefined) return true;
  if (r.verdict !== 'violation' || !r.path) {
    process.stderr.write('mmcheck: no counterexample to write (the check found no violation)\n');
    return true;
  }
  return false;
}

export function writeScenarioOutputs(p: Parsed, model: KernelModel, r: CheckResult<KernelState, KernelAction>): void {
  if (nothingToWrite(p, r)) return;
  const out = p.options.out as string | undefined;
  const emit = p.options['emit-test'] as string | undefined;
  const trace = traceFileOf(model, r, (p.options.set as string[] | undefined) ?? []);
  const files: OutputFile[] = [];
  if (out) {
    const itf = itfTraceOf(model, r);
    const testPath = join(out, 'regression.test.ts');
    files.push(
      { path: join(out, 'trace.json'), text: JSON.stringify(trace, null, 2) + '\n' },
      { path: join(out, 'trace.itf.json'), text: JSON.stringify(itf, null, 1) + '\n' },
      { path: join(out, 'timeline.html'), text: timelineHtml(model, r) },
      { path: testPath, text: regressionTestSource(trace, testPath) },
    );
  }
  if (emit) files.push({ path: emit, text: regressionTestSource(trace, emit) });
  writeAll(files, out);
}

/** trace.json, trace.itf.json and a regression test that replays by label (no kernel timeline). */
export function writeModelOutputs<S, A>(p: Parsed, model: Model<S, A>, modelFile: string, r: CheckResult<S, A>): void {
  if (nothingToWrite(p, r as CheckResult)) return;
  const out = p.options.out as string | undefined;
  const emit = p.options['emit-test'] as string | undefined;
  const files: OutputFile[] = [];
  if (out) {
    const trace = modelTraceFileOf(modelFile, out, r as CheckResult);
    const itf = toItfTrace(r.path!, {
      source: `mmcheck ${model.name}`,
      description: `${model.name}: violation of ${r.property}`,
      actions: r.trace!.map((t) => t.action),
      model: model.name,
      property: r.property,
    });
    const testPath = join(out, 'regression.test.ts');
    files.push(
      { path: join(out, 'trace.json'), text: JSON.stringify(trace, null, 2) + '\n' },
      { path: join(out, 'trace.itf.json'), text: JSON.stringify(itf, null, 1) + '\n' },
      { path: testPath, text: modelRegressionTestSource(modelTraceFileOf(modelFile, out, r as CheckResult), testPath, modelFile, model.name) },
    );
  }
  if (emit) files.push({ path: emit, text: modelRegressionTestSource(modelTraceFileOf(modelFile, dirname(emit), r as CheckResult), emit, modelFile, model.name) });
  writeAll(files, out);
}
