// Debian servers over simulated TCP: nginx (sendfile on) serving a 10 MiB
// file to ten curl and wget clients, byte for byte, and iperf3 measuring the
// 1 Gbit switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, runUmbra, tempDir } from '../helpers/umbra';

function which(name: string): string {
  const r = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  assert.ok(
    r.status === 0 && p !== '',
    `${name} is not installed (apt-get install -y nginx-light iperf3 redis-server redis-tools)`,
  );
  return p;
}

test('nginx (sendfile on) serves a 10 MiB file to five curl and five wget clients, byte-correct', () => {
  const nginx = which('nginx');
  const dir = tempDir();
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  // Deterministic but not trivially periodic content.
  const data = Buffer.alloc(10 * 1024 * 1024);
  let x = 0x12345678;
  for (let i = 0; i < data.length; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data.writeUInt32LE(x, i);
  }
  fs.writeFileSync(path.join(www, 'big.bin'), data);
  const want = crypto.createHash('sha256').update(data).digest('hex');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server { listen 80; root ${www}; }
}
`,
  );
  let hosts = `  server:
    network_node_id: 0
    processes:
    - {path: ${nginx}, args: -c ${dir}/nginx.conf -p ., expected_final_state: running}
`;
  const clients: string[] = [];
  for (let i = 0; i < 5; i++) {
    hosts += `  curl${i}:
    network_node_id: 0
    processes:
    - {path: curl, args: -s -f -o big.bin http://server/big.bin, start_time: 2s}
  wget${i}:
    network_node_id: 0
    processes:
    - {path: wget, args: -q -O big.bin http://server/big.bin, start_time: 2s}
`;
    clients.push(`curl${i}`, `wget${i}`);
  }
  const r = runUmbra(config(hosts, 'stop_time: 30s'), [], { dir });
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
});

test('iperf3 -s and iperf3 -c server -t 10 on the 1 Gbit switch: the client reports close to 1 Gbit/s', () => {
  const iperf3 = which('iperf3');
  const r = runUmbra(
    config(
      `  server:
    network_node_id: 0
    processes:
    - {path: ${iperf3}, args: -s, expected_final_state: running}
  client:
    network_node_id: 0
    processes:
    - {path: ${iperf3}, args: -c server -t 10, start_time: 2s}
`,
      'stop_time: 20s\nmodel_unblocked_syscall_latency: true',
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const out = r.output('client', 'iperf3.1000.stdout');
  assert.match(out, /iperf Done\./);
  const m = /0\.00-10\.00\s+sec\s+[0-9.]+ GBytes\s+([0-9.]+) Mbits\/sec\s+(\d+)\s+sender/.exec(out);
  assert.ok(m, out);
  const mbps = Number(m[1]);
  // TCP/IP headers take 52 of every 1500 bytes: 965 Mbit/s of payload at most.
  assert.ok(mbps >= 900 && mbps <= 1000, `${mbps} Mbit/s`);
  assert.match(
    out,
    /^\[\s*5\]\s+0\.00-1\.00\s+sec.*Mbits\/sec\s+\d+\s+[0-9.]+ [KM]Bytes/m,
    'per-interval lines with cwnd (TCP_INFO)',
  );
});
