/**
 * A maintainer's own design, outside the repository: a `.ts`/`.js` file whose default export
 * (made with `defineDesign`) starts from a named design, sets knobs, replaces or wraps kernel
 * functions with steps of its own (the same kernel-as-data vocabulary as model/kernel/), and
 * may add invariants. The replaced functions apply only to models built with the design: they
 * live in the design (`Design.functions`), and the interpreter looks functions up through the
 * run's env (model/kernel/exec.ts `fnIn`), never in the global table.
 *
 * Everything wrong with a design file is a UsageError: one line, exit 2.
 */
import { existsSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, describeError } from '../checker/index.ts';
import { RULES_BY_NAME, type KernelEvent, type KernelFacts, type KernelRule } from '../properties/index.ts';
import { designNames, getDesign, isDesignFilePath, KNOB_SPECS, type Design, type Knobs } from './designs.ts';
import { allFunctions, fnNamed, kfunction, local, type KFunction, type Step } from './kernel/exec.ts';
import './kernel/functions.ts';

/** An invariant of the design's own. Showing it can fail (a design that violates it) is its author's job. */
export interface DesignInvariant {
  /** Identifier, as for the built-in invariants (`--invariant NAME`, reports). */
  readonly name: string;
  /** One sentence a maintainer would say. */
  readonly statement: string;
  readonly rationale?: string;
  readonly reference?: string;
  /** Predicate on every reachable state. */
  readonly holds?: (facts: KernelFacts) => boolean;
  /** Check of every kernel event (a page-table store, an access...): what went wrong, or undefined. */
  readonly check?: (event: KernelEvent) => string | undefined;
}

/** The function's steps are replaced by these. */
export interface ReplaceFunction {
  readonly replace: readonly Step[];
  /** Where the new code is (default: the design file). */
  readonly source?: string;
}

/**
 * The function runs these steps instead; `original` is the function as it was (call it with
 * `callOriginal(original)`). It stays out of kernel-style call traces: the trace shows the
 * function's name once.
 */
export interface WrapFunction {
  readonly wrap: (original: KFunction) => readonly Step[];
  readonly source?: string;
}

export type FunctionChange = ReplaceFunction | WrapFunction;

export interface DesignDefinition {
  /** Shown in reports; must not be the name of a built-in design. */
  readonly name: string;
  readonly description?: string;
  /** The named design it starts from (default v6), or another design object. */
  readonly base?: string | Design;
  /** Knob changes from the base, by their names in `Knobs` (`pauseLazyMmuInFinishTaskSwitch: true`). */
  readonly knobs?: Partial<Knobs>;
  /** Kernel functions this design replaces or wraps, by kernel name. */
  readonly functions?: Readonly<Record<string, FunctionChange>>;
  readonly invariants?: readonly DesignInvariant[];
}

/** What `defineDesign` returns: the definition, marked, so that any API taking a design accepts it. */
export type DefinedDesign = DesignDefinition & { readonly kind: 'mmcheck-design-definition' };

const DEFINITION_KIND = 'mmcheck-design-definition';

/** Typed identity: declares a design (the default export of a design file). */
export function defineDesign(def: DesignDefinition): DefinedDesign {
  return { ...def, kind: DEFINITION_KIND };
}

export function isDesignDefinition(x: unknown): x is DesignDefinition {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === DEFINITION_KIND;
}

/** The kernel function of the model with this name (to `k.call()` it from a step). */
export function kernelFunction(name: string): KFunction {
  if (!allFunctions().some((f) => f.name === name)) throw new UsageError(`no kernel function named "${name}"${nearest(name)}`);
  return fnNamed(name);
}

/** The step of a wrapper that calls the function it wraps, with the wrapper's arguments; its return value lands in local `ret`. */
export function callOriginal(original: KFunction, label = `${original.name.replace(/ \(original( \d+)?\)$/, '')}()`): Step {
  return local(label, (k) => k.call(original, { ...k.frame.locals }));
}

