// `static`: what a static program pays for running through umbra's loader. The same bench_syscall
// loop built three ways (dynamic, gcc -static, musl-gcc -static) measured in one run: the emulated
// round trip (getppid) of each static build against the dynamic one (target ≤ 1.5×), and, for the
// choice of keeping AT_SYSINFO_EHDR with a patched vDSO, a static program's clock read through
// the patched vDSO against the same read as a trapped syscall (what libc does without a vDSO).
import * as path from 'node:path';
import { field, fmtCount, note, program, ratio, report, umbraPerOp, UmbraConfig, us, verdict } from './harness';
import { PROGRAMS } from '../tests/helpers/umbra';

const REPS = 3;

function loop(prog: string, mode: string): (n: number) => UmbraConfig {
  return (n) => ({ hosts: { box: [{ path: prog, args: `${mode} ${n}` }] } });
}

export function runStatic(): void {
  const dynamic = program('bench_syscall');
  const builds = ['glibc', 'musl'].map((libc) => path.join(PROGRAMS, 'static', `bench_syscall-${libc}`));

  const N = 300_000;
  const dyn = umbraPerOp(loop(dynamic, 'getppid'), 10, N, REPS);
  for (const prog of builds) {
    const s = umbraPerOp(loop(prog, 'getppid'), 10, N, REPS);
    if (field(s.last.stdout('box', path.basename(prog)), 'calls') !== N) throw new Error(`${prog} did not finish`);
    const x = s.perOpNs / dyn.perOpNs;
    report(
      `static-roundtrip-${path.basename(prog).replace('bench_syscall-', '')}`,
      `static ${us(s.perOpNs)}/call`,
      `dynamic ${us(dyn.perOpNs)}/call`,
      `ratio ${ratio(x)}`,
      verdict('≤ 1.5x dynamic', x <= 1.5),
    );
  }
  note(`getppid via syscall(2) under umbra, ${fmtCount(N)} calls; start-up subtracted, best of ${REPS}`);

  const NV = 50_000_000;
  const NT = 1_000_000;
  const glibc = builds[0];
  const vdso = umbraPerOp(loop(glibc, 'clock'), 10, NV, REPS);
  const trap = umbraPerOp(loop(glibc, 'rawclock'), 10, NT, REPS);
  report(
    'static-clock-vdso',
    `patched vDSO ${us(vdso.perOpNs)}/call`,
    `trapped syscall ${us(trap.perOpNs)}/call`,
    `ratio ${ratio(vdso.perOpNs / trap.perOpNs)}`,
    '(why the loader keeps AT_SYSINFO_EHDR)',
  );
  note(`gcc -static clock_gettime(CLOCK_MONOTONIC): libc → patched vDSO vs an inline syscall (SIGSYS trap)`);
}
