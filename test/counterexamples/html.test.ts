/**
 * timeline.html, rendered in-process: one self-contained, deterministic page with the header,
 * the splat, one row per step, and the complete state after every step as escaped JSON.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioRun } from '../../api/check-scenario.ts';
import { escapeHtml, scriptJson, timelineHtml } from '../../counterexamples/kernel/html.ts';
import { stepViews } from '../../counterexamples/kernel/steps.ts';
import { oopsLines } from '../../counterexamples/kernel/text.ts';

const SEED = 'seed-por-reset-lazy-mmu';
const OVERLAY = 'pgtable-writes-hold-pgtables-overlay';

interface Row extends Array<string | number> {
  0: string;
  1: string;
  2: 0 | 1;
}
interface Section {
  title: string;
  kind: string;
  rows: Row[];
  lists: { title: string; items: string[] }[];
}
interface Data {
  scenario: string;
  design: string;
  property: string | null;
  focus: number;
  states: { label: string; sections: Section[]; invariants: [string, 0 | 1, string[]][] }[];
}

function dataOf(html: string): Data {
  const m = /<script type="application\/json" id="mmcheck-data">([^<]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]) as Data;
}

/** The page without its <style> and <script> elements: what is HTML text and markup. */
function markupOf(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/g, '').replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
}

const section = (d: Data, step: number, title: string): Section => {
  const s = d.states[step].sections.find((x) => x.title === title);
  expect(s, `${title} after step ${step}`).toBeDefined();
  return s!;
};
const row = (s: Section, key: string) => s.rows.find((r) => r[0] === key);
const list = (s: Section, title: string) => s.lists.find((l) => l.title === title)!.items;

const v6: ScenarioRun = runScenario(SEED, { design: 'v6' });
const v6Html = timelineHtml(v6.model, v6.result);

