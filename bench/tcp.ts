// `tcp`: a 1 GiB bulk transfer between two hosts on a 10 Gbit link under
// umbra against the same two programs over native loopback: wall seconds and
// bytes per wall second side by side, with their ratio. The umbra figure is
// the CLI's wall time for 1 GiB minus that for 1 MiB (start-up cancels).
import { field, fmt, note, program, ratio, report, runNative, runUmbra, startNativeServer } from './harness';

const LARGE = 1024 * 1024 * 1024;
const SMALL = 1024 * 1024;
const REPS = 2;

interface UmbraRun {
  wallNs: number;
  simNs: number;
}

/** Two hosts on one node of a 10 Gbit GML graph, 50 µs apart (a data-centre link). */
function umbraOnce(bytes: number): UmbraRun {
  const prog = program('tcp_bulk');
  const r = runUmbra({
    hosts: {
      server: [{ path: prog, args: `server 8080 ${bytes}` }],
      client: [{ path: prog, args: 'client server 8080 nocheck', start_time: '1 s' }],
    },
    stopTime: '1 h',
    general: 'heartbeat_interval: null',
    graph: { bandwidth: '10 Gbit', latency: '50 us' },
  });
  const out = r.stdout('client', 'tcp_bulk');
  if (field(out, 'bytes') !== bytes) throw new Error(`umbra transfer incomplete: ${out}`);
  return { wallNs: r.wallNs, simNs: field(out, 'elapsed_ns') };
}

/** One native run over loopback: the client's own wall nanoseconds from connect to EOF. */
async function nativeOnce(bytes: number): Promise<number> {
  const prog = program('tcp_bulk');
  const server = await startNativeServer(prog, ['server', '0', String(bytes)], /port=(\d+)/);
  try {
    const out = runNative(prog, ['client', '127.0.0.1', String(server.port), 'nocheck']);
    if (field(out, 'bytes') !== bytes) throw new Error(`native transfer incomplete: ${out}`);
    await server.closed;
    return field(out, 'elapsed_ns');
  } finally {
    server.kill();
  }
}

export async function runTcp(): Promise<void> {
  let small = Infinity;
  let large = Infinity;
  let simNs = 0;
  for (let i = 0; i < REPS; i++) {
    small = Math.min(small, umbraOnce(SMALL).wallNs);
    const r = umbraOnce(LARGE);
    large = Math.min(large, r.wallNs);
    simNs = r.simNs;
  }
  const umbraNs = Math.max(1, large - small);
  let nativeNs = Infinity;
  for (let i = 0; i < 3; i++) nativeNs = Math.min(nativeNs, await nativeOnce(LARGE));
  const gib = LARGE / 2 ** 30;
  const rate = (ns: number): string => `${fmt((LARGE * 8) / ns)} Gbit/s`.replace(/,/g, '');
  report(
    'tcp',
    `umbra ${fmt(umbraNs / 1e9)} s (${rate(umbraNs)} of wall time)`,
    `native ${fmt(nativeNs / 1e9)} s (${rate(nativeNs)})`,
    `umbra/native wall ${ratio(umbraNs / nativeNs)}`,
  );
  note(
    `${gib} GiB client←server; umbra: two hosts on a 10 Gbit link, 50 µs apart, CLI wall for 1 GiB minus 1 MiB, best of ${REPS}; ` +
      `simulated transfer ${fmt(simNs / 1e9)} s (${rate(simNs)}); native: loopback, best of 3`,
  );
}

if (require.main === module) {
  runTcp().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
