/**
 * A vitest regression test for a kernel counterexample: it rebuilds the scenario and design,
 * replays the recorded schedule step by step, and asserts the violation (its invariant and
 * the faulting call trace). Pointed at another design (MMCHECK_DESIGN=...), it fails saying
 * whether the violation no longer reproduces or at which step the schedule stops replaying.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { TraceFile } from './trace-file.ts';
import { PACKAGE_ROOT } from '../api/package-root.ts';

/** In a checkout of mmcheck (its sources are there) tests import the sources; elsewhere the package. */
const IN_CHECKOUT = existsSync(join(PACKAGE_ROOT, 'api', 'replay.ts'));

function relativeImport(fromFile: string, absTarget: string): string {
  let p = relative(dirname(resolve(fromFile)), absTarget).split('\\').join('/');
  if (!p.startsWith('.')) p = `./${p}`;
  return p;
}

/** The import specifier of an mmcheck source file, or of the package entry that exports it. */
function importPath(fromFile: string, target: string): string {
  if (!IN_CHECKOUT) return target === 'api/matchers.ts' ? 'mmcheck/matchers' : 'mmcheck';
  return relativeImport(fromFile, resolve(PACKAGE_ROOT, target));
}

export function regressionTestSource(trace: TraceFile, outFile: string): string {
  const title = `${trace.scenario} under \${design}: ${trace.property}`;
  return `/**
 * Regression test emitted by mmcheck for ${trace.scenario} under ${trace.design}${trace.set?.length ? ` (${trace.set.join(', ')})` : ''}.
 * It rebuilds the scenario, replays the recorded schedule (${trace.steps.length} steps) by action label and
 * asserts the violation of ${trace.property}${trace.callTrace ? ' and the call trace' : ''}.
 * Run it against another design with MMCHECK_DESIGN=<design>: if the design fixes the bug, it
 * fails saying that the violation no longer reproduces, or at which step the schedule diverges.
 */
import { expect, it } from 'vitest';
import { replayTrace } from '${importPath(outFile, 'api/replay.ts')}';
import '${importPath(outFile, 'api/matchers.ts')}';
import type { TraceFile } from '${importPath(outFile, 'counterexamples/trace-file.ts')}';

const trace: TraceFile = ${JSON.stringify(trace, null, 2).replace(/\n/g, '\n')};

const design = process.env.MMCHECK_DESIGN ?? trace.design!;

it(\`${title}\`, () => {
  const replay = replayTrace(trace, design === trace.design ? {} : { design });
  expect(replay).toReproduce();
  expect(replay.property).toBe(${JSON.stringify(trace.property)});
${trace.callTrace ? '  expect(replay.callTrace).toEqual(trace.callTrace);\n' : ''}});
`;
}

/**
 * The same for a counterexample of a model file: the test imports the model, replays the
 * recorded steps by action label and asserts the violation.
 */
export function modelRegressionTestSource(trace: TraceFile, outFile: string, modelFile: string, modelName: string): string {
  return `/**
 * Regression test emitted by mmcheck for model ${modelName} (${trace.steps.length} steps).
 * It replays the recorded schedule by action label and asserts the violation of ${trace.property}.
 */
import { expect, it } from 'vitest';
import { replayModelTrace } from '${importPath(outFile, 'api/replay.ts')}';
import '${importPath(outFile, 'api/matchers.ts')}';
import type { TraceFile } from '${importPath(outFile, 'counterexamples/trace-file.ts')}';
import model from '${relativeImport(outFile, resolve(modelFile))}';

const trace: TraceFile = ${JSON.stringify(trace, null, 2)};

it(${JSON.stringify(`${modelName}: ${trace.property}`)}, () => {
  const replay = replayModelTrace(model, trace).report;
  expect(replay).toReproduce();
  expect(replay.property).toBe(${JSON.stringify(trace.property)});
});
`;
}