describe('the v6 seed counterexample', () => {
  it('is one self-contained page: no network address, no external resource', () => {
    expect(v6Html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(v6Html.endsWith('</html>\n')).toBe(true);
    expect(v6Html).not.toMatch(/https?:\/\//i);
    expect(v6Html).not.toMatch(/<link\b/i);
    expect(v6Html).not.toMatch(/\ssrc\s*=/i);
    expect(v6Html).not.toMatch(/url\(|@import|<img|<iframe|<object|<embed/i);
    expect(v6Html.match(/<script\b[^>]*>/g)).toEqual(['<script type="application/json" id="mmcheck-data">', '<script>']);
  });

  it('is deterministic: the same result, or a fresh check, gives the same bytes', () => {
    expect(timelineHtml(v6.model, v6.result)).toBe(v6Html);
    const again = runScenario(SEED, { design: 'v6' });
    expect(timelineHtml(again.model, again.result)).toBe(v6Html);
  });

  it('has a header with scenario, design, verdict, property, message and the splat', () => {
    expect(v6Html).toContain(`<title>mmcheck: ${SEED} under v6 — ${OVERLAY}</title>`);
    expect(v6Html).toContain(`<h1>mmcheck: ${SEED} under v6</h1>`);
    expect(v6Html).toContain(
      '<span class="verdict-violation">✗ violation of pgtable-writes-hold-pgtables-overlay — Every write to a page of pkey PGTABLES runs with POR_EL1 granting W to that pkey.</span>',
    );
    expect(v6Html).toContain(`<tr><th>violated property</th><td><code>${OVERLAY}</code>`);
    expect(v6Html).toContain(
      '<tr><th>message</th><td><span class="msg">pageattr_pte_entry on CPU0 (A) stored to a PGTABLES page with POR_EL1 = 0x17 (pkey1 R)</span></td></tr>',
    );
    expect(v6Html).toContain('<tr><th>schedule</th><td>18 steps, 1 IRQ, 1 preemption, 1 CPU, 1 skipped operation; violated after step 18</td></tr>');
    expect(v6Html).toContain('<nav class="jump"><a href="#step-18">Jump to the violation (step 18)</a><a href="#timeline">Timeline</a><a href="#state">State after the selected step</a></nav>');
    const last = v6.result.path!.steps[17].state;
    const splat = oopsLines(last);
    expect(splat[0]).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
    expect(splat).toContain('Call trace:');
    for (const line of splat) expect(v6Html).toContain(escapeHtml(line));
    expect(v6Html).toContain('<span class="hot">Call trace:</span>\n pageattr_pte_entry\n walk_pgd_range\n');
  });

  it('has one row per step (and the initial state), with the step views, IRQ, preemption and violation marked', () => {
    const views = stepViews(v6.model, v6.result.path!);
    const rows = v6Html.match(/<tr data-i="\d+"[^>]*>/g)!;
    expect(rows).toHaveLength(19);
    expect(rows[0]).toBe('<tr data-i="0" id="step-0" class="init">');
    expect(rows[2]).toBe('<tr data-i="2" id="step-2" class="irq">');
    expect(rows[3]).toBe('<tr data-i="3" id="step-3" class="inexc">');
    expect(rows[18]).toBe('<tr data-i="18" id="step-18" class="inexc viol">');
    expect(rows.filter((r) => r.includes('viol'))).toHaveLength(1);
    const body = markupOf(v6Html);
    const rowHtml = (i: number) => body.slice(body.indexOf(`<tr data-i="${i}"`), body.indexOf('</tr>', body.indexOf(`<tr data-i="${i}"`)));
    expect(rowHtml(7)).toContain('<span class="badge b-pre"');
    expect(rowHtml(7)).toContain('<span class="choice">→ switch to B</span>');
    expect(body.match(/<span class="badge b-pre" title=/g)).toHaveLength(1);
    expect(rowHtml(2)).toContain('<span class="fn">IRQ (timer)</span><span class="badge b-irq">IRQ</span>');
    expect(rowHtml(18)).toContain('<span class="badge b-viol">VIOLATION</span>');
    expect(rowHtml(18)).toContain(`<li class="e-bad">${escapeHtml(views[17].effects.at(-1)!)}</li>`);
    for (const v of views) {
      const html = rowHtml(v.index);
      expect(html).toContain(`<span class="fn">${escapeHtml(v.isIrq ? v.what : v.fn)}</span>`);
      if (!v.isIrq && v.what) expect(html).toContain(`<div class="c">${escapeHtml(v.what)}</div>`);
      for (const e of v.effects) expect(html).toContain(escapeHtml(e));
      const me = v.after[v.cpu];
      expect(html).toContain(`<span class="por lvl-${me.level}">`);
      expect(html).toContain(`${me.enableCount}/${me.pauseCount}`);
      expect(html).toContain(`exc ${me.exceptionDepth}`);
    }
  });

  it('escapes every label and effect: C operators appear only as character references', () => {
    const body = markupOf(v6Html);
    expect(body).not.toContain('->');
    expect(body).not.toContain('&&');
    expect(body).not.toMatch(/&(?!(amp|lt|gt|quot|#39|#47);)/);
    expect(body).toContain('if (state-&gt;enable_count++ == 0) arch_enter_lazy_mmu_mode()');
    expect(body).toContain('if (unlikely(atomic_dec_and_test(&amp;mm-&gt;mm_count))) __mmdrop(mm)');
    // Only the tags this renderer writes.
    const tags = new Set(body.match(/<\/?([a-z0-9]+)/g)!.map((t) => t.replace(/[</]/g, '')));
    expect([...tags].sort()).toEqual(
      ['a', 'aside', 'b', 'body', 'br', 'code', 'div', 'h1', 'h2', 'head', 'header', 'html', 'i', 'input', 'label', 'li', 'main', 'meta', 'nav', 'noscript', 'pre', 'span', 'table', 'tbody', 'td', 'th', 'thead', 'title', 'tr', 'ul'],
    );
  });

  it('embeds the state after every step as JSON with no <, > or & in the script', () => {
    const raw = /<script type="application\/json" id="mmcheck-data">([^]*?)<\/script>/.exec(v6Html)![1];
    expect(raw).not.toMatch(/[<>&]/);
    const d = dataOf(v6Html);
    expect(d.scenario).toBe(SEED);
    expect(d.design).toBe('v6');
    expect(d.property).toBe(OVERLAY);
    expect(d.focus).toBe(18);
    expect(d.states).toHaveLength(19);
    expect(d.states.map((s) => s.label)).toEqual(['', ...v6.result.trace!.map((t) => t.action)]);
    expect(d.states[1].sections.map((s) => s.title)).toEqual([
      'CPU0',
      'task A (pid 1)',
      'task B (pid 2)',
      'task swapper/0 (pid 0)',
      'mm_struct',
      'page-table memory',
      'other',
      'violations',
    ]);
  });

  it('shows a complete state: CPU, tasks with their stacks innermost first, mms, violations', () => {
    const d = dataOf(v6Html);
    const cpu = section(d, 18, 'CPU0');
    expect(cpu.kind).toBe('sec-cpu lvl-DEFAULT');
    expect(cpu.rows.map((r) => r[0])).toEqual([
      'curr',
      'POR_EL1',
      'preempt_count',
      'hardirq_count',
      'softirq_count',
      'irqs_disabled',
      'need_resched',
      'rq->prev_mm',
      'softirq_pending',
      'TLB entries',
    ]);
    expect(row(cpu, 'curr')![1]).toBe('A (pid 1)');
    expect(row(cpu, 'POR_EL1')![1]).toBe('0x17 DEFAULT (pkey0 RWX, pkey1 R)');
    const a = section(d, 18, 'task A (pid 1)');
    expect(a.rows.map((r) => r[0])).toEqual([
      '__state',
      'cpu',
      'mm / active_mm',
      'lazy_mmu_state',
      'TIF_LAZY_MMU',
      'TIF_LAZY_MMU_PENDING',
      'thread.por_el1',
      'thread.por_el1_lazy_mmu',
      'ghost section POR',
      'stack depth',
      'cpus_allowed',
    ]);
    expect(row(a, '__state')![1]).toBe('running (curr on CPU0)');
    expect(row(a, 'lazy_mmu_state')![1]).toBe('enable_count 2, pause_count 0');
    const stack = list(a, 'stack, innermost first');
    const task = v6.result.path!.steps[17].state.tasks.find((t) => t.comm === 'A')!;
    expect(stack.map((f) => f.split(' ')[0])).toEqual(task.stack.toReversed().map((f) => f.fn));
    expect(stack.at(-1)!.startsWith('vfree +')).toBe(true);
    expect(stack.some((f) => /^el1h_64_irq \+\d+ {2}\{regs_por_el1=0x17, /.test(f))).toBe(true);
    expect(row(section(d, 18, 'task B (pid 2)'), '__state')![1]).toBe('dead');
    const mm = section(d, 18, 'mm_struct');
    expect(mm.rows.map((r) => [r[0], r[1]])).toEqual([
      ["A's mm", "mm_users 1, mm_count 1, pgd 3 (A's pgd)"],
      ["B's mm", "mm_users 0, mm_count 0, pgd 4 (B's pgd)"],
    ]);
    const bad = section(d, 18, 'violations');
    expect(bad.kind).toBe('sec-bad');
    expect(row(bad, 'oops')![1]).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000 (CPU0, A)');
    expect(list(bad, 'violations')).toHaveLength(1);
    expect(list(bad, 'violations')[0].startsWith(`${OVERLAY}: pageattr_pte_entry on CPU0 (A) stored to a PGTABLES page`)).toBe(true);
    expect(section(d, 17, 'violations').kind).toBe('sec-ok');
  });

  it('marks the rows a step changed', () => {
    const d = dataOf(v6Html);
    const changed = (step: number, title: string) => section(d, step, title).rows.filter((r) => r[2] === 1).map((r) => r[0]);
    expect(d.states[0].sections.every((s) => s.rows.every((r) => r[2] === 0))).toBe(true);
    expect(changed(1, 'task A (pid 1)')).toEqual(['lazy_mmu_state', 'ghost section POR', 'stack depth']);
    expect(changed(1, 'CPU0')).toEqual([]);
    expect(changed(7, 'CPU0')).toEqual(['curr', 'need_resched']);
  });
});

describe('a counterexample with POR_EL1 at PGTABLES, page-table stores and TLB fills', () => {
  const run = runScenario(SEED, { design: 'v6-no-por-reset', set: ['batching-guard=live-por'] });
  const html = timelineHtml(run.model, run.result);
  const d = dataOf(html);

  it('colours POR levels and marks the violating step', () => {
    expect(run.result.property).toBe('lazy-section-restores-por');
    expect(d.focus).toBe(30);
    expect(html).toContain('<span class="por lvl-PGTABLES">');
    expect(html).toContain('<span class="por lvl-DEFAULT">');
    expect(html).toMatch(/<tr data-i="30" id="step-30" class="[^"]*\bviol\b[^"]*">/);
    expect(html).toContain('<tr><th>knobs (vs v6)</th><td>por-reset-on-entry=false, batching-guard=live-por</td></tr>');
  });

  it('shows the rule and its call trace when the kernel did not oops', () => {
    expect(html).toContain(
      '<pre class="splat"><span class="hot">lazy-section-restores-por: A left its lazy MMU section on CPU0 with POR_EL1 = 0x57 (pkey1 RW), entered with 0x17 (pkey1 R)</span>\n<span class="hot">Call trace:</span>\n lazy_mmu_mode_disable\n __vunmap_range_noflush\n remove_vm_area\n vfree</pre>',
    );
  });

  it('lists entries that differ from the initial state, pending stores and TLB entries', () => {
    const mem = (i: number) => section(d, i, 'page-table memory');
    expect(list(mem(0), 'entries that differ from the initial state')).toEqual([]);
    expect(list(mem(3), 'entries that differ from the initial state')).toEqual(['vmalloc pte table @64[0]: none (was page(RW pkey0 pa1))']);
    expect(list(mem(3), 'pending stores (not yet visible to the walker)')).toEqual([
      'vmalloc pte table @64[0]: none, not published by CPU0; walker may still see page(RW pkey0 pa1)',
    ]);
    expect(list(mem(11), 'pending stores (not yet visible to the walker)')).toEqual([]);
    expect(list(mem(23), 'entries that differ from the initial state')).toEqual([
      'vmalloc pte table @64[0]: none (was page(RW pkey0 pa1))',
      'vmalloc pte table @64[1]: none (was page(RW pkey0 pa2))',
      'linear map pte table @4[0]: page(RW pkey0 pa4) (was page(RW pkey1 pa4))',
    ]);
    expect(list(mem(23), 'page-table page roles changed')).toEqual(["B's pgd: freeing (was pgtable)"]);
    // The walk also cached the three table descriptors on the way (walk cache).
    expect(list(section(d, 3, 'CPU0'), 'TLB')).toEqual([
      'ffff000000007000 -> pa7 L3 RW pkey1',
      'ffff000000000000 (64 pages) -> table pa8 (walk cache, L0)',
      'ffff000000000000 (16 pages) -> table pa9 (walk cache, L1)',
      'ffff000000004000 (4 pages) -> table pa11 (walk cache, L2)',
    ]);
    expect(row(section(d, 3, 'CPU0'), 'POR_EL1')![1]).toBe('0x57 PGTABLES (pkey0 RWX, pkey1 RW)');
    expect(section(d, 3, 'CPU0').kind).toBe('sec-cpu lvl-PGTABLES');
  });
});

describe('results without a counterexample path', () => {
  it.each([
    ['v6-guard-checks-live-por', {}, 'pass', '✓ pass: every invariant holds in the whole space within the bounds', 'found no violation'],
    ['v6', { maxStates: 10 }, 'incomplete', '… incomplete: stopped by --max-states 10 before a verdict; no violation found so far', 'ended with verdict incomplete'],
  ] as const)('%s %j: a short page saying there is nothing to show (%s)', (design, bounds, verdict, line, why) => {
    const run = runScenario(SEED, { design, ...bounds });
    expect(run.result.verdict).toBe(verdict);
    expect(run.result.path).toBeUndefined();
    const html = timelineHtml(run.model, run.result);
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(html).toContain(`<h1>mmcheck: ${SEED} under ${design}</h1>`);
    expect(html).toContain(`<span class="verdict-${verdict}">${escapeHtml(line)}</span>`);
    expect(html).toContain(`<p>No counterexample to show: the check ${why}`);
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toBe(timelineHtml(run.model, run.result));
  });
});

describe('escaping helpers', () => {
  const hostile = `<script>alert("x&y")</script> it's http://example.invalid/ and https://x \u2028`;

  it('escapeHtml leaves no markup and no network address, and reads the same', () => {
    const e = escapeHtml(hostile);
    expect(e).toBe(
      '&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s http:&#47;&#47;example.invalid/ and https:&#47;&#47;x \u2028',
    );
    expect(e).not.toMatch(/[<>"']|:\/\//);
  });

  it('scriptJson cannot close its script element and parses back to the same value', () => {
    const value = { s: hostile, list: ['a->b', 'c && d', '</script><!--'] };
    const j = scriptJson(value);
    expect(j).not.toMatch(/[<>&\u2028\u2029]|:\/\//);
    expect(JSON.parse(j)).toEqual(value);
  });
});

describe('what a maintainer needs on the page', () => {
  it('shows the whole call trace: every frame of the splat, in a box with no height limit', () => {
    const last = v6.result.path!.steps[17].state;
    const frames = last.oops!.callTrace.toArray();
    expect(frames.length).toBeGreaterThan(5);
    const splat = /<pre class="splat">([^]*?)<\/pre>/.exec(v6Html)![1];
    expect(splat.split('Call trace:</span>\n')[1].split('\n').slice(0, frames.length)).toEqual(frames.map((f) => ` ${escapeHtml(f)}`));
    expect(v6Html).toMatch(/pre\.splat\{[^}]*\}/);
    expect(/pre\.splat\{([^}]*)\}/.exec(v6Html)![1]).not.toMatch(/max-height|overflow(-y)?:/);
  });

  it('shows the skipped kpkeys guard of the seed as its own row, after the step that skipped it', () => {
    const skips = v6Html.match(/<tr class="skip" data-skip-of="\d+">/g);
    expect(skips).toEqual(['<tr class="skip" data-skip-of="17">']);
    const row = v6Html.slice(v6Html.indexOf('<tr class="skip"'), v6Html.indexOf('</tr>', v6Html.indexOf('<tr class="skip"')));
    expect(row).toContain('<span class="badge b-skip">SKIPPED</span> <span class="fn">kpkeys_set_level(KPKEYS_LVL_PGTABLES) and kpkeys_restore_pkey_reg()</span>');
    expect(row).toContain('in __set_pte (A), not run: is_lazy_mmu_mode_active() (batching-guard=v6), with POR_EL1 = 0x17');
    // Right after step 17 and before step 18.
    expect(v6Html.indexOf('<tr data-i="17"')).toBeLessThan(v6Html.indexOf('<tr class="skip"'));
    expect(v6Html.indexOf('<tr class="skip"')).toBeLessThan(v6Html.indexOf('<tr data-i="18"'));
  });

  it('shows the TLBI that tlbi-elision-rw-to-ro elides, and no elided read-only TLBI under v6', () => {
    const bad = runScenario('tlbi-elision', { design: 'tlbi-elision-rw-to-ro', reduction: 'none' }); // the shortest schedule
    const html = timelineHtml(bad.model, bad.result);
    expect(html.match(/data-skip-of="(\d+)"/g)).toEqual(['data-skip-of="3"', 'data-skip-of="7"', 'data-skip-of="10"', 'data-skip-of="15"']);
    expect(html).toContain(
      '<span class="fn">flush_tlb_kernel_range(start, start + size) for pages [1, 2)</span><div class="c">in __change_memory_common (W), not run: the change only sets PTE_RDONLY (tlbi-elision=also-rw-to-ro)</div>',
    );
    expect(html).toContain('<body class="multi">');
    const views = stepViews(bad.model, bad.result.path!);
    expect(views.flatMap((v) => v.skipped.map((o) => `${v.index} ${o.fn}`))).toEqual(['3 __set_pte', '7 __change_memory_common', '10 __set_pte', '15 __change_memory_common']);
    // Under v6 the same scenario passes: its read-only change is followed by a TLBI.
    const good = runScenario('tlbi-elision', { design: 'v6', continueAfterViolation: false });
    expect(good.result.verdict).toBe('pass');
  });

  it('explains a violation with no step: which alias of data-bss-linear-alias is writable under rodata-alias-writable', () => {
    const run = runScenario('data-bss-linear-alias', { design: 'rodata-alias-writable' });
    expect(run.result.path!.steps).toHaveLength(0);
    const html = timelineHtml(run.model, run.result);
    const aliases = [
      'the linear alias of swapper_pg_dir (page 0) at ffff000000000000 is writable: its leaf entry lacks PTE_RDONLY',
      'the linear alias of _stext (kernel text) (page 1) at ffff000000001000 is writable: its leaf entry lacks PTE_RDONLY',
      'the linear alias of __start_rodata (kernel rodata) (page 2) at ffff000000002000 is writable: its leaf entry lacks PTE_RDONLY',
      'the linear alias of empty_zero_page (.rodata) (page 7) at ffff000000007000 is writable: its leaf entry lacks PTE_RDONLY',
    ];
    const list = `<ul class="why">${aliases.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>`;
    expect(html).toContain(`<tr><th>what breaks it</th><td>${list}</td></tr>`);
    expect(html).toContain('<a href="#step-0">Jump to the violation (the initial state)</a>');
    expect(html).toContain(`<tr data-i="0" id="step-0" class="init viol"><td class="n">0</td><td class="ev idle">initial state<span class="badge b-viol">VIOLATION</span>${list}`);
    const d = dataOf(html);
    expect(d.focus).toBe(0);
    expect(d.states[0].invariants).toEqual([
      ['linear-alias-protected', 0, aliases],
      ['kernel-does-not-oops', 1, []],
    ]);
  });

  it('gives the status of every checked invariant at every step', () => {
    const d = dataOf(v6Html);
    const names = v6.model.invariants.map((i) => i.name);
    for (const st of d.states) expect(st.invariants.map((i) => i[0])).toEqual(names);
    for (const st of d.states.slice(0, 18)) expect(st.invariants.every((i) => i[1] === 1 && i[2].length === 0)).toBe(true);
    const last = d.states[18].invariants;
    expect(last.filter((i) => i[1] === 0).map((i) => i[0])).toEqual([OVERLAY, 'kernel-does-not-oops']);
    expect(last.find((i) => i[0] === OVERLAY)![2]).toEqual([
      'pageattr_pte_entry on CPU0 (A) stored to a PGTABLES page with POR_EL1 = 0x17 (pkey1 R)',
    ]);
  });

  it('has the state-panel filters, marks idle tasks and changed lists for them', () => {
    for (const [id, text] of [['f-changed', 'changed only'], ['f-idle', 'hide idle tasks'], ['f-stacks', 'collapse stacks']])
      expect(v6Html).toContain(`<label><input type="checkbox" id="${id}">${text}</label>`);
    const d = dataOf(v6Html);
    expect(section(d, 1, 'task swapper/0 (pid 0)').kind).toBe('sec-task sec-idle');
    expect(section(d, 1, 'task A (pid 1)').kind).toBe('sec-task');
    const stackOf = (i: number) => section(d, i, 'task A (pid 1)').lists.find((l) => l.title.startsWith('stack')) as { changed?: 1 };
    expect(stackOf(0).changed).toBeUndefined();
    expect(stackOf(1).changed).toBe(1);
  });
});
