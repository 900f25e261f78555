#!/usr/bin/env node
/**
 * `npm run test:loaded`: the test suite beside two CPU hogs, as on a shared two-core machine.
 * Starts two busy loops, runs `npm test`, and kills the hogs by PID whatever happens (a
 * failing suite, an exception, Ctrl-C or SIGTERM of this script). Exits with the suite's code.
 */
import { spawn } from 'node:child_process';

const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
process.stderr.write(`test:loaded: CPU hogs running as PIDs ${hogs.map((h) => h.pid).join(', ')}\n`);

function killHogs() {
  for (const h of hogs) {
    if (h.exitCode === null && h.signalCode === null) {
      try {
        process.kill(h.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killHogs);

const started = performance.now();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const suite = spawn(npm, ['test', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    suite.kill(sig);
    killHogs();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
suite.on('error', (e) => {
  process.stderr.write(`test:loaded: cannot run npm test: ${e.message}\n`);
  process.exit(2);
});
suite.on('close', (code, signal) => {
  killHogs();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stderr.write(`test:loaded: npm test ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s beside two CPU hogs\n`);
  process.exit(code ?? 1);
});
