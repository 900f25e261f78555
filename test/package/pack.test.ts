/**
 * mmcheck as a dependency: `npm pack`, install the tarball into an empty consumer project, and
 * check what a user would. Plain Node 20 imports 'mmcheck' and 'mmcheck/matchers' (compiled
 * JavaScript, no tsx), and the consumer's tsc with a standard nodenext config (strict,
 * noUncheckedIndexedAccess, no allowImportingTsExtensions) type-checks a file that uses
 * check, checkScenario and the matchers. The tarball holds the build, not tests or CI files.
 *
 * One beforeAll packs and installs (npm's cache makes the install quick; the registry is
 * reached for what it lacks). The test timeout is a bound against a hang, not a speed guess.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.ts';
import { buildIsStale } from '../../bin/build-freshness.js';

interface Done {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in `cwd` with npm's and vitest's variables of this run removed. */
function run(command: string, args: readonly string[], cwd: string): Promise<Done> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('VITEST') || k === 'MMCHECK_SOURCE' || k === 'NODE_OPTIONS') delete env[k];
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

const CONSUMER_TS = `import { expect, it } from 'vitest';
import { check, checkScenario, type CheckResult, type Model } from 'mmcheck';
import 'mmcheck/matchers';

interface Counter { readonly n: number }
const counter: Model<Counter, 'inc'> = {
  name: 'counter',
  initialStates: () => [{ n: 0 }],
  actions: () => ['inc'],
  nextState: (s) => (s.n < 3 ? { n: s.n + 1 } : undefined),
  invariants: [{ name: 'small', holds: (s) => s.n <= 3 }],
};
const result: CheckResult<Counter, 'inc'> = check(counter, { strategy: 'bfs', maxDepth: 10 });
const first = result.trace?.[0]?.action;

it('keeps kernel rules as tests', () => {
  expect(result.verdict).toBe('pass');
  expect(first).toBe('inc');
  expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' })).toViolate('pgtable-writes-hold-pgtables-overlay');
  expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6-pause-lazy-mmu-in-finish-task-switch' })).toHoldAllInvariants();
});
`;

/** What \`tsc --init\` would give a Node project, made stricter. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    noUncheckedIndexedAccess: true,
    types: ['node'],
    noEmit: true,
  },
  files: ['consumer.ts'],
};

let dir: string;
let consumer: string;
let tarballFiles: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-pack-'));
  // The tarball must hold a build of the sources as they are: npm pack runs `prepare` to build
  // one, unless dist/ is already newer than every source (as right after npm ci).
  const scripts = buildIsStale() ? [] : ['--ignore-scripts'];
  const packed = await run('npm', ['pack', ...scripts, '--pack-destination', dir, '--json'], ROOT);
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarballFiles = info!.files.map((f) => f.path);
  consumer = join(dir, 'consumer');
  const tarball = join(dir, info!.filename);
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS);
  const deps = ['vitest', 'typescript', '@types/node'].map((d) => `${d}@${pkg.devDependencies[d]}`);
  const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...deps], consumer);
  expect(installed.status, installed.stderr).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, bin and docs; no tests, bench, scripts, CI or TypeScript config', () => {
    for (const f of ['package.json', 'README.md', 'bin/mmcheck.js', 'dist/index.js', 'dist/index.d.ts', 'dist/api/matchers.js', 'dist/api/matchers.d.ts', 'dist/cli/main.js'])
      expect(tarballFiles, f).toContain(f);
    const unwanted = tarballFiles.filter((f) => /^(test|bench|scripts|\.ci|examples)\//.test(f) || /\.test\.ts$|^tsconfig|^vitest\.config/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('plain Node imports mmcheck and mmcheck/matchers (compiled JavaScript, no tsx)', async () => {
    const r = await run(process.execPath, ['-e', "import('mmcheck').then(m => console.log(typeof m.checkScenario, typeof m.check))"], consumer);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function function\n');
    const m = await run(process.execPath, ['-e', "import('mmcheck/matchers').then(() => console.log('loaded'))"], consumer);
    expect(m.stdout, m.stderr).toBe('loaded\n');
    expect(readdirSync(join(consumer, 'node_modules', 'mmcheck'))).not.toContain('index.ts');
  });

  it("the consumer's tsc (nodenext, strict, noUncheckedIndexedAccess) type-checks a file using check, checkScenario and the matchers", async () => {
    const r = await run(process.execPath, [join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the installed CLI runs the compiled build', async () => {
    const cli = join(consumer, 'node_modules', 'mmcheck', 'bin', 'mmcheck.js');
    const v = await run(process.execPath, [cli, '--version'], consumer);
    expect(v.stdout, v.stderr).toBe(`mmcheck ${pkg.version}\n`);
    const c = await run(process.execPath, [cli, 'check', 'seed-por-reset-lazy-mmu', '--design', 'v6', '--quiet'], consumer);
    expect(c.status, c.stderr).toBe(1);
    expect(c.stdout).toBe('✗ violation of pgtable-writes-hold-pgtables-overlay — Every write to a page of pkey PGTABLES runs with POR_EL1 granting W to that pkey.\n');
  });
});
