/**
 * Runs mmcheck (or another Node script) as a child process, for tests of the command line.
 *
 * At most MAX_CHILDREN children run at once in a test worker: with two workers that keeps
 * the machine at about four CPU-bound processes however many runs a test starts, so the suite
 * behaves the same on a loaded two-core machine. No timeouts: a run takes what it takes, and
 * vitest's test timeout is the bound against a hang.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_CHILDREN = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= MAX_CHILDREN) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await run();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The environment of a child: the test's, without debugging and vitest's own variables. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.MMCHECK_DEBUG;
  delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') delete env[k];
  env.MMCHECK_SOURCE = '1'; // the sources, not a stale build
  return env;
}

/** Runs `node script args...` from the repository root. */
export function runNode(script: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return slot(
    () =>
      new Promise<Run>((done, fail) => {
        const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: childEnv(extraEnv) });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', fail);
        child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
      }),
  );
}

export const mmcheck = (...args: string[]): Promise<Run> => runNode('bin/mmcheck.js', args);

/** A usage/model error: exit 2, nothing on stdout, exactly one line on stderr, no stack. Returns the line. */
export function expectOneLineError(r: Run): string {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n'), r.stderr).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]!.startsWith('mmcheck: ')).toBe(true);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('internal error');
  return lines[0]!;
}
