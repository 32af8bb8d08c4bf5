// umbra as a library: load a Shadow-format configuration (text or object) and
// run it from TypeScript, getting back how every configured process ended.
// The CLI (src/cli/main.ts) is a thin layer over the same calls.
import { stringify } from 'yaml';
import { loadConfig, processedConfigYaml, type CliOverrides } from './config/load';
import type { Config } from './config/types';
import { Simulation, type RunResult } from './sim/simulation';
import { Logger } from './output/log';

export type { Config, FinalState, HostConfig, ProcessConfig } from './config/types';
export { ConfigError } from './config/types';
export type { RunResult, ProcessOutcome } from './sim/simulation';
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
}

/**
 * Runs a simulation described by Shadow-format YAML text, or by the same
 * structure as a plain object, and returns when it reaches its stop time.
 * Throws ConfigError (one line naming the key) for a bad configuration.
 * Simulations in one process run one after the other (they share the
 * native shared-memory region), never at the same time.
 */
export function simulate(config: string | Record<string, unknown>, opts: SimulateOptions = {}): RunResult {
  const cwd = opts.cwd ?? process.cwd();
  const text = typeof config === 'string' ? config : stringify(config);
  const cfg: Config = loadConfig({ text, fileName: '<api>' }, opts.overrides ?? {}, {
    cwd,
    env: opts.env ?? process.env,
  });
  const logger = new Logger(opts.logLevel ?? 'error');
  const sim = new Simulation(cfg, { cwd, logger });
  sim.prepare(processedConfigYaml(cfg));
  return sim.run();
}
