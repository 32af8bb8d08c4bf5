// Command-line parsing for `umbra [options] CONFIG` (config.md §10): every flag that
// overrides a configuration key, already converted to ns / bits / bytes / booleans.
// Never prints or exits: main.ts shows the help text or the ConfigError and sets the status.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECK_DETERMINISM_COMMAND, CHECK_DETERMINISM_FLAG } from './command-names';
import { Command, CommanderError, Option } from 'commander';

import {
  DEFAULT_EXPERIMENTAL,
  DEFAULT_GENERAL,
  DEFAULT_HOST_OPTIONS,
  DEFAULT_UNITS,
  DEFAULT_USE_SHORTEST_PATH,
  EXPERIMENTAL_FIELDS,
  LOG_LEVELS,
  getExperimental,
  setExperimental,
} from '../config/schema';
import type { CliOverrides, FieldKind } from '../config/schema';
import { ConfigError } from '../config/types';
import type { ExperimentalConfig, GeneralConfig, HostOptions, LogLevel } from '../config/types';
import { UnitSyntaxError, formatBytes, formatTime, parseBytes, parseTime } from '../config/units';
import type { Quantity } from '../config/units';

export type ParsedArgs =
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | {
      kind: 'run';
      configPath: string;
      showConfig: boolean;
      overrides: CliOverrides;
      /** `umbra check-determinism CONFIG` or `--check-determinism`: run twice and compare. */
      checkDeterminism: boolean;
      /** The command line without the check-determinism marker (what each of the two runs gets). */
      runArgv: string[];
    };

const U32_MAX = 0xffff_ffff;

/** Converts one flag value; throws ConfigError naming the flag. */
type ValueParser<T> = (flag: string, value: string) => T;

const fail = (flag: string, message: string): never => {
  throw new ConfigError(`${flag}: ${message}`);
};

const parseBool: ValueParser<boolean> = (flag, value) => {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fail(flag, `expected true or false, got '${value}'`);
};

const parseU32: ValueParser<number> = (flag, value) => {
  if (/^\+?[0-9]+$/u.test(value)) {
    const n = Number(value.replace(/^\+/u, ''));
    if (n <= U32_MAX) return n;
  }
  return fail(flag, `expected an unsigned 32-bit integer, got '${value}'`);
};

