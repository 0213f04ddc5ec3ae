/**
 * The one way the CLIs read their flags: node:util parseArgs over an option list that also
 * carries each option's help, so the usage text is made from what is accepted and cannot
 * drift from it. `--help`/`-h` prints the usage on stdout and exits 0 before the command does
 * anything; every mistake (an unknown flag, a positional argument, a missing or bad value)
 * is a UsageError whose one line ends with the usage line, which exitOnError prints with
 * exit code 2.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

interface StringOption {
  type: 'string';
  /** What it means; the default and the choices are added to the usage text. */
  help: string;
  /** The value's name in the usage text (`--limit N`); for choices, they are shown instead. */
  value?: string;
  short?: string;
  default?: string;
  required?: true;
  choices?: readonly string[];
  /** The value must be an integer at least this; it is parsed into a number. */
  min?: number;
}

interface BooleanOption {
  type: 'boolean';
  help: string;
  short?: string;
}

type Options = Record<string, StringOption | BooleanOption>;

type Parsed<O> = O extends BooleanOption
  ? boolean
  : O extends { min: number }
    ? number
    : O extends { choices: readonly (infer C)[] }
      ? C
      : string;
/** Booleans are false when absent; other options are undefined unless they have a default or are required. */
type Values<T extends Options> = {
  [K in keyof T]: Parsed<T[K]> | (T[K] extends BooleanOption | { default: string } | { required: true } ? never : undefined);
};

export interface CommandSpec<T extends Options> {
  /** How it is run, up to the flags: `npm run import --`. */
  command: string;
  /** What the command does, printed under the usage line. */
  summary: string;
  options: T;
}

export interface Command<T extends Options> {
  values: Values<T>;
  /** For a bad value the option list cannot check: a UsageError ending with the usage line. */
  usageError(message: string): UsageError;
}

/** Help lines are wrapped to fit a terminal this wide. */
const LINE_WIDTH = 100;
const HELP_FLAG = { type: 'boolean', short: 'h' } as const;
const HELP: BooleanOption = { ...HELP_FLAG, help: 'print this help and exit' };

function placeholder(option: StringOption): string {
  return option.value ?? option.choices?.join('|') ?? 'VALUE';
}

function synopsis(spec: CommandSpec<Options>): string {
  const flags = Object.entries(spec.options).map(([name, option]) => {
    const flag = option.type === 'string' ? `--${name} ${placeholder(option)}` : `--${name}`;
    return option.type === 'string' && option.required ? flag : `[${flag}]`;
  });
  return ['usage:', spec.command, ...flags].join(' ');
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

function usageText(spec: CommandSpec<Options>): string {
  const rows = Object.entries<StringOption | BooleanOption>({ ...spec.options, help: HELP }).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${placeholder(option)}` : ''}`;
    const notes =
      option.type === 'string'
        ? [
            option.choices && option.value && `one of ${option.choices.join(', ')}`,
            option.required && 'required',
            option.default !== undefined && `default ${option.default}`,
          ]
        : [];
    return [flag, [option.help, ...notes].filter(Boolean).join('; ')];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = rows.flatMap(([flag, help]) =>
    wrap(help, Math.max(40, LINE_WIDTH - width - 4)).map((line, i) => `  ${(i === 0 ? flag : '').padEnd(width)}  ${line}`),
  );
  return `${synopsis(spec)}\n\n${spec.summary}\n\noptions:\n${lines.join('\n')}\n`;
}

/** What parseArgs throws for the user's arguments (not for a bad option list, which is ours). */
function isParseError(error: unknown): error is TypeError & { code: string } {
  return error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** parseArgs's own text for an unknown flag suggests `--` for positionals, which no command takes. */
function parseErrorMessage(error: TypeError & { code: string }): string {
  const message = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? error.message.split('. ')[0] : error.message;
  return message.replace(/\.$/, '');
}

function wantsHelp(args: string[]): boolean {
  // Tolerant, so `--help` wins over a mistake elsewhere on the line.
  return parseArgs({ args, options: { help: HELP_FLAG }, strict: false, allowPositionals: true }).values.help === true;
}

/** The option's value as the command gets it; a UsageError when it is missing or bad. */
function checked(name: string, option: StringOption | BooleanOption, value: string | boolean | undefined, usageError: (message: string) => UsageError) {
  if (option.type === 'boolean') return value === true;
  if (typeof value !== 'string') {
    if (option.required) throw usageError(`--${name} is required`);
    return undefined;
  }
  if (option.choices && !option.choices.includes(value)) throw usageError(`--${name} must be one of ${option.choices.join(', ')} (not "${value}")`);
  if (option.min === undefined) return value;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < option.min) {
    const kind = option.min === 1 ? 'a positive integer' : option.min === 0 ? 'a non-negative integer' : `an integer >= ${option.min}`;
    throw usageError(`--${name} must be ${kind} (not "${value}")`);
  }
  return number;
}

/** Parses `args` (the process's arguments by default) against `spec`; on --help prints the usage and exits 0. */
export function parseCommand<const T extends Options>(spec: CommandSpec<T>, args = process.argv.slice(2)): Command<T> {
  const usageError = (message: string) => new UsageError(`${message}; ${synopsis(spec)}`);
  const config = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [
      name,
      { type: option.type, ...(option.short && { short: option.short }), ...(option.type === 'string' && option.default !== undefined && { default: option.default }) },
    ]),
  );
  let raw: Record<string, string | boolean | undefined>;
  try {
    raw = parseArgs({ args, options: { ...config, help: HELP_FLAG }, strict: true, allowPositionals: false }).values as typeof raw;
  } catch (error) {
    if (wantsHelp(args)) raw = { help: true };
    else if (isParseError(error)) throw usageError(parseErrorMessage(error));
    else throw error;
  }
  if (raw.help) {
    process.stdout.write(usageText(spec));
    process.exit(0);
  }
  const values = Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, checked(name, option, raw[name], usageError)]));
  return { values: values as Values<T>, usageError };
}
