/**
 * timeline.html: a kernel counterexample as one self-contained page.
 *
 * The header says what was checked and what broke (verdict, rule, message, the kernel-style
 * splat). Below it, time flows down: one row per step, one lane per CPU, each lane with the
 * step that CPU took (task, function, the line of C, the outcome chosen, IRQ and preemption
 * marks, effects) and the state that matters after it (POR_EL1 and its kpkeys level, the lazy
 * MMU counters, exception depth). Hovering a row shows the whole KernelState after that step
 * in a side panel; clicking pins it, and the arrow keys (or j/k) move the pin.
 *
 * The page has no external resources at all (no scripts, stylesheets, fonts, images or links)
 * and no network addresses in its text. The per-step states are JSON in a
 * <script type="application/json"> block, rendered by a small inline script with textContent.
 * Everything else is HTML-escaped here. The output depends only on the model and the result:
 * no dates, timings or random ids, so equal inputs give equal bytes.
 */
import { isImmutable } from 'immutable';
import type { CheckResult, Path } from '../../checker/index.ts';
import { knobDiff } from '../../model/designs.ts';
import { describeEntry, type Entry } from '../../model/hardware/descriptor.ts';
import { displayVa, type Geometry } from '../../model/hardware/geometry.ts';
import { kpkeysLevelOf, permsName, por_elx_idx } from '../../model/hardware/pkeys.ts';
import type { TlbEntry } from '../../model/hardware/tlb.ts';
import type { KernelAction, KernelModel } from '../../model/kernel-model.ts';
import type { KernelState, Value } from '../../model/kernel/state.ts';
import { RULES } from '../../properties/index.ts';
import { verdictLine } from '../summary.ts';
import { cpuViews, scheduleCounts, stepViews, type CpuView, type StepView } from './steps.ts';
import { oopsLines } from './text.ts';
import type { SkippedOperation } from '../../model/kernel/env.ts';
import { invariantStatus } from './explain.ts';

// ---------------------------------------------------------------------------------------------
// Escaping

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for HTML element content and attribute values. A `://` (which would make the page's
 * text contain a network address) is written with character references; it reads the same.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]).replace(/:\/\//g, ':&#47;&#47;');
}

/** JSON that is safe inside a <script> element: no `<`, `>`, `&`, line separators or `://`. */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/:\/\//g, ':\\/\\/');
}

const esc = escapeHtml;
const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------------------------------------
// The state after a step, as sections of key/value rows and lists (the side panel's data)

interface StateList {
  readonly title: string;
  readonly items: readonly string[];
  /** 1 when the items differ from the state before. */
  changed?: 1;
}

/** A row: key, value, and 1 when the value differs from the state before. */
type StateRow = [string, string, 0 | 1];

interface StateSection {
  readonly title: string;
  /** `sec-cpu`, `sec-task`, `sec-bad`...: the panel's CSS class for the section. */
  readonly kind: string;
  readonly rows: StateRow[];
  readonly lists: StateList[];
}

interface StateView {
  /** The step's action label (empty for the initial state). */
  readonly label: string;
  readonly sections: StateSection[];
  /** Every checked invariant at this state: [name, 1 if it holds, why not]. */
  readonly invariants: [string, 0 | 1, string[]][];
}

function porText(por: number): string {
  const fields: string[] = [];
  for (let pkey = 0; pkey < 8; pkey++) {
    const perms = por_elx_idx(por, pkey);
    if (perms) fields.push(`pkey${pkey} ${permsName(perms)}`);
  }
  return `${hex(por)} ${kpkeysLevelOf(por)} (${fields.join(', ') || 'no access'})`;
}

function tlbText(g: Geometry, e: TlbEntry): string {
  if (e.kind === 'walk') return `${displayVa(g, e.va)} (${e.pages} pages) -> table pa${e.pa} (walk cache, L${e.level})`;
  return `${displayVa(g, e.va)}${e.pages > 1 ? ` (${e.pages} pages)` : ''} -> pa${e.pa} L${e.level} ${e.rdonly ? 'RO' : 'RW'}${e.pxn ? '' : ' X'} pkey${e.poIndex}`;
}

class StateRenderer {
  private readonly names: ReadonlyMap<number, string>;
  private readonly geometry: Geometry;

  constructor(
    model: KernelModel,
    private readonly initial: KernelState,
  ) {
    this.names = model.env.layout.pageNames;
    this.geometry = model.env.geometry;
  }

  private page(n: number): string {
    const name = this.names.get(n);
    return name ? `${n} (${name})` : `${n}`;
  }

  private pageName(n: number): string {
    return this.names.get(n) ?? `page ${n}`;
  }

  private mmName(s: KernelState, i: number | null): string {
    if (i === null) return 'NULL';
    return s.mms.get(i)?.name ?? `mm ${i}`;
  }

  private value(s: KernelState, key: string, v: Value): string {
    if (v === null) return 'NULL';
    if (typeof v === 'object') return describeEntry(v);
    if (typeof v === 'number') {
      if (/por/i.test(key)) return hex(v);
      if (key === 'mm') return `${v} (${this.mmName(s, v)})`;
      if (key === 'page' || key === 'pgd' || key === 'table') return this.page(v);
    }
    return String(v);
  }

  private entryWhere(table: number, index: number): string {
    return `${this.pageName(table)}[${index}]`;
  }

