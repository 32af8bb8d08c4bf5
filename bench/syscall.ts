// `syscall`: cost of one syscall emulated by the simulator (getppid: shim →
// shared memory → simulator → back) and of syscalls the shim answers itself
// (clock_gettime via libc/vDSO, and as a trapped raw syscall), against native.
import {
  field,
  fmtCount,
  fmtMs,
  nativePerOp,
  note,
  program,
  ratio,
  report,
  umbraPerOp,
  UmbraConfig,
  us,
  verdict,
} from './harness';

const REPS = 2;

/** tests/programs/bench_syscall running `mode` n times on one host (ipc.ts runs its other modes). */
export function loop(mode: string, preloadLibc = true): (n: number) => UmbraConfig {
  return (n) => ({
    hosts: { box: [{ path: program('bench_syscall'), args: `${mode} ${n}` }] },
    experimental: { use_preload_libc: preloadLibc },
  });
}

export function runSyscall(): void {
  const prog = program('bench_syscall');

  // Emulated round trip.
  const N = 1_000_000;
  const u = umbraPerOp(loop('getppid'), 10, N, REPS);
  if (field(u.last.stdout('box', 'bench_syscall'), 'calls') !== N) throw new Error('getppid loop did not finish');
  const nat = nativePerOp(prog, ['getppid', String(N)], N, REPS);
  report(
    'syscall-roundtrip',
    `umbra ${us(u.perOpNs)}/call`,
    `native ${us(nat)}/call`,
    `ratio ${ratio(u.perOpNs / nat)}`,
    verdict('< 5 µs', u.perOpNs < 5000),
  );
  note(
    `getppid via syscall(2), ${fmtCount(N)} calls; umbra start-up ${fmtMs(u.startupNs)} subtracted, best of ${REPS}`,
  );

  // The same with use_preload_libc off: syscall() traps (the cost the wrapper saves).
  const ut = umbraPerOp(loop('getppid', false), 10, N, REPS);
  report(
    'syscall-rt-trapped',
    `umbra ${us(ut.perOpNs)}/call`,
    `native ${us(nat)}/call`,
    `ratio ${ratio(ut.perOpNs / nat)}`,
    '(use_preload_libc: false)',
  );
  note('the getppid loop with every call trapped by seccomp instead of entering through the libc wrapper');

  // clock_gettime through libc: the shim's interposed function / patched vDSO.
  const NU = 60_000_000;
  const NN = 10_000_000;
  const c = umbraPerOp(loop('clock'), 10, NU, REPS);
  const cn = nativePerOp(prog, ['clock', String(NN)], NN, REPS);
  report(
    'syscall-shim-clock',
    `umbra ${us(c.perOpNs)}/call`,
    `native ${us(cn)}/call`,
    `ratio ${ratio(c.perOpNs / cn)}`,
    verdict('< 3x native', c.perOpNs < 3 * cn),
  );
  note(
    `clock_gettime(CLOCK_MONOTONIC) through libc, answered in the shim; umbra ${fmtCount(NU)} calls, native ${fmtCount(NN)}`,
  );

  // The same call as a raw syscall instruction: seccomp trap, answered in the shim.
  const NR = 1_000_000;
  const r = umbraPerOp(loop('rawclock'), 10, NR, REPS);
  const rn = nativePerOp(prog, ['rawclock', String(NR)], NR, REPS);
  report(
    'syscall-trap-clock',
    `umbra ${us(r.perOpNs)}/call`,
    `native ${us(rn)}/call`,
    `ratio ${ratio(r.perOpNs / rn)}`,
    '(no target: seccomp trap floor)',
  );
  note(`clock_gettime as an inline 'syscall' instruction: SIGSYS trap, answered in the shim without the simulator`);
}
