/**
 * docs/designs.md shows real output: every block after `<!-- output: mmcheck ... -->` is what
 * that command prints today (timings aside), and the design file it lists is the example file.
 * After a model change, `UPDATE_DOCS=1 npx vitest run test/designs/docs.test.ts` rewrites the
 * blocks; read the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { diffDesigns } from '../../api/diff.ts';
import { renderDiff } from '../../cli/diff.ts';
import { renderKernelResult } from '../../counterexamples/kernel/text.ts';
import { resolveDesign } from '../../model/design-file.ts';

const DOC = new URL('../../docs/designs.md', import.meta.url);
const ROOT = new URL('../../', import.meta.url);

/** What `mmcheck <command>` prints, computed in-process (the commands the page shows). */
async function output(command: string): Promise<string> {
  const [name, ...args] = command.split(' ');
  const option = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  const positionals = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (name === 'check') {
    const { model, result } = runScenario(positionals[0], { design: await resolveDesign(option('--design')[0]) });
    const text = renderKernelResult(result, model);
    return args.includes('--quiet') ? text.split('\n')[1] : text;
  }
  if (name === 'diff') {
    const [base, next] = await Promise.all(positionals.map(resolveDesign));
    return renderDiff(diffDesigns(base, next, { scenarios: option('--scenario') }));
  }
  throw new Error(`docs/designs.md shows an output of 'mmcheck ${command}', which this test cannot produce`);
}

// Timings vary (and the visited table's bytes per state follow the checker's implementation, not
// the design), and with their width where the statistics line wraps: compare it unwrapped, without them.
const withoutTiming = (text: string) =>
  text
    .replace(/ ·\n\s+/g, ' · ')
    .replace(/[\d.,]+ s · [\d,]+ states\/s/g, '(time)')
    .replace(/[\d.,]+ B\/state/g, '(memory)');

const BLOCK = /<!-- output: mmcheck (.+?) -->\n```text\n([\s\S]*?)\n```/g;

it('every output block of docs/designs.md is what its command prints today', async () => {
  const doc = readFileSync(DOC, 'utf8');
  const blocks = [...doc.matchAll(BLOCK)];
  expect(blocks.map((b) => b[1])).toEqual([
    'check seed-por-reset-lazy-mmu --design v6 --quiet',
    'check seed-por-reset-lazy-mmu --design examples/designs/pause-lazy-mmu-in-finish-task-switch.ts',
    'diff v6 examples/designs/pause-lazy-mmu-in-finish-task-switch.ts',
    'diff v6 v6-no-por-reset --scenario kfence-softirq --scenario irq-frees-pgtable',
  ]);
  const fresh = new Map<string, string>();
  for (const [, command] of blocks) fresh.set(command, await output(command));
  if (process.env.UPDATE_DOCS) {
    writeFileSync(DOC, doc.replace(BLOCK, (_, command: string) => `<!-- output: mmcheck ${command} -->\n\`\`\`text\n${fresh.get(command)}\n\`\`\``));
    return;
  }
  for (const [, command, shown] of blocks) expect(withoutTiming(shown), `mmcheck ${command}`).toBe(withoutTiming(fresh.get(command)!));
});

it('the design file the walkthrough writes is examples/designs/pause-lazy-mmu-in-finish-task-switch.ts', () => {
  const doc = readFileSync(DOC, 'utf8');
  const listing = /<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```/.exec(doc);
  expect(listing?.[1]).toBe('examples/designs/pause-lazy-mmu-in-finish-task-switch.ts');
  expect(listing?.[2]).toBe(readFileSync(new URL(listing![1], ROOT), 'utf8'));
});