const parseLevel: ValueParser<LogLevel> = (flag, value) => {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  return fail(flag, `expected one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
};

function quantityParser(expected: string, parse: (text: string) => Quantity): ValueParser<Quantity> {
  return (flag, value) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof UnitSyntaxError) return fail(flag, `expected ${expected}, got '${value}': ${err.reason}`);
      throw err;
    }
  };
}

const parseTimeFlag = quantityParser('a time like "10s"', parseTime);
const parseBytesFlag = quantityParser('a size like "64KiB"', parseBytes);

const nullOr =
  <T>(inner: ValueParser<T>): ValueParser<T | null> =>
  (flag, value) =>
    value === 'null' ? null : inner(flag, value);

const parsePath: ValueParser<string> = (flag, value) =>
  value === '' ? fail(flag, 'expected a path, got an empty string') : value;

function enumParser(values: readonly string[]): ValueParser<string> {
  return (flag, value) =>
    values.includes(value) ? value : fail(flag, `expected one of ${values.join(', ')}, got '${value}'`);
}

/** `--use-cpu-pinning` for `use_cpu_pinning`. */
function flagFor(key: string): string {
  return '--' + key.replace(/_/gu, '-');
}

function describeDefault(kind: FieldKind, value: unknown): string {
  switch (kind.type) {
    case 'bool':
    case 'enum':
      return String(value);
    case 'bytes':
      return formatBytes(Number(value), kind.defaultUnit);
    case 'time':
      return value === null ? 'null' : formatTime(Number(value), kind.defaultUnit);
  }
}

function valueName(kind: FieldKind): string {
  switch (kind.type) {
    case 'bool':
      return '<true|false>';
    case 'enum':
      return `<${kind.values.join('|')}>`;
    case 'bytes':
      return '<bytes>';
    case 'time':
      return kind.nullable ? '<time|null>' : '<time>';
  }
}

/** The package version, read from package.json above this file (src/ or dist/src/). */
function umbraVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'package.json');
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'umbra') {
        const version = (parsed as { version?: unknown }).version;
        if (typeof version === 'string') return version;
      }
    } catch {
      // Not here; keep walking up.
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

const GENERAL_GROUP = 'Configuration overrides (command line > config file > default):';
const HOST_GROUP = "Host option overrides (a host's own host_options still win):";
const EXPERIMENTAL_GROUP = 'Experimental options (unstable):';
const OTHER_GROUP = 'Other options:';

/**
 * Builds the command. Flag values are converted on the spot and written into
 * `overrides`, so repeated flags follow "last one wins" as usual.
 */
function buildCommand(overrides: CliOverrides, hideExperimental: boolean): Command {
  const general: Partial<GeneralConfig> = {};
  const hostDefaults: Partial<HostOptions> = {};
  const experimental: Partial<ExperimentalConfig> = {};
  const units: Record<string, string> = {};
  overrides.general = general;
  overrides.hostOptionDefaults = hostDefaults;
  overrides.experimental = experimental;
  overrides.units = units;

  const program = new Command('umbra');
  program
    .usage('[options] CONFIG')
    .description(
      'Runs real Linux programs in a simulated network under a simulated clock.\n' +
        'Run it as: npx umbra [options] CONFIG\n' +
        'CONFIG is a Shadow-compatible YAML experiment file, or - to read it from standard input.',
    )
    .argument('[CONFIG]', 'experiment configuration file (YAML), or - for standard input')
    .helpOption(false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined })
    .configureHelp({ helpWidth: 100, sortOptions: false });

  const add = <T>(
    flags: string,
    help: string,
    group: string,
    parse: ValueParser<T>,
    store: (value: T) => void,
  ): Option => {
    const option = new Option(flags, help).helpGroup(group);
    const long = flags.split(/[ ,]+/u).find((f) => f.startsWith('--')) ?? flags;
    option.argParser((value: string) => {
      store(parse(long, value));
      return value;
    });
    program.addOption(option);
    return option;
  };
  const timeStore = (key: string, set: (ns: number | null) => void) => (q: Quantity | null) => {
    set(q === null ? null : q.base);
    if (q === null) delete units[key];
    else units[key] = q.unit;
  };

  const d = DEFAULT_GENERAL;
  add(
    '--stop-time <time>',
    'simulated time at which the run ends, e.g. 30s, 2min (general.stop_time; required here or in the file)',
    GENERAL_GROUP,
    parseTimeFlag,
    timeStore('general.stop_time', (ns) => {
      general.stopTimeNs = ns ?? 0;
    }),
  );
  add(
    '--seed <n>',
    `seed of every random number in the run (general.seed; default ${d.seed})`,
    GENERAL_GROUP,
    parseU32,
    (v) => {
      general.seed = v;
    },
  );
  add(
    '-p, --parallelism <n>',
    `hosts whose programs run at once; 0: one per usable core; output is the same for every value (general.parallelism; default ${d.parallelism})`,
    GENERAL_GROUP,
    parseU32,
    (v) => {
      general.parallelism = v;
    },
  );
  add(
    '--bootstrap-end-time <time>',
    `until then, bandwidth limits and packet loss are off (general.bootstrap_end_time; default ${formatTime(d.bootstrapEndTimeNs, DEFAULT_UNITS['general.bootstrap_end_time'])})`,
    GENERAL_GROUP,
    parseTimeFlag,
    timeStore('general.bootstrap_end_time', (ns) => {
      general.bootstrapEndTimeNs = ns ?? 0;
    }),
  );
  add(
    '-l, --log-level <level>',
    `simulator log level: ${LOG_LEVELS.join(', ')} (general.log_level; default ${d.logLevel})`,
    GENERAL_GROUP,
    parseLevel,
    (v) => {
      general.logLevel = v;
    },
  );
  add(
    '--heartbeat-interval <time|null>',
    `simulated time between heartbeat log lines, null = none (general.heartbeat_interval; default ${formatTime(d.heartbeatIntervalNs ?? 0, DEFAULT_UNITS['general.heartbeat_interval'])})`,
    GENERAL_GROUP,
    nullOr(parseTimeFlag),
    timeStore('general.heartbeat_interval', (ns) => {
      general.heartbeatIntervalNs = ns;
    }),
  );
  add(
    '-d, --data-directory <path>',
    `output directory; must not exist yet (general.data_directory; default ${d.dataDirectory})`,
    GENERAL_GROUP,
    parsePath,
    (v) => {
      general.dataDirectory = v;
    },
  );
  add(
    '-e, --template-directory <path|null>',
    'directory copied to become the data directory (general.template_directory; default null)',
    GENERAL_GROUP,
    nullOr(parsePath),
    (v) => {
      general.templateDirectory = v;
    },
  );
  add(
    '--progress <true|false>',
    `show progress on stderr (general.progress; default ${d.progress})`,
    GENERAL_GROUP,
    parseBool,
    (v) => {
      general.progress = v;
    },
  );
  add(
    '--report <true|false>',
    `write report.html, an overview of the run, into the data directory (general.report; default ${d.report})`,
    GENERAL_GROUP,
    parseBool,
    (v) => {
      general.report = v;
    },
  );
  add(
    '--model-unblocked-syscall-latency <true|false>',
    `charge CPU time for syscalls that do not block (general.model_unblocked_syscall_latency; default ${d.modelUnblockedSyscallLatency})`,
    GENERAL_GROUP,
    parseBool,
    (v) => {
      general.modelUnblockedSyscallLatency = v;
    },
  );
  add(
    '--use-shortest-path <true|false>',
    `route along minimum-latency paths (network.use_shortest_path; default ${DEFAULT_USE_SHORTEST_PATH})`,
    GENERAL_GROUP,
    parseBool,
    (v) => {
      overrides.network = { useShortestPath: v };
    },
  );

  add(
    '--host-log-level <level|null>',
    'log level while a host runs, null = general log level (host_option_defaults.log_level; default null)',
    HOST_GROUP,
    nullOr(parseLevel),
    (v) => {
      hostDefaults.logLevel = v;
    },
  );
  add(
    '--pcap-enabled <true|false>',
    `capture each host's traffic to pcap files (host_option_defaults.pcap_enabled; default ${DEFAULT_HOST_OPTIONS.pcapEnabled})`,
    HOST_GROUP,
    parseBool,
    (v) => {
      hostDefaults.pcapEnabled = v;
    },
  );
  add(
    '--pcap-capture-size <bytes>',
    `bytes kept per captured packet (host_option_defaults.pcap_capture_size; default ${formatBytes(DEFAULT_HOST_OPTIONS.pcapCaptureSizeBytes, 'B')})`,
    HOST_GROUP,
    parseBytesFlag,
    (q) => {
      hostDefaults.pcapCaptureSizeBytes = q.base;
      units['host_option_defaults.pcap_capture_size'] = q.unit;
    },
  );

  for (const field of EXPERIMENTAL_FIELDS) {
    const unitKey = `experimental.${field.key}`;
    const help = `${field.help} (default ${describeDefault(field.kind, getExperimental(DEFAULT_EXPERIMENTAL, field.prop))})`;
    const flags = `${flagFor(field.key)} ${valueName(field.kind)}`;
    const store = (value: unknown): void => setExperimental(experimental, field.prop, value);
    let option: Option;
    switch (field.kind.type) {
      case 'bool':
        option = add(flags, help, EXPERIMENTAL_GROUP, parseBool, store);
        break;
      case 'enum':
        option = add(flags, help, EXPERIMENTAL_GROUP, enumParser(field.kind.values), store);
        break;
      case 'bytes':
        option = add(flags, help, EXPERIMENTAL_GROUP, parseBytesFlag, (q) => {
          store(q.base);
          units[unitKey] = q.unit;
        });
        break;
      case 'time':
        option = add(
          flags,
          help,
          EXPERIMENTAL_GROUP,
          field.kind.nullable ? nullOr(parseTimeFlag) : parseTimeFlag,
          (q) => {
            store(q === null ? null : q.base);
            if (q === null) delete units[unitKey];
            else units[unitKey] = q.unit;
          },
        );
        break;
    }
    if (hideExperimental || field.umbraAlways !== undefined) option.hideHelp();
  }

  program.addOption(
    new Option('--show-config', 'print the effective configuration and exit without running').helpGroup(OTHER_GROUP),
  );
  program.addOption(
    new Option(
      CHECK_DETERMINISM_FLAG,
      `run the simulation twice and report where the runs first differ (also: umbra ${CHECK_DETERMINISM_COMMAND} CONFIG)`,
    ).helpGroup(OTHER_GROUP),
  );
  program.addOption(new Option('-h', 'show help without the experimental options').helpGroup(OTHER_GROUP));
  program.addOption(new Option('--help', 'show help with every option').helpGroup(OTHER_GROUP));
  program.addOption(new Option('-V, --version', 'show the version').helpGroup(OTHER_GROUP));
  return program;
}

