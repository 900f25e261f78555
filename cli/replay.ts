/** `mmcheck replay FILE`: does a saved counterexample still reproduce? */
import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../checker/index.ts';
import { replayModelTrace, replayScenarioTrace, type ReplayReport } from '../api/replay.ts';
import { readTraceFile } from '../counterexamples/trace-file.ts';
import { oopsLines, scheduleTable } from '../counterexamples/kernel/text.ts';
import { colourEnabled, terminalWidth } from './terminal.ts';
import { stepViews } from '../counterexamples/kernel/steps.ts';
import { parseArgs, type CommandSpec } from './args.ts';
import { EXIT } from './exit.ts';
import { loadModelFile } from './load-model.ts';
import { resolveDesign } from '../model/design-file.ts';

export const REPLAY_SPEC: CommandSpec = {
  name: 'replay',
  usage: 'mmcheck replay TRACE.json [--design NAME|FILE] [--set knob=value]... [--json]',
  summary:
    'Replay a saved trace step by step (by action label). Exit 0: the recorded violation reproduces at the last step; 1: it does not (a step is no longer enabled, the rule holds, or the violation comes before the trace ends); 2: bad file or names.',
  maxPositionals: 1,
  options: {
    design: { type: 'string', arg: 'NAME|FILE', help: 'replay under this design (a name or a design file) instead of the recorded one' },
    set: { type: 'list', arg: 'KNOB=VALUE', help: 'override one knob (repeatable)' },
    json: { type: 'boolean', help: 'print the replay report as JSON' },
    quiet: { type: 'boolean', help: 'print only the verdict line' },
  },
  examples: ['mmcheck replay out/trace.json', 'mmcheck replay out/trace.json --design v6-guard-checks-live-por'],
};

function verdictLine(r: ReplayReport): string {
  return `${r.status === 'reproduced' ? '✓' : '✗'} ${r.explanation}`;
}

export async function replayCommand(argv: string[]): Promise<number> {
  const p = parseArgs(REPLAY_SPEC, argv);
  const file = p.positionals[0];
  if (!file) throw new UsageError("replay needs a trace file (see 'mmcheck replay --help')");
  const trace = readTraceFile(file);
  let report: ReplayReport;
  const lines: string[] = [];
  if (trace.model !== undefined) {
    if (p.options.design || p.options.set) throw new UsageError('--design and --set apply to scenario traces, not to model-file traces');
    // A model file is named relative to the trace's directory (mmcheck check --out writes it so).
    const model = await loadModelFile(isAbsolute(trace.model) ? trace.model : join(dirname(file), trace.model));
    report = replayModelTrace(model, trace).report;
    lines.push(`mmcheck replay ${file}: model ${model.name}`, verdictLine(report));
  } else {
    const run = replayScenarioTrace(trace, {
      ...(p.options.design ? { design: await resolveDesign(p.options.design as string) } : {}),
      ...(p.options.set ? { set: p.options.set as string[] } : {}),
    });
    report = run.report;
    lines.push(`mmcheck replay ${file}: ${trace.scenario} under ${run.model.design.name}`, verdictLine(report));
    if (!p.options.quiet) {
      const path = run.outcome.path;
      const last = path.steps.length ? path.steps[path.steps.length - 1].state : path.initial;
      if (report.status === 'reproduced') {
        const oops = oopsLines(last);
        const v = last.violations.get(trace.property);
        if (v) lines.push(`  ${v.message}`);
        if (oops.length) lines.push('', ...oops);
      }
      if (path.steps.length) lines.push('', ...scheduleTable(stepViews(run.model, path), path.initial.cpus.length, { width: terminalWidth(), colour: colourEnabled() }));
    }
  }
  if (p.options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write((p.options.quiet ? lines.slice(0, 2) : lines).join('\n') + '\n');
  return report.status === 'reproduced' ? EXIT.ok : EXIT.violation;
}
