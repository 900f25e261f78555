/**
 * trace.json: mmcheck's replayable counterexample. Steps are action labels, so the file
 * survives model changes that leave those steps alone; the scenario, design and knobs say
 * what to rebuild. Reading validates every field: a bad file is one clear UsageError.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { UsageError, describeError, type TraceStep } from '../checker/index.ts';

export const TRACE_FORMAT = 'mmcheck-trace';
export const TRACE_VERSION = 1;

export interface TraceFile {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  /** A scenario of model/scenarios, or `model` for a user model file. */
  readonly scenario?: string;
  /** The model file, relative to the trace file's directory (or absolute). */
  readonly model?: string;
  readonly design?: string;
  readonly set?: readonly string[];
  readonly params?: Readonly<Record<string, number>>;
  readonly invariants?: readonly string[];
  readonly property: string;
  /** The fault line, when the kernel oopsed. */
  readonly message?: string;
  readonly callTrace?: readonly string[];
  readonly steps: readonly TraceStep[];
}

/** Writes a trace file atomically: a temporary file, then a rename. */
export function writeTraceFile(path: string, t: TraceFile): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(t, null, 2) + '\n');
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Validates parsed JSON as a trace file; `where` names it in errors. */
export function parseTraceFile(data: unknown, where: string): TraceFile {
  const bad = (why: string): never => {
    throw new UsageError(`malformed trace file ${where}: ${why}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) bad('not a JSON object');
  const o = data as Record<string, unknown>;
  if (o.format !== TRACE_FORMAT) bad(`"format" must be "${TRACE_FORMAT}"`);
  if (o.version !== TRACE_VERSION) bad(`unsupported "version" ${JSON.stringify(o.version)} (this mmcheck reads ${TRACE_VERSION})`);
  if ((o.scenario === undefined) === (o.model === undefined)) bad('needs exactly one of "scenario" and "model"');
  if (o.scenario !== undefined && typeof o.scenario !== 'string') bad('"scenario" must be a string');
  if (o.model !== undefined && typeof o.model !== 'string') bad('"model" must be a string');
  if (o.design !== undefined && typeof o.design !== 'string') bad('"design" must be a string');
  if (o.set !== undefined && !isStringArray(o.set)) bad('"set" must be an array of "knob=value" strings');
  if (o.invariants !== undefined && !isStringArray(o.invariants)) bad('"invariants" must be an array of strings');
  if (o.params !== undefined) {
    if (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params)) bad('"params" must be an object');
    for (const [k, v] of Object.entries(o.params as object)) if (typeof v !== 'number') bad(`param "${k}" must be a number`);
  }
  if (typeof o.property !== 'string' || o.property === '') bad('"property" must name the violated invariant');
  if (o.message !== undefined && typeof o.message !== 'string') bad('"message" must be a string');
  if (o.callTrace !== undefined && !isStringArray(o.callTrace)) bad('"callTrace" must be an array of function names');
  if (!Array.isArray(o.steps)) bad('"steps" must be an array');
  (o.steps as unknown[]).forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof (s as { action?: unknown }).action !== 'string')
      bad(`step ${i + 1} must be an object with a string "action"`);
  });
  return o as unknown as TraceFile;
}

export function readTraceFile(path: string): TraceFile {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`cannot read trace file ${path}: it is a directory`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`trace file not found: ${path}`);
    throw new UsageError(`cannot read trace file ${path}: ${describeError(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`malformed trace file ${path}: not valid JSON (${describeError(e)})`);
  }
  return parseTraceFile(data, path);
}
