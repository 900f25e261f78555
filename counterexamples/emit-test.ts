/**
 * A vitest regression test for a kernel counterexample: it rebuilds the scenario and design,
 * replays the recorded schedule step by step, and asserts the violation (its invariant and
 * the faulting call trace). Pointed at another design (MMCHECK_DESIGN=...), it fails saying
 * whether the violation no longer reproduces or at which step the schedule stops replaying.
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceFile } from './trace-file.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function importPath(fromFile: string, target: string): string {
  let p = relative(dirname(resolve(fromFile)), resolve(REPO, target)).split('\\').join('/');
  if (!p.startsWith('.')) p = `./${p}`;
  return p;
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