function nearest(name: string): string {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 4)) + 1;
  for (const f of allFunctions()) {
    const d = editDistance(name, f.name);
    if (d < bestDistance) (best = f.name), (bestDistance = d);
  }
  return best ? ` (did you mean ${best}?)` : '';
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** Checks a definition and builds the design: knobs merged on the base, functions, invariants. */
export function designFromDefinition(def: DesignDefinition, from?: string): Design {
  const where = from ? `design file ${from}` : 'design';
  const fail = (what: string): never => {
    throw new UsageError(`${where}: ${what}`);
  };
  if (typeof def !== 'object' || def === null) fail('the definition is not an object');
  if (typeof def.name !== 'string' || !/^\S+$/.test(def.name)) fail('needs a name (a string without spaces)');
  if (designNames().includes(def.name)) fail(`is named "${def.name}", which is a built-in design; choose another name`);
  const known = new Set(['name', 'description', 'base', 'knobs', 'functions', 'invariants', 'kind']);
  for (const key of Object.keys(def)) if (!known.has(key)) fail(`unknown field "${key}" (fields: ${[...known].filter((k) => k !== 'kind').join(', ')})`);
  if (def.description !== undefined && typeof def.description !== 'string') fail('description must be a string');

  let base: Design;
  if (def.base === undefined || typeof def.base === 'string') base = getDesign(def.base ?? 'v6');
  else if (isDesignDefinition(def.base)) base = designFromDefinition(def.base, from);
  else if (typeof def.base === 'object' && def.base !== null && typeof (def.base as Design).knobs === 'object') base = def.base;
  else return fail('base must be a design name or a design');

  const knobs = { ...base.knobs, ...checkedKnobs(def.knobs, fail) };
  const functions = new Map(base.functions ?? []);
  if (def.functions !== undefined && (typeof def.functions !== 'object' || def.functions === null)) fail('functions must be an object: { kernel_function_name: { replace } | { wrap } }');
  for (const [name, change] of Object.entries(def.functions ?? {}))
    for (const fn of changedFunction(name, change, functions, from, fail)) functions.set(fn.name, fn);
  const invariants = [...(base.invariants ?? []), ...(def.invariants ?? []).map((inv, i) => checkedInvariant(inv, i, fail))];
  const names = invariants.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`declares invariant "${dup}" twice`);

  return {
    name: def.name,
    description: def.description ?? `${base.name} changed by ${from ?? 'a design definition'}`,
    knobs,
    base: base.name,
    ...(from ? { file: from } : {}),
    ...(functions.size ? { functions } : {}),
    ...(invariants.length ? { invariants } : {}),
  };
}

function checkedKnobs(knobs: unknown, fail: (what: string) => never): Partial<Knobs> {
  if (knobs === undefined) return {};
  if (typeof knobs !== 'object' || knobs === null) return fail('knobs must be an object of knob values');
  for (const [key, value] of Object.entries(knobs)) {
    const spec = KNOB_SPECS[key as keyof Knobs];
    if (!spec) fail(`unknown knob "${key}"; knobs: ${Object.keys(KNOB_SPECS).join(', ')}`);
    if (!spec.values.includes(value as string | boolean))
      fail(`knob ${key} takes ${spec.values.map((v) => JSON.stringify(v)).join(' | ')}; got ${JSON.stringify(value)}`);
  }
  return knobs as Partial<Knobs>;
}

/** The design's version of `name` (and, for a wrapper, the original it calls, under a name of its own). */
function changedFunction(
  name: string,
  change: FunctionChange,
  functions: ReadonlyMap<string, KFunction>,
  from: string | undefined,
  fail: (what: string) => never,
): KFunction[] {
  const current = functions.get(name);
  if (!current && !allFunctions().some((f) => f.name === name)) fail(`replaces kernel function "${name}", which does not exist${nearest(name)}`);
  const original = current ?? fnNamed(name);
  const source = (change as { source?: unknown }).source ?? from ?? 'a design';
  if (typeof source !== 'string') fail(`${name}: source must be a string`);
  let steps: readonly Step[];
  if (typeof change === 'object' && change !== null && 'replace' in change) steps = change.replace;
  else if (typeof change === 'object' && change !== null && 'wrap' in change && typeof change.wrap === 'function') {
    // The wrapped function keeps running under its own name, out of call traces (the wrapper shows it).
    let hiddenName = `${name} (original)`;
    for (let n = 2; functions.has(hiddenName); n++) hiddenName = `${name} (original ${n})`;
    const hidden = kfunction(hiddenName, original.source, original.steps, { inline: true });
    try {
      steps = change.wrap(hidden);
    } catch (e) {
      return fail(`${name}: wrap() threw: ${describeError(e)}`);
    }
    checkedSteps(name, steps, fail);
    return [kfunction(name, source as string, steps, { inline: original.inline }), hidden];
  } else return fail(`functions.${name} must be { replace: [steps] } or { wrap: (original) => [steps] }`);
  checkedSteps(name, steps, fail);
  return [kfunction(name, source as string, steps, { inline: original.inline })];
}

function checkedSteps(fn: string, steps: unknown, fail: (what: string) => never): true {
  if (!Array.isArray(steps) || steps.length === 0) fail(`${fn}: the steps must be a non-empty array of event(...)/local(...) steps`);
  const names = new Set<string>();
  (steps as unknown[]).forEach((st, i) => {
    const s = st as Partial<Step> | null;
    if (typeof s !== 'object' || s === null || typeof s.label !== 'string' || typeof s.run !== 'function' || !(s.kind === 'event' || s.kind === 'local' || typeof s.kind === 'function'))
      fail(`${fn}: step ${i + 1} is not a step (make it with event(label, run) or local(label, run))`);
    if (s!.name !== undefined) {
      if (names.has(s!.name)) fail(`${fn}: two steps are named "${s!.name}"`);
      names.add(s!.name);
    }
  });
  return true;
}

