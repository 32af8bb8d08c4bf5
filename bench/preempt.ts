// `preempt-overhead`: the emulated-syscall loop with native preemption
// enabled (its timer re-armed on every return from the simulator, never
// firing) against disabled, both under umbra in the same run.
import { field, fmtCount, note, program, report, runUmbra, UmbraConfig, us, verdict } from './harness';

const N = 300_000;
const SMALL = 10;
const REPS = 2;

function cfg(enabled: boolean, n: number): UmbraConfig {
  return {
    hosts: { box: [{ path: program('bench_syscall'), args: `getppid ${n}` }] },
    experimental: { native_preemption_enabled: enabled },
  };
}

interface Best {
  small: number;
  large: number;
  /** Simulated duration of the loop as the program saw it. */
  simNs: number;
}

export function runPreempt(): void {
  const best: Record<'off' | 'on', Best> = {
    off: { small: Infinity, large: Infinity, simNs: 0 },
    on: { small: Infinity, large: Infinity, simNs: 0 },
  };
  // Interleave the two settings so a burst of machine noise hits both.
  for (let i = 0; i < REPS; i++) {
    for (const key of ['off', 'on'] as const) {
      const b = best[key];
      b.small = Math.min(b.small, runUmbra(cfg(key === 'on', SMALL)).wallNs);
      const r = runUmbra(cfg(key === 'on', N));
      b.large = Math.min(b.large, r.wallNs);
      const out = r.stdout('box', 'bench_syscall');
      if (field(out, 'calls') !== N) throw new Error(`getppid loop did not finish: ${out}`);
      b.simNs = Math.max(b.simNs, field(out, 'elapsed_ns'));
    }
  }
  const perCall = (b: Best): number => Math.max(0, b.large - b.small) / (N - SMALL);
  const offNs = perCall(best.off);
  const onNs = perCall(best.on);
  const overhead = (onNs / offNs - 1) * 100;
  // A firing charges simulated time (sim_interval); the loop alone charges the same with or without.
  const extra = best.on.simNs - best.off.simNs;
  const fired = extra === 0 ? 'never fired' : `FIRED: simulated time +${extra / 1e6} ms`;
  report(
    'preempt-overhead',
    `enabled ${us(onNs)}/call`,
    `disabled ${us(offNs)}/call`,
    `overhead ${overhead.toFixed(1)}%`,
    `(${fired})`,
    verdict('< 15%', overhead < 15),
  );
  note(`getppid loop, ${fmtCount(N)} calls, default intervals; start-up subtracted, best of ${REPS} each, interleaved`);
}
