// `futex`: two threads of one process handing a turn back and forth, with
// raw FUTEX_WAIT/FUTEX_WAKE and with a pthread mutex + condition variable:
// wall time per round trip under umbra against the same program natively.
import { field, fmtCount, nativePerOp, note, program, ratio, report, umbraPerOp, UmbraConfig, us } from './harness';

const REPS = 2;

function cfg(mode: string): (n: number) => UmbraConfig {
  return (n) => ({ hosts: { box: [{ path: program('bench_futex'), args: `${mode} ${n}` }] } });
}

export function runFutex(): void {
  const prog = program('bench_futex');
  const cases: { mode: string; name: string; umbraN: number; nativeN: number; what: string }[] = [
    {
      mode: 'raw',
      name: 'futex-raw',
      umbraN: 15_000,
      nativeN: 100_000,
      what: 'FUTEX_WAKE + FUTEX_WAIT on a shared word',
    },
    {
      mode: 'condvar',
      name: 'futex-condvar',
      umbraN: 15_000,
      nativeN: 40_000,
      what: 'pthread_mutex + pthread_cond_wait/signal',
    },
  ];
  for (const c of cases) {
    const u = umbraPerOp(cfg(c.mode), 10, c.umbraN, REPS);
    if (field(u.last.stdout('box', 'bench_futex'), 'rounds') !== c.umbraN) throw new Error(`${c.name} did not finish`);
    const n = nativePerOp(prog, [c.mode, String(c.nativeN)], c.nativeN, REPS);
    report(c.name, `umbra ${us(u.perOpNs)}/round trip`, `native ${us(n)}/round trip`, `ratio ${ratio(u.perOpNs / n)}`);
    note(`${c.what}, two threads; umbra ${fmtCount(c.umbraN)} round trips, native ${fmtCount(c.nativeN)}`);
  }
}
