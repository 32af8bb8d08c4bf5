// `sleep`: a program that sleeps 1 ms a million times (1000 s simulated):
// the wall time of the whole umbra run and the speed-up over real time, next
// to what the same loop costs natively (measured on a few hundred sleeps).
import { field, fmtMs, nativePerOp, note, program, ratio, report, runUmbra, UmbraConfig, verdict } from './harness';

const SLEEPS = 1_000_000;
const NATIVE_SLEEPS = 300;

function cfg(n: number): UmbraConfig {
  return { hosts: { box: [{ path: program('bench_sleep'), args: String(n) }] } };
}

export function runSleep(): void {
  let bestWall = Infinity;
  let simNs = 0;
  for (let i = 0; i < 2; i++) {
    const r = runUmbra(cfg(SLEEPS));
    const out = r.stdout('box', 'bench_sleep');
    if (field(out, 'sleeps') !== SLEEPS) throw new Error(`sleep loop did not finish: ${out}`);
    simNs = field(out, 'elapsed_ns');
    bestWall = Math.min(bestWall, r.wallNs);
  }
  const startup = Math.min(runUmbra(cfg(1)).wallNs, runUmbra(cfg(1)).wallNs);
  const nativePerSleep = nativePerOp(program('bench_sleep'), [String(NATIVE_SLEEPS)], NATIVE_SLEEPS, 1);
  const nativeTotal = nativePerSleep * SLEEPS;
  const wallS = bestWall / 1e9;
  report(
    'sleep',
    `umbra ${wallS.toFixed(2)} s wall for ${(simNs / 1e9).toFixed(0)} s simulated`,
    `speed-up ${ratio(simNs / bestWall)}`,
    `native ~${(nativeTotal / 1e9).toFixed(0)} s`,
    `ratio ${ratio(nativeTotal / bestWall)} faster`,
    verdict('< 20 s', wallS < 20),
  );
  note(
    `1M × nanosleep(1 ms); whole CLI run, start-up (${fmtMs(startup)}) included, best of 2; ` +
      `native extrapolated from ${NATIVE_SLEEPS} real sleeps (${(nativePerSleep / 1e6).toFixed(3)} ms each)`,
  );
}
