// Benchmark runner: `node dist/bench/run.js [name...]` runs the named
// benchmarks (all by default) in order; each prints one line per measurement
// with umbra, the native baseline measured in the same run, and the ratio.
import * as os from 'node:os';
import { runFutex } from './futex';
import { runPreempt } from './preempt';
import { runSleep } from './sleep';
import { runSyscall } from './syscall';
import { runUdp } from './udp';
import { runTcp } from './tcp';
import { runCurlExample } from './curl-example';
import { runManyHosts } from './hosts';
import { runRandom } from './random';
import { runSpin } from './spin';
import { runPhold10k, runPhold1k, runPholdCpu } from './phold';
import { runStatic } from './static';
import { runPipe, runSpawn } from './ipc';

interface Benchmark {
  name: string;
  run: () => void | Promise<void>;
  /** Left out of the default set (it alone takes about 10 minutes): run when named. */
  onRequest?: true;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'syscall', run: runSyscall },
  { name: 'sleep', run: runSleep },
  { name: 'futex', run: runFutex },
  { name: 'preempt-overhead', run: runPreempt },
  { name: 'pipe', run: runPipe },
  { name: 'spawn', run: runSpawn },
  { name: 'udp', run: runUdp },
  { name: 'tcp', run: runTcp },
  { name: 'curl-example', run: runCurlExample },
  { name: 'hosts', run: runManyHosts },
  { name: 'getrandom', run: runRandom },
  { name: 'spin-rule', run: runSpin },
  { name: 'phold', run: runPhold1k },
  { name: 'phold-cpu', run: runPholdCpu },
  { name: 'phold-10k', run: runPhold10k, onRequest: true },
  { name: 'static', run: runStatic },
];

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(`usage: node dist/bench/run.js [${BENCHMARKS.map((b) => b.name).join('|')} ...]`);
    return 0;
  }
  const unknown = argv.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')} (have: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const chosen =
    argv.length === 0
      ? BENCHMARKS.filter((b) => b.onRequest !== true)
      : BENCHMARKS.filter((b) => argv.includes(b.name));
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `umbra benchmarks — ${os.cpus().length} CPUs, load average ${load}; ` +
      'umbra timed from outside the CLI, start-up subtracted; native measured in the same run',
  );
  if (os.loadavg()[0] > os.cpus().length / 2) {
    console.log(
      'warning: the machine is busy with other work; umbra hands the CPU between the simulator and the ' +
        'program by spinning, so its numbers will come out pessimistic (native ones much less so)',
    );
  }
  const t0 = Date.now();
  let failed = 0;
  for (const b of chosen) {
    const tb = Date.now();
    try {
      await b.run();
    } catch (e) {
      failed++;
      console.log(`${b.name.padEnd(20)} FAILED: ${(e as Error).message}`);
    }
    console.log(`${''.padEnd(20)} · ${b.name}: ${((Date.now() - tb) / 1000).toFixed(0)} s of wall time`);
  }
  const loadNow = os.loadavg()[0].toFixed(2);
  console.log(
    `done in ${((Date.now() - t0) / 1000).toFixed(0)} s, load average now ${loadNow}` +
      (failed > 0 ? `; ${failed} failed` : ''),
  );
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
