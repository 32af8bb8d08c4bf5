// umbra's command line: parse flags, load the configuration, run the
// simulation, print the summary, and turn the outcome into an exit status
// (0 all as expected; 1 some process not, an output lost, or interrupted;
// 2 bad config, command line or data directory; 3 internal error). It runs on
// the worker thread that entry.ts starts, so that the main thread can take SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isatty } from 'node:tty';
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from './args';
import { StopFlag } from './stop';
import { loadConfig, processedConfigYaml, formatFinalState } from '../config/load';
import { ConfigError } from '../config/types';
import { Simulation } from '../sim/simulation';
import { formatSimTime, NS_PER_SEC } from '../core/time';
import { Logger } from '../output/log';
import { Progress } from '../output/progress';
import { STDERR, STDOUT } from '../output/sink';
import { native } from '../native';
import { checkDeterminism } from './determinism';
import { finishReport, startReport } from '../report/attach';

const VERSION = '0.1.0';

function err(line: string): void {
  STDERR.write(line + '\n');
}

/** What run() needs from the thread that started it. */
export interface RunContext {
  /** Whether standard error is a terminal (a worker thread cannot ask process.stderr). */
  stderrIsTty: boolean;
  /** Set by the main thread when SIGINT or SIGTERM arrives. */
  stop: StopFlag;
}

function readConfigText(p: string): { text: string; fileName: string } {
  if (p === '-') return { text: fs.readFileSync(0, 'utf8'), fileName: '<stdin>' };
  try {
    return { text: fs.readFileSync(p, 'utf8'), fileName: p };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${p}: cannot read the configuration file (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))})`,
    );
  }
}

/** Runs umbra with argv (without node and script) on this thread; returns the exit status. */
export function run(argv: string[], ctx: RunContext = { stderrIsTty: isatty(2), stop: new StopFlag() }): number {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`umbra: ${e.message}`);
      err(`Try 'umbra --help' for usage.`);
      return 2;
    }
    throw e;
  }
  if (parsed.kind === 'help') {
    STDOUT.write(parsed.text.endsWith('\n') ? parsed.text : parsed.text + '\n');
    return 0;
  }
  if (parsed.kind === 'version') {
    STDOUT.write(`umbra ${VERSION}\n`);
    return 0;
  }
  let config;
  try {
    const src = readConfigText(parsed.configPath);
    config = loadConfig(src, parsed.overrides, { cwd: process.cwd(), env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`umbra: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const processed = processedConfigYaml(config);
  if (parsed.showConfig) {
    STDERR.write(processed);
    return 0;
  }
  const early = ctx.stop.requested();
  if (early !== null) {
    err(`umbra: interrupted by ${early} before the simulation started; nothing was run`);
    return 1;
  }
  const logger = new Logger(config.general.logLevel);
  logger.echoErrorsToStderr = config.experimental.reportErrorsToStderr;
  let sim: Simulation;
  try {
    sim = new Simulation(config, { cwd: process.cwd(), logger });
    sim.prepare(processed);
  } catch (e) {
    // The data directory's problems (exists, cannot be created or written) are ConfigErrors too.
    if (e instanceof ConfigError) {
      err(`umbra: ${e.message}`);
      return 2;
    }
    throw e;
  }
  err(`** Starting umbra ${VERSION}`);
  const n = native();
  const startWall = n.monotonicNs();
  let failedSoFar = 0;
  const showProgress = config.general.progress || ctx.stderrIsTty;
  const progress = showProgress
    ? new Progress(
        config.general.stopTimeNs,
        ctx.stderrIsTty,
        () => n.monotonicNs(),
        startWall,
        () => failedSoFar,
      )
    : null;
  if (progress) {
    sim.kernel.onProcessEnd.push(() => {
      failedSoFar = sim.unexpectedSoFar();
    });
  }
  let countdown = 0;
  sim.onTick = (t) => {
    const signal = ctx.stop.requested();
    if (signal !== null) sim.interrupt(signal);
    if (progress === null || ++countdown < 256) return;
    countdown = 0;
    progress.tick(t);
  };
  const recorder = startReport(sim, logger);
  const result = sim.run();
  if (progress) progress.finish(result.simTimeNs);

  const wallSec = result.wallNs / NS_PER_SEC;
  const speed = wallSec > 0 ? result.simTimeNs / NS_PER_SEC / wallSec : 0;
  const stopped = result.interrupted;
  if (stopped !== null) {
    err(
      `** Interrupted by ${stopped.signal} at simulated time ${formatSimTime(stopped.simTimeNs)} ` +
        `after ${wallSec.toFixed(3)} s of wall time; every managed process was killed`,
    );
  } else {
    err(
      `** Simulated ${formatSimTime(result.simTimeNs)} in ${wallSec.toFixed(3)} s of wall time ` +
        `(${speed.toFixed(1)}x real time)`,
    );
  }
  err(`** ${result.outcomes.length} configured process${result.outcomes.length === 1 ? '' : 'es'}:`);
  for (const o of result.outcomes) {
    const mark = o.asExpected ? 'ok  ' : 'FAIL';
    err(
      `**   ${mark} ${o.name}: ${formatFinalState(o.actual)}${o.asExpected ? '' : ` (expected ${formatFinalState(o.expected)})`}`,
    );
    if (!o.asExpected) {
      logger.error(
        o.host,
        `process '${o.name}' ended as ${formatFinalState(o.actual)}; expected end state was ${formatFinalState(o.expected)}`,
      );
    }
  }
  // After the summary, so the report lists its errors too.
  const title = parsed.configPath === '-' ? 'standard input' : path.basename(parsed.configPath);
  if (recorder !== null) finishReport(recorder, sim, result, title);
  for (const lost of result.unwritten) err(`** Could not write ${lost.path}: ${lost.reason}`);
  // The log is the user's to cut short (`| head`): said here, but the run still counts.
  const logLost = logger.out.report('The log');
  if (logLost !== null) err(`** ${logLost}`);

  const problems: string[] = [];
  if (stopped !== null) problems.push(`interrupted by ${stopped.signal}`);
  if (result.unexpected > 0) {
    // Shadow's words, plural even for one: scripts grep for "managed processes in unexpected final state".
    problems.push(`${result.unexpected} managed processes in unexpected final state`);
  }
  const files = result.unwritten.length;
  if (files > 0) problems.push(`${files} output file${files === 1 ? '' : 's'} could not be written`);
  if (problems.length > 0) {
    err(`** umbra did not complete successfully: ${problems.join('; ')}`);
    err(`** Output is in ${sim.dataDir}`);
    return 1;
  }
  err(`** umbra completed successfully; output is in ${sim.dataDir}`);
  return 0;
}

