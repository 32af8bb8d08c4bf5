// `curl-example`: wall time of the documentation's first simulation (python3
// -m http.server on one host, three hosts running curl at 5 s, 10 s simulated)
// from CLI start to exit, against the same programs run natively on loopback
// (server start to the last curl's exit). Target: under 2 s.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fmt, note, ratio, report, UMBRA, verdict } from './harness';

const REPS = 3;
const TARGET_NS = 2e9;

const CONFIG = `general:
  stop_time: 10s
  data_directory: out.data
  model_unblocked_syscall_latency: true
network:
  graph:
    type: 1_gbit_switch
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: python3, args: -m http.server 80, start_time: 3s, expected_final_state: running}
  client1: &client
    network_node_id: 0
    processes:
    - {path: curl, args: -s server, start_time: 5s}
  client2: *client
  client3: *client
`;

function umbraOnce(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-bench-curl-'));
  try {
    fs.writeFileSync(path.join(dir, 'cfg.yaml'), CONFIG);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [UMBRA, 'cfg.yaml'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const ns = Number(process.hrtime.bigint() - t0);
    if (r.status !== 0) throw new Error(`umbra run failed: ${(r.stderr ?? '').split('\n').slice(-10).join('\n')}`);
    for (const c of ['client1', 'client2', 'client3']) {
      const out = fs.readFileSync(path.join(dir, 'out.data', 'hosts', c, 'curl.1000.stdout'), 'utf8');
      if (!out.includes('Directory listing for /')) throw new Error(`${c} did not get the listing`);
    }
    return ns;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Native: server start until three parallel curls have the listing. */
async function nativeOnce(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-bench-curl-native-'));
  const t0 = process.hrtime.bigint();
  const server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      server.stdout.setEncoding('utf8');
      server.stdout.on('data', (d: string) => {
        buf += d;
        const m = /port (\d+)/.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      server.on('error', reject);
      server.on('close', () => reject(new Error('python3 http.server exited early')));
    });
    const curls = [0, 1, 2].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const c = spawn('curl', ['-s', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          c.stdout.setEncoding('utf8');
          c.stdout.on('data', (d: string) => (out += d));
          c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl exited ${String(code)}`))));
        }),
    );
    const outs = await Promise.all(curls);
    const ns = Number(process.hrtime.bigint() - t0);
    if (!outs.every((o) => o.includes('Directory listing for /')))
      throw new Error('native curl did not get the listing');
    return ns;
  } finally {
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCurlExample(): Promise<void> {
  let umbraNs = Infinity;
  for (let i = 0; i < REPS; i++) umbraNs = Math.min(umbraNs, umbraOnce());
  let nativeNs = Infinity;
  for (let i = 0; i < REPS; i++) nativeNs = Math.min(nativeNs, await nativeOnce());
  report(
    'curl-example',
    `umbra ${fmt(umbraNs / 1e9)} s`,
    `native ${fmt(nativeNs / 1e9)} s`,
    `umbra/native ${ratio(umbraNs / nativeNs)}`,
    verdict('< 2 s', umbraNs < TARGET_NS),
  );
  note(
    `whole CLI run (start-up included) of python3 http.server + 3 curl hosts, 10 s simulated, best of ${REPS}; ` +
      'native: server start to the last of 3 parallel curls on loopback',
  );
}

if (require.main === module) {
  runCurlExample().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
