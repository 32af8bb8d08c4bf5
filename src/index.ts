// umbra as a library: load a Shadow-format configuration (text or object) and
// run it from TypeScript, getting back how every configured process ended.
// The CLI (src/cli/entry.ts, src/cli/main.ts) is a thin layer over the same calls.
import { stringify } from 'yaml';
import { loadConfig, processedConfigYaml, type CliOverrides } from './config/load';
import type { Config } from './config/types';
import { Simulation } from './sim/simulation';
import { apiAtNs, type FaultControl } from './sim/schedule';
import { startReport, finishReport } from './report/attach';
import { collectResult, type SimulationResult } from './api/result';
import { Logger } from './output/log';

export type { Config, FinalState, HostConfig, ProcessConfig } from './config/types';
export { ConfigError } from './config/types';
import { ConfigError } from './config/types';
export type { RunResult, ProcessOutcome } from './sim/simulation';
export type { FaultControl, HostHandle, LinkSettings, ProcessView } from './sim/schedule';
export type { SimulationResult, ProcessResult, HostResult } from './api/result';
export type { ReportHooks } from './report/hooks';
export type { ReportData } from './report/data';
export { run, type RunOptions, type RunResult as AsyncRunResult } from './api/run';
export * from './api/builders';
export { sweepSeeds, type SeedOutcome, type SweepOptions, type SweepResult } from './api/seeds';
export { expectProcess, findProcess, SimulationAssertionError } from './api/assert';
export { loadConfig, processedConfigYaml };
export type { CliOverrides };

export interface SimulateOptions {
  /** Directory that relative paths (data_directory, programs, graph files) are resolved against. */
  cwd?: string;
  /** Environment used to find programs named without a slash (PATH) and for ~. */
  env?: NodeJS.ProcessEnv;
  /** Overrides, as the command-line flags would give them. */
  overrides?: CliOverrides;
  /** The simulator's own log (default: errors only, on stdout). */
  logLevel?: 'error' | 'warning' | 'info' | 'debug' | 'trace';
  /** The title of report.html (default: "simulate()"). */
  title?: string;
  /** More schedule entries with a function (also for a configuration given as YAML text). */
  schedule?: ScheduledRun[];
}

/**
 * A schedule entry with a function (umbra extension): at simulated time `at`
 * ('10 s', or ns), `run` acts on the running simulation through `ctl`, with the
 * same actions as the YAML schedule, and reads its state.
 */
export interface ScheduledRun {
  at: string | number;
  run: (ctl: FaultControl) => void;
}

function isScheduledRun(entry: unknown): entry is ScheduledRun {
  return typeof entry === 'object' && entry !== null && 'run' in entry;
}

/** Splits a configuration object's `schedule` into the YAML entries and those with a function. */
function takeScheduledRuns(config: Record<string, unknown>): {
  config: Record<string, unknown>;
  runs: Array<ScheduledRun & { where: string }>;
} {
  const schedule = config['schedule'];
  if (!Array.isArray(schedule) || !schedule.some(isScheduledRun)) return { config, runs: [] };
  const runs: Array<ScheduledRun & { where: string }> = [];
  const plain: unknown[] = [];
  schedule.forEach((entry: unknown, i) => {
    if (!isScheduledRun(entry)) plain.push(entry);
    else runs.push({ at: entry.at, run: entry.run, where: `schedule[${i}]` });
  });
  const rest: Record<string, unknown> = { ...config, schedule: plain };
  if (plain.length === 0) delete rest['schedule'];
  return { config: rest, runs };
}

/**
 * Runs a simulation described by Shadow-format YAML text, or by the same
 * structure as a plain object, and returns when it reaches its stop time.
 * Throws ConfigError (one line naming the key) for a bad configuration.
 * Simulations in one process run one after the other (they share the
 * native shared-memory region), never at the same time.
 */
export function simulate(config: string | Record<string, unknown>, opts: SimulateOptions = {}): SimulationResult {
  const cwd = opts.cwd ?? process.cwd();
  const split = typeof config === 'string' ? { config, runs: [] } : takeScheduledRuns(config);
  const runs = [
    ...split.runs,
    ...(opts.schedule ?? []).map((entry, i) => ({ ...entry, where: `options.schedule[${i}]` })),
  ];
  const text = typeof split.config === 'string' ? split.config : stringify(split.config);
  const cfg: Config = loadConfig({ text, fileName: '<api>' }, opts.overrides ?? {}, {
    cwd,
    env: opts.env ?? process.env,
  });
  const logger = new Logger(opts.logLevel ?? 'error');
  const sim = new Simulation(cfg, { cwd, logger });
  for (const { at, run, where } of runs) {
    if (typeof run !== 'function') throw new ConfigError(`${where}.run: expected a function`);
    sim.scheduleRun(apiAtNs(at, `${where}.at`), run, where);
  }
  sim.prepare(processedConfigYaml(cfg));
  const recorder = startReport(sim, logger);
  const result = sim.run();
  const reportPath = recorder === null ? null : finishReport(recorder, sim, result, opts.title ?? 'simulate()');
  return collectResult(sim, result, reportPath);
}
