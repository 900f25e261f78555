/**
 * Why partial-order reduction does not reduce more: for each case, a `--reduction all` bfs run
 * that counts, each time a CPU with enabled steps could not be chosen alone at a state, the
 * reason (CheckOptions.onReductionRefusal): a step of it writes a key a checked rule reads
 * (`visible`), another CPU's future touches a key it touches (`conflict`), the look-ahead's
 * limit, the cycle proviso. Keys are grouped by kind (`mem:<table>:<index>` -> `mem`, the CPU
 * and task numbers kept); the most frequent exact keys follow.
 *
 *   npm run reduction-dependencies                                   # the two-CPU seed cases
 *   npm run reduction-dependencies -- seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6
 *
 * A case is `SCENARIO[:param=N,...]@DESIGN` (as in reduction-table.ts). Output: Markdown.
 */
import { runScenario } from '../api/check-scenario.ts';
import { parseCase } from './case-spec.ts';

const DEFAULT_CASES = [
  'seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6',
  'seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6-pause-lazy-mmu-in-finish-task-switch',
  'seed-por-reset-lazy-mmu:cpus=2,irqs=1@v6-no-por-reset-atomic-lazy-switch',
];

/** A case of one design: `SCENARIO[:param=N,...]@DESIGN` (case-spec.ts). */
function oneDesignCase(text: string): { scenario: string; params: Record<string, number>; design: string } {
  const { scenario, params, designs } = parseCase(text);
  if (designs?.length !== 1) throw new Error(`case "${text}" must name one design (SCENARIO[:param=N,...]@DESIGN)`);
  return { scenario, params, design: designs[0] };
}

/** `conflict mem:12:3` -> `conflict mem`; `visible task2.lazy_balanced` stays. */
function kindOf(reason: string): string {
  return reason.replace(/mem:\d+:\d+/, 'mem').replace(/(tlb)@\d+/, '$1@page').replace(/(prot_changes)@\d+/, '$1@page');
}

function top(counts: Map<string, number>, n: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

function main(): void {
  const args = process.argv.slice(2);
  const cases = (args.length ? args : DEFAULT_CASES).map(oneDesignCase);
  const out: string[] = [];
  for (const { scenario, params, design } of cases) {
    const byKind = new Map<string, number>();
    const byKey = new Map<string, number>();
    const r = runScenario(scenario, {
      design,
      params,
      reduction: 'all',
      shrink: false,
      timeLimitSeconds: 600,
      onReductionRefusal: (actor, reason) => {
        const kind = `${String(actor)}: ${kindOf(reason)}`;
        byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
        const key = `${String(actor)}: ${reason}`;
        byKey.set(key, (byKey.get(key) ?? 0) + 1);
      },
    }).report;
    const paramText = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ') || 'default';
    out.push(`#### ${scenario} (${paramText}) under ${design}`, '');
    out.push(`${r.verdict}${r.property ? ` (${r.property})` : ''}, ${r.stats.distinctStates} states, ${r.stats.reduction?.reducedStates ?? 0} reduced, ${r.stats.reduction?.provisoExpansions ?? 0} expanded by the cycle proviso`, '');
    out.push('| CPU: why it could not run alone | times |', '|---|---:|');
    for (const [k, n] of top(byKind, 12)) out.push(`| ${k} | ${n} |`);
    out.push('', '| the most frequent keys | times |', '|---|---:|');
    for (const [k, n] of top(byKey, 8)) out.push(`| ${k} | ${n} |`);
    out.push('');
    process.stderr.write(`${scenario} ${paramText} ${design}: done\n`);
  }
  process.stdout.write(out.join('\n'));
}

try {
  main();
} catch (e) {
  process.stderr.write(`reduction-dependencies: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
