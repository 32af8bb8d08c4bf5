// `getrandom`: calls per wall second of getrandom(16 bytes) under umbra, where
// the shim answers it from the host's seeded stream (no round trip to the
// simulator), against the same loop natively.
import {
  field,
  fmt,
  fmtCount,
  fmtMs,
  nativePerOp,
  note,
  program,
  ratio,
  report,
  umbraPerOp,
  UmbraConfig,
} from './harness';

const REPS = 3;
const SIZE = 16;

function loop(n: number): UmbraConfig {
  return { hosts: { box: [{ path: program('bench_random'), args: `${n} ${SIZE}` }] } };
}

export function runRandom(): void {
  const N = 1_000_000;
  const u = umbraPerOp(loop, 10, N, REPS);
  if (field(u.last.stdout('box', 'bench_random'), 'calls') !== N) throw new Error('getrandom loop did not finish');
  const nat = nativePerOp(program('bench_random'), [String(N), String(SIZE)], N, REPS);
  report(
    'getrandom',
    `umbra ${fmt(1e9 / u.perOpNs)} calls/s`,
    `native ${fmt(1e9 / nat)} calls/s`,
    `umbra/native time ${ratio(u.perOpNs / nat)}`,
  );
  note(
    `getrandom(${SIZE} bytes) as a raw syscall, ${fmtCount(N)} calls; umbra start-up ${fmtMs(u.startupNs)} subtracted, ` +
      `best of ${REPS}`,
  );
}

if (require.main === module) runRandom();