/** run() with anything it throws turned into an internal error (exit status 3). */
export function runReportingErrors(argv: string[], ctx?: RunContext): number {
  try {
    return run(argv, ctx);
  } catch (e) {
    err(`umbra: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 3;
  }
}

/** What the main thread hands the worker thread that runs the simulation. */
export interface WorkerInput {
  argv: string[];
  stderrIsTty: boolean;
  stop: SharedArrayBuffer;
}

/**
 * `umbra check-determinism CONFIG`: the two runs are child processes, so this thread only waits;
 * a stop signal is passed on to them (each stops cleanly, as a single run would).
 */
export function mainCheckDeterminism(argv: string[]): void {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`umbra: ${e.message}`);
    err(`Try 'umbra --help' for usage.`);
    process.exitCode = 2;
    return;
  }
  if (parsed.kind !== 'run') {
    STDOUT.write(parsed.text.endsWith('\n') ? parsed.text : parsed.text + '\n');
    return;
  }
  const children = new Set<ChildProcess>();
  const forward = (signal: NodeJS.Signals) => () => {
    for (const c of children) c.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  checkDeterminism({
    argv: parsed.runArgv,
    configPath: parsed.configPath,
    overrides: parsed.overrides,
    cwd: process.cwd(),
    write: err,
    children,
  })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        err(`umbra: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exitCode = 3;
      },
    )
    .finally(() => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    });
}
