// The command line's entry point on the main thread. It loads only what it
// needs to start the worker thread that runs umbra (src/cli/worker.ts) and to
// take SIGINT/SIGTERM: the simulator's modules load once, on the worker.
import * as path from 'node:path';
import { isatty } from 'node:tty';
import { Worker } from 'node:worker_threads';
import { CHECK_DETERMINISM_COMMAND, CHECK_DETERMINISM_FLAG } from './command-names';
import { handleStopSignals, StopFlag } from './stop';
import { STDERR } from '../output/sink';
import type { WorkerInput } from './main';

function err(line: string): void {
  STDERR.write(line + '\n');
}

/** Runs umbra on a worker thread and stops it cleanly on SIGINT or SIGTERM; sets process.exitCode. */
export function main(argv: string[]): void {
  if (isDeterminismCheck(argv)) {
    // Two child runs, each its own process; this thread only waits for them.
    void import('./main').then((m) => m.mainCheckDeterminism(argv));
    return;
  }
  const stop = new StopFlag();
  const input: WorkerInput = { argv, stderrIsTty: isatty(2), stop: stop.buffer };
  const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: input });
  const release = handleStopSignals(stop, err);
  let code = 3;
  worker.on('message', (m: unknown) => {
    if (typeof m === 'number') code = m;
  });
  worker.on('error', (e) => {
    err(`umbra: internal error: ${e.stack ?? e.message}`);
    code = 3;
  });
  worker.on('exit', () => {
    release();
    process.exitCode = code;
  });
}

function isDeterminismCheck(argv: string[]): boolean {
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  return argv[0] === CHECK_DETERMINISM_COMMAND || argv.slice(0, end).includes(CHECK_DETERMINISM_FLAG);
}
