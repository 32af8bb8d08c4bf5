// `tcp`: a 1 GiB bulk transfer between two hosts on a 10 Gbit link under
// umbra against the same two programs over native loopback: wall seconds and
// bytes per wall second side by side, with their ratio. The umbra figure is
// the CLI's wall time for 1 GiB minus that for 1 MiB (start-up cancels).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { field, fmt, note, program, ratio, report, UMBRA } from './harness';
import { spawnSync } from 'node:child_process';

const LARGE = 1024 * 1024 * 1024;
const SMALL = 1024 * 1024;
const REPS = 2;

/** Two hosts on one node of a 10 Gbit GML graph, 50 µs apart (a data-centre link). */
function yaml(bytes: number, prog: string): string {
  return `general: {stop_time: 1 h, data_directory: out.data, heartbeat_interval: null}
network:
  graph:
    type: gml
    inline: |
      graph [
        node [ id 0 host_bandwidth_up "10 Gbit" host_bandwidth_down "10 Gbit" ]
        edge [ source 0 target 0 latency "50 us" ]
      ]
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: ${prog}, args: server 8080 ${bytes}}
  client:
    network_node_id: 0
    processes:
    - {path: ${prog}, args: client server 8080 nocheck, start_time: 1 s}
`;
}

interface UmbraRun {
  wallNs: number;
  simNs: number;
}

function umbraOnce(bytes: number): UmbraRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-bench-tcp-'));
  try {
    fs.writeFileSync(path.join(dir, 'cfg.yaml'), yaml(bytes, program('tcp_bulk')));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [UMBRA, 'cfg.yaml'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    const wallNs = Number(process.hrtime.bigint() - t0);
    if (r.status !== 0) throw new Error(`umbra run failed: ${(r.stderr ?? '').split('\n').slice(-10).join('\n')}`);
    const out = fs.readFileSync(path.join(dir, 'out.data', 'hosts', 'client', 'tcp_bulk.1000.stdout'), 'utf8');
    if (field(out, 'bytes') !== bytes) throw new Error(`umbra transfer incomplete: ${out}`);
    return { wallNs, simNs: field(out, 'elapsed_ns') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One native run over loopback: the client's own wall nanoseconds from connect to EOF. */
async function nativeOnce(bytes: number): Promise<number> {
  const prog = program('tcp_bulk');
  const server = spawn(prog, ['server', '0', String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => server.on('close', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      server.stdout.setEncoding('utf8');
      server.stdout.on('data', (d: string) => {
        buf += d;
        const m = /port=(\d+)/.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      server.on('error', reject);
      server.on('close', () => reject(new Error('native tcp server exited before naming its port')));
    });
    const c = spawnSync(prog, ['client', '127.0.0.1', String(port), 'nocheck'], { encoding: 'utf8', timeout: 120_000 });
    if (c.status !== 0) throw new Error(`native tcp client failed: ${c.stderr}`);
    if (field(c.stdout, 'bytes') !== bytes) throw new Error(`native transfer incomplete: ${c.stdout}`);
    await exited;
    return field(c.stdout, 'elapsed_ns');
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
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
