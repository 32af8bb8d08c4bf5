// Hooks a RunRecorder into a prepared Simulation (when general.report is on)
// and writes report.html once the run is over; shared by the CLI and the API.
import * as path from 'node:path';
import type { UnwrittenOutput } from '../output/data-dir';
import type { Logger } from '../output/log';
import type { RunResult, Simulation } from '../sim/simulation';
import { REPORT_FILE, writeReport } from './html';
import { RunRecorder } from './recorder';

/** Starts recording for report.html; null when general.report is off. Call after sim.prepare and sim.onTick are set. */
export function startReport(sim: Simulation, logger: Logger): RunRecorder | null {
  const net = sim.kernel.net;
  if (!sim.config.general.report || net === null) return null;
  const rec = new RunRecorder(sim.config, sim.kernel, net.internet);
  rec.attach(logger);
  // Rounds end at sample times, so a sample sees the same work at every parallelism.
  sim.sched.barrierNs = () => rec.nextSampleAtNs;
  const before = sim.onTick;
  sim.onTick =
    before === null
      ? (t) => rec.tick(t)
      : (t) => {
          before(t);
          rec.tick(t);
        };
  return rec;
}

/** Writes report.html for a finished run; returns its path, and adds a failure to result.unwritten. */
export function finishReport(rec: RunRecorder, sim: Simulation, result: RunResult, title?: string): string | null {
  const data = rec.finish(result.simTimeNs, result.outcomes);
  if (title !== undefined) data.title = title;
  const lost: UnwrittenOutput | null = writeReport(sim.dataDir, data);
  if (lost !== null) {
    result.unwritten.push(lost);
    return null;
  }
  return path.join(sim.dataDir, REPORT_FILE);
}