function checkedInvariant(inv: DesignInvariant, i: number, fail: (what: string) => never): KernelRule {
  if (typeof inv !== 'object' || inv === null) fail(`invariant ${i + 1} is not an object`);
  if (typeof inv.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(inv.name)) fail(`invariant ${i + 1} needs a name in kebab-case (e.g. "pgtable-stores-outside-lazy-mmu")`);
  if (RULES_BY_NAME.has(inv.name)) fail(`invariant "${inv.name}" has the name of a built-in invariant`);
  if (typeof inv.statement !== 'string' || inv.statement.trim() === '') fail(`invariant ${inv.name} needs a statement (one sentence)`);
  if (inv.holds !== undefined && typeof inv.holds !== 'function') fail(`invariant ${inv.name}: holds must be a function of the state's facts`);
  if (inv.check !== undefined && typeof inv.check !== 'function') fail(`invariant ${inv.name}: check must be a function of a kernel event`);
  if (!inv.holds && !inv.check) fail(`invariant ${inv.name} needs holds(facts) or check(event)`);
  return {
    name: inv.name,
    number: -1, // not one of the numbered rules of the model
    statement: inv.statement,
    rationale: inv.rationale ?? '',
    reference: inv.reference ?? '',
    ...(inv.holds ? { holds: inv.holds } : {}),
    ...(inv.check ? { check: inv.check } : {}),
  };
}

/** A design given by name, file path, design object or definition (`defineDesign`), as a design. */
export function designOf(spec: string | Design | DesignDefinition): Design {
  if (typeof spec === 'string') return getDesign(spec);
  if (isDesignDefinition(spec)) return designFromDefinition(spec);
  return spec;
}

const loaded = new Map<string, Design>();

/**
 * Loads a design file (its default export): dynamic import, so a `.ts` file needs tsx (the
 * mmcheck command registers it; vitest handles it; plain node does not).
 */
export async function loadDesignFile(path: string): Promise<Design> {
  const abs = resolve(path);
  const cached = loaded.get(abs);
  if (cached) return cached;
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new UsageError(`design file not found: ${path}`);
  let ns: Record<string, unknown>;
  try {
    await shareMmcheckWithCommonJs();
    ns = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load design file ${path}: ${loadErrorLine(e, abs)}`);
  }
  let def = ns.default as unknown;
  // A .ts file outside an ESM package is compiled as CommonJS: unwrap its interop namespace.
  if (def && typeof def === 'object' && (def as { __esModule?: boolean }).__esModule && 'default' in def) def = (def as { default: unknown }).default;
  if (!isDesignDefinition(def)) throw new UsageError(`design file ${path}: the default export is not a design (export default defineDesign({ name, base, ... }))`);
  const design = designFromDefinition(def, path);
  loaded.set(abs, design);
  return design;
}

let shared = false;

/**
 * A design file outside any package is compiled as CommonJS (tsx), and its `import ... from
 * 'mmcheck/design'` becomes a require() that Node resolves from the file's directory. Where that
 * finds no mmcheck, it gets this running mmcheck's modules (the very instances the checker
 * uses, not a second copy), so a design file works from anywhere on disk.
 */
async function shareMmcheckWithCommonJs(): Promise<void> {
  if (shared) return;
  shared = true;
  // Source (.ts under tsx) or a compiled build (.js): the entry files sit beside this one alike.
  const ext = import.meta.url.endsWith('.js') ? '.js' : '.ts';
  const entries: Record<string, { file: string; ns: unknown }> = {
    mmcheck: { file: fileURLToPath(new URL(`../index${ext}`, import.meta.url)), ns: await import('../index.ts') },
    'mmcheck/design': { file: fileURLToPath(new URL(`../api/design${ext}`, import.meta.url)), ns: await import('../api/design.ts') },
  };
  const cache = createRequire(import.meta.url).cache;
  for (const { file, ns } of Object.values(entries)) {
    if (cache[file]) continue;
    const m = new Module(file);
    Object.assign(m, { filename: file, loaded: true, exports: ns });
    cache[file] = m;
  }
  const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]): string {
    try {
      return resolveFilename.call(this, request, ...rest);
    } catch (e) {
      const own = entries[request];
      if (own) return own.file;
      throw e;
    }
  };
}

/** `--design` values: a built-in name, or a file path (loaded). */
export async function resolveDesign(spec: string): Promise<Design> {
  return isDesignFilePath(spec) ? loadDesignFile(spec) : getDesign(spec);
}

/** The informative line of a load error: esbuild puts "file:line:col: ERROR: ..." on line 2. */
function loadErrorLine(e: unknown, abs: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if ((e as { code?: string })?.code === 'ERR_UNKNOWN_FILE_EXTENSION')
    return 'node cannot load TypeScript by itself: run under tsx (node --import tsx), vitest, or the mmcheck command';
  if (/Cannot find (module|package) 'mmcheck/.test(message))
    return "it imports mmcheck, which Node cannot find from the file's directory: keep design files in a project that has mmcheck installed (npm i -D mmcheck), or in this repository";
  const located = message.split('\n').find((l) => /:\d+:\d+: ERROR: /.test(l));
  if (located) return located.trim().replace(abs, '').replace(/^:/, 'line ');
  return describeError(e);
}