  sections(s: KernelState): StateSection[] {
    const out: StateSection[] = [];
    const section = (title: string, kind: string, rows: [string, string][], lists: StateList[] = []) =>
      out.push({ title, kind, rows: rows.map(([k, v]) => [k, v, 0] as StateRow), lists });

    s.cpus.forEach((c, cpu) => {
      const t = s.tasks[c.curr];
      section(
        `CPU${cpu}`,
        `sec-cpu lvl-${kpkeysLevelOf(c.por_el1)}`,
        [
          ['curr', `${t.comm} (pid ${t.pid})`],
          ['POR_EL1', porText(c.por_el1)],
          ['preempt_count', String(c.preempt_count)],
          ['hardirq_count', String(c.hardirq_count)],
          ['softirq_count', String(c.softirq_count)],
          ['irqs_disabled', String(c.irqs_disabled)],
          ['need_resched', String(c.need_resched)],
          ['rq->prev_mm', c.prev_mm === null ? 'NULL' : this.mmName(s, c.prev_mm)],
          ['softirq_pending', c.softirq_pending ?? 'none'],
          ['TLB entries', String(c.tlb.size)],
          ...otherFields(c, CPU_FIELDS),
        ],
        [{ title: 'TLB', items: c.tlb.map((e) => tlbText(this.geometry, e)).toArray() }],
      );
    });

    s.tasks.forEach((t) => {
      const running = s.cpus.findIndex((c) => s.tasks[c.curr] === t);
      section(
        `task ${t.comm} (pid ${t.pid})`,
        t.is_idle ? 'sec-task sec-idle' : 'sec-task',
        [
          ['__state', `${t.__state}${running >= 0 ? ` (curr on CPU${running})` : ''}`],
          ['cpu', `${t.cpu}${t.is_idle ? ' (idle task)' : ''}`],
          ['mm / active_mm', `${this.mmName(s, t.mm)} / ${this.mmName(s, t.active_mm)}`],
          ['lazy_mmu_state', `enable_count ${t.lazy_mmu_state.enable_count}, pause_count ${t.lazy_mmu_state.pause_count}`],
          ['TIF_LAZY_MMU', t.tif_lazy_mmu ? 'set' : 'clear'],
          ['TIF_LAZY_MMU_PENDING', t.tif_lazy_mmu_pending ? 'set' : 'clear'],
          ['thread.por_el1', hex(t.thread_por_el1)],
          ['thread.por_el1_lazy_mmu', t.por_el1_lazy_mmu.map(hex).join(', ') || 'empty'],
          ['ghost section POR', t.ghost_section_por.map(hex).join(', ') || 'none'],
          ['stack depth', t.stack.length === 0 ? '0 (user space)' : String(t.stack.length)],
          ...otherFields(t, TASK_FIELDS),
        ],
        [
          {
            title: 'stack, innermost first',
            items: t.stack
              .toReversed()
              .map((f) => {
                const locals = Object.entries(f.locals)
                  .map(([k, v]) => `${k}=${this.value(s, k, v)}`)
                  .join(', ');
                return `${f.fn} +${f.pc}${f.atomic ? ' [atomic]' : ''}${locals ? `  {${locals}}` : ''}`;
              }),
          },
        ],
      );
    });

    section(
      'mm_struct',
      'sec-mm',
      s.mms
        .map((m) => {
          const more = otherFields(m, MM_FIELDS).map(([k, v]) => `, ${k} ${v}`);
          return [m.name, `mm_users ${m.mm_users}, mm_count ${m.mm_count}, pgd ${this.page(m.pgd)}${m.freed ? ', freed' : ''}${more.join('')}`] as [string, string];
        })
        .toArray(),
    );

    // Page-table memory: only what differs from the initial state.
    const changed: string[] = [];
    s.memory.tables.forEach((entries, table) => {
      const old = this.initial.memory.tables.get(table);
      if (!old) {
        const valid = entries.map((e, i) => (e === null ? '' : `[${i}] ${describeEntry(e)}`)).filter(Boolean);
        changed.push(`${this.pageName(table)}: new page table${valid.size ? `: ${valid.join('; ')}` : ''}`);
        return;
      }
      entries.forEach((e, index) => {
        const o: Entry = old.get(index) ?? null;
        if (!sameEntry(o, e)) changed.push(`${this.entryWhere(table, index)}: ${describeEntry(e)} (was ${describeEntry(o)})`);
      });
    });
    this.initial.memory.tables.forEach((_, table) => {
      if (!s.memory.tables.has(table)) changed.push(`${this.pageName(table)}: no longer a page table`);
    });
    const roles: string[] = [];
    s.pgtable_role.forEach((role, page) => {
      const was = this.initial.pgtable_role.get(page);
      if (was !== role) roles.push(`${this.pageName(page)}: ${role}${was ? ` (was ${was})` : ''}`);
    });
    const pending = s.memory.pending
      .entrySeq()
      .map(([key, p]) => {
        const [table, index] = key.split(':').map(Number);
        const latest = s.memory.tables.get(table)?.get(index) ?? null;
        return `${this.entryWhere(table, index)}: ${describeEntry(latest)}, not published by ${p.cpus.map((c) => `CPU${c}`).join(', ')}; walker may still see ${p.stale.map(describeEntry).join(' | ')}`;
      })
      .toArray();
    section(
      'page-table memory',
      'sec-mem',
      [
        ['entries changed since the initial state', String(changed.length)],
        ['pending (unpublished) stores', String(pending.length)],
      ],
      [
        { title: 'entries that differ from the initial state', items: changed },
        { title: 'pending stores (not yet visible to the walker)', items: pending },
        { title: 'page-table page roles changed', items: roles },
      ],
    );

    section(
      'other',
      'sec-other',
      [
        ['irqs_left', s.irqs_left.join(', ')],
        ['mutexes', s.mutexes.entrySeq().map(([m, t]) => `${m}: ${s.tasks[t]?.comm ?? t}`).join(', ') || 'none'],
        ['flags', s.flags.entrySeq().map(([k, v]) => `${k}=${this.value(s, k, v)}`).join(', ') || 'none'],
        [
          'set_memory_*() changes',
          s.prot_changes
            .map((p) => `pages [${p.start}, ${p.end}): ${describeEntry(p.old)} => ${describeEntry(p.new)}${p.returned ? ' (returned)' : ' (in progress)'}`)
            .join('; ') || 'none',
        ],
        [
          'lockless walks',
          s.lockless_walks.map((w) => `${s.tasks[w.task]?.comm ?? w.task}: pages [${w.start}, ${w.end})`).join('; ') || 'none',
        ],
        ...otherFields(s, STATE_FIELDS),
      ],
    );

    const violations = s.violations
      .valueSeq()
      .map((v) => `${v.rule}: ${v.message} (CPU${v.cpu}, ${v.task}; call trace ${v.callTrace.join(' <- ')})`)
      .toArray();
    section(
      'violations',
      violations.length || s.oops ? 'sec-bad' : 'sec-ok',
      [
        ['recorded violations', String(violations.length)],
        ['oops', s.oops ? `${s.oops.message} (CPU${s.oops.cpu}, ${s.oops.task})` : 'none'],
        ['recovered (WARN, KFENCE)', String(s.warnings.size)],
      ],
      [
        { title: 'violations', items: violations },
        { title: 'recovered faults', items: s.warnings.map((w) => `${w.kind}: ${w.message} (CPU${w.cpu}, ${w.task})`).toArray() },
      ],
    );
    return out;
  }
}

