// `curl-example`: wall time of the documentation's first simulation (python3
// -m http.server on one host, three hosts running curl at 5 s, 10 s simulated)
// from CLI start to exit, against the same programs run natively on loopback
// (server start to the last curl's exit). Target: under 2 s.
import { spawn } from 'node:child_process';
import { removeTempDir, tempDir } from '../tests/helpers/umbra';
import { fmt, note, ratio, report, runUmbra, startNativeServer, verdict } from './harness';

const REPS = 3;
const TARGET_NS = 1e9;

function umbraOnce(): number {
  const curl = [{ path: 'curl', args: '-s server', start_time: '5s' }];
  const r = runUmbra({
    hosts: {
      server: [{ path: 'python3', args: '-m http.server 80', start_time: '3s', expected_final_state: 'running' }],
      client1: curl,
      client2: curl,
      client3: curl,
    },
    stopTime: '10s',
    general: 'model_unblocked_syscall_latency: true',
  });
  for (const c of ['client1', 'client2', 'client3'])
    if (!r.stdout(c, 'curl').includes('Directory listing for /')) throw new Error(`${c} did not get the listing`);
  return r.wallNs;
}

/** Native: server start until three parallel curls have the listing. */
async function nativeOnce(): Promise<number> {
  const dir = tempDir('umbra-bench-curl-native-');
  const t0 = process.hrtime.bigint();
  const args = ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'];
  const server = await startNativeServer('python3', args, /port (\d+)/, { cwd: dir, quiet: true });
  try {
    const port = server.port;
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
    server.kill();
    removeTempDir(dir);
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
    verdict('< 1 s', umbraNs < TARGET_NS),
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
