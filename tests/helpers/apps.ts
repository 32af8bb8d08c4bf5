// Debian servers and their clients under umbra, shared by the fast tier
// (short runs) and the slow tier (the full-length ones): nginx serving one
// file to curl and wget clients, iperf3 on the 1 Gbit switch, and
// redis-benchmark against redis-server across hosts and over loopback.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, RunOptions, runUmbra, tempDir, UmbraRun, which } from './umbra';

/**
 * Writes DIR/nginx.conf for one foreground nginx process with one server
 * block (`server`, e.g. "listen 80; root /x;"), errors to stderr; run it as
 * `nginx -c DIR/nginx.conf -p .` from the host's folder.
 */
export function writeNginxConf(dir: string, server: string, opts: { workerConnections: number; http?: string }): void {
  const http = opts.http === undefined ? '' : `  ${opts.http}\n`;
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid nginx.pid;
events { worker_connections ${opts.workerConnections}; }
http {
  access_log off;
${http}  server { ${server} }
}
`,
  );
}

/**
 * nginx (sendfile on, one process) serves a BYTES-long file of deterministic
 * but not periodic content to five curl and five wget hosts; checks that each
 * got it byte for byte and that nginx used sendfile.
 */
export function nginxServesFile(bytes: number, opts: RunOptions = {}): void {
  const nginx = which('nginx');
  const dir = tempDir();
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  const data = Buffer.alloc(bytes);
  let x = 0x12345678;
  for (let i = 0; i + 4 <= data.length; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data.writeUInt32LE(x, i);
  }
  fs.writeFileSync(path.join(www, 'big.bin'), data);
  const want = crypto.createHash('sha256').update(data).digest('hex');
  writeNginxConf(dir, `listen 80; root ${www};`, { workerConnections: 1024, http: 'sendfile on;' });
  let hosts = host('server', [{ path: nginx, args: `-c ${dir}/nginx.conf -p .`, expected_final_state: 'running' }]);
  const clients: string[] = [];
  for (let i = 0; i < 5; i++) {
    hosts += host(`curl${i}`, [{ path: 'curl', args: '-s -f -o big.bin http://server/big.bin', start_time: '2s' }]);
    hosts += host(`wget${i}`, [{ path: 'wget', args: '-q -O big.bin http://server/big.bin', start_time: '2s' }]);
    clients.push(`curl${i}`, `wget${i}`);
  }
  const r = runUmbra(config(hosts, 'stop_time: 30s'), [], { ...opts, dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const c of clients) {
    const got = fs.readFileSync(path.join(r.dataDir, 'hosts', c, 'big.bin'));
    assert.equal(got.length, data.length, c);
    assert.equal(crypto.createHash('sha256').update(got).digest('hex'), want, `${c}: sha256`);
  }
  const stats = JSON.parse(fs.readFileSync(path.join(r.dataDir, 'sim-stats.json'), 'utf8')) as {
    syscalls: Record<string, number>;
  };
  assert.ok((stats.syscalls.sendfile ?? 0) > 0, 'nginx used sendfile');
}

/** iperf3 -s on one host and iperf3 -c server -t SECONDS on another, both on the 1 Gbit switch. */
export function iperf3Config(seconds: number): string {
  const iperf3 = which('iperf3');
  return config(
    host('server', [{ path: iperf3, args: '-s', expected_final_state: 'running' }]) +
      host('client', [{ path: iperf3, args: `-c server -t ${seconds}`, start_time: '2s' }]),
    `stop_time: ${seconds + 10}s\nmodel_unblocked_syscall_latency: true`,
  );
}

/** The client's summary says close to 1 Gbit/s over the whole run, with per-second lines that show cwnd. */
export function assertIperf3NearGigabit(r: UmbraRun, seconds: number): void {
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const out = r.output('client', 'iperf3.1000.stdout');
  assert.match(out, /iperf Done\./);
  const m = new RegExp(
    `0\\.00-${seconds}\\.00\\s+sec\\s+[0-9.]+ [GM]Bytes\\s+([0-9.]+) Mbits/sec\\s+(\\d+)\\s+sender`,
  ).exec(out);
  assert.ok(m, out);
  const mbps = Number(m[1]);
  // TCP/IP headers take 52 of every 1500 bytes: 965 Mbit/s of payload at most.
  assert.ok(mbps >= 900 && mbps <= 1000, `${mbps} Mbit/s`);
  assert.match(
    out,
    /^\[\s*5\]\s+0\.00-1\.00\s+sec.*Mbits\/sec\s+\d+\s+[0-9.]+ [KM]Bytes/m,
    'per-interval lines with cwnd (TCP_INFO)',
  );
}

/** redis-server on host server; redis-benchmark -n REQUESTS (SET and GET) over loopback and from host client. */
export function redisConfig(requests: number): string {
  const server = which('redis-server');
  const bench = which('redis-benchmark');
  const args = (h: string): string => `"-h ${h} -q -n ${requests} -t set,get"`;
  return config(
    host('server', [
      `{path: ${server}, args: "--save \\"\\" --appendonly no --port 6379 --protected-mode no", ` +
        'expected_final_state: running}',
      `{path: ${bench}, args: ${args('127.0.0.1')}, start_time: 1s}`,
    ]) + host('client', [`{path: ${bench}, args: ${args('server')}, start_time: 1s}`]),
    'stop_time: 30s\nmodel_unblocked_syscall_latency: true',
  );
}

/** Both benchmarks report SET and GET rates: about 25k requests/s across the switch, more over loopback. */
export function assertRedisRates(r: UmbraRun): void {
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const rates = (text: string): number[] =>
    [...text.replace(/\r/g, '\n').matchAll(/^(SET|GET): ([0-9.]+) requests per second/gm)].map((m) => Number(m[2]));
  const remote = rates(r.output('client', 'redis-benchmark.1000.stdout'));
  assert.equal(remote.length, 2, r.output('client', 'redis-benchmark.1000.stdout'));
  // 50 clients, one request each per 2 ms round trip on the switch: about 25k requests/s.
  for (const v of remote) assert.ok(v > 15_000 && v < 30_000, `remote ${v} req/s`);
  const localFile = r.files('server').find((f) => f.startsWith('redis-benchmark.') && f.endsWith('.stdout')) ?? '';
  const local = rates(r.output('server', localFile));
  assert.equal(local.length, 2, r.output('server', localFile));
  for (const v of local) assert.ok(v > 30_000, `loopback ${v} req/s`);
}