/** Help text; `short` (for -h) leaves out the experimental options. */
export function helpText(short: boolean): string {
  const program = buildCommand({}, short);
  const note = short ? '\n--help also lists the experimental options.\n' : '';
  return program.helpInformation() + note;
}

/** Turns a commander failure into the one-line message main.ts prints. */
function commanderMessage(err: CommanderError): string {
  const text = err.message
    .replace(/^error: /u, '')
    .replace(/\s*\n\s*/gu, ' ')
    .trim();
  if (err.code === 'commander.optionMissingArgument') {
    const flag = /--[a-z0-9-]+/u.exec(text)?.[0] ?? text;
    const option = /<([^>]+)>/u.exec(text)?.[1];
    return `${flag}: missing value${option === undefined ? '' : ` (expected ${option.replace(/\|/gu, ' or ')})`}`;
  }
  if (err.code === 'commander.excessArguments') {
    return 'too many arguments: give exactly one CONFIG file';
  }
  return text;
}

/**
 * Parses the command line; `argv` excludes the node binary and script
 * (i.e. `process.argv.slice(2)`).
 */
export function parseArgs(argv: string[]): ParsedArgs {
  // Help and version win over everything else, even over mistakes in other flags.
  const beforeDashDash = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  if (beforeDashDash.includes('--help')) return { kind: 'help', text: helpText(false) };
  if (beforeDashDash.includes('-h')) return { kind: 'help', text: helpText(true) };
  if (beforeDashDash.includes('-V') || beforeDashDash.includes('--version')) {
    return { kind: 'version', text: `umbra ${umbraVersion()}\n` };
  }

  const dashDash = argv.indexOf('--');
  const checkDeterminism = argv[0] === CHECK_DETERMINISM_COMMAND || beforeDashDash.includes(CHECK_DETERMINISM_FLAG);
  const runArgv = argv.filter(
    (a, i) =>
      !(i === 0 && a === CHECK_DETERMINISM_COMMAND) &&
      !(a === CHECK_DETERMINISM_FLAG && (dashDash < 0 || i < dashDash)),
  );
  const overrides: CliOverrides = {};
  const program = buildCommand(overrides, false);
  try {
    program.parse(runArgv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new ConfigError(commanderMessage(err));
    throw err;
  }
  const configPath = program.args[0];
  if (configPath === undefined) {
    throw new ConfigError('missing CONFIG argument (a YAML file, or - for standard input); see umbra --help');
  }
  const showConfig = program.opts<{ showConfig?: boolean }>().showConfig === true;
  return { kind: 'run', configPath, showConfig, overrides: prune(overrides), checkDeterminism, runArgv };
}

/** Drops empty override groups so callers can test `overrides.general === undefined`. */
function prune(o: CliOverrides): CliOverrides {
  const out: CliOverrides = {};
  if (o.general !== undefined && Object.keys(o.general).length > 0) out.general = o.general;
  if (o.network !== undefined) out.network = o.network;
  if (o.hostOptionDefaults !== undefined && Object.keys(o.hostOptionDefaults).length > 0)
    out.hostOptionDefaults = o.hostOptionDefaults;
  if (o.experimental !== undefined && Object.keys(o.experimental).length > 0) out.experimental = o.experimental;
  if (o.units !== undefined && Object.keys(o.units).length > 0) out.units = o.units;
  return out;
}
