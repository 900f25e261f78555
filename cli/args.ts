/** A small declarative option parser: every mistake becomes one UsageError line. */
import { UsageError } from '../checker/errors.ts';

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'size';

export interface OptionSpec {
  readonly type: OptionType;
  readonly help: string;
  /** Shown in help, e.g. `N` or `FILE`. */
  readonly arg?: string;
  readonly choices?: readonly string[];
  readonly min?: number;
  /** The documented maximum (int, number, size): beyond it the option is refused. */
  readonly max?: number;
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

/** `512M`, `2G`, `65536K` or plain bytes, binary units. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.floor(Number(m[1]) * unit);
}

export function formatSize(bytes: number): string {
  return bytes >= 2 ** 30 && bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}G` : `${Math.round(bytes / 2 ** 20)}M`;
}

function convert(name: string, opt: OptionSpec, value: string, previous: unknown): string | number | string[] {
  // An empty value is never meant: `--design ""` must not silently mean the default.
  if (value.trim() === '') throw new UsageError(`--${name} needs a value${opt.arg ? ` (${opt.arg})` : ''}; got an empty string`);
  const atMost = (n: number, shown: string): void => {
    if (opt.max !== undefined && n > opt.max)
      throw new UsageError(`--${name} ${shown} is over its maximum of ${opt.type === 'size' ? formatSize(opt.max) : opt.max}`);
  };
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
      atMost(Number(value), value);
      return Number(value);
    }
    case 'number': {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number; got '${value}'`);
      atMost(n, value);
      return n;
    }
    case 'size': {
      const n = parseSize(value);
      if (n === undefined || n <= 0) throw new UsageError(`--${name} must be a size such as 512M or 2G; got '${value}'`);
      if (opt.min !== undefined && n < opt.min) throw new UsageError(`--${name} ${value} is under the minimum of ${formatSize(opt.min)}`);
      atMost(n, value);
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
    const max = o.max !== undefined ? ` (at most ${o.type === 'size' ? formatSize(o.max) : o.max})` : '';
    return [left, o.help + choices + max] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [l, r] of rows) lines.push(l.padEnd(width) + r);
  if (spec.examples?.length) {
    lines.push('', 'examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}
