/**
 * SIGINT and SIGTERM at any moment: during start-up (one line, exit 130 / 143) and during the
 * search (the statistics so far, exit 130 / 143). No sleeps: each test sends its signal when
 * the CLI says it has reached the moment under test (a line the model file prints while it
 * loads; the first progress line of the search).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, ROOT } from '../helpers/run-cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-signals-'));
  // Counts up for ever: the search never ends by itself.
  writeFileSync(
    join(dir, 'forever.ts'),
    `export default {
  name: 'forever',
  initialStates: () => [0],
  actions: () => ['inc'],
  nextState: (s: number) => s + 1,
  invariants: [{ name: 'true', holds: () => true }],
};
`,
  );
  // Announces that it is loading, then never finishes loading: the CLI is in start-up.
  writeFileSync(join(dir, 'slow-load.mjs'), `process.stderr.write('slow-load: loading\\n');\nawait new Promise(() => setInterval(() => {}, 1 << 30));\nexport default {};\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the CLI, sends `sig` once stderr matches `ready`, and waits for the exit. */
function signalWhen(args: string[], ready: RegExp, sig: NodeJS.Signals): Promise<Exit> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['bin/mmcheck.js', ...args], { cwd: ROOT, env: childEnv() });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (!sent && ready.test(stderr)) {
      sent = true;
      child.kill(sig);
    }
  });
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s', (sig, exitCode) => {
  it(`during the search: exit ${exitCode}, verdict incomplete, the statistics so far`, async () => {
    const r = await signalWhen(['check', '--model', join(dir, 'forever.ts'), '--json', '--progress'], /^progress: /m, sig);
    expect([r.code, r.signal], r.stderr).toEqual([exitCode, null]);
    expect(r.stderr).toContain(`mmcheck: interrupted by ${sig}, stopping`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const result = JSON.parse(r.stdout);
    expect(result.verdict).toBe('incomplete');
    expect(result.stopReason).toBe('interrupted');
    expect(result.complete).toBe(false);
    // The progress line came after at least one slice of search.
    expect(result.stats.distinctStates).toBeGreaterThan(0);
    expect(result.stats.generatedStates).toBe(result.stats.distinctStates);
  });

  it(`during start-up, before any search: exit ${exitCode} and one line`, async () => {
    const r = await signalWhen(['check', '--model', join(dir, 'slow-load.mjs')], /^slow-load: loading$/m, sig);
    expect([r.code, r.signal], r.stderr).toEqual([exitCode, null]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`slow-load: loading\nmmcheck: interrupted by ${sig} during start-up, before any search ran\n`);
  });
});