/** A field this renderer has no special view of (one added to the model later), as compact JSON. */
function generic(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (isImmutable(v)) return JSON.stringify((v as unknown as { toJS(): unknown }).toJS());
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Rows for the fields of `record` not in `shown`, so that new model fields still appear. */
function otherFields(record: { toObject(): object }, shown: readonly string[]): [string, string][] {
  return Object.entries(record.toObject())
    .filter(([k]) => !shown.includes(k))
    .map(([k, v]) => [k, generic(v)]);
}

const CPU_FIELDS = ['curr', 'por_el1', 'preempt_count', 'hardirq_count', 'softirq_count', 'irqs_disabled', 'need_resched', 'prev_mm', 'softirq_pending', 'tlb'];
const TASK_FIELDS = [
  'comm',
  'pid',
  'stack',
  '__state',
  'mm',
  'active_mm',
  'lazy_mmu_state',
  'tif_lazy_mmu',
  'tif_lazy_mmu_pending',
  'thread_por_el1',
  'por_el1_lazy_mmu',
  'ghost_section_por',
  'cpu',
  'is_idle',
];
const MM_FIELDS = ['name', 'mm_users', 'mm_count', 'pgd', 'freed'];
const STATE_FIELDS = ['cpus', 'tasks', 'mms', 'memory', 'pgtable_role', 'irqs_left', 'violations', 'oops', 'warnings', 'prot_changes', 'lockless_walks', 'mutexes', 'flags'];

function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

/** Marks the rows whose value changed since the previous state's same row. */
function markChanges(prev: readonly StateSection[] | undefined, next: StateSection[]): void {
  if (!prev) return;
  const before = new Map<string, string>();
  for (const s of prev) for (const [k, v] of s.rows) before.set(`${s.title}\u0000${k}`, v);
  for (const s of next) for (const r of s.rows) if (before.get(`${s.title}\u0000${r[0]}`) !== r[1]) r[2] = 1;
  const lists = new Map<string, string>();
  for (const s of prev) for (const l of s.lists) lists.set(`${s.title}\u0000${l.title}`, JSON.stringify(l.items));
  for (const s of next) for (const l of s.lists) if ((lists.get(`${s.title}\u0000${l.title}`) ?? '[]') !== JSON.stringify(l.items)) l.changed = 1;
}

function stateViews(model: KernelModel, path: Path<KernelState, KernelAction>): StateView[] {
  const renderer = new StateRenderer(model, path.initial);
  const states = [{ label: '', state: path.initial }, ...path.steps.map((st) => ({ label: st.action.label, state: st.state }))];
  const out: StateView[] = [];
  let prev: StateSection[] | undefined;
  for (const { label, state } of states) {
    const sections = renderer.sections(state);
    markChanges(prev, sections);
    const invariants = invariantStatus(model, state).map((i): [string, 0 | 1, string[]] => [i.name, i.holds ? 1 : 0, [...i.why]]);
    out.push({ label, sections, invariants });
    prev = sections;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The page

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
code,pre,.mono,.c,.fn,.kv td,.lists li,.inv .why li{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
a{color:#0969da}
header{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;padding:12px 16px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
header.nopath{display:block}
header>div{min-width:0}
h1{font-size:17px;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:14px;margin:4px 0 6px}
h3{font-size:12px;margin:8px 0 2px;text-transform:none}
.facts{border-collapse:collapse;width:100%}
.facts th{text-align:left;vertical-align:top;padding:1px 10px 1px 0;color:#57606a;font-weight:600;white-space:nowrap;width:1%}
.facts td{padding:1px 0;vertical-align:top;overflow-wrap:anywhere}
.verdict-violation,.verdict-deadlock{color:#b3261e;font-weight:600}
.verdict-pass{color:#1a7f37;font-weight:600}
.verdict-incomplete{color:#9a6700;font-weight:600}
.msg{color:#b3261e}
ul.why{margin:0;padding:0 0 0 16px;color:#b3261e}
nav.jump{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0 0}
nav.jump a{font-weight:600}
pre.splat{margin:0;padding:8px 10px;background:#1f2328;color:#e6edf3;font-size:11.5px;line-height:1.35;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
.splat .hot{color:#ff938a;font-weight:600}
.wrap{display:grid;grid-template-columns:minmax(0,1fr) 440px}
main{padding:8px 16px 40px;min-width:0}
aside{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;border-left:1px solid #d0d7de;background:#fbfbfc;padding:6px 12px 24px;min-width:0}
.filters{display:flex;flex-wrap:wrap;gap:2px 14px;margin:4px 0 6px;padding:4px 0;border-bottom:1px solid #d0d7de;font-size:12px}
.filters label{cursor:pointer}
.filters input{margin:0 4px 0 0;vertical-align:-2px}
.legend{margin:4px 0 8px;color:#57606a}
.legend span{display:inline-block;margin-right:10px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border:1px solid #8c959f;border-radius:2px}
table.tl{border-collapse:collapse;width:100%;table-layout:fixed}
.tl th{position:sticky;top:0;background:#eaeef2;text-align:left;padding:4px 6px;border-bottom:1px solid #d0d7de;z-index:1;overflow-wrap:anywhere}
.tl th.n{width:38px}
.tl th.st{width:178px}
.tl td{vertical-align:top;padding:3px 6px;border-bottom:1px solid #eaeef2;overflow-wrap:anywhere}
.tl td.n{text-align:right;color:#57606a;font-variant-numeric:tabular-nums}
.tl tr[data-i]{cursor:pointer}
.tl tr.irq td{background:#fff4d6}
.tl tr.inexc td.ev{box-shadow:inset 3px 0 0 #e3b341}
.tl tr.viol td{background:#ffe1de}
.tl tr.cur td{outline:1px solid #0969da;outline-offset:-1px}
.tl tr.pin td.n{background:#0969da;color:#fff}
.tl tr.init td{color:#57606a;font-style:italic}
.tl tr.init ul.why{font-style:normal}
.tl tr.skip td{background:#f6f8fa;color:#57606a;border-bottom-style:dashed}
.tl tr.skip td.n{color:#8c959f}
.tl td.idle{color:#afb8c1}
.stx{display:none;margin-top:3px;padding-top:2px;border-top:1px dotted #d0d7de}
.task{display:inline-block;padding:0 5px;border-radius:8px;font-weight:600;font-size:12px;border:1px solid transparent}
.t0{background:#ddf4ff;border-color:#54aeff}.t1{background:#fbefff;border-color:#c297ff}.t2{background:#eaeef2;border-color:#afb8c1}
.t3{background:#dafbe1;border-color:#4ac26b}.t4{background:#fff8c5;border-color:#d4a72c}.t5{background:#ffebe9;border-color:#ff8182}
.fn{font-weight:600}
.choice{color:#8250df;font-weight:600}
.c{color:#24292f;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
.badge{display:inline-block;padding:0 5px;border-radius:3px;font-size:11px;font-weight:700;margin-left:4px;vertical-align:1px;font-style:normal}
.b-irq{background:#d4a72c;color:#fff}
.b-pre{background:#8250df;color:#fff}
.b-viol{background:#b3261e;color:#fff}
.b-skip{background:#6e7781;color:#fff;margin-left:0}
ul.fx{margin:2px 0 0;padding:0 0 0 16px;font-size:12px}
ul.fx li{margin:0}
.e-bad{color:#b3261e;font-weight:600}
.e-por{color:#1a7f37;font-weight:600}
.e-sw{color:#8250df}
.e-tlb{color:#0550ae}
.e-pte{color:#953800}
.por{display:inline-block;padding:0 4px;border-radius:3px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.lvl-PGTABLES .por,.por.lvl-PGTABLES{background:#aceebb;color:#0a3622}
.lvl-DEFAULT .por,.por.lvl-DEFAULT{background:#eaeef2;color:#24292f}
td.st,.stx{font-size:12px}
td.st .sub,.stx .sub{color:#57606a}
td.st.other{opacity:.55}
td.st b,.stx b{color:#0969da}
aside .lbl{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#57606a;margin:0 0 6px;overflow-wrap:anywhere}
aside section{border:1px solid #d0d7de;border-radius:4px;background:#fff;margin:0 0 8px;padding:2px 8px 6px}
aside section.sec-cpu.lvl-PGTABLES{border-left:4px solid #4ac26b}
aside section.sec-cpu.lvl-DEFAULT{border-left:4px solid #8c959f}
aside section.sec-bad{border-color:#ff8182;background:#fff5f5}
ul.inv{list-style:none;margin:0;padding:0;font-size:12px}
ul.inv>li{margin:1px 0;overflow-wrap:anywhere}
ul.inv>li.ok .mark{color:#1a7f37;font-weight:700}
ul.inv>li.bad{color:#b3261e;font-weight:600}
ul.inv .why{font-weight:400;font-size:11.5px}
.kv{border-collapse:collapse;width:100%}
.kv th{text-align:left;font-weight:500;color:#57606a;padding:0 8px 0 0;white-space:nowrap;vertical-align:top;width:1%}
.kv td{font-size:12px;overflow-wrap:anywhere}
.kv tr.chg td{background:#fff8c5;font-weight:600}
.lists h4,.lists summary{font-size:11px;color:#57606a;margin:4px 0 0;font-weight:600}
.lists summary{cursor:pointer}
.lists .chg{background:#fff8c5}
.lists ol,.lists ul{margin:0;padding-left:22px;font-size:11.5px}
.lists li{overflow-wrap:anywhere}
.none{color:#8c959f;font-size:11.5px;margin-left:8px}
.hint{color:#57606a;font-size:12px}
@media (max-width:1279px){
body.multi .wrap{grid-template-columns:minmax(0,1fr)}
body.multi aside{position:static;max-height:none;border-left:0;border-top:1px solid #d0d7de;padding:6px 16px 24px}
}
@media (max-width:959px){
header{grid-template-columns:minmax(0,1fr)}
.wrap{grid-template-columns:minmax(0,1fr)}
aside{position:static;max-height:none;border-left:0;border-top:1px solid #d0d7de;padding:6px 16px 24px}
body.multi .tl th.st,body.multi .tl td.st{display:none}
body.multi .stx{display:block}
.tl th.st{width:150px}
}
`;

/** Page-side rendering of the state panel; builds nodes with textContent only. */
const SCRIPT = `
(function () {
  var D = JSON.parse(document.getElementById('mmcheck-data').textContent);
  var body = document.getElementById('state-body');
  var table = document.getElementById('timeline');
  var rows = Array.prototype.slice.call(table.querySelectorAll('tr[data-i]'));
  var filters = {
    changed: document.getElementById('f-changed'),
    idle: document.getElementById('f-idle'),
    stacks: document.getElementById('f-stacks')
  };
  var pinned = D.focus, shown = -1;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function invariants(st) {
    var sec = el('section', st.invariants.every(function (x) { return x[1]; }) ? 'sec-inv' : 'sec-inv sec-bad');
    sec.appendChild(el('h3', null, 'Invariants at this step'));
    var ul = el('ul', 'inv');
    st.invariants.forEach(function (x) {
      var li = el('li', x[1] ? 'ok' : 'bad');
      li.appendChild(el('span', 'mark', x[1] ? '\u2713 ' : '\u2717 '));
      li.appendChild(el('span', 'iname', x[0] + (x[1] ? ' holds' : ' is violated')));
      if (!x[1]) {
        var why = el('ul', 'why');
        x[2].forEach(function (w) { why.appendChild(el('li', null, w)); });
        li.appendChild(why);
      }
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    return sec;
  }
  function list(l, collapse) {
    var isStack = l.title.indexOf('stack') === 0;
    var items = el(isStack ? 'ol' : 'ul');
    l.items.forEach(function (x) { items.appendChild(el('li', null, x)); });
    if (isStack && l.items.length) {
      var d = el('details', l.changed ? 'chg' : null);
      d.open = !collapse;
      d.appendChild(el('summary', null, l.title + ' (' + l.items.length + '): ' + l.items[0].split('  ')[0]));
      d.appendChild(items);
      return [d];
    }
    var h = el('h4', l.changed ? 'chg' : null, l.title + ' (' + l.items.length + ')');
    return l.items.length ? [h, items] : [h];
  }
  function render(i) {
    var st = D.states[i];
    var changedOnly = filters.changed.checked, hideIdle = filters.idle.checked, collapse = filters.stacks.checked;
    body.textContent = '';
    body.appendChild(el('h2', null, i === 0 ? 'Initial state' : 'State after step ' + i + ' of ' + (D.states.length - 1)));
    body.appendChild(el('p', 'lbl', st.label || '(before the first step)'));
    body.appendChild(el('p', 'hint', i === pinned ? 'Pinned. Click a row to pin it; \u2191/\u2193 or j/k move, Home/End jump.' : 'Hovering; click to pin.'));
    body.appendChild(invariants(st));
    var hidden = 0;
    st.sections.forEach(function (s) {
      if (hideIdle && / sec-idle/.test(s.kind)) { hidden++; return; }
      var rs = changedOnly ? s.rows.filter(function (r) { return r[2]; }) : s.rows;
      var ls = changedOnly ? s.lists.filter(function (l) { return l.changed; }) : s.lists;
      if (changedOnly && !rs.length && !ls.length) { hidden++; return; }
      var sec = el('section', s.kind);
      sec.appendChild(el('h3', null, s.title));
      var t = el('table', 'kv');
      rs.forEach(function (r) {
        var tr = el('tr', r[2] ? 'chg' : null);
        tr.appendChild(el('th', null, r[0]));
        tr.appendChild(el('td', null, r[1]));
        t.appendChild(tr);
      });
      sec.appendChild(t);
      var lists = el('div', 'lists');
      ls.forEach(function (l) { list(l, collapse).forEach(function (n) { lists.appendChild(n); }); });
      sec.appendChild(lists);
      body.appendChild(sec);
    });
    if (hidden) body.appendChild(el('p', 'hint', hidden + (hidden === 1 ? ' section' : ' sections') + ' hidden by the filters above.'));
  }
  function show(i, force) {
    if (i === shown && !force) return;
    shown = i;
    render(i);
    rows.forEach(function (r) {
      var n = +r.getAttribute('data-i');
      r.classList.toggle('cur', n === i);
      r.classList.toggle('pin', n === pinned);
    });
  }
  function pin(i, scroll) {
    pinned = Math.max(0, Math.min(D.states.length - 1, i));
    show(pinned, true);
    if (scroll) rows[pinned].scrollIntoView({ block: 'nearest' });
  }
  function rowOf(e) {
    var t = e.target;
    while (t && t !== table) {
      if (t.getAttribute && t.getAttribute('data-i') !== null) return t;
      t = t.parentNode;
    }
    return null;
  }
  table.addEventListener('mouseover', function (e) {
    var r = rowOf(e);
    if (r) show(+r.getAttribute('data-i'));
  });
  table.addEventListener('mouseleave', function () { show(pinned); });
  table.addEventListener('click', function (e) {
    var r = rowOf(e);
    if (r) pin(+r.getAttribute('data-i'), false);
  });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || (e.target && /^(INPUT|SUMMARY|A)$/.test(e.target.tagName) && e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    var k = e.key;
    var to = k === 'ArrowDown' || k === 'j' ? pinned + 1 : k === 'ArrowUp' || k === 'k' ? pinned - 1 : k === 'Home' ? 0 : k === 'End' ? D.states.length - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    pin(to, true);
  });
  function fromHash() {
    var m = /^#step-(\\d+)$/.exec(location.hash);
    if (m && +m[1] < D.states.length) pin(+m[1], false);
  }
  window.addEventListener('hashchange', fromHash);
  Object.keys(filters).forEach(function (k) { filters[k].addEventListener('change', function () { show(shown, true); }); });
  show(pinned, true);
  fromHash();
  document.documentElement.setAttribute('data-ready', '1');
})();
`;

function effectClass(e: string): string {
  if (/^(VIOLATION|OOPS)/.test(e)) return 'e-bad';
  if (/POR_EL1/.test(e)) return 'e-por';
  if (/TLB/.test(e)) return 'e-tlb';
  if (/^CPU\d+: /.test(e)) return 'e-sw';
  if (/\]: /.test(e)) return 'e-pte';
  return 'e';
}

/** The step (0 = initial state) after which the violated property first fails. */
function violatingStep(model: KernelModel, r: CheckResult<KernelState, KernelAction>, path: Path<KernelState, KernelAction>): number {
  const inv = r.property ? model.invariants.find((i) => i.name === r.property) : undefined;
  if (!inv || r.verdict !== 'violation') return r.verdict === 'violation' || r.verdict === 'deadlock' ? path.steps.length : -1;
  if (!inv.holds(path.initial)) return 0;
  const i = path.steps.findIndex((st) => !inv.holds(st.state));
  return i < 0 ? path.steps.length : i + 1;
}

/** POR_EL1, curr, lazy counters, exception depth and context of one CPU after a step. */
function laneStateInner(c: CpuView, prev: CpuView | undefined): string {
  const b = (changed: boolean, s: string) => (changed ? `<b>${s}</b>` : s);
  const por = `<span class="por lvl-${c.level}">${b(!!prev && prev.por !== c.por, esc(`${hex(c.por)} ${c.level}`))}</span>`;
  const lazy = b(!!prev && (prev.enableCount !== c.enableCount || prev.pauseCount !== c.pauseCount), `lazy ${c.enableCount}/${c.pauseCount}`);
  const exc = b(!!prev && prev.exceptionDepth !== c.exceptionDepth, `exc ${c.exceptionDepth}`);
  const task = b(!!prev && prev.task !== c.task, esc(c.task));
  return `${por} ${task}<br><span class="sub">${lazy} · ${exc} · ${esc(c.context)}</span>`;
}

function laneState(c: CpuView, prev: CpuView | undefined, acting: boolean): string {
  return `<td class="st${acting ? '' : ' other'}">${laneStateInner(c, prev)}</td>`;
}

/** The lane state again inside the event cell, shown instead of the state column on narrow screens. */
function laneStateStacked(c: CpuView, prev: CpuView | undefined): string {
  return `<div class="stx">${laneStateInner(c, prev)}</div>`;
}

function taskChip(comm: string, palette: ReadonlyMap<string, number>): string {
  const i = palette.get(comm);
  return `<span class="task t${i === undefined ? 2 : i % 6}">${esc(comm)}</span>`;
}

function whyList(why: readonly string[]): string {
  return why.length ? `<ul class="why">${why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
}

function stepCell(v: StepView, palette: ReadonlyMap<string, number>, violating: boolean, stacked: string): string {
  const badges = [
    v.isIrq ? '<span class="badge b-irq">IRQ</span>' : '',
    v.isPreemption ? `<span class="badge b-pre" title="${esc(`${v.task} is preempted: it could have run on`)}">PREEMPTION</span>` : '',
    violating ? '<span class="badge b-viol">VIOLATION</span>' : '',
  ].join('');
  const head = v.isIrq
    ? `${taskChip(v.task, palette)} <span class="fn">${esc(v.what)}</span>${badges}`
    : `${taskChip(v.task, palette)} <span class="fn">${esc(v.fn)}</span>${v.choice !== undefined ? ` <span class="choice">→ ${esc(v.choice)}</span>` : ''}${badges}`;
  const line = v.isIrq ? `<div class="c">interrupt taken: el1h_64_irq</div>` : v.what ? `<div class="c">${esc(v.what)}</div>` : '';
  const fx = v.effects.length ? `<ul class="fx">${v.effects.map((e) => `<li class="${effectClass(e)}">${esc(e)}</li>`).join('')}</ul>` : '';
  return `<td class="ev">${head}${line}${fx}${stacked}</td>`;
}

/** A row for an operation the step skipped: it did not run, and the design is why. */
function skipRow(v: StepView, op: SkippedOperation, cpus: number): string {
  const cells = Array.from({ length: cpus }, (_, cpu) =>
    cpu === op.cpu
      ? `<td class="ev"><span class="badge b-skip">SKIPPED</span> <span class="fn">${esc(op.op)}</span><div class="c">${esc(`in ${op.fn} (${op.task}), not run: ${op.why}`)}</div></td><td class="st"></td>`
      : '<td class="ev idle"></td><td class="st"></td>',
  ).join('');
  return `<tr class="skip" data-skip-of="${v.index}"><td class="n" title="skipped in step ${v.index}">↷</td>${cells}</tr>`;
}

function timelineTable(
  path: Path<KernelState, KernelAction>,
  views: readonly StepView[],
  focus: number,
  initialCpus: readonly CpuView[],
  initialWhy: readonly string[],
): string {
  const cpus = path.initial.cpus.length;
  const palette = new Map<string, number>();
  path.initial.tasks.forEach((t, i) => palette.set(t.comm, i));
  const out: string[] = [];
  out.push('<table class="tl" id="timeline">');
  out.push(
    `<thead><tr><th class="n">#</th>${Array.from({ length: cpus }, (_, c) => `<th class="ev">CPU${c}</th><th class="st">CPU${c} after: POR_EL1 · curr</th>`).join('')}</tr></thead>`,
  );
  out.push('<tbody>');
  const initWhy = focus === 0 ? `<span class="badge b-viol">VIOLATION</span>${whyList(initialWhy)}` : '';
  out.push(
    `<tr data-i="0" id="step-0" class="init${focus === 0 ? ' viol' : ''}"><td class="n">0</td>${initialCpus
      .map((c, cpu) => `<td class="ev idle">initial state${cpu === 0 ? initWhy : ''}${laneStateStacked(c, undefined)}</td>${laneState(c, undefined, true)}`)
      .join('')}</tr>`,
  );
  let prev: readonly CpuView[] = initialCpus;
  for (const v of views) {
    const me = v.after[v.cpu];
    const cls = [v.isIrq ? 'irq' : '', !v.isIrq && (me.exceptionDepth > 0 || me.context === 'hardirq') ? 'inexc' : '', v.index === focus ? 'viol' : '']
      .filter(Boolean)
      .join(' ');
    const cells = v.after
      .map(
        (c, cpu) =>
          (cpu === v.cpu
            ? stepCell(v, palette, v.index === focus, laneStateStacked(c, prev[cpu]))
            : `<td class="ev idle">·${laneStateStacked(c, prev[cpu])}</td>`) + laneState(c, prev[cpu], cpu === v.cpu),
      )
      .join('');
    out.push(`<tr data-i="${v.index}" id="step-${v.index}"${cls ? ` class="${cls}"` : ''}><td class="n">${v.index}</td>${cells}</tr>`);
    for (const op of v.skipped) out.push(skipRow(v, op, cpus));
    prev = v.after;
  }
  out.push('</tbody></table>');
  return out.join('\n');
}

function splatLines(r: CheckResult<KernelState, KernelAction>, last: KernelState): string[] {
  const oops = oopsLines(last);
  if (oops.length) return oops;
  const v = r.property ? last.violations.get(r.property) : undefined;
  if (v && v.callTrace.size) return [`${v.rule}: ${v.message}`, 'Call trace:', ...v.callTrace.map((f) => ` ${f}`)];
  return [];
}

function splatHtml(lines: readonly string[]): string {
  return `<pre class="splat">${lines
    .map((l, i) => (i === 0 || /^(Internal error|Kernel panic|Call trace)/.test(l) ? `<span class="hot">${esc(l)}</span>` : esc(l)))
    .join('\n')}</pre>`;
}

function statsText(r: CheckResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(r.stats.distinctStates)} distinct states, ${n(r.stats.generatedStates)} generated, depth ${r.stats.depth}`;
}

function factsTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

export function timelineHtml(model: KernelModel, r: CheckResult<KernelState, KernelAction>): string {
  const scenario = model.scenario.name;
  const design = model.design.name;
  // A design file may add invariants of its own: the model's env knows them.
  const ruleOf = (p: string) => (model.env.rules ?? RULES).find((x) => x.name === p);
  const rule = r.property ? ruleOf(r.property) : undefined;
  const verdict = verdictLine(r, (p) => ruleOf(p)?.statement);
  const knobs = knobDiff(model.design);
  const title = `mmcheck: ${scenario} under ${design}${r.property ? ` — ${r.property}` : ''}`;
  const head = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    r.path && r.path.initial.cpus.length > 1 ? '<body class="multi">' : '<body>',
  ];
  const facts: [string, string][] = [
    ['scenario', esc(scenario)],
    ['design', `${esc(design)} <span class="hint">${esc(model.design.description)}</span>`],
    ['knobs (vs v6)', knobs.length ? esc(knobs.join(', ')) : 'none'],
    ['params', esc(Object.entries(model.params).map(([k, v]) => `${k}=${v}`).join(', '))],
    ['search', esc(`${r.strategy}${r.seed !== undefined ? `, seed ${r.seed}` : ''}; ${statsText(r)}`)],
    ['verdict', `<span class="verdict-${r.verdict}">${esc(verdict)}</span>`],
  ];
  if (r.property) facts.push(['violated property', `<code>${esc(r.property)}</code>${rule ? ` — ${esc(rule.statement)}` : ''}`]);

  if (!r.path) {
    return [
      ...head,
      '<header class="nopath">',
      `<h1>${esc(`mmcheck: ${scenario} under ${design}`)}</h1>`,
      factsTable(facts),
      `<p>No counterexample to show: the check ${r.verdict === 'pass' ? 'found no violation' : `ended with verdict ${esc(r.verdict)} and no violating path`}, so there is no timeline.</p>`,
      '</header>',
      '</body>',
      '</html>',
      '',
    ].join('\n');
  }

  const path = r.path;
  const last = path.steps.length ? path.steps[path.steps.length - 1].state : path.initial;
  const views = stepViews(model, path);
  const counts = scheduleCounts(views);
  const focus = violatingStep(model, r, path);
  const skipped = views.reduce((n, v) => n + v.skipped.length, 0);
  const v = r.property ? last.violations.get(r.property) : undefined;
  const message = last.oops && r.property === 'kernel-does-not-oops' ? last.oops.message : (v?.message ?? last.oops?.message);
  if (message) facts.push(['message', `<span class="msg">${esc(message)}</span>`]);
  facts.push([
    'schedule',
    esc(
      `${plural(views.length, 'step')}, ${plural(counts.irqs, 'IRQ')}, ${plural(counts.preemptions, 'preemption')}, ${plural(path.initial.cpus.length, 'CPU')}` +
        (skipped ? `, ${plural(skipped, 'skipped operation')}` : '') +
        (r.shrunk ? ` (shrunk from ${r.originalLength} steps)` : '') +
        (focus >= 0 ? `; violated after step ${focus}` : ''),
    ),
  ]);
  const splat = splatLines(r, last);
  const states = stateViews(model, path);
  const shownFocus = Math.max(0, Math.min(focus, path.steps.length));
  const data = { scenario, design, property: r.property ?? null, focus: shownFocus, states };
  const initialCpus = cpuViews(path.initial);
  // What breaks the property where it first fails: the recorded message, or the offenders of a rule on states.
  const broken = states[shownFocus].invariants.find(([name]) => name === r.property);
  const why = broken && !broken[1] ? broken[2] : [];
  if (why.length && !(why.length === 1 && why[0] === message)) facts.push(['what breaks it', whyList(why)]);
  const jump = [
    focus >= 0 ? `<a href="#step-${shownFocus}">Jump to the violation (${shownFocus === 0 ? 'the initial state' : `step ${shownFocus}`})</a>` : '',
    '<a href="#timeline">Timeline</a>',
    '<a href="#state">State after the selected step</a>',
  ].filter(Boolean);

  return [
    ...head,
    '<header>',
    '<div>',
    `<h1>${esc(`mmcheck: ${scenario} under ${design}`)}</h1>`,
    factsTable(facts),
    `<nav class="jump">${jump.join('')}</nav>`,
    '</div>',
    `<div>${splat.length ? splatHtml(splat) : '<p class="hint">No kernel splat: the rule failed without an oops or a recorded call trace.</p>'}</div>`,
    '</header>',
    '<div class="wrap">',
    '<main>',
    `<h2>Timeline: ${esc(plural(views.length, 'step'))}, time flows down, one lane per CPU</h2>`,
    '<div class="legend">' +
      '<span><i class="sw" style="background:#fff4d6"></i>IRQ taken</span>' +
      '<span><i class="sw" style="background:#fff;box-shadow:inset 3px 0 0 #e3b341"></i>in an exception (exc &gt; 0)</span>' +
      '<span><i class="sw" style="background:#ffe1de"></i>violating step</span>' +
      '<span><i class="sw" style="background:#aceebb"></i>POR_EL1 at PGTABLES</span>' +
      '<span><i class="sw" style="background:#eaeef2"></i>POR_EL1 at DEFAULT</span>' +
      '<span><span class="badge b-pre">PREEMPTION</span> switch away from a task that could run on</span>' +
      '<span><span class="badge b-skip">SKIPPED</span> an operation the design let the code skip (it did not run)</span>' +
      '<span>lazy = enable_count/pause_count, exc = exception depth; bold = changed by the step</span>' +
      '</div>',
    timelineTable(path, views, focus, initialCpus, shownFocus === 0 ? why : []),
    '</main>',
    '<aside id="state">' +
      '<div class="filters" role="group" aria-label="State panel filters">' +
      '<label><input type="checkbox" id="f-changed">changed only</label>' +
      '<label><input type="checkbox" id="f-idle">hide idle tasks</label>' +
      '<label><input type="checkbox" id="f-stacks">collapse stacks</label>' +
      '</div>' +
      '<div id="state-body"><noscript>The state after each step needs JavaScript (inline, no network).</noscript></div>' +
      '</aside>',
    '</div>',
    `<script type="application/json" id="mmcheck-data">${scriptJson(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
