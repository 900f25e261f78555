/** Loads a user model file (`--model path.ts|.js`): its default export must be a Model. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, describeError, type Model } from '../checker/index.ts';

export async function loadModelFile(path: string): Promise<Model<unknown, unknown>> {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new UsageError(`model file not found: ${path}`);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load model file ${path}: ${loadErrorLine(e)}`);
  }
  let model = ns.default as Record<string, unknown> | undefined;
  // A .ts file outside an ESM package is compiled as CommonJS: unwrap its interop namespace.
  if (model && (model as { __esModule?: boolean }).__esModule && 'default' in model) model = model.default as Record<string, unknown>;
  if (!model || typeof model !== 'object') throw new UsageError(`model file ${path} has no default export (export default a Model object)`);
  const missing = [
    ['name', 'string'],
    ['initialStates', 'function'],
    ['actions', 'function'],
    ['nextState', 'function'],
  ].filter(([k, t]) => typeof model![k] !== t).map(([k]) => k);
  if (!Array.isArray(model.invariants)) missing.push('invariants');
  if (missing.length) throw new UsageError(`model file ${path}: the default export is not a Model (missing or wrong: ${missing.join(', ')})`);
  // Worker threads (--workers) build the model by importing the same file.
  if (model.workerSource === undefined) model.workerSource = { module: pathToFileURL(abs).href };
  return model as unknown as Model<unknown, unknown>;
}

/** The informative line of a load error: esbuild puts "file:line:col: ERROR: ..." on line 2. */
function loadErrorLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const located = message.split('\n').find((l) => /:\d+:\d+: ERROR: /.test(l));
  return located ? located.trim() : describeError(e);
}
