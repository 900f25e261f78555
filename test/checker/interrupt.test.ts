import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('Ctrl-C stops a long run cleanly: exit 130, verdict incomplete, statistics so far', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmcheck-sigint-'));
  const file = join(dir, 'forever.ts');
  writeFileSync(
    file,
    `export default {
  name: 'forever',
  initialStates: () => [0],
  actions: () => ['inc'],
  nextState: (s: number) => s + 1,
  invariants: [{ name: 'true', holds: () => true }],
};
`,
  );
  const child = spawn(process.execPath, ['bin/mmcheck.js', 'check', '--model', file, '--json', '--progress'], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  // The first progress line says the search is running (and its Ctrl-C handler installed): no fixed sleep.
  const running = new Promise<void>((r) =>
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('progress: ')) r();
    }),
  );
  await running;
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code).toBe(130);
  expect(err).toContain('mmcheck: interrupted, stopping');
  expect(err).not.toMatch(/^\s+at /m);
  const r = JSON.parse(out);
  expect(r.verdict).toBe('incomplete');
  expect(r.stopReason).toBe('interrupted');
  expect(r.complete).toBe(false);
  expect(r.stats.distinctStates).toBeGreaterThan(1000);
  expect(r.stats.generatedStates).toBe(r.stats.distinctStates);
});
