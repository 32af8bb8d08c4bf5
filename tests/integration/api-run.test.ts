// The TypeScript API for test suites: simulate()'s per-process and per-host
// results; run() in a child process while the caller's event loop keeps going;
// assertions whose messages name the seed and the data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, expectProcess, run, scenario, simulate, SimulationAssertionError } from '../../src/index';
import { program, tempDir } from '../helpers/umbra';

const pingpong = (dataDirectory: string) =>
  scenario({
    stopTime: '10 s',
    seed: 3,
    dataDirectory,
    hosts: {
      server: { pcap: true, processes: [{ path: program('udp_pingpong'), args: 'server 9000 5' }] },
      client: { processes: [{ path: program('udp_pingpong'), args: 'client server 9000 5', startTime: '1 s' }] },
    },
  });

test('simulate(): outputs, exit states, pids, simulated times, bytes per host, pcap and report paths', () => {
  const dir = tempDir();
  const r = simulate(pingpong('out'), { cwd: dir });
  assert.equal(r.dataDir, path.join(dir, 'out'));
  assert.equal(r.seed, 3);
  const client = expectProcess(r, 'client', 'udp_pingpong').exitedWith(0).process;
  assert.equal(client.name, 'client.udp_pingpong.1000');
  assert.equal(client.pid, 1000);
  assert.equal(client.startTimeNs, 1e9);
  assert.ok(client.endTimeNs !== null && client.endTimeNs > 1e9);
  assert.equal(client.stdoutPath, path.join(dir, 'out', 'hosts', 'client', 'udp_pingpong.1000.stdout'));
  assert.equal(client.stdout, fs.readFileSync(client.stdoutPath, 'utf8'));
  assert.match(client.stdout, /^client: server is 11\.0\.0\.\d+\n/);
  assert.equal(client.stdout.trim().split('\n').length, 6);
  assert.deepEqual(client.exit, { kind: 'exited', code: 0 });
  const server = r.hosts.find((h) => h.name === 'server');
  const clientHost = r.hosts.find((h) => h.name === 'client');
  assert.ok(server && clientHost);
  assert.equal(server.packetsReceived, 5);
  assert.equal(server.bytesReceived, clientHost.bytesSent);
  assert.deepEqual(server.pcapPaths, [
    path.join(dir, 'out', 'hosts', 'server', 'eth0.pcap'),
    path.join(dir, 'out', 'hosts', 'server', 'lo.pcap'),
  ]);
  assert.deepEqual(r.pcapPaths, server.pcapPaths);
  assert.equal(r.reportPath, path.join(dir, 'out', 'report.html'));
  assert.ok(fs.existsSync(r.reportPath));
  // A failed expectation names the process, the seed and the data directory.
  assert.throws(
    () => expectProcess(r, 'client', 'udp_pingpong').stdoutMatches('no such line'),
    (e: unknown) =>
      e instanceof SimulationAssertionError &&
      e.message.startsWith(`seed 3, data directory ${r.dataDir}: process client.udp_pingpong.1000 wrote nothing`),
  );
  assert.throws(
    () => expectProcess(r, 'client', 'curl'),
    /no process 'curl' on host 'client' \(it has: client\.udp_pingpong\.1000\)/,
  );
});

test('run() simulates in a child process: the event loop keeps turning meanwhile', async () => {
  const dir = tempDir();
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  const pending = run(pingpong(path.join(dir, 'a')));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const seenBeforeEnd = turns;
  const r = await pending;
  clearInterval(timer);
  assert.ok(seenBeforeEnd > 0, 'no timer ran while the simulation was going');
  expectProcess(r, 'client', 'udp_pingpong').exitedWith(0);
  assert.equal(r.processes.length, 2);
  await assert.rejects(
    run({ general: { stop_time: 'soon' } }),
    (e: unknown) => e instanceof ConfigError && /stop_time/.test(e.message),
  );
});
