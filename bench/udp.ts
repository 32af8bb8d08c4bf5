// UDP benchmark: datagrams per wall-clock second for the same two programs
// run natively over loopback and under umbra (two hosts on a 1 Gbit switch),
// printed side by side with their ratio. Run: node dist/bench/udp.js [scale]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const UMBRA = path.join(REPO, 'bin', 'umbra.js');
const PROGRAMS = path.join(REPO, 'native', 'out', 'programs');

interface Workload {
  name: string;
  /** Datagrams the workload moves (both directions). */
  datagrams: number;
  server: string[];
  /** Client arguments; HOST is replaced by the server's name or 127.0.0.1. */
  client: string[];
  program: (side: 'server' | 'client') => string;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Runs server then client natively; returns the client's wall seconds (the server then ends or is killed). */
function runNative(w: Workload): number {
  const server = spawn(w.program('server'), w.server, { stdio: 'ignore' });
  spawnSync('sleep', ['0.2']); // let the server bind before the client sends
  const t0 = nowNs();
  const c = spawnSync(w.program('client'), w.client.map((a) => (a === 'HOST' ? '127.0.0.1' : a)), { stdio: 'ignore' });
  const seconds = Number(nowNs() - t0) / 1e9;
  if (c.status !== 0) throw new Error(`${w.name}: native client failed (${c.status})`);
  const deadline = Date.now() + 5_000;
  while (server.exitCode === null && Date.now() < deadline) spawnSync('sleep', ['0.05']);
  if (server.exitCode === null) server.kill('SIGKILL');
  return seconds;
}

/** Runs the pair under umbra; returns the wall seconds umbra reports for the simulation. */
function runUmbra(w: Workload): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-bench-'));
  const q = (args: string[]): string => JSON.stringify(args.map((a) => (a === 'HOST' ? 'server' : a)).join(' '));
  fs.writeFileSync(path.join(dir, 'bench.yaml'), `general:
  stop_time: 1 h
  data_directory: out.data
  heartbeat_interval: null
network:
  graph:
    type: 1_gbit_switch
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: ${w.program('server')}, args: ${q(w.server)}}
  client:
    network_node_id: 0
    processes:
    - {path: ${w.program('client')}, args: ${q(w.client)}, start_time: 1s}
`);
  const r = spawnSync(process.execPath, [UMBRA, 'bench.yaml'], { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /in ([0-9.]+) s of wall time/.exec(r.stderr + r.stdout);
  if (r.status !== 0 || !m) throw new Error(`${w.name}: umbra run failed:\n${r.stderr}${r.stdout}`);
  return Number(m[1]);
}

function main(): void {
  const scale = Number(process.argv[2] ?? '1');
  const pings = Math.round(5000 * scale);
  const bytes = Math.round(20_000_000 * scale);
  const workloads: Workload[] = [
    {
      name: `ping-pong x${pings}`,
      datagrams: 2 * pings,
      server: ['server', '9000', String(pings)],
      client: ['client', 'HOST', '9000', String(pings)],
      program: () => path.join(PROGRAMS, 'udp_pingpong'),
    },
    {
      name: `stream ${bytes / 1e6} MB in 1 KiB datagrams`,
      datagrams: Math.ceil(bytes / 1024),
      server: ['sink', '9000', '500'],
      client: ['source', 'HOST', '9000', String(bytes), '1024', '0'],
      program: () => path.join(PROGRAMS, 'udp_tool'),
    },
  ];
  const rows: string[][] = [['workload', 'native dgrams/s', 'umbra dgrams/s', 'umbra / native']];
  for (const w of workloads) {
    const native = w.datagrams / runNative(w);
    const umbra = w.datagrams / runUmbra(w);
    rows.push([w.name, native.toFixed(0), umbra.toFixed(0), (umbra / native).toFixed(3)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log('(native: loopback on this machine, sink losses included; umbra: wall time of the simulation, 1 Gbit switch)');
}

main();
