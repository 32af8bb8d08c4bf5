// `udp`: datagrams per wall second between two simulated hosts (64-byte
// datagrams in acknowledged bursts of 32) and the wall cost of a one-datagram
// ping-pong, against the same two programs run natively over loopback.
import {
  field,
  fmt,
  fmtCount,
  fmtMs,
  note,
  program,
  ratio,
  report,
  runNative,
  startNativeServer,
  umbraPerOp,
  UmbraConfig,
  us,
} from './harness';

const SMALL = 32;
const SIZE = 64;
const REPS = 2;

interface Case {
  name: string;
  /** Datagrams per acknowledged burst: 1 makes it a ping-pong. */
  burst: number;
  umbraN: number;
  nativeN: number;
}

const CASES: Case[] = [
  { name: 'udp', burst: 32, umbraN: 60_000, nativeN: 500_000 },
  { name: 'udp-pingpong', burst: 1, umbraN: 15_000, nativeN: 100_000 },
];

function cfg(burst: number): (n: number) => UmbraConfig {
  const prog = program('bench_udp');
  return (n) => ({
    hosts: {
      server: [{ path: prog, args: 'server 9100' }],
      client: [{ path: prog, args: `client server 9100 ${n} ${burst} ${SIZE}`, start_time: '1 s' }],
    },
  });
}

/** One native run over loopback: returns the client's output. */
async function nativeOnce(n: number, burst: number): Promise<string> {
  const prog = program('bench_udp');
  const server = await startNativeServer(prog, ['server', '0'], /port=(\d+)/);
  try {
    const out = runNative(prog, ['client', '127.0.0.1', String(server.port), String(n), String(burst), String(SIZE)]);
    // The server ends on the client's last message; a lost one would leave it waiting.
    const timer = setTimeout(() => server.kill(), 5000);
    await server.closed;
    clearTimeout(timer);
    return out;
  } finally {
    server.kill();
  }
}

export async function runUdp(): Promise<void> {
  for (const c of CASES) {
    let u;
    try {
      u = umbraPerOp(cfg(c.burst), SMALL, c.umbraN, REPS);
    } catch (e) {
      report(c.name, `skipped: UDP between hosts does not run under umbra (${(e as Error).message.split('\n')[0]})`);
      return;
    }
    const out = u.last.stdout('client', 'bench_udp');
    if (field(out, 'acked') !== c.umbraN) throw new Error(`umbra ${c.name} run lost datagrams: ${out}`);
    let nativeNs = Infinity;
    let lost = 0;
    for (let i = 0; i < REPS; i++) {
      const o = await nativeOnce(c.nativeN, c.burst);
      const perDatagram = field(o, 'elapsed_ns') / field(o, 'sent');
      if (perDatagram < nativeNs) {
        nativeNs = perDatagram;
        lost = field(o, 'sent') - field(o, 'acked');
      }
    }
    const unit = c.burst > 1 ? 'datagrams' : 'round trips';
    const how =
      `umbra: 2 hosts on a 1_gbit_switch, ${fmtCount(c.umbraN)} ${unit}, start-up ${fmtMs(u.startupNs)} subtracted; ` +
      `native: loopback, ${fmtCount(c.nativeN)} ${unit}` +
      (lost > 0 ? `, ${lost} lost` : '') +
      `; best of ${REPS}`;
    if (c.burst > 1) {
      report(
        c.name,
        `umbra ${fmt(1e9 / u.perOpNs)} datagrams/s`,
        `native ${fmt(1e9 / nativeNs)} datagrams/s`,
        `ratio ${ratio(u.perOpNs / nativeNs)} slower`,
      );
      note(`${SIZE}-byte datagrams client → server in bursts of ${c.burst}, one ack per burst; ${how}`);
    } else {
      report(
        c.name,
        `umbra ${us(u.perOpNs)}/round trip`,
        `native ${us(nativeNs)}/round trip`,
        `ratio ${ratio(u.perOpNs / nativeNs)}`,
      );
      note(`one ${SIZE}-byte datagram and its ack per round trip (simulated link latency costs no wall time); ${how}`);
    }
  }
}
