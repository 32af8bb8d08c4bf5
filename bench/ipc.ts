// `pipe` and `spawn`: a 1-byte pipe write and its read (two emulated calls on
// one pipe) and posix_spawn + waitpid of /bin/true, under umbra against native.
import { field, fmtCount, fmtMs, nativePerOp, note, program, ratio, report, umbraPerOp, us, verdict } from './harness';
import { loop } from './syscall';

const REPS = 2;

function one(name: string, mode: string, n: number, nativeN: number, target: number, what: string, libc = true): void {
  const u = umbraPerOp(loop(mode, libc), 10, n, REPS);
  if (field(u.last.stdout('box', 'bench_syscall'), 'calls') !== n) throw new Error(`${mode} loop did not finish`);
  const nat = nativePerOp(program('bench_syscall'), [mode, String(nativeN)], nativeN, REPS);
  report(
    name,
    `umbra ${us(u.perOpNs)}/op`,
    `native ${us(nat)}/op`,
    `ratio ${ratio(u.perOpNs / nat)}`,
    verdict(`<= ${target}x native`, u.perOpNs <= target * nat),
  );
  note(
    `${what}, umbra ${fmtCount(n)}, native ${fmtCount(nativeN)}; umbra start-up ${fmtMs(u.startupNs)} subtracted, best of ${REPS}`,
  );
}

export function runPipe(): void {
  one('pipe-pair', 'pipe', 100_000, 1_000_000, 3, 'write(1 byte) then read(1 byte) on one pipe');
  one(
    'pipe-pair-trapped',
    'pipe',
    100_000,
    1_000_000,
    3,
    'the same with use_preload_libc: false (every call trapped)',
    false,
  );
}

export function runSpawn(): void {
  one('spawn-true', 'spawn', 300, 1_000, 1.5, 'posix_spawn(/bin/true) + waitpid');
}
