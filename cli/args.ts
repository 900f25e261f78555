/** A small declarative option parser: every mistake becomes one UsageError line. */
import { UsageError } from '../checker/errors.ts';

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'list';

export interface OptionSpec {
  readonly type: OptionType;
  readonly help: string;
  /** Shown in help, e.g. `N` or `FILE`. */
  readonly arg?: string;
  readonly choices?: readonly string[];
  readonly min?: number;
}

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Most positional arguments accepted. */
  readonly maxPositionals: number;
  readonly examples?: readonly string[];
}

export interface Parsed {
  readonly options: Record<string, string | number | boolean | string[] | undefined>;
  readonly positionals: string[];
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && arg !== '-')
        throw new UsageError(`unknown option ${arg} for 'mmcheck ${spec.name}'; see 'mmcheck ${spec.name} --help'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const opt = spec.options[name];
    if (!opt) {
      const known = Object.keys(spec.options).map((k) => `--${k}`);
      const near = known.find((k) => k.slice(2).startsWith(name.slice(0, 3)) && name.length > 2);
      throw new UsageError(
        `unknown option --${name} for 'mmcheck ${spec.name}'${near ? ` (did you mean ${near}?)` : ''}; see 'mmcheck ${spec.name} --help'`,
      );
    }
    if (opt.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--'))
        throw new UsageError(`option --${name} needs a value${opt.arg ? ` (${opt.arg})` : ''}`);
      value = argv[++i];
    }
    options[name] = convert(name, opt, value, options[name]);
  }
  if (positionals.length > spec.maxPositionals) {
    const extra = positionals.slice(spec.maxPositionals).join(' ');
    throw new UsageError(`unexpected argument '${extra}' for 'mmcheck ${spec.name}'; usage: ${spec.usage}`);
  }
  return { options, positionals };
}

function convert(name: string, opt: OptionSpec, value: string, previous: unknown): string | number | string[] {
  switch (opt.type) {
    case 'string':
      if (opt.choices && !opt.choices.includes(value))
        throw new UsageError(`--${name} must be one of ${opt.choices.join(', ')}; got '${value}'`);
      return value;
    case 'list':
      return [...((previous as string[] | undefined) ?? []), value];
    case 'int': {
      const min = opt.min ?? 0;
      if (!/^-?\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
        throw new UsageError(`--${name} must be an integer >= ${min}; got '${value}'`);
      return Number(value);
    }
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
        throw new UsageError(`--${name} must be a positive number; got '${value}'`);
      return n;
    }
    default:
      throw new UsageError(`--${name}: unsupported option type`);
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '', 'options:'];
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const left = `  --${name}${o.type === 'boolean' ? '' : ` ${o.arg ?? 'VALUE'}`}`;
    const choices = o.choices ? ` (${o.choices.join(' | ')})` : '';
    return [left, o.help + choices] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [l, r] of rows) lines.push(l.padEnd(width) + r);
  if (spec.examples?.length) {
    lines.push('', 'examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}
