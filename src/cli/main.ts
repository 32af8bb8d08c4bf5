// umbra's command line: parse flags, load the configuration, run the
// simulation, print the summary, and turn the outcome into an exit status
// (0 all as expected, 1 some process not, 2 bad config or command line).
import * as fs from 'node:fs';
import { writeSync } from 'node:fs';
import { parseArgs } from './args';
import { loadConfig, processedConfigYaml, formatFinalState } from '../config/load';
import { ConfigError } from '../config/types';
import { Simulation } from '../sim/simulation';
import { formatSimTime, NS_PER_SEC } from '../core/time';
import { Logger } from '../output/log';
import { Progress } from '../output/progress';
import { native } from '../native';

const VERSION = '0.1.0';

function err(line: string): void {
  writeSync(2, line + '\n');
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

/** Runs umbra with argv (without node and script); returns the exit status. */
export function run(argv: string[]): number {
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
    writeSync(1, parsed.text.endsWith('\n') ? parsed.text : parsed.text + '\n');
    return 0;
  }
  if (parsed.kind === 'version') {
    writeSync(1, `umbra ${VERSION}\n`);
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
    writeSync(2, processed);
    return 0;
  }
  const logger = new Logger(config.general.logLevel);
  logger.echoErrorsToStderr = config.experimental.reportErrorsToStderr;
  let sim: Simulation;
  try {
    sim = new Simulation(config, { cwd: process.cwd(), logger });
    sim.prepare(processed);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`umbra: ${e.message}`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      err(
        `umbra: general.data_directory: '${config.general.dataDirectory}' already exists; remove it or choose another with -d`,
      );
      return 2;
    }
    if (e instanceof Error && /data directory parent/.test(e.message)) {
      err(`umbra: general.data_directory: ${e.message}`);
      return 2;
    }
    throw e;
  }
  err(`** Starting umbra ${VERSION}`);
  const n = native();
  const startWall = n.monotonicNs();
  let failedSoFar = 0;
  const showProgress = config.general.progress || process.stderr.isTTY === true;
  const progress = showProgress
    ? new Progress(
        config.general.stopTimeNs,
        process.stderr.isTTY === true,
        () => n.monotonicNs(),
        startWall,
        () => failedSoFar,
      )
    : null;
  if (progress) {
    let countdown = 0;
    sim.kernel.onProcessEnd.push(() => {
      failedSoFar = sim.unexpectedSoFar();
    });
    sim.onTick = (t) => {
      if (++countdown < 256) return;
      countdown = 0;
      progress.tick(t);
    };
  }
  const result = sim.run();
  if (progress) progress.finish(result.simTimeNs);

  const wallSec = result.wallNs / NS_PER_SEC;
  const speed = wallSec > 0 ? result.simTimeNs / NS_PER_SEC / wallSec : 0;
  err(
    `** Simulated ${formatSimTime(result.simTimeNs)} in ${wallSec.toFixed(3)} s of wall time (${speed.toFixed(1)}x real time)`,
  );
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
  if (result.unexpected > 0) {
    err(
      `** umbra did not complete successfully: ${result.unexpected} managed process${result.unexpected === 1 ? '' : 'es'} in unexpected final state`,
    );
    err(`** Output is in ${sim.dataDir}`);
    return 1;
  }
  err(`** umbra completed successfully; output is in ${sim.dataDir}`);
  return 0;
}

export function main(argv: string[]): void {
  let code: number;
  try {
    code = run(argv);
  } catch (e) {
    err(`umbra: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    code = 3;
  }
  process.exitCode = code;
}
