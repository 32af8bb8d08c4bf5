// The worker thread that runs one umbra command line (see main.ts): the
// simulation loop never yields, so it runs here while the main thread stays
// free to take signals. Posts the exit status back as a number.
import { parentPort, workerData } from 'node:worker_threads';
import { runReportingErrors, type WorkerInput } from './main';
import { StopFlag } from './stop';

const input = workerData as WorkerInput;
const status = runReportingErrors(input.argv, { stderrIsTty: input.stderrIsTty, stop: new StopFlag(input.stop) });
parentPort?.postMessage(status);
